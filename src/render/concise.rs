//! One line per finding: `path:line:col: severity[DS003] namespace/name: message`, as editors' quickfix
//! lists and grep-style tools expect. Text from manifests is escaped, so a finding is always
//! one line.

use std::fmt::Write;

use super::human::object_name;
use super::{Finding, escape};

pub fn line(f: &Finding) -> String {
    line_with(f, true)
}

/// The same line without its `severity[CODE]` tag, for a list that names the rule once.
pub fn untagged(f: &Finding) -> String {
    line_with(f, false)
}

fn line_with(f: &Finding, tagged: bool) -> String {
    let mut s = String::new();
    let _ = write!(s, "{}:{}:{}: ", escape(&f.file), f.line, f.column);
    if tagged {
        let _ = write!(s, "{}[{}] ", f.severity.as_str(), f.code);
    }
    if let Some(object) = f.object.as_ref().and_then(object_name) {
        let _ = write!(s, "{object}: ");
    }
    s.push_str(&escape(&f.message));
    if let Some(applied) = &f.suppression {
        let _ = write!(s, " {}", escape(&applied.describe()));
    }
    s
}

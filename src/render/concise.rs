//! One line per finding: `path:line:col: severity[DS003] message`, as editors' quickfix
//! lists and grep-style tools expect.

use std::fmt::Write;

use super::Finding;

pub fn line(f: &Finding) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "{}:{}:{}: {}[{}] {}",
        f.file,
        f.line,
        f.column,
        f.severity.as_str(),
        f.code,
        f.message
    );
    if let Some(applied) = &f.suppression {
        let _ = write!(s, " {}", applied.describe());
    }
    s
}

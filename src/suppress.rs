//! Suppressions: `# daemonlint: ignore CODES -- reason` comments (on the finding's line or the
//! line above), `# daemonlint: ignore-file CODES -- reason` anywhere in a file, and
//! `ignore.daemonlint.io/<code-or-name>: "<reason>"` annotations on a DaemonSet or its pod
//! template. Each records whether it was used, so stale ones can be reported.

use std::cell::Cell;

use serde::Serialize;

use crate::model::DaemonSet;
use crate::rules;
use crate::source::{SourceFile, Span};

pub const ANNOTATION_PREFIX: &str = "ignore.daemonlint.io/";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Comment,
    File,
    Annotation,
}

#[derive(Debug)]
pub struct Suppression {
    pub kind: Kind,
    /// Rule codes it names; unknown names are kept in `unknown`.
    pub codes: Vec<&'static str>,
    pub unknown: Vec<String>,
    pub reason: Option<String>,
    /// The directive or annotation, for reporting it.
    pub span: Span,
    /// For comments: the line the comment is on (1-based).
    pub line: usize,
    pub used: Cell<bool>,
}

/// How a suppressed finding was suppressed, for reports.
#[derive(Clone, Debug, Serialize)]
pub struct Applied {
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Applied {
    /// `(suppressed by comment: reason)`, appended to messages shown with --show-suppressed.
    pub fn describe(&self) -> String {
        let how = match self.kind {
            Kind::Comment => "comment",
            Kind::File => "file comment",
            Kind::Annotation => "annotation",
        };
        match &self.reason {
            Some(r) => format!("(suppressed by {how}: {r})"),
            None => format!("(suppressed by {how})"),
        }
    }
}

impl Suppression {
    fn new(kind: Kind, names: &[&str], reason: &str, span: Span, line: usize) -> Suppression {
        let mut codes = Vec::new();
        let mut unknown = Vec::new();
        for name in names {
            match rules::find(name) {
                Some(meta) => codes.push(meta.code),
                None => unknown.push((*name).to_owned()),
            }
        }
        let reason = reason.trim();
        Suppression {
            kind,
            codes,
            unknown,
            reason: (!reason.is_empty()).then(|| reason.to_owned()),
            span,
            line,
            used: Cell::new(false),
        }
    }

    fn covers(&self, code: &str, line: usize) -> bool {
        let in_scope = match self.kind {
            Kind::Comment => line == self.line || line == self.line + 1,
            Kind::File | Kind::Annotation => true,
        };
        in_scope && self.codes.contains(&code)
    }

    pub fn applied(&self) -> Applied {
        Applied {
            kind: self.kind,
            reason: self.reason.clone(),
        }
    }
}

/// The comment directives of a file.
pub fn comments(source: &SourceFile) -> Vec<Suppression> {
    // Most files have none; skip the line scan for them.
    if !source.text.contains("daemonlint:") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut offset = 0;
    for (i, line) in source.text.split_inclusive('\n').enumerate() {
        if let Some(s) = directive(line, offset, i + 1) {
            out.push(s);
        }
        offset += line.len();
    }
    out
}

/// Parses `# daemonlint: ignore[-file] CODES [-- reason]` in one line. The `#` must start a
/// YAML comment: at the line start or after whitespace.
fn directive(line: &str, offset: usize, number: usize) -> Option<Suppression> {
    let hash = line
        .match_indices('#')
        .map(|(i, _)| i)
        .find(|&i| i == 0 || line.as_bytes()[i - 1].is_ascii_whitespace())?;
    let comment = line[hash + 1..].trim_start();
    let rest = comment.strip_prefix("daemonlint:")?.trim_start();
    let (kind, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
        (Kind::File, r)
    } else if let Some(r) = rest.strip_prefix("ignore") {
        (Kind::Comment, r)
    } else {
        return None;
    };
    let (names, reason) = rest.split_once("--").unwrap_or((rest, ""));
    let names: Vec<&str> = names
        .split([',', ' '])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    let end = line.trim_end().len();
    let span = Span::new(offset + hash, offset + end);
    Some(Suppression::new(kind, &names, reason, span, number))
}

/// The suppression annotations of a DaemonSet and its pod template.
pub fn annotations(ds: &DaemonSet) -> Vec<Suppression> {
    let template = ds
        .spec
        .as_ref()
        .and_then(|s| s.template.as_ref())
        .map(|t| t.metadata.annotations.as_slice())
        .unwrap_or_default();
    ds.metadata
        .annotations
        .iter()
        .chain(template)
        .filter_map(|a| {
            let name = a.value.0.strip_prefix(ANNOTATION_PREFIX)?;
            Some(Suppression::new(
                Kind::Annotation,
                &[name],
                &a.value.1,
                a.whole(),
                0,
            ))
        })
        .collect()
}

/// The first suppression covering a finding of `code` at `line`, marked as used.
pub fn find<'a>(
    suppressions: impl IntoIterator<Item = &'a Suppression>,
    code: &str,
    line: usize,
) -> Option<&'a Suppression> {
    let s = suppressions.into_iter().find(|s| s.covers(code, line))?;
    s.used.set(true);
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Option<Suppression> {
        directive(line, 0, 7)
    }

    #[test]
    fn directives() {
        let s = parse("      memory: 64MB # daemonlint: ignore DS005 -- the CNI needs it\n")
            .expect("directive");
        assert_eq!(
            (s.kind, s.codes.as_slice()),
            (Kind::Comment, &["DS005"][..])
        );
        assert_eq!(s.reason.as_deref(), Some("the CNI needs it"));
        let s =
            parse("# daemonlint: ignore-file DS004, selector-mismatch no-such-rule").expect("file");
        assert_eq!(s.kind, Kind::File);
        assert_eq!(s.reason, None);
        assert_eq!(s.codes, ["DS004", "DS003"]);
        assert_eq!(s.unknown, ["no-such-rule"]);
        assert!(
            parse("image: x#daemonlint: ignore DS005").is_none(),
            "not a comment"
        );
        assert!(parse("# daemonlint: please DS005").is_none());
    }

    #[test]
    fn scope_is_the_line_and_the_next() {
        let s = parse("# daemonlint: ignore DS005 -- r").expect("directive");
        assert!(s.covers("DS005", 7) && s.covers("DS005", 8));
        assert!(!s.covers("DS005", 9) && !s.covers("DS005", 6) && !s.covers("DS006", 7));
    }
}

//! Suppressions: `# daemonlint: ignore CODES -- reason` comments (on the finding's line or the
//! line above; in a Helm template also `{{/* daemonlint: ignore CODES -- reason */}}`),
//! `# daemonlint: ignore-file CODES -- reason` anywhere in a file, and
//! `ignore.daemonlint.io/<code-or-name>: "<reason>"` annotations on a DaemonSet or its pod
//! template. Each records whether it was used, so stale ones can be reported.

mod hygiene;

pub use hygiene::hygiene;

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
    /// Why a comment that looks like a directive was not understood as one.
    pub problem: Option<String>,
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
            problem: None,
            span,
            line,
            used: Cell::new(false),
        }
    }

    /// Rule names it gave that are no rule, each with the closest real one.
    pub fn unknown_with_hints(&self) -> Vec<String> {
        self.unknown
            .iter()
            .map(|u| match rules::did_you_mean(u) {
                Some(hint) => format!("`{u}` (did you mean {hint}?)"),
                None => format!("`{u}`"),
            })
            .collect()
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
    if !source.text.contains("aemonlint") && !source.text.contains("AEMONLINT") {
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
/// YAML comment: at the line start or after whitespace. A Go template comment
/// (`{{/* ... */}}`, `{{- /* ... */ -}}`) holds a directive the same way, since rendering
/// drops it and the template is the only place left to write one.
fn directive(line: &str, offset: usize, number: usize) -> Option<Suppression> {
    if let Some(found) = template_comment(line, offset, number) {
        return Some(found);
    }
    let hash = line
        .match_indices('#')
        .map(|(i, _)| i)
        .find(|&i| i == 0 || line.as_bytes()[i - 1].is_ascii_whitespace())?;
    let end = line.trim_end().len();
    parse_comment(
        &line[hash + 1..],
        Span::new(offset + hash, offset + end),
        number,
    )
}

/// A directive inside `{{/* ... */}}` on the line; the span covers the whole action.
fn template_comment(line: &str, offset: usize, number: usize) -> Option<Suppression> {
    let open = line.find("{{")?;
    let inner = line[open + 2..].trim_start_matches('-').trim_start();
    let body = inner.strip_prefix("/*")?;
    let close = body.find("*/")?;
    let rest = &body[close + 2..];
    let end = rest
        .find("}}")
        .map_or(line.trim_end().len(), |i| line.len() - rest.len() + i + 2);
    parse_comment(
        &body[..close],
        Span::new(offset + open, offset + end),
        number,
    )
}

/// The text of a comment (after `#` or `/*`): a directive, a near miss, or nothing.
fn parse_comment(text: &str, span: Span, number: usize) -> Option<Suppression> {
    let comment = text.trim();
    let Some(rest) = comment.strip_prefix("daemonlint:") else {
        return near_miss(comment).map(|problem| {
            let mut s = Suppression::new(Kind::Comment, &[], "", span, number);
            s.problem = Some(problem);
            s
        });
    };
    let rest = rest.trim_start();
    let (kind, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
        (Kind::File, r)
    } else if let Some(r) = rest.strip_prefix("ignore") {
        (Kind::Comment, r)
    } else {
        let mut s = Suppression::new(Kind::Comment, &[], "", span, number);
        s.problem = Some(format!(
            "`daemonlint: {}` is not a directive; the only ones are `ignore` and `ignore-file`",
            rest.split_whitespace().next().unwrap_or_default()
        ));
        return Some(s);
    };
    let (names, reason) = split_reason(rest);
    Some(Suppression::new(kind, &names, &reason, span, number))
}

/// Splits `CODES [-- reason]`. Without `--`, the rule references are the leading words that
/// look like codes or rule names, and the rest is the reason, so
/// `ignore DS303 the CNI needs it` keeps its reason instead of reading it as rule names.
fn split_reason(rest: &str) -> (Vec<&str>, String) {
    if let Some((names, reason)) = rest.split_once("--") {
        let names = names
            .split([',', ' ', '\t'])
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        return (names, reason.trim().to_owned());
    }
    let mut names = Vec::new();
    let mut words = rest.split_whitespace().peekable();
    while let Some(word) = words.peek() {
        let parts: Vec<&str> = word.split(',').filter(|p| !p.is_empty()).collect();
        if parts.is_empty() || !parts.iter().all(|p| looks_like_rule(p)) {
            break;
        }
        names.extend(parts);
        words.next();
    }
    (names, words.collect::<Vec<_>>().join(" "))
}

fn looks_like_rule(word: &str) -> bool {
    // `get` and not indexing: the word may start with a multi-byte character (found by fuzzing).
    let code = word.len() > 2
        && word.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("DS"))
        && word[2..].bytes().all(|b| b.is_ascii_alphanumeric());
    let name = word.contains('-') && word.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
    code || name || rules::find(word).is_some()
}

/// A comment that was meant as a directive but is not one: `daemonlint ignore` without the
/// colon, `daemonlint: disable`, upper case. Prose that merely mentions daemonlint is left alone.
fn near_miss(comment: &str) -> Option<String> {
    let lower = comment.to_ascii_lowercase();
    let rest = lower.strip_prefix("daemonlint")?;
    let rest = rest.trim_start_matches([':', ' ', '\t']);
    let verb = rest
        .split(|c: char| !c.is_ascii_alphabetic() && c != '-')
        .next()?;
    if !matches!(
        verb,
        "ignore" | "ignore-file" | "disable" | "disable-next-line" | "noqa" | "skip" | "allow"
    ) {
        return None;
    }
    Some(
        "this comment is not understood as a suppression; write `# daemonlint: ignore CODES -- reason` (lower case, with the colon)"
            .to_owned(),
    )
}

/// The suppression annotations of a DaemonSet and its pod template.
pub fn annotations(ds: &DaemonSet) -> Vec<Suppression> {
    ds.all_annotations()
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
        let s = parse("# daemonlint: please DS005").expect("not a directive");
        assert!(s.problem.is_some());
        assert!(parse("# daemonlint runs in CI").is_none(), "prose");
    }

    #[test]
    fn reasons_without_the_separator_and_near_misses() {
        let s = parse("# daemonlint: ignore DS303, DS304 the CNI needs it").expect("directive");
        assert_eq!(s.codes, ["DS303", "DS304"]);
        assert_eq!(s.reason.as_deref(), Some("the CNI needs it"));
        let s = parse("# daemonlint: ignore DS603,DS9999 -- x").expect("directive");
        assert_eq!(
            (s.codes.len(), s.unknown.as_slice()),
            (1, &["DS9999".to_owned()][..])
        );
        let s = parse("# daemonlint: ignore -- x").expect("directive");
        assert!(s.codes.is_empty() && s.unknown.is_empty());
        for near in [
            "# daemonlint ignore DS303 -- x",
            "# DAEMONLINT: IGNORE DS303",
            "# daemonlint: disable DS303",
        ] {
            let s = parse(near).expect(near);
            assert!(s.problem.is_some(), "{near}");
        }
    }

    #[test]
    fn scope_is_the_line_and_the_next() {
        let s = parse("# daemonlint: ignore DS005 -- r").expect("directive");
        assert!(s.covers("DS005", 7) && s.covers("DS005", 8));
        assert!(!s.covers("DS005", 9) && !s.covers("DS005", 6) && !s.covers("DS006", 7));
    }

    #[test]
    fn suppressed_findings_say_how_and_why() {
        let why = Applied {
            kind: Kind::Comment,
            reason: Some("the CNI needs it".into()),
        };
        assert_eq!(why.describe(), "(suppressed by comment: the CNI needs it)");
        let file = Applied {
            kind: Kind::File,
            reason: None,
        };
        assert_eq!(file.describe(), "(suppressed by file comment)");
        let annotation = Applied {
            kind: Kind::Annotation,
            reason: None,
        };
        assert_eq!(annotation.describe(), "(suppressed by annotation)");
    }

    #[test]
    fn unknown_rule_names_come_with_the_closest_real_one() {
        let s =
            parse("# daemonlint: ignore selector-mismach, qqqqqqqq-zzzz -- r").expect("directive");
        assert_eq!(
            s.unknown_with_hints(),
            [
                "`selector-mismach` (did you mean DS003 (selector-mismatch)?)",
                "`qqqqqqqq-zzzz`"
            ]
        );
    }

    #[test]
    fn comments_are_found_on_their_lines_with_their_spans() {
        let text = "a: 1\n# daemonlint: ignore DS005 -- r\nb: 2 # daemonlint: ignore-file DS004\n";
        let found = comments(&SourceFile::new("t.yaml".into(), text.to_owned()));
        let lines: Vec<usize> = found.iter().map(|s| s.line).collect();
        assert_eq!(lines, [2, 3]);
        let spans: Vec<&str> = found
            .iter()
            .map(|s| &text[s.span.start as usize..s.span.end as usize])
            .collect();
        assert_eq!(
            spans,
            [
                "# daemonlint: ignore DS005 -- r",
                "# daemonlint: ignore-file DS004"
            ]
        );
    }

    #[test]
    fn an_upper_case_near_miss_alone_is_still_reported() {
        let text = "a: 1 # DAEMONLINT: IGNORE DS303\n";
        let found = comments(&SourceFile::new("t.yaml".into(), text.to_owned()));
        assert_eq!(found.len(), 1);
        assert!(found[0].problem.is_some());
        let none = comments(&SourceFile::new("t.yaml".into(), "a: 1 # lint me\n".into()));
        assert!(none.is_empty());
    }

    #[test]
    fn a_comment_starts_after_whitespace_whatever_follows_the_hash() {
        let s = parse("a: 1 #daemonlint: ignore DS005 -- r").expect("comment without a space");
        assert_eq!(s.codes, ["DS005"]);
        assert!(
            parse("image: x# daemonlint: ignore DS005").is_none(),
            "inside a plain scalar"
        );
    }

    #[test]
    fn template_comments_hold_directives() {
        let line = "      {{- /* daemonlint: ignore DS303 -- the CNI needs it */}}\n";
        let s = parse(line).expect("directive");
        assert_eq!(
            (s.kind, s.codes.as_slice()),
            (Kind::Comment, &["DS303"][..])
        );
        assert_eq!(s.reason.as_deref(), Some("the CNI needs it"));
        let covered = &line[s.span.start as usize..s.span.end as usize];
        assert_eq!(
            covered,
            "{{- /* daemonlint: ignore DS303 -- the CNI needs it */}}"
        );
        let s = parse("{{/* daemonlint: ignore-file DS801 */}}").expect("file directive");
        assert_eq!(s.kind, Kind::File);
        assert!(parse("{{/* the agent's labels */}}").is_none(), "prose");
        assert!(
            parse("image: {{ .Values.image }}").is_none(),
            "an expression"
        );
        let s = parse("{{/* daemonlint ignore DS303 */}}").expect("near miss");
        assert!(s.problem.is_some());
    }

    #[test]
    fn code_shaped_words_are_rule_references_and_a_bare_ds_is_not() {
        let s = parse("# daemonlint: ignore DS9999 the CNI needs it").expect("directive");
        assert_eq!(s.unknown, ["DS9999"]);
        assert_eq!(s.reason.as_deref(), Some("the CNI needs it"));
        let s = parse("# daemonlint: ignore DS is noisy here").expect("directive");
        assert!(s.codes.is_empty() && s.unknown.is_empty());
        assert_eq!(s.reason.as_deref(), Some("DS is noisy here"));
    }

    #[test]
    fn annotations_on_the_daemonset_and_its_template_suppress() {
        let text = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\n  annotations:\n    ignore.daemonlint.io/DS005: \"exercised by tests\"\n    other.io/x: y\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata:\n      labels: {a: b}\n      annotations: {ignore.daemonlint.io/selector-mismatch: \"\"}\n    spec:\n      containers: [{name: c, image: i}]\n";
        let source = SourceFile::new("t.yaml".into(), text.to_owned());
        let loaded = crate::loader::load(&source);
        let found = annotations(&loaded.daemonsets[0]);
        let seen: Vec<(Kind, &[&str], Option<&str>)> = found
            .iter()
            .map(|s| (s.kind, s.codes.as_slice(), s.reason.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                (Kind::Annotation, &["DS005"][..], Some("exercised by tests")),
                (Kind::Annotation, &["DS003"][..], None),
            ]
        );
    }

    #[test]
    fn find_returns_the_covering_suppression_and_marks_it_used() {
        let text = "a: 1\n# daemonlint: ignore DS005 -- r\nb: 2\n";
        let found = comments(&SourceFile::new("t.yaml".into(), text.to_owned()));
        assert!(find(&found, "DS006", 3).is_none());
        assert!(!found[0].used.get(), "a miss does not use it");
        let hit = find(&found, "DS005", 3).map(|s| s.line);
        assert_eq!(hit, Some(2));
        assert!(found[0].used.get());
    }

    // Found by the `human` fuzz target: `looks_like_rule` once sliced `word[..2]`, which
    // panicked when the second byte fell inside a multi-byte character, so a mistyped rule name
    // such as `Dé` crashed the whole run (exit 101) before anything was reported.
    #[test]
    fn a_non_ascii_word_after_ignore_is_a_reason_not_a_crash() {
        let s = parse("# daemonlint: ignore Dé the CNI needs it").expect("directive");
        assert!(s.codes.is_empty() && s.unknown.is_empty());
        assert_eq!(s.reason.as_deref(), Some("Dé the CNI needs it"));
    }
}

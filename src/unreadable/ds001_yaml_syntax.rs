use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::source::Span;

pub static META: RuleMeta = RuleMeta {
    code: "DS001",
    name: "yaml-syntax",
    severity: Severity::Error,
    summary: "The file is not valid YAML, so Kubernetes cannot read it",
    doc: include_str!("../../rules/DS001.md"),
};

pub fn diagnostic(span: Span, parser_message: &str) -> Diagnostic {
    Diagnostic::new(&META, span, format!("invalid YAML: {parser_message}"))
        .label("the parser stopped here")
        .help("fix the syntax; nothing after this point in the file was checked")
}

/// A comment in a JSON manifest: JSON has none, and kubectl rejects the file too.
pub fn json_comment(span: Span) -> Diagnostic {
    Diagnostic::new(
        &META,
        span,
        "JSON has no comments: this `//` or `/* */` comment makes the file invalid".to_owned(),
    )
    .label("not allowed in JSON")
    .help("remove the comment (or write the manifest as YAML, where `#` starts a comment)")
}

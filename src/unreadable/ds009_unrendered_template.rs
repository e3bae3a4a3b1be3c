use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::source::Span;

pub static META: RuleMeta = RuleMeta {
    code: "DS009",
    name: "unrendered-template",
    severity: Severity::Note,
    summary: "The file is a Helm or Go template, not a manifest; it was not linted",
    doc: include_str!("../../rules/DS009.md"),
};

pub fn diagnostic(span: Span) -> Diagnostic {
    Diagnostic::new(
        &META,
        span,
        "this file is a Helm/Go template, not YAML; it was not linted",
    )
    .label("template syntax")
    .help("render it first: `helm template RELEASE CHART | daemonlint -`")
}

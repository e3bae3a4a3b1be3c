use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::source::Span;

pub static META: RuleMeta = RuleMeta {
    code: "DS002",
    name: "invalid-structure",
    severity: Severity::Error,
    summary: "A field has the wrong type, or a required field is missing",
    doc: include_str!("../../rules/DS002.md"),
};

pub fn diagnostic(span: Span, message: String) -> Diagnostic {
    Diagnostic::new(&META, span, message)
        .help("the API server rejects this object; see the DaemonSet API reference for the field")
}

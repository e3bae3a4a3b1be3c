use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::suppress::Suppression;

pub static META: RuleMeta = RuleMeta {
    code: "DS901",
    name: "unused-suppression",
    severity: Severity::Note,
    summary: "A suppression comment or annotation that suppresses nothing",
    doc: include_str!("../../rules/DS901.md"),
};

pub fn diagnostic(s: &Suppression) -> Diagnostic {
    let message = if s.unknown.is_empty() {
        let codes = s.codes.join(", ");
        format!("this suppression of {codes} matched no finding")
    } else {
        format!(
            "this suppression names no known rule: {}",
            s.unknown.join(", ")
        )
    };
    Diagnostic::new(&META, s.span, message)
        .label("suppresses nothing")
        .help("remove it, or fix the rule code or name (`daemonlint rules` lists them)")
}

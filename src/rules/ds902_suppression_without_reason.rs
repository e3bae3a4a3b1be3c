use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::suppress::Suppression;

pub static META: RuleMeta = RuleMeta {
    code: "DS902",
    name: "suppression-without-reason",
    severity: Severity::Note,
    summary: "A suppression that does not say why",
    doc: include_str!("../../rules/DS902.md"),
};

pub fn diagnostic(s: &Suppression) -> Diagnostic {
    let help = match s.kind {
        crate::suppress::Kind::Annotation => "give the annotation the reason as its value",
        _ => "add the reason after `--`: `# daemonlint: ignore DS303 -- the CNI needs it`",
    };
    Diagnostic::new(&META, s.span, "this suppression gives no reason")
        .label("no reason")
        .help(help)
}

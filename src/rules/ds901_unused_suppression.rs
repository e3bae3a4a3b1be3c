use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::suppress::Suppression;

pub static META: RuleMeta = RuleMeta {
    code: "DS901",
    name: "unused-suppression",
    severity: Severity::Note,
    summary: "A suppression comment or annotation that suppresses nothing",
    doc: include_str!("../../rules/DS901.md"),
};

/// A suppression whose known rules matched no finding.
pub fn diagnostic(s: &Suppression) -> Diagnostic {
    let codes = s.codes.join(", ");
    Diagnostic::new(
        &META,
        s.span,
        format!("this suppression of {codes} matched no finding"),
    )
    .label("suppresses nothing")
    .help("remove it: the finding it was written for is gone")
}

/// What is wrong with the suppression itself, whether or not another of its rules matched:
/// names that are no rule, no rule at all, or a comment that is not a directive.
pub fn malformed(s: &Suppression) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(problem) = &s.problem {
        out.push(
            Diagnostic::new(&META, s.span, problem.clone())
                .label("not a suppression")
                .help("`# daemonlint: ignore DS303 -- reason` on the line or the line above; `# daemonlint: ignore-file DS303 -- reason` for the file"),
        );
        return out;
    }
    if !s.unknown.is_empty() {
        out.push(
            Diagnostic::new(
                &META,
                s.span,
                format!(
                    "this suppression names no known rule: {}",
                    s.unknown_with_hints().join(", ")
                ),
            )
            .label("unknown rule")
            .help("fix the rule code or name (`daemonlint rules` lists them)"),
        );
    } else if s.codes.is_empty() {
        out.push(
            Diagnostic::new(&META, s.span, "this suppression names no rule".to_owned())
                .label("suppresses nothing")
                .help("name the rules it silences: `# daemonlint: ignore DS303 -- reason`"),
        );
    }
    out
}

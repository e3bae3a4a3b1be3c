//! The findings about suppressions themselves (DS901, DS902), made once every finding has had
//! its chance to use them. They live here, not with the rules, because they read what this
//! level builds: rules come before suppressions in the pipeline.

use super::{Kind, Suppression};
use crate::diagnostic::{Diagnostic, RuleMeta};
use crate::rules::{
    self, ds901_unused_suppression as ds901, ds902_suppression_without_reason as ds902,
};

/// DS901 and DS902 for one suppression, once every finding has had its chance to use it. A
/// suppression of rules that are turned off here (`off` says which) is not stale: it waits for
/// them to come back.
pub fn hygiene(s: &Suppression, off: &dyn Fn(&'static RuleMeta) -> bool) -> Vec<Diagnostic> {
    let mut out = malformed(s);
    let all_off = !s.codes.is_empty()
        && s.codes
            .iter()
            .all(|code| rules::find(code).is_some_and(off));
    if !s.used.get() && !s.codes.is_empty() && !all_off {
        out.push(unused(s));
    }
    if s.reason.is_none() && s.problem.is_none() && !s.codes.is_empty() {
        out.push(without_reason(s));
    }
    out
}

/// A suppression whose known rules matched no finding.
fn unused(s: &Suppression) -> Diagnostic {
    let codes = s.codes.join(", ");
    Diagnostic::new(
        &ds901::META,
        s.span,
        format!("this suppression of {codes} matched no finding"),
    )
    .label("suppresses nothing")
    .help("remove it: the finding it was written for is gone")
}

/// What is wrong with the suppression itself, whether or not another of its rules matched:
/// names that are no rule, no rule at all, or a comment that is not a directive.
fn malformed(s: &Suppression) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(problem) = &s.problem {
        out.push(
            Diagnostic::new(&ds901::META, s.span, problem.clone())
                .label("not a suppression")
                .help("`# daemonlint: ignore DS303 -- reason` on the line or the line above; `# daemonlint: ignore-file DS303 -- reason` for the file"),
        );
        return out;
    }
    if !s.unknown.is_empty() {
        out.push(
            Diagnostic::new(
                &ds901::META,
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
            Diagnostic::new(
                &ds901::META,
                s.span,
                "this suppression names no rule".to_owned(),
            )
            .label("suppresses nothing")
            .help("name the rules it silences: `# daemonlint: ignore DS303 -- reason`"),
        );
    }
    out
}

/// A suppression that gives no reason.
fn without_reason(s: &Suppression) -> Diagnostic {
    let help = match s.kind {
        Kind::Annotation => "give the annotation the reason as its value",
        _ => "add the reason after `--`: `# daemonlint: ignore DS303 -- the CNI needs it`",
    };
    Diagnostic::new(&ds902::META, s.span, "this suppression gives no reason")
        .label("no reason")
        .help(help)
}

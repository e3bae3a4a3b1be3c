use crate::diagnostic::{RuleMeta, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "DS901",
    name: "unused-suppression",
    severity: Severity::Note,
    summary: "A suppression comment or annotation that suppresses nothing",
    doc: include_str!("../../rules/DS901.md"),
};

// The findings are built in `suppress::hygiene`, which reads the suppressions.

use crate::diagnostic::{RuleMeta, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "DS902",
    name: "suppression-without-reason",
    severity: Severity::Note,
    summary: "A suppression that does not say why",
    doc: include_str!("../../rules/DS902.md"),
};

// The finding is built in `suppress::hygiene`, which reads the suppressions.

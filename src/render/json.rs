//! The JSON report: `{"version":1,"summary":{...},"diagnostics":[...],"not_linted":[...]}`. Fields may be added,
//! never renamed.

use serde::Serialize;

use super::{Finding, Summary};

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    summary: Summary,
    diagnostics: Vec<&'a Finding>,
    /// Files and DaemonSets not linted, with where and why (DS009 notes: unrendered
    /// templates, kustomizations and charts daemonlint could not render).
    not_linted: Vec<&'a Finding>,
    /// Inputs that could not be read at all.
    failures: Vec<Failure<'a>>,
}

#[derive(Serialize)]
struct Failure<'a> {
    message: &'a str,
}

pub fn render(
    summary: Summary,
    findings: Vec<&Finding>,
    not_linted: Vec<&Finding>,
    failures: &[String],
) -> String {
    let report = Report {
        version: 1,
        summary,
        diagnostics: findings,
        not_linted,
        failures: failures.iter().map(|m| Failure { message: m }).collect(),
    };
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

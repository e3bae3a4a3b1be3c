//! The JSON report: `{"version":1,"summary":{...},"diagnostics":[...]}`. Fields may be added,
//! never renamed.

use serde::Serialize;

use super::{Finding, Summary};

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    summary: Summary,
    diagnostics: Vec<&'a Finding>,
    /// Inputs that could not be read at all.
    failures: Vec<Failure<'a>>,
}

#[derive(Serialize)]
struct Failure<'a> {
    message: &'a str,
}

pub fn render(summary: Summary, findings: Vec<&Finding>, failures: &[String]) -> String {
    let report = Report {
        version: 1,
        summary,
        diagnostics: findings,
        failures: failures.iter().map(|m| Failure { message: m }).collect(),
    };
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

//! The GitLab Code Quality report: a JSON array the merge request widget shows.

use serde::Serialize;

use super::{Finding, fingerprint};
use crate::diagnostic::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

pub fn render(findings: &[&Finding]) -> String {
    let issues: Vec<Issue> = findings
        .iter()
        .map(|f| Issue {
            description: format!("{} {}: {}", f.code, f.name, f.message),
            check_name: f.code,
            fingerprint: fingerprint(f),
            severity: match f.severity {
                Severity::Error => "major",
                Severity::Warning => "minor",
                Severity::Note => "info",
            },
            location: Location {
                path: f.file.strip_prefix("./").unwrap_or(&f.file),
                lines: Lines { begin: f.line },
            },
        })
        .collect();
    serde_json::to_string_pretty(&issues).unwrap_or_default()
}

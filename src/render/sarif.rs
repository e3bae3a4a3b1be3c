//! SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDE viewers). Only the subset
//! daemonlint needs, as plain serde structs; validated against the official schema in CI.

use serde::Serialize;

use super::{Finding, fingerprint};
use crate::diagnostic::{RuleMeta, Severity};
use crate::rules;

/// Where rule pages are published; results link each rule's page from here.
pub const RULES_URL: &str = "https://github.com/daemonlint/daemonlint/blob/main/rules/";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: [Invocation; 1],
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help_uri: String,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: &'static str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

/// A fix as SARIF carries it: replacements in the finding's file.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: [ArtifactChange; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: Artifact,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Text,
}

fn fixes(f: &Finding) -> Vec<SarifFix> {
    f.fix
        .iter()
        .map(|fix| SarifFix {
            description: Text {
                text: format!("{} ({})", fix.message, fix.applicability.as_str()),
            },
            artifact_changes: [ArtifactChange {
                artifact_location: Artifact { uri: uri(&f.file) },
                replacements: fix
                    .edits
                    .iter()
                    .map(|e| Replacement {
                        deleted_region: Region {
                            start_line: e.line,
                            start_column: e.column,
                            end_line: e.end_line,
                            end_column: e.end_column,
                        },
                        inserted_content: Text {
                            text: e.content.clone(),
                        },
                    })
                    .collect(),
            }],
        })
        .collect()
}

/// A dismissed result: in the manifest itself (comment, annotation).
#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: Artifact,
    region: Region,
}

#[derive(Serialize)]
struct Artifact {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "daemonlint/v1")]
    v1: String,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// The first paragraph under "What it does" on the rule's page.
fn full_description(meta: &RuleMeta) -> String {
    meta.doc
        .split("## What it does\n")
        .nth(1)
        .and_then(|s| s.split("\n\n").next())
        .map_or_else(|| meta.summary.to_owned(), |p| p.replace('\n', " "))
}

/// A relative URI reference for a path as the user gave it.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

pub fn render(findings: &[&Finding]) -> String {
    let rules = rules::ALL
        .iter()
        .map(|m| Rule {
            id: m.code,
            name: m.name,
            short_description: Text {
                text: m.summary.to_owned(),
            },
            full_description: Text {
                text: full_description(m),
            },
            help_uri: format!("{RULES_URL}{}.md", m.code),
            help: Help {
                text: m.summary.to_owned(),
                markdown: m.doc,
            },
            default_configuration: Configuration {
                level: level(m.severity),
            },
        })
        .collect();
    let results = findings
        .iter()
        .map(|f| SarifResult {
            rule_id: f.code,
            rule_index: rules::ALL
                .iter()
                .position(|m| m.code == f.code)
                .unwrap_or(0),
            level: level(f.severity),
            message: Text {
                text: match &f.help {
                    Some(help) => format!("{} ({help})", f.message),
                    None => f.message.clone(),
                },
            },
            locations: [Location {
                physical_location: PhysicalLocation {
                    artifact_location: Artifact { uri: uri(&f.file) },
                    region: Region {
                        start_line: f.line,
                        start_column: f.column,
                        end_line: f.end_line,
                        end_column: f
                            .end_column
                            .max(f.column + usize::from(f.end_line == f.line)),
                    },
                },
            }],
            partial_fingerprints: Fingerprints { v1: fingerprint(f) },
            suppressions: f
                .suppression
                .iter()
                .map(|s| SarifSuppression {
                    kind: "inSource",
                    justification: s.reason.clone(),
                })
                .collect(),
            fixes: fixes(f),
        })
        .collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "daemonlint",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://github.com/daemonlint/daemonlint",
                    rules,
                },
            },
            invocations: [Invocation {
                execution_successful: true,
            }],
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_string_pretty(&log).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn uris() {
        assert_eq!(uri("./deploy/ds.yaml"), "deploy/ds.yaml");
        assert_eq!(uri("my dir/a.yaml"), "my%20dir/a.yaml");
        assert_eq!(uri("/abs/a.yaml"), "file:///abs/a.yaml");
        assert_eq!(uri("<stdin>"), "%3Cstdin%3E");
    }
}

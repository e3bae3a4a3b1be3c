//! SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDE viewers). Only the subset
//! daemonlint needs, as plain serde structs; validated against the official schema in CI.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::{Finding, family, fingerprint};
use crate::diagnostic::{RuleMeta, Severity};
use crate::rules;

/// Where rule pages are published; results link each rule's page from here.
pub const RULES_URL: &str = "https://github.com/daemonlint/daemonlint/blob/main/rules/";

/// The base relative artifact URIs resolve against: the directory daemonlint ran in, which
/// code scanning maps to the checkout.
const SRCROOT: &str = "%SRCROOT%";

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
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    original_uri_base_ids: BTreeMap<&'static str, Base>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Base {
    uri: String,
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
    properties: RuleProperties,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    /// What code scanning ranks security alerts by (CVSS-like, 0.0 to 10.0, as a string).
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
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
    /// What was not linted (DS009 notes): about the run, not the code, so not a result that
    /// code scanning would raise as an alert per chart template.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    associated_rule: RuleReference,
}

#[derive(Serialize)]
struct RuleReference {
    id: &'static str,
    index: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
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

fn fixes(f: &Finding, root: Option<&Path>) -> Vec<SarifFix> {
    f.fix
        .iter()
        .map(|fix| SarifFix {
            description: Text {
                text: format!("{} ({})", fix.message, fix.applicability.as_str()),
            },
            artifact_changes: [ArtifactChange {
                artifact_location: artifact(&f.file, root),
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

/// A finding's secondary label: another place worth showing, with what it is.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation {
    id: usize,
    physical_location: PhysicalLocation,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: Artifact,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
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

/// A region never empty: SARIF viewers drop a zero-width region on one line.
fn region(line: usize, column: usize, end_line: usize, end_column: usize) -> Region {
    Region {
        start_line: line,
        start_column: column,
        end_line,
        end_column: end_column.max(column + usize::from(end_line == line)),
    }
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

/// Percent-encodes a path for a URI, keeping `/`.
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `file:///dir/` for the directory relative paths are relative to.
fn root_uri(root: &Path) -> String {
    let path = root.to_string_lossy().replace('\\', "/");
    let path = path.trim_end_matches('/');
    let slash = if path.starts_with('/') { "" } else { "/" };
    format!("file://{slash}{}/", encode(path))
}

/// Where a finding's file is, as the user gave its path: relative to [`SRCROOT`] when the path
/// is relative or lies under `root`, else an absolute `file://` URI.
fn artifact(path: &str, root: Option<&Path>) -> Artifact {
    let unix = path.replace('\\', "/");
    let inside = root.and_then(|r| Path::new(path).strip_prefix(r).ok());
    let relative = match inside {
        Some(rest) => rest.to_string_lossy().replace('\\', "/"),
        None => unix.clone(),
    };
    let relative = relative.trim_start_matches("./");
    if Path::new(&unix).is_absolute() && inside.is_none() {
        return Artifact {
            uri: format!("file://{}", encode(&unix)),
            uri_base_id: None,
        };
    }
    Artifact {
        uri: encode(relative),
        uri_base_id: root.map(|_| SRCROOT),
    }
}

/// Code scanning's severity for security rules; the rule's level decides it, except that a
/// mounted container runtime socket (DS302) gives the same control of the node as a
/// privileged container (DS303).
fn security_severity(meta: &RuleMeta) -> Option<&'static str> {
    if family(meta.code) != "security" {
        return None;
    }
    Some(match (meta.code, meta.severity) {
        ("DS302", _) | (_, Severity::Error) => "8.0",
        (_, Severity::Warning) => "5.5",
        (_, Severity::Note) => "3.0",
    })
}

fn properties(meta: &RuleMeta) -> RuleProperties {
    let security = security_severity(meta);
    let mut tags = vec!["kubernetes", "daemonset", family(meta.code)];
    if security.is_some() && !tags.contains(&"security") {
        tags.push("security");
    }
    RuleProperties {
        tags,
        security_severity: security,
    }
}

fn rule_index(code: &str) -> usize {
    rules::ALL.iter().position(|m| m.code == code).unwrap_or(0)
}

fn message(f: &Finding) -> Text {
    Text {
        text: match &f.help {
            Some(help) => format!("{} ({help})", f.message),
            None => f.message.clone(),
        },
    }
}

fn location(f: &Finding, root: Option<&Path>) -> Location {
    Location {
        physical_location: PhysicalLocation {
            artifact_location: artifact(&f.file, root),
            region: region(f.line, f.column, f.end_line, f.end_column),
        },
    }
}

pub fn render(findings: &[&Finding], not_linted: &[&Finding]) -> String {
    let root = std::env::current_dir().ok();
    let root = root.as_deref();
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
            properties: properties(m),
        })
        .collect();
    let results = findings
        .iter()
        .map(|f| SarifResult {
            rule_id: f.code,
            rule_index: rule_index(f.code),
            level: level(f.severity),
            message: message(f),
            locations: [location(f, root)],
            related_locations: f
                .related
                .iter()
                .enumerate()
                .map(|(id, r)| RelatedLocation {
                    id,
                    physical_location: PhysicalLocation {
                        artifact_location: artifact(&r.file, root),
                        region: region(r.line, r.column, r.end_line, r.end_column),
                    },
                    message: Text {
                        text: r.message.clone(),
                    },
                })
                .collect(),
            partial_fingerprints: Fingerprints { v1: fingerprint(f) },
            suppressions: f
                .suppression
                .iter()
                .map(|s| SarifSuppression {
                    kind: "inSource",
                    justification: s.reason.clone(),
                })
                .collect(),
            fixes: fixes(f, root),
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
                tool_execution_notifications: not_linted
                    .iter()
                    .map(|f| Notification {
                        level: level(f.severity),
                        message: message(f),
                        locations: [location(f, root)],
                        associated_rule: RuleReference {
                            id: f.code,
                            index: rule_index(f.code),
                        },
                    })
                    .collect(),
            }],
            original_uri_base_ids: root
                .map(|r| (SRCROOT, Base { uri: root_uri(r) }))
                .into_iter()
                .collect(),
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_string_pretty(&log).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{artifact, root_uri};

    fn uri(path: &str) -> (String, Option<&'static str>) {
        let a = artifact(path, Some(Path::new("/work/my repo")));
        (a.uri, a.uri_base_id)
    }

    #[test]
    fn uris() {
        let base = Some("%SRCROOT%");
        assert_eq!(uri("./deploy/ds.yaml"), ("deploy/ds.yaml".into(), base));
        assert_eq!(uri("my dir/a.yaml"), ("my%20dir/a.yaml".into(), base));
        assert_eq!(uri("/abs/a.yaml"), ("file:///abs/a.yaml".into(), None));
        assert_eq!(uri("/work/my repo/k8s/a.yaml"), ("k8s/a.yaml".into(), base));
        assert_eq!(uri("<stdin>"), ("%3Cstdin%3E".into(), base));
        assert_eq!(
            root_uri(Path::new("/work/my repo")),
            "file:///work/my%20repo/"
        );
    }
}

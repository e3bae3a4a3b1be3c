//! DS002's schema checks, through the binary: the generated tables match their generator,
//! fields are judged against the target Kubernetes release, and one problem is one finding.

mod common;

use std::process::Command;

use common::{daemonlint, json, root, temp_dir, write_temp};

const AGENT: &str = "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      hostnameOverride: agent
      containers:
        - name: agent
          image: example.com/agent:1.0
          readinessProbe:
            exec:
              comand: [true]
          securityContext:
            runAsUser: \"1000\"
";

/// `(line:col, message)` of each DS002 finding.
fn ds002(args: &[&str]) -> Vec<(String, String)> {
    let (_, report) = json(args);
    report["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .filter(|d| d["code"] == "DS002")
        .map(|d| {
            (
                format!("{}:{}", d["line"], d["column"]),
                d["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn agent_file(test: &str) -> String {
    let path = write_temp(&temp_dir(test), "agent.yaml", AGENT.as_bytes());
    path.to_string_lossy().into_owned()
}

#[test]
fn checked_in_tables_match_the_generator() {
    let importable = Command::new("python3")
        .args(["-c", "import kubernetes_validate"])
        .status()
        .is_ok_and(|s| s.success());
    if !importable {
        println!("skipped: python3 with kubernetes-validate is not available");
        return;
    }
    let out = Command::new("python3")
        .arg(root().join("tools/gen-schema.py"))
        .output()
        .expect("run tools/gen-schema.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let committed =
        std::fs::read_to_string(root().join("src/model/schema_tables.rs")).unwrap_or_default();
    assert!(
        committed == String::from_utf8_lossy(&out.stdout),
        "src/model/schema_tables.rs is stale: python3 tools/gen-schema.py > src/model/schema_tables.rs"
    );
}

#[test]
fn a_field_newer_than_the_target_release_names_the_release_that_added_it() {
    let file = agent_file("schema_version_old");
    let found = ds002(&["--setting", "kubernetes-version=1.31", &file]);
    assert!(
        found.contains(&(
            "14:7".to_owned(),
            "`hostnameOverride` needs Kubernetes 1.34; the target is 1.31".to_owned()
        )),
        "{found:?}"
    );
}

#[test]
fn the_newest_release_is_the_default_target() {
    let file = agent_file("schema_version_default");
    let found = ds002(&[&file]);
    assert!(!found.iter().any(|(at, _)| at == "14:7"), "{found:?}");
    let explicit = ds002(&["--setting", "kubernetes-version=v1.37.2", &file]);
    assert_eq!(found, explicit);
}

#[test]
fn misspelt_fields_deep_in_the_tree_are_reported_with_a_suggestion() {
    let file = agent_file("schema_deep");
    let found = ds002(&[&file]);
    assert!(
        found.contains(&(
            "20:15".to_owned(),
            "unknown field `comand`; did you mean `command`?".to_owned()
        )),
        "{found:?}"
    );
}

#[test]
fn a_wrong_type_the_model_also_reads_is_reported_once() {
    let file = agent_file("schema_dedupe");
    let found = ds002(&[&file]);
    let at_run_as_user = found.iter().filter(|(at, _)| at == "22:24").count();
    assert_eq!(at_run_as_user, 1, "{found:?}");
}

#[test]
fn an_unknown_target_release_is_a_usage_error() {
    let file = agent_file("schema_bad_version");
    let run = daemonlint(&["--setting", "kubernetes-version=1.99", &file]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("1.25 to 1.37"), "{}", run.stderr);
}

#[test]
fn fields_indented_one_level_too_deep_are_one_finding_that_says_where_they_belong() {
    let file = root().join("fixtures/DS002/fires-misindented-fields.yaml");
    let (_, report) = json(&[file.to_str().unwrap_or_default()]);
    let found: Vec<_> = report["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .filter(|d| d["code"] == "DS002")
        .map(|d| {
            (
                d["message"].as_str().unwrap_or_default(),
                d["help"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    let (message, help) = found[0];
    assert_eq!(
        message,
        "unknown fields `initialDelaySeconds` and `periodSeconds` in `httpGet`: they are fields \
         of `readinessProbe`, indented one level too deep"
    );
    assert!(
        help.starts_with("move them out one level, into `readinessProbe`; kubectl rejects"),
        "{help}"
    );
}

//! The hostile inputs of bench/scaling.sh, untimed and smaller: each must complete with the
//! right exit code and finding. (The old quadratic code gave up or ran out of budget on them.)

mod common;

use common::{json, positions, temp_dir, write_temp};

const DAEMONSET: &str = "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
      - name: agent
        image: example.com/agent:1.0.0
";

fn lint(test: &str, text: &str) -> (i32, Vec<(String, String)>) {
    let dir = temp_dir(test);
    let path = write_temp(&dir, "input.yaml", text.as_bytes());
    let (code, report) = json(&["--no-config", &path.to_string_lossy()]);
    (code, positions(&report))
}

fn codes(findings: &[(String, String)]) -> Vec<&str> {
    findings.iter().map(|(c, _)| c.as_str()).collect()
}

#[test]
fn a_merge_into_a_large_mapping_completes() {
    let mut text = String::from("base: &b\n");
    text.extend((0..20_000).map(|i| format!("  b{i}: {i}\n")));
    text.push_str("merged:\n  <<: *b\n");
    text.extend((0..40_000).map(|i| format!("  k{i}: {i}\n")));
    let (code, findings) = lint("scaling-merge", &text);
    assert_eq!((code, findings), (0, Vec::new()));
}

fn underindented_args(lines: usize) -> String {
    let args = format!("        args: [\n{}        ]\n", "\"-x\",\n".repeat(lines));
    DAEMONSET.replace("        image:", &format!("{args}        image:"))
}

#[test]
fn many_underindented_flow_lines_are_read_like_kubectl() {
    let (code, findings) = lint("scaling-wide", &underindented_args(20_000));
    assert_eq!(code, 1);
    assert!(!codes(&findings).contains(&"DS001"), "{findings:?}");
    assert!(codes(&findings).contains(&"DS101"), "{findings:?}");
}

#[test]
fn underindented_lines_after_a_long_document_are_repaired() {
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n");
    text.extend((0..20_000).map(|i| format!("  key{i}: value {i}\n")));
    text.push_str("---\n");
    text.push_str(&underindented_args(100));
    let (code, findings) = lint("scaling-repair", &text);
    assert_eq!(code, 1);
    assert!(!codes(&findings).contains(&"DS001"), "{findings:?}");
    // Spans map back to the original text: the container's findings point at its name.
    assert!(
        findings.contains(&("DS101".to_owned(), "20018:9".to_owned())),
        "{findings:?}"
    );
}

#[test]
fn nested_anchors_stop_at_the_alias_budget() {
    let depth = 190;
    let text = format!(
        "{}{}{}\n",
        "&a [".repeat(depth),
        vec!["x"; 20_000].join(", "),
        "]".repeat(depth)
    );
    let (code, findings) = lint("scaling-anchors", &text);
    assert_eq!(code, 1);
    assert_eq!(findings.first().map(|(c, _)| c.as_str()), Some("DS001"));
}

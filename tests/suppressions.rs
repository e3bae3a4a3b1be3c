//! Suppressed findings: counted, listed on request, and dismissed (not dropped) in SARIF.
//! Only the manifest-correctness and suppression rules run, so checklist rules added later
//! do not change the counts.

mod common;

use common::{daemonlint, json};

const USED: &str = "fixtures/DS901/clean-used-suppressions.yaml";

#[test]
fn suppressed_findings_are_counted_not_reported() {
    let (code, report) = json(&["--select", "DS0,DS9", USED]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["suppressed"], 4);
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(0));
    let human = daemonlint(&["--select", "DS0,DS9", "--color", "never", USED]);
    assert!(human.stdout.contains("; 4 suppressed"), "{}", human.stdout);
}

#[test]
fn show_suppressed_lists_them_with_how_and_why() {
    let (_, report) = json(&["--select", "DS0,DS9", "--show-suppressed", USED]);
    let all = report["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(all.len(), 4);
    let by_kind = |kind: &str| {
        all.iter()
            .find(|d| d["suppression"]["kind"] == kind)
            .expect(kind)
    };
    assert_eq!(by_kind("file")["code"], "DS007");
    assert_eq!(by_kind("annotation")["code"], "DS006");
    assert_eq!(
        by_kind("annotation")["suppression"]["reason"],
        "limits are set by the VPA"
    );
    assert_eq!(by_kind("comment")["code"], "DS005");
}

#[test]
fn sarif_marks_suppressed_results_as_dismissed() {
    let run = daemonlint(&["--select", "DS0,DS9", "--format", "sarif", USED]);
    let log: serde_json::Value = serde_json::from_str(&run.stdout).expect("sarif");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 4);
    for r in results {
        assert_eq!(r["suppressions"][0]["kind"], "inSource");
    }
    assert!(
        results
            .iter()
            .any(|r| r["suppressions"][0]["justification"] == "same")
    );
}

fn lint_text(test: &str, text: &str, args: &[&str]) -> serde_json::Value {
    let dir = common::temp_dir(test);
    let path = common::write_temp(&dir, "ds.yaml", text.as_bytes());
    let mut all: Vec<&str> = args.to_vec();
    let path = path.to_string_lossy().into_owned();
    all.push(&path);
    json(&all).1
}

fn ds9(report: &serde_json::Value) -> Vec<(String, String)> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"].as_str().is_some_and(|c| c.starts_with("DS9")))
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_owned(),
                d["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

const PRIVILEGED: &str = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: cni}
spec:
  selector: {matchLabels: {app: cni}}
  template:
    metadata: {labels: {app: cni}}
    spec:
      containers:
        - name: cni
          image: cni:1.0
          securityContext:
            SUPPRESSION
            privileged: true
";

fn with(directive: &str) -> String {
    PRIVILEGED.replace("SUPPRESSION", directive)
}

#[test]
fn a_suppression_of_a_rule_turned_off_is_not_unused() {
    let text = with("# daemonlint: ignore DS303 -- the CNI needs it");
    let report = lint_text("supp-off", &text, &["--ignore", "DS303"]);
    assert!(ds9(&report).is_empty(), "{:?}", ds9(&report));
    let report = lint_text("supp-on", &text, &["--select", "DS303,DS9"]);
    assert_eq!(report["summary"]["suppressed"], 1);
    assert!(ds9(&report).is_empty(), "{:?}", ds9(&report));
}

#[test]
fn malformed_suppressions_are_reported() {
    let cases = [
        (
            "# daemonlint: ignore DS303,DS9999 -- x",
            "no known rule: `DS9999`",
        ),
        ("# daemonlint: ignore -- x", "names no rule"),
        (
            "# daemonlint ignore DS303 -- x",
            "not understood as a suppression",
        ),
        ("# daemonlint: disable DS303 -- x", "not a directive"),
        (
            "# DAEMONLINT: IGNORE DS303 -- x",
            "not understood as a suppression",
        ),
        (
            "# daemonlint: ignore privileged-containers -- x",
            "did you mean DS303",
        ),
    ];
    for (i, (directive, expected)) in cases.iter().enumerate() {
        let report = lint_text(
            &format!("supp-bad-{i}"),
            &with(directive),
            &["--select", "DS303,DS9"],
        );
        let found = ds9(&report);
        assert!(
            found
                .iter()
                .any(|(code, m)| code == "DS901" && m.contains(expected)),
            "{directive}: {found:?}"
        );
    }
}

#[test]
fn a_reason_without_the_separator_is_kept() {
    let text = with("# daemonlint: ignore DS303 the CNI needs full privileges");
    let report = lint_text(
        "supp-reason",
        &text,
        &["--select", "DS303,DS9", "--show-suppressed"],
    );
    assert!(ds9(&report).is_empty(), "{:?}", ds9(&report));
    assert_eq!(
        report["diagnostics"][0]["suppression"]["reason"],
        "the CNI needs full privileges"
    );
}

/// A fuzzing find: a non-ASCII word after `ignore` once crashed the run (exit 101).
#[test]
fn a_non_ascii_word_after_ignore_does_not_crash() {
    let run = common::run_with_stdin(
        &["--format", "concise", "-"],
        Some("x: 1 # daemonlint: ignore Dé\n".as_bytes()),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("DS901"), "{}", run.stdout);
}

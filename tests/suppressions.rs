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

//! The human report, byte for byte, for a few fixtures: any change in wording, span or layout
//! shows up in review. Regenerate with `UPDATE_SNAPSHOTS=1 cargo test --test snapshots`.

mod common;

use common::{root, run_with_env};

/// Name, fixture, and the rules shown (so a new rule elsewhere does not churn every snapshot;
/// empty for all rules).
const CASES: &[(&str, &str, &str)] = &[
    (
        "selector-mismatch",
        "fixtures/DS003/fires-label-mismatch.yaml",
        "DS003",
    ),
    (
        "noscheduler",
        "fixtures/DS004/fires-noscheduler.yaml",
        "DS004",
    ),
    (
        "probe-port-and-duplicates",
        "fixtures/DS008/fires-probe-port-and-duplicates.yaml",
        "DS008",
    ),
    (
        "syntax-error",
        "fixtures/DS001/fires-bad-indentation.yaml",
        "DS001",
    ),
    (
        "helm-template",
        "fixtures/DS009/fires-helm-template.yaml",
        "DS009",
    ),
    (
        "toleration-evicts",
        "fixtures/DS202/fires-equal-operator-evicts.yaml",
        "DS202",
    ),
    (
        "surge-host-port",
        "fixtures/DS403/fires-surge-host-port.yaml",
        "DS403",
    ),
    (
        "writable-log-mount",
        "fixtures/DS301/fires-writable-log-mount.yaml",
        "DS301",
    ),
    // Every rule: a production manifest gets only the notes it deserves.
    (
        "hardened-node-exporter",
        "fixtures/hardened/node-exporter.yaml",
        "",
    ),
];

#[test]
fn human_output_matches_snapshots() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut stale = Vec::new();
    for (name, fixture, rules) in CASES {
        let mut args: Vec<&str> = vec!["--color", "never", fixture];
        if !rules.is_empty() {
            args.extend(["--select", rules]);
        }
        // A fixed width, whatever the terminal running the tests says.
        let run = run_with_env(&args, &[("COLUMNS", "100")]);
        let path = root().join("tests/snapshots").join(format!("{name}.txt"));
        if update {
            std::fs::write(&path, &run.stdout).expect("write snapshot");
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if expected != run.stdout {
            stale.push(format!(
                "--- {name} (expected)\n{expected}\n--- {name} (actual)\n{}",
                run.stdout
            ));
        }
    }
    assert!(stale.is_empty(), "snapshots differ:\n{}", stale.join("\n"));
}

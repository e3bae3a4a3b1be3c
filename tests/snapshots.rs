//! The human report, byte for byte, for a few fixtures: any change in wording, span or layout
//! shows up in review. Regenerate with `UPDATE_SNAPSHOTS=1 cargo test --test snapshots`.

mod common;

use common::{daemonlint, root};

const CASES: &[(&str, &str)] = &[
    (
        "selector-mismatch",
        "fixtures/DS003/fires-label-mismatch.yaml",
    ),
    ("noscheduler", "fixtures/DS004/fires-noscheduler.yaml"),
    (
        "probe-port-and-duplicates",
        "fixtures/DS008/fires-probe-port-and-duplicates.yaml",
    ),
    ("syntax-error", "fixtures/DS001/fires-bad-indentation.yaml"),
    ("helm-template", "fixtures/DS009/fires-helm-template.yaml"),
];

#[test]
fn human_output_matches_snapshots() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut stale = Vec::new();
    for (name, fixture) in CASES {
        let run = daemonlint(&["--color", "never", fixture]);
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

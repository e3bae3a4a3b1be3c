//! Every fixture under `fixtures/DSnnn/` declares, in `# expect:` comments, exactly where rule
//! DSnnn must fire (`# expect: DS003 9:7`) or that it must not (`# expect: none`). This test
//! lints each one with the real binary and compares. A `# args: ...` line passes extra
//! command-line arguments, for rules that need a setting to fire.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{json, positions, root};

fn rule_dirs() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(root().join("fixtures"))
        .expect("fixtures/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("DS"))
        })
        .collect();
    dirs.sort();
    dirs
}

fn expectations(path: &Path, code: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).expect("read fixture");
    let mut expected = BTreeSet::new();
    let mut declared = false;
    for line in text.lines() {
        if line.starts_with("# args: ") {
            continue;
        }
        let Some(rest) = line.strip_prefix("# expect: ") else {
            continue;
        };
        declared = true;
        if rest == "none" {
            continue;
        }
        let (c, pos) = rest.split_once(' ').expect("`# expect: CODE line:col`");
        assert_eq!(c, code, "{}: expectation for another rule", path.display());
        expected.insert(pos.to_owned());
    }
    assert!(declared, "{} has no `# expect:` line", path.display());
    expected
}

#[test]
fn every_fixture_fires_exactly_where_it_says() {
    let mut checked = 0;
    for dir in rule_dirs() {
        let code = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let mut fires = 0;
        let mut clean = 0;
        for entry in std::fs::read_dir(&dir).expect("read rule dir") {
            let path = entry.expect("entry").path();
            let expected = expectations(&path, &code);
            let rel = path
                .strip_prefix(root())
                .expect("relative")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("read fixture");
            let mut args = common::extra_args(&text);
            args.push(&rel);
            let (_, report) = json(&args);
            let found: BTreeSet<String> = positions(&report)
                .into_iter()
                .filter(|(c, _)| *c == code)
                .map(|(_, p)| p)
                .collect();
            assert_eq!(found, expected, "{rel}: {code} findings differ");
            // Fixtures test one concern: they must be valid manifests apart from it.
            for (c, p) in positions(&report) {
                if c != code && matches!(c.as_str(), "DS001" | "DS002") {
                    panic!("{rel}: unexpected {c} at {p}");
                }
            }
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.starts_with("fires-") {
                assert!(
                    !expected.is_empty(),
                    "{rel}: a fires- fixture must expect findings"
                );
                fires += 1;
            } else {
                assert!(
                    name.starts_with("clean-"),
                    "{rel}: name must start with fires- or clean-"
                );
                assert!(
                    expected.is_empty(),
                    "{rel}: a clean- fixture must expect none"
                );
                clean += 1;
            }
            checked += 1;
        }
        assert!(
            fires > 0 && clean > 0,
            "{code} needs a fires- and a clean- fixture"
        );
    }
    assert!(checked > 0);
}

#[test]
fn every_rule_has_fixtures_and_a_page() {
    let run = common::daemonlint(&["rules"]);
    assert_eq!(run.code, 0);
    let dirs: Vec<String> = rule_dirs()
        .iter()
        .filter_map(|d| d.file_name()?.to_str().map(str::to_owned))
        .collect();
    for line in run.stdout.lines() {
        let code = line.split_whitespace().next().expect("code column");
        assert!(dirs.iter().any(|d| d == code), "no fixtures/{code}/");
        assert!(
            root().join("rules").join(format!("{code}.md")).is_file(),
            "no rules/{code}.md"
        );
    }
}

/// The production-grade manifests in fixtures/hardened/ apply the whole checklist: every rule
/// runs, and none may report more than a note.
#[test]
fn hardened_manifests_have_no_warnings() {
    let (code, report) = json(&["fixtures/hardened"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(
        report["summary"]["warnings"], 0,
        "{}",
        report["diagnostics"]
    );
    assert!(report["summary"]["daemonsets"].as_u64() >= Some(2));
}

//! `--fix`, `--diff` and `--unsafe-fixes` on the real binary: golden before/after pairs in
//! `fixtures/fix/`, idempotence, what is never edited, and a property test over the corpus.

mod common;

use std::path::{Path, PathBuf};

use common::{Run, root, temp_dir};

/// Runs daemonlint in `dir` (so paths in diffs are as given), without any config.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["--no-config"];
    all.extend_from_slice(args);
    common::run_in(dir, &all)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn before_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/fix/before"))
        .expect("fixtures/fix/before")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

/// `DS306-block.yaml` tests DS306 alone, with unsafe fixes; other pairs run every rule's
/// safe fixes.
fn pair_args(name: &str) -> Vec<String> {
    match name.split('-').next() {
        Some(code) if code.starts_with("DS") => {
            vec!["--select".into(), code.into(), "--unsafe-fixes".into()]
        }
        _ => Vec::new(),
    }
}

#[test]
fn golden_pairs_fix_diff_and_stay_fixed() {
    let dir = temp_dir("fix-golden");
    let files = before_files();
    assert!(
        files.len() >= 27,
        "fixtures/fix/before has {} files",
        files.len()
    );
    for before in files {
        let name = before.file_name().and_then(|n| n.to_str()).expect("name");
        let stem = name.trim_end_matches(".yaml");
        let after = root().join("fixtures/fix/after").join(name);
        let expected_diff = read(&root().join(format!("fixtures/fix/after/{stem}.diff")));
        std::fs::copy(&before, dir.join(name)).expect("copy");
        let extra = pair_args(name);
        let args = |mode: &'static str| -> Vec<&str> {
            let mut a: Vec<&str> = extra.iter().map(String::as_str).collect();
            a.extend([mode, "--format", "concise", name]);
            a
        };

        let diff = run_in(&dir, &args("--diff"));
        assert_eq!(diff.code, 1, "{name}: --diff exit code\n{}", diff.stderr);
        assert_eq!(diff.stdout, expected_diff, "{name}: --diff output");
        assert_eq!(
            read(&dir.join(name)),
            read(&before),
            "{name}: --diff changed the file"
        );

        let fixed = run_in(&dir, &args("--fix"));
        assert_ne!(fixed.code, 2, "{name}: {}", fixed.stderr);
        assert!(
            !fixed.stderr.contains("was not applied"),
            "{name}: {}",
            fixed.stderr
        );
        assert_eq!(read(&dir.join(name)), read(&after), "{name}: fixed text");

        let again = run_in(&dir, &args("--diff"));
        assert_eq!(
            (again.code, again.stdout.as_str()),
            (0, ""),
            "{name}: not idempotent"
        );
        let twice = run_in(&dir, &args("--fix"));
        assert!(
            twice.stderr.contains("fixed 0 findings"),
            "{name}: {}",
            twice.stderr
        );
        assert_eq!(
            read(&dir.join(name)),
            read(&after),
            "{name}: second --fix changed it"
        );
    }
}

#[test]
fn fix_reports_what_remains_and_exits_by_it() {
    let dir = temp_dir("fix-remains");
    std::fs::copy(
        root().join("fixtures/fix/before/DS703-block.yaml"),
        dir.join("a.yaml"),
    )
    .expect("copy");
    let run = run_in(
        &dir,
        &[
            "--select",
            "DS703,DS701",
            "--fix",
            "--format",
            "concise",
            "a.yaml",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout, "",
        "DS703 is fixed and the OS selector is there"
    );
    assert!(
        run.stderr.contains("fixed 2 findings in 1 file"),
        "{}",
        run.stderr
    );

    std::fs::copy(
        root().join("fixtures/fix/before/DS501-block.yaml"),
        dir.join("b.yaml"),
    )
    .expect("copy");
    let run = run_in(
        &dir,
        &[
            "--select", "DS501", "--fix", "--format", "concise", "b.yaml",
        ],
    );
    assert_eq!(
        run.code, 1,
        "an unsafe fix is not applied without --unsafe-fixes"
    );
    assert!(run.stdout.contains("warning[DS501]"), "{}", run.stdout);
    assert_eq!(
        read(&dir.join("b.yaml")),
        read(&root().join("fixtures/fix/before/DS501-block.yaml"))
    );
}

#[test]
fn fix_on_standard_input_prints_the_fixed_document() {
    let text = read(&root().join("fixtures/fix/before/safe-multi-crlf.yaml"));
    let run = common::run_with_stdin(
        &["--no-config", "--fix", "--stdin-filename", "x.yaml", "-"],
        Some(text.as_bytes()),
    );
    assert_eq!(
        run.stdout,
        read(&root().join("fixtures/fix/after/safe-multi-crlf.yaml"))
    );
    assert!(
        run.stderr.contains("Found"),
        "the report goes to stderr: {}",
        run.stderr
    );
    assert_eq!(run.code, 1, "what remains decides the exit code");
}

#[test]
fn never_edits_templates_or_files_that_do_not_parse() {
    let dir = temp_dir("fix-never");
    let template =
        "apiVersion: extensions/v1beta1\nkind: DaemonSet\nmetadata:\n  name: {{ .Release.Name }}\n";
    let broken = "apiVersion: extensions/v1beta1\nkind: DaemonSet\nspec: [\n";
    std::fs::write(dir.join("t.yaml"), template).expect("write");
    std::fs::write(dir.join("b.yaml"), broken).expect("write");
    let run = run_in(&dir, &["--fix", "--unsafe-fixes", "t.yaml", "b.yaml"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(read(&dir.join("t.yaml")), template);
    assert_eq!(read(&dir.join("b.yaml")), broken);
}

#[test]
fn a_fix_that_would_add_a_finding_is_dropped_with_a_message() {
    let dir = temp_dir("fix-dropped");
    // Renaming the beta label would duplicate the GA key already there (with another value,
    // or DS703 would say to remove the beta one instead).
    let text = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\nspec:\n  selector:\n    matchLabels: {app: a}\n  template:\n    metadata:\n      labels: {app: a}\n    spec:\n      nodeSelector:\n        beta.kubernetes.io/os: linux\n        kubernetes.io/os: windows\n      containers:\n      - name: a\n        image: a:1\n";
    std::fs::write(dir.join("d.yaml"), text).expect("write");
    let run = run_in(&dir, &["--select", "DS703", "--fix", "d.yaml"]);
    assert!(
        run.stderr.contains("the DS703 fix (rename the label to `kubernetes.io/os`) was not applied: it would make the manifest invalid (duplicate key"),
        "{}",
        run.stderr
    );
    assert_eq!(read(&dir.join("d.yaml")), text);
    assert_eq!(run.code, 1);
}

#[test]
fn reports_show_fixes() {
    let dir = temp_dir("fix-reports");
    // On the host's network, the container reaches its node, so DS304 judges it too.
    let yaml = read(&root().join("fixtures/fix/before/DS201-block.yaml"));
    std::fs::write(
        dir.join("a.yaml"),
        format!("{yaml}      hostNetwork: true\n"),
    )
    .expect("write");
    let run = run_in(
        &dir,
        &["--select", "DS201,DS304", "--format", "json", "a.yaml"],
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let ds201 = &report["diagnostics"][0];
    assert_eq!(ds201["code"], "DS201");
    assert_eq!(ds201["fix"]["applicability"], "safe");
    assert_eq!(
        ds201["fix"]["edits"][0],
        serde_json::json!({"line": 21, "column": 1, "end_line": 21, "end_column": 1,
            "content": "        - key: node-role.kubernetes.io/control-plane\n          operator: Exists\n          effect: NoSchedule\n"})
    );
    assert_eq!(report["diagnostics"][1]["fix"]["applicability"], "unsafe");

    let human = run_in(
        &dir,
        &["--select", "DS201,DS304", "--color", "never", "a.yaml"],
    );
    assert!(
        human
            .stdout
            .contains("DS201(missing-control-plane-toleration) [*]"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("DS304(capabilities-not-dropped) [*]"));
    assert!(
        human
            .stdout
            .ends_with("; [*] 1 fixable with `--fix` (1 more with `--unsafe-fixes`)\n"),
        "{}",
        human.stdout
    );

    let sarif = run_in(&dir, &["--select", "DS201", "--format", "sarif", "a.yaml"]);
    let sarif: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("sarif");
    let replacement =
        &sarif["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["deletedRegion"]["startLine"], 21);
    assert!(
        replacement["insertedContent"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("control-plane"))
    );
}

#[test]
fn rules_and_pages_say_which_rules_are_fixable() {
    let run = common::daemonlint(&["rules"]);
    let line = |code: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(code))
            .expect("listed")
            .to_owned()
    };
    assert!(line("DS703").contains(" safe "), "{}", line("DS703"));
    assert!(line("DS306").contains(" unsafe "), "{}", line("DS306"));
    assert!(line("DS303").contains(" - "), "{}", line("DS303"));
    let json = common::daemonlint(&["rules", "--format", "json"]);
    let rules: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    for rule in rules.as_array().expect("list") {
        let code = rule["code"].as_str().expect("code");
        let page = read(&root().join(format!("rules/{code}.md")));
        let fix = page
            .split("\n## Fix\n")
            .nth(1)
            .unwrap_or_else(|| panic!("{code}: no ## Fix"));
        let expected = match rule["fix"].as_str() {
            Some("safe") => "Safe:",
            Some("unsafe") => "Unsafe:",
            _ => "None:",
        };
        assert!(
            fix.starts_with(expected),
            "{code}: the page's Fix says {fix}"
        );
    }
    let explain = common::daemonlint(&["explain", "DS202"]);
    assert!(
        explain.stdout.contains("## Fix\nSafe: `--fix` removes"),
        "{}",
        explain.stdout
    );
}

/// Old line numbers a unified diff touches (a `+` line counts at the line it follows).
fn touched_lines(diff: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut old = 0usize;
    for line in diff.lines() {
        if let Some(header) = line.strip_prefix("@@ -") {
            old = header
                .split([',', ' '])
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            continue;
        }
        match line.as_bytes().first() {
            Some(b' ') => old += 1,
            Some(b'-') if !line.starts_with("---") => {
                lines.push(old);
                old += 1;
            }
            Some(b'+') if !line.starts_with("+++") => lines.push(old),
            _ => {}
        }
    }
    lines
}

fn comment_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with('#'))
        .collect()
}

#[test]
fn corpus_fixes_keep_files_parseable_comments_and_edit_only_near_findings() {
    let corpus = root().join("../shared/corpus/plain");
    let Ok(entries) = std::fs::read_dir(&corpus) else {
        eprintln!("skipped: no corpus at {}", corpus.display());
        return;
    };
    let dir = temp_dir("fix-corpus");
    let mut names = Vec::new();
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        if std::fs::copy(e.path(), dir.join(&name)).is_ok() {
            names.push(name);
        }
    }
    names.sort();
    let lint = |dir: &Path| -> serde_json::Value {
        let run = run_in(dir, &["--format", "json", "--fail-on", "never", "."]);
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr))
    };
    // Fixing an object the API server refuses (DS003, DS007) lets the next pass fix the
    // checklist findings that waited for it, so the edits are anchored to those too.
    let before = serde_json::from_str::<serde_json::Value>(
        &run_in(
            &dir,
            &[
                "--format",
                "json",
                "--fail-on",
                "never",
                "--ignore",
                "DS003,DS007",
                ".",
            ],
        )
        .stdout,
    )
    .expect("JSON report");
    let refused = lint(&dir);
    let diff = run_in(&dir, &["--diff", "--unsafe-fixes", "."]);
    assert_ne!(diff.code, 2, "{}", diff.stderr);
    let originals: Vec<String> = names.iter().map(|n| read(&dir.join(n))).collect();
    let fixed = run_in(
        &dir,
        &[
            "--fix",
            "--unsafe-fixes",
            "--fail-on",
            "never",
            "--format",
            "json",
            ".",
        ],
    );
    assert_eq!(fixed.code, 0, "{}", fixed.stderr);
    let after = lint(&dir);
    let findings = |report: &serde_json::Value, file: &str| -> Vec<serde_json::Value> {
        report["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| {
                d["file"]
                    .as_str()
                    .is_some_and(|f| f.trim_start_matches("./") == file)
            })
            .cloned()
            .collect()
    };
    let mut changed = 0;
    for (name, original) in names.iter().zip(&originals) {
        let now = read(&dir.join(name));
        if &now == original {
            continue;
        }
        changed += 1;
        let had_ds001 = findings(&refused, name)
            .iter()
            .any(|d| d["code"] == "DS001");
        let has_ds001 = findings(&after, name).iter().any(|d| d["code"] == "DS001");
        assert!(had_ds001 || !has_ds001, "{name}: no longer parses");
        assert_eq!(
            comment_lines(original),
            comment_lines(&now),
            "{name}: comment lines changed"
        );
        let anchors: Vec<usize> = findings(&before, name)
            .iter()
            .chain(&findings(&refused, name))
            .filter(|d| d.get("fix").is_some())
            .flat_map(|d| {
                let mut at = vec![d["line"].as_u64().unwrap_or(0) as usize];
                at.extend(
                    d["fix"]["edits"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|e| e["line"].as_u64().unwrap_or(0) as usize),
                );
                at
            })
            .collect();
        let file_diff = diff
            .stdout
            .split("--- a/")
            .find(|d| d.starts_with(&format!("./{name}\n")) || d.starts_with(&format!("{name}\n")))
            .unwrap_or_else(|| panic!("{name}: changed but not in --diff"));
        for line in touched_lines(file_diff) {
            assert!(
                anchors.iter().any(|a| a.abs_diff(line) <= 10),
                "{name}: line {line} changed far from any fixable finding"
            );
        }
        for d in findings(&after, name)
            .iter()
            .filter(|d| d.get("fix").is_some())
        {
            let code = d["code"].as_str().unwrap_or_default();
            assert!(
                fixed.stderr.contains(&format!("{name}: the {code} fix")),
                "{name}: {code} at line {} still has a fix after --fix: {d}",
                d["line"]
            );
        }
    }
    assert!(changed > 0, "no corpus file was fixed");
}

/// Every file under `dir` with its bytes, to show a run wrote nothing there.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir)
            .expect("read_dir")
            .filter_map(Result::ok)
        {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read");
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    out
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from)
        .expect("read_dir")
        .filter_map(Result::ok)
    {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// The base+overlay kustomization whose strategic-merge patch sets a deprecated node label.
fn kustomization_copy(test: &str) -> PathBuf {
    let dir = temp_dir(test);
    copy_tree(&root().join("fixtures/kustomize/fix-overlay"), &dir);
    dir
}

const SUGGESTION: &str = "# daemonlint: suggested fix, not applied: DS703 node label `beta.kubernetes.io/os` is deprecated since Kubernetes 1.14 (in overlay)
# overlay/node-selector.yaml is a source of the kustomization overlay; daemonlint does not edit it, apply this by hand
--- a/overlay/node-selector.yaml
+++ b/overlay/node-selector.yaml
@@ -8,4 +8,4 @@
   template:
     spec:
       nodeSelector:
-        beta.kubernetes.io/os: linux
+        kubernetes.io/os: linux
";

#[test]
fn diff_on_a_kustomization_suggests_the_patch_edit_and_writes_nothing() {
    let dir = kustomization_copy("fix-kustomize-diff");
    let before = snapshot(&dir);
    let run = run_in(&dir, &["--diff", "overlay"]);
    assert_eq!(run.stdout, SUGGESTION, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "would fix 0 findings in 0 files; suggested 1 edit to kustomize sources (not applied)"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(run.code, 1, "a suggestion is something left to fix");
    assert_eq!(
        snapshot(&dir),
        before,
        "--diff wrote under the kustomization"
    );
}

#[test]
fn fix_on_a_kustomization_writes_nothing_and_says_why() {
    let dir = kustomization_copy("fix-kustomize-fix");
    let before = snapshot(&dir);
    let run = run_in(
        &dir,
        &["--fix", "--unsafe-fixes", "--format", "concise", "overlay"],
    );
    assert_eq!(
        snapshot(&dir),
        before,
        "--fix wrote under the kustomization"
    );
    assert_eq!(run.code, 1, "the findings remain: {}", run.stderr);
    assert!(
        run.stdout
            .contains("overlay/node-selector.yaml:11:32: warning[DS703]"),
        "the finding is still reported at the patch: {}",
        run.stdout
    );
    assert!(run.stderr.contains(SUGGESTION.trim_end()), "{}", run.stderr);
    // Kustomize sorts the container's keys, so the base's lines around the insertion differ.
    assert!(
        run.stderr.contains("warning: overlay: the DS304 fix (add `ALL` to `capabilities.drop`) was not applied: fix not mapped (the rendered text around the edit differs from base/daemonset.yaml)"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("+++ b/base/daemonset.yaml"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_chart_is_never_written() {
    let dir = temp_dir("fix-chart");
    copy_tree(&root().join("fixtures/charts/agent"), &dir.join("agent"));
    let before = snapshot(&dir);
    // tools/ holds a helm for the tests; without its Python SDK the chart is not rendered,
    // and must be left alone all the same.
    let path = format!(
        "{}:{}",
        root().join("tools").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let chart = dir.join("agent");
    let chart = chart.to_str().expect("utf-8 path");
    for mode in ["--fix", "--diff"] {
        let run = common::run_with_env(
            &["--no-config", mode, "--unsafe-fixes", chart],
            &[("PATH", &path)],
        );
        assert_eq!(snapshot(&dir), before, "{mode} wrote into the chart");
        assert_eq!(
            run.stderr
                .matches("Helm chart templates are never edited, and no fix is suggested for them")
                .count(),
            1,
            "{mode}: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("+++"), "{mode}: {}", run.stdout);
    }
}

#[test]
fn fix_keeps_permissions_and_writes_through_links() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("fix-atomic");
    let before = root().join("fixtures/fix/before/DS703-block.yaml");
    let after = read(&root().join("fixtures/fix/after/DS703-block.yaml"));
    std::fs::copy(&before, dir.join("target.yaml")).expect("copy");
    std::fs::set_permissions(
        dir.join("target.yaml"),
        std::fs::Permissions::from_mode(0o640),
    )
    .expect("chmod");
    std::os::unix::fs::symlink("target.yaml", dir.join("link.yaml")).expect("link");
    let run = run_in(&dir, &["--select", "DS703", "--fix", "link.yaml"]);
    assert!(
        run.stderr.contains("fixed 2 findings in 1 file"),
        "{}",
        run.stderr
    );
    let link = std::fs::symlink_metadata(dir.join("link.yaml")).expect("lstat");
    assert!(link.file_type().is_symlink(), "the link was replaced");
    assert_eq!(read(&dir.join("target.yaml")), after);
    let mode = std::fs::metadata(dir.join("target.yaml"))
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    let left: Vec<_> = std::fs::read_dir(&dir)
        .expect("read_dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left.len(), 2, "a temporary file was left: {left:?}");
    // Bits the umask takes from a new file (commonly 022) are put back.
    std::fs::copy(&before, dir.join("open.yaml")).expect("copy");
    std::fs::set_permissions(
        dir.join("open.yaml"),
        std::fs::Permissions::from_mode(0o666),
    )
    .expect("chmod");
    let run = run_in(&dir, &["--select", "DS703", "--fix", "open.yaml"]);
    assert!(
        run.stderr.contains("fixed 2 findings in 1 file"),
        "{}",
        run.stderr
    );
    let mode = std::fs::metadata(dir.join("open.yaml"))
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o666);
}

#[test]
fn overlays_sharing_a_base_suggest_its_edit_once() {
    let dir = temp_dir("fix-kustomize-shared");
    copy_tree(&root().join("fixtures/kustomize/fix-shared"), &dir);
    let before = snapshot(&dir);
    let run = run_in(&dir, &["--diff", "."]);
    assert_eq!(
        snapshot(&dir),
        before,
        "--diff wrote under the kustomizations"
    );
    assert_eq!(
        run.stdout.matches("+++ b/base/daemonset.yaml").count(),
        1,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("-        beta.kubernetes.io/os: linux\n+        kubernetes.io/os: linux\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("suggested 1 edit to kustomize sources"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_file_that_cannot_be_written_is_an_error_for_that_file_only() {
    let dir = temp_dir("fix-unwritable");
    let before = root().join("fixtures/fix/before/DS703-block.yaml");
    let after = read(&root().join("fixtures/fix/after/DS703-block.yaml"));
    for name in ["a.yaml", "b.yaml", "c.yaml"] {
        std::fs::copy(&before, dir.join(name)).expect("copy");
    }
    // A folder where the temporary file would go: creating it fails, even for root.
    std::fs::create_dir(dir.join(".b.yaml.daemonlint-fix.tmp")).expect("mkdir");
    let run = run_in(
        &dir,
        &["--select", "DS703", "--fix", "--format", "concise", "."],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error: ./b.yaml: cannot write the fixed file: Is a directory"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("fixed 4 findings in 2 files"),
        "{}",
        run.stderr
    );
    assert_eq!(read(&dir.join("b.yaml")), read(&before));
    assert_eq!(read(&dir.join("a.yaml")), after);
    assert_eq!(read(&dir.join("c.yaml")), after);
}

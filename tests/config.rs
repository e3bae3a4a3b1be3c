//! `.daemonlint.yaml`: discovery, precedence, every kind of error with its location,
//! overrides, --select/--ignore, `init` and the JSON schema.

mod common;

use std::path::Path;

use common::{root, run_in, temp_dir, write_temp};

const NOSCHEDULER: &str = "fixtures/DS004/fires-noscheduler.yaml";

fn fixture(rel: &str) -> String {
    root().join(rel).to_string_lossy().into_owned()
}

/// Copies a fixture to `dir/to` and returns the copy's absolute path.
fn copy_fixture(dir: &Path, rel: &str, to: &str) -> String {
    let target = dir.join(to);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::copy(root().join(rel), &target).expect("copy fixture");
    target.to_string_lossy().into_owned()
}

#[test]
fn nearest_config_above_the_linted_file_applies_wherever_the_command_runs() {
    let dir = temp_dir("config-discovery");
    write_temp(&dir, ".daemonlint.yaml", b"rules:\n  DS004: warning\n");
    let linted = copy_fixture(&dir, NOSCHEDULER, "a/b/ds.yaml");
    for cwd in [dir.join("a/b"), root(), std::env::temp_dir()] {
        let run = run_in(&cwd, &["--format", "concise", &linted]);
        assert!(run.stdout.contains("warning[DS004]"), "{}", run.stdout);
    }
    let run = run_in(&dir, &["--no-config", "--format", "concise", &linted]);
    assert!(run.stdout.contains("error[DS004]"), "{}", run.stdout);
    // A config in the working folder does not govern files elsewhere.
    let run = run_in(&dir, &["--format", "concise", &fixture(NOSCHEDULER)]);
    assert!(run.stdout.contains("error[DS004]"), "{}", run.stdout);
    let verbose = run_in(&root(), &["-v", "--format", "concise", &linted]);
    assert!(
        verbose.stderr.contains(".daemonlint.yaml applies to"),
        "{}",
        verbose.stderr
    );
}

#[test]
fn nested_configs_govern_their_own_folders() {
    let dir = temp_dir("config-nested");
    write_temp(&dir, ".daemonlint.yaml", b"rules:\n  DS004: warning\n");
    copy_fixture(&dir, NOSCHEDULER, "top.yaml");
    copy_fixture(&dir, NOSCHEDULER, "team/ds.yaml");
    write_temp(&dir, "team/.daemonlint.yaml", b"rules:\n  DS004: note\n");
    let run = run_in(
        &root(),
        &[
            "--select",
            "DS004",
            "--format",
            "concise",
            &dir.to_string_lossy(),
        ],
    );
    let top: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("top.yaml"))
        .collect();
    let team: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("team/ds.yaml"))
        .collect();
    assert!(
        !top.is_empty() && top.iter().all(|l| l.contains("warning[DS004]")),
        "{}",
        run.stdout
    );
    assert!(
        !team.is_empty() && team.iter().all(|l| l.contains("note[DS004]")),
        "{}",
        run.stdout
    );
}

#[test]
fn broken_config_files_are_errors_not_skipped() {
    let dir = temp_dir("config-broken");
    copy_fixture(&dir, NOSCHEDULER, "ds.yaml");
    std::fs::create_dir_all(dir.join(".daemonlint.yaml")).expect("mkdir");
    let run = run_in(&dir, &["ds.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("is a folder"), "{}", run.stderr);
    std::fs::remove_dir(dir.join(".daemonlint.yaml")).expect("rmdir");
    std::os::unix::fs::symlink(dir.join("nowhere"), dir.join(".daemonlint.yaml")).expect("link");
    let run = run_in(&dir, &["ds.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("dangling"), "{}", run.stderr);
    std::fs::remove_file(dir.join(".daemonlint.yaml")).expect("rm");
    write_temp(&dir, ".daemonlint.yaml", b"fail-on: never\n");
    write_temp(&dir, ".daemonlint.yml", b"fail-on: never\n");
    let run = run_in(&dir, &["ds.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("keep one"), "{}", run.stderr);
}

#[test]
fn command_line_wins_over_the_file() {
    let dir = temp_dir("config-precedence");
    write_temp(
        &dir,
        ".daemonlint.yaml",
        b"fail-on: never\nrules:\n  invalid-value: off\n",
    );
    let noscheduler = copy_fixture(&dir, NOSCHEDULER, "ds.yaml");
    let note = copy_fixture(&dir, "fixtures/DS701/fires-no-selector.yaml", "note.yaml");
    let off = run_in(
        &dir,
        &["--select", "DS004", "--format", "concise", &noscheduler],
    );
    assert_eq!((off.code, off.stdout.as_str()), (0, ""));
    let failing = run_in(
        &dir,
        &[
            "--fail-on",
            "note",
            "--select",
            "DS701",
            "--format",
            "concise",
            &note,
        ],
    );
    assert_eq!(failing.code, 1, "--fail-on beats fail-on: never");
    let other = write_temp(&dir, "other.yaml", b"rules:\n  DS004: note\n");
    let given = run_in(
        &dir,
        &[
            "--config",
            &other.to_string_lossy(),
            "--format",
            "concise",
            &fixture(NOSCHEDULER),
        ],
    );
    assert!(given.stdout.contains("note[DS004]"), "{}", given.stdout);
}

#[test]
fn config_errors_point_into_the_file() {
    let cases: &[(&str, &str, &str)] = &[
        ("rulez:\n  DS004: off\n", "1:1", "unknown key `rulez`"),
        ("rules:\n  DS999: off\n", "2:3", "unknown rule `DS999`"),
        (
            "rules:\n  DS004: loud\n",
            "2:10",
            "must be error, warning, note or off",
        ),
        (
            "settings:\n  cluster-nodez: 5\n",
            "2:3",
            "did you mean `cluster-nodes`?",
        ),
        (
            "settings:\n  max-unavailable: \"25\"\n",
            "2:20",
            "`max-unavailable` must be",
        ),
        (
            "settings:\n  required-tolerations: [a]\n",
            "2:25",
            "needs an effect",
        ),
        ("fail-on: sometimes\n", "1:10", "`fail-on` must be"),
        (
            "overrides:\n  - rules: {DS004: off}\n",
            "2:5",
            "needs `files` or `objects`",
        ),
        ("exclude: [a\n", "2:1", "invalid YAML"),
    ];
    for (i, (text, at, message)) in cases.iter().enumerate() {
        let dir = temp_dir(&format!("config-error-{i}"));
        write_temp(&dir, ".daemonlint.yaml", text.as_bytes());
        let linted = copy_fixture(&dir, NOSCHEDULER, "ds.yaml");
        let run = run_in(&dir, &["--color", "never", &linted]);
        assert_eq!(run.code, 2, "{text}");
        assert!(run.stderr.contains(message), "{text}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!(".daemonlint.yaml:{at}]")),
            "{text}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn overrides_by_file_and_object_apply_in_order() {
    let dir = temp_dir("config-overrides");
    write_temp(
        &dir,
        ".daemonlint.yaml",
        b"overrides:\n  - files: [\"**/DS004/**\"]\n    rules: {DS004: warning}\n  - objects: [\"default/node-exporter\"]\n    rules: {DS004: note}\n    reason: test\n",
    );
    let first = copy_fixture(&dir, NOSCHEDULER, "DS004/a.yaml");
    let second = copy_fixture(
        &dir,
        "fixtures/DS004/fires-rollout-and-ports.yaml",
        "DS004/b.yaml",
    );
    let run = run_in(
        &root(),
        &["--select", "DS004", "--format", "concise", &first, &second],
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].contains("note[DS004]"),
        "object override comes later: {}",
        run.stdout
    );
    assert!(
        lines.last().is_some_and(|l| l.contains("warning[DS004]")),
        "{}",
        run.stdout
    );
}

#[test]
fn select_and_ignore() {
    let dir = temp_dir("select");
    let two = fixture("fixtures/DS008/fires-probe-port-and-duplicates.yaml");
    let only = run_in(
        &dir,
        &[
            "--select",
            "DS00",
            "--ignore",
            "dangling-reference",
            "--format",
            "concise",
            &two,
        ],
    );
    assert_eq!((only.code, only.stdout.as_str()), (0, ""));
    let bad = run_in(&dir, &["--select", "nonsense", &two]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("no rule matches `nonsense`"));
}

#[test]
fn init_writes_a_config_that_loads_as_the_defaults() {
    let dir = temp_dir("init");
    assert_eq!(run_in(&dir, &["init"]).code, 0);
    let text = std::fs::read_to_string(dir.join(".daemonlint.yaml")).expect("written");
    assert!(text.contains("min-liveness-delay: 15"));
    assert_eq!(run_in(&dir, &["init"]).code, 2, "no silent overwrite");
    assert_eq!(run_in(&dir, &["init", "--force"]).code, 0);
    let linted = copy_fixture(&dir, NOSCHEDULER, "ds.yaml");
    let with = run_in(&dir, &["-v", "--format", "concise", &linted]);
    assert!(
        with.stderr.contains(".daemonlint.yaml applies to"),
        "{}",
        with.stderr
    );
    let without = run_in(&dir, &["--no-config", "--format", "concise", &linted]);
    assert_eq!(with.stdout, without.stdout);
    assert_eq!(with.code, without.code);
}

#[test]
fn json_schema_is_in_sync() {
    let generated =
        serde_json::to_string_pretty(&daemonlint::config::schema()).expect("json") + "\n";
    let path = root().join("daemonlint.schema.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &generated).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        committed, generated,
        "regenerate with UPDATE_SNAPSHOTS=1 cargo test --test config"
    );
}

#[test]
fn chart_entries_are_checked_where_they_are_written() {
    let dir = temp_dir("config-charts");
    let linted = copy_fixture(&dir, NOSCHEDULER, "ds.yaml");
    write_temp(&dir, "chart/Chart.yaml", b"name: chart\n");
    write_temp(
        &dir,
        ".daemonlint.yaml",
        b"charts:\n  - path: nowhere\n    release: r\n",
    );
    let run = run_in(&dir, &["--format", "concise", &linted]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(".daemonlint.yaml:2:11"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("is not a chart"), "{}", run.stderr);
    write_temp(
        &dir,
        ".daemonlint.yaml",
        b"charts:\n  - path: chart\n    values: [chart/values-prod.yaml]\n",
    );
    let run = run_in(&dir, &["--format", "concise", &linted]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(".daemonlint.yaml:3:14"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    write_temp(&dir, "chart/values-prod.yaml", b"{}\n");
    let run = run_in(&dir, &["--format", "concise", &linted]);
    assert_eq!(run.code, 1, "the config is accepted: {}", run.stderr);
}

#[test]
fn render_settings_are_checked_where_they_are_written() {
    let dir = temp_dir("config-render");
    let linted = copy_fixture(&dir, NOSCHEDULER, "ds.yaml");
    for (config, place, words) in [
        ("render:\n  kustomize: []\n", ":2:14", "must name a program"),
        ("render:\n  required: sure\n", ":2:13", "true or false"),
        (
            "render:\n  helmet: [helm]\n",
            ":2:3",
            "unknown key `helmet`",
        ),
    ] {
        write_temp(&dir, ".daemonlint.yaml", config.as_bytes());
        let run = run_in(&dir, &["--format", "concise", &linted]);
        assert_eq!(run.code, 2, "{config}: {}", run.stderr);
        assert!(run.stderr.contains(place), "{config}: {}", run.stderr);
        assert!(run.stderr.contains(words), "{config}: {}", run.stderr);
    }
}

#[test]
fn unrendered_templates_raised_by_config_are_findings_that_fail() {
    let dir = temp_dir("config-ds009-error");
    write_temp(&dir, ".daemonlint.yaml", b"rules:\n  DS009: error\n");
    let linted = copy_fixture(&dir, "fixtures/DS009/fires-helm-template.yaml", "ds.yaml");
    let run = run_in(&dir, &["--format", "json", &linted]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(report["summary"]["errors"], 1);
    assert_eq!(report["summary"]["not_linted"], 0);
    assert_eq!(report["diagnostics"][0]["code"], "DS009");
}

//! `.daemonlint.yaml`: discovery, precedence, every kind of error with its location,
//! overrides, --select/--ignore, `init` and the JSON schema.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Run, root, temp_dir, write_temp};

const NOSCHEDULER: &str = "fixtures/DS004/fires-noscheduler.yaml";

/// Runs daemonlint in `dir` (where config discovery starts).
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_daemonlint"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run daemonlint");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn fixture(rel: &str) -> String {
    root().join(rel).to_string_lossy().into_owned()
}

#[test]
fn nearest_config_is_found_and_changes_severity() {
    let dir = temp_dir("config-discovery");
    write_temp(&dir, ".daemonlint.yaml", b"rules:\n  DS004: warning\n");
    let nested = dir.join("a/b");
    std::fs::create_dir_all(&nested).expect("mkdir");
    let run = run_in(&nested, &["--format", "concise", &fixture(NOSCHEDULER)]);
    assert!(run.stdout.contains("warning[DS004]"), "{}", run.stdout);
    let run = run_in(
        &nested,
        &["--no-config", "--format", "concise", &fixture(NOSCHEDULER)],
    );
    assert!(run.stdout.contains("error[DS004]"), "{}", run.stdout);
}

#[test]
fn command_line_wins_over_the_file() {
    let dir = temp_dir("config-precedence");
    write_temp(
        &dir,
        ".daemonlint.yaml",
        b"fail-on: never\nrules:\n  invalid-value: off\n",
    );
    let off = run_in(
        &dir,
        &[
            "--select",
            "DS004",
            "--format",
            "concise",
            &fixture(NOSCHEDULER),
        ],
    );
    assert_eq!((off.code, off.stdout.as_str()), (0, ""));
    let failing = run_in(
        &dir,
        &[
            "--fail-on",
            "note",
            "--format",
            "concise",
            &fixture("fixtures/DS009/fires-helm-template.yaml"),
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
        let run = run_in(&dir, &["--color", "never", &fixture(NOSCHEDULER)]);
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
    let run = run_in(
        &dir,
        &[
            "--select",
            "DS004",
            "--format",
            "concise",
            &fixture(NOSCHEDULER),
            &fixture("fixtures/DS004/fires-rollout-and-ports.yaml"),
        ],
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
    assert!(text.contains("min-liveness-delay: 10"));
    assert_eq!(run_in(&dir, &["init"]).code, 2, "no silent overwrite");
    assert_eq!(run_in(&dir, &["init", "--force"]).code, 0);
    let with = run_in(&dir, &["--format", "concise", &fixture(NOSCHEDULER)]);
    let without = run_in(
        &dir,
        &["--no-config", "--format", "concise", &fixture(NOSCHEDULER)],
    );
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

//! How inputs are found and read, run the way users run daemonlint: pre-commit naming files,
//! folders with .gitignore, special files, standard input, and where reports go.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{Run, root, run_in, temp_dir, write_temp};

const BAD: &str = "fixtures/DS004/fires-noscheduler.yaml";
const CLEAN: &str = "fixtures/hardened/node-exporter.yaml";

fn fixture_text(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).expect("fixture")
}

/// Runs daemonlint in `dir` with a shell, for redirections a Command cannot express.
fn shell(dir: &Path, script: &str) -> Run {
    let bin = env!("CARGO_BIN_EXE_daemonlint");
    let out = Command::new("bash")
        .arg("-c")
        .arg(script.replace("DAEMONLINT", bin))
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("bash");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn readme_github_recipe_pairs_each_output_with_its_format() {
    let dir = temp_dir("recipe-github");
    write_temp(&dir, "deploy/ds.yaml", &fixture_text(BAD));
    let run = run_in(
        &dir,
        &[
            "--format",
            "github",
            "--format",
            "sarif",
            "--output",
            "daemonlint.sarif",
            "deploy/",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.starts_with("::"), "{}", run.stdout);
    assert!(
        run.stdout.contains("::error file=deploy/ds.yaml,line=20"),
        "{}",
        run.stdout
    );
    let sarif = std::fs::read_to_string(dir.join("daemonlint.sarif")).expect("sarif written");
    let value: serde_json::Value = serde_json::from_str(&sarif).expect("the file is SARIF JSON");
    assert_eq!(value["version"], "2.1.0");
    let bare = run_in(&dir, &["--output", "x.json", "--format", "json", "deploy/"]);
    assert_eq!(bare.code, 2);
    assert!(
        bare.stderr.contains("needs its own --format"),
        "{}",
        bare.stderr
    );
}

#[test]
fn gitlab_recipe_writes_the_report_and_prints_human_output() {
    let dir = temp_dir("recipe-gitlab");
    write_temp(&dir, "deploy/ds.yaml", &fixture_text(BAD));
    let run = run_in(
        &dir,
        &[
            "--format",
            "gitlab",
            "--output",
            "gl-code-quality.json",
            "--format",
            "human",
            "deploy/",
        ],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("DS004(invalid-value)"),
        "{}",
        run.stdout
    );
    let report = std::fs::read_to_string(dir.join("gl-code-quality.json")).expect("written");
    assert!(report.trim_start().starts_with('['), "{report}");
}

#[test]
fn outputs_that_would_lose_data_are_refused() {
    let dir = temp_dir("outputs");
    let ds = write_temp(&dir, "ds.yaml", &fixture_text(BAD));
    let twice = run_in(
        &dir,
        &[
            "--format", "json", "--output", "r.json", "--format", "sarif", "--output", "./r.json",
            "ds.yaml",
        ],
    );
    assert_eq!(twice.code, 2);
    assert!(twice.stderr.contains("given twice"), "{}", twice.stderr);
    let over = run_in(
        &dir,
        &["--format", "json", "--output", "ds.yaml", "ds.yaml"],
    );
    assert_eq!(over.code, 2);
    assert!(
        over.stderr.contains("overwrite an input"),
        "{}",
        over.stderr
    );
    assert_eq!(std::fs::read(&ds).expect("kept"), fixture_text(BAD));
}

#[test]
fn closed_and_failing_streams() {
    let dir = temp_dir("streams");
    write_temp(&dir, "ds.yaml", &fixture_text(BAD));
    let closed_out = shell(&dir, "DAEMONLINT ds.yaml >&-");
    assert_eq!(closed_out.code, 2, "{}", closed_out.stderr);
    assert!(closed_out.stderr.contains("standard output is closed"));
    let full = shell(&dir, "DAEMONLINT ds.yaml 2>/dev/null >/dev/full");
    assert_eq!(full.code, 2);
    let full_err = shell(&dir, "DAEMONLINT missing.yaml 2>/dev/full");
    assert_eq!(full_err.code, 2);
    // A reader that goes away early is a normal end: no error, no exit 2.
    for script in [
        "DAEMONLINT --color never ds.yaml | head -c 10 >/dev/null; exit ${PIPESTATUS[0]}",
        "DAEMONLINT rules | head -n 1 >/dev/null; exit ${PIPESTATUS[0]}",
        "DAEMONLINT explain DS003 | head -n 1 >/dev/null; exit ${PIPESTATUS[0]}",
        "DAEMONLINT completions bash | head -n 1 >/dev/null; exit ${PIPESTATUS[0]}",
    ] {
        let run = shell(&dir, script);
        assert!(
            run.code == 0 || run.code == 1,
            "{script}: {} {}",
            run.code,
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{script}: {}", run.stderr);
        assert!(!run.stderr.contains("error"), "{script}: {}", run.stderr);
    }
}

#[test]
fn standard_input_closed_empty_and_named() {
    let dir = temp_dir("stdin");
    let closed = shell(&dir, "DAEMONLINT - <&-");
    assert_eq!(closed.code, 2, "{}", closed.stderr);
    assert!(
        closed.stderr.contains("standard input is closed"),
        "{}",
        closed.stderr
    );
    let empty = shell(&dir, "DAEMONLINT - </dev/null");
    assert_eq!(empty.code, 0);
    assert!(
        empty.stderr.contains("standard input was empty"),
        "{}",
        empty.stderr
    );
    write_temp(&dir, "ds.yaml", &fixture_text(BAD));
    let named = shell(
        &dir,
        "DAEMONLINT --format concise --stdin-filename piped.yaml < ds.yaml",
    );
    assert_eq!(named.code, 1, "{}", named.stderr);
    assert!(named.stdout.starts_with("piped.yaml:"), "{}", named.stdout);
    let limited = shell(&dir, "DAEMONLINT --max-file-size 1Ki - < /dev/zero");
    assert_eq!(limited.code, 2);
    assert!(
        limited.stderr.contains("max-file-size"),
        "{}",
        limited.stderr
    );
}

#[test]
fn special_files_never_hang_or_vanish() {
    let dir = temp_dir("special");
    let fifo = dir.join("pipe.yaml");
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.yaml")).expect("link");
    write_temp(&dir, "ds.yaml", &fixture_text(BAD));
    // Named: the device is an error; the FIFO without a writer reads as empty, at once.
    let device = run_in(&dir, &["zero.yaml"]);
    assert_eq!(device.code, 2);
    assert!(
        device.stderr.contains("not a regular file"),
        "{}",
        device.stderr
    );
    let fifo_run = run_in(&dir, &["pipe.yaml"]);
    assert_eq!(fifo_run.code, 0, "{}", fifo_run.stderr);
    // A FIFO with a writer is read to its end, as process substitution needs.
    let written = shell(&dir, "DAEMONLINT --format concise <(cat ds.yaml)");
    assert_eq!(written.code, 1, "{}", written.stderr);
    // Walked: both are reported as skipped; the real file is linted.
    let walked = run_in(&dir, &["--format", "concise", "."]);
    assert_eq!(walked.code, 1);
    assert!(
        walked
            .stderr
            .contains("pipe.yaml: not a regular file (FIFO); skipped"),
        "{}",
        walked.stderr
    );
    assert!(
        walked.stderr.contains("zero.yaml: not a regular file"),
        "{}",
        walked.stderr
    );
    let config = run_in(&dir, &["--config", "zero.yaml", "ds.yaml"]);
    assert_eq!(config.code, 2);
}

#[test]
fn walks_respect_gitignore_and_hidden_folders() {
    let dir = temp_dir("ignore-walk");
    for path in [
        "deploy/ds.yaml",
        "node_modules/pkg/ds.yaml",
        ".hidden/ds.yaml",
        "vendor/ds.yaml",
    ] {
        write_temp(&dir, path, &fixture_text(BAD));
    }
    write_temp(&dir, ".gitignore", b"node_modules/\n");
    write_temp(&dir, ".ignore", b"vendor/\n");
    let run = run_in(&dir, &["--format", "json", "."]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(report["summary"]["files"], 1, "{}", run.stdout);
    let all = run_in(&dir, &["--no-ignore", "--format", "json", "."]);
    let report: serde_json::Value = serde_json::from_str(&all.stdout).expect("json");
    assert_eq!(report["summary"]["files"], 3, "hidden folders stay skipped");
}

#[test]
fn the_same_file_is_linted_once() {
    let dir = temp_dir("dedupe");
    write_temp(&dir, "deploy/ds.yaml", &fixture_text(BAD));
    let run = run_in(
        &dir,
        &[
            "--format",
            "json",
            "deploy",
            "deploy/ds.yaml",
            "./deploy/ds.yaml",
            ".",
        ],
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(report["summary"]["files"], 1, "{}", run.stdout);
}

#[test]
fn force_exclude_applies_config_excludes_to_named_files() {
    let dir = temp_dir("force-exclude");
    write_temp(
        &dir,
        ".daemonlint.yaml",
        b"exclude: [\"legacy/**\", templates]\n",
    );
    write_temp(&dir, "legacy/ds.yaml", &fixture_text(BAD));
    write_temp(&dir, "chart/templates/ds.yaml", &fixture_text(BAD));
    write_temp(&dir, "good.yaml", &fixture_text(CLEAN));
    let named = ["legacy/ds.yaml", "chart/templates/ds.yaml", "good.yaml"];
    let plain = run_in(&dir, &named);
    assert_eq!(plain.code, 1, "named files are linted by default");
    let mut args = vec!["--force-exclude"];
    args.extend(named);
    let forced = run_in(&dir, &args);
    assert_eq!(forced.code, 0, "{}", forced.stdout);
    // Globs are relative to the config's folder, wherever the command runs.
    let from_elsewhere = run_in(
        &root(),
        &[
            "--force-exclude",
            &dir.join("legacy/ds.yaml").to_string_lossy(),
        ],
    );
    assert_eq!(from_elsewhere.code, 0, "{}", from_elsewhere.stdout);
    // --exclude accepts ./ and absolute paths.
    let dot = run_in(
        &dir,
        &[
            "--exclude",
            "./legacy",
            "--exclude",
            &dir.join("chart").to_string_lossy(),
            ".",
        ],
    );
    assert_eq!(dot.code, 0, "{}", dot.stdout);
}

#[test]
fn no_files_found_is_said() {
    let dir = temp_dir("nothing");
    write_temp(&dir, "README.md", b"# nothing here\n");
    let run = run_in(&dir, &["."]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.contains("no YAML or JSON files found under ."),
        "{}",
        run.stderr
    );
}

#[test]
fn unreadable_input_fails_whatever_the_rule_selection() {
    let dir = temp_dir("select-ds001");
    write_temp(&dir, "broken.yaml", b"a: [\n  b: c\n: : :\n");
    for args in [
        vec!["--select", "DS303", "broken.yaml"],
        vec!["--ignore", "DS001", "broken.yaml"],
    ] {
        let run = run_in(&dir, &args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stdout);
        assert!(run.stdout.contains("DS001"), "{}", run.stdout);
    }
    write_temp(&dir, ".daemonlint.yaml", b"rules: {DS001: off}\n");
    let run = run_in(&dir, &["broken.yaml"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
}

#[test]
fn severity_and_quiet_change_what_is_shown_not_the_exit_code() {
    let path = root().join(BAD);
    let path = path.to_string_lossy();
    let errors = run_in(
        &root(),
        &["--severity", "error", "--format", "concise", &path],
    );
    assert_eq!(errors.code, 1);
    assert!(
        errors.stdout.lines().all(|l| l.contains(": error[")),
        "{}",
        errors.stdout
    );
    assert!(!errors.stdout.is_empty());
    let quiet = run_in(&root(), &["-q", "--color", "never", &path]);
    assert_eq!(quiet.code, 1);
    assert_eq!(quiet.stdout.lines().count(), 1, "{}", quiet.stdout);
    assert!(quiet.stdout.starts_with("Found"), "{}", quiet.stdout);
    let human = run_in(&root(), &["--severity", "error", "--color", "never", &path]);
    assert!(!human.stdout.contains("warning["), "{}", human.stdout);
    assert!(human.stdout.contains("not shown"), "{}", human.stdout);
}

#[test]
fn check_subcommand_and_the_rules_folder_hint() {
    let dir = temp_dir("check-rules");
    write_temp(&dir, "rules/ds.yaml", &fixture_text(BAD));
    let listed = run_in(&dir, &["rules"]);
    assert_eq!(listed.code, 0);
    assert!(listed.stdout.contains("DS003"));
    assert!(
        listed.stderr.contains("daemonlint check rules"),
        "{}",
        listed.stderr
    );
    let checked = run_in(&dir, &["check", "rules"]);
    assert_eq!(checked.code, 1, "{}", checked.stderr);
    let bare = run_in(&dir, &["./rules"]);
    assert_eq!(bare.code, 1);
}

#[test]
fn rules_as_json_completions_and_help() {
    let json = run_in(&root(), &["rules", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(list[0]["code"], "DS001");
    assert_eq!(list[0]["name"], "yaml-syntax");
    let bash = run_in(&root(), &["completions", "bash"]);
    assert!(
        bash.stdout.contains("DS702"),
        "completions offer rule codes"
    );
    let help = run_in(&root(), &["--help"]);
    assert!(help.stdout.contains("Exit status:"), "{}", help.stdout);
    assert!(
        help.stdout.trim_end().ends_with("a failed write"),
        "{}",
        help.stdout
    );
}

#[test]
fn unknown_rule_names_get_a_suggestion() {
    let path = root().join(BAD);
    let select = run_in(&root(), &["--select", "DS7O2", &path.to_string_lossy()]);
    assert_eq!(select.code, 2);
    assert!(
        select.stderr.contains("did you mean DS702"),
        "{}",
        select.stderr
    );
    let explain = run_in(&root(), &["explain", "privileged-containers"]);
    assert_eq!(explain.code, 2);
    assert!(
        explain.stderr.contains("did you mean DS303"),
        "{}",
        explain.stderr
    );
    let dir = temp_dir("rules-typo");
    write_temp(
        &dir,
        ".daemonlint.yaml",
        b"rules:\n  missing-request: off\n",
    );
    write_temp(&dir, "ds.yaml", &fixture_text(BAD));
    let config = run_in(&dir, &["ds.yaml"]);
    assert_eq!(config.code, 2);
    assert!(
        config.stderr.contains("did you mean DS101"),
        "{}",
        config.stderr
    );
}

#[test]
fn typed_lists_are_unwrapped() {
    let dir = temp_dir("typed-list");
    write_temp(
        &dir,
        "list.yaml",
        b"apiVersion: apps/v1\nkind: DaemonSetList\nitems:\n- metadata: {name: x}\n  spec:\n    selector: {matchLabels: {a: b}}\n    template:\n      metadata: {labels: {a: c}}\n      spec: {containers: [{name: c, image: i:1}]}\n",
    );
    let run = run_in(
        &dir,
        &["--format", "concise", "--select", "DS003", "list.yaml"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout.lines().next(),
        Some(
            "list.yaml:6:30: error[DS003] x: the selector wants `a: b` but the template has `a: c`"
        )
    );
}

#[test]
fn json_comments_get_a_clear_message() {
    let dir = temp_dir("json-comment");
    write_temp(&dir, "a.json", b"// generated\n{\"kind\": \"DaemonSet\"}\n");
    write_temp(
        &dir,
        "b.json",
        b"{\n  // note\n  \"kind\": \"DaemonSet\"}\n",
    );
    let run = run_in(&dir, &["--format", "concise", "a.json", "b.json"]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("a.json:1:1: error[DS001] JSON has no comments"),
        "{}",
        run.stdout
    );
    assert!(
        lines[1].starts_with("b.json:2:3: error[DS001] JSON has no comments"),
        "{}",
        run.stdout
    );
}

#[test]
fn explain_profiles_prints_the_profile_page() {
    let run = run_in(&root(), &["explain", "profiles"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("# Agent profiles"), "{}", run.stdout);
}

#[test]
fn nodes_feed_the_required_tolerations() {
    let run = run_in(
        &root(),
        &[
            "--nodes",
            "fixtures/coverage/nodes.yaml",
            "--select",
            "DS203",
            "--format",
            "concise",
            "fixtures/hardened/fluent-bit.yaml",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("`nvidia.com/gpu=present:NoSchedule`"),
        "{}",
        run.stdout
    );
    // The control-plane taint is DS201's, and condition taints the controller tolerates.
    assert!(!run.stdout.contains("control-plane"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("node.kubernetes.io/"),
        "{}",
        run.stdout
    );
    let none = run_in(&root(), &["--nodes", "README.md", "fixtures/hardened/"]);
    assert_eq!(none.code, 2, "{}", none.stderr);
}

/// A ClusterRoleBinding in `rbac.yaml` beside `daemonset.yaml` is applied with it: linting the
/// folder (or both files) reports DS315 at the DaemonSet's service account, naming the file
/// and line of the binding; linting the DaemonSet's file alone cannot see it.
#[test]
fn cluster_admin_binding_in_a_sibling_file_is_reported() {
    let dir = temp_dir("sibling-rbac");
    let fixture = String::from_utf8(fixture_text(
        "fixtures/DS315/fires-bound-to-cluster-admin.yaml",
    ))
    .expect("utf-8");
    let docs: Vec<&str> = fixture.split("---\n").collect();
    write_temp(
        &dir,
        "rbac.yaml",
        format!("{}---\n{}", docs[0], docs[1]).as_bytes(),
    );
    write_temp(&dir, "daemonset.yaml", docs[2].as_bytes());
    let ds315 = |args: &[&str]| -> Vec<(String, String)> {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let run = run_in(&dir, &all);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
        report["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|d| d["code"] == "DS315")
            .map(|d| {
                (
                    format!(
                        "{}:{}:{}",
                        d["file"].as_str().unwrap_or_default(),
                        d["line"],
                        d["column"]
                    ),
                    d["message"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    for args in [&["."][..], &["rbac.yaml", "daemonset.yaml"][..]] {
        let found = ds315(args);
        assert_eq!(found.len(), 1, "{args:?}: {found:?}");
        assert!(found[0].0.ends_with("daemonset.yaml:15:27"), "{found:?}");
        assert!(found[0].1.contains("rbac.yaml:13)"), "{found:?}");
    }
    assert!(ds315(&["daemonset.yaml"]).is_empty());
}

/// A ServiceAccount in `serviceaccount.yaml` beside `daemonset.yaml` is applied with it: a
/// DaemonSet naming the chart's release-prefixed account is told, in the folder, that the
/// account created there is another; an unrelated account of another agent in the same folder
/// proves nothing.
#[test]
fn service_account_in_a_sibling_file_is_compared() {
    let dir = temp_dir("sibling-account");
    let fixture = String::from_utf8(fixture_text(
        "fixtures/DS012/fires-release-name-left-in.yaml",
    ))
    .expect("utf-8");
    let docs: Vec<&str> = fixture.split("---\n").collect();
    let account = docs[0]
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    write_temp(&dir, "daemonset.yaml", docs[1].as_bytes());
    let ds012 = || -> Vec<String> {
        let run = run_in(&dir, &["--format", "json", "."]);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
        report["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|d| d["code"] == "DS012")
            .map(|d| format!("{}:{}", d["line"], d["column"]))
            .collect()
    };
    write_temp(
        &dir,
        "serviceaccount.yaml",
        account.replace("jaeger-agent", "node-exporter").as_bytes(),
    );
    assert!(ds012().is_empty(), "another agent's account");
    write_temp(&dir, "serviceaccount.yaml", account.as_bytes());
    assert_eq!(ds012(), ["15:27"]);
}

/// Lints one fixture copied into a kustomize base folder (`base`) and into a plain folder,
/// and returns the files where `code` fired.
fn files_reporting(test: &str, fixture: &str, base: &str, code: &str) -> Vec<String> {
    let dir = temp_dir(test);
    let text = fixture_text(fixture);
    write_temp(&dir, base, &text);
    write_temp(&dir, "deploy/ds.yaml", &text);
    let run = run_in(&dir, &["--format", "json", base, "deploy/ds.yaml"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == code)
        .filter_map(|d| d["file"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn bare_latest_image_in_a_kustomize_base_folder_is_a_placeholder() {
    let files = files_reporting(
        "bare-image-in-base",
        "fixtures/DS809/fires-bare-latest.yaml",
        "config/manager/ds.yaml",
        "DS809",
    );
    assert_eq!(files, ["deploy/ds.yaml"]);
}

#[test]
fn latest_image_in_a_kustomize_base_folder_is_left_to_the_overlay() {
    let files = files_reporting(
        "latest-image-in-base",
        "fixtures/DS801/fires-latest-if-not-present.yaml",
        "deploy/base/node/ds.yaml",
        "DS801",
    );
    assert_eq!(files, ["deploy/ds.yaml"]);
}

#[test]
fn a_folder_named_for_a_managed_service_has_no_control_plane_to_miss() {
    // Legacy toleration or none: GKE, EKS and AKS show no control-plane nodes.
    for fixture in [
        "fixtures/DS201/fires-master-only.yaml",
        "fixtures/DS201/fires-no-toleration.yaml",
    ] {
        let files = files_reporting(
            "managed-folder",
            fixture,
            "deployments/GKE/ds.yaml",
            "DS201",
        );
        assert_eq!(files, ["deploy/ds.yaml"], "{fixture}");
    }
}

//! What a user sees at the command line: exit codes, formats, inputs, subcommands.

mod common;

use common::{daemonlint, json, positions, run_with_stdin, temp_dir, write_temp};

/// Hardened to pass every checklist rule (tests/fixtures.rs keeps it that way).
const CLEAN: &str = "fixtures/hardened/fluent-bit.yaml";
const BROKEN: &str = "fixtures/DS003/fires-label-mismatch.yaml";

#[test]
fn json_report_has_the_documented_shape() {
    let (code, report) = json(&[BROKEN]);
    assert_eq!(code, 1);
    assert_eq!(report["version"], 1);
    let summary = &report["summary"];
    for field in [
        "files",
        "documents",
        "daemonsets",
        "errors",
        "warnings",
        "notes",
    ] {
        assert!(summary[field].is_u64(), "summary.{field}");
    }
    assert_eq!(summary["files"], 1);
    assert_eq!(summary["daemonsets"], 1);
    let d = report["diagnostics"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["code"] == "DS003"))
        .expect("a DS003 finding");
    assert_eq!(d["name"], "selector-mismatch");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], BROKEN);
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(10), Some(7))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(10), Some(20))
    );
    assert_eq!(d["object"]["kind"], "DaemonSet");
    assert_eq!(d["object"]["name"], "filebeat");
    assert!(
        d["message"]
            .as_str()
            .is_some_and(|m| m.contains("filebeat-agent"))
    );
    assert!(d["help"].as_str().is_some_and(|h| !h.is_empty()));
}

#[test]
fn concise_lines_are_path_line_col() {
    let run = daemonlint(&["--format", "concise", BROKEN]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with(&format!("{BROKEN}:10:7: error[DS003] "))),
        "{}",
        run.stdout
    );
}

#[test]
fn exit_codes_follow_fail_on() {
    assert_eq!(daemonlint(&["--format", "concise", BROKEN]).code, 1);
    assert_eq!(
        daemonlint(&["--format", "concise", "--fail-on", "never", BROKEN]).code,
        0
    );
    assert_eq!(
        daemonlint(&["--format", "concise", "--fail-on", "error", BROKEN]).code,
        1
    );
    // A note alone fails only with --fail-on note.
    let note = "fixtures/DS701/fires-no-selector.yaml";
    let (code, report) = json(&["--select", "DS701", note]);
    assert_eq!(report["summary"]["notes"], 1);
    assert_eq!(code, 0);
    assert_eq!(
        daemonlint(&["--select", "DS701", "--fail-on", "note", note]).code,
        1
    );
    assert_eq!(daemonlint(&["--fail-on", "sometimes", note]).code, 2);
}

#[test]
fn what_was_not_linted_is_listed_once_apart_from_the_findings() {
    let template = "fixtures/DS009/fires-helm-template.yaml";
    let placeholder = "fixtures/DS009/fires-operator-image-placeholder.yaml";
    let (code, report) = json(&[template, placeholder]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["notes"], 0);
    assert_eq!(report["summary"]["not_linted"], 2);
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(0));
    let skipped = &report["not_linted"];
    assert_eq!(skipped[0]["code"], "DS009");
    assert_eq!(skipped[0]["file"], template);
    assert_eq!(
        (&skipped[0]["line"], &skipped[0]["column"]),
        (&5.into(), &9.into())
    );
    assert_eq!(skipped[1]["file"], placeholder);
    // Not a finding: it fails no build, even at --fail-on note.
    assert_eq!(daemonlint(&["--fail-on", "note", template]).code, 0);
    // One block before the summary, one line per input, each way out once.
    let run = daemonlint(&["--color", "never", template, placeholder]);
    assert!(!run.stdout.contains("╭─["), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "DS009(unrendered-template): 2 not linted\n  {template}:5:9: this file is a Helm/Go template"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "0 DaemonSets (1 document, 2 files checked); 2 not linted (unrendered templates)"
        ),
        "{}",
        run.stdout
    );
    // Concise lists each one like a finding; SARIF has them as notifications, not results.
    let concise = daemonlint(&["--format", "concise", template]);
    assert!(
        concise
            .stdout
            .starts_with(&format!("{template}:5:9: note[DS009] "))
    );
    let sarif = daemonlint(&["--format", "sarif", template]);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("sarif");
    let run0 = &log["runs"][0];
    assert_eq!(run0["results"].as_array().map(Vec::len), Some(0));
    let notice = &run0["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(notice["associatedRule"]["id"], "DS009");
    assert_eq!(
        notice["locations"][0]["physicalLocation"]["region"]["startLine"],
        5
    );
}

#[test]
fn clean_file_exits_zero_with_summary() {
    let run = daemonlint(&["--color", "never", CLEAN]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("No problems found in 1 DaemonSet (1 document, 1 file checked)"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("error["));
}

#[test]
fn stdin_with_a_name() {
    let text = std::fs::read(common::root().join(BROKEN)).expect("fixture");
    let run = run_with_stdin(
        &[
            "--format",
            "concise",
            "--stdin-filename",
            "deploy/ds.yaml",
            "-",
        ],
        Some(&text),
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.starts_with("deploy/ds.yaml:10:7: error[DS003]"),
        "{}",
        run.stdout
    );
}

#[test]
fn folders_are_walked_sorted_with_excludes_and_hidden_dirs_skipped() {
    let dir = temp_dir("walk");
    let ds = std::fs::read(common::root().join(BROKEN)).expect("fixture");
    write_temp(&dir.join("b"), "ds.yaml", &ds);
    write_temp(&dir.join("a"), "ds.yml", &ds);
    write_temp(&dir.join("a"), "notes.txt", b"not yaml: [");
    write_temp(&dir.join(".git"), "ds.yaml", &ds);
    write_temp(&dir.join("templates"), "ds.yaml", &ds);
    let root = dir.to_string_lossy().into_owned();
    let (_, report) = json(&["--exclude", "templates", &root]);
    let files: Vec<String> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["file"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(report["summary"]["files"], 2);
    assert!(
        files[0].ends_with("a/ds.yml") && files.last().is_some_and(|f| f.ends_with("b/ds.yaml"))
    );
    // A file named explicitly is linted whatever its extension.
    let txt = dir.join("a/notes.txt").to_string_lossy().into_owned();
    let (code, report) = json(&[&txt]);
    assert_eq!(code, 1);
    assert_eq!(positions(&report)[0].0, "DS001");
}

#[test]
fn vendored_and_test_data_folders_are_skipped_unless_asked_for() {
    let dir = temp_dir("walk-foreign");
    let ds = std::fs::read(common::root().join(BROKEN)).expect("fixture");
    write_temp(&dir.join("deploy"), "ds.yaml", &ds);
    write_temp(&dir.join("vendor/k8s.io/e2e"), "ds.yaml", &ds);
    write_temp(&dir.join("third_party"), "ds.yaml", &ds);
    write_temp(&dir.join("pkg/testdata"), "golden.yaml", &ds);
    write_temp(&dir.join("out"), "istio-cni.golden.yaml", &ds);
    let root = dir.to_string_lossy().into_owned();
    let files = |args: &[&str]| -> u64 {
        let (_, report) = json(args);
        report["summary"]["files"].as_u64().unwrap_or_default()
    };
    assert_eq!(files(&[&root]), 1, "only deploy/ds.yaml");
    assert_eq!(files(&["--no-ignore", &root]), 5);
    // Named on the command line, a folder or file is linted.
    let vendor = dir.join("vendor").to_string_lossy().into_owned();
    assert_eq!(files(&[&vendor]), 1);
    let golden = dir.join("pkg/testdata/golden.yaml");
    assert_eq!(files(&[&golden.to_string_lossy()]), 1);
    let golden = dir.join("out/istio-cni.golden.yaml");
    assert_eq!(files(&[&golden.to_string_lossy()]), 1);
}

#[test]
fn missing_path_is_reported_and_others_still_linted() {
    let run = daemonlint(&["--format", "concise", "does/not/exist.yaml", BROKEN]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("does/not/exist.yaml"), "{}", run.stderr);
    assert!(run.stdout.contains("[DS003]"));
    let (code, report) = json(&["does/not/exist.yaml"]);
    assert_eq!(code, 2);
    assert!(
        report["failures"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("exist.yaml"))
    );
}

#[test]
fn list_and_multi_document_streams() {
    let stream = "\
# leading comment
---
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: DaemonSet
  metadata: {name: a, namespace: kube-system}
  spec:
    selector: {matchLabels: {app: a}}
    template:
      metadata: {labels: {app: b}}
      spec: {containers: [{name: c, image: i:1}]}
---
...
---
kind: ConfigMap
data:
  script: |
    ---
    not a document
";
    let run = run_with_stdin(&["--format", "json", "-"], Some(stream.as_bytes()));
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(report["summary"]["daemonsets"], 1);
    assert_eq!(report["summary"]["documents"], 3);
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "DS003");
    assert_eq!(d["line"], 10);
    assert_eq!(d["object"]["namespace"], "kube-system");
}

#[test]
fn bom_and_crlf() {
    let text = std::fs::read_to_string(common::root().join(BROKEN)).expect("fixture");
    let crlf = format!("\u{feff}{}", text.replace('\n', "\r\n"));
    let run = run_with_stdin(&["--format", "concise", "-"], Some(crlf.as_bytes()));
    assert!(
        run.stdout.starts_with("<stdin>:10:7: error[DS003]"),
        "{}",
        run.stdout
    );
}

#[test]
fn yaml_1_1_scalars_are_read_as_kubernetes_reads_them() {
    // `on` is a boolean in YAML 1.1, so this label value is not a string.
    let text = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a, labels: {enabled: on}}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: i:1, ports: [{containerPort: 0x50}]}]}\n";
    let run = run_with_stdin(&["--format", "concise", "-"], Some(text.as_bytes()));
    assert!(
        run.stdout
            .contains("<stdin>:3:39: error[DS002] a: `enabled` must be a string"),
        "{}",
        run.stdout
    );
    // 0x50 is the integer 80: a valid port, so no DS004.
    assert!(!run.stdout.contains("DS004"), "{}", run.stdout);
}

#[test]
fn rules_lists_every_rule() {
    let run = daemonlint(&["rules"]);
    assert_eq!(run.code, 0);
    let first = run.stdout.lines().next().expect("a line");
    assert!(first.starts_with("DS001  yaml-syntax"), "{first}");
    assert!(run.stdout.contains("DS009  unrendered-template"));
}

#[test]
fn completions_are_generated() {
    let run = daemonlint(&["completions", "bash"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("daemonlint"));
}

#[test]
fn colors_only_when_asked() {
    let plain = daemonlint(&[BROKEN]);
    assert!(!plain.stdout.contains('\u{1b}'), "no escapes into a pipe");
    let forced = daemonlint(&["--color", "always", BROKEN]);
    assert!(forced.stdout.contains('\u{1b}'));
}

#[test]
fn kustomize_patches_are_counted_not_judged() {
    let patch = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  template:\n    spec:\n      containers:\n      - name: agent\n        imagePullPolicy: Always\n";
    let run = run_with_stdin(&["--format", "json", "-"], Some(patch.as_bytes()));
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(run.code, 0);
    assert_eq!(report["summary"]["partial"], 1);
    assert_eq!(report["summary"]["daemonsets"], 0);
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(0));
    let human = run_with_stdin(&["--color", "never", "-"], Some(patch.as_bytes()));
    assert!(
        human.stdout.contains("1 kustomize patch skipped"),
        "{}",
        human.stdout
    );
    // With a container image it is a complete object, and its missing selector is an error.
    let complete = patch.replace(
        "        imagePullPolicy",
        "        image: example.com/agent:1.0\n        imagePullPolicy",
    );
    let run = run_with_stdin(&["--format", "concise", "-"], Some(complete.as_bytes()));
    assert!(run.stdout.contains("[DS003]"), "{}", run.stdout);
    // Labels alone do not decide: a patch may set them.
    let labelled = patch.replace(
        "  template:\n",
        "  template:\n    metadata: {labels: {app: agent}}\n",
    );
    let run = run_with_stdin(&["--format", "json", "-"], Some(labelled.as_bytes()));
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(report["summary"]["partial"], 1);
}

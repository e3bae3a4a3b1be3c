//! Kustomizations and Helm charts are linted as they deploy: rendered first, with each finding
//! moved back to the patch, kustomization field, template line or values key that wrote it.
//! Runs the real binary with kubectl (kustomize) and tools/helm (helm-python-sdk).

mod common;

use std::path::Path;
use std::process::Command;

use common::{daemonlint, json, root, run_with_env, run_with_stdin};
use serde_json::Value;

const APP: &str = "fixtures/kustomize/app";

/// `file:line:col code message` for each finding, for readable failures.
fn findings(report: &Value) -> Vec<(String, String, String)> {
    listed(report, "diagnostics")
}

/// What the run did not lint (DS009 notes), in the same shape as [`findings`].
fn not_linted(report: &Value) -> Vec<(String, String, String)> {
    listed(report, "not_linted")
}

fn listed(report: &Value, key: &str) -> Vec<(String, String, String)> {
    report[key]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|d| {
                    (
                        format!(
                            "{}:{}:{} {}",
                            d["file"].as_str().unwrap_or_default(),
                            d["line"],
                            d["column"],
                            d["code"].as_str().unwrap_or_default()
                        ),
                        d["message"].as_str().unwrap_or_default().to_owned(),
                        d["help"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn find<'a>(
    all: &'a [(String, String, String)],
    place: &str,
) -> Option<&'a (String, String, String)> {
    all.iter().find(|(p, _, _)| p == place)
}

#[test]
fn strategic_merge_patch_findings_point_at_the_patch_line() {
    let (code, report) = json(&[APP]);
    let all = findings(&report);
    let privileged = find(
        &all,
        "fixtures/kustomize/app/overlays/prod/privileged.yaml:11:25 DS303",
    );
    assert!(privileged.is_some(), "{all:#?}");
    let (_, message, _) = privileged.cloned().unwrap_or_default();
    assert!(
        message.ends_with("(in fixtures/kustomize/app/overlays/prod)"),
        "{message}"
    );
    assert_eq!(code, 1);
}

#[test]
fn json_6902_patch_findings_point_at_the_value() {
    let (_, report) = json(&[APP]);
    let all = findings(&report);
    assert!(
        find(
            &all,
            "fixtures/kustomize/app/overlays/prod/host-ipc.yaml:3:10 DS307"
        )
        .is_some(),
        "{all:#?}"
    );
}

#[test]
fn image_transformer_findings_point_at_the_new_tag() {
    let (_, report) = json(&[APP]);
    let all = findings(&report);
    assert!(
        find(
            &all,
            "fixtures/kustomize/app/overlays/prod/kustomization.yaml:12:13 DS801"
        )
        .is_some(),
        "{all:#?}"
    );
    // The base's own tag is pinned: nothing about images is reported there.
    assert!(
        !all.iter()
            .any(|(p, _, _)| p.starts_with("fixtures/kustomize/app/base/daemonset.yaml:16"))
    );
}

#[test]
fn patch_files_get_no_finding_of_their_own() {
    let (_, report) = json(&[APP]);
    let all = findings(&report);
    // Alone, the patch would be told it lacks a selector, an image, resources...
    let in_patch: Vec<_> = all
        .iter()
        .filter(|(p, _, _)| p.contains("privileged.yaml") || p.contains("host-ipc.yaml"))
        .collect();
    assert!(
        in_patch.iter().all(|(_, m, _)| m.contains("(in ")),
        "{in_patch:#?}"
    );
    assert!(
        !all.iter().any(|(p, _, _)| p.ends_with("DS003")),
        "{all:#?}"
    );
    assert!(
        !all.iter().any(|(p, _, _)| p.ends_with("DS101")),
        "{all:#?}"
    );
}

#[test]
fn a_finding_overlays_share_is_reported_once_naming_them() {
    let (_, report) = json(&[APP]);
    let all = findings(&report);
    let shared: Vec<_> = all
        .iter()
        .filter(|(p, _, _)| p.ends_with(" DS501"))
        .collect();
    assert_eq!(shared.len(), 1, "{all:#?}");
    assert!(
        shared[0]
            .0
            .starts_with("fixtures/kustomize/app/base/daemonset.yaml:13:")
    );
    assert!(
        shared[0].1.ends_with(
            "(in fixtures/kustomize/app/overlays/prod, fixtures/kustomize/app/overlays/staging)"
        ),
        "{}",
        shared[0].1
    );
}

#[test]
fn a_base_included_by_overlays_is_not_rendered_alone() {
    let (_, report) = json(&[APP]);
    let all = findings(&report);
    assert!(
        all.iter()
            .all(|(_, m, _)| m.contains("(in fixtures/kustomize/app/overlays/")),
        "{all:#?}"
    );
}

#[test]
fn human_output_shows_the_source_line() {
    let run = daemonlint(&["--color", "never", APP]);
    assert!(
        run.stdout.contains("overlays/prod/privileged.yaml:11:25"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("privileged: true"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("config.kubernetes.io/origin"),
        "{}",
        run.stdout
    );
}

#[test]
fn remote_bases_are_a_finding_not_a_fetch() {
    let (code, report) = json(&["fixtures/kustomize/remote"]);
    let all = not_linted(&report);
    let remote = find(
        &all,
        "fixtures/kustomize/remote/kustomization.yaml:2:5 DS009",
    );
    assert!(
        remote.is_some_and(|(_, m, _)| m.contains("remote base")),
        "{all:#?}"
    );
    assert_eq!(code, 0, "a note does not fail the run");
}

#[test]
fn a_render_failure_is_an_error_at_the_kustomization() {
    let (code, report) = json(&["fixtures/kustomize/broken"]);
    let all = findings(&report);
    let failed = find(
        &all,
        "fixtures/kustomize/broken/kustomization.yaml:1:1 DS001",
    );
    assert!(
        failed.is_some_and(|(_, m, _)| m.contains("missing.yaml")),
        "{all:#?}"
    );
    assert_eq!(code, 1, "a failed render is a finding, not a usage error");
}

#[test]
fn without_a_kustomization_a_patch_is_told_apart_by_its_images() {
    let (_, report) = json(&["fixtures/kustomize/loose"]);
    let all = findings(&report);
    assert!(
        find(&all, "fixtures/kustomize/loose/no-selector.yaml:5:1 DS003").is_some(),
        "{all:#?}"
    );
    assert!(
        !all.iter().any(|(p, _, _)| p.contains("patch.yaml")),
        "{all:#?}"
    );
    assert_eq!(report["summary"]["partial"], 1);
}

const CHART: &str = "fixtures/charts/agent";
const TEMPLATE: &str = "fixtures/charts/agent/templates/daemonset.yaml";

/// Whether tools/helm can run: it needs PyPI's helm-python-sdk.
fn helm_sdk() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import helm_python.chart, yaml"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!("skipped: helm-python-sdk is not installed (pip install helm-python-sdk)");
    }
    ok
}

/// PATH with tools/ (the test helm) first.
fn with_helm() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    format!("{}:{path}", root().join("tools").display())
}

/// PATH without any helm: the system folders, which hold kubectl but no helm.
fn without_helm() -> String {
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|dir| !Path::new(dir).join("helm").exists())
        .collect::<Vec<_>>()
        .join(":")
}

fn json_with_path(path: &str, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let run = run_with_env(&all, &[("PATH", path)]);
    let value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}\nstderr: {}", run.stdout, run.stderr));
    (run.code, value)
}

#[test]
fn chart_findings_point_at_the_template_line() {
    if !helm_sdk() {
        return;
    }
    let (code, report) = json_with_path(&with_helm(), &[CHART]);
    let all = findings(&report);
    let privileged = format!("{TEMPLATE}:31:13 DS303");
    assert!(find(&all, &privileged).is_some(), "{all:#?}");
    // A literal line after an `include` and a `with`/`toYaml` block still lines up.
    let image = format!("{TEMPLATE}:22:11 DS801");
    assert!(find(&all, &image).is_some(), "{all:#?}");
    assert!(
        !all.iter().any(|(p, _, _)| p.contains("configmap.yaml")),
        "{all:#?}"
    );
    assert!(
        !all.iter().any(|(p, _, _)| p.ends_with("DS009")),
        "{all:#?}"
    );
    assert_eq!(code, 1);
}

/// The finding's related labels as `file:line:column message`.
fn related_of(report: &Value, place: &str) -> Vec<String> {
    let empty = Vec::new();
    report["diagnostics"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .find(|d| {
            format!(
                "{}:{}:{} {}",
                d["file"].as_str().unwrap_or_default(),
                d["line"],
                d["column"],
                d["code"].as_str().unwrap_or_default()
            ) == place
        })
        .and_then(|d| d["related"].as_array())
        .unwrap_or(&empty)
        .iter()
        .map(|r| {
            format!(
                "{}:{}:{} {}",
                r["file"].as_str().unwrap_or_default(),
                r["line"],
                r["column"],
                r["message"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn a_value_from_to_yaml_points_at_its_values_key() {
    if !helm_sdk() {
        return;
    }
    let (_, report) = json_with_path(&with_helm(), &[CHART]);
    assert_eq!(
        related_of(&report, &format!("{TEMPLATE}:29:13 DS006")),
        ["fixtures/charts/agent/values.yaml:6:10 value from `.Values.resources.requests.cpu`"],
        "{report:#}"
    );
}

#[test]
fn a_value_written_directly_points_at_its_values_key() {
    if !helm_sdk() {
        return;
    }
    let (_, report) = json_with_path(&with_helm(), &[CHART]);
    let all = findings(&report);
    let image = find(&all, &format!("{TEMPLATE}:22:11 DS801"));
    let (_, message, help) = image.cloned().unwrap_or_default();
    assert!(message.ends_with("(in fixtures/charts/agent)"), "{message}");
    assert!(
        !help.contains("values.yaml"),
        "a label, not help text: {help}"
    );
    assert_eq!(
        related_of(&report, &format!("{TEMPLATE}:22:11 DS801")),
        [
            "fixtures/charts/agent/values.yaml:2:15 value from `.Values.image.repository`",
            "fixtures/charts/agent/values.yaml:3:8 value from `.Values.image.tag`"
        ],
        "{report:#}"
    );
}

#[test]
fn a_values_label_is_a_second_code_frame_in_human_output() {
    if !helm_sdk() {
        return;
    }
    let run = run_with_env(
        &["--color", "never", "--select", "DS006", CHART],
        &[("PATH", &with_helm())],
    );
    let frame = "\n  ::: fixtures/charts/agent/values.yaml:6:10\n   │\n 6 │     cpu: 200m\n   │          ^^^^ value from `.Values.resources.requests.cpu`\n";
    assert!(run.stdout.contains(frame), "{}", run.stdout);
    let main = run
        .stdout
        .find("daemonset.yaml:29:13")
        .unwrap_or(usize::MAX);
    let second = run.stdout.find(":::").unwrap_or_default();
    assert!(
        main < second,
        "the finding's own frame comes first: {}",
        run.stdout
    );
}

#[test]
fn sarif_carries_values_labels_as_related_locations() {
    if !helm_sdk() {
        return;
    }
    let run = run_with_env(
        &["--format", "sarif", "--select", "DS006", CHART],
        &[("PATH", &with_helm())],
    );
    let log: Value = serde_json::from_str(&run.stdout).unwrap_or_default();
    let related = &log["runs"][0]["results"][0]["relatedLocations"][0];
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"], "fixtures/charts/agent/values.yaml",
        "{log:#}"
    );
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 6);
    assert_eq!(
        related["message"]["text"],
        "value from `.Values.resources.requests.cpu`"
    );
}

#[test]
fn a_rules_own_labels_are_remapped_with_the_finding() {
    // Overlay: the selector stays in the base, the template label the patch wrote is a label
    // in the patch file.
    let (_, report) = json(&["--select", "DS003", "fixtures/kustomize/relabel"]);
    let place = "fixtures/kustomize/relabel/base/daemonset.yaml:8:12 DS003";
    assert_eq!(
        related_of(&report, place),
        ["fixtures/kustomize/relabel/overlay/labels.yaml:9:14 template label"],
        "{report:#}"
    );
    let run = daemonlint(&[
        "--color",
        "never",
        "--select",
        "DS003",
        "fixtures/kustomize/relabel",
    ]);
    assert!(
        run.stdout
            .contains("::: fixtures/kustomize/relabel/overlay/labels.yaml:9:14"),
        "{}",
        run.stdout
    );
    if !helm_sdk() {
        return;
    }
    // Chart: both are in the template, so the label stays in the finding's own frame.
    let (_, report) = json_with_path(
        &with_helm(),
        &["--select", "DS003", "fixtures/charts/mismatch"],
    );
    let place = "fixtures/charts/mismatch/templates/daemonset.yaml:8:7 DS003";
    assert_eq!(
        related_of(&report, place),
        ["fixtures/charts/mismatch/templates/daemonset.yaml:12:9 template label"],
        "{report:#}"
    );
}

#[test]
fn a_patched_value_keeps_a_label_at_the_base_value_it_overrides() {
    let (_, report) = json(&[APP]);
    assert_eq!(
        related_of(
            &report,
            "fixtures/kustomize/app/overlays/prod/kustomization.yaml:12:13 DS801"
        ),
        ["fixtures/kustomize/app/base/daemonset.yaml:16:18 the base's value, which this overrides"],
        "{report:#}"
    );
}

#[test]
fn without_helm_a_chart_gets_one_note() {
    let (code, report) = json_with_path(&without_helm(), &[CHART]);
    let all = not_linted(&report);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].0, "fixtures/charts/agent/Chart.yaml:1:1 DS009");
    assert_eq!(all[0].1, "chart not rendered: helm is not installed");
    assert_eq!(code, 0);
}

#[test]
fn piped_helm_output_maps_through_source_comments() {
    if !helm_sdk() {
        return;
    }
    let rendered = Command::new(root().join("tools/helm"))
        .args(["template", "rel", CHART])
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default();
    let run = run_with_stdin(
        &["--format", "json", "--chart-root", "fixtures/charts", "-"],
        Some(&rendered),
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_default();
    let all = findings(&report);
    assert!(
        find(&all, &format!("{TEMPLATE}:31:13 DS303")).is_some(),
        "{all:#?}"
    );
    // Without the chart root, `agent/templates/...` names nothing here: the findings stay on
    // standard input.
    let run = run_with_stdin(&["--format", "json", "-"], Some(&rendered));
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_default();
    let all = findings(&report);
    assert!(
        all.iter()
            .any(|(p, _, _)| p.starts_with("<stdin>:") && p.ends_with("DS303")),
        "{all:#?}"
    );
}

#[test]
fn placeholders_that_parse_as_yaml_are_unrendered_not_invalid() {
    let (code, report) = json(&["fixtures/charts/unrendered"]);
    let all = not_linted(&report);
    let codes: Vec<&str> = all
        .iter()
        .filter_map(|(p, _, _)| p.rsplit(' ').next())
        .collect();
    assert_eq!(codes, ["DS009", "DS009"], "{all:#?}");
    assert!(findings(&report).is_empty(), "{report:#}");
    let (_, helm_message, _) = find(
        &all,
        "fixtures/charts/unrendered/daemonset.yaml:23:20 DS009",
    )
    .cloned()
    .unwrap_or_default();
    assert!(helm_message.contains("`{{ .Values.cpu }}`"), "{all:#?}");
    let (_, envsubst, _) = find(&all, "fixtures/charts/unrendered/envsubst.yaml:17:18 DS009")
        .cloned()
        .unwrap_or_default();
    assert!(envsubst.contains("`${IMAGE}`"), "{all:#?}");
    assert_eq!(code, 0, "notes do not fail the run");
}

/// Runs daemonlint from the repository root with `config` written to a fresh folder and
/// passed with `--config`, and `extra` files written beside it.
fn json_with_config(
    test: &str,
    path: &str,
    config: &str,
    extra: &[(&str, &str)],
    args: &[&str],
) -> (i32, Value) {
    let dir = common::temp_dir(test);
    for (name, text) in extra {
        common::write_temp(&dir, name, text.as_bytes());
    }
    let config_file = common::write_temp(&dir, ".daemonlint.yaml", config.as_bytes());
    let config_file = config_file.to_string_lossy().into_owned();
    let mut all = vec!["--config", config_file.as_str()];
    all.extend_from_slice(args);
    json_with_path(path, &all)
}

fn objects_of(report: &Value, code: &str) -> Vec<(String, String)> {
    report["diagnostics"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|d| d["code"] == code)
                .map(|d| {
                    (
                        format!(
                            "{}:{}:{}",
                            d["file"].as_str().unwrap_or_default(),
                            d["line"],
                            d["column"]
                        ),
                        d["object"]["name"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn each_chart_entry_is_rendered_and_a_shared_finding_is_reported_once() {
    if !helm_sdk() {
        return;
    }
    let chart = root().join(CHART).to_string_lossy().into_owned();
    let config = format!(
        "charts:\n  - path: {chart}\n    values: [pinned.yaml]\n    release: first\n  - path: {chart}\n    set: {{tolerations: null}}\n    release: second\n    namespace: monitoring\n"
    );
    let (code, report) = json_with_config(
        "chart-entries",
        &with_helm(),
        &config,
        &[("pinned.yaml", "image:\n  tag: \"1.0\"\n")],
        &[CHART],
    );
    // Both entries render the privileged line: one finding, not one per entry.
    let privileged = objects_of(&report, "DS303");
    assert_eq!(
        privileged,
        [(format!("{TEMPLATE}:31:13"), "first-agent".to_owned())],
        "{report:#}"
    );
    // Only the second entry keeps the chart's `latest` tag and drops the tolerations.
    assert_eq!(
        objects_of(&report, "DS801"),
        [(format!("{TEMPLATE}:22:11"), "second-agent".to_owned())],
        "{report:#}"
    );
    assert_eq!(
        objects_of(&report, "DS201"),
        [(format!("{TEMPLATE}:15:5"), "second-agent".to_owned())],
        "{report:#}"
    );
    assert_eq!(code, 1);
}

#[test]
fn render_required_makes_a_missing_helm_an_error() {
    let (code, report) = json_with_config(
        "render-required",
        &without_helm(),
        "render:\n  required: true\n",
        &[],
        &[CHART],
    );
    let all = findings(&report);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].0, "fixtures/charts/agent/Chart.yaml:1:1 DS001");
    assert_eq!(all[0].1, "chart not rendered: helm is not installed");
    assert_eq!(report["diagnostics"][0]["severity"], "error");
    assert_eq!(code, 1);
}

#[test]
fn render_kustomize_runs_the_configured_command() {
    let dir = common::temp_dir("render-kustomize-marker");
    let marker = dir.join("ran");
    let script = format!(
        "#!/bin/sh\necho \"$@\" > '{}'\nshift\nexec kubectl kustomize \"$@\"\n",
        marker.display()
    );
    let script_file = common::write_temp(&dir, "build.sh", script.as_bytes());
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    std::fs::set_permissions(&script_file, mode).expect("chmod");
    let config = format!(
        "render:\n  kustomize: [\"{}\", \"--flag-for-the-script\"]\n",
        script_file.display()
    );
    let (code, report) = json_with_config(
        "render-kustomize",
        &std::env::var("PATH").unwrap_or_default(),
        &config,
        &[],
        &["fixtures/kustomize/app/overlays/prod"],
    );
    let ran = std::fs::read_to_string(&marker).unwrap_or_default();
    assert_eq!(
        ran.trim(),
        "--flag-for-the-script .",
        "the script was not run"
    );
    let all = findings(&report);
    assert!(
        find(
            &all,
            "fixtures/kustomize/app/overlays/prod/privileged.yaml:11:25 DS303"
        )
        .is_some(),
        "{all:#?}"
    );
    assert_eq!(code, 1);
}

/// `(place, reason)` of each suppressed finding in a JSON report (`--show-suppressed`).
fn suppressed(report: &Value) -> Vec<(String, String)> {
    report["diagnostics"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|d| !d["suppression"].is_null())
                .map(|d| {
                    (
                        format!(
                            "{}:{}:{} {}",
                            d["file"].as_str().unwrap_or_default(),
                            d["line"],
                            d["column"],
                            d["code"].as_str().unwrap_or_default()
                        ),
                        d["suppression"]["reason"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_suppression_comment_in_a_patch_silences_the_remapped_finding() {
    const DIR: &str = "fixtures/kustomize/suppressed";
    let (_, report) = json(&[DIR]);
    let all = findings(&report);
    assert!(
        !all.iter().any(|(p, _, _)| p.ends_with(" DS303")),
        "{all:#?}"
    );
    assert_eq!(report["summary"]["suppressed"], 1, "{report:#}");
    // The DS307 one has nothing to silence: the overlay never sets hostPID.
    assert!(
        find(&all, &format!("{DIR}/overlay/privileged.yaml:8:7 DS901")).is_some(),
        "{all:#?}"
    );
    let (_, report) = json(&["--show-suppressed", DIR]);
    assert_eq!(
        suppressed(&report),
        [(
            format!("{DIR}/overlay/privileged.yaml:13:25 DS303"),
            "the CNI plugin programs the host's interfaces".to_owned()
        )],
        "{report:#}"
    );
}

#[test]
fn suppression_comments_in_a_template_silence_the_remapped_findings() {
    if !helm_sdk() {
        return;
    }
    const TEMPLATE: &str = "fixtures/charts/suppressed/templates/daemonset.yaml";
    let (_, report) = json_with_path(&with_helm(), &["fixtures/charts/suppressed"]);
    let all = findings(&report);
    for code in [" DS303", " DS801"] {
        assert!(!all.iter().any(|(p, _, _)| p.ends_with(code)), "{all:#?}");
    }
    assert_eq!(report["summary"]["suppressed"], 2, "{report:#}");
    let stale = find(&all, &format!("{TEMPLATE}:14:7 DS901"));
    assert!(
        stale.is_some_and(|(_, m, _)| m.contains("DS307")),
        "{all:#?}"
    );
    let (_, report) = json_with_path(
        &with_helm(),
        &["--show-suppressed", "fixtures/charts/suppressed"],
    );
    let hidden: Vec<String> = suppressed(&report).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        hidden,
        [
            format!("{TEMPLATE}:18:11 DS801"),
            format!("{TEMPLATE}:21:13 DS303")
        ],
        "{report:#}"
    );
}

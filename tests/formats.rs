//! The CI formats, parsed the way their consumers parse them.

mod common;

use common::{daemonlint, temp_dir};

const NOSCHEDULER: &str = "fixtures/DS004/fires-noscheduler.yaml";

#[test]
fn sarif_has_rules_regions_and_fingerprints() {
    let run = daemonlint(&["--select", "DS004", "--format", "sarif", NOSCHEDULER]);
    assert_eq!(run.code, 1);
    let log: serde_json::Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    assert_eq!(log["version"], "2.1.0");
    let run0 = &log["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    let ds004 = rules
        .iter()
        .find(|r| r["id"] == "DS004")
        .expect("DS004 metadata");
    assert_eq!(ds004["name"], "invalid-value");
    assert_eq!(ds004["defaultConfiguration"]["level"], "error");
    assert!(
        ds004["helpUri"]
            .as_str()
            .is_some_and(|u| u.ends_with("rules/DS004.md"))
    );
    assert!(
        ds004["fullDescription"]["text"]
            .as_str()
            .is_some_and(|t| t.len() > 20)
    );
    let result = &run0["results"][0];
    assert_eq!(result["ruleId"], "DS004");
    assert_eq!(
        rules[result["ruleIndex"].as_u64().expect("index") as usize]["id"],
        "DS004"
    );
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], NOSCHEDULER);
    assert_eq!(location["region"]["startLine"], 20);
    assert_eq!(location["region"]["startColumn"], 19);
    assert_eq!(location["region"]["endColumn"], 30);
    let fp = result["partialFingerprints"]["daemonlint/v1"]
        .as_str()
        .expect("fingerprint");
    assert_eq!(fp.len(), 16);
}

#[test]
fn fingerprints_survive_moved_lines() {
    let dir = temp_dir("fingerprints");
    let text = std::fs::read_to_string(common::root().join(NOSCHEDULER)).expect("fixture");
    let a = dir.join("a.yaml");
    std::fs::write(&a, &text).expect("write");
    let first = daemonlint(&[
        "--select",
        "DS004",
        "--format",
        "gitlab",
        &a.to_string_lossy(),
    ]);
    std::fs::write(&a, format!("# a new comment\n# and another\n{text}")).expect("write");
    let second = daemonlint(&[
        "--select",
        "DS004",
        "--format",
        "gitlab",
        &a.to_string_lossy(),
    ]);
    let fps = |s: &str| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(s).expect("gitlab JSON");
        v.as_array()
            .expect("array")
            .iter()
            .map(|i| i["fingerprint"].to_string())
            .collect()
    };
    assert_eq!(fps(&first.stdout), fps(&second.stdout));
    assert!(second.stdout.contains("\"begin\": 22"), "{}", second.stdout);
}

#[test]
fn github_workflow_commands() {
    let run = daemonlint(&["--select", "DS004", "--format", "github", NOSCHEDULER]);
    let line = run.stdout.lines().next().expect("a command");
    let (head, message) = line
        .split_once("::")
        .and_then(|(_, rest)| rest.split_once("::"))
        .expect("::cmd props::msg");
    let (command, props) = head.split_once(' ').expect("command and properties");
    assert_eq!(command, "error");
    let props: Vec<(&str, &str)> = props.split(',').filter_map(|p| p.split_once('=')).collect();
    assert_eq!(
        props,
        [
            ("file", NOSCHEDULER),
            ("line", "20"),
            ("col", "19"),
            ("endLine", "20"),
            ("endColumn", "30"),
            ("title", "DS004 invalid-value"),
        ]
    );
    assert!(message.starts_with(
        "the API server rejects `NoScheduler` as a toleration effect (ValidateTolerations)%0Adid you mean"
    ));
}

#[test]
fn github_is_the_default_on_actions() {
    let run = common::run_with_env(
        &["--select", "DS004", NOSCHEDULER],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert!(run.stdout.starts_with("::error file="), "{}", run.stdout);
}

#[test]
fn gitlab_code_quality() {
    let run = daemonlint(&[
        "--select",
        "DS005",
        "--format",
        "gitlab",
        "fixtures/DS005/fires-megabytes.yaml",
    ]);
    let issues: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let issue = &issues[0];
    assert_eq!(issue["check_name"], "DS005");
    assert_eq!(issue["severity"], "major");
    assert_eq!(
        issue["location"]["path"],
        "fixtures/DS005/fires-megabytes.yaml"
    );
    assert_eq!(issue["location"]["lines"]["begin"], 21);
    assert!(
        issue["description"]
            .as_str()
            .is_some_and(|d| d.contains("50MB"))
    );
}

#[test]
fn junit_cases_per_daemonset_and_family() {
    let run = daemonlint(&[
        "--format",
        "junit",
        NOSCHEDULER,
        "fixtures/DS004/clean-valid-values.yaml",
    ]);
    let xml = run.stdout;
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
    assert_eq!(xml.matches("<testsuite ").count(), 2);
    assert_eq!(
        xml.matches("<testsuite ").count(),
        xml.matches("</testsuite>").count()
    );
    assert!(
        xml.contains("name=\"DaemonSet node-exporter manifest\">\n      <failure type=\"DS004\"")
    );
    assert!(xml.contains("<testcase classname=\"fixtures/DS004/clean-valid-values.yaml\" name=\"DaemonSet agent manifest\"/>"));
    // Quotes in messages are escaped, so attributes stay well-formed.
    let quoted = daemonlint(&[
        "--format",
        "junit",
        "fixtures/DS004/fires-rollout-and-ports.yaml",
    ]);
    assert!(
        quoted.stdout.contains(
            "message=\"the API server rejects `maxUnavailable: &quot;10&quot;`: it is neither"
        ),
        "{}",
        quoted.stdout
    );
}

#[test]
fn several_formats_at_once() {
    let dir = temp_dir("several");
    let sarif = dir.join("out.sarif");
    let junit = dir.join("out.xml");
    let run = daemonlint(&[
        "--format",
        "sarif",
        "--output",
        &sarif.to_string_lossy(),
        "--format",
        "junit",
        "--output",
        &junit.to_string_lossy(),
        "--format",
        "concise",
        NOSCHEDULER,
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.starts_with(NOSCHEDULER));
    assert!(
        std::fs::read_to_string(&sarif)
            .expect("sarif")
            .contains("\"2.1.0\"")
    );
    assert!(
        std::fs::read_to_string(&junit)
            .expect("junit")
            .contains("<testsuites")
    );
    let two_stdout = daemonlint(&["--format", "json", "--format", "concise", NOSCHEDULER]);
    assert_eq!(two_stdout.code, 2);
    assert!(two_stdout.stderr.contains("only one --format"));
}

#[test]
fn statistics_count_rules() {
    let run = daemonlint(&[
        "--select",
        "DS004",
        "--statistics",
        "--color",
        "never",
        "fixtures/DS004",
    ]);
    let first = run.stdout.lines().next().expect("a row");
    assert_eq!(
        first.split_whitespace().collect::<Vec<_>>(),
        ["30", "DS004", "invalid-value", "error"]
    );
    assert!(!run.stdout.contains("╭"));
}

/// Three DaemonSets, two of them with a selector mismatch, one of those in no namespace.
fn three_daemonsets() -> String {
    let ds = |meta: &str, selector: &str| {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{{meta}}}\nspec:\n  selector: \
             {{matchLabels: {{app: {selector}}}}}\n  template:\n    metadata: {{labels: {{app: \
             a}}}}\n    spec: {{containers: [{{name: c, image: i:1}}]}}\n"
        )
    };
    [
        ds("name: log-shipper, namespace: logging", "b"),
        ds("name: agent", "c"),
        ds("name: fine, namespace: logging", "a"),
    ]
    .join("---\n")
}

#[test]
fn findings_name_their_object_and_the_summary_counts_daemonsets_with_findings() {
    let dir = temp_dir("objects");
    let path = dir.join("three.yaml");
    std::fs::write(&path, three_daemonsets()).expect("write");
    let path = path.to_string_lossy();
    let concise = daemonlint(&["--select", "DS003", "--format", "concise", &path]);
    let lines: Vec<&str> = concise.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", concise.stdout);
    assert!(
        lines[0].ends_with(
            "three.yaml:5:28: error[DS003] logging/log-shipper: the selector wants `app: b` but \
             the template has `app: a`"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].ends_with("three.yaml:14:28: error[DS003] agent: the selector wants `app: c` but the template has `app: a`"),
        "{}",
        lines[1]
    );
    let human = daemonlint(&["--select", "DS003", "--color", "never", &path]);
    assert!(
        human
            .stdout
            .contains("DS003(selector-mismatch) logging/log-shipper\n"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("DS003(selector-mismatch) agent\n"),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("Found 2 errors in 2 of 3 DaemonSets (3 documents, 1 file checked)"),
        "{}",
        human.stdout
    );
    let (_, report) = common::json(&["--select", "DS003", &path]);
    assert_eq!(report["summary"]["daemonsets_with_findings"], 2);
    assert_eq!(report["summary"]["daemonsets"], 3);
}

#[test]
fn findings_without_an_object_have_no_object_part() {
    let run = daemonlint(&[
        "--format",
        "concise",
        "fixtures/DS001/fires-bad-indentation.yaml",
    ]);
    assert!(
        run.stdout.contains(":12:4: error[DS001] invalid YAML:"),
        "{}",
        run.stdout
    );
}

#[test]
fn sarif_is_ready_for_code_scanning() {
    let dir = temp_dir("sarif-root");
    let spaced = dir.join("my manifests");
    std::fs::create_dir_all(&spaced).expect("dir");
    std::fs::copy(common::root().join(NOSCHEDULER), spaced.join("ds.yaml")).expect("copy");
    // From the folder holding the manifests, as a CI job runs in its checkout.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_daemonlint"))
        .args(["--format", "sarif", "./my manifests/ds.yaml"])
        .current_dir(&dir)
        .output()
        .expect("run daemonlint");
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let run0 = &log["runs"][0];
    let root = run0["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("%SRCROOT%");
    assert!(
        root.starts_with("file:///") && root.ends_with("/sarif-root/"),
        "{root}"
    );
    let artifact = &run0["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], "my%20manifests/ds.yaml");
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).expect("rule");
    assert_eq!(rule("DS303")["properties"]["security-severity"], "8.0");
    assert_eq!(rule("DS304")["properties"]["security-severity"], "5.5");
    assert_eq!(rule("DS307")["properties"]["security-severity"], "3.0");
    let tags = &rule("DS303")["properties"]["tags"];
    for tag in ["kubernetes", "daemonset", "security"] {
        assert!(
            tags.as_array().is_some_and(|t| t.iter().any(|x| x == tag)),
            "{tags}"
        );
    }
    assert!(
        rule("DS004")["properties"]
            .get("security-severity")
            .is_none()
    );
    assert!(
        rule("DS101")["properties"]["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|x| x == "resources"))
    );
}

fn github_file(path: &str, workspace: &std::path::Path) -> String {
    let run = common::run_with_env(
        &["--select", "DS004", "--format", "github", path],
        &[("GITHUB_WORKSPACE", &workspace.to_string_lossy())],
    );
    let line = run.stdout.lines().next().unwrap_or_default().to_owned();
    let file = line.split("file=").nth(1).and_then(|s| s.split(',').next());
    file.unwrap_or_else(|| panic!("no file= in {line:?}"))
        .to_owned()
}

#[test]
fn github_paths_are_relative_to_the_workspace() {
    let root = common::root();
    let dotted = format!("./{NOSCHEDULER}");
    assert_eq!(github_file(&dotted, &root), NOSCHEDULER);
    // The checkout's parent as the workspace: the path gains the checkout's folder.
    let parent = root.parent().expect("parent");
    let folder = root.file_name().expect("name").to_string_lossy();
    assert_eq!(
        github_file(NOSCHEDULER, parent),
        format!("{folder}/{NOSCHEDULER}")
    );
    // Outside the workspace: as given, less the `./`.
    assert_eq!(github_file(&dotted, &root.join("src")), NOSCHEDULER);
}

/// JSON names the agent profile each finding was judged by, with the evidence.
#[test]
fn json_objects_carry_the_agent_profile() {
    // The hardened manifest less its priority class, so that one finding carries the object.
    let yaml = std::fs::read_to_string(common::root().join("fixtures/hardened/node-exporter.yaml"))
        .expect("fixture")
        .replace("      priorityClassName: system-node-critical\n", "");
    let file = common::write_temp(
        &common::temp_dir("formats-profile"),
        "node-exporter.yaml",
        yaml.as_bytes(),
    );
    let (_, report) = common::json(&[file.to_str().expect("utf-8 path")]);
    assert_eq!(report["diagnostics"][0]["code"], "DS501", "{report}");
    let object = &report["diagnostics"][0]["object"];
    assert_eq!(object["profile"], "metrics-exporter", "{object}");
    assert!(
        object["profile_evidence"]
            .as_str()
            .is_some_and(|e| e.contains("node-exporter")),
        "{object}"
    );
}

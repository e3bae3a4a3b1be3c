//! Behaviour that cargo-mutants showed no other fast test pinned down (bench/robustness.md):
//! the library entry points the fuzz targets and benchmarks use, and the pipeline's handling
//! of levels, suppressions and unreadable text. Each test checks what a user would see.

mod common;

use daemonlint::config::{Config, Level};
use daemonlint::diagnostic::Severity;
use daemonlint::lint::Linter;
use daemonlint::render::human;
use daemonlint::source::SourceFile;

const FAULTY: &str = "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
        - name: agent
          image: agent:1.0
          resources:
            requests: {memory: 64MB}
";

fn human() -> Linter {
    Linter::new(human::output(false, human::DEFAULT_WIDTH))
}

fn codes(report: &daemonlint::lint::FileReport) -> Vec<&'static str> {
    report.diagnostics.iter().map(|f| f.code).collect()
}

#[test]
fn lint_source_reports_and_renders_findings() {
    let report = human().lint_source(SourceFile::new("ds.yaml".into(), FAULTY.into()));
    assert_eq!((report.documents, report.daemonsets), (1, 1));
    assert_eq!(report.name, "ds.yaml");
    let bad = report
        .diagnostics
        .iter()
        .find(|f| f.code == "DS005")
        .expect("the invalid quantity is reported");
    assert_eq!((bad.line, bad.column), (14, 32));
    assert!(report.rendered.contains("DS005(invalid-quantity)"));
    assert!(report.rendered.contains("64MB"));
}

#[test]
fn lint_bytes_reads_text_like_lint_source() {
    let linter = human();
    let from_bytes = linter.lint_bytes("ds.yaml".into(), FAULTY.as_bytes().to_vec());
    let from_text = linter.lint_source(SourceFile::new("ds.yaml".into(), FAULTY.into()));
    assert_eq!(codes(&from_bytes), codes(&from_text));
    assert_eq!(from_bytes.rendered, from_text.rendered);
    assert_eq!(from_bytes.daemonsets, 1);
}

#[test]
fn a_nul_byte_makes_a_binary_file_finding_where_it_is() {
    let report = human().lint_bytes("x.yaml".into(), b"a: 1\nb: \0\n".to_vec());
    assert_eq!(codes(&report), ["DS001"]);
    let f = &report.diagnostics[0];
    assert_eq!(
        f.message,
        "invalid YAML: the file is binary (it contains a NUL byte)"
    );
    assert_eq!((f.line, f.column), (2, 4));
    assert_eq!(report.documents, 0, "a binary file is not parsed");
}

#[test]
fn invalid_utf8_is_a_finding_at_the_first_bad_byte() {
    let report = human().lint_bytes("x.yaml".into(), b"a: 1\nb: \xff\n".to_vec());
    assert_eq!(codes(&report), ["DS001"]);
    let f = &report.diagnostics[0];
    assert_eq!(f.message, "invalid YAML: the file is not UTF-8 text");
    assert_eq!((f.line, f.column), (2, 4));
    assert_eq!(f.severity, Severity::Error);
}

#[test]
fn severity_floor_hides_lower_findings_from_the_rendering_only() {
    let source = || SourceFile::new("ds.yaml".into(), FAULTY.into());
    let all = human().lint_source(source());
    let below: Vec<&str> = all
        .diagnostics
        .iter()
        .filter(|f| f.severity < Severity::Error)
        .map(|f| f.code)
        .collect();
    assert!(!below.is_empty(), "the manifest has warnings or notes");
    let errors_only = human().showing(Some(Severity::Error)).lint_source(source());
    assert_eq!(codes(&errors_only), codes(&all), "all are still counted");
    assert!(errors_only.rendered.contains("DS005(invalid-quantity)"));
    for code in below {
        assert!(
            !errors_only.rendered.contains(&format!("{code}(")),
            "{code} rendered below the floor"
        );
    }
}

#[test]
fn suppressed_findings_are_rendered_only_when_asked() {
    let text = FAULTY.replace(
        "requests: {memory: 64MB}",
        "requests: {memory: 64MB} # daemonlint: ignore DS005 -- legacy chart",
    );
    let source = || SourceFile::new("ds.yaml".into(), text.clone());
    let output = human::output(false, human::DEFAULT_WIDTH);
    let hidden = Linter::with_config(output, Default::default(), false).lint_source(source());
    assert_eq!(hidden.suppressed.len(), 1);
    assert!(
        !hidden.rendered.contains("DS005(invalid-quantity)"),
        "{}",
        hidden.rendered
    );
    let shown = Linter::with_config(output, Default::default(), true).lint_source(source());
    assert!(
        shown
            .rendered
            .contains("(suppressed by comment: legacy chart)"),
        "{}",
        shown.rendered
    );
}

/// FAULTY with one used and one stale suppression comment.
fn with_suppressions() -> SourceFile {
    let text = FAULTY.replace(
        "requests: {memory: 64MB}",
        "requests: {memory: 64MB} # daemonlint: ignore DS005 -- legacy chart\n          # daemonlint: ignore DS303 -- was privileged once",
    );
    SourceFile::new("ds.yaml".into(), text)
}

#[test]
fn only_the_stale_suppression_is_reported_unused() {
    let report = human().lint_source(with_suppressions());
    let unused: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|f| f.code == "DS901")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(unused.len(), 1, "{unused:?}");
    assert!(unused[0].contains("DS303"), "{unused:?}");
}

#[test]
fn a_suppression_of_a_rule_turned_off_is_not_stale() {
    let mut config = Config::default();
    config.levels.set("DS303", Level::Off);
    let linter = Linter::with_config(human::output(false, human::DEFAULT_WIDTH), config, false);
    let report = linter.lint_source(with_suppressions());
    assert!(
        !codes(&report).contains(&"DS901"),
        "{:?}",
        report.diagnostics
    );
}

#[test]
fn a_used_suppression_without_a_reason_asks_for_one() {
    let text = FAULTY.replace(
        "requests: {memory: 64MB}",
        "requests: {memory: 64MB} # daemonlint: ignore DS005",
    );
    let report = human().lint_source(SourceFile::new("ds.yaml".into(), text));
    assert_eq!(report.suppressed.len(), 1);
    let reasonless: Vec<usize> = report
        .diagnostics
        .iter()
        .filter(|f| f.code == "DS902")
        .map(|f| f.line)
        .collect();
    assert_eq!(reasonless, [14]);
}

#[test]
fn a_missing_path_and_a_dangling_link_are_named_in_their_failures() {
    let dir = common::temp_dir("mutation-kills-missing");
    std::os::unix::fs::symlink(dir.join("nowhere"), dir.join("gone.yaml")).expect("link");
    for (name, problem) in [
        ("absent.yaml", "No such file or directory"),
        ("gone.yaml", "dangling symbolic link"),
    ] {
        let path = dir.join(name).to_string_lossy().into_owned();
        let (code, report) = common::json(&[&path]);
        assert_eq!(code, 2, "{path}");
        let message = report["failures"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            message.starts_with(&format!("{path}: {problem}")),
            "{message}"
        );
    }
}

#[test]
fn walk_problems_say_which_path_and_what_is_wrong() {
    let dir = common::temp_dir("mutation-kills-walk");
    common::write_temp(&dir, "ds.yaml", FAULTY.as_bytes());
    std::os::unix::fs::symlink(&dir, dir.join("again")).expect("link");
    std::os::unix::fs::symlink(dir.join("nowhere"), dir.join("gone.yaml")).expect("link");
    let root = dir.to_string_lossy().into_owned();
    let (code, report) = common::json(&[&root]);
    assert_eq!(code, 2);
    let failures: Vec<&str> = report["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    let dangling = format!("{root}/gone.yaml: dangling symbolic link");
    assert!(failures.contains(&dangling.as_str()), "{failures:?}");
    assert!(
        failures
            .iter()
            .any(|m| m.contains("again") && m.ends_with(": symlink loop, not followed")),
        "{failures:?}"
    );
}

//! Hostile and odd input: every case finishes quickly, with a located diagnostic or a clear
//! error, and the right exit code. None may panic.

mod common;

use common::{json, positions, temp_dir, write_temp};

fn lint_bytes(test: &str, name: &str, bytes: &[u8]) -> (i32, serde_json::Value) {
    let dir = temp_dir(test);
    let path = write_temp(&dir, name, bytes);
    json(&[&path.to_string_lossy()])
}

fn first(report: &serde_json::Value) -> (String, String) {
    positions(report).into_iter().next().unwrap_or_default()
}

#[test]
fn alias_bomb_is_stopped() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let (code, report) = lint_bytes("bomb", "bomb.yaml", text.as_bytes());
    assert_eq!(code, 1);
    assert_eq!(first(&report).0, "DS001");
    assert!(
        report["diagnostics"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("alias"))
    );
}

#[test]
fn deep_nesting_is_stopped() {
    let flow = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let (code, report) = lint_bytes("deep-flow", "deep.yaml", flow.as_bytes());
    assert_eq!((code, first(&report).0.as_str()), (1, "DS001"));
    let block = "- ".repeat(20_000) + "x\n";
    let (code, report) = lint_bytes("deep-block", "deep.yaml", block.as_bytes());
    assert_eq!((code, first(&report).0.as_str()), (1, "DS001"));
}

#[test]
fn invalid_utf8_and_binary_are_located() {
    let (code, report) = lint_bytes("utf8", "x.yaml", b"apiVersion: v1\nkind: \xff\n");
    assert_eq!(code, 1);
    assert_eq!(first(&report), ("DS001".to_owned(), "2:7".to_owned()));
    let (code, report) = lint_bytes("binary", "x.yaml", b"\x7fELF\x02\x01\x01\x00\x00");
    assert_eq!(code, 1);
    assert_eq!(first(&report).0, "DS001");
}

#[test]
fn empty_and_comment_only_files_are_fine() {
    for (name, text) in [
        ("empty.yaml", ""),
        ("comments.yaml", "# only\n# comments\n"),
        ("dashes.yaml", "---\n---\n"),
    ] {
        let (code, report) = lint_bytes("empty", name, text.as_bytes());
        assert_eq!(code, 0, "{name}");
        assert_eq!(report["summary"]["files"], 1);
        assert_eq!(report["summary"]["daemonsets"], 0);
    }
}

#[test]
fn huge_scalar_and_many_documents() {
    let mut text = format!(
        "kind: ConfigMap\ndata:\n  blob: \"{}\"\n",
        "a".repeat(20_000_000)
    );
    for i in 0..5_000 {
        text.push_str(&format!("---\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n"));
    }
    let (code, report) = lint_bytes("huge", "huge.yaml", text.as_bytes());
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["documents"], 5_001);
}

#[test]
fn hundred_megabyte_file() {
    // One DaemonSet carrying a 100 MB annotation: the whole file is read, parsed and linted.
    let head =
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\n  annotations:\n    blob: ";
    let tail = "\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: b}}\n    spec: {containers: [{name: c, image: i:1}]}\n";
    let mut text = String::with_capacity(100 * 1024 * 1024 + 256);
    text.push_str(head);
    text.push_str(&"x".repeat(100 * 1024 * 1024));
    text.push_str(tail);
    let dir = temp_dir("big");
    let path = write_temp(&dir, "big.yaml", text.as_bytes());
    // Over the default max-file-size (64Mi): reported, not read.
    let (code, report) = json(&[&path.to_string_lossy()]);
    assert_eq!(code, 2);
    let failure = report["failures"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(failure.contains("max-file-size"), "{failure}");
    let (code, report) = json(&["--max-file-size", "128Mi", &path.to_string_lossy()]);
    assert_eq!(code, 1);
    // The annotations exceed the API's 256 KiB limit (DS004), reported before the selector.
    assert_eq!(first(&report), ("DS004".to_owned(), "6:5".to_owned()));
}

#[test]
fn thousands_of_daemonsets_in_one_stream() {
    let doc = "---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: b}}\n    spec: {containers: [{name: c, image: i:1}]}\n";
    let (code, report) = lint_bytes("many", "many.yaml", doc.repeat(10_000).as_bytes());
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["daemonsets"], 10_000);
}

#[cfg(unix)]
#[test]
fn symlink_loop_and_dangling_link_are_reported_not_fatal() {
    let dir = temp_dir("loop");
    let fixture = std::fs::read(common::root().join("fixtures/DS003/fires-label-mismatch.yaml"))
        .expect("fixture");
    write_temp(&dir, "ds.yaml", &fixture);
    std::os::unix::fs::symlink(&dir, dir.join("again")).expect("symlink");
    std::os::unix::fs::symlink(dir.join("nowhere"), dir.join("gone.yaml")).expect("symlink");
    let (code, report) = json(&[&dir.to_string_lossy()]);
    assert_eq!(code, 2, "a walk problem is a failure to run");
    assert_eq!(
        report["summary"]["files"], 1,
        "the real file is still linted"
    );
    let failures: Vec<String> = report["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .map(|f| f["message"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        failures
            .iter()
            .any(|m| m.contains("again") && m.contains("loop")),
        "{failures:?}"
    );
    assert!(
        failures.iter().any(|m| m.contains("gone.yaml")),
        "{failures:?}"
    );
}

#[test]
fn unreadable_paths_are_failures() {
    let dir = temp_dir("unreadable");
    // Root reads every file whatever its mode, so use failures permissions cannot hide: a
    // path through a regular file (ENOTDIR), a device, and a dangling link.
    let file = write_temp(&dir, "file.yaml", b"a: 1\n");
    std::os::unix::fs::symlink("/dev/null", dir.join("device.yaml")).expect("link");
    std::os::unix::fs::symlink(dir.join("nowhere"), dir.join("gone.yaml")).expect("link");
    for (path, expected) in [
        (file.join("inner.yaml"), "Not a directory"),
        (dir.join("device.yaml"), "not a regular file"),
        (dir.join("gone.yaml"), "dangling"),
    ] {
        let (code, report) = json(&[&path.to_string_lossy()]);
        assert_eq!(code, 2, "{}", path.display());
        let failures = report["failures"].as_array().expect("failures");
        assert_eq!(failures.len(), 1);
        let message = failures[0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{message}");
    }
}

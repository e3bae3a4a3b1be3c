//! The text formats under input built to break them: very long lines, many findings, control
//! characters. Each runs the real binary with its default human output unless said otherwise.

mod common;

use common::{daemonlint, json, run_with_env, temp_dir, write_temp};

/// A DaemonSet as one line of JSON, as `kubectl get ds -o json | jq -c` prints it, with
/// `padding` bytes of annotations before its privileged container.
fn one_line_json(padding: usize) -> String {
    let annotations: Vec<String> = (0..padding / 60)
        .map(|i| format!("\"note-{i:05}\":\"{}\"", "x".repeat(44)))
        .collect();
    format!(
        concat!(
            "{{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"metadata\":{{\"name\":\"big\",",
            "\"namespace\":\"kube-system\",\"annotations\":{{{}}}}},\"spec\":{{\"selector\":",
            "{{\"matchLabels\":{{\"app\":\"a\"}}}},\"template\":{{\"metadata\":{{\"labels\":",
            "{{\"app\":\"a\"}}}},\"spec\":{{\"containers\":[{{\"name\":\"c\",\"image\":\"x:1\",",
            "\"securityContext\":{{\"privileged\":true}}}}]}}}}}}}}"
        ),
        annotations.join(",")
    )
}

fn longest_line(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[test]
fn a_finding_past_column_65535_is_framed_not_a_crash() {
    let text = one_line_json(100_000);
    let dir = temp_dir("long-line");
    let path = write_temp(&dir, "ds.json", text.as_bytes());
    let path = path.to_string_lossy();
    let (_, report) = json(&["--select", "DS303", &path]);
    let column = report["diagnostics"][0]["column"].as_u64().expect("column");
    assert!(column > 65_535);
    let run = daemonlint(&[&path]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stdout.contains("DS303(privileged-container)"));
    // The header points at the finding's real column, and the frame shows a window around
    // it, cut on both sides.
    assert!(
        run.stdout.contains(&format!("ds.json:1:{column}]")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(" │ …"), "{}", run.stdout);
    assert!(
        run.stdout.contains("{\"privileged\":true}"),
        "{}",
        run.stdout
    );
    assert!(longest_line(&run.stdout) < 250, "{}", run.stdout);
}

#[test]
fn the_label_under_a_cut_line_points_at_the_finding() {
    let text = one_line_json(100_000);
    let dir = temp_dir("long-line-label");
    let path = write_temp(&dir, "ds.json", text.as_bytes());
    let run = daemonlint(&["--select", "DS303", &path.to_string_lossy()]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let shown = lines
        .iter()
        .position(|l| l.contains("\"privileged\":true"))
        .expect("the line is shown");
    let underline = lines[shown + 1];
    let at = |line: &str, needle: &str| line.find(needle).map(|i| line[..i].chars().count());
    let key = at(lines[shown], "\"privileged\"").expect("key");
    let mark = at(underline, "─").or_else(|| at(underline, "┬"));
    assert!(
        mark.is_some_and(|m| m >= key && m <= key + 20),
        "{}",
        run.stdout
    );
}

#[test]
fn many_findings_on_one_long_line_stay_small() {
    let pairs = vec!["k: 1"; 2_000].join(", ");
    let text = format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: dup\n  annotations: {{{pairs}}}\n"
    );
    let dir = temp_dir("duplicate-keys");
    let path = write_temp(&dir, "dup.yaml", text.as_bytes());
    let run = daemonlint(&["--select", "DS002", &path.to_string_lossy()]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout.matches("duplicate key `k`").count(), 1_999);
    // Each frame shows a window of the 12 KB line, not the line: output grows with the
    // findings, not with findings times the line.
    assert!(longest_line(&run.stdout) < 250);
    assert!(run.stdout.len() < 1_999 * 800, "{} bytes", run.stdout.len());
}

#[test]
fn two_thousand_daemonsets_in_one_stream_are_all_reported() {
    let docs: Vec<String> = (0..2_000)
        .map(|i| {
            format!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent-{i}\nspec:\n  \
                 selector:\n    matchLabels: {{app: a}}\n  template:\n    metadata:\n      \
                 labels: {{app: a}}\n    spec:\n      containers:\n      - name: c\n        \
                 image: x:1\n        securityContext: {{privileged: true}}\n"
            )
        })
        .collect();
    let dir = temp_dir("stream");
    let path = write_temp(&dir, "all.yaml", docs.join("---\n").as_bytes());
    let run = daemonlint(&["--select", "DS303", &path.to_string_lossy()]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout.matches("DS303(privileged-container)").count(),
        2_000
    );
    // The last document's finding carries its own line number.
    assert!(
        run.stdout.contains("all.yaml:31999:27]"),
        "{}",
        &run.stdout[run.stdout.len() - 2000..]
    );
}

/// The help and message lines of a human report (not the code frame).
fn prose(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with("  ×") || l.starts_with("  help:") || l.starts_with("        "))
        .collect()
}

#[test]
fn prose_wraps_to_columns() {
    let fixture = "fixtures/DS003/fires-label-mismatch.yaml";
    let narrow = run_with_env(&["--select", "DS003", fixture], &[("COLUMNS", "60")]);
    assert_eq!(narrow.code, 1);
    let lines = prose(&narrow.stdout);
    assert!(lines.len() >= 4, "{}", narrow.stdout);
    assert!(
        lines.iter().all(|l| l.chars().count() <= 60),
        "{}",
        narrow.stdout
    );
    let wide = run_with_env(&["--select", "DS003", fixture], &[("COLUMNS", "300")]);
    let help = wide.stdout.lines().find(|l| l.starts_with("  help:"));
    assert!(
        help.is_some_and(|h| h.contains("rejects a DaemonSet")),
        "{}",
        wide.stdout
    );
    // Not a number: the default of 100, as in a pipe.
    let odd = run_with_env(&["--select", "DS003", fixture], &[("COLUMNS", "wide")]);
    let default = run_with_env(&["--select", "DS003", fixture], &[("COLUMNS", "100")]);
    assert_eq!(odd.stdout, default.stdout);
}

/// A DaemonSet whose selector label carries terminal escapes and line breaks, which the DS003
/// message quotes, and a comment with a raw escape byte shown in the frame's context.
const HOSTILE: &str = concat!(
    "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: evil\nspec:\n  selector:\n",
    "    matchLabels:\n",
    "      app: \"a\\e]0;pwned\\a\\e[2J\\r\\nfake.yaml:1:1: error[DS000] forged\"\n",
    "  template:  # \x1b[31mred\n    metadata:\n      labels:\n        app: b\n",
);

fn assert_no_raw_controls(format: &str, text: &str) {
    let raw: Vec<char> = text
        .chars()
        .filter(|&c| c.is_control() && c != '\n')
        .collect();
    assert!(raw.is_empty(), "{format} prints {raw:?}: {text}");
}

#[test]
fn control_characters_cannot_drive_the_terminal() {
    let dir = temp_dir("controls");
    let path = write_temp(&dir, "evil.yaml", HOSTILE.as_bytes());
    let path = path.to_string_lossy();
    for format in [
        "human", "concise", "github", "json", "sarif", "gitlab", "junit",
    ] {
        let run = daemonlint(&["--select", "DS003", "--format", format, &path]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert_no_raw_controls(format, &run.stdout);
    }
    let human = daemonlint(&["--select", "DS003", &path]).stdout;
    assert!(
        human.contains("a\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\r\\nfake.yaml"),
        "{human}"
    );
    // The frame shows the comment's escape byte escaped, the label still under the line's key.
    assert!(human.contains("template:  # \\u{1b}[31mred"), "{human}");
}

#[test]
fn one_line_formats_keep_one_line_per_finding() {
    let dir = temp_dir("controls-lines");
    let path = write_temp(&dir, "evil.yaml", HOSTILE.as_bytes());
    let path = path.to_string_lossy();
    for format in ["concise", "github"] {
        let run = daemonlint(&["--select", "DS003", "--format", format, &path]);
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), 1, "{format}: {}", run.stdout);
        assert!(!run.stdout.contains("\nfake.yaml"), "{}", run.stdout);
    }
}

#[test]
fn data_formats_carry_the_text_escaped_and_intact() {
    let dir = temp_dir("controls-data");
    let path = write_temp(&dir, "evil.yaml", HOSTILE.as_bytes());
    let (_, report) = json(&["--select", "DS003", &path.to_string_lossy()]);
    let message = report["diagnostics"][0]["message"]
        .as_str()
        .expect("message");
    assert!(
        message.contains("a\u{1b}]0;pwned\u{7}\u{1b}[2J\r\nfake"),
        "{message}"
    );
    let run = daemonlint(&[
        "--select",
        "DS003",
        "--format",
        "sarif",
        &path.to_string_lossy(),
    ]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("SARIF");
    let text = sarif["runs"][0]["results"][0]["message"]["text"]
        .as_str()
        .expect("text");
    assert!(text.contains("\u{1b}[2J\r\n"), "{text}");
}

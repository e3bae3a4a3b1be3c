//! Runs the real binary, as users do.
#![allow(dead_code)] // each test crate uses a different part of this module

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn daemonlint(args: &[&str]) -> Run {
    run_with_stdin(args, None)
}

pub fn run_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Run {
    run_full(args, stdin, &[])
}

pub fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    run_full(args, None, env)
}

/// Runs daemonlint in `dir` (where relative paths and config discovery start), with no
/// standard input.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_daemonlint"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .stdin(Stdio::null())
        .output()
        .expect("run daemonlint");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run_full(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_daemonlint"));
    cmd.args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn daemonlint");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for daemonlint");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Lints one path with `--format json` and returns the parsed report.
pub fn json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let run = daemonlint(&all);
    let value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}\nstderr: {}", run.stdout, run.stderr));
    (run.code, value)
}

/// `(code, "line:col")` for each finding, and each report of what was not linted (DS009
/// notes), in a JSON report.
pub fn positions(report: &serde_json::Value) -> Vec<(String, String)> {
    let listed = |key: &str| report[key].as_array().cloned().unwrap_or_default();
    assert!(report["diagnostics"].is_array(), "diagnostics array");
    listed("diagnostics")
        .iter()
        .chain(&listed("not_linted"))
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_owned(),
                format!("{}:{}", d["line"], d["column"]),
            )
        })
        .collect()
}

pub fn write_temp(dir: &Path, name: &str, contents: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap_or(dir)).expect("create temp dir");
    std::fs::write(&path, contents).expect("write temp file");
    path
}

/// A fresh folder under the target directory for one test.
pub fn temp_dir(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Extra command-line arguments from `# args: ...` lines (split on whitespace).
pub fn extra_args(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# args: "))
        .flat_map(str::split_whitespace)
        .collect()
}

//! GitHub Actions workflow commands, so findings appear inline on pull requests:
//! `::error file=...,line=...,col=...,endLine=...,endColumn=...,title=DS303 privileged-container::message`.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::{Finding, escape};
use crate::diagnostic::Severity;

/// The path GitHub matches an annotation against: relative to `workspace` (the checkout,
/// `GITHUB_WORKSPACE`) whatever the working directory, and never with a leading `./`, which
/// makes GitHub drop the annotation. A path outside the workspace, or one that does not
/// exist (standard input), stays as given.
pub fn annotation_path(path: &str, workspace: Option<&Path>) -> String {
    let inside = workspace.and_then(|w| {
        let file = std::fs::canonicalize(path).ok()?;
        let rest = file.strip_prefix(w).ok()?;
        Some(rest.to_string_lossy().replace('\\', "/"))
    });
    match inside {
        Some(rest) => rest,
        None => strip_dot(path).to_owned(),
    }
}

fn strip_dot(mut path: &str) -> &str {
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.trim_start_matches('/');
    }
    path
}

/// `GITHUB_WORKSPACE`, canonical, read once.
fn workspace() -> Option<&'static Path> {
    static WORKSPACE: OnceLock<Option<PathBuf>> = OnceLock::new();
    WORKSPACE
        .get_or_init(|| {
            let dir = std::env::var_os("GITHUB_WORKSPACE").filter(|w| !w.is_empty())?;
            std::fs::canonicalize(dir).ok()
        })
        .as_deref()
}

thread_local! {
    /// The last file's annotation path: findings come file by file, and resolving a path
    /// costs system calls.
    static LAST: RefCell<(String, String)> = const { RefCell::new((String::new(), String::new())) };
}

fn file_property(path: &str) -> String {
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != path || last.1.is_empty() {
            *last = (path.to_owned(), annotation_path(path, workspace()));
        }
        last.1.clone()
    })
}

/// Workflow command data: `%`, CR and LF are escaped.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow command properties also escape `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn line(f: &Finding) -> String {
    let command = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    // Manifest text is escaped first: the only line break left is the one before the help.
    let message = match &f.help {
        Some(help) => format!("{}\n{}", escape(&f.message), escape(help)),
        None => escape(&f.message).into_owned(),
    };
    format!(
        "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        escape_property(&escape(&file_property(&f.file))),
        f.line,
        f.column,
        f.end_line,
        f.end_column,
        escape_property(&format!("{} {}", f.code, f.name)),
        escape_data(&message)
    )
}

#[cfg(test)]
mod tests {
    use super::annotation_path;

    #[test]
    fn paths_are_relative_to_the_workspace_without_dot_slash() {
        let dir = std::env::temp_dir().join(format!("daemonlint-gh-{}", std::process::id()));
        let file = dir.join("deploy").join("ds.yaml");
        std::fs::create_dir_all(file.parent().expect("parent")).expect("dir");
        std::fs::write(&file, "").expect("file");
        let workspace = std::fs::canonicalize(&dir).expect("canonical");
        let path = file.to_string_lossy();
        assert_eq!(annotation_path(&path, Some(&workspace)), "deploy/ds.yaml");
        let deploy = workspace.join("deploy");
        assert_eq!(annotation_path(&path, Some(&deploy)), "ds.yaml");
        let elsewhere = workspace.join("elsewhere");
        assert_eq!(annotation_path(&path, Some(&elsewhere)), path);
        assert_eq!(annotation_path("./a/b.yaml", None), "a/b.yaml");
        assert_eq!(annotation_path(".//./a.yaml", None), "a.yaml");
        assert_eq!(annotation_path("<stdin>", Some(&workspace)), "<stdin>");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

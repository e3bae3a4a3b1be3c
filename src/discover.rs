//! Turns the paths on the command line into the list of inputs to lint.

use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

use crate::lint::Input;

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

pub struct Excludes {
    set: GlobSet,
}

impl Excludes {
    pub fn new(globs: &[String]) -> Result<Excludes, String> {
        let mut builder = GlobSetBuilder::new();
        for g in globs {
            let glob = Glob::new(g.trim_end_matches('/'))
                .map_err(|e| format!("invalid --exclude glob `{g}`: {e}"))?;
            builder.add(glob);
        }
        let set = builder
            .build()
            .map_err(|e| format!("invalid --exclude globs: {e}"))?;
        Ok(Excludes { set })
    }

    /// A path is excluded when a glob matches the whole path, or its last component (so
    /// `--exclude templates` prunes every `templates` folder).
    fn matches(&self, path: &Path) -> bool {
        if self.set.is_empty() {
            return false;
        }
        let trimmed = path.strip_prefix("./").unwrap_or(path);
        self.set.is_match(trimmed) || path.file_name().is_some_and(|n| self.set.is_match(n))
    }
}

/// Inputs in command-line order; a folder's files sorted by path. Problems walking a folder
/// (unreadable entries, symlink loops) come back as messages, not silence.
pub fn discover(
    paths: &[String],
    excludes: &Excludes,
    stdin_name: &str,
) -> (Vec<Input>, Vec<String>) {
    let mut inputs = Vec::new();
    let mut failures = Vec::new();
    let defaults = [".".to_owned()];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    for p in paths {
        if p == "-" {
            inputs.push(Input::Stdin {
                display: stdin_name.to_owned(),
            });
            continue;
        }
        let path = Path::new(p);
        match std::fs::metadata(path) {
            Err(e) => failures.push(format!("{p}: {e}")),
            Ok(meta) if meta.is_dir() => walk(path, excludes, &mut inputs, &mut failures),
            // A file named explicitly is linted whatever its name or the excludes say.
            Ok(_) => inputs.push(Input::File {
                path: path.to_path_buf(),
                display: p.clone(),
            }),
        }
    }
    (inputs, failures)
}

fn walk(root: &Path, excludes: &Excludes, inputs: &mut Vec<Input>, failures: &mut Vec<String>) {
    let walker = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let hidden = e.file_name().to_str().is_some_and(|n| n.starts_with('.'));
            let hidden_dir = hidden && e.file_type().is_dir();
            !hidden_dir && !excludes.matches(e.path())
        });
    for entry in walker {
        match entry {
            Err(e) => {
                let at = e
                    .path()
                    .map_or_else(|| root.display().to_string(), |p| p.display().to_string());
                let why = if e.loop_ancestor().is_some() {
                    "symlink loop, not followed".to_owned()
                } else {
                    e.io_error()
                        .map_or_else(|| e.to_string(), ToString::to_string)
                };
                failures.push(format!("{at}: {why}"));
            }
            Ok(e) if e.file_type().is_file() => {
                let wanted = e
                    .path()
                    .extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()));
                if wanted {
                    inputs.push(Input::File {
                        path: e.path().to_path_buf(),
                        display: e.path().display().to_string(),
                    });
                }
            }
            Ok(_) => {}
        }
    }
}

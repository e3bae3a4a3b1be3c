//! Which config file governs which path. As ruff does, each linted path looks for
//! `.daemonlint.yaml` in its own folder and then upward, so results do not depend on the
//! folder the command runs from. Answers are cached per folder: a walk of ten thousand files
//! reads each config once and stats each folder once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Config, ConfigError, FILE_NAMES};
use crate::source::{SourceFile, Span};

#[derive(Default)]
pub struct Lookup {
    mode: Mode,
    by_dir: HashMap<PathBuf, Option<usize>>,
    pub configs: Vec<Config>,
    /// Configs that could not be used; any of them stops the run.
    pub errors: Vec<ConfigError>,
    /// Folders each config was chosen for, in the order first seen (for `--verbose`).
    pub uses: Vec<(usize, PathBuf)>,
}

#[derive(Default)]
enum Mode {
    #[default]
    Discover,
    /// `--config PATH`: one config for everything, or none when it failed to load.
    Fixed(Option<usize>),
    /// `--no-config`.
    Disabled,
}

impl Lookup {
    pub fn discover() -> Lookup {
        Lookup::default()
    }

    pub fn disabled() -> Lookup {
        Lookup {
            mode: Mode::Disabled,
            ..Lookup::default()
        }
    }

    /// `--config PATH`: its globs are relative to its own folder.
    pub fn fixed(path: &Path) -> Lookup {
        let mut lookup = Lookup::default();
        let index = lookup.load(path);
        lookup.mode = Mode::Fixed(index);
        lookup
    }

    /// The config for files in `dir` (absolute and normalised).
    pub fn for_dir(&mut self, dir: &Path) -> Option<usize> {
        let found = match self.mode {
            Mode::Disabled => return None,
            Mode::Fixed(index) => index,
            Mode::Discover => self.find(dir),
        };
        if let Some(index) = found
            && !self.uses.iter().any(|(_, d)| d == dir)
        {
            self.uses.push((index, dir.to_path_buf()));
        }
        found
    }

    fn find(&mut self, dir: &Path) -> Option<usize> {
        let mut visited = Vec::new();
        let mut found = None;
        for ancestor in dir.ancestors() {
            if let Some(cached) = self.by_dir.get(ancestor) {
                found = *cached;
                break;
            }
            visited.push(ancestor.to_path_buf());
            match probe(ancestor) {
                Ok(Some(path)) => {
                    found = self.load(&path);
                    break;
                }
                Ok(None) => {}
                Err(error) => {
                    self.errors.push(error);
                    break;
                }
            }
        }
        for v in visited {
            self.by_dir.insert(v, found);
        }
        found
    }

    fn load(&mut self, path: &Path) -> Option<usize> {
        match Config::load(path) {
            Ok(config) => {
                self.configs.push(config);
                Some(self.configs.len() - 1)
            }
            Err(e) => {
                self.errors.push(*e);
                None
            }
        }
    }

    /// Whether the config's own `exclude` skips this absolute path.
    pub fn excludes(&self, config: Option<usize>, path: &Path) -> bool {
        config
            .and_then(|i| self.configs.get(i))
            .is_some_and(|c| c.excludes.matches(path))
    }

    /// The path as `overrides[].files` sees it: relative to the config's folder.
    pub fn relative(&self, config: Option<usize>, path: &Path, display: &str) -> String {
        let base = config.and_then(|i| self.configs.get(i)).map(|c| &c.base);
        match base.and_then(|b| path.strip_prefix(b).ok()) {
            Some(rel) => rel.to_string_lossy().into_owned(),
            None => display.strip_prefix("./").unwrap_or(display).to_owned(),
        }
    }
}

/// The config file in `dir`, if any. Two config files side by side, or a config name that is
/// a folder, a FIFO or a dangling link, is an error rather than a silent fallback to another
/// config.
fn probe(dir: &Path) -> Result<Option<PathBuf>, ConfigError> {
    let mut found: Option<PathBuf> = None;
    for name in FILE_NAMES {
        let path = dir.join(name);
        let Ok(link) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let problem = match std::fs::metadata(&path) {
            Err(_) if link.file_type().is_symlink() => Some("is a dangling symbolic link"),
            Err(_) => Some("cannot be read"),
            Ok(meta) if meta.is_dir() => Some("is a folder, not a file"),
            Ok(meta) if !meta.is_file() => Some("is not a regular file"),
            Ok(_) => None,
        };
        if let Some(problem) = problem {
            return Err(error(&path, format!("the config file {problem}")));
        }
        if let Some(first) = &found {
            return Err(error(
                &path,
                format!(
                    "both {} and {} exist; keep one",
                    first.display(),
                    path.display()
                ),
            ));
        }
        found = Some(path);
    }
    Ok(found)
}

fn error(path: &Path, message: String) -> ConfigError {
    ConfigError {
        source: SourceFile::new(path.display().to_string(), String::new()),
        span: Span::default(),
        message,
    }
}

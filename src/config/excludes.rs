//! Exclude globs for `--exclude` and the config's `exclude`.

use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Exclude globs, matched relative to a base folder: the working directory for `--exclude`,
/// the config file's folder for its `exclude`. A glob without `/` matches any file or folder
/// name below the base (`--exclude templates`); one with `/` matches a path from the base
/// (`deploy/legacy`, `./deploy/legacy`) and everything under it; an absolute glob matches the
/// absolute path.
#[derive(Clone, Debug, Default)]
pub struct Excludes {
    base: PathBuf,
    names: GlobSet,
    relative: GlobSet,
    absolute: GlobSet,
}

impl Excludes {
    pub fn new(base: &Path, globs: &[String]) -> Result<Excludes, String> {
        let mut names = GlobSetBuilder::new();
        let mut relative = GlobSetBuilder::new();
        let mut absolute = GlobSetBuilder::new();
        for g in globs {
            let trimmed = g.trim_end_matches('/');
            let glob = |text: &str| {
                Glob::new(text).map_err(|e| format!("invalid exclude glob `{g}`: {e}"))
            };
            if trimmed.starts_with('/') {
                absolute.add(glob(trimmed)?);
            } else {
                let text = trimmed.trim_start_matches("./");
                if text.contains('/') {
                    relative.add(glob(text)?);
                } else {
                    names.add(glob(text)?);
                }
            }
        }
        let build =
            |b: GlobSetBuilder| b.build().map_err(|e| format!("invalid exclude globs: {e}"));
        Ok(Excludes {
            base: base.to_path_buf(),
            names: build(names)?,
            relative: build(relative)?,
            absolute: build(absolute)?,
        })
    }

    fn is_empty(&self) -> bool {
        self.names.is_empty() && self.relative.is_empty() && self.absolute.is_empty()
    }

    /// Whether an absolute, normalised path (or a folder above it, up to the base) is excluded.
    pub fn matches(&self, path: &Path) -> bool {
        if self.is_empty() {
            return false;
        }
        if !self.absolute.is_empty() && path.ancestors().any(|a| self.absolute.is_match(a)) {
            return true;
        }
        // A bare name matches below the base, or anywhere for paths outside it.
        let rel = path.strip_prefix(&self.base).ok();
        if rel
            .unwrap_or(path)
            .components()
            .any(|c| self.names.is_match(Path::new(c.as_os_str())))
        {
            return true;
        }
        let Some(rel) = rel else {
            return false;
        };
        !self.relative.is_empty()
            && rel
                .ancestors()
                .filter(|a| !a.as_os_str().is_empty())
                .any(|a| self.relative.is_match(a))
    }
}

/// An absolute path with `.` and `..` resolved lexically, so `./deploy/x.yaml` and
/// `deploy/x.yaml` compare equal without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excludes(globs: &[&str]) -> Excludes {
        let globs: Vec<String> = globs.iter().map(|g| (*g).to_owned()).collect();
        Excludes::new(Path::new("/repo"), &globs).expect("globs")
    }

    #[test]
    fn names_relative_and_absolute_globs() {
        let e = excludes(&["templates", "./deploy/legacy/", "/repo/vendor/**"]);
        assert!(e.matches(Path::new("/repo/chart/templates/ds.yaml")));
        assert!(e.matches(Path::new("/repo/deploy/legacy/ds.yaml")));
        assert!(e.matches(Path::new("/repo/vendor/x/ds.yaml")));
        assert!(!e.matches(Path::new("/repo/deploy/current/ds.yaml")));
        assert!(!e.matches(Path::new("/elsewhere/templates-not/ds.yaml")));
        // Outside the base a bare name still matches; a relative path does not.
        assert!(e.matches(Path::new("/elsewhere/templates/ds.yaml")));
        assert!(!e.matches(Path::new("/elsewhere/deploy/legacy/ds.yaml")));
    }

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }
}

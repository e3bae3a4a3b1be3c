//! Turns the paths on the command line into the inputs to lint, each paired with the config
//! file that governs it. Folders are walked the way ripgrep and ruff walk them: hidden entries,
//! `.gitignore` and `.ignore` are respected (unless `--no-ignore`), and excludes prune whole
//! subtrees. Every file given is either an input or reported: special files, walk errors and
//! duplicates never vanish silently.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use ignore::WalkBuilder;

use crate::config::lookup::Lookup;
use crate::config::{Excludes, normalize};

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Where an input's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    File(PathBuf),
    Stdin,
    /// Standard input already read (to see whether it is `helm template` output): its text,
    /// linted (and fixed, to standard output) as standard input.
    StdinText(std::sync::Arc<Vec<u8>>),
}

/// Something to lint.
#[derive(Clone, Debug)]
pub struct Input {
    pub origin: Origin,
    /// The name shown in reports: the path as given or found.
    pub display: String,
    /// Index of the governing config in [`Discovered::configs`]'s owner, if any.
    pub config: Option<usize>,
    /// The path relative to the governing config's folder, which `overrides[].files` match.
    pub relative: String,
}

impl Input {
    pub fn file(path: PathBuf, display: String) -> Input {
        Input {
            origin: Origin::File(path),
            relative: display.clone(),
            display,
            config: None,
        }
    }

    pub fn stdin(display: String) -> Input {
        Input {
            origin: Origin::Stdin,
            relative: display.clone(),
            display,
            config: None,
        }
    }

    pub fn display(&self) -> &str {
        &self.display
    }
}

/// What to discover and how.
pub struct Request<'a> {
    pub paths: &'a [String],
    pub stdin_name: &'a str,
    /// `--exclude`, relative to the working directory.
    pub excludes: Excludes,
    /// Apply excludes to files named on the command line too (`--force-exclude`).
    pub force_exclude: bool,
    /// Honour `.gitignore`, `.ignore` and global git excludes (off with `--no-ignore`).
    pub respect_ignore: bool,
}

#[derive(Default)]
pub struct Discovered {
    pub inputs: Vec<Input>,
    /// Problems that make the run fail: missing paths, unreadable folders, loops.
    pub failures: Vec<String>,
    /// Files seen and not linted, said on stderr: special files, duplicates.
    pub skipped: Vec<String>,
}

/// Inputs in command-line order; a folder's files sorted by path. The same file reached twice
/// (named twice, or through overlapping folders) is linted once.
pub fn discover(request: &Request<'_>, lookup: Lookup) -> (Discovered, Lookup) {
    let cwd = std::env::current_dir().unwrap_or_default();
    let lookup = Arc::new(Mutex::new(lookup));
    let excludes = Arc::new(request.excludes.clone());
    let mut found = Discovered::default();
    let mut seen = HashSet::new();
    let defaults = [".".to_owned()];
    let paths = if request.paths.is_empty() {
        &defaults[..]
    } else {
        request.paths
    };
    for p in paths {
        if p == "-" {
            if seen.insert(Identity::Stdin) {
                let mut input = Input::stdin(request.stdin_name.to_owned());
                input.config = locked(&lookup).for_dir(&cwd);
                found.inputs.push(input);
            }
            continue;
        }
        let path = Path::new(p);
        let absolute = normalize(&cwd.join(path));
        match std::fs::metadata(path) {
            Err(e) => found.failures.push(missing(p, path, &e)),
            Ok(meta) if meta.is_dir() => {
                let walked = walk(path, &cwd, request, &excludes, &lookup);
                found.failures.extend(walked.failures);
                found.skipped.extend(walked.skipped);
                for input in walked.inputs {
                    add(&mut found, &mut seen, input);
                }
            }
            Ok(meta) => {
                if let Some(kind) = special_kind(&meta.file_type())
                    && kind != "FIFO"
                {
                    found
                        .failures
                        .push(format!("{p}: not a regular file ({kind}); not read"));
                    continue;
                }
                let dir = absolute.parent().unwrap_or(&absolute).to_path_buf();
                let mut lookup = locked(&lookup);
                let config = lookup.for_dir(&dir);
                if request.force_exclude
                    && (excludes.matches(&absolute) || lookup.excludes(config, &absolute))
                {
                    continue;
                }
                let mut input = Input::file(path.to_path_buf(), p.clone());
                input.relative = lookup.relative(config, &absolute, p);
                input.config = config;
                drop(lookup);
                add(&mut found, &mut seen, input);
            }
        }
    }
    let lookup = Arc::try_unwrap(lookup)
        .map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner))
        .unwrap_or_default();
    (found, lookup)
}

fn locked(lookup: &Mutex<Lookup>) -> std::sync::MutexGuard<'_, Lookup> {
    lookup.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A path that cannot be stat'ed: a dangling link says so.
fn missing(given: &str, path: &Path, e: &std::io::Error) -> String {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        format!("{given}: dangling symbolic link")
    } else {
        format!("{given}: {e}")
    }
}

/// What makes two inputs the same file: its device and inode (one `stat`, where resolving the
/// whole path would cost a system call per folder), else its path; standard input is one.
#[derive(Hash, PartialEq, Eq)]
enum Identity {
    Inode(u64, u64),
    Path(PathBuf),
    Stdin,
}

fn add(found: &mut Discovered, seen: &mut HashSet<Identity>, input: Input) {
    use std::os::unix::fs::MetadataExt;
    let key = match &input.origin {
        Origin::File(path) => match std::fs::metadata(path) {
            Ok(meta) => Identity::Inode(meta.dev(), meta.ino()),
            Err(_) => Identity::Path(path.clone()),
        },
        Origin::Stdin | Origin::StdinText(_) => Identity::Stdin,
    };
    if seen.insert(key) {
        found.inputs.push(input);
    }
}

/// The kind of a file that is neither a regular file nor a folder.
fn special_kind(t: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        Some("FIFO")
    } else if t.is_char_device() {
        Some("character device")
    } else if t.is_block_device() {
        Some("block device")
    } else if t.is_socket() {
        Some("socket")
    } else {
        None
    }
}

fn wanted(path: &Path) -> bool {
    path.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()))
}

/// Folders of other projects' files, skipped in a walk (not when named, nor with
/// `--no-ignore`): vendored dependencies and Go test data, whose manifests are a dependency's
/// test fixtures and golden files, not the repository's. Go's tools and golangci-lint skip
/// them the same way.
const FOREIGN_FOLDERS: [&str; 3] = ["vendor", "third_party", "testdata"];

/// A golden file (`istio-cni.golden.yaml`) is a test's expected output, compared byte for byte
/// and never applied: skipped in a walk like the test data folders that usually hold it.
fn golden(name: &str) -> bool {
    name.to_ascii_lowercase().contains(".golden.")
}

fn walk(
    root: &Path,
    cwd: &Path,
    request: &Request<'_>,
    excludes: &Arc<Excludes>,
    lookup: &Arc<Mutex<Lookup>>,
) -> Discovered {
    let mut found = Discovered::default();
    let filter_cwd = cwd.to_path_buf();
    let filter_excludes = Arc::clone(excludes);
    let filter_lookup = Arc::clone(lookup);
    let skip_foreign = request.respect_ignore;
    let walker = WalkBuilder::new(root)
        .standard_filters(request.respect_ignore)
        .hidden(true)
        .require_git(false)
        .follow_links(true)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |e| {
            if e.depth() == 0 {
                return true;
            }
            if skip_foreign {
                let dir = e.file_type().is_some_and(|t| t.is_dir());
                let foreign = e.file_name().to_str().is_some_and(|name| {
                    if dir {
                        FOREIGN_FOLDERS.contains(&name)
                    } else {
                        golden(name)
                    }
                });
                if foreign {
                    return false;
                }
            }
            let absolute = normalize(&filter_cwd.join(e.path()));
            if filter_excludes.matches(&absolute) {
                return false;
            }
            let dir = absolute.parent().unwrap_or(&absolute).to_path_buf();
            let mut lookup = locked(&filter_lookup);
            let config = lookup.for_dir(&dir);
            !lookup.excludes(config, &absolute)
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                found.failures.push(walk_error(root, &e));
                continue;
            }
        };
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() || !wanted(entry.path()) {
            continue;
        }
        let display = entry.path().display().to_string();
        if let Some(kind) = special_kind(&file_type) {
            found
                .skipped
                .push(format!("{display}: not a regular file ({kind}); skipped"));
            continue;
        }
        let absolute = normalize(&cwd.join(entry.path()));
        let dir = absolute.parent().unwrap_or(&absolute).to_path_buf();
        let mut lookup = locked(lookup);
        let config = lookup.for_dir(&dir);
        let mut input = Input::file(entry.path().to_path_buf(), display.clone());
        input.relative = lookup.relative(config, &absolute, &display);
        input.config = config;
        found.inputs.push(input);
    }
    found
}

fn walk_error(root: &Path, e: &ignore::Error) -> String {
    let text = e.to_string();
    if text.contains("File system loop") {
        return format!("{text}: symlink loop, not followed");
    }
    match e {
        ignore::Error::WithPath { path, err } => {
            if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
                && std::fs::metadata(path).is_err()
            {
                format!("{}: dangling symbolic link", path.display())
            } else {
                format!("{}: {err}", path.display())
            }
        }
        _ => format!("{}: {text}", root.display()),
    }
}

/// What a folder is to the renderers: a kustomization root, a Helm chart, or plain files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FolderKind {
    /// Holds this kustomization file.
    Kustomization(PathBuf),
    /// Holds `Chart.yaml`.
    Chart,
    Plain,
}

/// The names kustomize looks for in a folder, in its order.
const KUSTOMIZATION_FILES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The kustomization file in `dir`, if it has one.
pub fn kustomization_in(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

pub fn classify(dir: &Path) -> FolderKind {
    if dir.join("Chart.yaml").is_file() {
        return FolderKind::Chart;
    }
    match kustomization_in(dir) {
        Some(file) => FolderKind::Kustomization(file),
        None => FolderKind::Plain,
    }
}

/// The chart a file belongs to: its outermost folder holding `Chart.yaml`, since a subchart's
/// files are rendered by its parent chart.
pub fn chart_of(file: &Path) -> Option<PathBuf> {
    let mut found = None;
    for dir in file.ancestors().skip(1) {
        if classify(dir) == FolderKind::Chart {
            found = Some(dir.to_path_buf());
        }
    }
    found
}

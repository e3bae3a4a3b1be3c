//! Which inputs are linted alone and which are rendered first: kustomization roots that no
//! other kustomization includes, and charts. Files a kustomization uses are judged only as
//! part of what it renders.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::config::normalize;
use crate::discover::{self, FolderKind, Input, Origin};

use super::kustomization::Kustomization;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitKind {
    Kustomize,
    Chart,
    /// `helm template` output on standard input.
    Piped,
}

/// A folder rendered as one whole.
#[derive(Debug)]
pub struct Unit {
    pub kind: UnitKind,
    /// The folder, absolute.
    pub dir: PathBuf,
    /// The kustomization file or `Chart.yaml`, absolute: where findings about the whole go.
    pub file: PathBuf,
    /// The folder as users name it: `overlays/prod`.
    pub label: String,
    /// The config of the first input found in it.
    pub config: Option<usize>,
    pub relative: String,
}

#[derive(Debug, Default)]
pub struct Plan {
    pub plain: Vec<Input>,
    pub units: Vec<Unit>,
    /// Every kustomization read, by folder, including the bases the units include.
    pub kustomizations: BTreeMap<PathBuf, Kustomization>,
}

/// Splits inputs into plain files and units to render.
pub fn plan(inputs: Vec<Input>, cwd: &Path) -> Plan {
    let mut plan = Plan::default();
    let mut roots: Vec<(PathBuf, &Input)> = Vec::new();
    let mut charts: Vec<(PathBuf, &Input)> = Vec::new();
    // Folders hold many files: classify each folder once.
    let mut folders: HashMap<PathBuf, (Option<PathBuf>, bool)> = HashMap::new();
    for input in &inputs {
        let Origin::File(path) = &input.origin else {
            continue;
        };
        let absolute = normalize(&cwd.join(path));
        let dir = absolute.parent().unwrap_or(&absolute).to_path_buf();
        let (chart, kustomization) = folders
            .entry(dir.clone())
            .or_insert_with(|| {
                (
                    discover::chart_of(&absolute),
                    matches!(discover::classify(&dir), FolderKind::Kustomization(_)),
                )
            })
            .clone();
        if let Some(chart) = chart {
            if !charts.iter().any(|(c, _)| *c == chart) {
                charts.push((chart, input));
            }
            continue;
        }
        if kustomization && !roots.iter().any(|(d, _)| *d == dir) {
            roots.push((dir, input));
        }
    }
    for (dir, _) in &roots {
        load(dir, &mut plan.kustomizations);
    }
    let used = used_files(&plan.kustomizations);
    let included: HashSet<&PathBuf> = plan
        .kustomizations
        .values()
        .flat_map(|k| &k.bases)
        .collect();
    for (dir, input) in &roots {
        if included.contains(dir) {
            continue;
        }
        if let Some(k) = plan.kustomizations.get(dir) {
            plan.units
                .push(unit(UnitKind::Kustomize, dir, k.file.clone(), input, cwd));
        }
    }
    for (dir, input) in &charts {
        plan.units.push(unit(
            UnitKind::Chart,
            dir,
            dir.join("Chart.yaml"),
            input,
            cwd,
        ));
    }
    let chart_dirs: Vec<PathBuf> = charts.into_iter().map(|(d, _)| d).collect();
    plan.plain = inputs
        .into_iter()
        .filter(|input| match &input.origin {
            Origin::File(path) => {
                let absolute = normalize(&cwd.join(path));
                !used.contains(&absolute) && !chart_dirs.iter().any(|d| absolute.starts_with(d))
            }
            Origin::Stdin | Origin::StdinText(_) => true,
        })
        .collect();
    plan
}

fn unit(kind: UnitKind, dir: &Path, file: PathBuf, input: &Input, cwd: &Path) -> Unit {
    Unit {
        kind,
        dir: dir.to_path_buf(),
        file,
        label: show(dir, cwd),
        config: input.config,
        relative: input.relative.clone(),
    }
}

/// Reads a kustomization and, through its bases, every one it includes.
fn load(dir: &Path, seen: &mut BTreeMap<PathBuf, Kustomization>) {
    if seen.contains_key(dir) {
        return;
    }
    let Some(k) = Kustomization::read(dir) else {
        return;
    };
    let bases = k.bases.clone();
    seen.insert(dir.to_path_buf(), k);
    for base in bases {
        load(&base, seen);
    }
}

/// Files that are parts of a kustomization: never judged alone.
fn used_files(all: &BTreeMap<PathBuf, Kustomization>) -> HashSet<PathBuf> {
    let mut used = HashSet::new();
    for k in all.values() {
        used.insert(k.file.clone());
        used.extend(k.resources.iter().cloned());
        used.extend(k.patches.iter().filter_map(|p| match p {
            super::kustomization::PatchRef::File(f) => Some(f.clone()),
            super::kustomization::PatchRef::Inline { .. } => None,
        }));
    }
    used
}

/// A path as users name it: relative to the working folder when under it.
pub fn show(path: &Path, cwd: &Path) -> String {
    match path.strip_prefix(cwd) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

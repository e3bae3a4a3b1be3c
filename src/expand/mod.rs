//! The input side of linting what actually deploys: kustomizations and Helm charts are
//! rendered, with a map from each rendered place back to the file and line that wrote it.
//!
//! [`plan`] splits the inputs, [`kustomize`] and [`helm`] render, and [`origin`] and [`helm`]
//! map rendered places back. Linting the renderings and moving the findings back is
//! `crate::remap`'s, a level above the linter.

pub mod helm;
pub mod kustomization;
pub mod kustomize;
pub mod origin;
pub mod path;
pub mod plan;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::yaml::{Node, ParseLimits, parse_stream};

pub use origin::Located;
pub use plan::{Plan, Unit, UnitKind};

/// What rendering one unit gave.
pub enum Rendering {
    /// Text to lint and how to map places in it back.
    Text { text: String, map: SourceMap },
    /// Findings at the unit's file instead (remote bases, a failed render, no renderer).
    Findings(Vec<Diagnostic>),
}

/// How a rendered unit's places map back to sources.
pub enum SourceMap {
    Kustomize(Vec<kustomize::Provenance>),
    Helm(helm::HelmMap),
}

impl SourceMap {
    /// Moves a span in the rendered `text` to the file and span that wrote it. This is the
    /// lint stage's entry point: findings on rendered objects go through it.
    pub fn locate(&self, text: &str, docs: &[Node], span: Span, files: &Files) -> Option<Located> {
        match self {
            SourceMap::Kustomize(provenance) => {
                let index = document_at(docs, span.start)?;
                let doc = docs.get(index)?;
                let target = path::path_at(doc, span.start);
                let object = origin::Object {
                    kind: doc.get("kind").and_then(Node::as_str),
                    name: doc
                        .get("metadata")
                        .and_then(|m| m.get("name"))
                        .and_then(Node::as_str),
                    provenance: provenance.get(index)?,
                    on_value: path::is_value(doc, &target),
                };
                origin::locate(&object, &target, files)
            }
            SourceMap::Helm(map) => map.locate(text, span, files),
        }
    }
}

impl SourceMap {
    /// The source files a rendering drew on: where suppression comments for it are written.
    pub fn sources(&self, files: &Files, unit: &Unit) -> Vec<PathBuf> {
        match self {
            SourceMap::Kustomize(provenance) => {
                let mut out = Vec::new();
                for p in provenance {
                    out.extend(p.origin.iter().cloned());
                    for (file, _) in &p.transformations {
                        out.push(file.clone());
                        let patches = files.kustomization(file).map(|k| k.patches.as_slice());
                        out.extend(patches.unwrap_or_default().iter().filter_map(|p| match p {
                            kustomization::PatchRef::File(f) => Some(f.clone()),
                            kustomization::PatchRef::Inline { .. } => None,
                        }));
                    }
                }
                out.push(unit.file.clone());
                out
            }
            SourceMap::Helm(map) => {
                let mut out = map.templates();
                if unit.kind == UnitKind::Piped {
                    out.push(unit.file.clone());
                }
                out
            }
        }
    }
}

/// The document holding `offset`: the last one starting at or before it.
fn document_at(docs: &[Node], offset: u32) -> Option<usize> {
    docs.iter()
        .rposition(|d| d.span.start <= offset)
        .or((!docs.is_empty()).then_some(0))
}

/// Renders every unit on the free cores, each as its config (by `config_at`) says; results
/// in unit order.
pub fn render_all<'c>(
    units: &[Unit],
    config_at: &(dyn Fn(Option<usize>) -> &'c Config + Sync),
) -> Vec<Rendering> {
    let found = kustomize::tool();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(units.len().max(1));
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<Rendering>>> = Mutex::new(units.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(unit) = units.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let config = config_at(unit.config);
                    let rendering = match unit.kind {
                        UnitKind::Kustomize => {
                            let tool = config.render.kustomize.as_deref().or(found.as_deref());
                            render_kustomization(unit, tool, config.render.required)
                        }
                        UnitKind::Chart => helm::render(unit, &helm_setup(unit, config)),
                        UnitKind::Piped => Rendering::Findings(Vec::new()),
                    };
                    let index = units
                        .iter()
                        .position(|u| std::ptr::eq(u, unit))
                        .unwrap_or_default();
                    slots.lock().unwrap_or_else(PoisonError::into_inner)[index] = Some(rendering);
                }
            });
        }
    });
    slots
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter()
        .map(|r| r.unwrap_or(Rendering::Findings(Vec::new())))
        .collect()
}

/// The helm command and the `charts:` entries that apply to a chart unit.
fn helm_setup<'a>(unit: &Unit, config: &'a Config) -> helm::HelmSetup<'a> {
    let program = config
        .render
        .helm
        .clone()
        .unwrap_or_else(|| vec!["helm".to_owned()]);
    helm::HelmSetup {
        program: program
            .first()
            .is_some_and(|p| runnable(p))
            .then_some(program),
        entries: config
            .charts
            .iter()
            .filter(|c| c.path == unit.dir)
            .collect(),
        required: config.render.required,
    }
}

/// A configured program: a path (it has a `/`) that exists, or a name on PATH.
fn runnable(program: &str) -> bool {
    if program.contains('/') {
        Path::new(program).is_file()
    } else {
        on_path(program)
    }
}

fn render_kustomization(unit: &Unit, tool: Option<&[String]>, required: bool) -> Rendering {
    use crate::unreadable::ds009_unrendered_template;
    let remote = remote_resources(&unit.dir);
    if !remote.is_empty() {
        return Rendering::Findings(
            remote
                .into_iter()
                .map(|(url, span)| {
                    let mut d = ds009_unrendered_template::diagnostic(span);
                    d.message = format!(
                        "kustomization not rendered: `{url}` is a remote base, and daemonlint never fetches over the network"
                    );
                    d.label = Some("remote base".into());
                    d.help = Some(
                        "vendor the base into the repository, or lint `kustomize build` output: `kustomize build DIR | daemonlint -`".into(),
                    );
                    d
                })
                .collect(),
        );
    }
    let tool = match tool {
        Some(tool) if tool.first().is_some_and(|p| runnable(p)) => tool,
        _ => return no_kustomize(tool, required),
    };
    match kustomize::render(&unit.dir, tool) {
        Ok((text, provenance)) => Rendering::Text {
            text,
            map: SourceMap::Kustomize(provenance),
        },
        Err(message) => Rendering::Findings(vec![render_failure(
            &format!("kustomize could not render {}: {message}", unit.label),
            "run `kubectl kustomize` on the folder to see the whole error",
        )]),
    }
}

/// No kustomize to run: a note, or with `render.required` an error that fails the run.
fn no_kustomize(configured: Option<&[String]>, required: bool) -> Rendering {
    let message = match configured.and_then(<[String]>::first) {
        Some(program) => {
            format!("kustomization not rendered: no kustomize (`{program}` cannot be run)")
        }
        None => {
            "kustomization not rendered: no kustomize (neither kustomize nor kubectl is installed)"
                .to_owned()
        }
    };
    if required {
        return Rendering::Findings(vec![render_failure(
            &message,
            "`render.required` is set in the config: install kustomize or kubectl (or point `render.kustomize` at it)",
        )]);
    }
    let mut d = crate::unreadable::ds009_unrendered_template::diagnostic(Span::default());
    d.message = message;
    d.label = None;
    d.help = Some("install kustomize or kubectl, or lint `kustomize build` output".into());
    Rendering::Findings(vec![d])
}

/// A renderer's failure: an error at the unit's file, whatever the rule selection (like a
/// file that cannot be parsed, what it would deploy was not checked).
pub fn render_failure(message: &str, help: &str) -> Diagnostic {
    Diagnostic::new(
        &crate::unreadable::ds001_yaml_syntax::META,
        Span::default(),
        message,
    )
    .help(help)
}

/// Remote resources anywhere in the unit's tree of kustomizations.
fn remote_resources(dir: &Path) -> Vec<(String, Span)> {
    let mut seen = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    let mut remote = Vec::new();
    while let Some(dir) = todo.pop() {
        if seen.contains(&dir) {
            continue;
        }
        let Some(k) = kustomization::Kustomization::read(&dir) else {
            continue;
        };
        // Only the unit's own file can carry the finding's span; a base's remote entry is
        // reported at the unit's first line.
        let here = seen.is_empty();
        remote.extend(k.remote.into_iter().map(|(url, span)| {
            let span = if here { span } else { Span::default() };
            (url, span)
        }));
        todo.extend(k.bases);
        seen.push(dir);
    }
    remote
}

/// Whether `program` is an executable on PATH.
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            std::fs::metadata(dir.join(program))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// Source files read once and shared by every lookup: their text and parsed documents.
pub struct Files {
    kustomizations: HashMap<PathBuf, kustomization::Kustomization>,
    cache: Mutex<HashMap<PathBuf, Option<Arc<Parsed>>>>,
}

pub struct Parsed {
    pub text: String,
    pub documents: Vec<Node>,
}

impl Files {
    pub fn new(read: std::collections::BTreeMap<PathBuf, kustomization::Kustomization>) -> Files {
        let kustomizations = read.into_values().map(|k| (k.file.clone(), k)).collect();
        Files {
            kustomizations,
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn kustomization(&self, file: &Path) -> Option<&kustomization::Kustomization> {
        self.kustomizations.get(file)
    }

    /// Text that is not on disk (standard input), under a name of its own.
    pub fn insert(&self, file: &Path, text: String) {
        let documents = parse_stream(&text, ParseLimits::default()).documents;
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.insert(
            file.to_path_buf(),
            Some(Arc::new(Parsed { text, documents })),
        );
    }

    pub fn parsed(&self, file: &Path) -> Option<Arc<Parsed>> {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache
            .entry(file.to_path_buf())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(file).ok()?;
                let documents = parse_stream(&text, ParseLimits::default()).documents;
                Some(Arc::new(Parsed { text, documents }))
            })
            .clone()
    }
}

/// A folder under the system temp folder, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(purpose: &str) -> std::io::Result<TempDir> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("daemonlint-{purpose}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

//! `charts:` (how each chart is rendered) and `render:` (which commands render, and whether a
//! missing renderer fails the run).

use std::path::{Path, PathBuf};

use crate::source::Span;
use crate::yaml::{Node, Value};

use super::{Error, excludes::normalize, map, strings};

/// One way to render a chart: `helm template RELEASE CHART -f VALUES... --set K=V... -n NS`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartEntry {
    /// The chart folder: as written until the config is loaded, then absolute.
    pub path: PathBuf,
    pub path_span: Span,
    /// Values files, in the order Helm layers them (same resolution as `path`).
    pub values: Vec<(PathBuf, Span)>,
    /// `--set` assignments, `key=value`.
    pub set: Vec<String>,
    pub release: Option<String>,
    pub namespace: Option<String>,
}

/// The `render:` section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Render {
    /// The command that builds a kustomization; the folder is appended.
    pub kustomize: Option<Vec<String>>,
    /// The helm program (and leading arguments); `template ...` is appended.
    pub helm: Option<Vec<String>>,
    /// A kustomization or chart left unrendered for want of a renderer is an error, not a note.
    pub required: bool,
}

pub(super) fn charts(node: &Node) -> Result<Vec<ChartEntry>, Error> {
    let items = match &node.value {
        Value::Seq(items) => items,
        Value::Null => return Ok(Vec::new()),
        _ => return Err((node.span, "`charts` must be a list".to_owned())),
    };
    items.iter().map(chart).collect()
}

fn chart(item: &Node) -> Result<ChartEntry, Error> {
    let mut entry = ChartEntry {
        path: PathBuf::new(),
        path_span: item.span,
        values: Vec::new(),
        set: Vec::new(),
        release: None,
        namespace: None,
    };
    let mut has_path = false;
    for e in map(item, "a chart entry")? {
        match e.key.as_str() {
            "path" => {
                entry.path = PathBuf::from(string(&e.value, "path")?);
                entry.path_span = e.value.span;
                has_path = true;
            }
            "values" => {
                let items = match &e.value.value {
                    Value::Seq(items) => items.as_slice(),
                    Value::Null => &[],
                    _ => return Err((e.value.span, "`values` must be a list of files".into())),
                };
                for v in items {
                    entry
                        .values
                        .push((PathBuf::from(string(v, "values")?), v.span));
                }
            }
            "set" => entry.set = assignments(&e.value)?,
            "release" => entry.release = Some(string(&e.value, "release")?),
            "namespace" => entry.namespace = Some(string(&e.value, "namespace")?),
            other => {
                return Err((
                    e.key_span,
                    format!(
                        "unknown key `{other}` in a chart entry; expected path, values, set, release or namespace"
                    ),
                ));
            }
        }
    }
    if !has_path {
        return Err((item.span, "a chart entry needs `path`".to_owned()));
    }
    Ok(entry)
}

/// `set: {image.tag: v2}` or `set: ["image.tag=v2"]`.
fn assignments(node: &Node) -> Result<Vec<String>, Error> {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .map(|e| {
                scalar(&e.value)
                    .map(|v| format!("{}={v}", e.key))
                    .ok_or_else(|| (e.value.span, "a `set` value must be a scalar".to_owned()))
            })
            .collect(),
        Value::Seq(items) => items
            .iter()
            .map(|i| match i.as_str() {
                Some(s) if s.contains('=') => Ok(s.to_owned()),
                _ => Err((i.span, "a `set` entry must be `key=value`".to_owned())),
            })
            .collect(),
        Value::Null => Ok(Vec::new()),
        _ => Err((
            node.span,
            "`set` must be a mapping or a list of `key=value`".to_owned(),
        )),
    }
}

/// A scalar as `--set` would be given it on the command line.
fn scalar(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(n) => Some(n.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("null".to_owned()),
        Value::Seq(_) | Value::Map(_) => None,
    }
}

fn string(node: &Node, what: &str) -> Result<String, Error> {
    node.as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| (node.span, format!("`{what}` must be a non-empty string")))
}

pub(super) fn render(node: &Node) -> Result<Render, Error> {
    let mut out = Render::default();
    for e in map(node, "render")? {
        match e.key.as_str() {
            "kustomize" => out.kustomize = Some(command(&e.value, "render.kustomize")?),
            "helm" => out.helm = Some(command(&e.value, "render.helm")?),
            "required" => match e.value.value {
                Value::Bool(b) => out.required = b,
                _ => {
                    return Err((
                        e.value.span,
                        "`render.required` must be true or false".into(),
                    ));
                }
            },
            other => {
                return Err((
                    e.key_span,
                    format!(
                        "unknown key `{other}` in `render`; expected kustomize, helm or required"
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// A command as a list of words (no shell): at least the program.
fn command(node: &Node, what: &str) -> Result<Vec<String>, Error> {
    let words = strings(node, what)?;
    if words.first().is_none_or(String::is_empty) {
        return Err((
            node.span,
            format!("`{what}` must name a program: a list such as [\"kustomize\", \"build\"]"),
        ));
    }
    Ok(words)
}

/// A program given by a relative path (`./tools/build.sh`) is relative to the config's folder,
/// like every other path in the file; a bare name is looked up on PATH.
pub(super) fn resolve_commands(render: &mut Render, base: &Path) {
    for command in [&mut render.kustomize, &mut render.helm]
        .into_iter()
        .flatten()
    {
        if let Some(program) = command.first_mut()
            && program.contains('/')
        {
            *program = normalize(&base.join(&*program)).display().to_string();
        }
    }
}

/// Resolves each entry's paths against the config's folder and checks they exist, so a typo
/// is reported at the config line rather than as a render failure.
pub(super) fn resolve(charts: &mut [ChartEntry], base: &Path) -> Result<(), Error> {
    for entry in charts {
        entry.path = normalize(&base.join(&entry.path));
        if !entry.path.join("Chart.yaml").is_file() {
            return Err((
                entry.path_span,
                format!(
                    "{} is not a chart (it has no Chart.yaml)",
                    entry.path.display()
                ),
            ));
        }
        for (file, span) in &mut entry.values {
            *file = normalize(&base.join(&*file));
            if !file.is_file() {
                return Err((
                    *span,
                    format!("values file {} does not exist", file.display()),
                ));
            }
        }
    }
    Ok(())
}

//! Rendering a kustomization without touching the user's files: a temporary wrapper
//! kustomization names the target folder and asks kustomize to annotate each object with the
//! file it came from and the kustomizations that changed it. The annotations are read, then
//! stripped from the text that is linted.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use crate::config::normalize;
use crate::yaml::{Node, ParseLimits, Value, parse_stream};

const ORIGIN: &str = "config.kubernetes.io/origin";
const TRANSFORMATIONS: &str = "alpha.config.kubernetes.io/transformations";

/// Where one rendered object came from.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// The resource file, absolute.
    pub origin: Option<PathBuf>,
    /// Each transformation in the order kustomize applied it: the kustomization file
    /// (absolute) and the transformer's kind.
    pub transformations: Vec<(PathBuf, String)>,
}

/// `kustomize build` when installed, else `kubectl kustomize` (the same engine).
pub fn tool() -> Option<Vec<String>> {
    if super::on_path("kustomize") {
        return Some(vec!["kustomize".into(), "build".into()]);
    }
    super::on_path("kubectl").then(|| vec!["kubectl".into(), "kustomize".into()])
}

/// Renders `dir`: the text to lint and each document's provenance, or kustomize's message.
pub fn render(dir: &Path, tool: &[String]) -> Result<(String, Vec<Provenance>), String> {
    let wrapper = super::TempDir::new("kustomize").map_err(|e| e.to_string())?;
    let target = relative_path(wrapper.path(), dir);
    let text = format!(
        "resources:\n  - {}\nbuildMetadata: [originAnnotations, transformerAnnotations]\n",
        target.display()
    );
    std::fs::write(wrapper.path().join("kustomization.yaml"), text).map_err(|e| e.to_string())?;
    let (program, args) = tool.split_first().ok_or("no kustomize command")?;
    let out = Command::new(program)
        .args(args)
        .arg(".")
        .current_dir(wrapper.path())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if !out.status.success() {
        return Err(clean_error(&String::from_utf8_lossy(&out.stderr)));
    }
    let annotated = String::from_utf8_lossy(&out.stdout).into_owned();
    let provenance = parse_stream(&annotated, ParseLimits::default())
        .documents
        .iter()
        .map(|doc| provenance(doc, wrapper.path()))
        .collect();
    Ok((strip_annotations(&annotated), provenance))
}

/// kubectl wraps kustomize's message in a log line, and the first part of it is about the
/// wrapper, which the user never saw.
fn clean_error(stderr: &str) -> String {
    let mut text = stderr.trim().trim_start_matches("error: ");
    if let Some((_, rest)) = text.split_once("err=\"") {
        text = rest.trim_end_matches('"');
    }
    if let Some((_, rest)) = text.split_once("recursed accumulation of path ")
        && let Some((_, inner)) = rest.split_once("': ")
    {
        text = inner;
    }
    text.to_owned()
}

/// kustomize refuses an absolute root in `resources:` ("new root cannot be absolute").
pub fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to_parts[common..] {
        out.push(c.as_os_str());
    }
    out
}

fn provenance(doc: &Node, wrapper: &Path) -> Provenance {
    let annotations = doc.get("metadata").and_then(|m| m.get("annotations"));
    let inner = |key: &str| {
        annotations
            .and_then(|a| a.get(key))
            .and_then(Node::as_str)
            .and_then(|s| {
                parse_stream(s, ParseLimits::default())
                    .documents
                    .into_iter()
                    .next()
            })
    };
    let resolve = |p: &str| normalize(&wrapper.join(p));
    let origin = inner(ORIGIN).and_then(|o| o.get("path").and_then(Node::as_str).map(resolve));
    let mut transformations = Vec::new();
    if let Some(Node {
        value: Value::Seq(items),
        ..
    }) = inner(TRANSFORMATIONS)
    {
        for item in &items {
            let file = item.get("configuredIn").and_then(Node::as_str);
            let kind = item
                .get("configuredBy")
                .and_then(|b| b.get("kind"))
                .and_then(Node::as_str);
            if let (Some(file), Some(kind)) = (file, kind) {
                transformations.push((resolve(file), kind.to_owned()));
            }
        }
    }
    Provenance {
        origin,
        transformations,
    }
}

/// Drops the two build annotations, and an `annotations:` left empty by that. kustomize prints
/// block style with sorted keys, so each annotation is its key line plus the lines indented
/// deeper.
pub fn strip_annotations(text: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut keep = vec![true; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        if trimmed.starts_with(&format!("{ORIGIN}:"))
            || trimmed.starts_with(&format!("{TRANSFORMATIONS}:"))
        {
            let indent = indent_of(lines[i]);
            keep[i] = false;
            i += 1;
            while i < lines.len() && indent_of(lines[i]) > indent && !lines[i].trim().is_empty() {
                keep[i] = false;
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    drop_empty_annotations(&lines, &mut keep);
    lines
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(l, _)| *l)
        .collect()
}

fn drop_empty_annotations(lines: &[&str], keep: &mut [bool]) {
    for i in 0..lines.len() {
        if !keep[i] || lines[i].trim() != "annotations:" {
            continue;
        }
        let indent = indent_of(lines[i]);
        let next = (i + 1..lines.len()).find(|&j| keep[j]);
        if next.is_none_or(|j| indent_of(lines[j]) <= indent) {
            keep[i] = false;
        }
    }
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_build_annotations_and_the_empty_block() {
        let text = "metadata:\n  annotations:\n    alpha.config.kubernetes.io/transformations: |\n      - configuredIn: k.yaml\n    config.kubernetes.io/origin: |\n      path: ds.yaml\n  name: agent\n";
        assert_eq!(strip_annotations(text), "metadata:\n  name: agent\n");
    }

    #[test]
    fn keeps_the_users_annotations() {
        let text = "metadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      path: ds.yaml\n    team: infra\n  name: agent\n";
        assert_eq!(
            strip_annotations(text),
            "metadata:\n  annotations:\n    team: infra\n  name: agent\n"
        );
    }

    #[test]
    fn relative_paths_climb_to_the_common_folder() {
        let rel = relative_path(Path::new("/tmp/w1"), Path::new("/work/x/overlays/prod"));
        assert_eq!(rel, PathBuf::from("../../work/x/overlays/prod"));
    }
}

//! What a kustomization file says about the files around it: which it includes as resources,
//! which it applies as patches, and which transformer fields it sets.

use std::path::{Path, PathBuf};

use crate::config::normalize;
use crate::source::Span;
use crate::yaml::{Node, ParseLimits, Value, parse_stream};

/// A patch as a kustomization lists it.
#[derive(Clone, Debug)]
pub enum PatchRef {
    File(PathBuf),
    /// A patch written inline (`patch: |-`): the span of its entry in the kustomization.
    Inline {
        text: String,
        span: Span,
    },
}

#[derive(Debug, Default)]
pub struct Kustomization {
    /// The kustomization file, absolute.
    pub file: PathBuf,
    pub text: String,
    pub root: Option<Node>,
    /// Folders it includes (other kustomizations).
    pub bases: Vec<PathBuf>,
    /// Files it includes as resources.
    pub resources: Vec<PathBuf>,
    pub patches: Vec<PatchRef>,
    /// Resources kustomize would fetch over the network, with their span.
    pub remote: Vec<(String, Span)>,
}

impl Kustomization {
    /// Reads the kustomization in `dir`; `None` when there is none or it cannot be read.
    pub fn read(dir: &Path) -> Option<Kustomization> {
        let file = crate::discover::kustomization_in(dir)?;
        let text = std::fs::read_to_string(&file).ok()?;
        let root = parse_stream(&text, ParseLimits::default())
            .documents
            .into_iter()
            .next();
        let mut k = Kustomization {
            file,
            text,
            ..Kustomization::default()
        };
        if let Some(root) = &root {
            k.read_resources(dir, root);
            k.read_patches(dir, root);
        }
        k.root = root;
        Some(k)
    }

    pub fn dir(&self) -> &Path {
        self.file.parent().unwrap_or(Path::new("."))
    }

    fn read_resources(&mut self, dir: &Path, root: &Node) {
        for key in ["resources", "bases", "components"] {
            for item in strings(root.get(key)) {
                let (name, span) = item;
                if is_remote(&name) {
                    self.remote.push((name, span));
                    continue;
                }
                let path = normalize(&dir.join(&name));
                if path.is_dir() {
                    self.bases.push(path);
                } else {
                    self.resources.push(path);
                }
            }
        }
    }

    fn read_patches(&mut self, dir: &Path, root: &Node) {
        for key in ["patches", "patchesJson6902", "patchesStrategicMerge"] {
            let Some(Value::Seq(items)) = root.get(key).map(|n| &n.value) else {
                continue;
            };
            for item in items {
                if let Some(patch) = patch_ref(dir, item) {
                    self.patches.push(patch);
                }
            }
        }
    }

    /// The node of a top-level field, for findings a transformer field produced.
    pub fn field(&self, key: &str) -> Option<&Node> {
        self.root.as_ref()?.get(key)
    }
}

fn patch_ref(dir: &Path, item: &Node) -> Option<PatchRef> {
    // patchesStrategicMerge lists bare paths, or inline patches as multi-line strings.
    if let Some(s) = item.as_str() {
        if s.contains('\n') {
            return Some(PatchRef::Inline {
                text: s.to_owned(),
                span: item.span,
            });
        }
        return Some(PatchRef::File(normalize(&dir.join(s))));
    }
    if let Some(path) = item.get("path").and_then(Node::as_str) {
        return Some(PatchRef::File(normalize(&dir.join(path))));
    }
    let entry = item.entry("patch")?;
    Some(PatchRef::Inline {
        text: entry.value.as_str()?.to_owned(),
        span: entry.key_span,
    })
}

fn strings(node: Option<&Node>) -> Vec<(String, Span)> {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|n| n.as_str().map(|s| (s.to_owned(), n.span)))
            .collect(),
        _ => Vec::new(),
    }
}

/// Kustomize fetches these (git repositories, HTTP URLs); daemonlint never does.
pub fn is_remote(resource: &str) -> bool {
    resource.contains("://")
        || resource.starts_with("git@")
        || resource.starts_with("github.com/")
        || resource.contains("?ref=")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_git_refs_are_remote() {
        assert!(is_remote("https://github.com/org/repo//deploy?ref=v1"));
        assert!(is_remote("github.com/org/repo/deploy?ref=v1"));
        assert!(!is_remote("../../base"));
        assert!(!is_remote("daemonset.yaml"));
    }
}

//! From a place in kustomize's output back to the file and line that wrote it: the patch
//! that set the field (last one wins), else a transformer field of the kustomization
//! (`images:`, `namespace:`, `labels:`...), else the resource file in the base.

use std::path::{Path, PathBuf};

use crate::source::Span;
use crate::yaml::{Node, ParseLimits, Value, parse_stream};

use super::Files;
use super::kustomization::{Kustomization, PatchRef};
use super::kustomize::Provenance;
use super::path::{self, Segment, YamlPath};

/// Where a rendered value was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub file: PathBuf,
    pub span: Span,
    /// Other places worth showing (the values.yaml keys behind a template line).
    pub related: Vec<(PathBuf, Span, String)>,
}

/// One rendered object's facts: its kind and name, and where it came from.
pub struct Object<'a> {
    pub kind: Option<&'a str>,
    pub name: Option<&'a str>,
    pub provenance: &'a Provenance,
    /// Whether the finding is on a value (a scalar other than a merge key): a patch or a
    /// transformer set it. A finding on a block (a missing field) belongs to the base that
    /// defines the block, when it does.
    pub on_value: bool,
}

/// Locates `target` (a path in the rendered object) in the sources.
pub fn locate(object: &Object<'_>, target: &YamlPath, files: &Files) -> Option<Located> {
    if !object.on_value
        && let Some(found) = in_resource(object, target, files, true)
    {
        return Some(found);
    }
    let Some(mut found) = changed_by(object, target, files) else {
        return in_resource(object, target, files, false);
    };
    // The base's own value, when it writes one, is what the overlay changed: worth a look.
    if let Some(base) = in_resource(object, target, files, true)
        && base.file != found.file
    {
        found.related.push((
            base.file,
            base.span,
            "the base's value, which this overrides".into(),
        ));
    }
    Some(found)
}

/// The last transformation (patch or transformer field) that wrote `target`.
fn changed_by(object: &Object<'_>, target: &YamlPath, files: &Files) -> Option<Located> {
    let mut found = None;
    let mut patched: Vec<&Path> = Vec::new();
    for (file, transformer) in &object.provenance.transformations {
        let Some(k) = files.kustomization(file) else {
            continue;
        };
        let hit = if transformer == "PatchTransformer" {
            if patched.contains(&file.as_path()) {
                continue;
            }
            patched.push(file);
            in_patches(k, object, target, files)
        } else {
            in_field(k, transformer, target)
        };
        if hit.is_some() {
            found = hit;
        }
    }
    found
}

fn located(file: &Path, span: Span) -> Located {
    Located {
        file: file.to_path_buf(),
        span,
        related: Vec::new(),
    }
}

/// The last patch of `k` that writes `target`.
fn in_patches(
    k: &Kustomization,
    object: &Object<'_>,
    target: &YamlPath,
    files: &Files,
) -> Option<Located> {
    let mut found = None;
    for patch in &k.patches {
        let hit = match patch {
            PatchRef::File(file) => files
                .parsed(file)
                .and_then(|p| in_patch_docs(&p.documents, object, target))
                .map(|span| located(file, span)),
            PatchRef::Inline { text, span } => {
                let docs = parse_stream(text, ParseLimits::default()).documents;
                in_patch_docs(&docs, object, target).map(|_| located(&k.file, *span))
            }
        };
        if hit.is_some() {
            found = hit;
        }
    }
    found
}

fn in_patch_docs(docs: &[Node], object: &Object<'_>, target: &YamlPath) -> Option<Span> {
    docs.iter().rev().find_map(|doc| match &doc.value {
        Value::Seq(ops) => in_json6902(ops, target),
        Value::Map(_) if same_kind(doc, object) => path::lookup(doc, target),
        _ => None,
    })
}

fn same_kind(doc: &Node, object: &Object<'_>) -> bool {
    doc.get("kind")
        .and_then(Node::as_str)
        .is_none_or(|k| Some(k) == object.kind)
}

/// The JSON 6902 operation that wrote `target` or a place above it.
fn in_json6902(ops: &[Node], target: &YamlPath) -> Option<Span> {
    let mut found = None;
    for op in ops {
        let Some(pointer) = op.get("path").and_then(Node::as_str) else {
            continue;
        };
        let pointer = path::from_pointer(pointer);
        if !path::pointer_prefix_of(&pointer, target) {
            continue;
        }
        let rest = &target[pointer.len()..];
        let span = match op.entry("value") {
            Some(value) if rest.is_empty() => Some(value.value.span),
            Some(value) => path::lookup(&value.value, rest),
            None => op.get("path").map(|p| p.span),
        };
        if span.is_some() {
            found = span;
        }
    }
    found
}

/// The kustomization field behind a transformer's change to `target`.
fn in_field(k: &Kustomization, transformer: &str, target: &YamlPath) -> Option<Located> {
    let keys: Vec<&str> = target
        .iter()
        .filter_map(|s| match s {
            Segment::Key(k) => Some(k.as_str()),
            Segment::Item { .. } => None,
        })
        .collect();
    let span = match transformer {
        "ImageTagTransformer" if keys.last() == Some(&"image") => image_field(k),
        "NamespaceTransformer" if keys == ["metadata", "namespace"] => {
            k.field("namespace").map(|n| n.span)
        }
        "PrefixSuffixTransformer" if keys == ["metadata", "name"] => k
            .field("namePrefix")
            .or_else(|| k.field("nameSuffix"))
            .map(|n| n.span),
        "LabelTransformer" if keys.contains(&"labels") || keys.contains(&"matchLabels") => {
            label_field(k, keys.last().copied().unwrap_or_default())
        }
        "AnnotationsTransformer" if keys.contains(&"annotations") => {
            let key = keys.last().copied().unwrap_or_default();
            k.field("commonAnnotations")
                .and_then(|a| a.entry(key))
                .map(|e| e.value.span)
        }
        _ => None,
    }?;
    Some(located(&k.file, span))
}

/// The `images:` entry's new tag, name or digest: what the rendered image took from it.
fn image_field(k: &Kustomization) -> Option<Span> {
    let Value::Seq(items) = &k.field("images")?.value else {
        return None;
    };
    items.iter().rev().find_map(|item| {
        ["newTag", "digest", "newName"]
            .iter()
            .find_map(|key| item.get(key).map(|n| n.span))
    })
}

fn label_field(k: &Kustomization, label: &str) -> Option<Span> {
    if let Some(Value::Seq(groups)) = k.field("labels").map(|n| &n.value) {
        for group in groups {
            if let Some(entry) = group.get("pairs").and_then(|p| p.entry(label)) {
                return Some(entry.value.span);
            }
        }
    }
    k.field("commonLabels")
        .and_then(|l| l.entry(label))
        .map(|e| e.value.span)
}

/// The resource file the object came from: the exact place, or the nearest place above it
/// that the file writes (a missing field is reported where its parent is written).
fn in_resource(
    object: &Object<'_>,
    target: &YamlPath,
    files: &Files,
    exact: bool,
) -> Option<Located> {
    let file = object.provenance.origin.as_ref()?;
    let parsed = files.parsed(file)?;
    let docs = &parsed.documents;
    let doc = docs
        .iter()
        .filter(|d| same_kind(d, object))
        .find(|d| {
            object.name.is_none_or(|name| {
                d.get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(Node::as_str)
                    .is_none_or(|n| name.contains(n))
            })
        })
        .or_else(|| docs.first())?;
    let (span, matched) = path::lookup_prefix(doc, target);
    if exact && matched < target.len() {
        return None;
    }
    let span = span.or_else(|| doc.entry("kind").map(|e| e.key_span))?;
    Some(located(file, span))
}

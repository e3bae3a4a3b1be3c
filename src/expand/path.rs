//! YAML paths: where a node sits in a document, and the same place looked up in another file.
//! Kustomize re-serialises what it renders (sorted keys, new indentation), so rendered lines
//! never match the sources; the path is what survives.

use crate::source::Span;
use crate::yaml::{Node, Value};

/// One step into a document. List items carry their `name` as well as their index, since a
/// strategic-merge patch finds containers by name while a JSON 6902 patch counts them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Item { index: usize, name: Option<String> },
}

pub type YamlPath = Vec<Segment>;

/// The path of the deepest node at `offset`. A key is a place of its own: a finding on
/// `privileged:` means that entry.
pub fn path_at(root: &Node, offset: u32) -> YamlPath {
    let mut path = Vec::new();
    let mut node = root;
    loop {
        match &node.value {
            Value::Map(entries) => {
                let Some(entry) = entries
                    .iter()
                    .find(|e| contains(e.key_span, offset) || contains(e.value.span, offset))
                else {
                    return path;
                };
                path.push(Segment::Key(entry.key.clone()));
                if contains(entry.key_span, offset) {
                    return path;
                }
                node = &entry.value;
            }
            Value::Seq(items) => {
                let Some((index, item)) = items
                    .iter()
                    .enumerate()
                    .find(|(_, n)| contains(n.span, offset))
                else {
                    return path;
                };
                path.push(Segment::Item {
                    index,
                    name: item.get("name").and_then(Node::as_str).map(str::to_owned),
                });
                node = item;
            }
            _ => return path,
        }
    }
}

fn contains(span: Span, offset: u32) -> bool {
    span.start <= offset && (offset < span.end || span.is_empty() && offset == span.start)
}

/// Where `path` is written in `root`: the value's span for a scalar, the key's for a mapping
/// or list (a code frame over a whole block says less than its first line). `None` when the
/// file does not write that exact place.
pub fn lookup(root: &Node, path: &[Segment]) -> Option<Span> {
    let (span, matched) = lookup_prefix(root, path);
    (matched == path.len()).then_some(span?)
}

/// The longest prefix of `path` that `root` writes: its span and how many segments matched.
pub fn lookup_prefix(root: &Node, path: &[Segment]) -> (Option<Span>, usize) {
    let mut node = root;
    let mut best = None;
    for (depth, segment) in path.iter().enumerate() {
        let next = match (segment, &node.value) {
            (Segment::Key(key), Value::Map(_)) => node.entry(key).map(|e| {
                let span = if is_collection(&e.value) {
                    e.key_span
                } else {
                    e.value.span
                };
                (&e.value, span)
            }),
            (Segment::Item { index, name }, Value::Seq(items)) => {
                find_item(items, *index, name.as_deref()).map(|n| (n, first_line(n)))
            }
            _ => None,
        };
        match next {
            Some((child, span)) => {
                best = Some(span);
                node = child;
            }
            None => return (best, depth),
        }
    }
    (best, path.len())
}

/// Whether `path` in `root` is a value someone set: a scalar that is not a list item's `name`
/// (the key strategic-merge patches find containers by).
pub fn is_value(root: &Node, path: &[Segment]) -> bool {
    if matches!(path.last(), Some(Segment::Key(k)) if k == "name")
        && matches!(path.iter().rev().nth(1), Some(Segment::Item { .. }))
    {
        return false;
    }
    let mut node = root;
    for segment in path {
        let next = match (segment, &node.value) {
            (Segment::Key(key), Value::Map(_)) => node.get(key),
            (Segment::Item { index, name }, Value::Seq(items)) => {
                find_item(items, *index, name.as_deref())
            }
            _ => None,
        };
        match next {
            Some(child) => node = child,
            None => return false,
        }
    }
    !is_collection(node)
}

fn find_item<'a>(items: &'a [Node], index: usize, name: Option<&str>) -> Option<&'a Node> {
    match name {
        Some(name) => items
            .iter()
            .find(|n| n.get("name").and_then(Node::as_str) == Some(name)),
        None => items.get(index),
    }
}

fn is_collection(node: &Node) -> bool {
    matches!(node.value, Value::Map(_) | Value::Seq(_))
}

/// A list item's first entry, so the frame shows `- name: agent` rather than the whole item.
fn first_line(node: &Node) -> Span {
    match &node.value {
        Value::Map(entries) => entries.first().map_or(node.span, |e| e.key_span),
        _ => node.span,
    }
}

/// The path a JSON pointer (`/spec/template/spec/containers/0/image`) names. Numbers are list
/// indices; `~1` and `~0` are the escapes for `/` and `~`.
pub fn from_pointer(pointer: &str) -> YamlPath {
    pointer
        .split('/')
        .skip(1)
        .map(|raw| {
            let part = raw.replace("~1", "/").replace("~0", "~");
            match part.parse::<usize>() {
                Ok(index) => Segment::Item { index, name: None },
                Err(_) => Segment::Key(part),
            }
        })
        .collect()
}

/// Whether a pointer path (indices only) names the same place as a rendered path (which
/// knows both index and name) for its whole length.
pub fn pointer_prefix_of(pointer: &[Segment], path: &[Segment]) -> bool {
    pointer.len() <= path.len()
        && pointer.iter().zip(path).all(|(p, q)| match (p, q) {
            (Segment::Key(a), Segment::Key(b)) => a == b,
            (Segment::Item { index: a, .. }, Segment::Item { index: b, .. }) => a == b,
            (Segment::Key(a), Segment::Item { index, .. }) => a == "-" || *a == index.to_string(),
            _ => false,
        })
}

/// Dotted form for messages and values lookups: `spec.containers[agent].image`.
pub fn display(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Item { name: Some(n), .. } => out.push_str(&format!("[{n}]")),
            Segment::Item { index, .. } => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{ParseLimits, parse_stream};

    fn doc(text: &str) -> Node {
        parse_stream(text, ParseLimits::default())
            .documents
            .into_iter()
            .next()
            .unwrap_or(Node {
                span: Span::default(),
                value: Value::Null,
            })
    }

    const RENDERED: &str = "spec:\n  containers:\n  - image: a:1\n    name: agent\n";

    #[test]
    fn path_at_names_list_items() {
        let root = doc(RENDERED);
        let at = RENDERED.find("a:1").unwrap_or(0) as u32;
        assert_eq!(display(&path_at(&root, at)), "spec.containers[agent].image");
    }

    #[test]
    fn lookup_finds_items_by_name_in_another_order() {
        let patch =
            "spec:\n  containers:\n    - name: other\n    - name: agent\n      image: b:2\n";
        let rendered = doc(RENDERED);
        let at = RENDERED.find("a:1").unwrap_or(0) as u32;
        let path = path_at(&rendered, at);
        let span = lookup(&doc(patch), &path);
        assert_eq!(
            span.map(|s| &patch[s.start as usize..s.end as usize]),
            Some("b:2")
        );
    }

    #[test]
    fn pointers_match_by_index() {
        let pointer = from_pointer("/spec/containers/0");
        let root = doc(RENDERED);
        let path = path_at(&root, RENDERED.find("a:1").unwrap_or(0) as u32);
        assert!(pointer_prefix_of(&pointer, &path));
        assert!(!pointer_prefix_of(
            &from_pointer("/spec/containers/1"),
            &path
        ));
    }
}

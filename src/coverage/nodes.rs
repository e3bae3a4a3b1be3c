//! Node objects as `kubectl get nodes -o yaml` (or `-o json`) prints them, read with the same
//! spanned YAML reader as manifests so every complaint can name a file and line.

use std::collections::BTreeMap;

use super::requests::quantity_map;
use crate::model::taint::Taint;
use crate::model::{Problem, Quantity, Reader};
use crate::rules::ds702_unconstrained_gpu_agent::is_gpu_resource;
use crate::source::SourceFile;
use crate::yaml::{Node as Yaml, ParseLimits, Value, parse_stream};

/// What the placement decision needs to know about one node.
#[derive(Debug)]
pub struct Node {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// Only taints with a known effect; the others were reported when read.
    pub taints: Vec<Taint>,
    pub unschedulable: bool,
    /// `status.allocatable`; `None` when the object has no status, so fit is not judged.
    pub allocatable: Option<BTreeMap<String, Quantity>>,
    /// A GPU device plugin resource is allocatable or in `status.capacity` (a node whose
    /// plugin is down still has the GPU).
    pub gpu: bool,
    /// The container runtime, from `status.nodeInfo.containerRuntimeVersion`
    /// (`containerd://1.7.2` is `containerd`).
    pub runtime: Option<String>,
}

/// The nodes of one file, and what was wrong with it, as `file:line: message`.
#[derive(Default)]
pub struct Loaded {
    pub nodes: Vec<Node>,
    pub warnings: Vec<String>,
}

const EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// Reads every Node of a file. kubectl's List is cut into its items, which are read in
/// parallel: one large document is the slowest thing to parse, and a cluster's node list is
/// exactly that.
pub fn load(file: &SourceFile) -> Loaded {
    if let Some(items) = split_list(&file.text)
        && let Some(loaded) = load_items(file, items)
    {
        return loaded;
    }
    let (mut loaded, kinds, error) = load_text(&Text { file, skipped: 0 });
    if let Some(message) = error {
        loaded.warnings.insert(0, message);
    } else if loaded.nodes.is_empty() {
        let found = if kinds.is_empty() {
            "no Kubernetes objects".to_owned()
        } else {
            format!("only {}", kinds.join(", "))
        };
        loaded.warnings.push(format!(
            "{}:1: holds no Node objects ({found}); give the output of `kubectl get nodes -o yaml`",
            file.name
        ));
    }
    loaded
}

/// The nodes of one text, the kinds of the other objects, and the syntax error if any.
fn load_text(source: &Text) -> (Loaded, Vec<String>, Option<String>) {
    let mut loaded = Loaded::default();
    let outcome = parse_stream(&source.file.text, ParseLimits::default());
    let error = outcome
        .error
        .as_ref()
        .map(|e| at(source, e.span.start, &e.message));
    let mut kinds: Vec<String> = Vec::new();
    for doc in &outcome.documents {
        for object in objects(doc) {
            match object.get("kind").and_then(Yaml::as_str) {
                Some("Node") => read_node(object, source, &mut loaded),
                Some(other) if !kinds.iter().any(|k| k == other) => kinds.push(other.to_owned()),
                _ => {}
            }
        }
    }
    (loaded, kinds, error)
}

/// The items of a List as kubectl prints it (`items:` at the top, each item starting with
/// `- ` in the first column), each with its first line's index and dedented by two columns.
/// `None` for anything else, which is then read as a whole.
fn split_list(text: &str) -> Option<Vec<(usize, String)>> {
    let mut items: Vec<(usize, String)> = Vec::new();
    let mut in_items = false;
    let mut is_list = false;
    for (n, line) in text.lines().enumerate() {
        if in_items {
            if let Some(rest) = line.strip_prefix("- ") {
                items.push((n, format!("{rest}\n")));
                continue;
            }
            if line.starts_with("  ") || line.trim().is_empty() {
                let item = &mut items.last_mut()?.1;
                item.push_str(line.get(2..).unwrap_or_default());
                item.push('\n');
                continue;
            }
            in_items = false;
        }
        match line {
            "items:" => in_items = true,
            "kind: List" | "kind: NodeList" => is_list = true,
            _ if line.starts_with([' ', '#']) || line.is_empty() => {}
            // Only plain top-level keys may surround the items; anything else (a second
            // document, flow style, a scalar running on at column 0) is read as a whole.
            _ if is_plain_key(line) => {}
            _ => return None,
        }
    }
    (is_list && items.len() > 1).then_some(items)
}

fn is_plain_key(line: &str) -> bool {
    line.split_once(':').is_some_and(|(key, rest)| {
        !key.is_empty()
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && (rest.is_empty() || rest.starts_with(' '))
    })
}

/// Reads the items on every core; `None` if one does not parse on its own, so the file is
/// read as a whole and the error reported where it is.
fn load_items(file: &SourceFile, items: Vec<(usize, String)>) -> Option<Loaded> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = items.len().div_ceil(threads);
    let mut parts = Vec::with_capacity(threads);
    let mut rest = items;
    while !rest.is_empty() {
        let tail = rest.split_off(rest.len().min(per_thread));
        parts.push(rest);
        rest = tail;
    }
    let results: Vec<Option<Loaded>> = std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || load_chunk(file, part)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().ok().flatten())
            .collect()
    });
    let mut loaded = Loaded::default();
    for part in results {
        let part = part?;
        loaded.nodes.extend(part.nodes);
        loaded.warnings.extend(part.warnings);
    }
    Some(loaded)
}

fn load_chunk(file: &SourceFile, items: Vec<(usize, String)>) -> Option<Loaded> {
    let mut loaded = Loaded::default();
    for (skipped, text) in items {
        let item = SourceFile::new(file.name.clone(), text);
        let (part, _, error) = load_text(&Text {
            file: &item,
            skipped,
        });
        if error.is_some() {
            return None;
        }
        loaded.nodes.extend(part.nodes);
        loaded.warnings.extend(part.warnings);
    }
    Some(loaded)
}

/// The objects of a document: the items of a `List` (or `NodeList`), else the document.
pub(super) fn objects(doc: &Yaml) -> Vec<&Yaml> {
    let is_list = doc
        .get("kind")
        .and_then(Yaml::as_str)
        .is_some_and(|k| k.ends_with("List"));
    match doc.get("items").map(|i| &i.value) {
        Some(Value::Seq(items)) if is_list => items.iter().collect(),
        _ => vec![doc],
    }
}

/// A text to read nodes from: a whole file, or one item of a List cut out of it.
struct Text<'a> {
    file: &'a SourceFile,
    /// Lines of the real file before this text.
    skipped: usize,
}

fn at(source: &Text, offset: u32, message: &str) -> String {
    format!(
        "{}:{}: {message}",
        source.file.name,
        source.file.position(offset).line + source.skipped
    )
}

fn read_node(object: &Yaml, source: &Text, loaded: &mut Loaded) {
    let mut problems: Vec<Problem> = Vec::new();
    let mut r = Reader {
        problems: &mut problems,
    };
    let meta = r.map(object, "metadata").map(|e| &e.value);
    let Some(name) = meta.and_then(|m| r.string(m, "name")) else {
        loaded.warnings.push(at(
            source,
            object.span.start,
            "a Node without `metadata.name` is skipped",
        ));
        return;
    };
    let name = name.value;
    let labels: BTreeMap<String, String> = meta
        .map(|m| r.string_map(m, "labels"))
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.value)
        .collect();
    let mut warnings = Vec::new();
    if labels.is_empty() {
        warnings.push(at(
            source,
            object.span.start,
            &format!(
                "node `{name}` has no labels: only NotIn and DoesNotExist requirements match it"
            ),
        ));
    }
    let spec = r.map(object, "spec").map(|e| &e.value);
    let taints = spec.map_or_else(Vec::new, |s| {
        read_taints(s, &name, source, &mut r, &mut warnings)
    });
    let unschedulable = spec
        .and_then(|s| r.boolean(s, "unschedulable"))
        .is_some_and(|u| u.value);
    let status = r.map(object, "status").map(|e| &e.value);
    let listed = status.and_then(|s| r.map(s, "allocatable"));
    let capacity = status.and_then(|s| r.map(s, "capacity"));
    let gpu = [listed, capacity]
        .into_iter()
        .flatten()
        .any(|e| has_gpu(&e.value));
    let runtime = status
        .and_then(|s| r.map(s, "nodeInfo"))
        .and_then(|info| r.string(&info.value, "containerRuntimeVersion"))
        .and_then(|v| Some(v.value.split_once("://")?.0.to_lowercase()));
    let allocatable = match listed {
        Some(entry) => Some(read_quantities(&entry.value, &name, source, &mut warnings)),
        None => {
            warnings.push(at(
                source,
                object.span.start,
                &format!(
                    "node `{name}` has no `status.allocatable`: resources and pod count are not checked there"
                ),
            ));
            None
        }
    };
    for p in problems {
        warnings.push(at(
            source,
            p.span.start,
            &format!("node `{name}`: {}", p.message),
        ));
    }
    loaded.warnings.extend(warnings);
    loaded.nodes.push(Node {
        name,
        labels,
        taints,
        unschedulable,
        allocatable,
        gpu,
        runtime,
    });
}

fn read_taints(
    spec: &Yaml,
    name: &str,
    source: &Text,
    r: &mut Reader,
    warnings: &mut Vec<String>,
) -> Vec<Taint> {
    let mut taints = Vec::new();
    for item in r.maps(spec, "taints") {
        let key = r.string(item, "key").map(|k| k.value).unwrap_or_default();
        let value = r.string(item, "value").map(|v| v.value).unwrap_or_default();
        let effect = r
            .string(item, "effect")
            .map(|e| e.value)
            .unwrap_or_default();
        let problem = if key.is_empty() {
            Some("has no `key`".to_owned())
        } else if !EFFECTS.contains(&effect.as_str()) {
            Some(format!(
                "has an unknown effect `{effect}` (NoSchedule, PreferNoSchedule or NoExecute)"
            ))
        } else {
            None
        };
        match problem {
            Some(problem) => warnings.push(at(
                source,
                item.span.start,
                &format!("a taint of node `{name}` {problem}; it is ignored"),
            )),
            None => taints.push(Taint { key, value, effect }),
        }
    }
    taints
}

/// A GPU resource with a non-zero quantity.
fn has_gpu(map: &Yaml) -> bool {
    let Value::Map(entries) = &map.value else {
        return false;
    };
    entries.iter().any(|e| {
        let zero = match &e.value.value {
            Value::Str(s) => Quantity::parse(s.trim()).map_or(true, |q| q.is_zero()),
            Value::Int(i) => *i == 0,
            _ => true,
        };
        is_gpu_resource(&e.key) && !zero
    })
}

fn read_quantities(
    map: &Yaml,
    name: &str,
    source: &Text,
    warnings: &mut Vec<String>,
) -> BTreeMap<String, Quantity> {
    quantity_map(map, |offset, resource, err| {
        warnings.push(at(
            source,
            offset,
            &format!("node `{name}`: allocatable `{resource}` {err}; that resource is not checked"),
        ));
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Loaded {
        load(&SourceFile::new("nodes.yaml".into(), text.into()))
    }

    #[test]
    fn reads_a_list_and_reports_bad_taints_with_their_line() {
        let loaded = read(
            "kind: List\nitems:\n- kind: Node\n  metadata: {name: a, labels: {x: z}}\n  spec:\n    taints:\n    - {key: k, effect: NoSchedule}\n    - {key: k, effect: NoExcute}\n  status: {allocatable: {cpu: '2', memory: 4Gi, pods: 110}}\n",
        );
        assert_eq!(loaded.nodes.len(), 1);
        let node = &loaded.nodes[0];
        assert_eq!(node.taints.len(), 1);
        assert_eq!(
            node.allocatable
                .as_ref()
                .and_then(|a| a.get("pods"))
                .copied(),
            Quantity::parse("110").ok()
        );
        assert_eq!(loaded.warnings.len(), 1);
        assert!(
            loaded.warnings[0]
                .starts_with("nodes.yaml:8: a taint of node `a` has an unknown effect `NoExcute`"),
            "{:?}",
            loaded.warnings
        );
    }

    #[test]
    fn a_kubectl_list_is_cut_into_items_and_keeps_its_lines() {
        let text = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata:\n    name: a\n    labels: {x: z}\n- apiVersion: v1\n  kind: Node\n  metadata:\n    name: b\n  spec:\n    taints:\n    - key: k\n      effect: Bogus\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";
        let items = split_list(text).map(|i| i.len());
        assert_eq!(items, Some(2));
        let loaded = read(text);
        let names: Vec<_> = loaded.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, vec!["a", "b"]);
        assert!(
            loaded
                .warnings
                .iter()
                .any(|w| w.starts_with("nodes.yaml:14: a taint of node `b`")),
            "{:?}",
            loaded.warnings
        );
        // A scalar running on at column 0 inside the items: read as a whole instead.
        assert_eq!(
            split_list("kind: List\nitems:\n- a: \"x\ny\"\n- b: 1\n"),
            None
        );
    }

    #[test]
    fn a_file_without_nodes_says_what_it_holds() {
        let loaded = read("kind: DaemonSet\nmetadata: {name: a}\n");
        assert!(loaded.nodes.is_empty());
        assert_eq!(
            loaded.warnings,
            vec![
                "nodes.yaml:1: holds no Node objects (only DaemonSet); give the output of `kubectl get nodes -o yaml`"
            ]
        );
    }

    #[test]
    fn json_is_read_too() {
        let loaded = read(
            r#"{"apiVersion":"v1","kind":"NodeList","items":[{"kind":"Node","metadata":{"name":"n1","labels":{"a":"b"}},"status":{"allocatable":{"cpu":"4"}}}]}"#,
        );
        assert_eq!(loaded.nodes.len(), 1);
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    }
}

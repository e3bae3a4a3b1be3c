//! Builds node trees from saphyr's event stream. Iterative, so nesting depth costs heap, not
//! stack; aliases are expanded against a budget so an alias bomb fails fast instead of
//! exhausting memory.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};

use super::resolve::{key_string, resolve_plain};
use super::tree::{Entry, Node, Value};
use crate::source::Span;

#[derive(Clone, Copy, Debug)]
pub struct ParseLimits {
    /// Deepest nesting of collections accepted. Kubernetes objects stay far below this.
    pub max_depth: usize,
    /// Nodes that alias expansion may add to one stream.
    pub max_alias_nodes: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_depth: 200,
            max_alias_nodes: 1_000_000,
        }
    }
}

#[derive(Debug)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
    /// Where the other half of the problem is, for duplicate keys.
    pub related: Option<Span>,
}

/// The documents of a stream, and the error that stopped reading it, if any. Documents read
/// before an error are kept.
#[derive(Debug, Default)]
pub struct ParseOutcome {
    pub documents: Vec<Node>,
    pub error: Option<SyntaxError>,
    /// Keys given twice in one mapping; reading goes on with the later value, as JSON
    /// decoding does, but strict field validation rejects the object.
    pub duplicate_keys: Vec<SyntaxError>,
}

enum Frame {
    Seq {
        start: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Span,
        anchor: usize,
        entries: Vec<Entry>,
        /// Key waiting for its value; the flag marks a merge key (`<<`).
        key: Option<(String, Span, bool)>,
        merges: Vec<Node>,
        index: KeyIndex,
    },
}

/// Finds earlier keys of a mapping: a linear scan while small, a hash map once large, so a
/// hostile mapping with many keys stays linear overall.
#[derive(Default)]
struct KeyIndex {
    map: Option<HashMap<String, usize>>,
}

impl KeyIndex {
    const LINEAR: usize = 32;

    fn find(&self, entries: &[Entry], key: &str) -> Option<usize> {
        match &self.map {
            Some(map) => map.get(key).copied(),
            None => entries.iter().position(|e| e.key == key),
        }
    }

    /// Records the entry just pushed as the last of `entries`.
    fn push(&mut self, entries: &[Entry]) {
        let last = entries.len() - 1;
        match &mut self.map {
            Some(map) => {
                map.insert(entries[last].key.clone(), last);
            }
            None if entries.len() > Self::LINEAR => {
                let map = entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (e.key.clone(), i))
                    .collect();
                self.map = Some(map);
            }
            None => {}
        }
    }
}

/// Converts saphyr's character offsets to byte offsets.
struct Offsets {
    table: Option<Vec<u32>>,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        if text.is_ascii() {
            return Offsets { table: None };
        }
        let mut table: Vec<u32> = text.char_indices().map(|(i, _)| i as u32).collect();
        table.push(text.len() as u32);
        Offsets { table: Some(table) }
    }

    fn byte(&self, m: &Marker) -> usize {
        match &self.table {
            None => m.index(),
            Some(t) => t.get(m.index()).copied().unwrap_or(*t.last().unwrap_or(&0)) as usize,
        }
    }

    fn span(&self, s: &saphyr_parser::Span) -> Span {
        Span::new(self.byte(&s.start), self.byte(&s.end))
    }
}

struct Builder {
    limits: ParseLimits,
    offsets: Offsets,
    stack: Vec<Frame>,
    anchors: Vec<Option<(Node, usize)>>,
    alias_nodes: usize,
    root: Option<Node>,
    duplicates: Vec<SyntaxError>,
}

/// Parses once. On an error inside a flow collection, also returns where the outermost open
/// flow collection starts, which the indentation repair needs.
pub(super) fn parse_once(text: &str, limits: ParseLimits) -> (ParseOutcome, Option<usize>) {
    let mut b = Builder {
        limits,
        offsets: Offsets::new(text),
        stack: Vec::new(),
        anchors: Vec::new(),
        alias_nodes: 0,
        root: None,
        duplicates: Vec::new(),
    };
    let mut out = ParseOutcome::default();
    let mut doc_start = Span::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = match event {
            Ok((e, s)) => (e, b.offsets.span(&s)),
            Err(e) => {
                let at = b.offsets.byte(e.marker());
                out.error = Some(SyntaxError {
                    message: e.info().to_owned(),
                    span: Span::new(at, at),
                    related: None,
                });
                let flow_start = b.stack.iter().find_map(|f| match f {
                    Frame::Seq { start, .. } | Frame::Map { start, .. } if !start.is_empty() => {
                        Some(start.start as usize)
                    }
                    _ => None,
                });
                out.duplicate_keys = b.duplicates;
                return (out, flow_start);
            }
        };
        let step = match event {
            Event::DocumentStart(_) => {
                doc_start = span;
                b.anchors.clear();
                b.root = None;
                Ok(())
            }
            Event::DocumentEnd => {
                out.documents.push(b.root.take().unwrap_or(Node {
                    span: Span::new(doc_start.start as usize, doc_start.start as usize),
                    value: Value::Null,
                }));
                Ok(())
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar_value(&text, style, tag.as_deref());
                let merge_key = style == ScalarStyle::Plain && tag.is_none() && text == "<<";
                b.complete(Node { span, value }, anchor, &text, merge_key)
            }
            Event::Alias(id) => b.alias(id, span),
            Event::SequenceStart(anchor, _) => b.open(Frame::Seq {
                start: span,
                anchor,
                items: Vec::new(),
            }),
            Event::MappingStart(anchor, _) => b.open(Frame::Map {
                start: span,
                anchor,
                entries: Vec::new(),
                key: None,
                merges: Vec::new(),
                index: KeyIndex::default(),
            }),
            Event::SequenceEnd | Event::MappingEnd => b.close(span),
            Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(()),
        };
        if let Err(error) = step {
            out.error = Some(error);
            break;
        }
    }
    out.duplicate_keys = b.duplicates;
    (out, None)
}

fn scalar_value(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag {
        if tag.is_yaml_core_schema() && tag.suffix == "str" {
            return Value::Str(text.to_owned());
        }
        if !tag.is_yaml_core_schema() || tag.suffix == "binary" {
            return Value::Str(text.to_owned());
        }
        return resolve_plain(text);
    }
    match style {
        ScalarStyle::Plain => resolve_plain(text),
        _ => Value::Str(text.to_owned()),
    }
}

impl Builder {
    fn open(&mut self, frame: Frame) -> Result<(), SyntaxError> {
        if self.stack.len() >= self.limits.max_depth {
            let start = match &frame {
                Frame::Seq { start, .. } | Frame::Map { start, .. } => *start,
            };
            return Err(SyntaxError {
                message: format!(
                    "nesting deeper than {} levels; no Kubernetes object needs this",
                    self.limits.max_depth
                ),
                span: start,
                related: None,
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self, end: Span) -> Result<(), SyntaxError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (node, anchor) = match frame {
            Frame::Seq {
                start,
                anchor,
                items,
            } => {
                let last = items.last().map_or(end, |n| n.span);
                let node = Node {
                    span: start.to(last),
                    value: Value::Seq(items),
                };
                (node, anchor)
            }
            Frame::Map {
                start,
                anchor,
                mut entries,
                merges,
                ..
            } => {
                let last = entries.last().map_or(end, |e| e.value.span);
                for source in merges {
                    merge_into(&mut entries, source)?;
                }
                let node = Node {
                    span: start.to(last),
                    value: Value::Map(entries),
                };
                (node, anchor)
            }
        };
        self.complete(node, anchor, "", false)
    }

    fn alias(&mut self, id: usize, span: Span) -> Result<(), SyntaxError> {
        let Some(Some((node, size))) = self.anchors.get(id) else {
            return Err(SyntaxError {
                message: "alias names an anchor that is not defined".to_owned(),
                span,
                related: None,
            });
        };
        self.alias_nodes += size;
        if self.alias_nodes > self.limits.max_alias_nodes {
            return Err(SyntaxError {
                message: format!(
                    "aliases expand to more than {} nodes (an alias bomb?)",
                    self.limits.max_alias_nodes
                ),
                span,
                related: None,
            });
        }
        let node = node.clone();
        self.complete(node, 0, "", false)
    }

    /// Places a finished node into its parent (or as the document root).
    fn complete(
        &mut self,
        node: Node,
        anchor: usize,
        raw: &str,
        merge_key: bool,
    ) -> Result<(), SyntaxError> {
        if anchor > 0 {
            if self.anchors.len() <= anchor {
                self.anchors.resize(anchor + 1, None);
            }
            let size = node.size();
            self.anchors[anchor] = Some((node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                merges,
                index,
                ..
            }) => match key.take() {
                None => {
                    let text = match &node.value {
                        Value::Str(s) => s.clone(),
                        Value::Seq(_) | Value::Map(_) => {
                            return Err(SyntaxError {
                                message: "a collection used as a mapping key; Kubernetes only \
                                          accepts string keys"
                                    .to_owned(),
                                span: node.span,
                                related: None,
                            });
                        }
                        other => key_string(other, raw),
                    };
                    *key = Some((text, node.span, merge_key));
                }
                Some((_, _, true)) => merges.push(node),
                Some((text, key_span, false)) => {
                    let entry = Entry {
                        key: text,
                        key_span,
                        value: node,
                    };
                    match index.find(entries, &entry.key) {
                        Some(i) => {
                            self.duplicates.push(SyntaxError {
                                message: format!("duplicate key `{}`", entry.key),
                                span: key_span,
                                related: Some(entries[i].key_span),
                            });
                            entries[i] = entry;
                        }
                        None => {
                            entries.push(entry);
                            index.push(entries);
                        }
                    }
                }
            },
        }
        Ok(())
    }
}

/// Applies a merge key's value: keys already present win, and with a list of mappings the
/// earlier mapping wins, as YAML 1.1's merge type specifies.
fn merge_into(entries: &mut Vec<Entry>, source: Node) -> Result<(), SyntaxError> {
    let span = source.span;
    let maps = match source.value {
        Value::Map(m) => vec![m],
        Value::Seq(items) => {
            let mut maps = Vec::with_capacity(items.len());
            for item in items {
                match item.value {
                    Value::Map(m) => maps.push(m),
                    _ => return Err(merge_error(item.span)),
                }
            }
            maps
        }
        _ => return Err(merge_error(span)),
    };
    for map in maps {
        for entry in map {
            if !entries.iter().any(|e| e.key == entry.key) {
                entries.push(entry);
            }
        }
    }
    Ok(())
}

fn merge_error(span: Span) -> SyntaxError {
    SyntaxError {
        message: "a merge key (`<<`) needs a mapping or a list of mappings".to_owned(),
        span,
        related: None,
    }
}

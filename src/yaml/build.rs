//! Builds node trees from saphyr's event stream. Iterative, so nesting depth costs heap, not
//! stack. Every node copied for an anchor or an alias counts against one budget, so an alias
//! bomb of any shape fails fast instead of exhausting memory.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};

use super::resolve::{key_string, resolve_plain};
use super::tree::{Entry, Node, Value, move_span};
use crate::source::Span;

#[derive(Clone, Copy, Debug)]
pub struct ParseLimits {
    /// Deepest nesting of collections accepted. Kubernetes objects stay far below this.
    pub max_depth: usize,
    /// Nodes that anchors and aliases may copy in one stream.
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

#[derive(Clone, Debug)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
    /// Where the other half of the problem is, for duplicate keys.
    pub related: Option<Span>,
}

impl SyntaxError {
    /// Moves both spans by `by`, as [`Node::move_spans`] does.
    pub(super) fn move_spans(&mut self, by: &impl Fn(u32) -> Option<u32>) -> Option<()> {
        self.span = move_span(self.span, by)?;
        if let Some(related) = self.related {
            self.related = Some(move_span(related, by)?);
        }
        Some(())
    }
}

/// The documents of a stream, and the error that stopped reading it, if any. Documents read
/// before an error are kept.
#[derive(Debug, Default)]
pub struct ParseOutcome {
    pub documents: Vec<Node>,
    pub error: Option<SyntaxError>,
    /// Keys given twice in one mapping, each pointing at the earlier key, whose value is lost,
    /// with the later one as related. Reading goes on with the later value, as go-yaml does.
    pub duplicate_keys: Vec<SyntaxError>,
    /// Whether the stream uses anchors or aliases: a node may then stand in more than one
    /// place, so a part of it cannot be read again on its own.
    pub anchored: bool,
    /// Whether the text only parsed after the indentation repair.
    pub repaired: bool,
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
        /// Parallel to `entries`: whether the entry was written in this mapping (not merged).
        explicit: Vec<bool>,
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
    anchors: Vec<Option<Node>>,
    alias_nodes: usize,
    root: Option<Node>,
    duplicates: Vec<SyntaxError>,
}

/// Parses once, without the indentation repair.
pub(super) fn parse_once(text: &str, limits: ParseLimits) -> ParseOutcome {
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
                out.duplicate_keys = b.duplicates;
                return out;
            }
        };
        out.anchored |= match &event {
            Event::Alias(_) => true,
            Event::Scalar(_, _, anchor, _)
            | Event::SequenceStart(anchor, _)
            | Event::MappingStart(anchor, _) => *anchor > 0,
            _ => false,
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
                explicit: Vec::new(),
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
    out
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
                entries,
                ..
            } => {
                let last = entries.last().map_or(end, |e| e.value.span);
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
        let Some(Some(anchored)) = self.anchors.get(id) else {
            return Err(SyntaxError {
                message: "alias names an anchor that is not defined".to_owned(),
                span,
                related: None,
            });
        };
        let mut budget = self.limits.max_alias_nodes - self.alias_nodes;
        let copy = copy_within(anchored, &mut budget);
        self.alias_nodes = self.limits.max_alias_nodes - budget;
        let node = copy.ok_or_else(|| self.bomb(span))?;
        self.complete(node, 0, "", false)
    }

    fn bomb(&self, span: Span) -> SyntaxError {
        SyntaxError {
            message: format!(
                "anchors and aliases copy more than {} nodes (an alias bomb?)",
                self.limits.max_alias_nodes
            ),
            span,
            related: None,
        }
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
            // Nested anchors each keep a copy of their subtree, so the copies count too.
            let mut budget = self.limits.max_alias_nodes - self.alias_nodes;
            let copy = copy_within(&node, &mut budget);
            self.alias_nodes = self.limits.max_alias_nodes - budget;
            let at = Span::new(node.span.start as usize, node.span.start as usize);
            self.anchors[anchor] = Some(copy.ok_or_else(|| self.bomb(at))?);
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                explicit,
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
                Some((_, _, true)) => {
                    let mut map = MapBuild {
                        entries,
                        explicit,
                        index,
                    };
                    map.merge(node)?;
                }
                Some((text, key_span, false)) => {
                    let entry = Entry {
                        key: text,
                        key_span,
                        value: node,
                    };
                    let mut map = MapBuild {
                        entries,
                        explicit,
                        index,
                    };
                    if let Some((i, lost)) = map.set(entry, true) {
                        self.duplicates.push(SyntaxError {
                            message: format!("duplicate key `{}`", map.entries[i].key),
                            span: lost,
                            related: Some(key_span),
                        });
                    }
                }
            },
        }
        Ok(())
    }
}

/// The mapping being built, seen as go-yaml v2 fills a Go map: every key, written or merged,
/// is set in document order, and the last one set wins.
struct MapBuild<'m> {
    entries: &'m mut Vec<Entry>,
    explicit: &'m mut Vec<bool>,
    index: &'m mut KeyIndex,
}

impl MapBuild<'_> {
    /// Sets a key, keeping its first position. Returns the position and the span of the key it
    /// replaced when both were written in this mapping: a duplicate key.
    fn set(&mut self, entry: Entry, written: bool) -> Option<(usize, Span)> {
        match self.index.find(self.entries, &entry.key) {
            Some(i) => {
                let was_written = self.explicit[i];
                let lost = self.entries[i].key_span;
                self.entries[i] = entry;
                self.explicit[i] = written;
                (written && was_written).then_some((i, lost))
            }
            None => {
                self.entries.push(entry);
                self.explicit.push(written);
                self.index.push(self.entries);
                None
            }
        }
    }

    /// A merge key's value: its keys overwrite what came before and are overwritten by what
    /// comes after. In a list, earlier mappings win, since go-yaml v2 applies the list from
    /// its end.
    fn merge(&mut self, source: Node) -> Result<(), SyntaxError> {
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
            _ => return Err(merge_error(source.span)),
        };
        for map in maps.into_iter().rev() {
            for entry in map {
                self.set(entry, false);
            }
        }
        Ok(())
    }
}

/// Copies a node while `budget` lasts, counting every node copied; `None` once it runs out.
fn copy_within(node: &Node, budget: &mut usize) -> Option<Node> {
    *budget = budget.checked_sub(1)?;
    let value = match &node.value {
        Value::Seq(items) => Value::Seq(
            items
                .iter()
                .map(|n| copy_within(n, budget))
                .collect::<Option<_>>()?,
        ),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|e| {
                    Some(Entry {
                        key: e.key.clone(),
                        key_span: e.key_span,
                        value: copy_within(&e.value, budget)?,
                    })
                })
                .collect::<Option<_>>()?,
        ),
        other => other.clone(),
    };
    Some(Node {
        span: node.span,
        value,
    })
}

fn merge_error(span: Span) -> SyntaxError {
    SyntaxError {
        message: "a merge key (`<<`) needs a mapping or a list of mappings".to_owned(),
        span,
        related: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParseOutcome {
        parse_once(text, ParseLimits::default())
    }

    /// `key=value` pairs of the first document's `m`, in order, with integer values.
    fn pairs(text: &str) -> Vec<String> {
        let out = parse(text);
        assert!(out.error.is_none(), "{:?}", out.error);
        let Some(Value::Map(entries)) = out.documents[0].get("m").map(|n| &n.value) else {
            panic!("m is not a mapping");
        };
        entries
            .iter()
            .map(|e| match e.value.value {
                Value::Int(i) => format!("{}={i}", e.key),
                _ => format!("{}=?", e.key),
            })
            .collect()
    }

    const ANCHORS: &str = "a: &a {x: 1, p: 1}\nb: &b {x: 2, q: 2}\n";

    #[test]
    fn a_merge_after_a_key_overwrites_it() {
        assert_eq!(
            pairs(&format!("{ANCHORS}m: {{x: 9, <<: *a}}\n")),
            ["x=1", "p=1"]
        );
    }

    #[test]
    fn a_key_after_a_merge_overwrites_the_merged_value() {
        assert_eq!(
            pairs(&format!("{ANCHORS}m: {{<<: *a, x: 9}}\n")),
            ["x=9", "p=1"]
        );
    }

    #[test]
    fn in_a_merge_list_earlier_maps_win() {
        assert_eq!(
            pairs(&format!("{ANCHORS}m: {{<<: [*a, *b]}}\n")),
            ["x=1", "q=2", "p=1"]
        );
        assert_eq!(
            pairs(&format!("{ANCHORS}m: {{<<: [*b, *a]}}\n")),
            ["x=2", "p=1", "q=2"]
        );
    }

    #[test]
    fn merges_are_not_duplicates_but_written_keys_are() {
        let out = parse(&format!("{ANCHORS}m: {{x: 9, <<: *a, x: 8}}\n"));
        assert!(out.duplicate_keys.is_empty(), "{:?}", out.duplicate_keys);
        let out = parse("m: {x: 1, p: 2, x: 3}\n");
        let [dup] = &out.duplicate_keys[..] else {
            panic!("{:?}", out.duplicate_keys)
        };
        assert_eq!(dup.message, "duplicate key `x`");
        assert_eq!(
            (dup.span.start, dup.related.map(|r| r.start)),
            (4, Some(16))
        );
    }

    #[test]
    fn merge_of_a_scalar_is_an_error() {
        let out = parse("m: {<<: 1}\n");
        assert!(out.error.is_some_and(|e| e.message.contains("merge key")));
    }

    #[test]
    fn nested_anchors_count_against_the_budget() {
        let limits = ParseLimits {
            max_depth: 200,
            max_alias_nodes: 1_000,
        };
        let list = vec!["x"; 100].join(", ");
        let nested = format!("{}{list}{}\n", "&a [".repeat(5), "]".repeat(5));
        assert!(parse_once(&nested, limits).error.is_none());
        let deep = format!("{}{list}{}\n", "&a [".repeat(20), "]".repeat(20));
        let error = parse_once(&deep, limits).error.expect("over the budget");
        assert!(error.message.contains("alias bomb"), "{}", error.message);
    }
}

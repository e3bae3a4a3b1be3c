//! Text edits and the builders that compute them from spans. The builders read only the few
//! lines around a span (indentation, brackets, line endings), so a fix costs no re-parse; the
//! fix loop re-parses and re-lints the result before anything is written.

use super::{Change, Target, Value};
use crate::source::Span;

/// Replace the bytes of `span` with `content` (an insertion when the span is empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub content: String,
}

/// Applies sorted, non-overlapping edits.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in edits {
        let (start, end) = (e.span.start as usize, e.span.end as usize);
        out.push_str(&text[at..start]);
        out.push_str(&e.content);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

pub(super) fn build(text: &str, change: &Change) -> Option<Edit> {
    let t = Text::new(text);
    match change {
        Change::Replace { span, content } => t.replace(*span, content),
        Change::Insert { into, key, value } => t.insert(*into, key, value),
        Change::Remove { entry } => t.remove(*entry),
        Change::AddItem { after, item } => t.add_item(*after, item),
    }
}

/// Spaces a nested block is indented by, relative to its parent.
const STEP: usize = 2;

struct Text<'a> {
    s: &'a str,
    b: &'a [u8],
}

/// Where the entries of a mapping go.
enum MapAt {
    /// `{...}` opening at this offset.
    Flow(usize),
    /// Block entries at this column; the first starts at `first`.
    Block { first: usize, column: usize },
    /// A key with no value yet: entries go on the lines after the key's line.
    Empty { key_line: usize, column: usize },
}

impl<'a> Text<'a> {
    fn new(s: &'a str) -> Text<'a> {
        Text { s, b: s.as_bytes() }
    }

    fn edit(at: usize, end: usize, content: String) -> Option<Edit> {
        Some(Edit {
            span: Span::new(at, end),
            content,
        })
    }

    fn line_start(&self, pos: usize) -> usize {
        self.b[..pos]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1)
    }

    /// The offset of the line's `\n`, or the end of the text.
    fn line_end(&self, pos: usize) -> usize {
        self.b[pos..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.b.len(), |i| pos + i)
    }

    /// The start of the next line, or the end of the text.
    fn next_line(&self, pos: usize) -> usize {
        (self.line_end(pos) + 1).min(self.b.len())
    }

    fn column(&self, pos: usize) -> usize {
        pos - self.line_start(pos)
    }

    /// The line ending to write: the file's own (CRLF files get CRLF).
    fn eol(&self) -> &'static str {
        match self.b.iter().position(|&c| c == b'\n') {
            Some(i) if i > 0 && self.b[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        }
    }

    /// The line at `start` without its line ending.
    fn line(&self, start: usize) -> &'a [u8] {
        let end = self.line_end(start);
        let line = &self.b[start..end];
        line.strip_suffix(b"\r").unwrap_or(line)
    }

    /// Blank or holding only a comment.
    fn is_filler(line: &[u8]) -> bool {
        let t = line.trim_ascii_start();
        t.is_empty() || t[0] == b'#'
    }

    fn indentation(line: &[u8]) -> usize {
        line.iter().take_while(|&&c| c == b' ').count()
    }

    /// Where to insert a line after the block whose entries sit at `column`, starting on the
    /// line of `first`: after its last line that is not blank or a comment, so comments that
    /// follow the block stay with what follows it.
    fn block_end(&self, first: usize, column: usize) -> usize {
        let mut end = self.next_line(first);
        let mut pos = end;
        while pos < self.b.len() {
            let line = self.line(pos);
            if !Text::is_filler(line) {
                let marker = line.starts_with(b"---") || line.starts_with(b"...");
                if Text::indentation(line) < column || (column == 0 && marker) {
                    break;
                }
                end = self.next_line(pos);
            }
            pos = self.next_line(pos);
        }
        end
    }

    /// Text for a new line at `at`: preceded by a line ending when `at` ends a last line
    /// that has none.
    fn lines_at(&self, at: usize, lines: String) -> Option<Edit> {
        let prefix = if at == self.b.len() && at > 0 && self.b[at - 1] != b'\n' {
            self.eol()
        } else {
            ""
        };
        Text::edit(at, at, format!("{prefix}{lines}"))
    }

    fn replace(&self, span: Span, content: &str) -> Option<Edit> {
        let (start, end) = (span.start as usize, span.end as usize);
        let old = self.s.get(start..end)?;
        let quoted = |q: char| old.len() >= 2 && old.starts_with(q) && old.ends_with(q);
        let content = if quoted('"') {
            format!("\"{content}\"")
        } else if quoted('\'') {
            format!("'{content}'")
        } else {
            content.to_owned()
        };
        Text::edit(start, end, content)
    }

    fn locate(&self, target: Target) -> Option<MapAt> {
        match target {
            Target::Node(span) => {
                let start = span.start as usize;
                if let Some((open, b'{')) = self.before(start) {
                    return Some(MapAt::Flow(open));
                }
                match self.b.get(start)? {
                    b'{' => Some(MapAt::Flow(start)),
                    b'&' | b'!' | b'*' | b'[' => None,
                    _ => Some(MapAt::Block {
                        first: start,
                        column: self.column(start),
                    }),
                }
            }
            Target::ValueOf(key) => self.value_of(key),
        }
    }

    /// The mapping that is the value of the entry whose key is at `key`.
    fn value_of(&self, key: Span) -> Option<MapAt> {
        let mut pos = key.end as usize;
        while matches!(self.b.get(pos), Some(b' ' | b'"' | b'\'')) {
            pos += 1;
        }
        if self.b.get(pos) != Some(&b':') {
            return None;
        }
        pos += 1;
        while matches!(self.b.get(pos), Some(b' ' | b'\t')) {
            pos += 1;
        }
        match self.b.get(pos) {
            Some(b'{') => return Some(MapAt::Flow(pos)),
            Some(b'#' | b'\r' | b'\n') | None => {}
            Some(_) => return None,
        }
        let key_column = self.column(key.start as usize);
        let mut line = self.next_line(pos);
        while line < self.b.len() && Text::is_filler(self.line(line)) {
            line = self.next_line(line);
        }
        let text = self.line(line);
        let indent = Text::indentation(text);
        if line >= self.b.len() || indent <= key_column {
            return Some(MapAt::Empty {
                key_line: key.start as usize,
                column: key_column + STEP,
            });
        }
        match text.get(indent) {
            Some(b'{') => return Some(MapAt::Flow(line + indent)),
            Some(b'-' | b'[' | b'&' | b'!' | b'*') => return None,
            _ => {}
        }
        Some(MapAt::Block {
            first: line + indent,
            column: indent,
        })
    }

    /// Where `key` starts when it is already an entry of the block mapping at `column`.
    fn entry_key(&self, first: usize, column: usize, key: &str) -> Option<usize> {
        let names = |at: usize| {
            self.b[at..].starts_with(key.as_bytes()) && self.b.get(at + key.len()) == Some(&b':')
        };
        if names(first) {
            return Some(first);
        }
        let end = self.block_end(first, column);
        let mut line = self.next_line(first);
        while line < end {
            if Text::indentation(self.line(line)) == column && names(line + column) {
                return Some(line + column);
            }
            line = self.next_line(line);
        }
        None
    }

    fn insert(&self, target: Target, key: &str, value: &Value) -> Option<Edit> {
        let eol = self.eol();
        match self.locate(target)? {
            MapAt::Flow(open) => {
                let close = self.matching(open)?;
                let entry = format!("{key}: {}", flow(value));
                self.flow_insert(open, close, entry)
            }
            MapAt::Block { first, column } => match self.entry_key(first, column, key) {
                // A key written with no value (`securityContext:`) takes the value under it.
                Some(at) => match (self.value_of(Span::new(at, at + key.len()))?, value) {
                    (MapAt::Empty { key_line, column }, Value::Map(entries)) => {
                        let lines = entries
                            .iter()
                            .map(|(k, v)| block(k, v, column, eol))
                            .collect();
                        self.lines_at(self.next_line(key_line), lines)
                    }
                    _ => None,
                },
                None => {
                    let at = self.block_end(first, column);
                    self.lines_at(at, block(key, value, column, eol))
                }
            },
            MapAt::Empty { key_line, column } => {
                let at = self.next_line(key_line);
                self.lines_at(at, block(key, value, column, eol))
            }
        }
    }

    /// Adds `entry` as the last element of the flow collection `open..=close`.
    fn flow_insert(&self, open: usize, close: usize, entry: String) -> Option<Edit> {
        let last = (open + 1..close)
            .rev()
            .find(|&i| !self.b[i].is_ascii_whitespace());
        match last {
            None => Text::edit(open + 1, open + 1, entry),
            Some(i) if self.b[i] == b',' => Text::edit(i + 1, i + 1, format!(" {entry}")),
            Some(i) => Text::edit(i + 1, i + 1, format!(", {entry}")),
        }
    }

    /// The bracket closing the flow collection opened at `open`, past quotes and comments.
    fn matching(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut i = open;
        while i < self.b.len() {
            match self.b[i] {
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                b'"' => i = self.quoted_end(i, b'"')?,
                b'\'' => i = self.quoted_end(i, b'\'')?,
                b'#' if i > 0 && self.b[i - 1].is_ascii_whitespace() => {
                    i = self.line_end(i);
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    /// The closing quote of a quoted scalar opened at `open`.
    fn quoted_end(&self, open: usize, quote: u8) -> Option<usize> {
        let mut i = open + 1;
        while i < self.b.len() {
            match self.b[i] {
                b'\\' if quote == b'"' => i += 1,
                b'\'' if quote == b'\'' && self.b.get(i + 1) == Some(&b'\'') => i += 1,
                c if c == quote => return Some(i),
                _ => {}
            }
            i += 1;
        }
        None
    }

    /// The nearest character before `pos` that is not whitespace.
    fn before(&self, pos: usize) -> Option<(usize, u8)> {
        self.b[..pos]
            .iter()
            .rposition(|c| !c.is_ascii_whitespace())
            .map(|i| (i, self.b[i]))
    }

    fn remove(&self, entry: Span) -> Option<Edit> {
        let (start, end) = (entry.start as usize, entry.end as usize);
        if self.b[start..end].contains(&b'\n') {
            return None;
        }
        match self.before(start) {
            Some((i, b'{' | b',')) => self.remove_flow(i, start, end),
            _ => self.remove_block(start, end),
        }
    }

    fn remove_flow(&self, before: usize, start: usize, end: usize) -> Option<Edit> {
        let mut after = end;
        while matches!(self.b.get(after), Some(b' ' | b'\t')) {
            after += 1;
        }
        if self.b.get(after) == Some(&b',') {
            let mut to = after + 1;
            while matches!(self.b.get(to), Some(b' ')) {
                to += 1;
            }
            return Text::edit(start, to, String::new());
        }
        if self.b[before] == b',' {
            return Text::edit(before, end, String::new());
        }
        Text::edit(start, end, String::new())
    }

    fn remove_block(&self, start: usize, end: usize) -> Option<Edit> {
        let line = self.line_start(start);
        let lead = &self.b[line..start];
        let tail = &self.b[end..self.line_end(end)];
        let rest = tail.strip_suffix(b"\r").unwrap_or(tail).trim_ascii();
        if !rest.is_empty() && rest[0] != b'#' {
            return None;
        }
        if lead.iter().all(|&c| c == b' ') {
            let comment = std::str::from_utf8(rest).ok()?;
            let kept = if comment.is_empty() {
                String::new()
            } else {
                format!("{}{comment}{}", " ".repeat(lead.len()), self.eol())
            };
            return Text::edit(line, self.next_line(end), kept);
        }
        // The first entry of a sequence item (`- key: v`): the next entry moves up after the
        // dash, so the item keeps its place.
        if !rest.is_empty() || lead.trim_ascii_end().last() != Some(&b'-') {
            return None;
        }
        let column = self.column(start);
        let mut next = self.next_line(end);
        while next < self.b.len() && Text::is_filler(self.line(next)) {
            next = self.next_line(next);
        }
        let sibling = next < self.b.len() && Text::indentation(self.line(next)) == column;
        let skipped = &self.b[self.next_line(end)..next];
        if !sibling || skipped.contains(&b'#') {
            return None;
        }
        Text::edit(start, next + column, String::new())
    }

    fn add_item(&self, after: Span, item: &Value) -> Option<Edit> {
        let start = after.start as usize;
        match self.before(start) {
            Some((_, b'[' | b',')) => {
                let end = match self.b.get(start)? {
                    b'{' | b'[' => self.matching(start)? + 1,
                    _ => after.end as usize,
                };
                Text::edit(end, end, format!(", {}", flow(item)))
            }
            Some((dash, b'-')) => {
                let dash_column = self.column(dash);
                let column = self.column(start);
                if self.line_start(dash) != self.line_start(start) {
                    return None;
                }
                let at = match self.b.get(start)? {
                    b'{' | b'[' => self.next_line(self.matching(start)?),
                    _ => self.block_end(start, column),
                };
                let lines = block_item(item, dash_column, column, self.eol());
                self.lines_at(at, lines)
            }
            _ => None,
        }
    }
}

/// `value` in flow style: `{a: b}`, `[ALL]`.
pub(super) fn flow(value: &Value) -> String {
    match value {
        Value::Scalar(s) => s.clone(),
        Value::Map(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}: {}", flow(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        Value::Seq(items) => {
            let inner: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", inner.join(", "))
        }
    }
}

/// `key: value` as block lines at `column`; lists of scalars stay on one line (`drop: [ALL]`).
fn block(key: &str, value: &Value, column: usize, eol: &str) -> String {
    let pad = " ".repeat(column);
    match value {
        Value::Map(entries) => {
            let mut out = format!("{pad}{key}:{eol}");
            for (k, v) in entries {
                out.push_str(&block(k, v, column + STEP, eol));
            }
            out
        }
        Value::Seq(items) if items.iter().any(|i| !matches!(i, Value::Scalar(_))) => {
            let mut out = format!("{pad}{key}:{eol}");
            for item in items {
                out.push_str(&block_item(item, column + STEP, column + 2 * STEP, eol));
            }
            out
        }
        _ => format!("{pad}{key}: {}{eol}", flow(value)),
    }
}

/// A sequence item: the dash at `dash_column`, its content at `column`.
fn block_item(item: &Value, dash_column: usize, column: usize, eol: &str) -> String {
    let dash = format!(
        "{}-{}",
        " ".repeat(dash_column),
        " ".repeat(column.saturating_sub(dash_column + 1).max(1))
    );
    let column = dash.len();
    match item {
        Value::Map(entries) => {
            let body: String = entries
                .iter()
                .map(|(k, v)| block(k, v, column, eol))
                .collect();
            format!("{dash}{}", &body[column..])
        }
        _ => format!("{dash}{}{eol}", flow(item)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span_of(text: &str, needle: &str) -> Span {
        let start = text.find(needle).expect("needle in test text");
        Span::new(start, start + needle.len())
    }

    fn run(text: &str, change: Change) -> String {
        let edit = build(text, &change).expect("an edit");
        apply(text, &[edit])
    }

    fn insert(into: Target) -> Change {
        Change::Insert {
            into,
            key: "readOnly".to_owned(),
            value: Value::scalar("true"),
        }
    }

    #[test]
    fn inserts_after_the_last_entry_of_a_block_mapping_keeping_comments() {
        let text = "sc:\n  # why\n  a: 1 # one\n  b:\n    c: 2\n\n# after\nnext: 3\n";
        let out = run(text, insert(Target::ValueOf(span_of(text, "sc"))));
        assert_eq!(
            out,
            "sc:\n  # why\n  a: 1 # one\n  b:\n    c: 2\n  readOnly: true\n\n# after\nnext: 3\n"
        );
    }

    #[test]
    fn inserts_into_a_sequence_item_mapping_at_its_indentation() {
        let text = "- name: a\n  image: x\n- name: b\n";
        let out = run(text, insert(Target::Node(span_of(text, "name: a"))));
        assert_eq!(out, "- name: a\n  image: x\n  readOnly: true\n- name: b\n");
    }

    #[test]
    fn inserts_inside_flow_mappings() {
        let text = "sc: {a: 1}\n";
        let out = run(text, insert(Target::ValueOf(span_of(text, "sc"))));
        assert_eq!(out, "sc: {a: 1, readOnly: true}\n");
        let text = "sc: { }\n";
        let out = run(text, insert(Target::ValueOf(span_of(text, "sc"))));
        assert_eq!(out, "sc: {readOnly: true }\n");
    }

    #[test]
    fn inserts_into_a_flow_mapping_on_the_line_after_its_key() {
        let text = "sc:\n  {}\nnext: 1\n";
        let out = run(text, insert(Target::ValueOf(span_of(text, "sc"))));
        assert_eq!(out, "sc:\n  {readOnly: true}\nnext: 1\n");
    }

    #[test]
    fn fills_a_key_written_without_value_instead_of_repeating_it() {
        let text = "- name: a\n  securityContext:\n  image: x\n";
        let change = Change::Insert {
            into: Target::Node(span_of(text, "name: a")),
            key: "securityContext".to_owned(),
            value: Value::map([("readOnlyRootFilesystem", Value::scalar("true"))]),
        };
        assert_eq!(
            run(text, change),
            "- name: a\n  securityContext:\n    readOnlyRootFilesystem: true\n  image: x\n"
        );
    }

    #[test]
    fn inserts_under_a_key_without_value() {
        let text = "sc:\nnext: 1\n";
        let change = Change::Insert {
            into: Target::ValueOf(span_of(text, "sc")),
            key: "capabilities".to_owned(),
            value: Value::map([("drop", Value::Seq(vec![Value::scalar("ALL")]))]),
        };
        assert_eq!(
            run(text, change),
            "sc:\n  capabilities:\n    drop: [ALL]\nnext: 1\n"
        );
    }

    #[test]
    fn keeps_crlf_and_adds_a_missing_final_line_ending() {
        let text = "sc:\r\n  a: 1";
        let out = run(text, insert(Target::ValueOf(span_of(text, "sc"))));
        assert_eq!(out, "sc:\r\n  a: 1\r\n  readOnly: true\r\n");
    }

    #[test]
    fn replaces_a_scalar_keeping_its_quotes() {
        let text = "apiVersion: \"extensions/v1beta1\"\n";
        let change = Change::Replace {
            span: span_of(text, "\"extensions/v1beta1\""),
            content: "apps/v1".to_owned(),
        };
        assert_eq!(run(text, change), "apiVersion: \"apps/v1\"\n");
    }

    #[test]
    fn removes_an_entry_line_and_keeps_its_comment() {
        let text = "- key: a\n  tolerationSeconds: 30 # see ticket\n  effect: NoExecute\n";
        let change = Change::Remove {
            entry: span_of(text, "tolerationSeconds: 30"),
        };
        assert_eq!(
            run(text, change),
            "- key: a\n  # see ticket\n  effect: NoExecute\n"
        );
    }

    #[test]
    fn removes_the_first_entry_of_an_item_by_pulling_the_next_one_up() {
        let text = "- tolerationSeconds: 30\n  key: a\n";
        let change = Change::Remove {
            entry: span_of(text, "tolerationSeconds: 30"),
        };
        assert_eq!(run(text, change), "- key: a\n");
    }

    #[test]
    fn removes_flow_entries_with_their_comma() {
        let text = "- {key: a, tolerationSeconds: 30}\n";
        let change = Change::Remove {
            entry: span_of(text, "tolerationSeconds: 30"),
        };
        assert_eq!(run(text, change), "- {key: a}\n");
        let text = "- {tolerationSeconds: 30, key: a}\n";
        let change = Change::Remove {
            entry: span_of(text, "tolerationSeconds: 30"),
        };
        assert_eq!(run(text, change), "- {key: a}\n");
    }

    #[test]
    fn adds_a_mapping_item_after_another_in_block_and_flow_sequences() {
        let item = Value::map([("key", Value::scalar("b")), ("effect", Value::scalar("X"))]);
        let text = "t:\n- key: a\n  effect: X\n- key: z\n";
        let change = Change::AddItem {
            after: span_of(text, "key: a\n  effect: X"),
            item: item.clone(),
        };
        assert_eq!(
            run(text, change),
            "t:\n- key: a\n  effect: X\n- key: b\n  effect: X\n- key: z\n"
        );
        let text = "t: [{key: a}]\n";
        let change = Change::AddItem {
            after: span_of(text, "{key: a"),
            item,
        };
        assert_eq!(run(text, change), "t: [{key: a}, {key: b, effect: X}]\n");
    }

    #[test]
    fn adds_a_scalar_item_to_block_and_flow_lists() {
        let text = "drop:\n  - NET_RAW\nadd: []\n";
        let change = Change::AddItem {
            after: span_of(text, "NET_RAW"),
            item: Value::scalar("ALL"),
        };
        assert_eq!(run(text, change), "drop:\n  - NET_RAW\n  - ALL\nadd: []\n");
        let text = "drop: [NET_RAW]\n";
        let change = Change::AddItem {
            after: span_of(text, "NET_RAW"),
            item: Value::scalar("ALL"),
        };
        assert_eq!(run(text, change), "drop: [NET_RAW, ALL]\n");
    }

    #[test]
    fn refuses_layouts_it_cannot_edit() {
        let text = "sc: &anchor\n  a: 1\n";
        assert!(build(text, &insert(Target::ValueOf(span_of(text, "sc")))).is_none());
        let text = "sc: ~\n";
        assert!(build(text, &insert(Target::ValueOf(span_of(text, "sc")))).is_none());
    }
}

//! Reads a changed text again by parsing only the block mapping that holds the changes and
//! putting it in place of the old one. A fix changes a few lines of one mapping, and parsing
//! is most of the cost of a lint, so this keeps `--fix`'s check of every fixed file cheap.
//!
//! Why the result equals a parse of the whole new text: a block mapping whose keys start at
//! column `c > 0` holds exactly the lines from its first key up to the next line with content
//! indented less than `c` (YAML's block indentation: a key at column `c` or deeper cannot
//! belong to an enclosing node, and content indented less always does). Those lines, with the
//! `- ` before the first key blanked, parse on their own to the same mapping, since nothing in
//! them refers outside: the stream uses no anchors or aliases, and tabs and bare carriage
//! returns (which the line scan would read differently from the scanner) send the text to a
//! full parse. Anything else this does not expect also falls back to a full parse; debug builds
//! compare every splice with one.

use super::build::{ParseLimits, ParseOutcome, SyntaxError, parse_once};
use super::repair::parse_stream;
use super::tree::{Entry, Node, Value, move_span};

/// One change of a text: the old bytes `start..end` replaced by `inserted` bytes.
#[derive(Clone, Copy, Debug)]
pub struct Change {
    pub start: usize,
    pub end: usize,
    pub inserted: usize,
}

/// Parses `new_text`, which is `old_text` with `changes` (sorted, not overlapping) applied,
/// reusing `old`, the parse of `old_text`, where the changes allow it.
pub fn reparse(
    old_text: &str,
    old: &ParseOutcome,
    changes: &[Change],
    new_text: &str,
    limits: ParseLimits,
) -> ParseOutcome {
    match splice(old_text, old, changes, new_text, limits) {
        Some(spliced) => {
            debug_assert!(
                same(&spliced, &parse_stream(new_text, limits)),
                "a spliced parse differs from a full parse of:\n{new_text}"
            );
            spliced
        }
        None => parse_stream(new_text, limits),
    }
}

/// The lines a block mapping holds, in the old text and the new.
struct Region {
    /// Where the line of the mapping's first key starts (the same in both texts).
    start: usize,
    old_end: usize,
    new_end: usize,
}

fn splice(
    old_text: &str,
    old: &ParseOutcome,
    changes: &[Change],
    new_text: &str,
    limits: ParseLimits,
) -> Option<ParseOutcome> {
    if old.error.is_some() || old.anchored || old.repaired || has_bare_cr(new_text) {
        return None;
    }
    let first = changes.first()?.start;
    let delta = changes.iter().try_fold(0isize, |sum, c| {
        let removed = isize::try_from(c.end.checked_sub(c.start)?).ok()?;
        Some(sum + isize::try_from(c.inserted).ok()? - removed)
    })?;
    let (doc, path) = path_to(old_text, old, first)?;
    for node in path.iter().rev() {
        let Some(region) = region(old_text, node, changes, delta, new_text) else {
            continue;
        };
        let Some((fresh, duplicates)) = parse_region(new_text, &region, node, limits) else {
            continue;
        };
        let shift = Shift {
            node_start: node.span.start as usize,
            old_node_end: node.span.end as usize,
            new_node_end: fresh.span.end as usize,
            old_end: region.old_end,
            delta,
        };
        return assemble(old, doc, node, fresh, duplicates, &shift);
    }
    None
}

/// The document holding `at`, and the mappings from its root down to the innermost one whose
/// lines hold `at`.
fn path_to<'a>(text: &str, old: &'a ParseOutcome, at: usize) -> Option<(usize, Vec<&'a Node>)> {
    let doc = old
        .documents
        .iter()
        .rposition(|d| d.span.start as usize <= at)?;
    let mut node = &old.documents[doc];
    let mut path = Vec::new();
    loop {
        let child = match &node.value {
            Value::Map(entries) => {
                path.push(node);
                holding(text, entries.iter().map(|e| &e.value), at)
            }
            Value::Seq(items) => holding(text, items.iter(), at),
            _ => None,
        };
        let Some(child) = child else { break };
        node = child;
    }
    Some((doc, path))
}

/// The last of `children` that starts at or before `at` and whose lines reach it.
fn holding<'a>(
    text: &str,
    children: impl Iterator<Item = &'a Node>,
    at: usize,
) -> Option<&'a Node> {
    children
        .filter(|c| c.span.start as usize <= at)
        .last()
        .filter(|c| at <= next_line(text, c.span.end as usize))
}

/// Where the line after the one holding `at` starts.
fn next_line(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.find('\n'))
        .map_or(text.len(), |i| at + i + 1)
}

fn region(
    old_text: &str,
    node: &Node,
    changes: &[Change],
    delta: isize,
    new_text: &str,
) -> Option<Region> {
    let node_start = node.span.start as usize;
    let start = old_text.get(..node_start)?.rfind('\n').map_or(0, |i| i + 1);
    let prefix = &old_text.as_bytes()[start..node_start];
    let column = prefix.len();
    let block = old_text
        .as_bytes()
        .get(node_start)
        .is_some_and(|&b| b != b'{');
    if column == 0 || !block || !prefix.iter().all(|&b| b == b' ' || b == b'-') {
        return None;
    }
    let old_end = block_end(old_text, start, column);
    let inside = |c: &Change| node_start <= c.start && c.end <= old_end;
    if node.span.end as usize > old_end || !changes.iter().all(inside) {
        return None;
    }
    let new_end = usize::try_from(isize::try_from(old_end).ok()? + delta).ok()?;
    if block_end(new_text, start, column) != new_end {
        return None;
    }
    Some(Region {
        start,
        old_end,
        new_end,
    })
}

/// Where the first line after the one starting at `start` with content indented less than
/// `column` starts, or the end of the text.
fn block_end(text: &str, start: usize, column: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = next_line(text, start);
    while at < bytes.len() {
        let line = &bytes[at..];
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let blank =
            matches!(line.get(indent), None | Some(b'\n')) || line[indent..].starts_with(b"\r\n");
        if !blank && indent < column {
            return at;
        }
        at = next_line(text, at);
    }
    text.len()
}

fn has_bare_cr(text: &str) -> bool {
    if !text.contains('\r') {
        return false;
    }
    let bytes = text.as_bytes();
    bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}

/// Parses the region's new lines on their own; the mapping found, and its duplicate keys, with
/// spans in the new text.
fn parse_region(
    new_text: &str,
    region: &Region,
    old: &Node,
    limits: ParseLimits,
) -> Option<(Node, Vec<SyntaxError>)> {
    let lines = new_text.get(region.start..region.new_end)?;
    let column = old.span.start as usize - region.start;
    if lines.contains('\t') {
        return None;
    }
    let mut own = String::with_capacity(lines.len());
    own.extend(std::iter::repeat_n(' ', column));
    own.push_str(lines.get(column..)?);
    let parsed = parse_once(&own, limits);
    if parsed.error.is_some() || parsed.anchored || parsed.documents.len() != 1 {
        return None;
    }
    let mut root = parsed.documents.into_iter().next()?;
    if !matches!(root.value, Value::Map(_)) || root.span.start as usize != column {
        return None;
    }
    // A block scalar's span runs on over the blank lines and indentation after it, up to the
    // next token: when that token lies past the region, only a full parse knows where.
    if root.span.end as usize == own.len() && region.new_end != new_text.len() {
        return None;
    }
    let by = |x: u32| Some(x + region.start as u32);
    root.move_spans(&by)?;
    let mut duplicates = parsed.duplicate_keys;
    for d in &mut duplicates {
        d.move_spans(&by)?;
    }
    Some((root, duplicates))
}

/// How offsets of the old text outside the re-parsed mapping move.
struct Shift {
    node_start: usize,
    old_node_end: usize,
    new_node_end: usize,
    old_end: usize,
    delta: isize,
}

impl Shift {
    fn offset(&self, x: u32) -> Option<u32> {
        let at = x as usize;
        if at <= self.node_start {
            Some(x)
        } else if at == self.old_node_end {
            // An enclosing node that ends where the mapping ends.
            u32::try_from(self.new_node_end).ok()
        } else if at >= self.old_end {
            u32::try_from(isize::try_from(at).ok()? + self.delta).ok()
        } else {
            None
        }
    }
}

fn assemble(
    old: &ParseOutcome,
    doc: usize,
    replaced: &Node,
    fresh: Node,
    fresh_duplicates: Vec<SyntaxError>,
    shift: &Shift,
) -> Option<ParseOutcome> {
    let by = |x: u32| shift.offset(x);
    let mut fresh = Some(fresh);
    let mut documents = Vec::with_capacity(old.documents.len());
    for (i, d) in old.documents.iter().enumerate() {
        let node = if i == doc {
            rebuild(d, replaced, &mut fresh, &by)?
        } else {
            let mut copy = d.clone();
            copy.move_spans(&by)?;
            copy
        };
        documents.push(node);
    }
    let inside =
        |d: &SyntaxError| (shift.node_start..shift.old_end).contains(&(d.span.start as usize));
    let mut duplicate_keys = Vec::new();
    for d in old.duplicate_keys.iter().filter(|d| !inside(d)) {
        let mut d = d.clone();
        d.move_spans(&by)?;
        duplicate_keys.push(d);
    }
    duplicate_keys.extend(fresh_duplicates);
    Some(ParseOutcome {
        documents,
        error: None,
        duplicate_keys,
        anchored: false,
        repaired: false,
    })
}

/// A copy of `node` with `replaced` swapped for `fresh` and every other span moved.
fn rebuild(
    node: &Node,
    replaced: &Node,
    fresh: &mut Option<Node>,
    by: &impl Fn(u32) -> Option<u32>,
) -> Option<Node> {
    if std::ptr::eq(node, replaced) {
        return fresh.take();
    }
    let value = match &node.value {
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|e| {
                    Some(Entry {
                        key: e.key.clone(),
                        key_span: move_span(e.key_span, by)?,
                        value: rebuild(&e.value, replaced, fresh, by)?,
                    })
                })
                .collect::<Option<_>>()?,
        ),
        Value::Seq(items) => Value::Seq(
            items
                .iter()
                .map(|n| rebuild(n, replaced, fresh, by))
                .collect::<Option<_>>()?,
        ),
        scalar => scalar.clone(),
    };
    Some(Node {
        span: move_span(node.span, by)?,
        value,
    })
}

/// Whether two parses hold the same trees and duplicate keys, in any order of the latter.
fn same(a: &ParseOutcome, b: &ParseOutcome) -> bool {
    let keys = |o: &ParseOutcome| {
        let mut keys: Vec<String> = o.duplicate_keys.iter().map(|d| format!("{d:?}")).collect();
        keys.sort();
        keys
    };
    b.error.is_none()
        && format!("{:?}", a.documents) == format!("{:?}", b.documents)
        && keys(a) == keys(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies `(start, end, text)` edits; whether the new text is valid YAML, and whether its
    /// parse was spliced (then asserted equal to a full parse).
    fn spliced(old_text: &str, edits: &[(usize, usize, &str)]) -> (bool, bool) {
        let limits = ParseLimits::default();
        let old = parse_stream(old_text, limits);
        let mut new_text = String::new();
        let mut at = 0;
        let mut changes = Vec::new();
        for &(start, end, text) in edits {
            new_text.push_str(&old_text[at..start]);
            new_text.push_str(text);
            at = end;
            changes.push(Change {
                start,
                end,
                inserted: text.len(),
            });
        }
        new_text.push_str(&old_text[at..]);
        let full = parse_stream(&new_text, limits);
        let done = splice(old_text, &old, &changes, &new_text, limits);
        if let Some(done) = &done {
            assert!(same(done, &full), "{new_text}");
        }
        (full.error.is_none(), done.is_some())
    }

    fn at(text: &str, needle: &str) -> usize {
        text.find(needle).expect("needle in text")
    }

    const DS: &str = "apiVersion: apps/v1\nkind: DaemonSet\nspec:\n  template:\n    spec:\n      nodeSelector:\n        beta.kubernetes.io/os: linux\n      containers:\n      - name: agent\n        image: a:1\n        securityContext:\n          privileged: false\n      - name: b\n        image: b:1\n---\nkind: Other\nmetadata:\n  name: x\n";

    #[test]
    fn a_replaced_key_is_spliced() {
        let s = at(DS, "beta.");
        let (_, done) = spliced(DS, &[(s, s + 5, "")]);
        assert!(done);
    }

    #[test]
    fn an_inserted_last_key_is_spliced() {
        let s = at(DS, "      - name: b");
        let (valid, done) = spliced(DS, &[(s, s, "          allowPrivilegeEscalation: false\n")]);
        assert!(valid && done);
    }

    #[test]
    fn a_mapping_in_a_list_item_is_spliced() {
        let s = at(DS, "a:1");
        let (_, done) = spliced(DS, &[(s, s + 3, "a:2")]);
        assert!(done);
    }

    #[test]
    fn a_change_that_leaves_the_mapping_falls_back() {
        // The inserted line is a key of the pod spec, not of the last container.
        let s = at(DS, "---");
        let (valid, done) = spliced(DS, &[(s, s, "      hostPID: true\n")]);
        assert!(valid && done, "the pod spec is re-read instead");
        // Not YAML at all once changed.
        let s = at(DS, "      - name: b");
        assert!(!spliced(DS, &[(s, s, "      hostPID: true\n")]).1);
        let (_, done) = spliced(DS, &[(0, 10, "kind")]);
        assert!(!done, "a top-level change reads the whole text");
    }

    #[test]
    fn anchors_tabs_and_bare_carriage_returns_fall_back() {
        let anchored = "a:\n  b: &x 1\n  c: *x\n";
        let s = at(anchored, "1");
        assert!(!spliced(anchored, &[(s, s + 1, "2")]).1);
        let tabbed = "a:\n  b: \"1\t\"\n";
        let s = at(tabbed, "1");
        assert!(!spliced(tabbed, &[(s, s + 1, "2")]).1);
        let bare = "a:\n  b: 1\r  c: 2\n";
        let s = at(bare, "1");
        assert!(!spliced(bare, &[(s, s + 1, "2")]).1);
    }

    #[test]
    fn duplicate_keys_are_found_again() {
        let text = "a:\n  b: 1\n  c: 2\nd:\n  e: 1\n  e: 2\n";
        let s = at(text, "c: 2");
        let (_, done) = spliced(text, &[(s, s + 1, "b")]);
        assert!(done);
        let limits = ParseLimits::default();
        let old = parse_stream(text, limits);
        let new_text = text.replacen("c: 2", "b: 2", 1);
        let change = Change {
            start: s,
            end: s + 1,
            inserted: 1,
        };
        let outcome = reparse(text, &old, &[change], &new_text, limits);
        assert_eq!(outcome.duplicate_keys.len(), 2);
    }

    #[test]
    fn a_block_scalar_ending_a_mapping_is_read_with_the_enclosing_one() {
        // Its span runs on to the next token, past `b`'s lines; `a`'s lines hold that token.
        let text = "a:\n  b:\n    c: x\n  d: 1\n";
        let s = at(text, "x");
        let (valid, done) = spliced(text, &[(s, s + 1, "|\n      x\n      y")]);
        assert!(valid && done);
        let last = "a:\n  b:\n    c: x\nd: 1\n";
        let (valid, done) = spliced(last, &[(s, s + 1, "|\n      x\n      y")]);
        assert!(valid && !done, "the token after it is at the top level");
        let (valid, done) = spliced(text, &[(s, s + 1, "|\n      x\n      y\n    e: 1")]);
        assert!(valid && done, "followed by a key of its own mapping");
    }

    #[test]
    fn crlf_and_multibyte_text_is_spliced() {
        let text = "a:\r\n  b: \"é\"\r\n  c: 2\r\nd: 1\r\n";
        let s = at(text, "2");
        let (_, done) = spliced(text, &[(s, s + 1, "3")]);
        assert!(done);
    }

    /// Every project fixture, changed in many places the way fixes change text (a value
    /// replaced, a key added after an entry) and in ways that break it: wherever a splice is
    /// taken it must equal a full parse (`spliced` asserts it), and at least half of the changes
    /// that leave valid YAML must be spliced (a change to a top-level line never is).
    #[test]
    fn fixtures_changed_anywhere_splice_as_a_full_parse_reads_them() {
        let (mut tried, mut done) = (0, 0);
        for entry in ignore::Walk::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures")) {
            let entry = entry.expect("fixtures are readable");
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            if entry.path().extension().is_none_or(|e| e != "yaml") || text.len() > 20_000 {
                continue;
            }
            let old = parse_stream(&text, ParseLimits::default());
            let mut values = Vec::new();
            for doc in &old.documents {
                collect(doc, &mut values);
            }
            let step = values.len() / 3 + 1;
            for entry in values.iter().step_by(step) {
                let (start, end) = (
                    entry.value.span.start as usize,
                    entry.value.span.end as usize,
                );
                let line = text[..entry.key_span.start as usize]
                    .rfind('\n')
                    .map_or(0, |i| i + 1);
                let indent = " ".repeat(entry.key_span.start as usize - line);
                let after = next_line(&text, end);
                for (s, e, new) in [
                    (start, end, "changed".to_owned()),
                    (after, after, format!("{indent}added: 1\n")),
                    (after, after, format!("{indent}  deeper: 1\n")),
                    (after, after, format!("{indent}- item\n")),
                    (after, after, "less: 1\n".to_owned()),
                    (start, end, "[open, flow".to_owned()),
                    (start, end, format!("|\n{indent}  block\n{indent}  text")),
                    (start, end, "\"quoted: #x\" # comment".to_owned()),
                    (start, end, format!("\n{indent}  nested: map")),
                ] {
                    let (valid, was_spliced) = spliced(&text, &[(s, e, new.as_str())]);
                    if valid {
                        tried += 1;
                        done += usize::from(was_spliced);
                    }
                }
            }
        }
        assert!(
            tried > 1000 && done * 2 > tried,
            "{done} of {tried} spliced"
        );
    }

    fn collect<'a>(node: &'a Node, out: &mut Vec<&'a Entry>) {
        match &node.value {
            Value::Map(entries) => {
                for e in entries {
                    if !matches!(e.value.value, Value::Map(_) | Value::Seq(_)) {
                        out.push(e);
                    }
                    collect(&e.value, out);
                }
            }
            Value::Seq(items) => items.iter().for_each(|n| collect(n, out)),
            _ => {}
        }
    }
}

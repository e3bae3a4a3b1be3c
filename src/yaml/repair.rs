//! Kubernetes' YAML reader (go-yaml, after libyaml) accepts flow collections and multi-line
//! quoted scalars whose continuation lines are indented less than the spec requires, e.g.
//!
//! ```yaml
//!         args: [
//!           "-c", "/etc/auditbeat.yml",
//!         ]
//! ```
//!
//! saphyr rejects these. Since whitespace before a continuation line means nothing inside a
//! flow collection or a quoted scalar, such lines are indented further and the text parsed
//! again, and spans are mapped back to the original text. Errors anywhere else, where
//! indentation carries meaning, are never touched.

use super::build::{ParseLimits, ParseOutcome, parse_once};

/// Parses the stream; when the only trouble is such underindented lines, parses it once more
/// with all of them indented in one pass.
pub fn parse_stream(text: &str, limits: ParseLimits) -> ParseOutcome {
    let first = parse_once(text, limits);
    let Some(error) = &first.error else {
        return first;
    };
    if !error.message.starts_with("invalid indentation") {
        return first;
    }
    let edits = plan(text);
    if edits.is_empty() {
        return first;
    }
    let inserted = Insertions::new(edits);
    let patched = inserted.apply(text);
    let outcome = parse_once(&patched, limits);
    match &outcome.error {
        Some(e) if e.message.starts_with("invalid indentation") => first,
        _ => ParseOutcome {
            repaired: true,
            ..inserted.map_outcome(outcome)
        },
    }
}

/// Where a line's content starts, past indentation and `- ` sequence indicators: a mapping
/// on that line is indented this far.
fn content_column(line: &[u8]) -> usize {
    let mut i = 0;
    loop {
        while line.get(i) == Some(&b' ') {
            i += 1;
        }
        if line.get(i) == Some(&b'-') && matches!(line.get(i + 1), Some(b' ') | None) {
            i += 1;
        } else {
            return i;
        }
    }
}

fn indentation(line: &[u8]) -> usize {
    line.iter().take_while(|&&b| b == b' ').count()
}

/// Whether a quote or bracket at `i` starts a scalar or collection rather than sitting inside
/// a plain scalar (`it's`, `a[0]`).
fn token_start(line: &[u8], i: usize) -> bool {
    let before = line[..i].iter().rev().find(|&&b| b != b' ' && b != b'\t');
    let spaced = i == 0 || matches!(line[i - 1], b' ' | b'\t' | b'[' | b'{' | b',');
    spaced && matches!(before, None | Some(b':' | b'-' | b'[' | b'{' | b',' | b'?'))
}

/// Whether the line (outside flow collections) ends with a block scalar indicator (`|`, `>-`).
fn opens_block_scalar(content: &[u8]) -> bool {
    let body = content.trim_ascii_end();
    let indicator = body
        .iter()
        .rposition(|&b| b == b'|' || b == b'>')
        .filter(|&at| {
            body[at + 1..]
                .iter()
                .all(|b| matches!(b, b'-' | b'+' | b'0'..=b'9'))
        });
    indicator.is_some_and(|at| token_start(body, at))
}

/// The state of the scan between lines.
#[derive(Default)]
struct Scan {
    /// Open flow collections.
    depth: usize,
    /// The quote of a quoted scalar still open at the end of the line.
    quote: Option<u8>,
    /// Least indentation for continuation lines of the open construct.
    target: usize,
    /// Lines indented more than this belong to a block scalar and are not looked at.
    block_scalar: Option<usize>,
}

impl Scan {
    fn open(&self) -> bool {
        self.depth > 0 || self.quote.is_some()
    }

    /// Reads one line, noting what it leaves open for the next.
    fn line(&mut self, line: &[u8]) {
        let column = content_column(line);
        let mut i = indentation(line);
        let mut comment_at = line.len();
        while i < line.len() {
            let b = line[i];
            if let Some(q) = self.quote {
                match b {
                    b'\\' if q == b'"' => i += 1,
                    b'\'' if q == b'\'' && line.get(i + 1) == Some(&b'\'') => i += 1,
                    _ if b == q => self.quote = None,
                    _ => {}
                }
            } else {
                match b {
                    b'#' if i == 0 || matches!(line[i - 1], b' ' | b'\t') => {
                        comment_at = i;
                        break;
                    }
                    b'"' | b'\'' if token_start(line, i) => {
                        self.enter(column);
                        self.quote = Some(b);
                    }
                    b'[' | b'{' if self.depth > 0 || token_start(line, i) => {
                        self.enter(column);
                        self.depth += 1;
                    }
                    b']' | b'}' if self.depth > 0 => self.depth -= 1,
                    _ => {}
                }
            }
            i += 1;
        }
        if !self.open() && opens_block_scalar(&line[..comment_at]) {
            self.block_scalar = Some(column);
        }
    }

    fn enter(&mut self, column: usize) {
        if !self.open() {
            self.target = column + 2;
        }
    }
}

/// Line starts and the spaces to insert there, in ascending order: every continuation line of
/// a flow collection or quoted scalar indented less than its first line's content + 2.
fn plan(text: &str) -> Vec<(usize, usize)> {
    let mut edits = Vec::new();
    let mut scan = Scan::default();
    let mut start = 0;
    for line in text.as_bytes().split_inclusive(|&b| b == b'\n') {
        let at = start;
        start += line.len();
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        let blank = body.iter().all(u8::is_ascii_whitespace);
        if let Some(parent) = scan.block_scalar {
            if blank || indentation(body) > parent {
                continue;
            }
            scan.block_scalar = None;
        }
        if scan.open() {
            let current = indentation(body);
            if !blank && current < scan.target {
                edits.push((at, scan.target - current));
            }
        } else if body.starts_with(b"---") || body.starts_with(b"...") {
            scan = Scan::default();
            continue;
        }
        scan.line(body);
    }
    edits
}

/// Spaces inserted, as `(offset in the original text, count)` in ascending order, with the
/// offset of each insertion in the patched text, so spans map back by binary search.
struct Insertions {
    edits: Vec<(usize, usize)>,
    /// Offset of each insertion in the patched text.
    patched: Vec<usize>,
}

impl Insertions {
    fn new(edits: Vec<(usize, usize)>) -> Insertions {
        let mut shift = 0;
        let patched = edits
            .iter()
            .map(|&(at, count)| {
                let p = at + shift;
                shift += count;
                p
            })
            .collect();
        Insertions { edits, patched }
    }

    fn apply(&self, text: &str) -> String {
        let added: usize = self.edits.iter().map(|&(_, n)| n).sum();
        let mut out = String::with_capacity(text.len() + added);
        let mut from = 0;
        for &(at, count) in &self.edits {
            out.push_str(&text[from..at]);
            out.extend(std::iter::repeat_n(' ', count));
            from = at;
        }
        out.push_str(&text[from..]);
        out
    }

    fn original(&self, offset: u32) -> u32 {
        let x = offset as usize;
        let k = self.patched.partition_point(|&p| p <= x);
        let Some(i) = k.checked_sub(1) else {
            return offset;
        };
        let (at, count) = self.edits[i];
        let before = self.patched[i] - at;
        let inside = x < self.patched[i] + count;
        (if inside { at } else { x - before - count }) as u32
    }

    /// Spans of the patched text back in the original. Every offset maps, so nothing stops
    /// the walk.
    fn map_outcome(&self, mut out: ParseOutcome) -> ParseOutcome {
        let by = |x: u32| Some(self.original(x));
        for doc in &mut out.documents {
            doc.move_spans(&by);
        }
        for e in out.error.iter_mut().chain(&mut out.duplicate_keys) {
            e.move_spans(&by);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Value;

    fn parse(text: &str) -> ParseOutcome {
        parse_stream(text, ParseLimits::default())
    }

    #[test]
    fn underindented_flow_sequence_is_read_like_kubernetes() {
        let text = "spec:\n  args: [\n    \"-c\", \"x\",\n  ]\n  env: 1\n";
        let out = parse(text);
        assert!(out.error.is_none(), "{:?}", out.error);
        let spec = out.documents[0].get("spec").expect("spec");
        let env = spec.entry("env").expect("env");
        assert_eq!(
            &text[env.key_span.start as usize..env.key_span.end as usize],
            "env"
        );
        let Value::Seq(args) = &spec.get("args").expect("args").value else {
            panic!("args is not a list")
        };
        assert_eq!(args.len(), 2);
    }

    #[test]
    fn underindented_quoted_scalar_continuation() {
        let text = "a:\n  b: [\n      'one\n    two'\n    ]\n";
        let out = parse(text);
        assert!(out.error.is_none(), "{:?}", out.error);
    }

    #[test]
    fn every_underindented_construct_is_repaired_at_once() {
        let mut text = String::from("a:\n");
        for i in 0..100 {
            text.push_str(&format!("  k{i}: [\n\"x\",\n  ]\n"));
        }
        text.push_str("  q: 'one\ntwo'\n  last: 1\n");
        let out = parse(&text);
        assert!(out.error.is_none(), "{:?}", out.error);
        let last = out.documents[0]
            .get("a")
            .and_then(|a| a.entry("last"))
            .expect("last");
        let at = last.key_span.start as usize;
        assert_eq!(&text[at..at + 4], "last");
    }

    #[test]
    fn brackets_and_quotes_inside_plain_and_block_scalars_are_not_constructs() {
        let text = "a: it's\nb: x[0\nc: |\n  [ 'open\nd: [\n1]\n";
        assert_eq!(plan(text), [(text.find("1]").expect("1]"), 2)]);
    }

    #[test]
    fn spans_map_back_through_insertions() {
        let ins = Insertions::new(vec![(2, 3), (5, 1)]);
        assert_eq!(ins.apply("abcdefg"), "ab   cde fg");
        let back: Vec<u32> = (0..11).map(|x| ins.original(x)).collect();
        assert_eq!(back, [0, 1, 2, 2, 2, 2, 3, 4, 5, 5, 6]);
    }

    #[test]
    fn block_indentation_errors_are_not_repaired() {
        let out = parse("a:\n  b: 1\n c: 2\n");
        assert!(out.error.is_some());
    }
}

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
use super::tree::{Node, Value};
use crate::source::Span;

/// Each repair fixes at least one line; past this many the file is reported as it is.
const MAX_REPAIRS: usize = 64;

pub fn parse_stream(text: &str, limits: ParseLimits) -> ParseOutcome {
    let (first, flow_start) = parse_once(text, limits);
    let Some(error) = &first.error else {
        return first;
    };
    let mut edits = plan(
        text,
        error.message.as_str(),
        error.span.start as usize,
        flow_start,
    );
    if edits.is_empty() {
        return first;
    }
    let mut patched = text.to_owned();
    let mut inserted = Insertions::default();
    for _ in 0..MAX_REPAIRS {
        for &(at, spaces) in edits.iter().rev() {
            patched.insert_str(at, &" ".repeat(spaces));
            inserted.record(at, spaces);
        }
        let (outcome, flow_start) = parse_once(&patched, limits);
        match &outcome.error {
            None => return inserted.map_outcome(outcome),
            Some(e) => {
                edits = plan(&patched, &e.message, e.span.start as usize, flow_start);
                if edits.is_empty() {
                    let still_indentation = e.message.starts_with("invalid indentation");
                    return if still_indentation {
                        first
                    } else {
                        inserted.map_outcome(outcome)
                    };
                }
            }
        }
    }
    first
}

/// Line starts and the spaces to insert there, in ascending order.
fn plan(text: &str, message: &str, at: usize, flow_start: Option<usize>) -> Vec<(usize, usize)> {
    if message == "invalid indentation in quoted scalar" {
        return quoted_scalar(text, at);
    }
    if !message.starts_with("invalid indentation") {
        return Vec::new();
    }
    let Some(flow) = flow_start else {
        return Vec::new();
    };
    let target = indentation(text, line_start(text, flow)) + 2;
    let start = line_start(text, at);
    let current = indentation(text, start);
    if current < target && start > flow {
        vec![(start, target - current)]
    } else {
        Vec::new()
    }
}

/// Indents the continuation lines of the quoted scalar starting at `at`.
fn quoted_scalar(text: &str, at: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let Some(&quote) = bytes.get(at).filter(|b| matches!(b, b'\'' | b'"')) else {
        return Vec::new();
    };
    let target = indentation(text, line_start(text, at)) + 2;
    let mut edits = Vec::new();
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 1,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
            b if b == quote => break,
            b'\n' => {
                let current = indentation(text, i + 1);
                if current < target {
                    edits.push((i + 1, target - current));
                }
            }
            _ => {}
        }
        i += 1;
    }
    edits
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1)
}

fn indentation(text: &str, line_start: usize) -> usize {
    text.as_bytes()[line_start..]
        .iter()
        .take_while(|&&b| b == b' ')
        .count()
}

/// Spaces inserted so far, as `(offset in the patched text, count)`.
#[derive(Default)]
struct Insertions {
    list: Vec<(usize, usize)>,
}

impl Insertions {
    fn record(&mut self, at: usize, count: usize) {
        for (pos, _) in &mut self.list {
            if *pos >= at {
                *pos += count;
            }
        }
        self.list.push((at, count));
    }

    fn original(&self, offset: u32) -> u32 {
        let x = offset as usize;
        let mut shift = 0;
        for &(pos, count) in &self.list {
            if pos + count <= x {
                shift += count;
            } else if pos <= x {
                shift += x - pos;
            }
        }
        (x - shift) as u32
    }

    fn span(&self, s: Span) -> Span {
        Span {
            start: self.original(s.start),
            end: self.original(s.end),
        }
    }

    fn map_outcome(&self, mut out: ParseOutcome) -> ParseOutcome {
        for doc in &mut out.documents {
            self.map_node(doc);
        }
        for e in out.error.iter_mut().chain(&mut out.duplicate_keys) {
            e.span = self.span(e.span);
            e.related = e.related.map(|r| self.span(r));
        }
        out
    }

    fn map_node(&self, node: &mut Node) {
        node.span = self.span(node.span);
        match &mut node.value {
            Value::Seq(items) => items.iter_mut().for_each(|n| self.map_node(n)),
            Value::Map(entries) => {
                for e in entries {
                    e.key_span = self.span(e.key_span);
                    self.map_node(&mut e.value);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn block_indentation_errors_are_not_repaired() {
        let out = parse("a:\n  b: 1\n c: 2\n");
        assert!(out.error.is_some());
    }
}

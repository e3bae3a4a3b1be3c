//! The few lines of a file one finding's code frame shows, handed to miette as its source.
//!
//! Miette scans its source from the start for every label and prints whole lines, so giving it
//! the whole file made the human output cost findings × file size, and a label past column
//! 65,535 made it panic. A snippet holds only the lines around the labels, long lines cut to a
//! window around each label (`…` marks a cut, as rustc does), and unsafe characters escaped;
//! it maps offsets between itself and the file so labels and line numbers stay right.

use std::ops::Range;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::{escape, escape_char, is_unsafe};
use crate::source::{SourceFile, Span};

/// Lines up to this many characters are shown whole.
const LONG_LINE: usize = 160;
/// Bytes kept on each side of a label on a long line.
const MARGIN: usize = 40;
/// The longest stretch of one label kept on a long line; the rest is cut.
const LONGEST_LABEL: usize = 80;
/// Label lines at most this far apart share one frame, as miette would draw them; farther
/// apart they get a frame each, so a finding never prints the many lines between its labels.
const MAX_GAP: usize = 10;
/// The lines miette shows before and after each label (its default).
const CONTEXT: usize = 1;
const ELLIPSIS: &str = "…";

/// A stretch of the snippet and the stretch of the file it shows. Pieces tile both in order.
struct Piece {
    file: usize,
    snippet: usize,
    file_len: usize,
    /// Copied text maps offset by offset; an escape or a cut maps as a whole.
    copied: bool,
}

/// Consecutive file lines, shown as one run of snippet text.
struct Segment {
    start: usize,
    end: usize,
    /// 0-based file line of the segment's first line.
    first_line: usize,
}

pub struct Snippet<'s> {
    source: &'s SourceFile,
    name: String,
    text: String,
    pieces: Vec<Piece>,
    segments: Vec<Segment>,
}

impl<'s> Snippet<'s> {
    /// The lines a finding with these label spans shows.
    pub fn new(source: &'s SourceFile, labels: &[Span]) -> Snippet<'s> {
        let mut snippet = Snippet {
            source,
            name: escape(&source.name).into_owned(),
            text: String::new(),
            pieces: Vec::new(),
            segments: Vec::new(),
        };
        let labels: Vec<Range<usize>> = labels.iter().map(|&s| snippet.clamp(s)).collect();
        for lines in snippet.line_ranges(&labels) {
            let start = snippet.text.len();
            for line in lines.clone() {
                snippet.push_line(line, &labels);
            }
            snippet.segments.push(Segment {
                start,
                end: snippet.text.len(),
                first_line: lines.start,
            });
        }
        snippet
    }

    /// A file span as a miette span into the snippet.
    pub fn span(&self, span: Span) -> SourceSpan {
        let range = self.clamp(span);
        let start = self.to_snippet(range.start);
        let end = self.to_snippet(range.end).max(start);
        SourceSpan::new(start.into(), end - start)
    }

    fn clamp(&self, span: Span) -> Range<usize> {
        let len = self.source.text.len();
        (span.start as usize).min(len)..(span.end as usize).min(len)
    }

    /// The file lines to show, merged into runs of consecutive lines.
    fn line_ranges(&self, labels: &[Range<usize>]) -> Vec<Range<usize>> {
        let last = self.source.line_count() - 1;
        let mut ranges: Vec<Range<usize>> = labels
            .iter()
            .map(|l| {
                let first = self.source.line_index(l.start);
                let end = self.source.line_index(l.end.saturating_sub(1).max(l.start));
                first.saturating_sub(CONTEXT)..(end + CONTEXT).min(last) + 1
            })
            .collect();
        ranges.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(m) if r.start <= m.end + MAX_GAP => m.end = m.end.max(r.end),
                _ => merged.push(r),
            }
        }
        merged
    }

    fn push_line(&mut self, line: usize, labels: &[Range<usize>]) {
        let range = self.source.line_range(line);
        let text = &self.source.text[range.clone()];
        let body_len = text.trim_end_matches('\n').trim_end_matches('\r').len();
        let body = range.start..range.start + body_len;
        let mut at = body.start;
        for kept in self.windows(body.clone(), labels) {
            if kept.start > at {
                self.push_cut(at..kept.start);
            }
            self.push_text(kept.clone(), |c| c != '\t' && is_unsafe(c));
            at = kept.end;
        }
        if body.end > at {
            self.push_cut(at..body.end);
        }
        // The line break stays as it is: miette reads `\r\n` and `\n` as line ends.
        self.push_text(body.end..range.end, |_| false);
    }

    /// The parts of a line to show: all of it when short, else windows around the labels.
    fn windows(&self, body: Range<usize>, labels: &[Range<usize>]) -> Vec<Range<usize>> {
        let text = &self.source.text[body.clone()];
        if text.len() <= LONG_LINE
            || (text.len() <= 4 * LONG_LINE && text.chars().count() <= LONG_LINE)
        {
            return vec![body];
        }
        let mut windows: Vec<Range<usize>> = Vec::new();
        for l in labels {
            let starts_here = body.contains(&l.start) || l.start == body.end;
            let ends_here = l.end > body.start && l.end <= body.end;
            if starts_here {
                let end = l.end.min(l.start + LONGEST_LABEL);
                windows.push(l.start.saturating_sub(MARGIN)..end + MARGIN);
            } else if ends_here {
                windows.push(l.end.saturating_sub(MARGIN)..l.end + MARGIN);
            } else if l.start < body.start && l.end > body.end {
                windows.push(body.start..body.start + MARGIN);
            }
        }
        if windows.is_empty() {
            windows.push(body.start..body.start + 2 * MARGIN);
        }
        windows.sort_by_key(|w| w.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(windows.len());
        for w in windows {
            let w = self.floor(w.start.max(body.start))..self.ceil(w.end.min(body.end));
            match merged.last_mut() {
                // A cut shorter than the ellipsis hides nothing worth hiding.
                Some(m) if w.start <= m.end + ELLIPSIS.len() => m.end = m.end.max(w.end),
                _ => merged.push(w),
            }
        }
        merged
    }

    fn floor(&self, mut at: usize) -> usize {
        while !self.source.text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    fn ceil(&self, mut at: usize) -> usize {
        while !self.source.text.is_char_boundary(at) {
            at += 1;
        }
        at
    }

    fn push_cut(&mut self, hidden: Range<usize>) {
        self.pieces.push(Piece {
            file: hidden.start,
            snippet: self.text.len(),
            file_len: hidden.len(),
            copied: false,
        });
        self.text.push_str(ELLIPSIS);
    }

    /// Copies file text, escaping the characters `escaped` picks.
    fn push_text(&mut self, range: Range<usize>, escaped: impl Fn(char) -> bool) {
        let source = self.source;
        let mut run = range.start;
        for (i, c) in source.text[range.clone()].char_indices() {
            if !escaped(c) {
                continue;
            }
            let at = range.start + i;
            self.push_copy(run..at);
            self.pieces.push(Piece {
                file: at,
                snippet: self.text.len(),
                file_len: c.len_utf8(),
                copied: false,
            });
            self.text.push_str(&escape_char(c));
            run = at + c.len_utf8();
        }
        self.push_copy(run..range.end);
    }

    fn push_copy(&mut self, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        self.pieces.push(Piece {
            file: range.start,
            snippet: self.text.len(),
            file_len: range.len(),
            copied: true,
        });
        self.text.push_str(&self.source.text[range]);
    }

    fn to_snippet(&self, offset: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.file <= offset);
        let Some(piece) = i.checked_sub(1).map(|i| &self.pieces[i]) else {
            return 0;
        };
        if offset >= piece.file + piece.file_len {
            // Past the piece: the start of the next one, or the snippet's end.
            return self.pieces.get(i).map_or(self.text.len(), |p| p.snippet);
        }
        if piece.copied {
            piece.snippet + (offset - piece.file)
        } else {
            piece.snippet
        }
    }

    fn to_file(&self, offset: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.snippet <= offset);
        let Some(piece) = i.checked_sub(1).map(|i| &self.pieces[i]) else {
            return 0;
        };
        if piece.copied {
            (piece.file + (offset - piece.snippet)).min(piece.file + piece.file_len)
        } else if offset == piece.snippet {
            piece.file
        } else {
            piece.file + piece.file_len
        }
    }
}

impl SourceCode for Snippet<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let end = span.offset() + span.len();
        let segment = self
            .segments
            .iter()
            .find(|s| s.start <= span.offset() && end <= s.end)
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new((span.offset() - segment.start).into(), span.len());
        let contents = self.text.as_bytes()[segment.start..segment.end].read_span(
            &local,
            context_lines_before,
            context_lines_after,
        )?;
        // The column the frame's header shows, in characters of the file as other formats
        // count them.
        let column = if context_lines_before == 0 {
            let at = self.to_file(span.offset());
            self.source.position(at as u32).column - 1
        } else {
            0
        };
        let data = contents.data();
        let start = contents.span().offset() + segment.start;
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.name.clone(),
                data,
                SourceSpan::new(start.into(), data.len()),
                contents.line() + segment.first_line,
                column,
                contents.line_count() + segment.first_line,
            )
            .with_language("yaml"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::Snippet;
    use crate::source::{SourceFile, Span};

    fn snippet(text: &str, labels: &[Span]) -> (String, Vec<(usize, usize)>) {
        let source = SourceFile::new("a.yaml".into(), text.into());
        let snippet = Snippet::new(&source, labels);
        let spans = labels
            .iter()
            .map(|&l| {
                let s = snippet.span(l);
                (s.offset(), s.len())
            })
            .collect();
        (snippet.text, spans)
    }

    #[test]
    fn short_lines_are_kept_whole_with_one_line_of_context() {
        let text = "a: 1\nb: 2\nc: 3\nd: 4\n";
        let (shown, spans) = snippet(text, &[Span::new(10, 14)]);
        assert_eq!(shown, "b: 2\nc: 3\nd: 4\n");
        assert_eq!(&shown[spans[0].0..spans[0].0 + spans[0].1], "c: 3");
    }

    #[test]
    fn long_lines_are_cut_around_the_label() {
        let text = format!("{}KEY{}\n", "x".repeat(1000), "y".repeat(1000));
        let (shown, spans) = snippet(&text, &[Span::new(1000, 1003)]);
        assert!(shown.starts_with('…') && shown.ends_with("…\n"), "{shown}");
        assert!(shown.len() < 200, "{shown}");
        assert_eq!(&shown[spans[0].0..spans[0].0 + spans[0].1], "KEY");
    }

    #[test]
    fn far_labels_on_one_long_line_get_a_window_each() {
        let text = format!("A{}B{}\n", "x".repeat(5000), "y".repeat(5000));
        let (shown, spans) = snippet(&text, &[Span::new(0, 1), Span::new(5001, 5002)]);
        assert_eq!(shown.matches('…').count(), 2, "{shown}");
        assert_eq!(&shown[spans[0].0..spans[0].0 + 1], "A");
        assert_eq!(&shown[spans[1].0..spans[1].0 + 1], "B");
    }

    #[test]
    fn control_characters_are_escaped_and_labels_follow() {
        let (shown, spans) = snippet("a: \x1b[31mred\x07 x\n", &[Span::new(13, 14)]);
        assert_eq!(shown, "a: \\u{1b}[31mred\\u{7} x\n");
        assert_eq!(&shown[spans[0].0..spans[0].0 + spans[0].1], "x");
    }
}

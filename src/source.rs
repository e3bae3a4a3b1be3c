//! Source text of one input and the mapping from byte offsets to line and column.

/// A byte range in one source file. Kept small: the model holds one per field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One input as read: its display name and its text.
pub struct SourceFile {
    pub name: String,
    pub text: String,
    line_starts: Vec<u32>,
}

/// A 1-based position as editors and CI systems show it; columns count characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(name: String, text: String) -> SourceFile {
        let mut line_starts = vec![0u32];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| (i + 1) as u32),
        );
        SourceFile {
            name,
            text,
            line_starts,
        }
    }

    /// The 0-based line holding a byte offset (offsets past the end are on the last line).
    pub fn line_index(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s as usize <= offset) - 1
    }

    /// How many lines the text has; a final line break starts an empty last line.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte range of a 0-based line, its line break included.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let start = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&s| s as usize);
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |&s| s as usize);
        start..end
    }

    pub fn position(&self, offset: u32) -> Position {
        let offset = (offset as usize).min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s as usize <= offset) - 1;
        let start = self.line_starts[line] as usize;
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.trim_end_matches('\r').chars().count())
            + 1;
        Position {
            line: line + 1,
            column,
        }
    }

    /// The end position of a span: the column just past its last character, on the line of
    /// that character (so a span ending with a newline does not spill onto the next line).
    pub fn end_position(&self, span: Span) -> Position {
        let span = self.trim_end(span);
        if span.end <= span.start {
            return self.position(span.start);
        }
        self.position(span.end)
    }

    /// The span without the whitespace it ends with: a block scalar's value runs on to the
    /// indentation of the next key, which is not part of what a finding points at.
    pub fn trim_end(&self, span: Span) -> Span {
        let text = &self.text.as_bytes()[..(span.end as usize).min(self.text.len())];
        let mut end = text.len();
        while end > span.start as usize && text[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        Span {
            start: span.start,
            end: (end as u32).max(span.start),
        }
    }
}

/// The byte offset of a 1-based line and character column in `text` (the inverse of
/// [`SourceFile::position`] for text at hand), clamped to the text.
pub fn offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &text[start.min(text.len())..];
    start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::SourceFile;

    #[test]
    fn lines_are_found_by_offset() {
        let source = SourceFile::new("a".into(), "ab\ncd\n".into());
        assert_eq!(source.line_count(), 3);
        assert_eq!(source.line_index(0), 0);
        assert_eq!(source.line_index(2), 0);
        assert_eq!(source.line_index(3), 1);
        assert_eq!(source.line_index(99), 2);
        assert_eq!(source.line_range(1), 3..6);
        assert_eq!(source.line_range(2), 6..6);
    }
}

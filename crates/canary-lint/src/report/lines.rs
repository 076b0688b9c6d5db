//! Line/column (characters) to byte offsets, for renderers that take byte ranges.

use canary_core::located::Span;

/// Where each line of a text starts.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

/// One source line and a byte range inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineSlice<'a> {
    /// The line, without its line break (and without a `\r`).
    pub line: &'a str,
    /// 1-based line number.
    pub number: usize,
    /// Byte range within `line`.
    pub range: std::ops::Range<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// Line `number` (1-based), without `\r\n`/`\n`.
    pub fn line(&self, number: usize) -> Option<&'a str> {
        let start = *self.starts.get(number.checked_sub(1)?)?;
        let end = self
            .starts
            .get(number)
            .map_or(self.text.len(), |next| next - 1);
        let line = self.text.get(start..end)?;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }

    /// The first line of `span` with the span's byte range in it. A span running onto later
    /// lines is cut at the end of its first line; an empty span is widened to one character
    /// when the line has one there.
    pub fn slice(&self, span: Span) -> Option<LineSlice<'a>> {
        let number = span.start.line as usize;
        let line = self.line(number)?;
        let start = char_to_byte(line, span.start.col.saturating_sub(1) as usize);
        let mut end = if span.end.line == span.start.line {
            char_to_byte(line, span.end.col.saturating_sub(1) as usize)
        } else {
            line.len()
        };
        if end <= start {
            end = line[start..]
                .chars()
                .next()
                .map_or(start, |c| start + c.len_utf8());
        }
        Some(LineSlice {
            line,
            number,
            range: start..end,
        })
    }
}

/// Byte offset of character `chars` in `line`, clamped to its length.
fn char_to_byte(line: &str, chars: usize) -> usize {
    line.char_indices()
        .nth(chars)
        .map_or(line.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use canary_core::located::Pos;

    #[test]
    fn converts_character_columns_to_bytes() {
        let text = "a: 1\r\nnäme: wért\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line(2), Some("näme: wért"));
        assert_eq!(index.line(3), Some(""));
        assert_eq!(index.line(4), None);
        let span = Span {
            start: Pos { line: 2, col: 7 },
            end: Pos { line: 2, col: 11 },
        };
        let s = index.slice(span).unwrap();
        assert_eq!(&s.line[s.range.clone()], "wért");
        let empty = Span {
            start: Pos { line: 1, col: 1 },
            end: Pos { line: 1, col: 1 },
        };
        let s = index.slice(empty).unwrap();
        assert_eq!(&s.line[s.range], "a");
        let multi = Span {
            start: Pos { line: 1, col: 4 },
            end: Pos { line: 2, col: 2 },
        };
        let s = index.slice(multi).unwrap();
        assert_eq!(&s.line[s.range], "1");
    }
}

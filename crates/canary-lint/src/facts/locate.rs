//! Exact positions inside a scalar: the line of a multi-line `run: |` block, the keyword in an
//! NRQL string. A finding about one command of a shell script should point at that command,
//! not at the `run:` key ten lines above it.
//!
//! The search runs over the *source* text the value's span covers, so it works the same for
//! plain, quoted, literal (`|`) and folded (`>`) scalars and for JSON strings. When the
//! needle cannot be found verbatim (an escape sequence inside a quoted string, say), the
//! whole value's span is used instead.

use canary_core::located::{Pos, Span};

use super::Facts;
use crate::repo::Document;
use crate::repo::Target;

/// Byte offset of `pos` (1-based line, 1-based column in characters) in `text`.
fn byte_of(text: &str, pos: Pos) -> Option<usize> {
    let mut line_start = 0;
    for _ in 1..pos.line {
        line_start += text.get(line_start..)?.find('\n')? + 1;
    }
    let line = text.get(line_start..)?;
    let skip = pos.col.saturating_sub(1) as usize;
    let mut chars = line.char_indices();
    match chars.nth(skip) {
        Some((i, _)) => Some(line_start + i),
        None => Some(text.len()),
    }
}

/// The position of byte `offset` in `text`.
fn pos_of(text: &str, offset: usize) -> Pos {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() as u32 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).map_or(0, |s| s.chars().count()) as u32 + 1;
    Pos { line, col }
}

/// The span of bytes `start..end` of `text` (a whole file).
pub fn span_of_bytes(text: &str, start: usize, end: usize) -> Span {
    Span {
        start: pos_of(text, start),
        end: pos_of(text, end),
    }
}

/// How many times `needle` occurs in `haystack` before byte `offset`.
pub fn occurrences_before(haystack: &str, offset: usize, needle: &str) -> usize {
    if needle.is_empty() {
        return 0;
    }
    haystack
        .get(..offset)
        .map_or(0, |h| h.match_indices(needle).count())
}

/// The span of the `occurrence`-th (0-based) verbatim `needle` within the source of the
/// value at `pointer`; the value's span when it is not there.
pub fn span_in_value(
    cx: &Facts<'_>,
    doc: &Document,
    pointer: &str,
    needle: &str,
    occurrence: usize,
) -> Span {
    let whole = cx.span(doc, pointer, Target::Value);
    let text = &cx.repo.file_of(doc).text;
    find_in(text, whole, needle, occurrence).unwrap_or(whole)
}

/// `needle`'s `occurrence`-th match inside `within` of `text`.
fn find_in(text: &str, within: Span, needle: &str, occurrence: usize) -> Option<Span> {
    if needle.is_empty() {
        return None;
    }
    let start = byte_of(text, within.start)?;
    let end = byte_of(text, within.end)?.max(start);
    let window = text.get(start..end)?;
    let (at, _) = window.match_indices(needle).nth(occurrence)?;
    let from = start + at;
    Some(Span {
        start: pos_of(text, from),
        end: pos_of(text, from + needle.len()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use canary_core::located::{Limits, load_str};

    fn p(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }

    #[test]
    fn finds_a_line_inside_a_literal_block() {
        let src = "steps:\n  - run: |\n      echo hi\n      kubectl argo rollouts status api\n  - name: x\n";
        let docs = load_str(src, Limits::default()).unwrap_or_default();
        let span = docs[0].value_span("/steps/0/run").unwrap_or_default();
        let found = find_in(src, span, "kubectl argo rollouts status api", 0);
        assert_eq!(
            found.map(|s| (s.start, s.end)),
            Some((p(4, 7), p(4, 39))),
            "value span was {span:?}"
        );
    }

    #[test]
    fn finds_repeated_needles_and_multibyte_columns() {
        let src = "a: \"é x é x\"\n";
        let docs = load_str(src, Limits::default()).unwrap_or_default();
        let span = docs[0].value_span("/a").unwrap_or_default();
        let found = find_in(src, span, "x", 1);
        assert_eq!(found.map(|s| s.start), Some(p(1, 11)));
        assert!(find_in(src, span, "nope", 0).is_none());
        assert_eq!(occurrences_before("x x x", 3, "x"), 2);
    }
}

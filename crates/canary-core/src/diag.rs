//! Rendering a located problem rustc-style, shared by spec errors and the render self-check.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::located::{Pos, Span};

/// Byte offset of a 1-based line / 1-based character column in `text`.
pub fn byte_offset(text: &str, pos: Pos) -> usize {
    let mut line = 1u32;
    let mut line_start = 0usize;
    if pos.line > 1 {
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line += 1;
                if line == pos.line {
                    line_start = i + 1;
                    break;
                }
            }
        }
        if line < pos.line {
            return text.len();
        }
    }
    let rest = &text[line_start..];
    let line_text = rest.split('\n').next().unwrap_or("");
    let col = pos.col.saturating_sub(1) as usize;
    let within = line_text
        .char_indices()
        .nth(col)
        .map(|(i, _)| i)
        .unwrap_or(line_text.len());
    line_start + within
}

/// A byte range for a span, at least one character wide and never past the start's line.
pub fn byte_range(text: &str, span: Span) -> std::ops::Range<usize> {
    let start = byte_offset(text, span.start).min(text.len());
    let mut end = byte_offset(text, span.end).min(text.len());
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    if end <= start || end > line_end {
        end = line_end;
    }
    if end <= start {
        end = (start + 1).min(text.len());
        while end < text.len() && !text.is_char_boundary(end) {
            end += 1;
        }
    }
    start..end
}

/// One problem with a place in a source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// Where.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: Option<String>,
}

/// Render an error at `span` in `text` (shown as `path`), with an optional help line.
pub fn render_error(path: &str, text: &str, problem: &Located, styled: bool) -> String {
    let range = byte_range(text, problem.span);
    let mut groups = vec![
        Level::ERROR
            .primary_title(problem.message.as_str())
            .element(
                Snippet::source(text)
                    .path(path)
                    .fold(true)
                    .annotation(AnnotationKind::Primary.span(range)),
            ),
    ];
    if let Some(help) = &problem.help {
        groups.push(Group::with_title(
            Level::HELP.secondary_title(help.as_str()),
        ));
    }
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    renderer.render(&groups).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_characters() {
        let text = "a: é\nbb: x\n";
        assert_eq!(byte_offset(text, Pos { line: 2, col: 5 }), 10);
        assert_eq!(byte_offset(text, Pos { line: 1, col: 4 }), 3);
        let span = Span {
            start: Pos { line: 2, col: 5 },
            end: Pos { line: 2, col: 6 },
        };
        assert_eq!(&text[byte_range(text, span)], "x");
    }

    #[test]
    fn renders_path_line_and_help() {
        let text = "app:\n  replicas: two\n";
        let p = Located {
            span: Span {
                start: Pos { line: 2, col: 13 },
                end: Pos { line: 2, col: 16 },
            },
            message: "bad".into(),
            help: Some("use a number".into()),
        };
        let out = render_error("canary.yaml", text, &p, false);
        assert!(out.contains("canary.yaml:2:13"), "{out}");
        assert!(out.contains("^^^"), "{out}");
        assert!(out.contains("help: use a number"), "{out}");
    }
}

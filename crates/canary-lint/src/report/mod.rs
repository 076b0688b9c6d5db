//! Output formats. Add a format by adding a variant to `Format` and a module here.

pub mod github;
pub mod human;
pub mod json;
pub mod lines;
pub mod sarif;

use crate::diagnostic::Diagnostic;
use crate::repo::Repo;

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// rustc-style snippets with a summary line.
    #[default]
    Human,
    /// One JSON object (`version: 1`), stable for other tools.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions `::error`/`::warning` workflow commands.
    Github,
}
pub use crate::engine::Summary;

/// `text` with every control character but the tab written as an escape (`\n`, `\r`,
/// `\u{1b}`), and the Unicode line and paragraph separators too, so a file name or a YAML
/// value cannot start a new line in a CI log (where a line `::add-mask::…` or `::error …` is
/// a workflow command to the GitHub Actions runner) or send a terminal escape sequence
/// (issue 13, B16). JSON and SARIF need nothing more: serde_json escapes every control
/// character.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}');
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Renders `diagnostics` in `format`. `styled` adds ANSI colours (human format only).
pub fn render(
    format: Format,
    repo: &Repo,
    diagnostics: &[Diagnostic],
    summary: &Summary,
    styled: bool,
) -> String {
    match format {
        Format::Human => human::render(repo, diagnostics, summary, styled),
        Format::Json => json::render(diagnostics, summary),
        Format::Sarif => sarif::render(repo, diagnostics),
        Format::Github => github::render(diagnostics),
    }
}

#[cfg(test)]
mod tests {
    use super::escape_controls;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_controls("plain\ttab é"), "plain\ttab é");
        assert_eq!(
            escape_controls("x\n::add-mask::y\r\u{1b}[2J\u{85}\u{2028}"),
            "x\\n::add-mask::y\\r\\u{1b}[2J\\u{85}\\u{2028}"
        );
    }
}

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

//! `--format json`: one object, `version: 1`. Field order is part of the contract.

use serde::Serialize;

use super::Summary;
use crate::diagnostic::Diagnostic;

/// The whole JSON report.
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    /// Format version; bumped on any breaking change.
    pub version: u32,
    /// Findings in output order.
    pub diagnostics: Vec<JsonDiagnostic<'a>>,
    /// Totals.
    pub summary: JsonSummary,
}

/// One finding.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    /// Rule code.
    pub rule: &'a str,
    /// Rule name.
    pub name: &'a str,
    /// `error`, `warning` or `info`.
    pub severity: &'a str,
    /// Repo-relative path.
    pub file: &'a str,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Line of the end (exclusive position).
    pub end_line: u32,
    /// Column of the end (exclusive).
    pub end_column: u32,
    /// What is wrong.
    pub message: &'a str,
    /// What to do; `null` when the rule has nothing to add.
    pub help: Option<&'a str>,
    /// Other locations.
    pub related: Vec<JsonRelated<'a>>,
}

/// A related location.
#[derive(Debug, Serialize)]
pub struct JsonRelated<'a> {
    /// Repo-relative path.
    pub file: &'a str,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Why it matters.
    pub message: &'a str,
}

/// Totals.
#[derive(Debug, Serialize)]
pub struct JsonSummary {
    /// Files loaded.
    pub files: usize,
    /// Non-empty documents.
    pub documents: usize,
    /// Error-level findings.
    pub errors: usize,
    /// Warning-level findings.
    pub warnings: usize,
}

/// The report as a `JsonReport` value.
pub fn report<'a>(diagnostics: &'a [Diagnostic], summary: &Summary) -> JsonReport<'a> {
    JsonReport {
        version: 1,
        diagnostics: diagnostics
            .iter()
            .map(|d| JsonDiagnostic {
                rule: d.code,
                name: d.name,
                severity: d.severity.as_str(),
                file: &d.file,
                line: d.span.start.line,
                column: d.span.start.col,
                end_line: d.span.end.line,
                end_column: d.span.end.col,
                message: &d.message,
                help: d.help.as_deref(),
                related: d
                    .related
                    .iter()
                    .map(|r| JsonRelated {
                        file: &r.file,
                        line: r.span.start.line,
                        column: r.span.start.col,
                        message: &r.message,
                    })
                    .collect(),
            })
            .collect(),
        summary: JsonSummary {
            files: summary.files,
            documents: summary.documents,
            errors: summary.counts.errors,
            warnings: summary.counts.warnings,
        },
    }
}

/// Renders the report, pretty-printed, with a trailing newline.
pub fn render(diagnostics: &[Diagnostic], summary: &Summary) -> String {
    // Serializing borrowed strings and integers cannot fail; keep the output valid JSON anyway.
    let mut text = serde_json::to_string_pretty(&report(diagnostics, summary))
        .unwrap_or_else(|e| serde_json::json!({"version": 1, "error": e.to_string()}).to_string());
    text.push('\n');
    text
}

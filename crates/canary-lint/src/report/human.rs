//! rustc-style output through annotate-snippets, then one summary line.

use std::collections::HashMap;
use std::rc::Rc;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use canary_core::located::Span;

use super::lines::LineIndex;
use super::{Summary, escape_controls};
use crate::diagnostic::{Diagnostic, Severity};
use crate::repo::Repo;

/// Renders every finding and the summary line.
pub fn render(repo: &Repo, diagnostics: &[Diagnostic], summary: &Summary, styled: bool) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut lines = LineCache {
        repo,
        indexes: HashMap::new(),
    };
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&render_one(&renderer, &mut lines, d));
        out.push_str("\n\n");
    }
    out.push_str(&summary_line(summary));
    out.push('\n');
    out
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

/// One line table per file, built on first use.
struct LineCache<'r> {
    repo: &'r Repo,
    indexes: HashMap<String, Rc<LineIndex<'r>>>,
}

impl<'r> LineCache<'r> {
    fn index(&mut self, file: &str) -> Rc<LineIndex<'r>> {
        if let Some(index) = self.indexes.get(file) {
            return Rc::clone(index);
        }
        let files = &self.repo.files;
        let text = files
            .binary_search_by(|f| f.rel.as_str().cmp(file))
            .ok()
            .map_or("", |i| files[i].text.as_str());
        let index = Rc::new(LineIndex::new(text));
        self.indexes.insert(file.to_string(), Rc::clone(&index));
        index
    }
}

/// A snippet of `file` with `span` underlined, or just `file:line:col` when the text is not
/// available (binary, unreadable, or the span is past the end).
fn location<'a>(
    lines: &LineIndex<'a>,
    file: &'a str,
    span: Span,
    kind: AnnotationKind,
    label: Option<&'a str>,
) -> annotate_snippets::Element<'a> {
    match lines.slice(span) {
        Some(slice) => Snippet::source(slice.line)
            .line_start(slice.number)
            .path(file)
            .annotation(kind.span(slice.range).label(label))
            .into(),
        None => Origin::path(file)
            .line(span.start.line as usize)
            .char_column(span.start.col as usize)
            .into(),
    }
}

fn render_one(renderer: &Renderer, cache: &mut LineCache<'_>, d: &Diagnostic) -> String {
    let lines = cache.index(&d.file);
    // File names and messages (which quote YAML values) are escaped; see `escape_controls`.
    let (file, message) = (escape_controls(&d.file), escape_controls(&d.message));
    let help = d.help.as_deref().map(escape_controls);
    let related: Vec<_> = d
        .related
        .iter()
        .map(|r| (r, escape_controls(&r.file), escape_controls(&r.message)))
        .collect();
    let mut primary = level(d.severity)
        .primary_title(message.as_ref())
        .id(d.code)
        .element(location(
            &lines,
            file.as_ref(),
            d.span,
            AnnotationKind::Primary,
            None,
        ));
    if let Some(help) = &help {
        primary = primary.element(Level::HELP.message(help.as_ref()));
    }
    let mut groups: Vec<Group<'_>> = vec![primary];
    let related_lines: Vec<_> = related.iter().map(|(r, ..)| cache.index(&r.file)).collect();
    for ((r, file, message), lines) in related.iter().zip(&related_lines) {
        groups.push(
            Group::with_title(Level::NOTE.secondary_title(message.as_ref())).element(location(
                lines,
                file.as_ref(),
                r.span,
                AnnotationKind::Context,
                None,
            )),
        );
    }
    renderer.render(&groups)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `2 errors, 1 warning in 12 files (34 documents)`; infos are added when there are any, and
/// a warning when no file was linted.
pub fn summary_line(summary: &Summary) -> String {
    let c = summary.counts;
    let mut parts = vec![
        plural(c.errors, "error", "errors"),
        plural(c.warnings, "warning", "warnings"),
    ];
    if c.infos > 0 {
        parts.push(plural(c.infos, "info", "infos"));
    }
    let mut line = format!(
        "{} in {} ({})",
        parts.join(", "),
        plural(summary.files, "file", "files"),
        plural(summary.documents, "document", "documents")
    );
    if summary.context_files > 0 {
        line.push_str(&format!(
            "; {} outside the root read as context (built by its kustomizations)",
            plural(summary.context_files, "file", "files")
        ));
    }
    if summary.files == 0 {
        line.push_str("; warning: ");
        line.push_str(NOTHING_LINTED);
    }
    line
}

/// Said on stderr and in the human summary when no file was linted (issue 13, B12): an
/// ignore file or the config's globs may have excluded everything.
pub const NOTHING_LINTED: &str = "nothing was linted: no YAML or JSON file under the root, or \
     every one is excluded (check `.gitignore`, `.ignore`, `.canarylintignore` and the \
     config's include/exclude)";

//! A finding: what rule, how bad, where, and what to do about it.

use std::cmp::Ordering;

use canary_core::located::Span;

/// What kind of problem a rule finds; sets its default severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Will fail or misbehave at run time: error.
    Correctness,
    /// Probably wrong: warning.
    Suspicious,
    /// Worth knowing: info.
    Advice,
}

impl Category {
    /// The default severity of rules in this category.
    pub const fn severity(self) -> Severity {
        match self {
            Category::Correctness => Severity::Error,
            Category::Suspicious => Severity::Warning,
            Category::Advice => Severity::Info,
        }
    }
}

/// Everything known about a rule except how it checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable code, `CL` + three or four digits.
    pub code: &'static str,
    /// Kebab-case name.
    pub name: &'static str,
    /// Category; sets the default severity.
    pub category: Category,
    /// One line for `canary-lint rules`.
    pub summary: &'static str,
    /// The rule's doc comment, one `#[doc]` line per line (each with rustdoc's leading space).
    pub doc: &'static str,
}

impl RuleMeta {
    /// Default severity.
    pub const fn severity(&self) -> Severity {
        self.category.severity()
    }

    /// The doc comment as Markdown, without rustdoc's leading space on each line.
    pub fn explain(&self) -> String {
        let mut out = String::with_capacity(self.doc.len());
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }
}

/// How bad a finding is. A rule's category sets its default severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The controller, analysis engine or CI will fail or misbehave.
    Error,
    /// Probably a mistake; check it.
    Warning,
    /// Advice.
    Info,
}

impl Severity {
    /// Lower-case name used in JSON and headers: `error`, `warning`, `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A second location that explains a finding, possibly in another file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Related {
    /// Repo-relative path with `/` separators.
    pub file: String,
    /// Where in that file.
    pub span: Span,
    /// Why this location matters.
    pub message: String,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable rule code, e.g. `CL104`.
    pub code: &'static str,
    /// Kebab-case rule name, e.g. `workload-ref-scale-down`.
    pub name: &'static str,
    /// Severity.
    pub severity: Severity,
    /// Repo-relative path with `/` separators.
    pub file: String,
    /// The offending key or value.
    pub span: Span,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Other locations involved.
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// A finding of `rule` at `file:span`, with the rule's default severity.
    pub fn new(
        rule: &RuleMeta,
        file: impl Into<String>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code: rule.code,
            name: rule.name,
            severity: rule.category.severity(),
            file: file.into(),
            span,
            message: message.into(),
            help: None,
            related: Vec::new(),
        }
    }

    /// Adds help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets a severity other than the rule's default, for a rule whose findings differ in
    /// consequence (an error only where the run-time outcome is one).
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Adds a related location.
    pub fn with_related(mut self, related: Related) -> Self {
        self.related.push(related);
        self
    }

    /// The key findings are sorted by: file, line, column, rule, then the rest so that
    /// equal positions still sort the same way every run.
    fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (
            &self.file,
            self.span.start.line,
            self.span.start.col,
            self.code,
            &self.message,
        )
    }
}

impl PartialOrd for Diagnostic {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Diagnostic {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sort_key()
            .cmp(&other.sort_key())
            .then_with(|| self.span.end.cmp(&other.span.end))
            .then_with(|| self.related.cmp(&other.related))
            .then_with(|| self.help.cmp(&other.help))
    }
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Error-level findings.
    pub errors: usize,
    /// Warning-level findings.
    pub warnings: usize,
    /// Info-level findings.
    pub infos: usize,
}

impl Counts {
    /// Tallies `diagnostics`.
    pub fn of(diagnostics: &[Diagnostic]) -> Self {
        let mut c = Counts::default();
        for d in diagnostics {
            match d.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Info => c.infos += 1,
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::{Category, RuleMeta};
    use canary_core::located::Pos;

    const META: RuleMeta = RuleMeta {
        code: "CL999",
        name: "test-rule",
        category: Category::Suspicious,
        summary: "test",
        doc: "",
    };

    fn at(file: &str, line: u32, col: u32) -> Diagnostic {
        let p = Pos { line, col };
        Diagnostic::new(&META, file, Span { start: p, end: p }, "m")
    }

    #[test]
    fn sorts_by_file_line_column() {
        let mut v = vec![at("b.yaml", 1, 1), at("a.yaml", 3, 2), at("a.yaml", 3, 1)];
        v.sort();
        let got: Vec<_> = v
            .iter()
            .map(|d| (d.file.as_str(), d.span.start.line, d.span.start.col))
            .collect();
        assert_eq!(got, [("a.yaml", 3, 1), ("a.yaml", 3, 2), ("b.yaml", 1, 1)]);
        assert_eq!(v[0].severity, Severity::Warning);
        assert_eq!(Counts::of(&v).warnings, 3);
    }
}

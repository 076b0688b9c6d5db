//! What the loader could not read: plain load problems, with no rule attached. The rule file
//! `rules/input.rs` turns each into a CL001, CL002, CL003 or CL008 diagnostic.

use canary_core::located::Span;

/// Which input rule a load problem belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The file cannot be read or parsed (CL001).
    Parse,
    /// The file exceeds a loader limit (CL002).
    Limit,
    /// A recognised document does not fit its kind's schema (CL003).
    InvalidObject,
    /// A Helm chart's templates were left out (CL008, info).
    HelmChart,
}

/// A file or document the loader could not take in, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    /// Which input rule reports it.
    pub kind: ProblemKind,
    /// Repo-relative path with `/` separators.
    pub file: String,
    /// Where in the file.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Reported as a warning, not at its rule's severity: a parse error in a file that is
    /// only data of a kustomize generator, or in a Helm template outside a chart.
    pub warning: bool,
}

impl LoadProblem {
    /// A problem of `kind` at `file:span`.
    pub fn new(
        kind: ProblemKind,
        file: impl Into<String>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        LoadProblem {
            kind,
            file: file.into(),
            span,
            message: message.into(),
            help: None,
            warning: false,
        }
    }

    /// Adds help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

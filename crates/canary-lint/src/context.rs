//! What a rule sees: the facts scope (repo, settings, memo), and helpers that put a finding
//! on the exact key or value of a document.

use std::ops::Deref;

use crate::diagnostic::{Diagnostic, Related, RuleMeta};
use crate::facts::{Facts, Memo};
use crate::repo::{Document, Repo};
use crate::settings::Settings;

pub use crate::repo::Target;

/// Everything a rule may read. It dereferences to [`Facts`], so `cx.repo`, `cx.settings` and
/// `cx.memo` read the same scope a fact does, and a rule passes `cx` straight to a fact.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    facts: Facts<'a>,
}

impl<'a> Deref for Context<'a> {
    type Target = Facts<'a>;
    fn deref(&self) -> &Facts<'a> {
        &self.facts
    }
}

impl<'a> Context<'a> {
    /// A context over `repo`.
    pub fn new(repo: &'a Repo, settings: &'a Settings, memo: &'a Memo<'a>) -> Self {
        Context {
            facts: Facts {
                repo,
                settings,
                memo,
            },
        }
    }

    /// A finding of `rule` at the value at `pointer` in `doc`.
    pub fn at_value(
        &self,
        rule: &RuleMeta,
        doc: &Document,
        pointer: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.at(rule, doc, pointer, Target::Value, message)
    }

    /// A finding of `rule` at the key at `pointer` in `doc`.
    pub fn at_key(
        &self,
        rule: &RuleMeta,
        doc: &Document,
        pointer: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.at(rule, doc, pointer, Target::Key, message)
    }

    /// A finding of `rule` at `pointer` in `doc`.
    pub fn at(
        &self,
        rule: &RuleMeta,
        doc: &Document,
        pointer: &str,
        target: Target,
        message: impl Into<String>,
    ) -> Diagnostic {
        let file = &self.repo.file_of(doc).rel;
        Diagnostic::new(rule, file.clone(), self.span(doc, pointer, target), message)
    }

    /// A related location at `pointer` in `doc`.
    pub fn related(
        &self,
        doc: &Document,
        pointer: &str,
        target: Target,
        message: impl Into<String>,
    ) -> Related {
        Related {
            file: self.repo.file_of(doc).rel.clone(),
            span: self.span(doc, pointer, target),
            message: message.into(),
        }
    }
}

impl Context<'_> {
    /// Finishes the finding for a reference from `from` whose target (of `kind`, named `name`,
    /// looked up in `namespace`) is not in the repo, by what the repo shows
    /// ([`crate::facts::reference`]): `None` when `[external]` declares it; an error with "did
    /// you mean" for a near name, or for the name in another namespace (the rule adds those
    /// locations); otherwise a warning that points at `[external]` (an error with
    /// `strict-references`).
    pub fn missing_reference(
        &self,
        finding: Diagnostic,
        kind: crate::repo::Kind,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<Diagnostic> {
        use crate::diagnostic::Severity;
        use crate::facts::reference::{MissingTarget, missing_target};
        let verdict = missing_target(&self.facts, kind, namespace, name);
        let strict = self.settings.strict_references;
        let finding = match &verdict {
            MissingTarget::Declared => return None,
            MissingTarget::Near(doc) => {
                let near = doc.name.as_deref().unwrap_or_default();
                let mut finding = finding
                    .with_help(format!("did you mean `{near}`?"))
                    .with_related(self.related(
                        doc,
                        "/metadata/name",
                        Target::Value,
                        format!("{} `{near}` is defined here", kind.as_str()),
                    ));
                finding
                    .message
                    .push_str(&format!("; did you mean `{near}`?"));
                finding
            }
            MissingTarget::OtherNamespace(_) => finding,
            MissingTarget::Unknown if strict => finding,
            MissingTarget::Unknown => {
                let mut finding = finding.with_help(format!(
                    "if the {} lives elsewhere (another repo, the platform's shared objects), declare it in `[external]` of .canary-lint.toml, e.g. {} = [\"{}{name}\"]; with `strict-references = true` a missing target is an error",
                    kind.as_str(),
                    kind.as_str(),
                    namespace.map(|ns| format!("{ns}/")).unwrap_or_default(),
                ));
                finding.message.push_str(
                    " (a warning, not an error: it is not in this repo, and nothing here shows a mistake; it fails only if it is missing in the cluster too)",
                );
                finding
            }
        };
        let severity = if verdict.is_error(strict) {
            Severity::Error
        } else {
            Severity::Warning
        };
        Some(finding.with_severity(severity))
    }
}

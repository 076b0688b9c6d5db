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

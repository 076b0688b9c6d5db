//! What a rule sees: the repo, the settings, and helpers that put a finding on the exact
//! key or value of a document.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use canary_gen::ladder::DEFAULT_READINESS_ALLOWANCE_SECS;
use canary_gen::located::Span;
use canary_gen::promql::Selector;

use crate::diagnostic::{Diagnostic, Related};
use crate::facts::workflow::Job;
use crate::registry::RuleMeta;
use crate::repo::{Document, Repo};

/// User-tunable settings (from `.canary-lint.toml` and the command line).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Strict schemas from CustomResourceDefinitions (`--crd-dir`), when given.
    pub crd_schemas: Option<std::sync::Arc<canary_gen::crd::CrdSchemas>>,
    /// Seconds allowed per `setWeight` step for new pods to become ready (CI budget).
    pub readiness_allowance_secs: u64,
    /// Prometheus jobs defined outside the repo (a central Prometheus, another repo).
    pub prometheus_jobs: Vec<String>,
    /// The New Relic attribute that carries the Rollout's namespace on controller metrics:
    /// `namespace` (nri-prometheus) or `exported_namespace` (remote_write without
    /// honor_labels).
    pub newrelic_namespace_attribute: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            crd_schemas: None,
            readiness_allowance_secs: DEFAULT_READINESS_ALLOWANCE_SECS,
            prometheus_jobs: Vec::new(),
            newrelic_namespace_attribute: "namespace".to_string(),
        }
    }
}

/// Which part of a mapping entry a finding points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The value (`onSuccess` in `scaleDown: onSuccess`).
    Value,
    /// The key (`scaleDown`).
    Key,
}

/// Results that several rules need, computed once per run. Rules run in parallel: the PromQL
/// map is locked only to find a key's cell, and a rule that asks for a result another rule
/// is computing waits for it instead of computing it again. The workflows are the first task
/// of `run_rules` (`facts::workflow::workflow_jobs`).
#[derive(Debug, Default)]
pub struct Memo<'r> {
    promql: Mutex<HashMap<String, Cell<PromqlSelectors>>>,
    /// Every workflow's jobs with their scripts split into commands (the CI rules all walk
    /// them).
    pub(crate) workflows: OnceLock<Vec<WorkflowJobs<'r>>>,
    /// Which Rollouts use which templates (CL601 and CL602 both need it).
    pub(crate) template_uses: OnceLock<crate::facts::template_use::UseIndex<'r>>,
}

/// One workflow document's jobs, and for each job the split scripts of its `run` steps
/// (`(step index, commands)`).
#[derive(Debug)]
pub(crate) struct WorkflowJobs<'r> {
    pub doc: &'r Document,
    pub jobs: Vec<(Job<'r>, Vec<SplitScript>)>,
}

/// A `run` step's index in its job and its script split into commands.
pub(crate) type SplitScript = (usize, Vec<crate::facts::workflow::ParsedCommand>);

type Cell<T> = Arc<OnceLock<Arc<T>>>;

/// The selectors of a PromQL query, or why it does not parse.
pub type PromqlSelectors = Result<Vec<Selector>, String>;

fn memoized<T>(
    map: &Mutex<HashMap<String, Cell<T>>>,
    key: &str,
    compute: impl FnOnce() -> T,
) -> Arc<T> {
    let cell = match map.lock() {
        Ok(mut m) => match m.get(key) {
            Some(cell) => cell.clone(),
            None => m.entry(key.to_string()).or_default().clone(),
        },
        // A rule panicked while holding the lock: compute without sharing.
        Err(_) => Cell::default(),
    };
    cell.get_or_init(|| Arc::new(compute())).clone()
}

impl Memo<'_> {
    /// `canary_gen::promql::selectors(query)`, parsed once per distinct query.
    pub fn promql_selectors(&self, query: &str) -> Arc<PromqlSelectors> {
        memoized(&self.promql, query, || canary_gen::promql::selectors(query))
    }
}

/// Everything a rule may read.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The whole repo.
    pub repo: &'a Repo,
    /// Settings.
    pub settings: &'a Settings,
    /// Shared results of parsing PromQL and the workflows.
    pub memo: &'a Memo<'a>,
}

impl<'a> Context<'a> {
    /// A context over `repo`.
    pub fn new(repo: &'a Repo, settings: &'a Settings, memo: &'a Memo<'a>) -> Self {
        Context {
            repo,
            settings,
            memo,
        }
    }

    /// The span at `pointer` in `doc`; when the node is absent, the nearest existing parent.
    pub fn span(&self, doc: &Document, pointer: &str, target: Target) -> Span {
        let located = self.repo.located(doc);
        match target {
            Target::Value => located
                .value_span(pointer)
                .unwrap_or_else(|| located.nearest_key_span(pointer)),
            Target::Key => located.nearest_key_span(pointer),
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

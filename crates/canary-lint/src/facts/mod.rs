//! Facts derived from the repo that several rules share (one file per topic), and the memo
//! that computes each of them once per run.
//!
//! Facts read the repo, the settings and `canary-core`; they never import the rule API, the
//! rules or the engine, so a rule can use any fact without a cycle.

pub mod analysis;
pub mod locate;
pub mod newrelic;
pub mod prom_jobs;
pub mod promql;
pub mod reference;
pub mod template_use;
pub mod workflow;
pub mod workload;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use canary_core::located::Span;
use canary_core::promql::Selector;

use crate::repo::{Document, Repo, Target};
use crate::settings::Settings;
use workflow::Job;

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
    pub(crate) template_uses: OnceLock<template_use::UseIndex<'r>>,
    /// Every shell script's and Makefile's commands (CL801, CL802, CL804).
    pub(crate) scripts: OnceLock<Vec<workflow::ScriptCommands<'r>>>,
    /// Every Prometheus gate with what its query can return (CL603, CL604 and CL605).
    pub(crate) prom_gates: OnceLock<Vec<promql::PromGate<'r>>>,
}

/// One workflow document's jobs, and for each job the split scripts of its `run` steps
/// (`(step index, commands)`).
#[derive(Debug)]
pub(crate) struct WorkflowJobs<'r> {
    pub doc: &'r Document,
    pub jobs: Vec<(Job<'r>, Vec<SplitScript>)>,
}

/// A `run` step's index in its job and its script split into commands.
pub(crate) type SplitScript = (usize, Vec<workflow::ParsedCommand>);

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
    /// `canary_core::promql::selectors(query)`, parsed once per distinct query.
    pub fn promql_selectors(&self, query: &str) -> Arc<PromqlSelectors> {
        memoized(&self.promql, query, || {
            canary_core::promql::selectors(query)
        })
    }
}

/// What a fact may read: the repo, the settings and the run's memo. A rule's `Context`
/// dereferences to it, so a fact takes `&Facts` and a rule passes its context.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The whole repo.
    pub repo: &'a Repo,
    /// Settings.
    pub settings: &'a Settings,
    /// Shared results of parsing PromQL and the workflows.
    pub memo: &'a Memo<'a>,
}

impl Facts<'_> {
    /// The span at `pointer` in `doc`; when the node is absent, the nearest existing parent.
    pub fn span(&self, doc: &Document, pointer: &str, target: Target) -> Span {
        self.repo.span(doc, pointer, target)
    }
}

//! canary-lint: checks a repo's Argo Rollouts canary setup for the mistakes the controller,
//! the analysis engine, New Relic and CI only reveal at run time.
//!
//! ```no_run
//! use canary_lint::{lint, context::Settings};
//! let outcome = lint(std::path::Path::new("."), &Settings::default())?;
//! for d in &outcome.diagnostics {
//!     println!("{}:{}: {} [{}]", d.file, d.span.start, d.message, d.code);
//! }
//! # Ok::<(), canary_lint::repo::RepoError>(())
//! ```

pub mod cli;
pub mod config;
pub mod context;
pub mod diagnostic;
pub mod facts;
pub mod files;
pub mod registry;
pub mod repo;
pub mod report;
pub mod rules;
pub mod suppress;

use std::path::Path;

use rayon::prelude::*;

use context::{Context, Settings};
use diagnostic::Diagnostic;
use repo::{Repo, RepoError};
use report::Summary;

/// A linted repo and its findings, sorted by file, line, column, rule.
#[derive(Debug)]
pub struct Outcome {
    /// Everything that was loaded (the renderer needs the sources).
    pub repo: Repo,
    /// Findings.
    pub diagnostics: Vec<Diagnostic>,
}

impl Outcome {
    /// Totals for the summary line.
    pub fn summary(&self) -> Summary {
        Summary::new(&self.repo, &self.diagnostics)
    }

    /// Keeps only findings in the given repo-relative files (`--files`).
    pub fn retain_files(&mut self, files: &std::collections::BTreeSet<String>) {
        self.diagnostics.retain(|d| files.contains(&d.file));
    }
}

/// Runs every rule over `repo` (in parallel) and returns the sorted findings.
pub fn run_rules(repo: &Repo, settings: &Settings) -> Vec<Diagnostic> {
    let memo = context::Memo::default();
    let cx = Context::new(repo, settings, &memo);
    facts::workflow::workflow_jobs(&cx);
    let mut all: Vec<Diagnostic> = rules::ALL
        .par_iter()
        .map(|rule| {
            let mut out = Vec::new();
            rule.check(&cx, &mut out);
            out
        })
        .flatten()
        .collect();
    all.sort();
    all
}

/// Loads and parses `root` without running rules: only the loader's own findings.
pub fn load_only(root: &Path) -> Result<Outcome, RepoError> {
    let (repo, mut diagnostics) = repo::load_repo(root)?;
    diagnostics.sort();
    Ok(Outcome { repo, diagnostics })
}

/// Loads `root` (filtered by the config's globs), runs every rule, then applies inline
/// suppressions and the config's rule levels and per-file suppressions.
pub fn lint_with_config(
    root: &Path,
    settings: &Settings,
    config: &config::Config,
) -> Result<Outcome, RepoError> {
    let (repo, mut diagnostics) = repo::load_repo_filtered(root, &|rel| config.selects(rel))?;
    diagnostics.extend(run_rules(&repo, settings));
    diagnostics.sort();
    diagnostics.dedup();
    suppress::apply(&repo.files, &mut diagnostics);
    config.apply(&mut diagnostics);
    Ok(Outcome { repo, diagnostics })
}

/// Loads `root` and runs every rule. Only an unusable root is an `Err`; everything wrong
/// inside the repo is a finding.
pub fn lint(root: &Path, settings: &Settings) -> Result<Outcome, RepoError> {
    let (repo, mut diagnostics) = repo::load_repo(root)?;
    diagnostics.extend(run_rules(&repo, settings));
    diagnostics.sort();
    diagnostics.dedup();
    suppress::apply(&repo.files, &mut diagnostics);
    Ok(Outcome { repo, diagnostics })
}

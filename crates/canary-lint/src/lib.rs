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

/// The rules that cost most on a large repo (measured on the benchmark monorepo, see
/// docs/benchmarks.md), started first so that no thread is left with a long rule at the end.
const LONGEST_FIRST: [&str; 6] = ["CL602", "CL601", "CL901", "CL704", "CL801", "CL503"];

/// One unit of work of [`run_rules`].
enum Task<'a> {
    /// Split every workflow's scripts (the CI rules read them).
    Workflows,
    /// Run a rule.
    Rule(&'a dyn registry::Rule),
}

/// Runs every rule over `repo` (in parallel) and returns the sorted findings.
///
/// Each of rayon's threads takes the next task from one list, in order: the shared workflow
/// facts, then the longest rules, then the rest (greedy list scheduling; a plain `par_iter`
/// splits the list in halves, which left the longest rule starting last). A CI rule that
/// starts before the workflow facts are ready waits for them.
pub fn run_rules(repo: &Repo, settings: &Settings) -> Vec<Diagnostic> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let memo = context::Memo::default();
    let cx = Context::new(repo, settings, &memo);
    let rank = |rule: &&dyn registry::Rule| {
        LONGEST_FIRST
            .iter()
            .position(|c| *c == rule.meta().code)
            .unwrap_or(LONGEST_FIRST.len())
    };
    let mut ordered: Vec<&dyn registry::Rule> = rules::ALL.to_vec();
    ordered.sort_by_key(rank);
    let tasks: Vec<Task<'_>> = std::iter::once(Task::Workflows)
        .chain(ordered.into_iter().map(Task::Rule))
        .collect();
    let next = AtomicUsize::new(0);
    let found: Mutex<Vec<Diagnostic>> = Mutex::default();
    rayon::scope(|scope| {
        for _ in 0..rayon::current_num_threads() {
            scope.spawn(|_| {
                let mut out = Vec::new();
                while let Some(task) = tasks.get(next.fetch_add(1, Ordering::Relaxed)) {
                    match task {
                        Task::Workflows => {
                            facts::workflow::workflow_jobs(&cx);
                        }
                        Task::Rule(rule) => rule.check(&cx, &mut out),
                    }
                }
                if let Ok(mut found) = found.lock() {
                    found.append(&mut out);
                }
            });
        }
    });
    let mut all = found.into_inner().unwrap_or_default();
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

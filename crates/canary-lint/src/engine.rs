//! The engine: load a repo, run every rule of the table in parallel, convert the loader's
//! problems into their input findings, then apply suppressions and the config.

use std::path::Path;

use crate::context::Context;
use crate::diagnostic::Counts;
use crate::diagnostic::Diagnostic;
use crate::facts::Memo;
use crate::repo::kustomize::is_outside_root;
use crate::repo::{LoadProblem, Repo, RepoError};
use crate::rule::Rule;
use crate::settings::Settings;
use crate::{config, facts, repo, rules, suppress};

/// What was linted, for the summary line and the JSON `summary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Files loaded.
    pub files: usize,
    /// Non-empty documents parsed.
    pub documents: usize,
    /// Files outside the root read as context (what its kustomizations build from
    /// `../../base`); not counted in `files`, and no finding is reported in them.
    pub context_files: usize,
    /// Findings by severity.
    pub counts: Counts,
}

impl Summary {
    /// The summary of `diagnostics` over `repo`.
    pub fn new(repo: &Repo, diagnostics: &[Diagnostic]) -> Self {
        let context_files = repo
            .files
            .iter()
            .filter(|f| is_outside_root(&f.rel))
            .count();
        Summary {
            files: repo.files.len() - context_files,
            documents: repo.document_count(),
            context_files,
            counts: Counts::of(diagnostics),
        }
    }
}

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
    Rule(&'a dyn Rule),
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

    let memo = Memo::default();
    let cx = Context::new(repo, settings, &memo);
    let rank = |rule: &&dyn Rule| {
        LONGEST_FIRST
            .iter()
            .position(|c| *c == rule.meta().code)
            .unwrap_or(LONGEST_FIRST.len())
    };
    let mut ordered: Vec<&dyn Rule> = rules::ALL.to_vec();
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
    let (repo, problems) = repo::load_repo(root)?;
    let mut diagnostics = input_findings(problems);
    report_only_inside(&mut diagnostics);
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
    let (repo, problems) = repo::load_repo_filtered(root, &|rel| config.selects(rel))?;
    let mut diagnostics = input_findings(problems);
    diagnostics.extend(run_rules(&repo, settings));
    report_only_inside(&mut diagnostics);
    diagnostics.sort();
    diagnostics.dedup();
    suppress::apply(&repo.files, &mut diagnostics);
    config.apply(&mut diagnostics);
    Ok(Outcome { repo, diagnostics })
}

/// Lints one stream read from stdin, named `name` in locations, with the config found from
/// the working directory: `helm template . | canary-lint -`, `kustomize build overlays/prod |
/// canary-lint -`, `kubectl get rollout,svc,ingress -o yaml | canary-lint -`.
pub fn lint_stream(
    name: &str,
    bytes: Vec<u8>,
    settings: &Settings,
    config: &config::Config,
    parse_only: bool,
) -> Outcome {
    let (repo, problems) = repo::load_stream(name, bytes);
    let mut diagnostics = input_findings(problems);
    if !parse_only {
        diagnostics.extend(run_rules(&repo, settings));
    }
    diagnostics.sort();
    diagnostics.dedup();
    suppress::apply(&repo.files, &mut diagnostics);
    config.apply(&mut diagnostics);
    Outcome { repo, diagnostics }
}

/// Loads `root` and runs every rule. Only an unusable root is an `Err`; everything wrong
/// inside the repo is a finding.
pub fn lint(root: &Path, settings: &Settings) -> Result<Outcome, RepoError> {
    let (repo, problems) = repo::load_repo(root)?;
    let mut diagnostics = input_findings(problems);
    diagnostics.extend(run_rules(&repo, settings));
    report_only_inside(&mut diagnostics);
    diagnostics.sort();
    diagnostics.dedup();
    suppress::apply(&repo.files, &mut diagnostics);
    Ok(Outcome { repo, diagnostics })
}

/// Drops findings in files outside the root: they were read only as context (what the
/// root's kustomizations build from `../../base`), and are reported when their own directory
/// is linted. A finding inside the root may still point at them in its related locations.
fn report_only_inside(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.retain(|d| !is_outside_root(&d.file));
}

/// The loader's problems as CL001–CL003 findings.
fn input_findings(problems: Vec<LoadProblem>) -> Vec<Diagnostic> {
    problems.into_iter().map(rules::input::diagnostic).collect()
}

//! canary-lint: checks a repo's Argo Rollouts canary setup for the mistakes the controller,
//! the analysis engine, New Relic and CI only reveal at run time. It owns the repo loader,
//! the rules (one file each), the engine that runs them, the report formats and its command
//! line, and reads everything it knows about Argo Rollouts from `canary-core`. It must not
//! depend on `canary-gen`: the linter judges what the generator writes, independently.
//!
//! ```no_run
//! use canary_lint::{lint, settings::Settings};
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
pub mod engine;
pub mod facts;
pub mod files;
pub mod registry;
pub mod repo;
pub mod report;
pub mod rule;
pub mod rules;
pub mod settings;
pub mod suppress;

pub use engine::{Outcome, lint, lint_with_config, load_only, run_rules};

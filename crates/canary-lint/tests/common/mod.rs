//! Helpers shared by the integration tests (each test file includes this as a module).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use canary_lint::config::{Config, Overrides};
use canary_lint::report::{self, Format};
use canary_lint::{Outcome, lint_with_config};

/// `fixtures/` at the workspace root.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/lint")
}

/// Lints `root` as the CLI does (its `.canary-lint.toml`, if any, applies); panics only if
/// the root or its config is unusable.
pub fn lint_ok(root: &Path) -> Outcome {
    let config = match Config::discover(root, None) {
        Ok(c) => c,
        Err(e) => panic!("config of {}: {}", root.display(), e.render(false)),
    };
    let settings = match config.settings(root, &Overrides::default()) {
        Ok(s) => s,
        Err(e) => panic!("settings of {}: {e}", root.display()),
    };
    match lint_with_config(root, &settings, &config) {
        Ok(outcome) => outcome,
        Err(e) => panic!("lint({}) failed: {e}", root.display()),
    }
}

/// Plain human output and JSON output, so every test also exercises both renderers.
pub fn render_both(outcome: &Outcome) -> (String, String) {
    let summary = outcome.summary();
    let human = report::render(
        Format::Human,
        &outcome.repo,
        &outcome.diagnostics,
        &summary,
        false,
    );
    let json = report::render(
        Format::Json,
        &outcome.repo,
        &outcome.diagnostics,
        &summary,
        false,
    );
    (human, json)
}

/// Codes of all findings, in output order.
pub fn codes(outcome: &Outcome) -> Vec<&'static str> {
    outcome.diagnostics.iter().map(|d| d.code).collect()
}

/// Writes `bytes` to `dir/rel`, creating parent directories.
pub fn write(dir: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {parent:?}: {e}"));
    }
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {path:?}: {e}"));
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

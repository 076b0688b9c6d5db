//! Helpers shared by the end-to-end and command-line tests (each test file includes this as a
//! module): render a spec into a directory, lint a directory, fixture paths.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use canary_gen::bundle::build;
use canary_gen::output::write_tree;
use canary_gen::render::render;
use canary_gen::spec::{LoadedSpec, Overrides, default_spec, validate};
use canary_lint::report::{Format, render as render_report};
use canary_lint::settings::Settings;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `fixtures/lint` at the workspace root.
pub fn fixtures() -> PathBuf {
    root().join("fixtures/lint")
}

/// Lints `root` as the CLI does (its `.canary-lint.toml`, if any, applies).
pub fn lint_ok(root: &Path) -> canary_lint::Outcome {
    let config = canary_lint::config::Config::discover(root, None)
        .unwrap_or_else(|e| panic!("config of {}: {}", root.display(), e.render(false)));
    let settings = config
        .settings(root, &canary_lint::config::Overrides::default())
        .unwrap_or_else(|e| panic!("settings of {}: {e}", root.display()));
    canary_lint::lint_with_config(root, &settings, &config)
        .unwrap_or_else(|e| panic!("lint({}) failed: {e}", root.display()))
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

/// The default spec with overrides, validated.
pub fn spec(overrides: &Overrides, edit: impl FnOnce(&mut LoadedSpec)) -> LoadedSpec {
    let mut loaded = default_spec().expect("default spec loads");
    overrides.apply(&mut loaded);
    edit(&mut loaded);
    validate(&loaded).expect("spec validates");
    loaded
}

/// Render `loaded` into `dir`.
pub fn render_into(loaded: &LoadedSpec, dir: &Path) {
    let files = render(&build(&loaded.spec)).expect("renders");
    write_tree(dir, &files).expect("writes");
}

/// Copy every file of a fixture directory into `dir`.
pub fn copy_fixture(fixture: &str, dir: &Path) {
    let from = root().join("fixtures").join(fixture);
    copy_dir(&from, dir);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Lint `dir` and return the human report plus the number of findings.
pub fn lint(dir: &Path) -> (String, usize, usize) {
    let outcome = canary_lint::lint(dir, &Settings::default()).expect("lint runs");
    let summary = outcome.summary();
    let text = render_report(
        Format::Human,
        &outcome.repo,
        &outcome.diagnostics,
        &summary,
        false,
    );
    (text, outcome.diagnostics.len(), summary.documents)
}

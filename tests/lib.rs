//! Helpers for the end-to-end tests: render a spec into a directory, lint a directory, and
//! print findings readably when an assertion fails.

use std::path::{Path, PathBuf};

use canary_gen::bundle::build;
use canary_gen::output::write_tree;
use canary_gen::render::render;
use canary_gen::spec::{LoadedSpec, Overrides, default_spec, validate};
use canary_lint::context::Settings;
use canary_lint::report::{Format, render as render_report};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
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

//! Helpers shared by the canary-gen integration tests.
#![allow(dead_code)]

use canary_gen::bundle::build;
use canary_gen::render::{RenderedFile, render};
use canary_gen::spec::{
    LoadedSpec, Overrides, Provider, Routing, default_spec, load_spec, validate,
};

/// The workspace root.
pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The custom fixture spec.
pub fn custom_spec() -> LoadedSpec {
    let path = root().join("fixtures/gen/custom/canary.yaml");
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    load_spec("fixtures/gen/custom/canary.yaml", &text).expect("custom spec loads")
}

/// Render the default spec with overrides.
pub fn render_default(provider: Provider, routing: Routing) -> Vec<RenderedFile> {
    let mut loaded = default_spec().expect("default loads");
    Overrides {
        provider: Some(provider),
        routing: Some(routing),
        stable_ingress: None,
    }
    .apply(&mut loaded);
    render_loaded(&loaded)
}

/// Validate, build and render.
pub fn render_loaded(loaded: &LoadedSpec) -> Vec<RenderedFile> {
    validate(loaded).expect("spec validates");
    render(&build(&loaded.spec)).expect("renders")
}

/// All files as one text, for snapshots.
pub fn tree_text(files: &[RenderedFile]) -> String {
    let mut out = String::new();
    for f in files {
        out.push_str(&format!("==> {} <==\n{}", f.path, f.contents));
        if !f.contents.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

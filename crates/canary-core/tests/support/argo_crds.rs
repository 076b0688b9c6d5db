//! The real Argo Rollouts CRDs, read from the shared folder outside the repo (data, never
//! copied in). Included with `#[path]` by the CRD tests of canary-core and canary-gen.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

use canary_core::crd::{CrdSchemas, SchemaViolation};

/// The shared folder of Argo Rollouts CRDs (data, kept outside the repo).
pub fn crd_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/argo-crds"
    ))
}

/// The Argo schemas, loaded once per test binary; `None` (with a notice) when the folder is absent.
pub fn argo() -> Option<&'static CrdSchemas> {
    static SCHEMAS: OnceLock<Option<CrdSchemas>> = OnceLock::new();
    let schemas = SCHEMAS.get_or_init(|| {
        let dir = crd_dir();
        if !dir.is_dir() {
            return None;
        }
        let started = Instant::now();
        let schemas =
            CrdSchemas::load_dir(&dir).unwrap_or_else(|e| panic!("loading {}: {e}", dir.display()));
        eprintln!(
            "loaded and compiled {} CRD schemas from {} in {:?}",
            schemas.kinds().len(),
            dir.display(),
            started.elapsed()
        );
        Some(schemas)
    });
    if schemas.is_none() {
        eprintln!(
            "skipping: CRD folder {} is absent (it holds the Argo Rollouts CRDs as data)",
            crd_dir().display()
        );
    }
    schemas.as_ref()
}

/// The violations, one `pointer: message` per line, for assertion messages.
pub fn show(violations: &[SchemaViolation]) -> String {
    violations
        .iter()
        .map(|v| format!("{}: {}", v.pointer, v.message))
        .collect::<Vec<_>>()
        .join("\n")
}

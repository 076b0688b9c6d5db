//! `--crd-dir` against the real Argo Rollouts CRDs in `../shared/argo-crds`, when present.

use std::path::PathBuf;
use std::process::Command;

fn argo_crds() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/argo-crds");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "notice: {} not found; skipping the real-CRD tests",
            dir.display()
        );
        None
    }
}

fn lint_json(dir: &std::path::Path, crds: &std::path::Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_canary-lint"))
        .args(["--format", "json", "--crd-dir"])
        .arg(crds)
        .arg(dir)
        .output()
        .expect("runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn generated_manifests_pass_and_a_typo_fails_at_its_line() {
    let Some(crds) = argo_crds() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut loaded = canary_gen::spec::default_spec().expect("default");
    canary_gen::spec::Overrides {
        provider: None,
        routing: Some(canary_gen::spec::Routing::Nginx),
        stable_ingress: None,
    }
    .apply(&mut loaded);
    let files =
        canary_gen::render::render(&canary_gen::bundle::build(&loaded.spec)).expect("renders");
    canary_gen::output::write_tree(dir.path(), &files).expect("writes");
    let v = lint_json(dir.path(), &crds);
    let crd: Vec<_> = v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .filter(|d| d["rule"] == "CL007")
        .collect();
    assert!(
        crd.is_empty(),
        "generated output fails the real CRDs: {crd:?}"
    );

    let rollout = dir.path().join("k8s/canary/rollout-instant-api.yaml");
    let text = std::fs::read_to_string(&rollout).expect("read");
    let line = text
        .lines()
        .position(|l| l.contains("- setWeight: 50"))
        .expect("step")
        + 1;
    std::fs::write(&rollout, text.replace("- setWeight: 50", "- setWieght: 50")).expect("write");
    let v = lint_json(dir.path(), &crds);
    let hit = v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["rule"] == "CL007")
        .expect("CL007 finding");
    assert_eq!(hit["file"], "k8s/canary/rollout-instant-api.yaml");
    assert_eq!(hit["line"].as_u64(), Some(line as u64));
    assert_eq!(hit["column"].as_u64(), Some(11));
    assert!(
        hit["message"]
            .as_str()
            .unwrap_or_default()
            .contains("did you mean `setWeight`"),
        "{hit}"
    );
}

#[test]
fn a_bad_crd_dir_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_canary-lint"))
        .args(["--crd-dir", "/nonexistent/crds", "."])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--crd-dir"));
}

//! Kustomize patches are fragments, not objects: a Rollout patch that only sets its steps is
//! not judged as a Rollout of its own (`fixtures/lint/kustomize`).

mod common;

use canary_lint::repo::Kind;
use common::{fixtures, lint_ok};

#[test]
fn patches_named_by_a_kustomization_are_not_objects() {
    let mut outcome = lint_ok(&fixtures().join("kustomize"));
    // The base's gates do not select the canary's pods (CL606); not what this test is about.
    outcome.diagnostics.retain(|d| d.code != "CL606");
    assert!(
        outcome.diagnostics.is_empty(),
        "{:?}",
        outcome
            .diagnostics
            .iter()
            .map(|d| format!("{} {}:{} {}", d.code, d.file, d.span.start, d.message))
            .collect::<Vec<_>>()
    );
    let rollouts: Vec<&str> = outcome
        .repo
        .of_kind(Kind::Rollout)
        .map(|d| outcome.repo.file_of(d).rel.as_str())
        .collect();
    assert_eq!(rollouts, ["base/rollout.yaml"]);
    let deployments: Vec<&str> = outcome
        .repo
        .of_kind(Kind::Deployment)
        .map(|d| outcome.repo.file_of(d).rel.as_str())
        .collect();
    assert_eq!(deployments, ["base/deployment.yaml"]);
}

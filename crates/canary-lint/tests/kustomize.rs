//! Kustomize patches are fragments, not objects: a Rollout patch that only sets its steps is
//! not judged as a Rollout of its own (`fixtures/lint/kustomize`).

mod common;

use canary_lint::repo::Kind;
use common::{fixtures, lint_ok, render_both};

/// The files that hold the indexed documents of `kind`, in index order.
fn files_of(outcome: &canary_lint::Outcome, kind: Kind) -> Vec<&str> {
    outcome
        .repo
        .of_kind(kind)
        .map(|d| outcome.repo.file_of(d).rel.as_str())
        .collect()
}

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
    let rollouts = files_of(&outcome, Kind::Rollout);
    assert_eq!(rollouts, ["base/rollout.yaml"]);
    let deployments = files_of(&outcome, Kind::Deployment);
    assert_eq!(deployments, ["base/deployment.yaml"]);
}

#[test]
fn files_a_generator_copies_into_a_configmap_are_data() {
    let outcome = lint_ok(&fixtures().join("kustomize-generators"));
    let found: Vec<(&str, &str, &str, u32)> = outcome
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code,
                d.severity.as_str(),
                d.file.as_str(),
                d.span.start.line,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            // Generator data that does not parse: a warning that says why it is not an error.
            ("CL001", "warning", "blueprints/broken.yaml", 8),
            // A manifest kubectl applies: still an error.
            ("CL001", "error", "broken-manifest.yaml", 5),
        ],
        "{:?}",
        outcome.diagnostics
    );
    let warning = &outcome.diagnostics[0];
    assert!(
        warning.message.contains(
            "configMapGenerator `app-data` of `kustomization.yaml` copies it into a ConfigMap"
        ),
        "{}",
        warning.message
    );
    // templates/job.yaml looks like a Deployment (`replicas: three`, a label `legacy: no`), but
    // it is data: no CL003, no CL009 and no Deployment. prometheus.yml is still read as a scrape config (no CL602).
    assert_eq!(outcome.repo.of_kind(Kind::Deployment).count(), 0);
    let scrape = files_of(&outcome, Kind::ScrapeConfig);
    assert_eq!(scrape, ["prometheus.yml"]);
    let (human, _) = render_both(&outcome);
    insta::assert_snapshot!("generator_data", human);
}

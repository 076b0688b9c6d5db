//! The two tools agree: everything `canary-gen render --out-dir` writes, for every provider ×
//! routing combination, next to the team's matching Deployment (and, for nginx, an Ingress
//! that routes to the stable Service), lints with zero findings.

mod common;

use canary_gen::spec::{Overrides, Provider, Routing};
use common::{copy_fixture, lint, render_into, spec};

#[test]
fn every_combination_lints_clean() {
    for provider in [Provider::Prometheus, Provider::Newrelic] {
        for routing in [Routing::None, Routing::Nginx] {
            let dir = tempfile::tempdir().expect("tempdir");
            let overrides = Overrides {
                provider: Some(provider),
                routing: Some(routing),
                stable_ingress: None,
            };
            // The default layout puts the CI workflow where GitHub (and the linter's CI
            // rules) look for it.
            let loaded = spec(&overrides, |l| {
                assert_eq!(l.spec.layout.ci, ".github/workflows");
            });
            render_into(&loaded, dir.path());
            copy_fixture("e2e/app", dir.path());
            copy_fixture(
                if routing == Routing::Nginx {
                    "e2e/ingress-nginx"
                } else {
                    "e2e/ingress-basic"
                },
                dir.path(),
            );
            let (report, findings, documents) = lint(dir.path());
            assert!(
                documents >= 10,
                "{provider:?}/{routing:?}: only {documents} documents loaded"
            );
            assert_eq!(
                findings, 0,
                "{provider:?} × {routing:?} render does not lint clean:\n{report}"
            );
        }
    }
}

#[test]
fn the_linter_catches_a_hand_edit_of_the_render() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loaded = spec(&Overrides::default(), |_| {});
    render_into(&loaded, dir.path());
    copy_fixture("e2e/app", dir.path());
    copy_fixture("e2e/ingress-basic", dir.path());
    // Someone "simplifies" the CI step and the scale-down setting.
    let wf = dir.path().join(".github/workflows/deploy-instant-api.yml");
    let text = std::fs::read_to_string(&wf).expect("workflow");
    std::fs::write(&wf, text.replace("--timeout=1740s", "--timeout=300s")).expect("write");
    let ro = dir.path().join("k8s/canary/rollout-instant-api.yaml");
    let text = std::fs::read_to_string(&ro).expect("rollout");
    std::fs::write(
        &ro,
        text.replace("scaleDown: onsuccess", "scaleDown: onSuccess"),
    )
    .expect("write");
    let (report, findings, _) = lint(dir.path());
    assert!(findings >= 2, "{report}");
    assert!(report.contains("CL104"), "{report}");
    assert!(report.contains("rollout-instant-api.yaml:"), "{report}");
}

/// Issue 12, defects 4 and 5: gates whose queries return several series or a scalar render
/// conditions the linter accepts (CL603-CL605 read `all(result, …)` and a bare `result` the way
/// the generator writes them), and the render lints clean.
#[test]
fn many_series_and_scalar_gates_lint_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loaded = spec(&Overrides::default(), |l| {
        l.spec.layout.ci = ".github/workflows".into();
        let scoped = r#"job="{{args.job}}",rollouts_pod_template_hash="{{args.canary-hash}}""#;
        if let Some(q) = l.spec.metrics[1].prometheus.as_mut() {
            q.query = format!("sum by (pod) (increase(deploy_jobs_failed_total{{{scoped}}}[5m]))");
        }
        if let Some(q) = l.spec.metrics[2].prometheus.as_mut() {
            q.query = format!("scalar(min(up{{{scoped}}}))");
        }
    });
    canary_gen::spec::validate(&loaded).expect("valid");
    let notices = canary_gen::bundle::build(&loaded.spec).notices;
    assert!(
        notices
            .iter()
            .any(|n| n.starts_with("gate `deploy-job-failures` can return several series")),
        "{notices:?}"
    );
    assert!(!notices.iter().any(|n| n.contains("`api-up` can return")));
    render_into(&loaded, dir.path());
    copy_fixture("e2e/app", dir.path());
    copy_fixture("e2e/ingress-basic", dir.path());
    let template = std::fs::read_to_string(
        dir.path()
            .join("k8s/canary/analysistemplate-instant-api.yaml"),
    )
    .expect("template");
    assert!(
        template.contains("len(result) == 0 || all(result, isNaN(#) || # <= 0.0)"),
        "{template}"
    );
    assert!(
        template.contains("!isNaN(result) && result >= 1.0"),
        "{template}"
    );
    let (report, findings, _) = lint(dir.path());
    assert_eq!(findings, 0, "{report}");
}

//! Full renders, snapshotted for review: every file, for each provider × routing, and a custom spec.

mod common;

use canary_gen::spec::{Provider, Routing};

#[test]
fn default_spec_all_combinations() {
    for (provider, routing, name) in [
        (Provider::Prometheus, Routing::None, "prometheus_basic"),
        (Provider::Prometheus, Routing::Nginx, "prometheus_nginx"),
        (Provider::Newrelic, Routing::None, "newrelic_basic"),
        (Provider::Newrelic, Routing::Nginx, "newrelic_nginx"),
    ] {
        let files = common::render_default(provider, routing);
        insta::assert_snapshot!(name, common::tree_text(&files));
    }
}

#[test]
fn custom_spec() {
    let files = common::render_loaded(&common::custom_spec());
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert!(
        paths.contains(&"deploy/payments/canary/rollout-payments.yaml"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&".github/workflows/deploy-payments.yml"),
        "{paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.contains("prometheusrule")),
        "New Relic spec renders no PrometheusRule"
    );
    insta::assert_snapshot!("custom_payments", common::tree_text(&files));
}

#[test]
fn plan_of_the_default_matches_argo_arithmetic() {
    let loaded = canary_gen::spec::default_spec().unwrap();
    let bundle = canary_gen::bundle::build(&loaded.spec);
    let text = canary_gen::cli::plan_text(&bundle);
    assert!(text.contains("1 + 2 (33%)  ≠ setWeight 10"), "{text}");
    assert!(text.contains("--timeout=1740s"), "{text}");
    insta::assert_snapshot!("plan_default", text);
}

//! Realistic repos that follow every rule produce zero findings.

mod common;

use common::{lint, root};

#[test]
fn seed_like_repo_is_clean() {
    let dir = root().join("fixtures/lint/clean-seed");
    let (report, findings, documents) = lint(&dir);
    assert!(documents >= 15, "only {documents} documents: {report}");
    assert_eq!(findings, 0, "the clean seed repo has findings:\n{report}");
}

/// The clean seed repo's generated files are exactly what canary-gen renders from its spec, so
/// the fixture tracks the generator (and doubles as a `canary-gen diff` drift-check example).
#[test]
fn seed_like_repo_is_what_canary_gen_renders() {
    use clap::Parser;
    let dir = root().join("fixtures/lint/clean-seed");
    let cli = canary_gen::cli::Cli::parse_from([
        "canary-gen",
        "diff",
        "--config",
        dir.join("canary.yaml").to_str().expect("utf-8 path"),
        "--out-dir",
        dir.to_str().expect("utf-8 path"),
        "--upsert-dashboard",
        "newrelic/dashboards/instanode-reliability.json",
    ]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = canary_gen::cli::run(cli, &mut out, &mut err).map_err(|f| f.message);
    assert_eq!(
        code,
        Ok(0),
        "stale fixture; re-render it:\n{}{}",
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&err)
    );
}

//! Realistic repos that follow every rule produce zero findings.

use canary_e2e::{lint, root};

#[test]
fn seed_like_repo_is_clean() {
    let dir = root().join("fixtures/lint/clean-seed");
    let (report, findings, documents) = lint(&dir);
    assert!(documents >= 15, "only {documents} documents: {report}");
    assert_eq!(findings, 0, "the clean seed repo has findings:\n{report}");
}

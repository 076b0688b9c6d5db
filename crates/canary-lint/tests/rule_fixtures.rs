//! Data-driven rule tests: every `fixtures/lint/<CODE>/bad` must produce at least one finding
//! of `<CODE>` (the rendered human output is an insta snapshot), and every
//! `fixtures/lint/<CODE>/good` must produce no finding of `<CODE>` and no input findings
//! (CL001–CL003). Whole-repo cleanliness is tested by the realistic clean repos in
//! `tests/clean_repos.rs`.

mod common;

use std::path::PathBuf;

use canary_lint::registry::find_rule;
use common::{fixtures, lint_ok, render_both};

/// `(code, case dir)` for every `fixtures/lint/CL*/{bad,good}`, sorted.
fn cases(kind: &str) -> Vec<(String, PathBuf)> {
    let root = fixtures();
    let entries = std::fs::read_dir(&root).unwrap_or_else(|e| panic!("read {root:?}: {e}"));
    let mut out: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let code = e.file_name().to_str()?.to_string();
            let dir = e.path().join(kind);
            (code.starts_with("CL") && dir.is_dir()).then_some((code, dir))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn bad_fixtures_trigger_their_rule() {
    let cases = cases("bad");
    assert!(
        cases.len() >= 2,
        "expected the CL101 and CL104 fixtures, got {cases:?}"
    );
    for (code, dir) in cases {
        assert!(
            find_rule(&code).is_some(),
            "fixture for unknown rule {code}"
        );
        let mut outcome = lint_ok(&dir);
        outcome.diagnostics.retain(|d| d.code == code);
        assert!(
            !outcome.diagnostics.is_empty(),
            "{code}/bad produced no {code} finding: {:?}",
            outcome.diagnostics
        );
        let (human, _) = render_both(&outcome);
        insta::assert_snapshot!(format!("{code}_bad"), human);
    }
}

#[test]
fn good_fixtures_are_clean() {
    let cases = cases("good");
    assert!(
        cases.len() >= 2,
        "expected the CL101 and CL104 fixtures, got {cases:?}"
    );
    for (code, dir) in cases {
        let mut outcome = lint_ok(&dir);
        outcome
            .diagnostics
            .retain(|d| d.code == code || matches!(d.code, "CL001" | "CL002" | "CL003"));
        assert!(
            outcome.diagnostics.is_empty(),
            "{code}/good is not clean:\n{}",
            render_both(&outcome).0
        );
        assert!(outcome.summary().documents > 0, "{code}/good is empty");
    }
}

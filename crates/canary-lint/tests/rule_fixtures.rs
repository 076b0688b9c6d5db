//! Data-driven rule tests: every `fixtures/lint/<CODE>/bad` must produce at least one finding
//! of `<CODE>` (the rendered human output is an insta snapshot), and every
//! `fixtures/lint/<CODE>/good` must produce no finding of `<CODE>` and no input findings
//! (CL001–CL003). Whole-repo cleanliness is tested by the realistic clean repos in
//! `tests/clean_repos.rs`.

mod common;

use std::path::PathBuf;

use canary_lint::registry::find_rule;
use common::{fixtures, lint_ok, render_both};

/// `(code, case dir)` for every `fixtures/lint/CL*/{bad,good}`, sorted, plus the extra
/// cases `fixtures/lint/CL*/<kind>-<what>` (e.g. `CL901/bad-rendered`).
fn cases(kind: &str) -> Vec<(String, PathBuf)> {
    let root = fixtures();
    let entries = std::fs::read_dir(&root).unwrap_or_else(|e| panic!("read {root:?}: {e}"));
    let mut out: Vec<(String, PathBuf)> = Vec::new();
    for e in entries.filter_map(Result::ok) {
        let Some(code) = e.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if !code.starts_with("CL") {
            continue;
        }
        let subs = std::fs::read_dir(e.path()).unwrap_or_else(|e| panic!("read {code}: {e}"));
        for sub in subs.filter_map(Result::ok) {
            let Some(name) = sub.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let extra = name
                .strip_prefix(kind)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'));
            if extra && sub.path().is_dir() {
                out.push((code.clone(), sub.path()));
            }
        }
    }
    out.sort();
    out
}

/// The snapshot name of a case: `CL101_bad`, `CL901_bad-rendered`.
fn case_name(code: &str, dir: &std::path::Path) -> String {
    let kind = dir.file_name().and_then(|n| n.to_str()).unwrap_or("bad");
    format!("{code}_{kind}")
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
            "{} produced no {code} finding: {:?}",
            dir.display(),
            outcome.diagnostics
        );
        let (human, _) = render_both(&outcome);
        insta::assert_snapshot!(case_name(&code, &dir), human);
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
        // Not vacuous: it holds documents, or (for the CI rules) scripts that are read.
        let summary = outcome.summary();
        assert!(
            summary.documents > 0
                || outcome
                    .repo
                    .files
                    .iter()
                    .any(|f| !f.text.is_empty() && f.docs.is_empty()),
            "{code}/good is empty"
        );
    }
}

//! References resolve to the nearest copy of a name (same file, same directory, then the
//! nearest ancestor), so the verdict on a file does not depend on where the linter starts:
//! `fixtures/lint/resolution` holds two sibling apps that reuse every object name.

mod common;

use common::{fixtures, lint_ok, render_both};

/// `(code, file, line, column)` of the findings in files under `prefix`, with `prefix`
/// stripped, so runs from different roots compare.
fn findings_under(outcome: &canary_lint::Outcome, prefix: &str) -> Vec<(String, String, u32, u32)> {
    let mut out: Vec<_> = outcome
        .diagnostics
        .iter()
        .filter_map(|d| {
            let file = d.file.strip_prefix(prefix)?;
            Some((
                d.code.to_string(),
                file.to_string(),
                d.span.start.line,
                d.span.start.col,
            ))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_verdict_on_a_file_does_not_depend_on_the_scan_root() {
    let root = fixtures().join("resolution");
    let whole = lint_ok(&root);
    for app in ["app-a", "app-b"] {
        let alone = lint_ok(&root.join(app));
        assert_eq!(
            findings_under(&whole, &format!("{app}/")),
            findings_under(&alone, ""),
            "{app}: the run from the fixture root and the run from {app}/ disagree"
        );
    }
}

#[test]
fn each_rollout_is_checked_against_its_own_apps_services() {
    let whole = lint_ok(&fixtures().join("resolution"));
    let errors: Vec<(String, String, u32, u32)> = findings_under(&whole, "")
        .into_iter()
        .filter(|(code, ..)| code != "CL406")
        .collect();
    // The one real defect: app-b's canary Service selects app-a's pods.
    assert_eq!(
        errors,
        [(
            "CL202".to_string(),
            "app-b/services.yaml".to_string(),
            8,
            10
        )]
    );
    let (human, _) = render_both(&whole);
    insta::assert_snapshot!("two_sibling_apps", human);
}

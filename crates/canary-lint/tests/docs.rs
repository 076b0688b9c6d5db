//! Documentation generated from the code: the committed rules reference must be current.

#[test]
fn docs_rules_md_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let fresh = canary_lint::cli::rules_markdown();
    assert!(
        committed == fresh,
        "docs/rules.md is stale; regenerate it with:\n  cargo run --bin canary-lint -- rules --format markdown > docs/rules.md"
    );
    for rule in canary_lint::rules::ALL {
        let m = rule.meta();
        assert!(
            fresh.contains(&format!("## {} {}", m.code, m.name)),
            "{} missing",
            m.code
        );
    }
}

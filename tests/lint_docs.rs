//! Documentation generated from the code: the committed rules reference must be current, and
//! the CLI's completions and man page render.

use std::process::Command;

#[test]
fn docs_rules_md_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
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

#[test]
fn completions_and_man_page() {
    let bin = env!("CARGO_BIN_EXE_canary-lint");
    for shell in ["bash", "zsh", "fish"] {
        let out = Command::new(bin)
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert!(out.status.success(), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("canary-lint"),
            "{shell}"
        );
    }
    let man = Command::new(bin).arg("man").output().expect("runs");
    assert!(man.status.success());
    assert!(String::from_utf8_lossy(&man.stdout).contains(".TH canary-lint"));
}

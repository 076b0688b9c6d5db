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
fn a_base_outside_the_scan_root_is_read_as_context() {
    // overlays/prod builds ../../base. Started there, the linter reads what that kustomization
    // builds from outside it, and judges the overlay as it does from the fixture root.
    let root = fixtures().join("kustomize-outside");
    let whole = lint_ok(&root);
    let alone = lint_ok(&root.join("overlays/prod"));
    assert_eq!(
        findings_under(&whole, "overlays/prod/"),
        findings_under(&alone, ""),
        "the run from the fixture root and the run from overlays/prod/ disagree"
    );
    // The one real defect: the template's arg is not supplied (seen only with the base's
    // template). Without the base this was two "not in this repo" warnings and no error; the
    // leftover Services in old/ (nearer by directory, wrong selector) are not judged.
    assert_eq!(
        in_file(&alone, "rollout.yaml"),
        [("CL502".to_string(), "error".to_string(), 23)]
    );
    assert!(
        alone.diagnostics.iter().all(|d| d.file == "rollout.yaml"),
        "nothing is reported outside the root, nor in the leftover copy: {:?}",
        alone.diagnostics
    );
    let related: Vec<&str> = alone.diagnostics[0]
        .related
        .iter()
        .map(|r| r.file.as_str())
        .collect();
    assert_eq!(related, ["../../base/analysis.yaml"]);
    let summary = alone.summary();
    assert_eq!(
        (summary.files, summary.documents, summary.context_files),
        (3, 4, 4)
    );
    let (human, _) = render_both(&alone);
    insta::assert_snapshot!("base_outside_the_scan_root", human);
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

/// `(code, severity, line)` of every finding in `file`.
fn in_file(outcome: &canary_lint::Outcome, file: &str) -> Vec<(String, String, u32)> {
    outcome
        .diagnostics
        .iter()
        .filter(|d| d.file == file)
        .map(|d| {
            (
                d.code.to_string(),
                d.severity.as_str().to_string(),
                d.span.start.line,
            )
        })
        .collect()
}

#[test]
fn the_kustomization_that_builds_a_file_is_searched_before_its_directory() {
    // good: base/legacy/services.yaml is nearer by directory, but only overlays/prod's
    // kustomization builds the base together with its Services. Judging the leftover copy
    // would report its selector (CL202) and target port (CL203).
    let good = lint_ok(&fixtures().join("CL010/good"));
    let codes: Vec<&str> = good.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["CL406"], "{:?}", good.diagnostics);
    // bad: two overlays build the base, each with its own copy: ambiguous, and no copy judged.
    let bad = lint_ok(&fixtures().join("CL010/bad"));
    assert_eq!(
        in_file(&bad, "base/rollout.yaml"),
        [
            ("CL010".to_string(), "warning".to_string(), 17),
            ("CL010".to_string(), "warning".to_string(), 18),
            ("CL406".to_string(), "warning".to_string(), 19),
        ]
    );
    assert!(
        bad.diagnostics
            .iter()
            .all(|d| d.file == "base/rollout.yaml")
    );
}

fn lint_with(root: &std::path::Path, toml: &str) -> canary_lint::Outcome {
    use canary_lint::config::{Config, Overrides};
    let config = Config::parse(".canary-lint.toml", toml)
        .unwrap_or_else(|e| panic!("config: {}", e.render(false)));
    let settings = config
        .settings(root, &Overrides::default())
        .unwrap_or_else(|e| panic!("settings: {e}"));
    canary_lint::lint_with_config(root, &settings, &config).unwrap_or_else(|e| panic!("lint: {e}"))
}

#[test]
fn a_target_outside_the_repo_is_a_warning_and_a_typo_an_error() {
    let root = fixtures().join("external");
    let plain = lint_ok(&root);
    let typo = ("CL501".to_string(), "error".to_string(), 25);
    assert_eq!(
        in_file(&plain, "rollout.yaml"),
        [
            ("CL201".to_string(), "warning".to_string(), 19),
            typo.clone(),
            ("CL501".to_string(), "warning".to_string(), 26),
        ]
    );
    let did_you_mean = plain
        .diagnostics
        .iter()
        .find(|d| d.code == "CL501" && d.span.start.line == 25)
        .and_then(|d| d.help.clone());
    assert_eq!(
        did_you_mean.as_deref(),
        Some("did you mean `success-rate`?")
    );
    let (human, _) = render_both(&plain);
    insta::assert_snapshot!("external_references", human);

    // Declared in [external]: silent. The typo still fails the commit.
    let declared = lint_with(
        &root,
        "[external]\nClusterAnalysisTemplate = [\"platform-*\"]\nService = [\"payments/shared-*\"]\n",
    );
    assert_eq!(
        in_file(&declared, "rollout.yaml"),
        std::slice::from_ref(&typo)
    );
    // A pattern for another namespace does not declare it.
    let elsewhere = lint_with(
        &root,
        "[external]\nService = [\"billing/shared-gateway\"]\n",
    );
    assert!(
        in_file(&elsewhere, "rollout.yaml")
            .iter()
            .any(|(c, s, _)| c == "CL201" && s == "warning")
    );
    // strict-references: every missing target is an error.
    let strict = lint_with(&root, "strict-references = true\n");
    assert_eq!(
        in_file(&strict, "rollout.yaml"),
        [
            ("CL201".to_string(), "error".to_string(), 19),
            typo,
            ("CL501".to_string(), "error".to_string(), 26),
        ]
    );
}

#[test]
fn bad_external_entries_are_config_errors_at_their_line() {
    let e = canary_lint::config::Config::parse(
        "c.toml",
        "[external]\nSecret = [\"x\"]\nClusterAnalysisTemplate = [\"ns/x\"]\n",
    )
    .unwrap_err();
    let rendered = e.render(false);
    assert!(rendered.contains("c.toml:2:1"), "{rendered}");
    assert!(rendered.contains("`Secret` is not a kind"), "{rendered}");
    assert!(rendered.contains("c.toml:3:28"), "{rendered}");
    assert!(rendered.contains("has no namespace"), "{rendered}");
}

#[test]
fn quoted_scalars_indented_less_are_read_as_kubectl_reads_them() {
    // saphyr refuses the continuation line's indentation; go-yaml v2 (kubectl) does not.
    let outcome = lint_ok(&fixtures().join("CL001/good-quoted-scalar"));
    assert_eq!(outcome.summary().documents, 1);
    let (human, _) = render_both(&outcome);
    insta::assert_snapshot!("quoted_scalar_indented_less", human);
}

#[test]
fn bases_outside_the_root_are_read_once_whatever_path_leads_there() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir: {e}"));
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("write {rel}: {e}"));
    };
    // The base names itself through a symlink (`loop -> .`), and the app names its own
    // Rollout through a symlink to the app directory (`../app-link`).
    write(
        "base/kustomization.yaml",
        "resources:\n  - loop\n  - services.yaml\n  - loop/loop/services.yaml\n",
    );
    symlink(".", dir.path().join("base/loop")).unwrap_or_else(|e| panic!("symlink: {e}"));
    write(
        "base/services.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web-canary}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web-stable}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n",
    );
    write(
        "app/kustomization.yaml",
        "resources:\n  - ../base\n  - rollout.yaml\n  - ../app-link/rollout.yaml\n",
    );
    symlink("app", dir.path().join("app-link")).unwrap_or_else(|e| panic!("symlink: {e}"));
    write(
        "app/rollout.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: web:1, ports: [{containerPort: 8080}]}]\n  strategy:\n    canary:\n      canaryService: web-canary\n      stableService: web-stable\n      steps: [{setWeight: 50}, {pause: {duration: 1m}}]\n",
    );
    let outcome = lint_ok(&dir.path().join("app"));
    let context: Vec<&str> = outcome
        .repo
        .files
        .iter()
        .map(|f| f.rel.as_str())
        .filter(|rel| rel.starts_with("../"))
        .collect();
    assert_eq!(
        context,
        ["../base/kustomization.yaml", "../base/services.yaml"],
        "each file outside the root once (under the first path that names it), and nothing inside it twice"
    );
    // The Services resolve (no "not in this repo"), and no copy is ambiguous.
    let codes: Vec<&str> = outcome.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["CL406"], "{:?}", outcome.diagnostics);
}

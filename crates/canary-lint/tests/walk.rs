//! Which files are loaded: ignore files, hidden `.github`, skipped directories, order.

mod common;

use canary_lint::repo::Kind;
use common::{lint_ok, tempdir, write};

#[test]
fn honours_ignore_files_and_finds_workflows_anywhere() {
    let dir = tempdir();
    let root = dir.path();
    write(root, ".gitignore", "vendor/\n*.generated.yaml\n");
    write(root, ".canarylintignore", "charts/*/templates/\n");
    write(root, "z/last.yaml", "a: 1\n");
    write(root, "a/first.yml", "a: 1\n");
    write(root, "m/data.JSON", "{\"a\": 1}\n");
    write(root, "vendor/x.yaml", "key: [broken\n");
    write(root, "k8s/app.generated.yaml", "key: [broken\n");
    write(root, "charts/api/templates/d.yaml", "{{ .Values.broken }\n");
    write(root, "target/debug/x.yaml", "key: [broken\n");
    write(root, ".git/config.yaml", "key: [broken\n");
    write(root, "README.md", "# not yaml\n");
    write(
        root,
        "api/.github/workflows/deploy.yml",
        "name: deploy\non: push\njobs: {}\n",
    );
    let outcome = lint_ok(root);
    assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
    let files: Vec<&str> = outcome.repo.files.iter().map(|f| f.rel.as_str()).collect();
    assert_eq!(
        files,
        [
            "a/first.yml",
            "api/.github/workflows/deploy.yml",
            "m/data.JSON",
            "z/last.yaml"
        ]
    );
    let workflows: Vec<_> = outcome.repo.of_kind(Kind::Workflow).collect();
    assert_eq!(workflows.len(), 1);
    assert_eq!(workflows[0].name.as_deref(), Some("deploy"));
}

#[test]
fn a_single_file_can_be_linted() {
    let dir = tempdir();
    write(dir.path(), "k8s/one.yaml", "key: [broken\n");
    let outcome = lint_ok(&dir.path().join("k8s/one.yaml"));
    assert_eq!(outcome.diagnostics.len(), 1);
    assert_eq!(outcome.diagnostics[0].file, "one.yaml");
}

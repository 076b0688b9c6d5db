//! The binary: exit codes, formats, subcommands, `--files`.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{fixtures, tempdir, write};
use serde_json::Value;

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canary-lint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run canary-lint: {e}"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn fixture(rel: &str) -> String {
    fixtures().join(rel).to_string_lossy().into_owned()
}

#[test]
fn exit_zero_on_a_clean_repo() {
    let o = run(&[&fixture("CL104/good")], Path::new("."));
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        stdout(&o),
        "0 errors, 0 warnings in 3 files (4 documents)\n"
    );
}

#[test]
fn exit_one_on_errors_without_colour_when_piped() {
    let o = run(&[&fixture("CL104/bad")], Path::new("."));
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.contains("error[CL104]"), "{out}");
    assert!(out.contains(" --> k8s/rollout.yaml:12:16"), "{out}");
    assert!(!out.contains('\u{1b}'), "colour codes in piped output");
    assert!(out.ends_with("2 errors, 0 warnings in 3 files (4 documents)\n"));
}

#[test]
fn exit_two_when_the_root_is_missing_or_usage_is_wrong() {
    let dir = tempdir();
    let o = run(&["does-not-exist"], dir.path());
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    let o = run(&["--format", "xml", "."], dir.path());
    assert_eq!(code(&o), 2);
    let o = run(&["--no-such-flag"], dir.path());
    assert_eq!(code(&o), 2);
}

/// An unreadable root names the OS error once, not once per error in the chain.
#[test]
fn an_unreadable_root_names_the_os_error_once() {
    let dir = tempdir();
    std::os::unix::fs::symlink("b", dir.path().join("a")).expect("symlink");
    std::os::unix::fs::symlink("a", dir.path().join("b")).expect("symlink");
    let o = run(&["a"], dir.path());
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert_eq!(err.matches("os error").count(), 1, "{err}");
    assert!(err.contains("cannot read `a`"), "{err}");
}

#[test]
fn json_has_exactly_the_documented_shape() {
    let o = run(&["--format", "json", &fixture("CL101/bad")], Path::new("."));
    assert_eq!(code(&o), 1);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("not JSON: {e}"));
    let keys = |v: &Value| -> Vec<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(keys(&v), ["version", "diagnostics", "summary"]);
    assert_eq!(v["version"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(
        keys(d),
        [
            "rule",
            "name",
            "severity",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "message",
            "help",
            "related"
        ]
    );
    assert_eq!(d["rule"], "CL101");
    assert_eq!(d["name"], "workload-ref-target-exists");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "k8s/rollout.yaml");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(11), Some(11))
    );
    assert_eq!(
        keys(&d["related"][0]),
        ["file", "line", "column", "message"]
    );
    assert_eq!(d["related"][0]["file"], "k8s/deployment.yaml");
    assert_eq!(
        keys(&v["summary"]),
        ["files", "documents", "errors", "warnings"]
    );
    // The second Rollout's target is simply not in the repo: a warning (see `[external]`).
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["summary"]["warnings"], 3);
    assert_eq!(v["summary"]["files"], 2);
}

#[test]
fn rules_lists_every_code() {
    let o = run(&["rules"], Path::new("."));
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(out.starts_with("CODE "));
    for code in ["CL001", "CL002", "CL003", "CL101", "CL104"] {
        assert!(out.contains(code), "{code} missing from\n{out}");
    }
    let line = out
        .lines()
        .find(|l| l.starts_with("CL104 "))
        .unwrap_or_default();
    let cols: Vec<&str> = line.split_whitespace().take(3).collect();
    assert_eq!(cols, ["CL104", "workload-ref-scale-down", "error"]);
}

#[test]
fn explain_prints_the_doc_and_rejects_unknown_codes() {
    let o = run(&["explain", "CL104"], Path::new("."));
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(out.starts_with("CL104 workload-ref-scale-down (error, correctness)\n"));
    assert!(out.contains("## Why it matters"));
    assert!(out.contains("`onSuccess`"));
    let o = run(&["explain", "NOPE"], Path::new("."));
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("canary-lint rules"), "{}", stderr(&o));
}

#[test]
fn files_filters_reports_but_keeps_context() {
    let dir = tempdir();
    let root = dir.path();
    let rollout = |name: &str, target: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: {name}\nspec:\n  replicas: 1\n  workloadRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: {target}\n"
        )
    };
    // `webb` is a typo of the Deployment `web`: an error (a target that is simply not in the
    // repo would be a warning).
    write(root, "repo/a/rollout.yaml", rollout("a", "webb"));
    write(root, "repo/b/rollout.yaml", rollout("b", "web"));
    write(
        root,
        "repo/c/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
    );
    let json = |o: &Output| -> Value {
        serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("not JSON: {e}"))
    };
    // Whole repo: one error, in a/.
    let o = run(&["repo", "--format", "json"], root);
    assert_eq!(code(&o), 1);
    assert_eq!(json(&o)["diagnostics"][0]["file"], "a/rollout.yaml");
    // Only b/ (relative to the cwd): b's target lives in c/, which is still loaded.
    let o = run(
        &["repo", "--format", "json", "--files", "repo/b/rollout.yaml"],
        root,
    );
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(json(&o)["diagnostics"].as_array().map(Vec::len), Some(0));
    // Only a/ (relative to the root).
    let o = run(
        &["repo", "--format", "json", "--files", "a/rollout.yaml"],
        root,
    );
    assert_eq!(code(&o), 1);
    assert_eq!(json(&o)["summary"]["errors"], 1);
    // A file that is not there is a usage error.
    let o = run(&["repo", "--files", "nope.yaml"], root);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("nope.yaml"));
}

#[test]
fn deny_warnings_counts_warnings() {
    // No warning-level rule ships with the core yet, so check the flag parses and keeps a
    // clean repo clean, and that errors still fail.
    let o = run(&["--deny-warnings", &fixture("CL104/good")], Path::new("."));
    assert_eq!(code(&o), 0);
    let o = run(&["--deny-warnings", &fixture("CL104/bad")], Path::new("."));
    assert_eq!(code(&o), 1);
    let o = run(
        &["--readiness-allowance", "90", &fixture("CL104/good")],
        Path::new("."),
    );
    assert_eq!(code(&o), 0);
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

#[test]
fn config_file_sets_levels_and_reports_bad_keys_with_locations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = fixtures().join("CL104/bad/k8s");
    std::fs::create_dir_all(dir.path().join("k8s")).expect("mkdir");
    for f in ["deployment.yaml", "rollout.yaml", "analysis-template.yaml"] {
        std::fs::copy(src.join(f), dir.path().join("k8s").join(f)).expect("copy");
    }
    let bin = env!("CARGO_BIN_EXE_canary-lint");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .arg(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("runs")
    };
    // Without config: CL104 is an error, exit 1.
    assert_eq!(run(&[]).status.code(), Some(1));
    // Demoted to a warning and CL406 switched off: exit 0, unless --deny-warnings.
    std::fs::write(
        dir.path().join(".canary-lint.toml"),
        "[rules]\nworkload-ref-scale-down = \"warning\"\nCL406 = \"off\"\n",
    )
    .expect("write");
    let out = run(&["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rules: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["rule"].as_str())
        .collect();
    assert!(rules.iter().all(|r| *r == "CL104"), "{rules:?}");
    assert!(
        v["diagnostics"]
            .as_array()
            .expect("array")
            .iter()
            .all(|d| d["severity"] == "warning")
    );
    assert_eq!(run(&["--deny-warnings"]).status.code(), Some(1));
    // A per-file suppression (for JSON files, which cannot carry comments) and a bad key.
    std::fs::write(dir.path().join(".canary-lint.toml"), "[rules]\nCL406 = \"off\"\n[[per-file]]\npath = \"k8s/rollout.yaml\"\nallow = [\"CL104\"]\nreason = \"migration in progress\"\n").expect("write");
    assert_eq!(run(&[]).status.code(), Some(0));
    std::fs::write(
        dir.path().join(".canary-lint.toml"),
        "readiness-allowance = \"90s\"\n\n[rules]\nCL999 = \"off\"\n",
    )
    .expect("write");
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".canary-lint.toml:4:1"), "{err}");
    assert!(err.contains("`CL999` is not a canary-lint rule"), "{err}");
    // Include/exclude globs select what is linted.
    std::fs::write(
        dir.path().join(".canary-lint.toml"),
        "exclude = [\"k8s/rollout.yaml\"]\n",
    )
    .expect("write");
    assert_eq!(run(&[]).status.code(), Some(0));
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .map(|s| s.success());
    assert!(matches!(ok, Ok(true)), "mkfifo {path:?}");
}

/// Issue 13, B15: a FIFO as the lint root is a CL001 finding (exit 1), never opened.
#[test]
fn a_fifo_root_is_a_finding_not_a_hang() {
    let dir = tempdir();
    let fifo = dir.path().join("f.yaml");
    mkfifo(&fifo);
    let o = run(&["--format", "json", &fifo.to_string_lossy()], dir.path());
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("a FIFO (named pipe), not a regular file"));
    assert!(stdout(&o).contains("\"CL001\""));
}

/// Issue 13, B03: a FIFO or a symlink to /dev/zero as `.canary-lint.toml` is a config error
/// (exit 2) that names the file and what it is; an oversized config likewise.
#[test]
fn a_special_or_huge_config_is_refused() {
    let dir = tempdir();
    write(dir.path(), "x.yaml", "a: 1\n");
    let config = dir.path().join(".canary-lint.toml");
    mkfifo(&config);
    let o = run(&[&dir.path().to_string_lossy()], dir.path());
    assert_eq!(code(&o), 2, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("a FIFO (named pipe), not a regular file"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains(".canary-lint.toml"), "{}", stderr(&o));
    std::fs::remove_file(&config).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &config).unwrap();
    let o = run(&[&dir.path().to_string_lossy()], dir.path());
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("a character device"), "{}", stderr(&o));
    std::fs::remove_file(&config).unwrap();
    // At the limit (a comment) it is read; one byte more is refused.
    let limit = canary_lint::config::MAX_CONFIG_BYTES as usize;
    write(
        dir.path(),
        ".canary-lint.toml",
        format!("#{}", " ".repeat(limit - 1)),
    );
    let o = run(&[&dir.path().to_string_lossy()], dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    write(
        dir.path(),
        ".canary-lint.toml",
        format!("#{}", " ".repeat(limit)),
    );
    let o = run(&[&dir.path().to_string_lossy()], dir.path());
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("larger than 1024 KiB"),
        "{}",
        stderr(&o)
    );
}

/// Issue 13, B12: linting zero files is said on stderr and in the summary; the exit status
/// stays 0, and is 1 with `--deny-warnings`.
#[test]
fn linting_zero_files_is_said_loudly() {
    let dir = tempdir();
    write(dir.path(), "README.md", "not a manifest\n");
    let root = dir.path().to_string_lossy().into_owned();
    let o = run(&[&root], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).starts_with("warning: nothing was linted"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("in 0 files (0 documents); warning: nothing was linted"));
    let o = run(&["--deny-warnings", &root], dir.path());
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    write(dir.path(), "x.yaml", "a: 1\n");
    let o = run(&[&root], dir.path());
    assert_eq!(code(&o), 0);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

/// The B05 input of issue 13: a 1 MiB scalar and 5,000 aliases of it (5 GB once copied).
fn alias_amplification(dir: &Path) {
    let mut text = String::from(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: r\n  namespace: n\n",
    );
    text.push_str(&format!(
        "  labels: {{big: &a \"{}\"}}\n  annotations:\n",
        "x".repeat(1 << 20)
    ));
    for i in 0..5000 {
        text.push_str(&format!("    k{i}: *a\n"));
    }
    text.push_str("spec:\n  replicas: 1\n");
    write(dir, "x.yaml", text);
}

/// Issue 13, B05: under a 512 MiB address-space limit the linter finishes the alias
/// amplification input with CL002 (it needed 5.5 GB before).
#[test]
fn alias_amplification_ends_in_cl002_within_512_mib() {
    let dir = tempdir();
    alias_amplification(dir.path());
    let o = Command::new("prlimit")
        .arg("--as=536870912")
        .arg(env!("CARGO_BIN_EXE_canary-lint"))
        .args(["--format", "json"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run prlimit: {e}"));
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let codes: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["rule"].as_str())
        .collect();
    assert_eq!(codes, ["CL002"], "{}", stdout(&o));
    assert!(stdout(&o).contains("more than 16 MiB of text"));
}

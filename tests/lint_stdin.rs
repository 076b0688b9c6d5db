//! `canary-lint -`: one rendered stream on stdin (`helm template`, `kustomize build`,
//! `kubectl get -o yaml`), linted like a repo with one file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/lint/stdin")
        .join(name)
}

fn lint_stdin(input: &[u8], args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_canary-lint"))
        .arg("-")
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("writes");
    child.wait_with_output().expect("runs")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// `(rule, file, line)` of every finding.
fn found(v: &serde_json::Value) -> Vec<(String, String, u64)> {
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or_default().to_string(),
                d["file"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn a_rendered_stream_keeps_its_lines_and_the_given_name() {
    let input = std::fs::read(fixture("rendered-stream.yaml")).expect("fixture");
    let out = lint_stdin(
        &input,
        &["--format", "json", "--stdin-filename", "rendered.yaml"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    // The Rollout sets both strategies: the finding is at the stream's own line.
    let text = String::from_utf8_lossy(&input);
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("blueGreen:"))
        .expect("blueGreen line") as u64
        + 1;
    assert!(
        found(&v).contains(&("CL407".to_string(), "rendered.yaml".to_string(), line)),
        "{:?}",
        found(&v)
    );
    assert_eq!(v["summary"]["files"], 1);
}

#[test]
fn a_kubectl_list_is_expanded_into_its_items() {
    let input = std::fs::read(fixture("kubectl-get-list.yaml")).expect("fixture");
    let out = lint_stdin(&input, &["--format", "json"]);
    let v = json(&out);
    // Deployment, two Services, two Ingresses and the Rollout, read from one List.
    assert_eq!(v["summary"]["documents"], 6, "{v}");
    let text = String::from_utf8_lossy(&input);
    let line = text
        .lines()
        .position(|l| l.contains("nginx.ingress.kubernetes.io/canary:"))
        .expect("annotation line") as u64
        + 1;
    assert!(
        found(&v).contains(&("CL304".to_string(), "stdin.yaml".to_string(), line)),
        "{:?}",
        found(&v)
    );
    // Every format renders the stream.
    for format in ["human", "sarif", "github"] {
        let out = lint_stdin(&input, &["--format", format]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("stdin.yaml"),
            "{format}"
        );
    }
}

#[test]
fn a_stream_that_does_not_parse_is_a_located_finding() {
    let out = lint_stdin(
        b"kind: Service\nmetadata: {name: [\n",
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(found(&v)[0].0, "CL001");
    assert_eq!(found(&v)[0].1, "stdin.yaml");
}

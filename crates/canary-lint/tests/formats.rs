//! The machine formats: SARIF 2.1.0 and GitHub workflow commands, on a fixture with findings
//! that have related locations.

mod common;

use canary_lint::report::{self, Format};
use common::{fixtures, lint_ok};

fn render(format: Format, dir: &str) -> (String, usize) {
    let outcome = lint_ok(&fixtures().join(dir));
    let summary = outcome.summary();
    let text = report::render(format, &outcome.repo, &outcome.diagnostics, &summary, false);
    (text, outcome.diagnostics.len())
}

#[test]
fn sarif_has_rules_regions_fingerprints_and_relative_uris() {
    let (text, n) = render(Format::Sarif, "CL101/bad");
    assert!(n > 0);
    let v: serde_json::Value = serde_json::from_str(&text).expect("SARIF is JSON");
    assert_eq!(v["version"], "2.1.0");
    assert!(
        v["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("sarif-2.1.0"))
    );
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), canary_lint::rules::ALL.len());
    for r in rules {
        assert!(r["id"].as_str().is_some_and(|id| id.starts_with("CL")));
        assert!(r["name"].is_string());
        for key in ["shortDescription", "fullDescription", "help"] {
            let t = r[key]["text"].as_str().unwrap_or_default();
            assert!(!t.is_empty(), "{key} of {}", r["id"]);
        }
        assert!(
            r["fullDescription"]["text"]
                .as_str()
                .unwrap_or_default()
                .len()
                <= 1024
        );
    }
    assert!(
        run["originalUriBaseIds"]["SRCROOT"]["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("file://") && u.ends_with('/'))
    );
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), n);
    let mut saw_related = false;
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(
            !uri.starts_with('/') && !uri.starts_with("file:"),
            "relative uri: {uri}"
        );
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "SRCROOT");
        let region = &loc["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(
                region[key].as_i64().is_some_and(|x| x >= 1),
                "{key} in {region}"
            );
        }
        assert!(
            r["partialFingerprints"]["canaryLint/v1"]
                .as_str()
                .is_some_and(|f| f.len() == 16)
        );
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap_or_default()));
        if let Some(rel) = r["relatedLocations"].as_array() {
            saw_related = true;
            assert!(rel[0]["message"]["text"].is_string());
        }
    }
    assert!(saw_related, "CL101/bad has a related location");
    // A region that is not line 1: the finding is on the workloadRef name.
    assert!(
        results.iter().any(
            |r| r["locations"][0]["physicalLocation"]["region"]["startLine"].as_i64() > Some(1)
        )
    );
    // Stable across runs.
    assert_eq!(text, render(Format::Sarif, "CL101/bad").0);
}

#[test]
fn github_commands_escape_and_locate() {
    let (text, n) = render(Format::Github, "CL104/bad");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), n);
    let first = lines
        .iter()
        .find(|l| l.contains("title=CL104"))
        .expect("a CL104 line");
    assert!(
        first.starts_with(
            "::error file=k8s/rollout.yaml,line=12,col=16,endLine=12,endColumn=25,title=CL104::"
        ),
        "{first}"
    );
    assert!(first.contains("%0Ahelp: "), "newlines escaped: {first}");
    assert!(!text.contains("\n\n"));
}

/// Issue 13, B16: a file name and a YAML value holding line breaks and an escape character
/// cannot start a line of their own (a `::add-mask::` or `::error` workflow command in a CI
/// log) in any format; JSON and SARIF carry them escaped by serde and read back unchanged.
#[test]
fn control_characters_in_names_and_values_cannot_inject_log_lines() {
    let dir = common::tempdir();
    let name = "x\n::error file=README.md,line=1::spoofed\u{1b}[2J.yaml";
    common::write(dir.path(), name, "a: [\n");
    common::write(
        dir.path(),
        "rollout.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r, namespace: n}\n\
         spec:\n  replicas: 1\n  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: \"d\\n::add-mask::s\"}\n",
    );
    let outcome = lint_ok(dir.path());
    assert!(
        outcome
            .diagnostics
            .iter()
            .any(|d| d.message.contains("\n::add-mask::"))
    );
    let summary = outcome.summary();
    for format in [Format::Human, Format::Github, Format::Json, Format::Sarif] {
        let text = report::render(format, &outcome.repo, &outcome.diagnostics, &summary, false);
        assert!(!text.contains('\u{1b}'), "{format:?}: {text}");
        for line in text.lines() {
            let bare = line.trim_start();
            assert!(
                !bare.starts_with("::add-mask") && !bare.starts_with("::error file=README"),
                "{format:?}: {line}"
            );
        }
        if matches!(format, Format::Json | Format::Sarif) {
            let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            // SARIF URIs are percent-encoded (RFC 3986), the JSON file name is the name.
            let expected = if matches!(format, Format::Sarif) {
                "x%0A%3A%3Aerror%20file%3DREADME.md%2Cline%3D1%3A%3Aspoofed%1B%5B2J.yaml"
            } else {
                "::error file=README.md,line=1::spoofed\\u001b"
            };
            assert!(v.to_string().contains(expected), "{format:?}: {v}");
        }
    }
    let (human, _) = common::render_both(&outcome);
    assert!(
        human.contains("x\\n::error file=README.md,line=1::spoofed\\u{1b}[2J.yaml"),
        "{human}"
    );
    assert!(human.contains("d\\n::add-mask::s"), "{human}");
}

/// SARIF URIs are percent-encoded (SARIF 2.1.0 §3.10.2, RFC 3986) and a file name that is not
/// UTF-8 keeps its bytes: `\xNN` in the human, GitHub and JSON formats, `%NN` in SARIF.
#[test]
fn file_names_with_uri_characters_and_invalid_utf8_are_kept() {
    use std::os::unix::ffi::OsStrExt;
    let dir = common::tempdir();
    common::write(dir.path(), "a #1 100%.yaml", "a: [\n");
    let raw = std::ffi::OsStr::from_bytes(b"caf\xe9.yaml");
    std::fs::write(dir.path().join(raw), "a: [\n").expect("write");
    let outcome = lint_ok(dir.path());
    let summary = outcome.summary();
    let sarif = report::render(
        Format::Sarif,
        &outcome.repo,
        &outcome.diagnostics,
        &summary,
        false,
    );
    let v: serde_json::Value = serde_json::from_str(&sarif).expect("SARIF is JSON");
    let uris: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(uris.contains(&"a%20%231%20100%25.yaml"), "{uris:?}");
    assert!(uris.contains(&"caf%E9.yaml"), "{uris:?}");
    for format in [Format::Human, Format::Github] {
        let text = report::render(format, &outcome.repo, &outcome.diagnostics, &summary, false);
        assert!(text.contains("caf\\xE9.yaml"), "{format:?}: {text}");
        assert!(!text.contains('\u{fffd}'), "{format:?}: {text}");
    }
    let json = report::render(
        Format::Json,
        &outcome.repo,
        &outcome.diagnostics,
        &summary,
        false,
    );
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let files: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["file"].as_str())
        .collect();
    assert!(files.contains(&"caf\\xE9.yaml"), "{files:?}");
}

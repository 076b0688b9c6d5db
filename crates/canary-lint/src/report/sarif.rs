//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning, built with serde-sarif.
//!
//! Every result has a real region (GitHub shows an alert in a pull request only when its lines
//! are in the diff, so a line-1 placeholder would hide it), related locations, and a
//! `partialFingerprints` entry that stays stable when unrelated lines move.

use std::collections::BTreeMap;

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, Region,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif,
    Tool, ToolComponent,
};

use super::lines::LineIndex;
use crate::diagnostic::{Diagnostic, Severity};
use crate::repo::Repo;
use crate::rules::ALL;

/// The base id artifact URIs are relative to.
pub const SRCROOT: &str = "SRCROOT";

fn text(s: impl Into<String>) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s.into()).build()
}

fn message(s: impl Into<String>) -> Message {
    Message::builder().text(s.into()).build()
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// FNV-1a, 64 bit: a fingerprint that is the same on every platform and Rust version.
fn fnv1a(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The first paragraph of the "What it checks" section, within GitHub's 1024-character limit.
fn full_description(explain: &str) -> String {
    let body = explain
        .split("## What it checks")
        .nth(1)
        .unwrap_or(explain)
        .trim_start();
    let para: String = body
        .split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    para.chars().take(1024).collect()
}

fn location(file: &str, span: canary_core::located::Span, msg: Option<&str>) -> Location {
    let region = Region::builder()
        .start_line(i64::from(span.start.line))
        .start_column(i64::from(span.start.col))
        .end_line(i64::from(span.end.line.max(span.start.line)))
        .end_column(i64::from(if span.end > span.start {
            span.end.col
        } else {
            span.start.col + 1
        }))
        .build();
    let physical = PhysicalLocation::builder()
        .artifact_location(
            ArtifactLocation::builder()
                .uri(percent_encode(&crate::repo::walk::name_bytes(file)))
                .uri_base_id(SRCROOT.to_string())
                .build(),
        )
        .region(region)
        .build();
    match msg {
        Some(m) => Location::builder()
            .physical_location(physical)
            .message(message(m))
            .build(),
        None => Location::builder().physical_location(physical).build(),
    }
}

/// A path as the path of a URI (RFC 3986 §2.1, §3.3): every byte but the unreserved
/// characters and `/` is percent-encoded, so `#`, `%`, `?`, spaces, `:` and bytes that are
/// not UTF-8 survive (SARIF 2.1.0 §3.10.2: `artifactLocation.uri` is a valid URI reference).
fn percent_encode(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn root_path_uri(root: &std::path::Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        percent_encode(root.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    percent_encode(root.display().to_string().as_bytes())
}

/// The SARIF log as a value (tests inspect it).
pub fn report(repo: &Repo, diagnostics: &[Diagnostic]) -> Sarif {
    let rules: Vec<ReportingDescriptor> = ALL
        .iter()
        .map(|rule| {
            let m = rule.meta();
            let explain = m.explain();
            ReportingDescriptor::builder()
                .id(m.code.to_string())
                .name(m.name.to_string())
                .short_description(text(m.summary))
                .full_description(text(full_description(&explain)))
                .help(
                    MultiformatMessageString::builder()
                        .text(explain.clone())
                        .markdown(explain)
                        .build(),
                )
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(json!(level(m.severity())))
                        .build(),
                )
                .build()
        })
        .collect();
    let rule_index: BTreeMap<&str, i64> = ALL
        .iter()
        .enumerate()
        .map(|(i, r)| (r.meta().code, i as i64))
        .collect();
    let texts: BTreeMap<&str, &str> = repo
        .files
        .iter()
        .map(|f| (f.rel.as_str(), f.text.as_str()))
        .collect();
    let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let results: Vec<SarifResult> = diagnostics
        .iter()
        .map(|d| {
            let line_text = texts
                .get(d.file.as_str())
                .and_then(|t| LineIndex::new(t).line(d.span.start.line as usize))
                .unwrap_or("")
                .trim()
                .to_string();
            // Same rule, file and source line text: count occurrences so twins differ.
            let key = (d.code.to_string(), d.file.clone(), line_text.clone());
            let n = seen.entry(key).or_insert(0);
            *n += 1;
            let fingerprint = fnv1a(&[d.code, &d.file, &line_text, &n.to_string()]);
            let mut msg = d.message.clone();
            if let Some(help) = &d.help {
                msg.push_str("\nhelp: ");
                msg.push_str(help);
            }
            let related: Vec<Location> = d
                .related
                .iter()
                .map(|r| location(&r.file, r.span, Some(&r.message)))
                .collect();
            let mut result = SarifResult::builder()
                .rule_id(d.code.to_string())
                .level(match d.severity {
                    Severity::Error => ResultLevel::Error,
                    Severity::Warning => ResultLevel::Warning,
                    Severity::Info => ResultLevel::Note,
                })
                .message(message(msg))
                .locations(vec![location(&d.file, d.span, None)])
                .partial_fingerprints(BTreeMap::from([("canaryLint/v1".to_string(), fingerprint)]))
                .build();
            result.rule_index = rule_index.get(d.code).copied();
            if !related.is_empty() {
                result.related_locations = Some(related);
            }
            result
        })
        .collect();
    let root = std::fs::canonicalize(&repo.root).unwrap_or_else(|_| repo.root.clone());
    let mut root_uri = format!("file://{}", root_path_uri(&root));
    if !root_uri.ends_with('/') {
        root_uri.push('/');
    }
    let run = Run::builder()
        .tool(
            Tool::builder()
                .driver(
                    ToolComponent::builder()
                        .name("canary-lint".to_string())
                        .semantic_version(env!("CARGO_PKG_VERSION").to_string())
                        .information_uri("https://github.com/argoproj/argo-rollouts".to_string())
                        .rules(rules)
                        .build(),
                )
                .build(),
        )
        .results(results)
        .column_kind(json!("unicodeCodePoints"))
        .original_uri_base_ids(BTreeMap::from([(
            SRCROOT.to_string(),
            ArtifactLocation::builder().uri(root_uri).build(),
        )]))
        .build();
    Sarif::builder()
        .version(json!("2.1.0"))
        .schema(serde_sarif::sarif::SCHEMA_URL.to_string())
        .runs(vec![run])
        .build()
}

/// Render the SARIF log as pretty JSON.
pub fn render(repo: &Repo, diagnostics: &[Diagnostic]) -> String {
    let mut out = serde_json::to_string_pretty(&report(repo, diagnostics)).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(percent_encode(b"k8s/app.yaml"), "k8s/app.yaml");
        assert_eq!(
            percent_encode(b"a b/#1%/x?.yaml"),
            "a%20b/%231%25/x%3F.yaml"
        );
        assert_eq!(percent_encode(b"c:d.yaml"), "c%3Ad.yaml");
        assert_eq!(percent_encode("é".as_bytes()), "%C3%A9");
        let escaped = "bad\\xFF\\\\name.yaml";
        assert_eq!(
            percent_encode(&crate::repo::walk::name_bytes(escaped)),
            "bad%FF%5Cname.yaml"
        );
    }

    #[test]
    fn fingerprints_are_stable() {
        assert_eq!(
            fnv1a(&["CL104", "a.yaml", "scaleDown: onSuccess", "1"]),
            fnv1a(&["CL104", "a.yaml", "scaleDown: onSuccess", "1"])
        );
        assert_ne!(
            fnv1a(&["CL104", "a.yaml", "x", "1"]),
            fnv1a(&["CL104", "a.yaml", "x", "2"])
        );
        assert_eq!(fnv1a(&[]), "cbf29ce484222325");
    }

    #[test]
    fn full_description_is_the_first_paragraph() {
        let d = full_description("## What it checks\n\nOne\nline.\n\nMore.\n## Why");
        assert_eq!(d, "One line.");
    }
}

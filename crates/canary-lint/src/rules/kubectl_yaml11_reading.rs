//! CL009: a plain scalar kubectl reads (YAML 1.1, go-yaml v2) as a different value than the
//! linter (YAML 1.2), in a field whose type matters.

use canary_core::located::{LocatedDoc, NodeRef, Span};
use canary_core::yaml11::Kubectl;

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// A plain (unquoted) scalar in a Kubernetes object that kubectl reads as another JSON
    /// value than a YAML 1.2 reader does, in a field whose type is known: a string field
    /// (names, namespaces, labels, annotations, images, `env` values, commands and args,
    /// ConfigMap `data`, Argo analysis args and conditions, Service names), an integer field
    /// (`replicas`, ports, probe timings, `setWeight`, file modes, user ids) or an
    /// int-or-string field (`maxSurge`, `targetPort`, pause `duration`, metric `count`).
    /// Fields the linter does not know are not judged.
    ///
    /// ## Why it matters
    ///
    /// kubectl reads manifests with go-yaml v2, a YAML 1.1 reader; this linter, editors and
    /// most newer tools read YAML 1.2. They disagree on plain scalars:
    ///
    /// - `yes`, `no`, `on`, `off`, `y`, `n` (any case variant) are booleans to kubectl and
    ///   strings in YAML 1.2. In a string field the API server rejects the object (`cannot
    ///   unmarshal bool into Go struct field … of type string`): this is an **error**.
    /// - `010` is octal 8 to kubectl and 10 in YAML 1.2; `1_000` is 1000 to kubectl and a
    ///   string in YAML 1.2; `0X1F` and `-0x1F` are numbers only to kubectl. In an integer
    ///   field the object is accepted with a value the author may not have meant (`replicas:
    ///   010` runs 8 pods): a **warning** that says what kubectl reads. A boolean in an
    ///   integer field, or a number in a string field, is rejected: an **error**.
    ///
    /// `1e3`, `0o17`, `08` and dates read the same in both (go-yaml v2 has no sexagesimal
    /// numbers and keeps timestamps as strings), so they are not reported.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// metadata:
    ///   labels:
    ///     legacy: no        # the boolean false to kubectl: the apply fails
    /// spec:
    ///   replicas: 010       # 8 replicas to kubectl, 10 to YAML 1.2 tools
    /// ```
    ///
    /// ## Fix
    ///
    /// Quote strings (`legacy: "no"`); write numbers without YAML 1.1 forms (`replicas: 10`,
    /// or `0o10` when octal is meant, which both readers take as 8).
    ///
    /// ## Source
    ///
    /// kubectl decodes with k8s.io/apimachinery `pkg/util/yaml/decoder.go`
    /// (`YAMLToJSONDecoder.Decode` → sigs.k8s.io/yaml `Unmarshal`, into a `RawExtension`, so
    /// no value is coerced to the field's type; cli-runtime `pkg/resource/visitor.go`
    /// `StreamVisitor.Visit`), which reads with go-yaml v2 (`go.yaml.in/yaml/v2`;
    /// `goyaml.v2/resolve.go` `resolve`: the boolean words, `strconv.ParseInt(s, 0, 64)` after
    /// removing `_`, no base-60 numbers; `goyaml.v2/decode.go` `decoder.scalar`: timestamps
    /// stay strings). The readings are `canary_core::yaml11::kubectl`.
    pub struct KubectlYaml11Reading {
        code: "CL009",
        name: "kubectl-yaml11-reading",
        category: Suspicious,
        summary: "a plain scalar kubectl (YAML 1.1) reads as another value than YAML 1.2, where the type matters",
    }
}

/// The JSON type a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Str,
    Int,
    IntOrStr,
}

/// Container fields (under `containers/*` or `initContainers/*` of any pod spec).
const CONTAINER: &[(&str, Want)] = &[
    ("name", Want::Str),
    ("image", Want::Str),
    ("imagePullPolicy", Want::Str),
    ("workingDir", Want::Str),
    ("command/*", Want::Str),
    ("args/*", Want::Str),
    ("env/*/name", Want::Str),
    ("env/*/value", Want::Str),
    ("ports/*/name", Want::Str),
    ("ports/*/containerPort", Want::Int),
    ("ports/*/hostPort", Want::Int),
    ("livenessProbe/*", Want::Int),
    ("readinessProbe/*", Want::Int),
    ("startupProbe/*", Want::Int),
    ("livenessProbe/httpGet/port", Want::IntOrStr),
    ("readinessProbe/httpGet/port", Want::IntOrStr),
    ("startupProbe/httpGet/port", Want::IntOrStr),
    ("livenessProbe/tcpSocket/port", Want::IntOrStr),
    ("readinessProbe/tcpSocket/port", Want::IntOrStr),
    ("startupProbe/tcpSocket/port", Want::IntOrStr),
    ("securityContext/runAsUser", Want::Int),
    ("securityContext/runAsGroup", Want::Int),
];

/// Fields of any object, by path from the root (`**` is any number of segments).
const ANY_KIND: &[(&str, Want)] = &[
    ("metadata/name", Want::Str),
    ("metadata/namespace", Want::Str),
    ("metadata/generateName", Want::Str),
    ("metadata/labels/*", Want::Str),
    ("metadata/annotations/*", Want::Str),
    ("**/template/metadata/labels/*", Want::Str),
    ("**/template/metadata/annotations/*", Want::Str),
    ("**/selector/matchLabels/*", Want::Str),
    ("**/template/spec/terminationGracePeriodSeconds", Want::Int),
    ("**/template/spec/securityContext/runAsUser", Want::Int),
    ("**/template/spec/securityContext/runAsGroup", Want::Int),
    ("**/template/spec/securityContext/fsGroup", Want::Int),
    ("**/template/spec/serviceAccountName", Want::Str),
    (
        "**/template/spec/volumes/*/configMap/defaultMode",
        Want::Int,
    ),
    ("**/template/spec/volumes/*/secret/defaultMode", Want::Int),
];

/// Fields of workloads (Deployment, Rollout, StatefulSet, ReplicaSet).
const WORKLOAD: &[(&str, Want)] = &[
    ("spec/replicas", Want::Int),
    ("spec/revisionHistoryLimit", Want::Int),
    ("spec/minReadySeconds", Want::Int),
    ("spec/progressDeadlineSeconds", Want::Int),
];

/// Fields of one kind.
const BY_KIND: &[(&str, &str, Want)] = &[
    ("Service", "spec/selector/*", Want::Str),
    ("Service", "spec/ports/*/name", Want::Str),
    ("Service", "spec/ports/*/port", Want::Int),
    ("Service", "spec/ports/*/nodePort", Want::Int),
    ("Service", "spec/ports/*/targetPort", Want::IntOrStr),
    ("ConfigMap", "data/*", Want::Str),
    ("Secret", "stringData/*", Want::Str),
    ("Ingress", "spec/rules/*/host", Want::Str),
    ("Ingress", "**/backend/service/name", Want::Str),
    ("Ingress", "**/backend/service/port/name", Want::Str),
    ("Ingress", "**/backend/service/port/number", Want::Int),
    ("Rollout", "spec/workloadRef/name", Want::Str),
    ("Rollout", "spec/strategy/canary/canaryService", Want::Str),
    ("Rollout", "spec/strategy/canary/stableService", Want::Str),
    ("Rollout", "spec/strategy/canary/maxSurge", Want::IntOrStr),
    (
        "Rollout",
        "spec/strategy/canary/maxUnavailable",
        Want::IntOrStr,
    ),
    (
        "Rollout",
        "spec/strategy/canary/steps/*/setWeight",
        Want::Int,
    ),
    (
        "Rollout",
        "spec/strategy/canary/steps/*/pause/duration",
        Want::IntOrStr,
    ),
    ("Rollout", "**/analysis/args/*/value", Want::Str),
    ("Rollout", "**/analysis/templates/*/templateName", Want::Str),
    ("AnalysisTemplate", "spec/args/*/value", Want::Str),
    ("AnalysisTemplate", "spec/metrics/*/name", Want::Str),
    (
        "AnalysisTemplate",
        "spec/metrics/*/successCondition",
        Want::Str,
    ),
    (
        "AnalysisTemplate",
        "spec/metrics/*/failureCondition",
        Want::Str,
    ),
    ("AnalysisTemplate", "spec/metrics/*/count", Want::IntOrStr),
    (
        "AnalysisTemplate",
        "spec/metrics/*/failureLimit",
        Want::IntOrStr,
    ),
    (
        "AnalysisTemplate",
        "spec/metrics/*/inconclusiveLimit",
        Want::IntOrStr,
    ),
    (
        "AnalysisTemplate",
        "spec/metrics/*/consecutiveErrorLimit",
        Want::IntOrStr,
    ),
];

/// Does `pattern` (segments, `*` one segment, `**` any number) match `path`?
fn matches(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| matches(rest, &path[skip..])),
        Some((seg, rest)) => path
            .split_first()
            .is_some_and(|(p, tail)| (*seg == "*" || seg == p) && matches(rest, tail)),
    }
}

fn matches_str(pattern: &str, path: &[&str]) -> bool {
    let segments: Vec<&str> = pattern.split('/').collect();
    matches(&segments, path)
}

/// The type of the field at `path` in an object of `kind`, when the linter knows it.
fn field_type(kind: &str, path: &[&str]) -> Option<Want> {
    let kind = if kind == "ClusterAnalysisTemplate" {
        "AnalysisTemplate"
    } else {
        kind
    };
    // Containers: the path up to `containers/<i>` or `initContainers/<i>`, then the field.
    let container = path
        .iter()
        .rposition(|s| *s == "containers" || *s == "initContainers")
        .filter(|&i| i + 1 < path.len() && i >= 1 && path[i - 1] == "spec");
    if let Some(i) = container {
        let field = &path[i + 2..];
        // The most specific pattern first: probe ports are int-or-string.
        let mut found = None;
        for (pattern, want) in CONTAINER {
            if matches_str(pattern, field) {
                found = Some(*want);
            }
        }
        return found;
    }
    let workload = matches!(
        kind,
        "Deployment" | "Rollout" | "StatefulSet" | "ReplicaSet"
    );
    ANY_KIND
        .iter()
        .chain(if workload { WORKLOAD } else { &[] })
        .find(|(pattern, _)| matches_str(pattern, path))
        .map(|(_, want)| *want)
        .or_else(|| {
            BY_KIND
                .iter()
                .find(|(k, pattern, _)| *k == kind && matches_str(pattern, path))
                .map(|(_, _, want)| *want)
        })
}

/// The source text of a single-line span.
fn source_text(text: &str, span: Span) -> Option<&str> {
    let line = text.lines().nth(span.start.line.checked_sub(1)? as usize)?;
    let start = line
        .char_indices()
        .nth(span.start.col.checked_sub(1)? as usize)
        .map(|(i, _)| i)?;
    let end = if span.end.line == span.start.line {
        line.char_indices()
            .nth(span.end.col.checked_sub(1)? as usize)
            .map_or(line.len(), |(i, _)| i)
    } else {
        line.len()
    };
    line.get(start..end).map(str::trim_end)
}

/// Why YAML 1.1 reads the text as it does, for messages.
fn why(text: &str, reading: Kubectl) -> &'static str {
    let digits = text.trim_start_matches(['-', '+']).to_ascii_lowercase();
    match reading {
        Kubectl::Bool(_) => "a YAML 1.1 boolean",
        Kubectl::Null => "YAML 1.1 null",
        _ if text.contains('_') => "YAML 1.1 drops the `_` digit separators",
        _ if digits.starts_with("0x") => "a YAML 1.1 hexadecimal number",
        _ if digits.starts_with("0b") => "a YAML 1.1 binary number",
        _ if digits.len() > 1 && digits.starts_with('0') => "a leading 0 is octal in YAML 1.1",
        _ => "YAML 1.1",
    }
}

/// The YAML 1.2 reading, for messages.
fn linter_reading(node: &NodeRef<'_>) -> String {
    if let Some(s) = node.as_str() {
        format!(
            "the string {}",
            serde_json::to_string(s).unwrap_or_default()
        )
    } else {
        node.to_value().to_string()
    }
}

impl KubectlYaml11Reading {
    fn judge(
        &self,
        node: &NodeRef<'_>,
        want: Want,
        reading: Kubectl,
        text: &str,
    ) -> Option<(Severity, String, String)> {
        let is_str = node.as_str().is_some();
        let kubectl = reading.json_text(text);
        let because = why(text, reading);
        let linter = linter_reading(node);
        let rejected = |expect: &str| {
            Some((
                Severity::Error,
                format!(
                    "kubectl reads `{text}` as {} {kubectl} ({because}), not {linter}: the API server rejects {} here, where the field is {expect}",
                    reading.type_name(),
                    reading.type_name()
                ),
                format!("quote it (`\"{text}\"`) so every reader takes the string"),
            ))
        };
        match (want, reading) {
            // A string the linter reads as a string, a non-string to kubectl.
            (Want::Str, Kubectl::Str) => None,
            (Want::Str, _) if is_str => rejected("a string"),
            (Want::Str, _) => None,
            (Want::Int, Kubectl::Bool(_) | Kubectl::Null) => rejected("an integer"),
            (Want::IntOrStr, Kubectl::Bool(_) | Kubectl::Null) => {
                rejected("an integer or a string")
            }
            (Want::Int | Want::IntOrStr, Kubectl::Float(f))
                if !f.is_finite() || f.fract() != 0.0 =>
            {
                rejected("an integer")
            }
            (Want::Int | Want::IntOrStr, Kubectl::Str) => None,
            (Want::Int | Want::IntOrStr, Kubectl::Int(_) | Kubectl::Float(_)) => Some((
                Severity::Warning,
                format!(
                    "kubectl reads `{text}` as {kubectl} ({because}), not {linter}: the object is applied with {kubectl}"
                ),
                if is_str {
                    format!("quote it (`\"{text}\"`) if the string is meant, or write `{kubectl}`")
                } else {
                    format!(
                        "write `{kubectl}` if that is meant; otherwise write the number without the YAML 1.1 form"
                    )
                },
            )),
        }
    }

    fn check_doc(&self, rel: &str, text: &str, doc: &LocatedDoc, out: &mut Vec<Diagnostic>) {
        let Some(root) = doc.root() else {
            return;
        };
        let (Some(kind), Some(_)) = (
            root.get("kind").and_then(|k| k.as_str()),
            root.get("apiVersion").and_then(|a| a.as_str()),
        ) else {
            return;
        };
        let mut path: Vec<String> = Vec::new();
        let mut found = Vec::new();
        walk(doc, root, &mut path, &mut found);
        for (path, node, reading) in found {
            let segments: Vec<&str> = path.iter().map(String::as_str).collect();
            let Some(want) = field_type(kind, &segments) else {
                continue;
            };
            let span = node.spans().value;
            let Some(raw) = source_text(text, span) else {
                continue;
            };
            let Some((severity, message, help)) = self.judge(&node, want, reading, raw) else {
                continue;
            };
            let field = segments.join(".");
            out.push(
                Diagnostic::new(
                    &Self::META,
                    rel,
                    span,
                    format!("{kind} `{field}`: {message}"),
                )
                .with_help(help)
                .with_severity(severity),
            );
        }
    }
}

/// The scalars of `node`'s subtree that kubectl reads differently, with their paths.
fn walk<'a>(
    doc: &'a LocatedDoc,
    node: NodeRef<'a>,
    path: &mut Vec<String>,
    found: &mut Vec<(Vec<String>, NodeRef<'a>, Kubectl)>,
) {
    if node.is_object() || node.is_array() {
        for (i, child) in node.children().enumerate() {
            path.push(child.key().map_or_else(|| i.to_string(), str::to_string));
            walk(doc, child, path, found);
            path.pop();
        }
    } else if let Some(reading) = doc.kubectl_reading(node.spans().value) {
        found.push((path.clone(), node, reading));
    }
}

impl Rule for KubectlYaml11Reading {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        // Generator data is copied into a ConfigMap as text; kubectl never reads it as YAML.
        for file in cx.repo.files.iter().filter(|f| !f.generator_data) {
            for doc in &file.docs {
                if doc.has_kubectl_differences() {
                    self.check_doc(&file.rel, &file.text, doc, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_types() {
        let t = |kind: &str, p: &str| field_type(kind, &p.split('/').collect::<Vec<_>>());
        assert_eq!(t("Deployment", "spec/replicas"), Some(Want::Int));
        assert_eq!(t("Service", "spec/replicas"), None);
        assert_eq!(t("Anything", "metadata/labels/legacy"), Some(Want::Str));
        assert_eq!(
            t("Rollout", "spec/template/metadata/labels/app"),
            Some(Want::Str)
        );
        assert_eq!(
            t("Deployment", "spec/template/spec/containers/0/env/1/value"),
            Some(Want::Str)
        );
        assert_eq!(
            t(
                "Deployment",
                "spec/template/spec/containers/0/readinessProbe/httpGet/port"
            ),
            Some(Want::IntOrStr)
        );
        assert_eq!(
            t(
                "Deployment",
                "spec/template/spec/containers/0/readinessProbe/periodSeconds"
            ),
            Some(Want::Int)
        );
        assert_eq!(
            t(
                "Deployment",
                "spec/template/spec/containers/0/resources/limits/cpu"
            ),
            None
        );
        assert_eq!(t("ConfigMap", "data/enabled"), Some(Want::Str));
        assert_eq!(
            t("ClusterAnalysisTemplate", "spec/args/0/value"),
            Some(Want::Str)
        );
        assert_eq!(
            t("Rollout", "spec/strategy/canary/steps/2/setWeight"),
            Some(Want::Int)
        );
        assert_eq!(t("Workflow", "on/push"), None);
    }

    #[test]
    fn source_text_of_a_span() {
        let text = "a: 1\n  replicas: 010   # x\n";
        let span = Span {
            start: canary_core::located::Pos { line: 2, col: 13 },
            end: canary_core::located::Pos { line: 2, col: 16 },
        };
        assert_eq!(source_text(text, span), Some("010"));
    }
}

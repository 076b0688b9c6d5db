//! The input rules: what the loader could not take in. The loader returns plain
//! `LoadProblem`s; [`diagnostic`] turns each into the finding of its rule here. The rules have
//! no `check` of their own (the engine converts the loader's problems), but they are in the
//! rule table so `rules` lists them and `explain` documents them.

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::repo::{LoadProblem, ProblemKind};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Every `*.yaml`, `*.yml` and `*.json` file in the repo can be read and parsed: it is
    /// UTF-8 text (a byte-order mark is accepted), not binary, valid YAML 1.2 or JSON, has no
    /// key twice in one mapping, and every alias names a known anchor. A symlink that does not
    /// resolve (a loop or a dangling link) is reported here too.
    ///
    /// ## Why it matters
    ///
    /// `kubectl apply -f dir/` stops at the first file it cannot parse, and a duplicate key is
    /// read differently by different YAML parsers (the API server rejects it; some tools keep
    /// the last value). Every other rule is blind to a file that does not parse.
    ///
    /// A file that a kustomization's `configMapGenerator` or `secretGenerator` copies into a
    /// ConfigMap or Secret is data that kubectl never parses (sigs.k8s.io/kustomize
    /// `api/kv/kv.go`, `keyValuesFromFileSources`): its parse error is a **warning** that names
    /// the generator, since whatever reads the data fails, not the deploy. So is one that holds
    /// Helm template actions (`{{ .Values.x }}`) without a chart around it: Helm renders it,
    /// nobody applies it as written. UTF-16 with a byte-order mark is decoded, as kubectl
    /// does (k8s.io/cli-runtime `FileVisitor.Visit`).
    ///
    /// ## Example
    ///
    /// ```yaml
    /// spec:
    ///   replicas: 3
    ///   replicas: 5     # duplicate key
    /// ```
    ///
    /// ## Fix
    ///
    /// Fix the syntax at the reported line and column. If the file is not a manifest (a Helm
    /// template, a `tsconfig.json` with comments), list it in `.canarylintignore`.
    ///
    /// ## Source
    ///
    /// YAML 1.2.2 §3.2.1.1 (mapping keys are unique); Kubernetes API server strict decoding
    /// (`kubectl` reports "mapping key already defined").
    pub struct ParseError {
        code: "CL001",
        name: "parse-error",
        category: Correctness,
        summary: "a file cannot be read or parsed as YAML/JSON",
    }
}

declare_rule! {
    /// ## What it checks
    ///
    /// The loader's limits: a file over 8 MiB, nesting deeper than 200 levels, aliases that
    /// expand to more than 100,000 nodes (an "alias bomb" or "billion laughs"), or more than
    /// 10,000 documents in one file.
    ///
    /// ## Why it matters
    ///
    /// No real manifest comes near these limits; input that does is generated garbage or an
    /// attack on whatever reads it. The linter stops reading that file so the rest of the repo
    /// is still checked quickly.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// a: &a [x, x, x, x, x, x, x, x, x]
    /// b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    /// c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]   # ... and so on: 9^n nodes
    /// ```
    ///
    /// ## Fix
    ///
    /// Remove or split the file, or list it in `.canarylintignore` if it is not a manifest.
    ///
    /// ## Source
    ///
    /// The limits of `canary_core::located::Limits`. The Kubernetes API server itself was
    /// patched against YAML alias bombs (CVE-2019-11253).
    pub struct InputLimit {
        code: "CL002",
        name: "input-limit",
        category: Correctness,
        summary: "a file exceeds the loader's size, depth, alias or document limits",
    }
}

declare_rule! {
    /// ## What it checks
    ///
    /// A document recognised as a known kind (by `apiVersion`/`kind`, or by shape for New
    /// Relic files) has the shape of that kind: every field has the right type, and required
    /// fields are present. The finding points at the offending value, or at the key of the
    /// object that lacks a required field.
    ///
    /// ## Why it matters
    ///
    /// The API server rejects the object (`cannot unmarshal string into Go struct field`),
    /// New Relic rejects the condition, and the linter cannot check anything else about it.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// spec:
    ///   replicas: three   # must be an integer
    /// ```
    ///
    /// ## Fix
    ///
    /// Give the field the type the message names.
    ///
    /// ## Source
    ///
    /// The Kubernetes OpenAPI types (via `k8s-openapi`), Argo Rollouts `types.go` and
    /// `analysis_types.go`, newrelic-client-go `nrql_conditions.go` and `dashboards/types.go`,
    /// as modelled in `canary_core::model`.
    pub struct InvalidObject {
        code: "CL003",
        name: "invalid-object",
        category: Correctness,
        summary: "a recognised document does not fit its kind's schema",
    }
}

declare_rule! {
    /// ## What it checks
    ///
    /// Nothing is wrong: this note says that a Helm chart's templates were not linted. A
    /// directory holding `Chart.yaml` is a chart; the files under its `templates/` are Go
    /// templates, and its `values*.yaml` are not Kubernetes objects, so the loader leaves them
    /// out (the chart's `crds/` are plain manifests and are linted). One
    /// note per chart, at its `Chart.yaml`, with the number of templates left out.
    ///
    /// ## Why it matters
    ///
    /// A template is rarely valid YAML as written (`{{ .Values.x }}` in a flow position) and
    /// what it renders to depends on values: judging it as a manifest gives parse errors
    /// that mean nothing, and checking it would miss what only values set (an annotation
    /// written in `values.yaml`). The rendered output is what the cluster sees.
    ///
    /// ## Example
    ///
    /// ```text
    /// charts/api/Chart.yaml
    /// charts/api/values.yaml
    /// charts/api/templates/rollout.yaml     # {{- include "api.labels" . | nindent 4 }}
    /// ```
    ///
    /// ## Fix
    ///
    /// Lint what the chart renders, once per environment's values:
    /// `helm template charts/api -f values-prod.yaml | canary-lint -`. Silence the note with
    /// `CL008 = "off"` in `.canary-lint.toml` once that runs in CI.
    ///
    /// ## Source
    ///
    /// Helm's chart layout (`helm.sh/docs/topics/charts`: `Chart.yaml`, `values.yaml`,
    /// `templates/`, `crds/`).
    pub struct HelmChartSkipped {
        code: "CL008",
        name: "helm-chart-skipped",
        category: Advice,
        summary: "a Helm chart's templates are not linted as manifests; lint the rendered output",
    }
}

impl Rule for HelmChartSkipped {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
}

impl Rule for ParseError {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
}

impl Rule for InputLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
}

impl Rule for InvalidObject {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
}

/// The finding for a load problem: CL001, CL002 or CL003 at its location.
pub fn diagnostic(problem: LoadProblem) -> Diagnostic {
    let rule = match problem.kind {
        ProblemKind::Parse => &ParseError::META,
        ProblemKind::Limit => &InputLimit::META,
        ProblemKind::InvalidObject => &InvalidObject::META,
        ProblemKind::HelmChart => &HelmChartSkipped::META,
    };
    let mut found = Diagnostic::new(rule, problem.file, problem.span, problem.message);
    if let Some(help) = problem.help {
        found = found.with_help(help);
    }
    if problem.warning {
        found.with_severity(crate::diagnostic::Severity::Warning)
    } else {
        found
    }
}

//! Checks that make a loaded spec renderable, each pointing at the line to change.

use std::collections::{BTreeMap, BTreeSet};

use super::load::{LoadedSpec, SpecError};
use super::types::{Provider, QueryScope, Routing};
use canary_core::diag::Located;
use canary_core::model::analysis::arg_placeholders;
use canary_core::model::values::{is_dns1123_label, parse_go_duration};
use canary_core::nrql::{nested_values, nrql_aliases, nrql_has_keyword};
use canary_core::promql_shape::ResultKind;

/// Command-line settings that win over the spec.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--provider`.
    pub provider: Option<Provider>,
    /// `--traffic`.
    pub routing: Option<Routing>,
    /// `--stable-ingress`.
    pub stable_ingress: Option<String>,
}

impl Overrides {
    /// Apply to a spec.
    pub fn apply(&self, loaded: &mut LoadedSpec) {
        if let Some(p) = self.provider {
            loaded.spec.provider.use_ = p;
        }
        if let Some(r) = self.routing {
            loaded.spec.traffic.routing = r;
        }
        if let Some(ingress) = &self.stable_ingress {
            let nginx =
                loaded
                    .spec
                    .traffic
                    .nginx
                    .get_or_insert_with(|| super::types::NginxSettings {
                        stable_ingress: String::new(),
                        annotation_prefix: None,
                    });
            nginx.stable_ingress = ingress.clone();
        }
    }
}

/// The arg holding the canary ReplicaSet's pod-template hash. The Rollout passes it with
/// `valueFrom.podTemplateHashValue: Latest` (argo-rollouts `utils/analysis/factory.go`
/// `BuildArgumentsForRolloutAnalysisRun`: the new ReplicaSet's `rollouts-pod-template-hash`).
pub const CANARY_HASH_ARG: &str = "canary-hash";

/// A stand-in for the hash where a value is needed before run time (validation, promtool).
pub const CANARY_HASH_EXAMPLE: &str = "6c9f8d7b5";

/// The Prometheus label of the hash: the pod label `rollouts-pod-template-hash`
/// (argo-rollouts `DefaultRolloutUniqueLabelKey`) copied by a ServiceMonitor's
/// `podTargetLabels`, which prometheus-operator sanitises to `[a-zA-Z0-9_]`
/// (`pkg/prometheus/promcfg.go` `sanitizeLabelName`).
pub const CANARY_HASH_LABEL: &str = "rollouts_pod_template_hash";

/// The analysis args a query may use, with the values the Rollout passes (`canary-hash`:
/// the example; the Rollout passes it through `valueFrom`).
pub fn known_args(spec: &super::types::CanarySpec) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("job", spec.provider.prometheus.job.clone()),
        ("app-name", spec.provider.newrelic.app_name.clone()),
        ("namespace", spec.app.namespace.clone()),
        (CANARY_HASH_ARG, CANARY_HASH_EXAMPLE.to_string()),
    ])
}

fn duration_problem(loaded: &LoadedSpec, pointer: &str, text: &str) -> Option<Located> {
    parse_go_duration(text).err().map(|e| Located {
        span: loaded.span(pointer),
        message: e.to_string(),
        help: Some("Argo reads Go durations: 90s, 5m, 1h30m".into()),
    })
}

/// What a metric without a query for the chosen provider is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingQuery {
    /// A spec problem (`render`, `plan`, `diff`).
    #[default]
    Error,
    /// Left out (`promtool`, which checks the metrics that have a Prometheus query).
    Skip,
}

/// Every reason the spec cannot be rendered, with locations.
pub fn validate(loaded: &LoadedSpec) -> Result<(), SpecError> {
    validate_with(loaded, MissingQuery::Error)
}

/// [`validate`], with metrics that lack a query for the provider either refused or skipped.
pub fn validate_with(loaded: &LoadedSpec, missing: MissingQuery) -> Result<(), SpecError> {
    let spec = &loaded.spec;
    let mut problems = Vec::new();
    let mut push = |span, message: String, help: Option<&str>| {
        problems.push(Located {
            span,
            message,
            help: help.map(str::to_string),
        })
    };

    for (key, value) in &spec.app.pod_labels {
        let pointer = format!(
            "/app/podLabels/{}",
            key.replace('~', "~0").replace('/', "~1")
        );
        if !is_label_key(key) {
            push(
                loaded.key_span(&pointer),
                format!("`{key}` is not a valid label key"),
                Some(
                    "a label key is [prefix/]name: name ≤ 63 of [A-Za-z0-9._-], starting and ending alphanumeric",
                ),
            );
        }
        if value.is_empty() || !is_label_value(value) {
            push(
                loaded.span(&pointer),
                format!("`{value}` is not a valid label value"),
                Some("≤ 63 of [A-Za-z0-9._-], starting and ending alphanumeric"),
            );
        }
    }
    for (pointer, value, what) in [
        (
            "/app/container",
            spec.app.container.as_str(),
            "container name",
        ),
        (
            "/ci/serviceAccount",
            spec.ci.service_account.as_str(),
            "ServiceAccount name",
        ),
    ] {
        if !is_dns1123_label(value) {
            push(
                loaded.span(pointer),
                format!("`{value}` is not a valid {what}"),
                Some("use lowercase letters, digits and `-` (a DNS-1123 label)"),
            );
        }
    }
    if let Some(nginx) = &spec.traffic.nginx
        && !nginx.stable_ingress.is_empty()
        && !canary_core::model::values::is_dns1123_subdomain(&nginx.stable_ingress)
    {
        push(
            loaded.span("/traffic/nginx/stableIngress"),
            format!("`{}` is not a valid Ingress name", nginx.stable_ingress),
            None,
        );
    }
    for (pointer, value, quote) in [
        (
            "/provider/prometheus/job",
            spec.provider.prometheus.job.as_str(),
            '"',
        ),
        (
            "/provider/newrelic/appName",
            spec.provider.newrelic.app_name.as_str(),
            '\'',
        ),
    ] {
        if value.contains([quote, '\\']) || value.chars().any(char::is_control) {
            push(
                loaded.span(pointer),
                format!("`{value}` cannot be substituted into a query safely"),
                Some(
                    "Argo pastes arg values into the query text verbatim; remove quotes, backslashes and control characters",
                ),
            );
        }
    }
    // A Deployment name is a DNS-1123 subdomain: kubernetes/kubernetes
    // pkg/apis/apps/validation/validation.go, `ValidateDeploymentName =
    // apimachineryvalidation.NameIsDNSSubdomain`. `../..` is not one.
    if !canary_core::model::values::is_dns1123_subdomain(spec.app.deployment_name()) {
        push(
            loaded.span("/app/deployment"),
            format!(
                "`{}` is not a valid Deployment name",
                spec.app.deployment_name()
            ),
            Some("use lowercase letters, digits, `-` and `.` (a DNS-1123 subdomain)"),
        );
    }
    for (i, metric) in spec.metrics.iter().enumerate() {
        if let Some(c) = metric.description.as_deref().and_then(unprintable) {
            push(
                loaded.span(&format!("/metrics/{i}/description")),
                format!(
                    "the description of metric `{}` contains the control character U+{:04X}",
                    metric.name, c as u32
                ),
                Some(
                    "the runbook shows descriptions as text; remove control characters and bidirectional overrides (line breaks and tabs are fine)",
                ),
            );
        }
    }
    layout_problems(loaded, &mut push);

    // The ladder.
    let mut previous = 0;
    for (i, rung) in spec.ladder.iter().enumerate() {
        if rung.weight <= previous {
            push(
                loaded.span(&format!("/ladder/{i}/weight")),
                format!(
                    "weight {} does not rise above the previous rung's {previous}",
                    rung.weight
                ),
                Some("each rung must raise the canary weight"),
            );
        }
        previous = rung.weight;
        if let Some(p) = &rung.pause
            && let Some(problem) = duration_problem(loaded, &format!("/ladder/{i}/pause"), p)
        {
            problems_push(&mut push, problem);
        }
    }
    let gated = spec.ladder.iter().any(|r| r.analysis && r.weight < 100);
    if !gated {
        push(
            loaded.key_span("/ladder"),
            "no rung below 100% has `analysis: true`: the canary would not be metric-gated".into(),
            Some("set `analysis: true` on at least one rung before weight 100"),
        );
    }
    for (pointer, text) in [
        (
            "/readinessAllowance",
            Some(spec.readiness_allowance.as_str()),
        ),
        ("/analysis/interval", Some(spec.analysis.interval.as_str())),
        (
            "/analysis/initialDelay",
            spec.analysis.initial_delay.as_deref(),
        ),
    ] {
        if let Some(problem) = text.and_then(|t| duration_problem(loaded, pointer, t)) {
            problems_push(&mut push, problem);
        }
    }
    if spec.analysis.failure_limit >= spec.analysis.count {
        push(
            loaded.span("/analysis/failureLimit"),
            format!(
                "failureLimit {} with count {} can never fail the gate",
                spec.analysis.failure_limit, spec.analysis.count
            ),
            Some(
                "Argo fails a metric when failed measurements exceed failureLimit; keep failureLimit below count",
            ),
        );
    }

    // The gates.
    let args = known_args(spec);
    let mut names = BTreeSet::new();
    let provider = spec.provider.use_;
    for (i, metric) in spec.metrics.iter().enumerate() {
        let at = |suffix: &str| format!("/metrics/{i}{suffix}");
        if !names.insert(metric.name.as_str()) {
            push(
                loaded.span(&at("/name")),
                format!("metric `{}` is defined twice", metric.name),
                Some("Argo rejects an AnalysisRun with two metrics of one name"),
            );
        }
        match (metric.max, metric.min) {
            (Some(_), Some(_)) => push(
                loaded.key_span(&at("/min")),
                format!("metric `{}` sets both `max` and `min`", metric.name),
                Some("keep one threshold per gate"),
            ),
            (None, None) => push(
                loaded.key_span(&at("")),
                format!("metric `{}` needs a threshold: `max` or `min`", metric.name),
                None,
            ),
            _ => {}
        }
        let (key, query) = match provider {
            Provider::Prometheus => ("prometheus", metric.prometheus.as_ref()),
            Provider::Newrelic => ("newrelic", metric.newrelic.as_ref()),
        };
        let Some(query) = query else {
            if missing == MissingQuery::Skip {
                continue;
            }
            push(
                loaded.key_span(&at("/name")),
                format!(
                    "metric `{}` has no `{key}` query, but the provider is {key}",
                    metric.name
                ),
                Some("add a query for this provider, or choose the other provider"),
            );
            continue;
        };
        let qp = at(&format!("/{key}/query"));
        let placeholders = arg_placeholders(&query.query);
        for (name, _) in &placeholders {
            if !args.contains_key(name.as_str()) {
                push(
                    loaded.span(&qp),
                    format!("`{{{{args.{name}}}}}` is not an arg canary-gen passes"),
                    Some(
                        "use {{args.job}}, {{args.app-name}}, {{args.namespace}} or {{args.canary-hash}}",
                    ),
                );
            }
        }
        let resolved =
            canary_core::model::analysis::substitute_args(&query.query, |n| args.get(n).cloned());
        match provider {
            Provider::Prometheus => match canary_core::promql::selectors(&resolved) {
                Err(e) => push(
                    loaded.span(&qp),
                    format!("PromQL does not parse: {e}"),
                    Some("check the query with `promtool` or the Prometheus UI"),
                ),
                Ok(selectors) => {
                    if let Some((message, help)) = shape_problem(&metric.name, &resolved) {
                        push(loaded.span(&qp), message, Some(help));
                    }
                    for s in &selectors {
                        let canary = s.matchers.iter().any(|(l, op, v)| {
                            l == CANARY_HASH_LABEL && *op == "=" && v == CANARY_HASH_EXAMPLE
                        });
                        if query.scope == QueryScope::Canary && !canary {
                            push(
                                loaded.span(&qp),
                                format!(
                                    "selector {} does not select the canary's pods, so the gate measures stable and canary together (at setWeight 10 a canary with 40% errors moves a whole-job ratio to about 4%)",
                                    s.metric.as_deref().unwrap_or("{…}")
                                ),
                                Some(
                                    "add rollouts_pod_template_hash=\"{{args.canary-hash}}\" to the selector (the ServiceMonitor needs podTargetLabels: [rollouts-pod-template-hash]), or set `scope: app` on the query to measure the whole app",
                                ),
                            );
                        }
                    }
                    for s in selectors {
                        let job = &spec.provider.prometheus.job;
                        match s.job() {
                            Some(j) if j == job => {}
                            Some(j) => push(
                                loaded.span(&qp),
                                format!(
                                    "selector {} matches job `{j}`, but provider.prometheus.job is `{job}`",
                                    s.metric.as_deref().unwrap_or("{…}")
                                ),
                                Some("select job=\"{{args.job}}\" so the gate measures the app"),
                            ),
                            None => push(
                                loaded.span(&qp),
                                format!(
                                    "selector {} has no `job` matcher, so it measures every job",
                                    s.metric.as_deref().unwrap_or("{…}")
                                ),
                                Some("add job=\"{{args.job}}\""),
                            ),
                        }
                    }
                }
            },
            Provider::Newrelic => {
                if query.scope == QueryScope::Canary
                    && !placeholders.iter().any(|(n, _)| n == CANARY_HASH_ARG)
                {
                    push(
                        loaded.span(&qp),
                        "the NRQL does not use {{args.canary-hash}}, so the gate measures stable and canary together".into(),
                        Some("scope it to the canary's pods: `AND host LIKE '%-{{args.canary-hash}}-%'` (the APM host is the pod name, which holds the hash), or set `scope: app` on the query"),
                    );
                }
                for nested in nested_values(&query.query) {
                    if nested.key == "value" {
                        push(
                            loaded.span(&qp),
                            format!(
                                "`{}()` returns {} under `value`, not a number: the generated condition `result.value {} …` fails on every measurement, and the Rollout aborts",
                                nested.function,
                                nested.returns,
                                crate::bundle::threshold(metric).0
                            ),
                            Some(match nested.function {
                                "percentile" => {
                                    "gate on a number instead: `percentile(duration, 99) <= 1.5` is the same gate as `percentage(count(*), WHERE duration > 1.5) / 100 AS 'value'` with `max: 0.01`"
                                }
                                _ => {
                                    "gate on a number instead, e.g. `uniqueCount(…)`, `count(*)`, `average(…)` or `percentage(count(*), WHERE …) / 100`"
                                }
                            }),
                        );
                    }
                }
                if !nrql_aliases(&query.query).iter().any(|a| a == "value") {
                    push(loaded.span(&qp), "the NRQL does not return the key `value` that the generated condition reads".into(), Some("alias the measured value: `SELECT … AS 'value'`"));
                }
                if !nrql_has_keyword(&query.query, "SINCE") {
                    push(
                        loaded.span(&qp),
                        "the analysis NRQL has no SINCE, so New Relic averages over the last hour"
                            .into(),
                        Some("add e.g. `SINCE 5 minutes ago`"),
                    );
                }
                for kw in ["FACET", "TIMESERIES", "COMPARE WITH"] {
                    if nrql_has_keyword(&query.query, kw) {
                        push(
                            loaded.span(&qp),
                            format!(
                                "{kw} makes New Relic return several rows, but the condition reads one"
                            ),
                            Some("remove it; the gate needs a single value"),
                        );
                    }
                }
            }
        }
    }
    if provider == Provider::Prometheus {
        let addr = &spec.provider.prometheus.address;
        let ok = (addr.starts_with("http://") || addr.starts_with("https://"))
            && addr.split("://").nth(1).is_some_and(|h| !h.is_empty());
        if !ok {
            push(
                loaded.span("/provider/prometheus/address"),
                format!("`{addr}` is not an absolute URL"),
                Some("Argo requires scheme and host, e.g. http://prometheus.monitoring:9090"),
            );
        }
    }
    if spec.traffic.routing == Routing::Nginx
        && spec
            .traffic
            .nginx
            .as_ref()
            .is_none_or(|n| n.stable_ingress.is_empty())
    {
        push(
            loaded.key_span("/traffic"),
            "nginx routing needs the live Ingress: `traffic.nginx.stableIngress`".into(),
            Some("set it in the spec or pass --stable-ingress NAME"),
        );
    }

    if problems.is_empty() {
        Ok(())
    } else {
        problems.sort_by_key(|p| p.span);
        Err(SpecError {
            path: loaded.path.clone(),
            text: loaded.text.clone(),
            problems,
        })
    }
}

/// Why the generator cannot write a condition for what `query` returns (read with
/// `canary_core::promql_shape`, the reader CL603-CL605 use). A vector gets
/// `all(result, …)` and a scalar a comparison of `result` itself (see
/// `bundle::success_condition`); Argo hands a matrix over as one flat list of every sample of
/// every series and rejects a string (argo-rollouts `metricproviders/prometheus/prometheus.go`
/// `processResponse`: "Prometheus metric type not supported").
fn shape_problem(metric: &str, query: &str) -> Option<(String, &'static str)> {
    match canary_core::promql_shape::shape(query).ok()?.kind {
        ResultKind::Vector | ResultKind::Scalar => None,
        ResultKind::Matrix => Some((
            format!(
                "the query of metric `{metric}` returns a range vector: Argo flattens every raw sample of every series in the window into one list, so the gate would judge old samples, not the current value"
            ),
            "wrap the range in a function that returns the current value, e.g. rate(x[5m]), avg_over_time(x[5m]) or max_over_time(x[5m])",
        )),
        ResultKind::String => Some((
            format!(
                "the query of metric `{metric}` returns a string, which the Prometheus provider rejects on every measurement (\"Prometheus metric type not supported\")"
            ),
            "return a number: a vector or a scalar expression",
        )),
    }
}

/// The first character of `text` that must not reach a Markdown file or a terminal raw: a C0
/// or C1 control other than line feed and tab (escape sequences, NUL, carriage return, bell),
/// or a bidirectional formatting character (Trojan Source, CVE-2021-42574: U+061C, U+200E,
/// U+200F, U+202A-U+202E, U+2066-U+2069), or a line or paragraph separator.
pub fn unprintable(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(
                c,
                '\u{061c}'
                    | '\u{200e}'
                    | '\u{200f}'
                    | '\u{202a}'..='\u{202e}'
                    | '\u{2066}'..='\u{2069}'
                    | '\u{2028}'
                    | '\u{2029}'
            )
    })
}

/// Every file `render --out-dir` writes, as (path under `--out-dir`, the `layout` key that
/// places it). Mirrors the paths `render::render_scope` builds; a unit test keeps the two equal.
pub fn layout_paths(spec: &super::types::CanarySpec) -> Vec<(String, &'static str)> {
    let app = &spec.app.name;
    let layout = &spec.layout;
    let join = |dir: &str, file: String| {
        let dir = dir.trim_end_matches('/');
        if dir.is_empty() || dir == "." {
            file
        } else {
            format!("{dir}/{file}")
        }
    };
    let mut out = vec![
        (
            join(&layout.manifests, format!("rollout-{app}.yaml")),
            "manifests",
        ),
        (
            join(&layout.manifests, format!("analysistemplate-{app}.yaml")),
            "manifests",
        ),
        (
            join(&layout.manifests, format!("services-{app}-canary.yaml")),
            "manifests",
        ),
        (
            join(&layout.manifests, format!("rbac-{app}-ci-deployer.yaml")),
            "manifests",
        ),
    ];
    if spec.provider.use_ == Provider::Prometheus {
        out.push((
            join(
                &layout.manifests,
                format!("prometheusrule-{app}-canary.yaml"),
            ),
            "manifests",
        ));
    }
    out.push((
        join(
            &layout.newrelic,
            "alerts/canary-analysis-aborted.json".into(),
        ),
        "newrelic",
    ));
    out.push((
        join(&layout.newrelic, format!("dashboards/{app}-canary.json")),
        "newrelic",
    ));
    out.push((join(&layout.ci, format!("deploy-{app}.yml")), "ci"));
    out.push((layout.runbook.clone(), "runbook"));
    out
}

/// Layout paths that leave `--out-dir`, go into `.git/`, or put two outputs on one path.
fn layout_problems(
    loaded: &LoadedSpec,
    push: &mut impl FnMut(canary_core::located::Span, String, Option<&str>),
) {
    let layout = &loaded.spec.layout;
    let mut bad_keys = BTreeSet::new();
    for (key, value, is_dir) in [
        ("manifests", &layout.manifests, true),
        ("newrelic", &layout.newrelic, true),
        ("ci", &layout.ci, true),
        ("runbook", &layout.runbook, false),
    ] {
        let root = is_dir && matches!(value.trim_end_matches('/'), "" | ".");
        if root {
            continue;
        }
        if let Err(e) = crate::output::layout_components(value) {
            bad_keys.insert(key);
            push(
                loaded.span(&format!("/layout/{key}")),
                format!("layout.{key}: {e}"),
                Some("layout paths are relative to --out-dir, without `..` and outside `.git/`"),
            );
        }
    }
    let paths = layout_paths(&loaded.spec);
    let mut seen: Vec<(Vec<&str>, &str, &str)> = Vec::new();
    for (path, key) in &paths {
        if bad_keys.contains(key) {
            continue;
        }
        let Ok(parts) = crate::output::layout_components(path) else {
            continue;
        };
        if let Some((_, other_path, other_key)) = seen
            .iter()
            .find(|(o, _, _)| o.starts_with(&parts) || parts.starts_with(o))
        {
            push(
                loaded.span(&format!("/layout/{key}")),
                format!(
                    "layout.{key} puts `{path}` where layout.{other_key} puts `{other_path}`: one output would overwrite or block the other"
                ),
                Some("give every output its own path"),
            );
            bad_keys.insert(key);
            continue;
        }
        seen.push((parts, path, key));
    }
}

/// A Kubernetes label key: optional DNS-subdomain prefix, `/`, and a name.
pub fn is_label_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    prefix.is_none_or(canary_core::model::values::is_dns1123_subdomain)
        && !name.is_empty()
        && is_label_value(name)
}

/// A Kubernetes label value (non-empty here).
pub fn is_label_value(v: &str) -> bool {
    v.len() <= 63
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && v.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && v.chars().last().is_some_and(|c| c.is_ascii_alphanumeric())
}

fn problems_push(
    push: &mut impl FnMut(canary_core::located::Span, String, Option<&str>),
    p: Located,
) {
    push(p.span, p.message, p.help.as_deref());
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::spec::{DEFAULT_SPEC_TEXT, load_spec};

    fn problems(text: &str) -> String {
        let loaded = load_spec("c.yaml", text).expect("loads");
        validate(&loaded).map_or_else(|e| e.render(false), |()| String::new())
    }

    #[test]
    fn layout_paths_are_the_rendered_paths() {
        for provider in [Provider::Prometheus, Provider::Newrelic] {
            let mut loaded = crate::spec::default_spec().expect("default");
            loaded.spec.provider.use_ = provider;
            let files =
                crate::render::render(&crate::bundle::build(&loaded.spec)).expect("renders");
            let rendered: BTreeSet<String> = files.into_iter().map(|f| f.path).collect();
            let planned: BTreeSet<String> = layout_paths(&loaded.spec)
                .into_iter()
                .map(|(p, _)| p)
                .collect();
            assert_eq!(rendered, planned);
        }
    }

    #[test]
    fn colliding_or_escaping_layouts_are_refused_at_their_line() {
        let text = DEFAULT_SPEC_TEXT.replace(
            "  runbook: CANARY-ROLLOUT-RUNBOOK.md",
            "  runbook: k8s/canary/rollout-instant-api.yaml",
        );
        let line = text
            .lines()
            .position(|l| l.starts_with("  runbook: k8s"))
            .map_or(0, |i| i + 1);
        let out = problems(&text);
        assert!(out.contains(&format!("c.yaml:{line}:12")), "{out}");
        assert!(out.contains("layout.runbook puts `k8s/canary/rollout-instant-api.yaml` where layout.manifests puts"), "{out}");
        for (from, to, what) in [
            (
                "  runbook: CANARY-ROLLOUT-RUNBOOK.md",
                "  runbook: .git/config",
                "inside `.git/`",
            ),
            (
                "  runbook: CANARY-ROLLOUT-RUNBOOK.md",
                "  runbook: ../x.md",
                "must stay inside",
            ),
            ("  ci: .github/workflows", "  ci: /etc", "must stay inside"),
            (
                "  ci: .github/workflows",
                "  ci: CANARY-ROLLOUT-RUNBOOK.md",
                "overwrite or block",
            ),
        ] {
            let text = DEFAULT_SPEC_TEXT.replace(from, to);
            assert_ne!(text, DEFAULT_SPEC_TEXT, "{from}");
            let out = problems(&text);
            assert!(out.contains(what), "{to}: {out}");
        }
        assert_eq!(
            problems(&DEFAULT_SPEC_TEXT.replace("  ci: .github/workflows", "  ci: .")),
            ""
        );
    }

    #[test]
    fn deployment_names_are_dns_subdomains() {
        let at = |d: &str| {
            DEFAULT_SPEC_TEXT.replace("  deployment: instant-api", &format!("  deployment: {d}"))
        };
        assert_ne!(at("x"), DEFAULT_SPEC_TEXT);
        assert!(problems(&at("\"../..\"")).contains("is not a valid Deployment name"));
        assert!(problems(&at("a..b")).contains("is not a valid Deployment name"));
        assert_eq!(problems(&at("api.v2")), "");
    }

    #[test]
    fn control_characters_in_descriptions_are_refused_at_their_line() {
        let text = DEFAULT_SPEC_TEXT.replace(
            "    description: share of requests answered with a 5xx",
            "    description: \"a\\e[2Jb\"",
        );
        assert_ne!(text, DEFAULT_SPEC_TEXT);
        let out = problems(&text);
        assert!(out.contains("control character U+001B"), "{out}");
        assert!(out.contains("c.yaml:"), "{out}");
        assert_eq!(unprintable("a\u{202e}b"), Some('\u{202e}'));
        assert_eq!(unprintable("two\nlines\tand a tab"), None);
    }

    /// Issue 12, defect 4: queries whose result no generated condition can read are refused
    /// at the query's line; a scalar is accepted (its condition compares `result` itself).
    #[test]
    fn result_shapes_the_condition_cannot_read_are_refused_at_their_line() {
        let up = r#"      query: min(up{job="{{args.job}}",rollouts_pod_template_hash="{{args.canary-hash}}"})"#;
        let line = DEFAULT_SPEC_TEXT
            .lines()
            .position(|l| l == up)
            .map_or(0, |i| i + 1);
        assert_ne!(line, 0);
        let with = |query: &str| DEFAULT_SPEC_TEXT.replace(up, &format!("      query: {query}"));
        let scalar = with(
            r#"scalar(min(up{job="{{args.job}}",rollouts_pod_template_hash="{{args.canary-hash}}"}))"#,
        );
        assert_eq!(problems(&scalar), "");
        let out = problems(&with(
            r#"up{job="{{args.job}}",rollouts_pod_template_hash="{{args.canary-hash}}"}[5m]"#,
        ));
        assert!(out.contains("returns a range vector"), "{out}");
        assert!(out.contains(&format!("c.yaml:{line}:14")), "{out}");
        let out = problems(&with(r#"'"text"'"#));
        assert!(out.contains("returns a string"), "{out}");

        let nr = "      query: SELECT uniqueCount(host) AS 'value' FROM Transaction WHERE appName = '{{args.app-name}}' AND host LIKE '%-{{args.canary-hash}}-%' SINCE 2 minutes ago";
        let line = DEFAULT_SPEC_TEXT
            .lines()
            .position(|l| l == nr)
            .map_or(0, |i| i + 1);
        assert_ne!(line, 0);
        let newrelic = DEFAULT_SPEC_TEXT.replace("use: prometheus", "use: newrelic");
        assert_ne!(newrelic, DEFAULT_SPEC_TEXT);
        assert_eq!(problems(&newrelic), "");
        for (function, returns) in [
            ("percentile(duration, 99)", "`percentile()` returns a map"),
            ("uniques(host)", "`uniques()` returns a list"),
            (
                "histogram(duration, 10, 20)",
                "`histogram()` returns a list",
            ),
        ] {
            let text = newrelic.replace(
                nr,
                &nr.replace(
                    "uniqueCount(host) AS 'value'",
                    &format!("{function} AS 'value'"),
                ),
            );
            let out = problems(&text);
            assert!(out.contains(returns), "{function}: {out}");
            assert!(out.contains(&format!("c.yaml:{line}:14")), "{out}");
        }
        // Under another alias the nested value is not what the condition reads.
        let text = newrelic.replace(
            nr,
            &nr.replace(
                "uniqueCount(host) AS 'value'",
                "uniqueCount(host) AS 'value', percentile(duration, 99) AS 'p99'",
            ),
        );
        assert_eq!(problems(&text), "");
    }

    #[test]
    fn label_syntax() {
        assert!(is_label_key("app.kubernetes.io/name"));
        assert!(is_label_key("app"));
        assert!(!is_label_key("-app"));
        assert!(!is_label_key("a b"));
        assert!(is_label_value("0777"));
        assert!(!is_label_value("a: b"));
    }
}

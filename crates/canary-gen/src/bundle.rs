//! From a validated spec to the typed objects of a migration. Pure: no I/O, no text.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ServicePort, ServiceSpec};
use k8s_openapi::api::rbac::v1::{PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde_json::{Value, json};

use crate::spec::{
    CANARY_HASH_ARG, CanarySpec, MetricSpec, NoData, Provider, QueryScope, Routing, known_args,
};
use canary_core::ladder::{
    EFFECTIVE_WEIGHT_TOLERANCE, Ladder, LadderBudget, TimelineStep, recommended_status_timeout,
};
use canary_core::model::ServiceAccount;
use canary_core::model::analysis::{
    AnalysisTemplateSpec, Argument, Metric, MetricProvider, NewRelicMetric, PrometheusMetric,
    arg_placeholders, substitute_args,
};
use canary_core::model::monitoring::{MONITORING_API_VERSION, PrometheusRuleSpec, Rule, RuleGroup};
use canary_core::model::newrelic::{
    DashboardPage, DashboardWidget, Nrql, NrqlExpiration, NrqlQuery, NrqlSignal, NrqlTerm,
    RawConfiguration, Visualization, WidgetLayout,
};
use canary_core::model::rollout::{
    ARGO_API_VERSION, AnalysisRunArgument, AnalysisTemplateRef, ArgumentValueFrom, CanaryStep,
    CanaryStrategy, NginxTrafficRouting, ObjectRef, RolloutAnalysis, RolloutSpec, RolloutStrategy,
    TrafficRouting,
};
use canary_core::model::values::{DurationString, IntOrString, parse_go_duration};
use canary_core::model::{
    AnalysisTemplate, Dashboard, NrqlCondition, PrometheusRule, Role, RoleBinding, Rollout, Service,
};
use canary_core::promql_shape::ResultKind;
use canary_core::rbac::{CI_COMMANDS, grants_for};

/// Every object a migration needs, built from one spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    /// The spec it came from (after command-line overrides).
    pub spec: CanarySpec,
    /// The Rollout.
    pub rollout: Rollout,
    /// The AnalysisTemplate with the gates.
    pub analysis_template: AnalysisTemplate,
    /// Service the controller pins to the stable ReplicaSet.
    pub stable_service: Service,
    /// Service the controller pins to the canary ReplicaSet.
    pub canary_service: Service,
    /// The CI identity the RoleBinding names.
    pub service_account: ServiceAccount,
    /// What the CI deployer's commands (`set image`, `status`) need, from
    /// `canary_core::rbac::DEPLOYER_GRANTS`.
    pub role: Role,
    /// Why each rule of `role` is there, by index (the table's `why`).
    pub role_reasons: Vec<&'static str>,
    /// Binds the Role to the CI ServiceAccount.
    pub role_binding: RoleBinding,
    /// Prometheus only: canary-aborted and metrics-missing alerts.
    pub prometheus_rule: Option<PrometheusRule>,
    /// New Relic alert that pages when a canary aborts.
    pub alert: NrqlCondition,
    /// Dashboard holding the canary tiles.
    pub dashboard: Dashboard,
    /// The CI deploy workflow, as the YAML's JSON value.
    pub workflow: Value,
    /// CI numbers.
    pub ci: CiPlan,
    /// The ladder timeline.
    pub timeline: Vec<TimelineStep>,
    /// The budget a status timeout must cover.
    pub budget: LadderBudget,
    /// Things an operator must do or know, printed loudly and written into the runbook.
    pub notices: Vec<String>,
    /// setWeight steps whose real pod share is far from the weight (basic canary only).
    pub approximate_weights: Vec<ApproximateWeight>,
}

/// A setWeight that a basic canary cannot honour closely.
#[derive(Debug, Clone, PartialEq)]
pub struct ApproximateWeight {
    /// Index of the step in the Rollout.
    pub step: usize,
    /// The weight asked for.
    pub weight: i32,
    /// Canary pods.
    pub canary: i32,
    /// Stable pods.
    pub stable: i32,
}

impl ApproximateWeight {
    /// e.g. `setWeight 10 runs 1 canary + 2 stable pods (33% of pods)`.
    pub fn describe(&self) -> String {
        let total = self.canary + self.stable;
        let pct = if total == 0 {
            0.0
        } else {
            100.0 * f64::from(self.canary) / f64::from(total)
        };
        format!(
            "setWeight {} runs {} canary + {} stable pods ({:.0}% of pods)",
            self.weight, self.canary, self.stable, pct
        )
    }
}

/// Numbers for the CI step.
#[derive(Debug, Clone, PartialEq)]
pub struct CiPlan {
    /// `kubectl argo rollouts status --timeout`, seconds.
    pub status_timeout_secs: u64,
    /// The job's `timeout-minutes`, above the status timeout.
    pub job_timeout_minutes: u64,
}

/// Names of generated objects.
pub struct Names;

impl Names {
    /// Stable Service.
    pub fn stable_service(app: &str) -> String {
        format!("{app}-stable")
    }
    /// Canary Service.
    pub fn canary_service(app: &str) -> String {
        format!("{app}-canary")
    }
    /// AnalysisTemplate.
    pub fn template(app: &str) -> String {
        format!("{app}-canary-analysis")
    }
    /// CI Role and RoleBinding.
    pub fn role(app: &str) -> String {
        format!("{app}-ci-deployer-rollouts")
    }
}

fn meta(name: &str, namespace: &str, app: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(namespace.to_string()),
        labels: Some(BTreeMap::from([
            ("app.kubernetes.io/name".to_string(), app.to_string()),
            (
                "app.kubernetes.io/part-of".to_string(),
                "canary".to_string(),
            ),
            (
                "app.kubernetes.io/managed-by".to_string(),
                "canary-gen".to_string(),
            ),
        ])),
        ..Default::default()
    }
}

/// Format a threshold the shortest way (`0.05`, `1`).
pub fn number(v: f64) -> String {
    format!("{v}")
}

/// A threshold as an expr float literal. A whole number is written with `.0`: expr reads a
/// literal without a fraction as an `int`, and one of 2^63 or more does not parse at all
/// (expr-lang/expr `parser/lexer`, integer literals go through `strconv.ParseInt`; the float
/// path is `strconv.ParseFloat`), so `result[0] <= 9223372036854775808` would error on every
/// measurement. Not re-checked in expr's source in this change: the expr behaviour is from
/// issue 12; the `.0` form is valid either way.
pub fn float_literal(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

/// The comparison a measurement must pass: `("<=", max)`, or `(">=", min)`.
pub fn threshold(metric: &MetricSpec) -> (&'static str, f64) {
    match (metric.max, metric.min) {
        (Some(max), _) => ("<=", max),
        (None, Some(min)) => (">=", min),
        (None, None) => ("<=", 0.0),
    }
}

/// What the Prometheus query of `metric` hands to the condition, read with
/// `canary_core::promql_shape` after the args are filled in as the Rollout fills them. A query
/// that does not parse is reported by `spec::validate`; it is taken as a vector here.
pub fn prometheus_result_kind(spec: &CanarySpec, metric: &MetricSpec) -> ResultKind {
    let Some(q) = &metric.prometheus else {
        return ResultKind::Vector;
    };
    let args = known_args(spec);
    let query = substitute_args(&q.query, |name| args.get(name).cloned());
    canary_core::promql_shape::shape(&query).map_or(ResultKind::Vector, |s| s.kind)
}

/// The expr condition for a gate.
///
/// Prometheus (argo-rollouts `metricproviders/prometheus/prometheus.go` `processResponse`):
/// a vector arrives as `[]float64`, one element per series in Prometheus' order, so every
/// element is judged with expr's `all(result, …)` (expr-lang/expr v1.17.8, the version in
/// argo-rollouts' go.mod: `builtin/builtin.go` `all`, `docs/language-definition.md`: true on
/// an empty array). `len(result) > 0 &&` keeps an empty result from passing a `noData: fail`
/// gate; `noData: pass` says `len(result) == 0 ||` on purpose. NaN (0/0, no traffic) compares
/// false in Go, so `!isNaN(#) && # <= X` fails it and `isNaN(#) || # <= X` passes it (Argo
/// docs "NaN and Infinity"; argo-rollouts#1466, PR #1481, PR #977). A scalar arrives as a bare
/// `float64`: `len(result)` and `all(result, …)` fail to compile on it (expr
/// `checker/checker.go` `builtinNode`: "builtin all takes only array"), so the condition
/// compares `result` itself; `scalar(v)` is NaN when `v` has no element, so NaN stands for
/// no data. The result kind must be `Vector` for anything but a Prometheus scalar.
///
/// New Relic results are a map keyed by the `AS 'value'` alias, null when there is no data.
pub fn success_condition(metric: &MetricSpec, provider: Provider, kind: ResultKind) -> String {
    let (op, threshold) = threshold(metric);
    let t = float_literal(threshold);
    match (provider, metric.no_data, kind) {
        (Provider::Prometheus, NoData::Pass, ResultKind::Scalar) => {
            format!("isNaN(result) || result {op} {t}")
        }
        (Provider::Prometheus, NoData::Fail, ResultKind::Scalar) => {
            format!("!isNaN(result) && result {op} {t}")
        }
        (Provider::Prometheus, NoData::Pass, _) => {
            format!("len(result) == 0 || all(result, isNaN(#) || # {op} {t})")
        }
        (Provider::Prometheus, NoData::Fail, _) => {
            format!("len(result) > 0 && all(result, !isNaN(#) && # {op} {t})")
        }
        (Provider::Newrelic, NoData::Pass, _) => {
            format!("result.value == nil || result.value {op} {t}")
        }
        (Provider::Newrelic, NoData::Fail, _) => {
            format!("result.value != nil && result.value {op} {t}")
        }
    }
}

fn analysis_template(spec: &CanarySpec) -> AnalysisTemplate {
    let provider = spec.provider.use_;
    let app = &spec.app.name;
    let mut used: Vec<String> = Vec::new();
    let metrics = spec
        .metrics
        .iter()
        .map(|m| {
            let query = match provider {
                Provider::Prometheus => m.prometheus.as_ref(),
                Provider::Newrelic => m.newrelic.as_ref(),
            }
            .map(|q| q.query.clone())
            .unwrap_or_default();
            for (name, _) in arg_placeholders(&query) {
                if !used.contains(&name) {
                    used.push(name);
                }
            }
            let provider_block = match provider {
                Provider::Prometheus => MetricProvider {
                    prometheus: Some(PrometheusMetric {
                        address: Some("{{args.prometheus-address}}".to_string()),
                        query,
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                Provider::Newrelic => MetricProvider {
                    new_relic: Some(NewRelicMetric {
                        profile: Some(spec.provider.newrelic.profile.clone()),
                        query,
                        timeout: None,
                    }),
                    ..Default::default()
                },
            };
            Metric {
                name: m.name.clone(),
                interval: Some(DurationString(spec.analysis.interval.clone())),
                initial_delay: spec
                    .analysis
                    .initial_delay
                    .as_ref()
                    .filter(|d| parse_go_duration(d).is_ok_and(|s| s > 0))
                    .map(|d| DurationString(d.clone())),
                count: Some(IntOrString::Int(spec.analysis.count)),
                success_condition: Some(success_condition(
                    m,
                    provider,
                    match provider {
                        Provider::Prometheus => prometheus_result_kind(spec, m),
                        Provider::Newrelic => ResultKind::Vector,
                    },
                )),
                failure_limit: Some(IntOrString::Int(spec.analysis.failure_limit)),
                provider: provider_block,
                ..Default::default()
            }
        })
        .collect();
    used.sort();
    let mut args: Vec<Argument> = used
        .into_iter()
        .map(|name| Argument {
            name,
            ..Default::default()
        })
        .collect();
    if provider == Provider::Prometheus {
        args.push(Argument {
            name: "prometheus-address".to_string(),
            value: Some(spec.provider.prometheus.address.clone()),
            value_from: None,
        });
    }
    AnalysisTemplate {
        api_version: ARGO_API_VERSION.to_string(),
        kind: "AnalysisTemplate".to_string(),
        metadata: meta(&Names::template(app), &spec.app.namespace, app),
        spec: AnalysisTemplateSpec {
            args: Some(args),
            metrics,
            ..Default::default()
        },
    }
}

fn rollout(spec: &CanarySpec, template: &AnalysisTemplate) -> Rollout {
    let app = &spec.app;
    let values = known_args(spec);
    let step_args: Vec<AnalysisRunArgument> = template
        .spec
        .args
        .iter()
        .flatten()
        .filter(|a| a.value.is_none() && a.value_from.is_none())
        .map(|a| {
            // The canary's hash is known only at run time: `valueFrom.podTemplateHashValue:
            // Latest` is the new ReplicaSet's `rollouts-pod-template-hash` (argo-rollouts
            // `utils/analysis/factory.go` `BuildArgumentsForRolloutAnalysisRun`).
            if a.name == CANARY_HASH_ARG {
                return AnalysisRunArgument {
                    name: a.name.clone(),
                    value: None,
                    value_from: Some(ArgumentValueFrom {
                        pod_template_hash_value: Some("Latest".to_string()),
                        ..Default::default()
                    }),
                };
            }
            AnalysisRunArgument {
                name: a.name.clone(),
                value: values.get(a.name.as_str()).cloned(),
                value_from: None,
            }
        })
        .collect();
    let mut steps = Vec::new();
    for rung in &spec.ladder {
        steps.push(CanaryStep::set_weight(rung.weight));
        if let Some(p) = rung
            .pause
            .as_deref()
            .filter(|p| parse_go_duration(p).is_ok())
        {
            steps.push(CanaryStep {
                pause: Some(canary_core::model::rollout::RolloutPause {
                    duration: Some(canary_core::model::values::PauseDuration(
                        IntOrString::String(p.to_string()),
                    )),
                }),
                ..Default::default()
            });
        }
        if rung.analysis {
            steps.push(CanaryStep {
                analysis: Some(Box::new(RolloutAnalysis {
                    templates: vec![AnalysisTemplateRef {
                        template_name: template.metadata.name.clone().unwrap_or_default(),
                        cluster_scope: None,
                    }],
                    args: (!step_args.is_empty()).then(|| step_args.clone()),
                    ..Default::default()
                })),
                ..Default::default()
            });
        }
    }
    let traffic_routing = match (spec.traffic.routing, &spec.traffic.nginx) {
        (Routing::Nginx, Some(nginx)) => Some(TrafficRouting {
            nginx: Some(NginxTrafficRouting {
                stable_ingress: Some(nginx.stable_ingress.clone()),
                annotation_prefix: nginx.annotation_prefix.clone(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        _ => None,
    };
    Rollout {
        api_version: ARGO_API_VERSION.to_string(),
        kind: "Rollout".to_string(),
        metadata: meta(&app.name, &app.namespace, &app.name),
        spec: RolloutSpec {
            replicas: Some(app.replicas),
            selector: Some(LabelSelector {
                match_labels: Some(app.pod_labels.clone()),
                ..Default::default()
            }),
            workload_ref: Some(ObjectRef {
                api_version: Some("apps/v1".to_string()),
                kind: Some("Deployment".to_string()),
                name: app.deployment_name().to_string(),
                scale_down: Some(app.scale_down.as_str().to_string()),
            }),
            strategy: RolloutStrategy {
                canary: Some(CanaryStrategy {
                    canary_service: Some(Names::canary_service(&app.name)),
                    stable_service: Some(Names::stable_service(&app.name)),
                    traffic_routing,
                    steps: Some(steps),
                    ..Default::default()
                }),
                blue_green: None,
            },
            ..Default::default()
        },
    }
}

fn service(spec: &CanarySpec, name: String) -> Service {
    let app = &spec.app;
    Service {
        metadata: meta(&name, &app.namespace, &app.name),
        spec: Some(ServiceSpec {
            selector: Some(app.pod_labels.clone()),
            ports: Some(vec![ServicePort {
                name: Some(app.port.name.clone()),
                port: app.port.port,
                protocol: Some("TCP".to_string()),
                target_port: Some(IntOrString::String(app.port.name.clone())),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The CI identity, its Role (the grants of [`CI_COMMANDS`], with their reasons) and the
/// RoleBinding.
fn rbac(spec: &CanarySpec) -> (ServiceAccount, Role, Vec<&'static str>, RoleBinding) {
    let app = &spec.app;
    let name = Names::role(&app.name);
    let grants: Vec<_> = grants_for(&CI_COMMANDS).collect();
    let rules = grants
        .iter()
        .map(|grant| PolicyRule {
            api_groups: Some(vec![grant.api_group.to_string()]),
            resources: Some(grant.resources.iter().map(|s| s.to_string()).collect()),
            resource_names: grant
                .workload_only
                .then(|| vec![app.deployment_name().to_string()]),
            verbs: grant.verbs.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        })
        .collect();
    let reasons = grants.iter().map(|g| g.why).collect();
    let service_account = ServiceAccount {
        metadata: meta(&spec.ci.service_account, &app.namespace, &app.name),
        ..Default::default()
    };
    let role = Role {
        metadata: meta(&name, &app.namespace, &app.name),
        rules: Some(rules),
    };
    let binding = RoleBinding {
        metadata: meta(&name, &app.namespace, &app.name),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_string(),
            kind: "Role".to_string(),
            name: name.clone(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".to_string(),
            name: spec.ci.service_account.clone(),
            namespace: Some(app.namespace.clone()),
            ..Default::default()
        }]),
    };
    (service_account, role, reasons, binding)
}

fn prometheus_rule(spec: &CanarySpec) -> PrometheusRule {
    let app = &spec.app;
    let ns_label = spec.provider.namespace_label;
    let job = &spec.provider.prometheus.job;
    let annotations = |summary: String, description: String| {
        let mut a = BTreeMap::from([
            ("summary".to_string(), summary),
            ("description".to_string(), description),
        ]);
        if let Some(url) = &spec.alerts.runbook_url {
            a.insert("runbook_url".to_string(), url.clone());
        }
        Some(a)
    };
    let labels = |severity: &str| {
        Some(BTreeMap::from([
            ("severity".to_string(), severity.to_string()),
            ("rollout".to_string(), app.name.clone()),
        ]))
    };
    PrometheusRule {
        api_version: MONITORING_API_VERSION.to_string(),
        kind: "PrometheusRule".to_string(),
        metadata: {
            let mut m = meta(&format!("{}-canary", app.name), &app.namespace, &app.name);
            // The labels the Prometheus `ruleSelector` needs (`alerts.prometheusRuleLabels`).
            m.labels
                .get_or_insert_with(BTreeMap::new)
                .extend(spec.alerts.prometheus_rule_labels.clone());
            m
        },
        spec: PrometheusRuleSpec {
            groups: vec![RuleGroup {
                name: format!("{}-canary", app.name),
                interval: None,
                rules: vec![
                    Rule {
                        alert: Some("CanaryAborted".to_string()),
                        // Both labellings (see `NamespaceLabel`): `max` folds the union into
                        // one series, so the alert fires once whichever side matched.
                        expr: Some(IntOrString::String(format!(
                            "max({}) > 0",
                            ns_label.promql(
                                "rollout_info",
                                &app.namespace,
                                &format!("name=\"{}\",phase=\"Abort\"", app.name)
                            )
                        ))),
                        for_: Some("1m".to_string()),
                        labels: labels("page"),
                        annotations: annotations(
                            format!("{} canary aborted and rolled back", app.name),
                            "An analysis gate failed (or someone ran abort); traffic is back on the stable ReplicaSet. The new image was rejected.".to_string(),
                        ),
                        ..Default::default()
                    },
                    Rule {
                        alert: Some("CanaryAnalysisMetricsMissing".to_string()),
                        expr: Some(IntOrString::String(format!("absent(up{{job=\"{job}\"}})"))),
                        for_: Some("10m".to_string()),
                        labels: labels("warning"),
                        annotations: annotations(
                            format!("no `up` series for job {job}: the canary gates measure nothing"),
                            "The AnalysisTemplate queries select this job. Without its series the gates see empty results.".to_string(),
                        ),
                        ..Default::default()
                    },
                ],
            }],
        },
    }
}

fn alert(spec: &CanarySpec) -> NrqlCondition {
    let app = &spec.app;
    NrqlCondition {
        name: format!("{} canary aborted", app.name),
        enabled: Some(true),
        description: Some(format!(
            "The Argo Rollouts canary of {} in {} aborted: an analysis gate failed or an operator aborted it, and traffic went back to the stable ReplicaSet.",
            app.name, app.namespace
        )),
        runbook_url: spec.alerts.runbook_url.clone(),
        title_template: None,
        nrql: Nrql {
            query: format!(
                "SELECT latest(rollout_info) FROM Metric WHERE name = '{}' AND {} AND phase = 'Abort'",
                app.name,
                spec.provider.namespace_label.nrql(&app.namespace),
            ),
            data_account_id: None,
        },
        terms: vec![NrqlTerm {
            priority: Some("CRITICAL".to_string()),
            operator: Some("ABOVE".to_string()),
            threshold: Some(0.0),
            threshold_duration: Some(60),
            threshold_occurrences: Some("AT_LEAST_ONCE".to_string()),
        }],
        signal: Some(NrqlSignal {
            aggregation_window: Some(60),
            aggregation_method: Some("EVENT_FLOW".to_string()),
            aggregation_delay: Some(120),
            fill_option: Some("NONE".to_string()),
            ..Default::default()
        }),
        expiration: Some(NrqlExpiration {
            expiration_duration: Some(600),
            open_violation_on_expiration: Some(false),
            close_violations_on_expiration: Some(true),
            ignore_on_expected_termination: None,
        }),
        violation_time_limit_seconds: Some(86_400),
        value_function: None,
    }
}

/// The canary tiles, also used to upsert them into an existing dashboard.
pub fn canary_tiles(spec: &CanarySpec) -> Vec<DashboardWidget> {
    let app = &spec.app;
    let ns = spec.provider.namespace_label.nrql(&app.namespace);
    let account = spec.provider.newrelic.account_id;
    let tile = |column: i64, title: String, query: String| DashboardWidget {
        title,
        layout: Some(WidgetLayout {
            column,
            row: 1,
            width: 6,
            height: 3,
        }),
        visualization: Some(Visualization {
            id: "viz.table".to_string(),
        }),
        raw_configuration: Some(RawConfiguration {
            nrql_queries: Some(vec![NrqlQuery {
                account_id: None,
                account_ids: Some(vec![account]),
                query,
            }]),
            other: BTreeMap::from([(
                "platformOptions".to_string(),
                json!({"ignoreTimeRange": false}),
            )]),
        }),
        linked_entity_guids: None,
    };
    vec![
        tile(
            1,
            format!("Canary — {} rollout phase", app.name),
            // `rollout_info` exists only for the current phase at each scrape (argo-rollouts
            // `controller/metrics/rollouts.go` `collectRollouts`), so `FACET phase` listed every
            // phase seen that day. `latest(phase)` is the phase of the newest data point (NRQL
            // reference, newrelic/docs-website `nrql-syntax-clauses-functions.mdx` `latest()`:
            // "the most recent value for an attribute"; ties at one timestamp are random, and
            // one timestamp holds one phase of one Rollout).
            format!(
                "SELECT latest(phase) AS 'phase', latest(strategy) AS 'strategy' FROM Metric WHERE metricName = 'rollout_info' AND name = '{}' AND {ns} SINCE 1 day ago",
                app.name
            ),
        ),
        tile(
            7,
            format!("Canary — {} analysis outcome", app.name),
            format!(
                "SELECT uniqueCount(name) FROM Metric WHERE metricName = 'analysis_run_info' AND name LIKE '{}-%' AND {ns} FACET phase SINCE 1 day ago",
                app.name
            ),
        ),
    ]
}

fn dashboard(spec: &CanarySpec) -> Dashboard {
    Dashboard {
        name: format!("{} canary", spec.app.name),
        description: Some(format!(
            "Argo Rollouts canary outcomes for {}",
            spec.app.name
        )),
        permissions: Some("PUBLIC_READ_ONLY".to_string()),
        pages: vec![DashboardPage {
            name: "Canary".to_string(),
            description: None,
            guid: None,
            widgets: canary_tiles(spec),
        }],
        variables: None,
    }
}

/// The release download directory of the kubectl plugin.
pub fn plugin_release_url(version: &str) -> String {
    format!("https://github.com/argoproj/argo-rollouts/releases/download/{version}")
}

/// The plugin binary the workflow installs (GitHub's `ubuntu-latest` runners are x86-64).
pub const PLUGIN_ASSET: &str = "kubectl-argo-rollouts-linux-amd64";

/// The checksums file every release since v1.4.0 publishes next to the binaries: argo-rollouts
/// `Makefile` target `checksums` (`shasum -a 256 ./dist/kubectl-argo-rollouts-*`, one
/// `<sha256>  <asset>` line each) and `.github/workflows/release.yaml`, which uploads
/// `dist/argo-rollouts-checksums.txt` with the binaries (checked at v1.9.1 and `9f8d111d`).
pub const PLUGIN_CHECKSUMS: &str = "argo-rollouts-checksums.txt";

/// How long the CI waits for the controller to see the Deployment change of `set image`
/// (`WAIT_ATTEMPTS` polls, `WAIT_INTERVAL_SECS` apart). It fits in the ten minutes the job's
/// `timeout-minutes` leaves above the status timeout.
pub const WAIT_ATTEMPTS: u64 = 60;
/// Seconds between two polls of the wait.
pub const WAIT_INTERVAL_SECS: u64 = 5;

/// `s` as one shell word: bare when it holds only characters no shell treats specially,
/// otherwise single-quoted (`'` written as `'\''`).
pub fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The shell that waits until the Rollout controller has seen the Deployment generation that
/// `set image` wrote, so that `kubectl argo rollouts status` judges the new template.
///
/// Why: on a workloadRef Rollout `set image` updates the Deployment, not the Rollout
/// (`cmd/set/set_image.go` `SetImage`), so the Rollout's `metadata.generation` does not move.
/// The plugin's status (`pkg/kubectl-argo-rollouts/cmd/status/status.go`, through
/// `info/rollout_info.go` and `utils/rollout/rolloututil.go` `GetRolloutPhase`) only
/// distrusts `status.phase` while `status.observedGeneration` lags `metadata.generation`; its
/// workload-generation check needs `spec.TemplateResolvedFromRef`, which is `json:"-"` and so
/// always false in the plugin. Until the controller reconciles, `status` reads the previous
/// `Healthy` (or `Degraded`) and returns at once. The controller copies the Deployment's
/// `metadata.generation` into the Rollout's `rollout.argoproj.io/workload-generation`
/// annotation (`rollout/templateref.go` `updateRolloutsReferenceAnnotation`) and, in the
/// status patch that also sets the phase for the new template, into
/// `status.workloadObservedGeneration` (`rollout/sync.go` `persistRolloutStatus`). When that
/// field reaches the Deployment's generation, `status.phase` describes the new image. A
/// `set image` that changes nothing leaves the generation alone, and the wait passes at once.
///
/// `github` prefixes the failure message with `::error::` (a GitHub workflow command); the
/// runbook's copy prints it plainly.
pub fn observed_generation_wait(
    deployment: &str,
    rollout: &str,
    namespace: &str,
    github: bool,
) -> String {
    let (d, r, n) = (
        shell_word(deployment),
        shell_word(rollout),
        shell_word(namespace),
    );
    let total = WAIT_ATTEMPTS * WAIT_INTERVAL_SECS;
    let error = if github { "::error::" } else { "" };
    format!(
        "# set image changed the Deployment; status would read the old phase until the controller sees it.\n\
generation=$(kubectl get deployment {d} -n {n} -o jsonpath='{{.metadata.generation}}')\n\
observed=0\n\
for _ in $(seq 1 {WAIT_ATTEMPTS}); do\n\
\x20 observed=$(kubectl get rollout {r} -n {n} -o jsonpath='{{.status.workloadObservedGeneration}}') || observed=0\n\
\x20 if [ \"${{observed:-0}}\" -ge \"$generation\" ]; then break; fi\n\
\x20 sleep {WAIT_INTERVAL_SECS}\n\
done\n\
if [ \"${{observed:-0}}\" -ge \"$generation\" ]; then\n\
\x20 echo \"Rollout {rollout} has seen Deployment generation $generation\"\n\
else\n\
\x20 echo \"{error}after {total}s Rollout {rollout} has seen Deployment generation ${{observed:-none}}, not $generation: is the controller running?\"\n\
\x20 false\n\
fi\n"
    )
}

/// The `concurrency` group of an app's deploys.
pub fn concurrency_group(spec: &CanarySpec) -> String {
    format!(
        "argo-rollouts-canary-{}-{}",
        spec.app.namespace, spec.app.name
    )
}

fn workflow(spec: &CanarySpec, ci: &CiPlan) -> Value {
    let app = &spec.app;
    let version = &spec.ci.plugin_version;
    let install = format!(
        "cd \"$RUNNER_TEMP\" || exit\n\
# Verified against the release's own checksums file ({PLUGIN_CHECKSUMS}, published since v1.4.0).\n\
curl -sSfLO {release}/{PLUGIN_ASSET}\n\
curl -sSfLO {release}/{PLUGIN_CHECKSUMS}\n\
grep ' {PLUGIN_ASSET}$' {PLUGIN_CHECKSUMS} | sha256sum --check --strict\n\
mkdir -p \"$HOME/.local/bin\"\n\
install -m 0755 {PLUGIN_ASSET} \"$HOME/.local/bin/kubectl-argo-rollouts\"\n\
echo \"$HOME/.local/bin\" >> \"$GITHUB_PATH\"\n",
        release = plugin_release_url(version),
    );
    let kubeconfig = "mkdir -p \"$HOME/.kube\"\nprintf '%s' \"$KUBECONFIG_B64\" | base64 -d > \"$HOME/.kube/config\"\nchmod 600 \"$HOME/.kube/config\"\n";
    let (name, container, ns) = (
        shell_word(&app.name),
        shell_word(&app.container),
        shell_word(&app.namespace),
    );
    json!({
        "name": format!("deploy {} (canary)", app.name),
        "on": {
            "workflow_call": {
                "inputs": {"image": {"description": "image reference to roll out", "required": true, "type": "string"}},
                "secrets": {"KUBECONFIG_B64": {"description": format!("base64 kubeconfig of the {} ServiceAccount", spec.ci.service_account), "required": true}}
            }
        },
        "permissions": {},
        "jobs": {
            "deploy": {
                "runs-on": "ubuntu-latest",
                "concurrency": {"group": concurrency_group(spec), "cancel-in-progress": false},
                "timeout-minutes": ci.job_timeout_minutes,
                "defaults": {"run": {"shell": "bash"}},
                "steps": [
                    {"name": "Write kubeconfig", "env": {"KUBECONFIG_B64": "${{ secrets.KUBECONFIG_B64 }}"}, "run": kubeconfig},
                    {"name": "Install kubectl-argo-rollouts", "run": install},
                    {"name": "Set the canary image", "run": format!(
                        "kubectl argo rollouts set image {name} {container}=\"${{IMAGE}}\" -n {ns}\n"),
                     "env": {"IMAGE": "${{ inputs.image }}"}},
                    {"name": "Wait until the controller sees the new template", "run": observed_generation_wait(app.deployment_name(), &app.name, &app.namespace, true)},
                    {"name": "Wait for the canary ladder", "run": format!(
                        "kubectl argo rollouts status {name} -n {ns} --timeout={}s\n", ci.status_timeout_secs)}
                ]
            }
        }
    })
}

/// Build every object. The spec must have passed `spec::validate`.
pub fn build(spec: &CanarySpec) -> Bundle {
    let analysis_template = analysis_template(spec);
    let rollout = rollout(spec, &analysis_template);
    let readiness = parse_go_duration(&spec.readiness_allowance).unwrap_or(60);
    let template_name = analysis_template.metadata.name.clone();
    let lookup = |r: &AnalysisTemplateRef| {
        (Some(&r.template_name) == template_name.as_ref()).then_some(&analysis_template)
    };
    let ladder = Ladder::new(&rollout, &lookup, readiness);
    let timeline = ladder.timeline();
    let budget = ladder.budget();
    let status_timeout_secs = recommended_status_timeout(&budget);
    let ci = CiPlan {
        status_timeout_secs,
        job_timeout_minutes: status_timeout_secs.div_ceil(60) + 10,
    };
    let (service_account, role, role_reasons, role_binding) = rbac(spec);
    let mut notices = Vec::new();
    let mut approximate_weights = Vec::new();
    if spec.traffic.routing == Routing::None {
        for step in &timeline {
            if let Some(split) = step.split
                && (split.canary_percent() - f64::from(step.weight)).abs()
                    > EFFECTIVE_WEIGHT_TOLERANCE
            {
                approximate_weights.push(ApproximateWeight {
                    step: step.index,
                    weight: step.weight,
                    canary: split.canary,
                    stable: split.stable,
                });
            }
        }
        if !approximate_weights.is_empty() {
            let list: Vec<String> = approximate_weights
                .iter()
                .map(ApproximateWeight::describe)
                .collect();
            notices.push(format!(
                "without traffic routing the weight is approximated by pod counts with {} replicas: {}. Use --traffic nginx for exact weights.",
                spec.app.replicas,
                list.join("; ")
            ));
        }
    }
    for m in &spec.metrics {
        let query = match spec.provider.use_ {
            Provider::Prometheus => m.prometheus.as_ref(),
            Provider::Newrelic => m.newrelic.as_ref(),
        };
        if spec.provider.use_ == Provider::Prometheus
            && let Some(q) = query
        {
            let args = known_args(spec);
            let resolved = substitute_args(&q.query, |name| args.get(name).cloned());
            if canary_core::promql_shape::shape(&resolved)
                .is_ok_and(|s| s.many && s.kind == ResultKind::Vector)
            {
                notices.push(format!(
                    "gate `{}` can return several series: its condition judges every one (`all(result, …)`), so one series past the threshold fails the measurement",
                    m.name
                ));
            }
        }
        if query.is_some_and(|q| q.scope == QueryScope::App) {
            notices.push(format!(
                "gate `{}` has `scope: app`: it measures stable and canary pods together, so a bad canary at a low weight barely moves it",
                m.name
            ));
        }
    }
    if let (Routing::Nginx, Some(nginx)) = (spec.traffic.routing, &spec.traffic.nginx) {
        notices.push(format!(
            "ACTION REQUIRED: Argo Rollouts requires Ingress `{}` in namespace {} to route to the stable Service: change its backend to service `{}` port `{}` (or {}) before applying the Rollout, or the Rollout goes InvalidSpec (\"ingress `{}` has no rules using service {} backend\").",
            nginx.stable_ingress,
            spec.app.namespace,
            Names::stable_service(&spec.app.name),
            spec.app.port.name,
            spec.app.port.port,
            nginx.stable_ingress,
            Names::stable_service(&spec.app.name),
        ));
    }
    Bundle {
        spec: spec.clone(),
        stable_service: service(spec, Names::stable_service(&spec.app.name)),
        canary_service: service(spec, Names::canary_service(&spec.app.name)),
        prometheus_rule: (spec.provider.use_ == Provider::Prometheus)
            .then(|| prometheus_rule(spec)),
        alert: alert(spec),
        dashboard: dashboard(spec),
        workflow: workflow(spec, &ci),
        ci,
        timeline,
        budget,
        notices,
        approximate_weights,
        rollout,
        analysis_template,
        service_account,
        role,
        role_reasons,
        role_binding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use canary_core::condition::result_use;

    /// The generated conditions read `result` the way the linter (CL603-CL605, through
    /// `canary_core::condition`) expects for each result kind, so the two tools agree.
    #[test]
    fn conditions_fit_the_result_kind_as_the_linter_reads_them() {
        let Ok(loaded) = crate::spec::default_spec() else {
            panic!("the built-in spec loads");
        };
        for no_data in [NoData::Pass, NoData::Fail] {
            let mut metric = loaded.spec.metrics[0].clone();
            metric.no_data = no_data;
            let vector = result_use(&success_condition(
                &metric,
                Provider::Prometheus,
                ResultKind::Vector,
            ));
            assert!(vector.tests_len && vector.uses("all") && vector.tests_nan_of_element);
            assert!(!vector.indexes && vector.as_number.is_none());
            let scalar = result_use(&success_condition(
                &metric,
                Provider::Prometheus,
                ResultKind::Scalar,
            ));
            assert!(!scalar.as_list() && scalar.number_test_on_result);
            assert!(scalar.as_number.is_some());
        }
    }
}

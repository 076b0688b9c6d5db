//! The `canary.yaml` spec: what a team writes, and nothing the generator can work out itself.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A whole canary migration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(
    title = "canary.yaml",
    description = "One spec for a Deployment to Argo Rollouts canary migration (canary-gen)."
)]
pub struct CanarySpec {
    /// The application and its existing Deployment.
    pub app: App,
    /// The ladder, one rung per weight.
    #[schemars(length(min = 1))]
    pub ladder: Vec<Rung>,
    /// Time for new canary pods to become ready after each weight change, as a Go duration.
    #[serde(default = "default_readiness")]
    pub readiness_allowance: String,
    /// How each analysis gate measures.
    pub analysis: AnalysisSettings,
    /// The gates.
    #[schemars(length(min = 1))]
    pub metrics: Vec<MetricSpec>,
    /// Metrics provider settings.
    pub provider: ProviderSettings,
    /// Traffic routing.
    #[serde(default)]
    pub traffic: TrafficSettings,
    /// The CI deploy step.
    #[serde(default)]
    pub ci: CiSettings,
    /// Alert settings.
    #[serde(default)]
    pub alerts: AlertSettings,
    /// Where files go under `--out-dir`.
    #[serde(default)]
    pub layout: Layout,
}

fn default_readiness() -> String {
    "60s".to_string()
}

/// The application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct App {
    /// Rollout name; also names the Services, templates and files.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), length(max = 52))]
    pub name: String,
    /// Namespace of the Deployment and Rollout.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), length(max = 63))]
    pub namespace: String,
    /// The existing Deployment (default: `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    /// Container whose image CI sets.
    #[schemars(length(min = 1))]
    pub container: String,
    /// Pods; must equal the Deployment's replicas.
    #[schemars(range(min = 1, max = 10000))]
    pub replicas: i32,
    /// The Deployment's pod template labels; every Service selects on them.
    #[schemars(length(min = 1))]
    pub pod_labels: BTreeMap<String, String>,
    /// The port the Services expose.
    pub port: PortSpec,
    /// What happens to the Deployment once the Rollout is healthy.
    #[serde(default)]
    pub scale_down: ScaleDown,
}

impl App {
    /// The Deployment's name.
    pub fn deployment_name(&self) -> &str {
        self.deployment.as_deref().unwrap_or(&self.name)
    }
}

/// `workloadRef.scaleDown`, spelled exactly as the controller compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScaleDown {
    // Leave the Deployment's pods running.
    Never,
    // Scale the Deployment to 0 once the Rollout is healthy.
    #[default]
    Onsuccess,
    // Scale the Deployment down as Rollout pods become ready.
    Progressively,
}

impl ScaleDown {
    /// The string Argo expects.
    pub fn as_str(self) -> &'static str {
        match self {
            ScaleDown::Never => "never",
            ScaleDown::Onsuccess => "onsuccess",
            ScaleDown::Progressively => "progressively",
        }
    }
}

/// A Service port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PortSpec {
    /// Name of the container port the Services target (and of the Service port).
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), length(max = 15))]
    pub name: String,
    /// Service port number.
    #[schemars(range(min = 1, max = 65535))]
    pub port: i32,
}

/// One rung: set the weight, bake, then gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rung {
    /// Canary weight in percent.
    #[schemars(range(min = 1, max = 100))]
    pub weight: i32,
    /// Bake time as a Go duration (`5m`, `90s`, `1h30m`); omit for no pause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<String>,
    /// Gate on the analysis after the pause.
    #[serde(default)]
    pub analysis: bool,
}

/// Analysis measurement settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnalysisSettings {
    /// Time between measurements (Go duration).
    pub interval: String,
    /// Measurements per gate.
    #[schemars(range(min = 1, max = 1000))]
    pub count: i32,
    /// Failed measurements tolerated before the gate fails.
    #[schemars(range(min = 0, max = 1000))]
    pub failure_limit: i32,
    /// Delay before the first measurement (Go duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_delay: Option<String>,
}

/// What an empty or NaN result means for a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum NoData {
    // Treat it as healthy.
    Pass,
    // Treat it as a failed measurement.
    Fail,
}

/// One gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricSpec {
    /// Metric name, unique.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub name: String,
    /// What it measures, for the runbook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Fail when the value is above this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Fail when the value is below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// What an empty or NaN result means.
    pub no_data: NoData,
    /// The PromQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<QuerySpec>,
    /// The NRQL, aliased `AS 'value'`, with SINCE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newrelic: Option<QuerySpec>,
}

/// A query for one provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuerySpec {
    /// The query; `{{args.job}}`, `{{args.app-name}}`, `{{args.namespace}}` and
    /// `{{args.canary-hash}}` are filled in by Argo.
    #[schemars(length(min = 1))]
    pub query: String,
    /// `canary` (default): the query must select the canary's pods through
    /// `{{args.canary-hash}}`. `app`: it measures the whole app (a synthetic probe, an
    /// event without a pod attribute); `plan` and `render` warn.
    #[serde(default)]
    pub scope: QueryScope,
}

/// What a gate query measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum QueryScope {
    // The canary's pods only.
    #[default]
    Canary,
    // The whole app, stable and canary together.
    App,
}

/// A metrics provider.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    // Prometheus.
    #[default]
    Prometheus,
    // New Relic.
    Newrelic,
}

/// Provider settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderSettings {
    /// Which provider the AnalysisTemplate uses.
    #[serde(rename = "use", default)]
    pub use_: Provider,
    /// Prometheus settings.
    pub prometheus: PrometheusSettings,
    /// New Relic settings.
    pub newrelic: NewRelicSettings,
    /// Label or attribute holding the Rollout's namespace on controller metrics.
    #[serde(default)]
    pub namespace_label: NamespaceLabel,
}

/// Where the Rollout's namespace lands on Argo's controller metrics.
///
/// The controller labels `rollout_info` and the other controller series with the Rollout's
/// `namespace` (argo-rollouts `controller/metrics/prommetrics.go`). A prometheus-operator
/// ServiceMonitor without `honorLabels` (the argo-helm chart's
/// `charts/argo-rollouts/templates/controller/servicemonitor.yaml` sets none, and
/// `Endpoint.HonorLabels` defaults to false) makes the scrape add its own target label
/// `namespace` (the controller's namespace, prometheus-operator `pkg/prometheus/promcfg.go`
/// `generateServiceMonitorConfig`) and renames the controller's to `exported_namespace`
/// (Prometheus `honor_labels`, docs/configuration/configuration.md). `either` (the default)
/// matches both, so the alert fires on both setups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum NamespaceLabel {
    // Either labelling: `namespace` or `exported_namespace`.
    #[default]
    #[serde(rename = "either")]
    Either,
    // Labels kept as scraped (nri-prometheus, honor_labels).
    #[serde(rename = "namespace")]
    Namespace,
    // Renamed by a scrape that does not honour labels.
    #[serde(rename = "exported_namespace")]
    ExportedNamespace,
}

impl NamespaceLabel {
    /// The label names a query must try, in order.
    pub fn labels(self) -> &'static [&'static str] {
        match self {
            NamespaceLabel::Either => &["namespace", "exported_namespace"],
            NamespaceLabel::Namespace => &["namespace"],
            NamespaceLabel::ExportedNamespace => &["exported_namespace"],
        }
    }

    /// A PromQL selector of `metric` with `matchers` and the namespace `ns` under each label,
    /// joined with `or`. A series that carries `ns` under both labels (the controller in the
    /// app's namespace) is the same series on both sides and `or` keeps it once.
    pub fn promql(self, metric: &str, ns: &str, matchers: &str) -> String {
        let parts: Vec<String> = self
            .labels()
            .iter()
            .map(|l| format!("{metric}{{{l}=\"{ns}\",{matchers}}}"))
            .collect();
        parts.join(" or ")
    }

    /// An NRQL condition on the namespace attribute: `(namespace = 'ns' OR exported_namespace = 'ns')`.
    pub fn nrql(self, ns: &str) -> String {
        let parts: Vec<String> = self
            .labels()
            .iter()
            .map(|l| format!("{l} = '{ns}'"))
            .collect();
        if parts.len() == 1 {
            parts.concat()
        } else {
            format!("({})", parts.join(" OR "))
        }
    }
}

/// Prometheus settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrometheusSettings {
    /// Absolute URL of the Prometheus API.
    pub address: String,
    /// The scrape job label of the app's metrics.
    #[schemars(length(min = 1))]
    pub job: String,
}

/// New Relic settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewRelicSettings {
    /// Secret with `personal-api-key`, `account-id`, `region`, in the controller's namespace.
    #[serde(default = "default_profile")]
    pub profile: String,
    /// APM application name.
    #[schemars(length(min = 1))]
    pub app_name: String,
    /// Account id for the dashboard tile's queries.
    #[schemars(range(min = 1))]
    pub account_id: i64,
}

fn default_profile() -> String {
    "newrelic".to_string()
}

/// Traffic routing.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Routing {
    // Basic canary: the weight is approximated by pod counts.
    #[default]
    None,
    // ingress-nginx canary Ingress with exact weights.
    Nginx,
}

/// Traffic settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrafficSettings {
    /// `none` or `nginx`.
    #[serde(default)]
    pub routing: Routing,
    /// nginx settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nginx: Option<NginxSettings>,
}

/// nginx settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NginxSettings {
    /// The live Ingress; it must route to the stable Service.
    #[schemars(length(min = 1))]
    pub stable_ingress: String,
    /// Annotation prefix, if the controller uses a custom one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation_prefix: Option<String>,
}

/// CI settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CiSettings {
    /// ServiceAccount CI deploys as.
    pub service_account: String,
    /// kubectl-argo-rollouts release to install.
    #[schemars(regex(pattern = r"^v[0-9]+\.[0-9]+\.[0-9]+$"))]
    pub plugin_version: String,
}

impl Default for CiSettings {
    fn default() -> Self {
        CiSettings {
            service_account: "ci-deployer".to_string(),
            plugin_version: "v1.9.1".to_string(),
        }
    }
}

/// Alert settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertSettings {
    /// Runbook link on the alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook_url: Option<String>,
    /// Labels of the PrometheusRule, for the Prometheus `ruleSelector`. kube-prometheus-stack
    /// selects rules on `release: <its release name>` unless `ruleSelector` is set
    /// (`templates/prometheus/prometheus.yaml`, `ruleSelectorNilUsesHelmValues: true`).
    #[serde(default = "default_rule_labels")]
    pub prometheus_rule_labels: BTreeMap<String, String>,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            runbook_url: None,
            prometheus_rule_labels: default_rule_labels(),
        }
    }
}

/// `release: kube-prometheus-stack`, the chart's release name in its own install docs.
fn default_rule_labels() -> BTreeMap<String, String> {
    BTreeMap::from([("release".to_string(), "kube-prometheus-stack".to_string())])
}

/// Output layout relative to `--out-dir`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Layout {
    /// Directory for the Kubernetes manifests.
    pub manifests: String,
    /// Directory for New Relic files (`alerts/`, `dashboards/`).
    pub newrelic: String,
    /// Directory for the CI workflow (default `.github/workflows`: GitHub runs and calls
    /// workflows only from that directory at the repository root).
    pub ci: String,
    /// Path of the runbook.
    pub runbook: String,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            manifests: "k8s/canary".to_string(),
            newrelic: "newrelic".to_string(),
            ci: ".github/workflows".to_string(),
            runbook: "CANARY-ROLLOUT-RUNBOOK.md".to_string(),
        }
    }
}

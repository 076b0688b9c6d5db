//! AnalysisTemplate and ClusterAnalysisTemplate (argoproj.io/v1alpha1).
//!
//! Fields follow `pkg/apis/rollouts/v1alpha1/analysis_types.go` (Argo Rollouts v1.9).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::rollout::FieldRef;
use super::values::{DurationString, IntOrString};

/// An AnalysisTemplate or ClusterAnalysisTemplate; `kind` tells which.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisTemplate {
    /// `argoproj.io/v1alpha1`.
    pub api_version: String,
    /// `AnalysisTemplate` or `ClusterAnalysisTemplate`.
    pub kind: String,
    /// Name and namespace.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Metrics and args.
    #[serde(default)]
    pub spec: AnalysisTemplateSpec,
}

/// `AnalysisTemplateSpec`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisTemplateSpec {
    /// Declared args; an arg with no value must be supplied by the Rollout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<Argument>>,
    /// The metrics measured.
    #[serde(default)]
    pub metrics: Vec<Metric>,
    /// Metrics evaluated in dry-run mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<Vec<Value>>,
    /// Measurement retention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement_retention: Option<Vec<Value>>,
    /// Nested templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub templates: Option<Vec<Value>>,
}

/// A template-side argument.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Argument {
    /// Referenced as `{{args.<name>}}`.
    #[serde(default)]
    pub name: String,
    /// Default value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Value from a Secret in the AnalysisRun's namespace, or a field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<TemplateValueFrom>,
}

/// Template-side `valueFrom`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateValueFrom {
    /// A key of a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<SecretKeyRef>,
    /// A field path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_ref: Option<FieldRef>,
}

/// `secretKeyRef: {name, key}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SecretKeyRef {
    /// Secret name.
    #[serde(default)]
    pub name: String,
    /// Key in the Secret.
    #[serde(default)]
    pub key: String,
}

/// One metric (`Metric`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metric {
    /// Unique within the merged AnalysisRun.
    #[serde(default)]
    pub name: String,
    /// Time between measurements; Go duration. No default: absent means one measurement
    /// unless `count` says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<DurationString>,
    /// Delay before the first measurement; Go duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_delay: Option<DurationString>,
    /// Number of measurements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<IntOrString>,
    /// expr expression that marks a measurement Successful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_condition: Option<String>,
    /// expr expression that marks a measurement Failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_condition: Option<String>,
    /// Failed measurements tolerated; default 0, -1 disables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_limit: Option<IntOrString>,
    /// Inconclusive measurements tolerated; default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inconclusive_limit: Option<IntOrString>,
    /// Consecutive errors tolerated; default 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_error_limit: Option<IntOrString>,
    /// Consecutive successes required; default 0 (off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_success_limit: Option<IntOrString>,
    /// Exactly one provider.
    #[serde(default)]
    pub provider: MetricProvider,
}

/// Default `consecutiveErrorLimit` (`utils/defaults/defaults.go`, `DefaultConsecutiveErrorLimit`).
pub const DEFAULT_CONSECUTIVE_ERROR_LIMIT: i64 = 4;

impl AnalysisTemplate {
    /// The default value the template declares for arg `name`, if any.
    pub fn arg_default(&self, name: &str) -> Option<String> {
        self.spec
            .args
            .iter()
            .flatten()
            .find(|a| a.name == name)
            .and_then(|a| a.value.clone())
    }
}

impl Metric {
    /// Measurements Argo takes, following `EffectiveCount` (analysis_types.go): absent count and
    /// interval give 1, an interval without count gives `None` (runs forever).
    pub fn effective_count(&self) -> Option<i64> {
        match self.count.as_ref().and_then(int_value) {
            Some(n) if n > 0 => Some(n),
            // Go tests `metric.Interval != ""`: an empty interval is no interval.
            _ if self.interval.as_ref().is_some_and(|i| !i.0.is_empty()) => None,
            _ => Some(1),
        }
    }
}

/// Read an IntOrString that must hold an integer (Argo parses string counts as ints).
pub fn int_value(v: &IntOrString) -> Option<i64> {
    match v {
        IntOrString::Int(i) => Some(i64::from(*i)),
        IntOrString::String(s) => s.parse().ok(),
    }
}

/// `provider`: the two providers this toolkit generates, and any other kept by name.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricProvider {
    /// Prometheus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<PrometheusMetric>,
    /// New Relic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_relic: Option<NewRelicMetric>,
    /// datadog, web, job, wavefront, ...: kept opaque, by key.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl MetricProvider {
    /// Names of every provider set.
    pub fn names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        if self.prometheus.is_some() {
            names.push("prometheus");
        }
        if self.new_relic.is_some() {
            names.push("newRelic");
        }
        names.extend(self.other.keys().map(String::as_str));
        names
    }
}

/// `provider.prometheus` (`PrometheusMetric`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusMetric {
    /// Absolute URL; empty uses the controller's `ARGO_ROLLOUTS_PROMETHEUS_ADDRESS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// PromQL.
    #[serde(default)]
    pub query: String,
    /// Seconds; default 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
    /// Skip TLS verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure: Option<bool>,
    /// Extra HTTP headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Vec<Value>>,
    /// sigv4, oauth2, basicAuth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<Value>,
    /// Range query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_query: Option<Value>,
}

/// `provider.newRelic` (`NewRelicMetric`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NewRelicMetric {
    /// Secret in the controller's namespace; default `newrelic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// NRQL.
    #[serde(default)]
    pub query: String,
    /// Seconds; default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
}

/// Every `{{args.NAME}}` placeholder in a text, with its byte range. Spaces inside the braces
/// are trimmed, as `utils/template/template.go` does.
pub fn arg_placeholders(text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("{{") {
        let open = from + start;
        let Some(len) = text[open + 2..].find("}}") else {
            break;
        };
        let close = open + 2 + len + 2;
        let inner = text[open + 2..open + 2 + len].trim();
        if let Some(name) = inner.strip_prefix("args.") {
            found.push((name.trim().to_string(), open..close));
        }
        from = close;
    }
    found
}

/// Replace every `{{args.NAME}}` using `lookup`; placeholders it does not know stay as they are.
pub fn substitute_args(text: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (name, range) in arg_placeholders(text) {
        if let Some(value) = lookup(&name) {
            out.push_str(&text[last..range.start]);
            out.push_str(&value);
            last = range.end;
        }
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_placeholders_with_spaces() {
        let p = arg_placeholders("up{job=\"{{ args.job }}\"} {{args.x}} {{ other }}");
        let names: Vec<_> = p.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["job", "x"]);
    }

    #[test]
    fn substitutes_known_args_only() {
        let out = substitute_args("a {{args.job}} b {{args.y}}", |n| {
            (n == "job").then(|| "api".to_string())
        });
        assert_eq!(out, "a api b {{args.y}}");
    }

    #[test]
    fn effective_count_follows_argo() {
        let mut m = Metric::default();
        assert_eq!(m.effective_count(), Some(1));
        m.interval = Some(DurationString("1m".into()));
        assert_eq!(m.effective_count(), None);
        m.count = Some(IntOrString::Int(5));
        assert_eq!(m.effective_count(), Some(5));
    }
}

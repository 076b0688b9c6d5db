//! prometheus-operator kinds (monitoring.coreos.com/v1) the toolkit writes or reads.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::values::IntOrString;

/// API version of prometheus-operator kinds.
pub const MONITORING_API_VERSION: &str = "monitoring.coreos.com/v1";

/// A `PrometheusRule`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusRule {
    /// `monitoring.coreos.com/v1`.
    pub api_version: String,
    /// `PrometheusRule`.
    pub kind: String,
    /// Name, namespace, labels (the operator's ruleSelector matches them).
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Rule groups.
    #[serde(default)]
    pub spec: PrometheusRuleSpec,
}

/// `PrometheusRule.spec`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PrometheusRuleSpec {
    /// Groups.
    #[serde(default)]
    pub groups: Vec<RuleGroup>,
}

/// One rule group.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RuleGroup {
    /// Group name.
    #[serde(default)]
    pub name: String,
    /// Evaluation interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// Rules.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// An alerting or recording rule.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Rule {
    /// Alert name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// Recorded series name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// PromQL.
    #[serde(default)]
    pub expr: Option<IntOrString>,
    /// Pending period.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    /// Labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// A `ServiceMonitor` or `PodMonitor`, with the fields that decide the `job` label.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Monitor {
    /// `monitoring.coreos.com/v1`.
    pub api_version: String,
    /// `ServiceMonitor` or `PodMonitor`.
    pub kind: String,
    /// Name and namespace.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Selector, endpoints, jobLabel.
    #[serde(default)]
    pub spec: MonitorSpec,
}

/// The parts of a monitor spec that set `job`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorSpec {
    /// Label of the Service (or Pod) whose value becomes `job`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_label: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

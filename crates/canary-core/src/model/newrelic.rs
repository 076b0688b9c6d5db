//! New Relic alert conditions and dashboards, as kept in a repo.
//!
//! An alert file holds the `condition` object of NerdGraph's
//! `alertsNrqlConditionStaticCreate(accountId, policyId, condition: AlertsNrqlConditionStaticInput!)`
//! (newrelic-client-go `pkg/alerts/nrql_conditions.go`). A dashboard file holds a
//! `DashboardInput` (newrelic-client-go `pkg/dashboards/types.go`). Enumerations are kept as
//! strings so a linter can report a bad value instead of failing to read the file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `AlertsNrqlConditionStaticInput`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NrqlCondition {
    /// 1 to 128 characters.
    pub name: String,
    /// Whether the condition evaluates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Custom incident description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Link shown on the incident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook_url: Option<String>,
    /// Handlebars title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_template: Option<String>,
    /// The query.
    pub nrql: Nrql,
    /// At most one CRITICAL and one WARNING term.
    #[serde(default)]
    pub terms: Vec<NrqlTerm>,
    /// Aggregation settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<NrqlSignal>,
    /// Loss-of-signal settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<NrqlExpiration>,
    /// 300 to 2592000 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violation_time_limit_seconds: Option<i64>,
    /// Removed from the API (newrelic-client-go commit 8327dbc3); kept only so a linter sees it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_function: Option<Value>,
}

/// `nrql`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Nrql {
    /// NRQL without SINCE, UNTIL, TIMESERIES, LIMIT or COMPARE WITH.
    pub query: String,
    /// Account that holds the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_account_id: Option<i64>,
}

/// One threshold term.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NrqlTerm {
    /// `CRITICAL` or `WARNING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// `ABOVE`, `ABOVE_OR_EQUALS`, `BELOW`, `BELOW_OR_EQUALS`, `EQUALS`, `NOT_EQUALS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Threshold value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Seconds; a multiple of the aggregation window, 60 to 86400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_duration: Option<i64>,
    /// `ALL` or `AT_LEAST_ONCE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_occurrences: Option<String>,
}

/// `signal`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NrqlSignal {
    /// Seconds, 30 to 21600; default 60.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation_window: Option<i64>,
    /// `EVENT_FLOW`, `EVENT_TIMER` or `CADENCE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation_method: Option<String>,
    /// EVENT_FLOW (0..1200) or CADENCE (0..3600) only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation_delay: Option<i64>,
    /// EVENT_TIMER only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation_timer: Option<i64>,
    /// `NONE`, `LAST_VALUE` or `STATIC`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fill_option: Option<String>,
    /// Used with `STATIC`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fill_value: Option<f64>,
    /// Sliding window step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slide_by: Option<i64>,
    /// Up to 7200 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_delay: Option<i64>,
}

/// `expiration`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NrqlExpiration {
    /// 30 to 172800 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_duration: Option<i64>,
    /// Open an incident when the signal is lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_violation_on_expiration: Option<bool>,
    /// Close open incidents when the signal is lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_violations_on_expiration: Option<bool>,
    /// Ignore expected terminations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_on_expected_termination: Option<bool>,
}

/// Valid `terms[].operator` values (`AlertsNRQLConditionTermsOperatorTypes`).
pub const OPERATORS: [&str; 6] = [
    "ABOVE",
    "ABOVE_OR_EQUALS",
    "BELOW",
    "BELOW_OR_EQUALS",
    "EQUALS",
    "NOT_EQUALS",
];
/// Valid `terms[].priority` values.
pub const PRIORITIES: [&str; 2] = ["CRITICAL", "WARNING"];
/// Valid `terms[].thresholdOccurrences` values.
pub const OCCURRENCES: [&str; 2] = ["ALL", "AT_LEAST_ONCE"];
/// Valid `signal.aggregationMethod` values.
pub const AGGREGATION_METHODS: [&str; 3] = ["EVENT_FLOW", "EVENT_TIMER", "CADENCE"];
/// Valid `signal.fillOption` values.
pub const FILL_OPTIONS: [&str; 3] = ["NONE", "LAST_VALUE", "STATIC"];

/// `DashboardInput`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    /// Dashboard name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `PRIVATE`, `PUBLIC_READ_ONLY` or `PUBLIC_READ_WRITE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<String>,
    /// Pages.
    #[serde(default)]
    pub pages: Vec<DashboardPage>,
    /// Template variables, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<Vec<Value>>,
}

/// `DashboardPageInput`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DashboardPage {
    /// Page name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Page GUID, for updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    /// Widgets.
    #[serde(default)]
    pub widgets: Vec<DashboardWidget>,
}

/// `DashboardWidgetInput`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DashboardWidget {
    /// Tile title.
    #[serde(default)]
    pub title: String,
    /// Position; columns 1..=12.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<WidgetLayout>,
    /// `{id: "viz.table"}` and friends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visualization: Option<Visualization>,
    /// Queries and display settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_configuration: Option<RawConfiguration>,
    /// Linked entities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_entity_guids: Option<Value>,
}

/// `layout`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WidgetLayout {
    /// 1-based column.
    pub column: i64,
    /// 1-based row.
    pub row: i64,
    /// 1..=12.
    pub width: i64,
    /// Rows tall.
    pub height: i64,
}

/// `visualization`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Visualization {
    /// e.g. `viz.table`.
    pub id: String,
}

/// `rawConfiguration`: the queries, plus other keys kept as they are.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawConfiguration {
    /// The widget's NRQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nrql_queries: Option<Vec<NrqlQuery>>,
    /// Everything else (`platformOptions`, `thresholds`, ...).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// One `nrqlQueries[]` item.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NrqlQuery {
    /// One account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    /// Several accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_ids: Option<Vec<i64>>,
    /// NRQL.
    pub query: String,
}

/// Visualization ids New Relic accepts for built-in widgets (terraform-provider-newrelic
/// `structures_newrelic_one_dashboard.go`).
pub const VISUALIZATION_IDS: [&str; 14] = [
    "viz.area",
    "viz.bar",
    "viz.billboard",
    "viz.bullet",
    "viz.funnel",
    "viz.heatmap",
    "viz.histogram",
    "viz.json",
    "viz.line",
    "viz.markdown",
    "viz.pie",
    "viz.stacked-bar",
    "viz.table",
    "logger.log-table-widget",
];

//! User-tunable settings (from `.canary-lint.toml` and the command line) that rules and facts
//! read.

use canary_core::ladder::DEFAULT_READINESS_ALLOWANCE_SECS;

/// User-tunable settings (from `.canary-lint.toml` and the command line).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Strict schemas from CustomResourceDefinitions (`--crd-dir`), when given.
    pub crd_schemas: Option<std::sync::Arc<canary_core::crd::CrdSchemas>>,
    /// Seconds allowed per `setWeight` step for new pods to become ready (CI budget).
    pub readiness_allowance_secs: u64,
    /// Prometheus jobs defined outside the repo (a central Prometheus, another repo).
    pub prometheus_jobs: Vec<String>,
    /// The New Relic attribute that carries the Rollout's namespace on controller metrics:
    /// `namespace` (nri-prometheus) or `exported_namespace` (remote_write without
    /// honor_labels).
    pub newrelic_namespace_attribute: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            crd_schemas: None,
            readiness_allowance_secs: DEFAULT_READINESS_ALLOWANCE_SECS,
            prometheus_jobs: Vec::new(),
            newrelic_namespace_attribute: "namespace".to_string(),
        }
    }
}

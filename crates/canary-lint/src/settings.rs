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
    /// Objects defined outside the repo (`[external]`): a reference to one is not a finding.
    pub external: Vec<External>,
    /// Every reference whose target is not in the repo is an error (`strict-references`),
    /// not only those the repo shows to be mistakes.
    pub strict_references: bool,
}

/// The kinds `[external]` can declare: those a reference names.
pub const EXTERNAL_KINDS: [&str; 5] = [
    "Deployment",
    "Service",
    "Ingress",
    "AnalysisTemplate",
    "ClusterAnalysisTemplate",
];

/// One `[external]` entry: objects of `kind` that live outside the repo, as a `name` or
/// `namespace/name` pattern with `*`, `?` and `[...]` globs.
#[derive(Debug, Clone)]
pub struct External {
    kind: &'static str,
    namespace: Option<globset::GlobMatcher>,
    name: globset::GlobMatcher,
}

impl External {
    /// Parses `pattern` for `kind`; the error says what is wrong.
    pub fn new(kind: &str, pattern: &str) -> Result<External, String> {
        let Some(kind) = EXTERNAL_KINDS.iter().copied().find(|k| *k == kind) else {
            return Err(format!(
                "`{kind}` is not a kind that references name; use one of {}",
                EXTERNAL_KINDS.join(", ")
            ));
        };
        let glob = |p: &str| -> Result<globset::GlobMatcher, String> {
            if p.is_empty() {
                return Err(format!("`{pattern}` has an empty name or namespace"));
            }
            globset::Glob::new(p)
                .map(|g| g.compile_matcher())
                .map_err(|e| format!("bad pattern `{pattern}`: {e}"))
        };
        let (namespace, name) = match pattern.split_once('/') {
            Some(_) if kind == "ClusterAnalysisTemplate" => {
                return Err(format!(
                    "`{pattern}`: a ClusterAnalysisTemplate has no namespace; give the name only"
                ));
            }
            Some((ns, name)) => (Some(glob(ns)?), glob(name)?),
            None => (None, glob(pattern)?),
        };
        Ok(External {
            kind,
            namespace,
            name,
        })
    }

    /// Does this entry declare the object of `kind` named `name` that an object in `namespace`
    /// references? A reference from an object without a namespace matches any namespace.
    pub fn matches(&self, kind: &str, namespace: Option<&str>, name: &str) -> bool {
        self.kind == kind
            && self.name.is_match(name)
            && match (&self.namespace, namespace) {
                (Some(pattern), Some(ns)) => pattern.is_match(ns),
                _ => true,
            }
    }
}

impl Settings {
    /// Is the object declared in `[external]`?
    pub fn is_external(&self, kind: &str, namespace: Option<&str>, name: &str) -> bool {
        self.external
            .iter()
            .any(|e| e.matches(kind, namespace, name))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            crd_schemas: None,
            readiness_allowance_secs: DEFAULT_READINESS_ALLOWANCE_SECS,
            prometheus_jobs: Vec::new(),
            newrelic_namespace_attribute: "namespace".to_string(),
            external: Vec::new(),
            strict_references: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_patterns_match_kind_namespace_and_name() {
        let any_ns = External::new("Service", "shared-*").unwrap();
        assert!(any_ns.matches("Service", Some("prod"), "shared-api"));
        assert!(any_ns.matches("Service", None, "shared-api"));
        assert!(!any_ns.matches("Ingress", None, "shared-api"));
        assert!(!any_ns.matches("Service", None, "api"));
        let in_ns = External::new("AnalysisTemplate", "platform/success-rate").unwrap();
        assert!(in_ns.matches("AnalysisTemplate", Some("platform"), "success-rate"));
        assert!(!in_ns.matches("AnalysisTemplate", Some("prod"), "success-rate"));
        assert!(in_ns.matches("AnalysisTemplate", None, "success-rate"));
        assert!(External::new("Secret", "x").is_err());
        assert!(External::new("ClusterAnalysisTemplate", "ns/x").is_err());
        assert!(External::new("Service", "ns/").is_err());
        assert!(External::new("Service", "[").is_err());
    }
}

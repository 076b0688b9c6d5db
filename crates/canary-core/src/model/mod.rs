//! The typed model both tools share: Argo Rollouts kinds, New Relic files, prometheus-operator
//! kinds, and the Kubernetes types reused from k8s-openapi. No I/O lives here.

pub mod analysis;
pub mod monitoring;
pub mod newrelic;
pub mod rollout;
pub mod values;

pub use k8s_openapi::api::apps::v1::Deployment;
pub use k8s_openapi::api::core::v1::{Service, ServiceAccount};
pub use k8s_openapi::api::networking::v1::Ingress;
pub use k8s_openapi::api::rbac::v1::{Role, RoleBinding};

pub use analysis::AnalysisTemplate;
pub use monitoring::{Monitor, PrometheusRule};
pub use newrelic::{Dashboard, NrqlCondition};
pub use rollout::Rollout;

//! canary-core: what `canary-gen` and `canary-lint` both know about an Argo Rollouts canary.
//! It holds the typed model (Argo Rollouts, Kubernetes, New Relic, monitoring objects), the
//! span-keeping YAML/JSON loader (`located`), value types, the ladder arithmetic (step
//! timeline, Argo's replica split for a basic canary, CI timeout budget, effective weight), the
//! PromQL and NRQL checks, strict CRD validation, the RBAC grants the `kubectl argo rollouts`
//! plugin needs, and the rustc-style renderer of a located problem. The generator builds
//! this model and the linter reads files into it, so both tools use the same facts and the
//! same numbers. It is a library without I/O beyond reading CRD files it is pointed at: it
//! must not depend on clap, minijinja, either tool's crate, or anything that writes files.

pub mod condition;
pub mod crd;
pub mod diag;
pub mod ladder;
pub mod located;
pub mod model;
pub mod nrql;
pub mod promql;
pub mod promql_shape;
pub mod rbac;
pub mod yaml11;

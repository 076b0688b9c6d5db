//! canary-gen: the typed model of an Argo Rollouts canary migration, the ladder arithmetic both
//! tools share, and a renderer that writes every file the migration needs from one spec.

pub mod bundle;
pub mod cli;
pub mod crd;
pub mod diag;
pub mod ladder;
pub mod located;
pub mod model;
pub mod nrql;
pub mod output;
pub mod promql;
pub mod promtool;
pub mod render;
pub mod spec;
pub mod yaml11;

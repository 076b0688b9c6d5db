//! canary-gen: renders everything an Argo Rollouts canary migration needs (Rollout,
//! AnalysisTemplate, Services, alerts, dashboard tiles, CI RBAC and deploy step, runbook) from
//! one typed spec, and checks that what it wrote parses back to what it meant. It builds the
//! shared model of `canary-core` and owns the spec, the bundle of objects, the minijinja
//! templates, the writer, the promtool export, `plan`, `diff` and its command line. It must not
//! depend on `canary-lint`: the linter checks what the generator writes, independently.

pub mod bundle;
pub mod cli;
pub mod output;
pub mod promtool;
pub mod render;
pub mod spec;

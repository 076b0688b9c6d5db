//! Facts derived from the repo that several rules share (one file per topic).

pub mod analysis;
pub mod locate;
pub mod newrelic;
pub mod prom_jobs;
pub mod template_use;
pub mod workflow;
pub mod workload;

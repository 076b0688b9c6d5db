//! Facts derived from the repo that several rules share (one file per topic).

pub mod workload;

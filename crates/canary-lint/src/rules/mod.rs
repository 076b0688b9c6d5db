//! The rule table. One file per rule; add a rule by declaring it in its own file with
//! `declare_rule!`, implementing `Rule`, and listing it in `ALL` in code order.

pub mod workload_ref_scale_down;
pub mod workload_ref_target_exists;

use crate::registry::Rule;
use crate::repo::input_rules::{InputLimit, InvalidObject, ParseError};

pub use workload_ref_scale_down::WorkloadRefScaleDown;
pub use workload_ref_target_exists::WorkloadRefTargetExists;

/// Every rule, sorted by code (a unit test enforces it).
pub static ALL: &[&dyn Rule] = &[
    &ParseError,
    &InputLimit,
    &InvalidObject,
    &crate::suppress::SuppressionWithoutReason,
    &crate::suppress::UnusedSuppression,
    &WorkloadRefTargetExists,
    &WorkloadRefScaleDown,
];

//! The rule table. One file per rule; add a rule by declaring it in its own file with
//! `declare_rule!`, implementing `Rule`, and listing it in `ALL` in code order.

pub mod workload_ref_api_version_kind;
pub mod workload_ref_replicas;
pub mod workload_ref_scale_down;
pub mod workload_ref_selector;
pub mod workload_ref_target_exists;
pub mod workload_ref_template_empty;

use crate::registry::Rule;
use crate::repo::input_rules::{InputLimit, InvalidObject, ParseError};

pub use workload_ref_api_version_kind::WorkloadRefApiVersionKind;
pub use workload_ref_replicas::WorkloadRefReplicas;
pub use workload_ref_scale_down::WorkloadRefScaleDown;
pub use workload_ref_selector::WorkloadRefSelector;
pub use workload_ref_target_exists::WorkloadRefTargetExists;
pub use workload_ref_template_empty::WorkloadRefTemplateEmpty;

/// Every rule, sorted by code (a unit test enforces it).
pub static ALL: &[&dyn Rule] = &[
    &ParseError,
    &InputLimit,
    &InvalidObject,
    &crate::suppress::SuppressionWithoutReason,
    &crate::suppress::UnusedSuppression,
    &WorkloadRefTargetExists,
    &WorkloadRefApiVersionKind,
    &WorkloadRefTemplateEmpty,
    &WorkloadRefScaleDown,
    &WorkloadRefReplicas,
    &WorkloadRefSelector,
];

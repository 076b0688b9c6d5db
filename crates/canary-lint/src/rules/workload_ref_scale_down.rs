//! CL104: `workloadRef.scaleDown` is one of the three values the controller compares against.

use canary_core::model::rollout::SCALE_DOWN_VALUES;

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// `spec.workloadRef.scaleDown`, when set, is exactly `never`, `onsuccess` or
    /// `progressively`: lower case, no other spelling.
    ///
    /// ## Why it matters
    ///
    /// The controller compares the string byte for byte, and the CRD has no enum for it, so
    /// the API server accepts anything. `onSuccess` or `OnSuccess` matches neither
    /// `onsuccess` nor `progressively` and silently behaves like `never`: the old Deployment
    /// keeps all its pods next to the Rollout's, doubling the footprint, and nobody is told.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// spec:
    ///   workloadRef:
    ///     apiVersion: apps/v1
    ///     kind: Deployment
    ///     name: api
    ///     scaleDown: onSuccess   # means `never`
    /// ```
    ///
    /// ## Fix
    ///
    /// Write `scaleDown: onsuccess` (or `progressively`, or `never`), or omit the field to
    /// mean `never`.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `pkg/apis/rollouts/v1alpha1/types.go` (constants `ScaleDownNever`,
    /// `ScaleDownOnSuccess`, `ScaleDownProgressively`) and the exact comparisons in
    /// `rollout/replicaset.go` and `rollout/sync.go`; `scaleDown` was added in v1.7.0 (PR
    /// #3111).
    pub struct WorkloadRefScaleDown {
        code: "CL104",
        name: "workload-ref-scale-down",
        category: Correctness,
        summary: "workloadRef.scaleDown is exactly never, onsuccess or progressively",
    }
}

impl Rule for WorkloadRefScaleDown {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, rollout) in cx.repo.rollouts() {
            let Some(value) = rollout
                .spec
                .workload_ref
                .as_ref()
                .and_then(|w| w.scale_down.as_deref())
            else {
                continue;
            };
            if SCALE_DOWN_VALUES.contains(&value) {
                continue;
            }
            let lower = value.trim().to_ascii_lowercase();
            let help = if SCALE_DOWN_VALUES.contains(&lower.as_str()) {
                format!("write `scaleDown: {lower}`; the comparison is case-sensitive")
            } else {
                "use `never`, `onsuccess` or `progressively`, or omit the field to mean `never`"
                    .to_string()
            };
            out.push(
                cx.at_value(
                    &Self::META,
                    doc,
                    "/spec/workloadRef/scaleDown",
                    format!(
                        "`scaleDown: {value}` is not `never`, `onsuccess` or `progressively`; the controller treats it as `never` and will not scale the Deployment down"
                    ),
                )
                .with_help(help),
            );
        }
    }
}

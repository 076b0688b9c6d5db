//! CL103: a Rollout with `workloadRef` has no labels or annotations in `spec.template`.

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::workload::name_of;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// A Rollout with `spec.workloadRef` has no `spec.template.metadata.labels` and no
    /// `spec.template.metadata.annotations` (an empty map is fine).
    ///
    /// ## Why it matters
    ///
    /// With a workloadRef the pod template comes from the referenced Deployment. The
    /// controller refuses a Rollout whose own template is not "empty", and "empty" means
    /// exactly: no template labels and no template annotations. The Rollout is marked
    /// `InvalidSpec` with `spec.template: Internal error: template must be empty for workload
    /// reference rollout` and no pod is created. This typically happens when a Deployment is
    /// converted to a Rollout by hand and the old template's labels are left behind.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// spec:
    ///   workloadRef:
    ///     apiVersion: apps/v1
    ///     kind: Deployment
    ///     name: api
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: api          # not allowed next to workloadRef
    /// ```
    ///
    /// ## Fix
    ///
    /// Delete `spec.template` from the Rollout; put labels and annotations on the
    /// Deployment's pod template instead.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `pkg/apis/rollouts/validation/validation.go` (`ValidateRolloutSpec`,
    /// "template must be empty for workload reference rollout"),
    /// `pkg/apis/rollouts/v1alpha1/types.go` (`EmptyTemplate`: labels and annotations only)
    /// and `rollout/templateref.go` (`Resolve` returns the same error at run time).
    pub struct WorkloadRefTemplateEmpty {
        code: "CL103",
        name: "workload-ref-template-empty",
        category: Correctness,
        summary: "a Rollout with workloadRef has no labels or annotations in spec.template",
    }
}

impl Rule for WorkloadRefTemplateEmpty {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, rollout) in cx.repo.rollouts() {
            if rollout.spec.workload_ref.is_none() {
                continue;
            }
            let Some(meta) = rollout
                .spec
                .template
                .as_ref()
                .and_then(|t| t.metadata.as_ref())
            else {
                continue;
            };
            let name = name_of(doc);
            let fields = [
                ("labels", meta.labels.as_ref().map_or(0, |m| m.len())),
                (
                    "annotations",
                    meta.annotations.as_ref().map_or(0, |m| m.len()),
                ),
            ];
            for (field, count) in fields {
                if count == 0 {
                    continue;
                }
                out.push(
                    cx.at_key(
                        &Self::META,
                        doc,
                        &format!("/spec/template/metadata/{field}"),
                        format!(
                            "Rollout `{name}` uses workloadRef but sets template {field}; the controller rejects it with `template must be empty for workload reference rollout`"
                        ),
                    )
                    .with_help(format!(
                        "remove `spec.template` from the Rollout and put the {field} on the referenced Deployment's pod template"
                    )),
                );
            }
        }
    }
}

//! CL106: a workloadRef Rollout's own `spec.selector` selects the Deployment's pods.

use std::collections::BTreeMap;

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Related};
use crate::facts::workload::{PodSource, TEMPLATE_LABELS_POINTER, esc, name_of, pod_source};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// When a Rollout with `spec.workloadRef` also sets `spec.selector`, that selector
    /// matches the referenced Deployment's pod template labels: every `matchLabels` entry is
    /// a pod label with the same value, and every `matchExpressions` requirement (`In`,
    /// `NotIn`, `Exists`, `DoesNotExist`) holds for those labels.
    ///
    /// ## Why it matters
    ///
    /// Without a selector the controller copies the Deployment's `spec.selector`, which
    /// always matches. An explicit selector is used as written, and the pod template comes
    /// from the Deployment. When they disagree the controller's pod template validation
    /// (run on the resolved template) fails with ``spec.template.metadata.labels: Invalid
    /// value: ...: `selector` does not match template `labels` `` and the Rollout is
    /// `InvalidSpec`. `kubectl argo rollouts lint` skips that validation for workloadRef
    /// Rollouts, so it only shows up in the cluster. The selector is also immutable once
    /// applied (`.spec.selector is immutable`), so fixing it later means recreating the
    /// Rollout.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// # Deployment api, pod labels: {app: api}
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: api-rollout    # no pod has this label
    ///   workloadRef:
    ///     apiVersion: apps/v1
    ///     kind: Deployment
    ///     name: api
    /// ```
    ///
    /// ## Fix
    ///
    /// Delete `spec.selector` from the Rollout (it is copied from the Deployment), or make it
    /// the Deployment's selector.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `rollout/templateref.go` (`Resolve`: the selector is copied only when
    /// the Rollout has none), `pkg/apis/rollouts/validation/validation.go`
    /// (`ValidateRolloutSpec` runs `ValidatePodTemplateSpecForReplicaSet` on the resolved
    /// template), `pkg/apis/rollouts/v1alpha1/types.go` (selector immutability rule); issue
    /// #1327 (lint and workloadRef selectors).
    pub struct WorkloadRefSelector {
        code: "CL106",
        name: "workload-ref-selector",
        category: Correctness,
        summary: "a workloadRef Rollout's own spec.selector selects the Deployment's pod labels",
    }
}

/// The Deployment's label `key` if it has it, else its labels (or template) key.
fn label_location(cx: &Context<'_>, source: &PodSource<'_>, key: &str, message: String) -> Related {
    let labels = source.labels();
    if labels.contains_key(key) {
        cx.related(
            source.doc,
            &PodSource::label_pointer(key),
            Target::Value,
            message,
        )
    } else if labels.is_empty() {
        cx.related(source.doc, "/spec/template", Target::Key, message)
    } else {
        cx.related(source.doc, TEMPLATE_LABELS_POINTER, Target::Key, message)
    }
}

fn show(labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return "no labels".to_string();
    }
    let parts: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.join(", ")
}

impl Rule for WorkloadRefSelector {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, rollout) in cx.repo.rollouts() {
            if rollout.spec.workload_ref.is_none() {
                continue;
            }
            let Some(selector) = &rollout.spec.selector else {
                continue;
            };
            let Some(source) = pod_source(cx.repo, doc, rollout) else {
                continue;
            };
            let labels = source.labels();
            let name = name_of(doc);
            let dep = source.describe();
            let pods = show(&labels);
            for (key, want) in selector.match_labels.iter().flatten() {
                let pointer = format!("/spec/selector/matchLabels/{}", esc(key));
                let finding = match labels.get(key) {
                    Some(have) if have == want => continue,
                    Some(have) => cx.at_value(
                        &Self::META,
                        doc,
                        &pointer,
                        format!(
                            "Rollout `{name}` selects `{key}={want}`, but the pods of {dep} have `{key}={have}`"
                        ),
                    ),
                    None => cx.at_key(
                        &Self::META,
                        doc,
                        &pointer,
                        format!(
                            "Rollout `{name}` selects label `{key}`, but the pods of {dep} have no such label ({pods})"
                        ),
                    ),
                };
                out.push(
                    finding
                        .with_help("delete `spec.selector` from the Rollout (the controller copies the Deployment's), or make it match the Deployment's pod labels")
                        .with_related(label_location(cx, &source, key, format!("the pod labels of {dep}"))),
                );
            }
            for (i, req) in selector.match_expressions.iter().flatten().enumerate() {
                let have = labels.get(&req.key);
                let values = req.values.as_deref().unwrap_or_default();
                let holds = match req.operator.as_str() {
                    "In" => have.is_some_and(|v| values.contains(v)),
                    "NotIn" => have.is_none_or(|v| !values.contains(v)),
                    "Exists" => have.is_some(),
                    "DoesNotExist" => have.is_none(),
                    // An unknown operator is the API server's to reject.
                    _ => true,
                };
                if holds {
                    continue;
                }
                let actual = match have {
                    Some(v) => format!("`{}={v}`", req.key),
                    None => format!("no `{}` label", req.key),
                };
                out.push(
                    cx.at_value(
                        &Self::META,
                        doc,
                        &format!("/spec/selector/matchExpressions/{i}/key"),
                        format!(
                            "Rollout `{name}` selects `{} {} [{}]`, but the pods of {dep} have {actual}",
                            req.key,
                            req.operator,
                            values.join(", ")
                        ),
                    )
                    .with_help("delete `spec.selector` from the Rollout (the controller copies the Deployment's), or make it match the Deployment's pod labels")
                    .with_related(label_location(cx, &source, &req.key, format!("the pod labels of {dep}"))),
                );
            }
        }
    }
}

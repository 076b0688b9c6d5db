//! CL202: the canary and stable Services select the Rollout's pods.

use std::collections::BTreeMap;

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Related};
use crate::facts::workload::{
    POD_TEMPLATE_HASH_LABEL, PodSource, ServiceRole, TEMPLATE_LABELS_POINTER, canaries, esc,
    find_service, name_of, named_services, pod_source,
};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Every key of the `spec.selector` of a canary Rollout's `canaryService` and
    /// `stableService` (except `rollouts-pod-template-hash`, which the controller manages) is
    /// a pod label with the same value. The pod labels are those of the workloadRef
    /// Deployment's pod template, or of the Rollout's own `spec.template` without a
    /// workloadRef. A label the Rollout adds through `canaryMetadata` (for the canary
    /// Service) or `stableMetadata` (for the stable Service) also counts, as it does for the
    /// controller.
    ///
    /// ## Why it matters
    ///
    /// The controller only adds `rollouts-pod-template-hash` to each Service's selector; the
    /// rest must already select the Rollout's pods. When it does not, the Rollout is marked
    /// `InvalidSpec` with `Service "<svc>" has unmatch label "<key>" in rollout`. A typical
    /// cause is a Service copied from another app, or a Deployment relabelled without its
    /// Services. With a workloadRef the labels come from the Deployment, which
    /// `kubectl argo rollouts lint` never reads.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// # Deployment api, pod labels: {app: api}
    /// kind: Service
    /// metadata:
    ///   name: api-canary
    /// spec:
    ///   selector:
    ///     app: api
    ///     component: web      # no pod has this label
    /// ```
    ///
    /// ## Fix
    ///
    /// Make each Service's selector a subset of the Deployment's pod template labels (or add
    /// the missing label to the pod template).
    ///
    /// ## Source
    ///
    /// Argo Rollouts `pkg/apis/rollouts/validation/validation_references.go`
    /// (`ValidateService`, `validSvcSelectorForType`); added by PR #1618 for issue #1566;
    /// false positives from labels added at run time are discussed in issues #2090 and #1658.
    pub struct ServiceSelectorMatchesPods {
        code: "CL202",
        name: "service-selector-matches-pods",
        category: Correctness,
        summary: "the canary and stable Services' selectors are a subset of the Rollout's pod labels",
    }
}

/// The pod label `key` if present, else the labels (or template) key.
fn pod_labels_location(
    cx: &Context<'_>,
    source: &PodSource<'_>,
    labels: &BTreeMap<String, String>,
    key: &str,
) -> Related {
    let what = format!("the pod labels of {}", source.describe());
    if labels.contains_key(key) {
        cx.related(
            source.doc,
            &PodSource::label_pointer(key),
            Target::Value,
            what,
        )
    } else if labels.is_empty() {
        cx.related(source.doc, "/spec/template", Target::Key, what)
    } else {
        cx.related(source.doc, TEMPLATE_LABELS_POINTER, Target::Key, what)
    }
}

impl Rule for ServiceSelectorMatchesPods {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, rollout, canary) in canaries(cx.repo) {
            let Some(source) = pod_source(cx.repo, doc, rollout) else {
                continue;
            };
            let labels = source.labels();
            let rollout_name = name_of(doc);
            let mut seen: Vec<&str> = Vec::new();
            for (role, svc_name) in named_services(canary) {
                if seen.contains(&svc_name) {
                    continue;
                }
                seen.push(svc_name);
                let Some((svc_doc, svc)) = find_service(cx.repo, doc, svc_name) else {
                    continue;
                };
                let extra = match role {
                    ServiceRole::Canary => canary.canary_metadata.as_ref(),
                    ServiceRole::Stable => canary.stable_metadata.as_ref(),
                }
                .and_then(|m| m.labels.as_ref());
                let selector = svc.spec.as_ref().and_then(|s| s.selector.as_ref());
                for (key, want) in selector.into_iter().flatten() {
                    if key == POD_TEMPLATE_HASH_LABEL
                        || labels.get(key) == Some(want)
                        || extra.and_then(|m| m.get(key)) == Some(want)
                    {
                        continue;
                    }
                    let pointer = format!("/spec/selector/{}", esc(key));
                    let pods = source.describe();
                    let finding = match labels.get(key) {
                        Some(have) => cx.at_value(
                            &Self::META,
                            svc_doc,
                            &pointer,
                            format!(
                                "Service \"{svc_name}\" has unmatch label \"{key}\" in rollout `{rollout_name}`: it selects `{key}={want}`, but the pods of {pods} have `{key}={have}`"
                            ),
                        ),
                        None => cx.at_key(
                            &Self::META,
                            svc_doc,
                            &pointer,
                            format!(
                                "Service \"{svc_name}\" has unmatch label \"{key}\" in rollout `{rollout_name}`: the pods of {pods} have no `{key}` label"
                            ),
                        ),
                    };
                    out.push(
                        finding
                            .with_help(match labels.get(key) {
                                Some(have) => format!(
                                    "the {} of Rollout `{rollout_name}` must select its pods: make the selector `{key}: {have}`",
                                    role.field()
                                ),
                                None => format!(
                                    "the {} of Rollout `{rollout_name}` must select its pods: remove `{key}` from the selector or add `{key}: {want}` to the pod template labels",
                                    role.field()
                                ),
                            })
                            .with_related(pod_labels_location(cx, &source, &labels, key)),
                    );
                }
            }
        }
    }
}

//! CL807: `status` right after `set image` on a workloadRef Rollout reads the previous result.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::workflow::for_each_job;
use crate::rule::{Rule, RuleMeta};

/// Status fields a wait between `set image` and `status` can watch: the Deployment generation
/// the controller has seen, or the pod template hash it is rolling out.
const CONTROLLER_FIELDS: [&str; 2] = ["workloadObservedGeneration", "currentPodHash"];

declare_rule! {
    /// ## What it checks
    ///
    /// In a GitHub workflow job, `kubectl argo rollouts status <name>` runs after
    /// `kubectl argo rollouts set image <name> …` (earlier in the same step or an earlier step),
    /// `<name>` is a Rollout in the repo with a `workloadRef` (namespaces matched through `-n`
    /// when given), and no command in between reads the Rollout's
    /// `status.workloadObservedGeneration` or `status.currentPodHash`, that is, nothing waits
    /// until the controller has seen the change.
    ///
    /// ## Why it matters
    ///
    /// On a workloadRef Rollout `set image` updates the Deployment, not the Rollout, so the
    /// Rollout's `metadata.generation` does not move. `status` trusts `status.phase` whenever
    /// `status.observedGeneration` equals `metadata.generation`; its check of the workload's
    /// generation depends on a field the plugin never sees. Until the controller reconciles,
    /// `status` reads the previous result: `Healthy` returns success before the canary started,
    /// and the `Degraded` of an earlier abort fails a deploy that would have passed. A `sleep`
    /// only makes the race less likely.
    ///
    /// ## Severity
    ///
    /// A **warning**: it is a race between the plugin starting its watches and the controller
    /// reconciling the Deployment change, so it fails some runs, not every run, and a healthy
    /// canary still completes in the cluster.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// - run: |
    ///     kubectl argo rollouts set image api api="$IMAGE" -n prod
    ///     kubectl argo rollouts status api -n prod --timeout=30m   # may read the old Healthy
    /// ```
    ///
    /// ## Fix
    ///
    /// Between the two, read the Deployment's `metadata.generation` and poll the Rollout until
    /// `status.workloadObservedGeneration` reaches it, with a bound (canary-gen's workflow polls
    /// 60 times, 5 s apart). `kubectl wait rollout/api --for=jsonpath='{.status.workloadObservedGeneration}'=<generation>`
    /// works too.
    ///
    /// ## Source
    ///
    /// argo-rollouts (checked at v1.9.1): `cmd/set/set_image.go` `SetImage` (a workloadRef
    /// Rollout's Deployment is updated); `cmd/status/status.go` and `utils/rollout/rolloututil.go`
    /// `GetRolloutPhase` (`isGenerationObserved`; `isWorkloadGenerationObserved` runs only when
    /// `spec.TemplateResolvedFromRef`, which is `json:"-"` in `pkg/apis/rollouts/v1alpha1/types.go`);
    /// `rollout/templateref.go` `updateRolloutsReferenceAnnotation` and `rollout/sync.go`
    /// `persistRolloutStatus` (`status.workloadObservedGeneration`).
    pub struct CiStatusBeforeControllerSeesImage {
        code: "CL807",
        name: "ci-status-before-controller-sees-image",
        category: Suspicious,
        summary: "CI runs `status` right after `set image` on a workloadRef Rollout without waiting for the controller to see the change",
    }
}

impl Rule for CiStatusBeforeControllerSeesImage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for_each_job(cx, |_, _, commands| {
            // The last `set image` per Rollout name, and whether a wait followed it.
            let mut pending: Vec<(String, Option<String>, bool)> = Vec::new();
            for command in commands {
                if command
                    .words
                    .iter()
                    .any(|w| CONTROLLER_FIELDS.iter().any(|field| w.text.contains(field)))
                {
                    for entry in &mut pending {
                        entry.2 = true;
                    }
                }
                let Some(argo) = command.argo else {
                    continue;
                };
                let Some(rollout) = argo.rollout() else {
                    continue;
                };
                let namespace = argo.call.namespace().map(str::to_string);
                if argo.is_set_image() {
                    pending.retain(|(name, ns, _)| !(name == &rollout.text && ns == &namespace));
                    pending.push((rollout.text.clone(), namespace, false));
                    continue;
                }
                if argo.sub != "status" || !argo.watches() {
                    continue;
                }
                let unwaited = pending.iter().any(|(name, ns, waited)| {
                    !waited && name == &rollout.text && ns.as_deref() == argo.call.namespace()
                });
                if !unwaited {
                    continue;
                }
                for (rdoc, ro) in cx.repo.rollouts() {
                    if ro.spec.workload_ref.is_none()
                        || rdoc.name.as_deref() != Some(rollout.text.as_str())
                        || !crate::repo::index::namespaces_match(
                            argo.call.namespace(),
                            rdoc.namespace.as_deref(),
                        )
                    {
                        continue;
                    }
                    out.push(
                        Diagnostic::new(
                            &Self::META,
                            cx.repo.file_of(command.doc).rel.clone(),
                            command.span(cx, argo.call.start, argo.call.end),
                            format!(
                                "`kubectl argo rollouts status {}` follows `set image` with nothing waiting for the controller: the Rollout's workloadRef Deployment changed, not the Rollout, so status can read the previous Healthy and pass before the canary starts (a race, so a warning: it fails some runs, not every run)",
                                rollout.text
                            ),
                        )
                        .with_help(
                            "between `set image` and `status`, poll the Rollout until `status.workloadObservedGeneration` reaches the Deployment's `metadata.generation` (bounded, e.g. 60 polls 5 s apart)",
                        )
                        .with_related(cx.related(
                            rdoc,
                            "/spec/workloadRef",
                            Target::Key,
                            format!(
                                "Rollout `{}` takes its pod template from a Deployment",
                                rollout.text
                            ),
                        )),
                    );
                }
            }
        });
    }
}

//! CL404: fields that need traffic routing are not used without it.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// A canary without `trafficRouting` (a basic, replica-weighted canary) uses none of:
    ///
    /// - a `setCanaryScale` step,
    /// - `dynamicStableScale: true`,
    /// - `scaleDownDelaySeconds`.
    ///
    /// And with traffic routing, `dynamicStableScale: true` is not combined with
    /// `scaleDownDelaySeconds`.
    ///
    /// ## Why it matters
    ///
    /// Each is an `InvalidSpec` error that stops the whole Rollout:
    /// `SetCanaryScale requires TrafficRouting to be set`,
    /// `Canary dynamicStableScale can only be used with traffic routing`,
    /// `Canary scaleDownDelaySeconds can only be used with traffic routing` and
    /// `Canary dynamicStableScale cannot be used with scaleDownDelaySeconds`. They are easy to
    /// hit when a Rollout is copied from an nginx example and its `trafficRouting` removed.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// strategy:
    ///   canary:
    ///     scaleDownDelaySeconds: 30     # no trafficRouting below
    ///     steps:
    ///       - setCanaryScale: {replicas: 1}
    /// ```
    ///
    /// ## Fix
    ///
    /// Remove the fields, or add `trafficRouting` (for example `nginx.stableIngress`). With a
    /// basic canary the pod counts already follow `setWeight`.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `pkg/apis/rollouts/validation/validation.go`,
    /// `ValidateRolloutStrategyCanary`; message constants `InvalidSetCanaryScaleTrafficPolicy`,
    /// `InvalidCanaryDynamicStableScale`, `InvalidCanaryScaleDownDelay` and
    /// `InvalidCanaryDynamicStableScaleWithScaleDownDelay`. The 30 s default of
    /// `scaleDownDelaySeconds` applies only with traffic routing (`utils/defaults/defaults.go`).
    pub struct RoutingOnlyFields {
        code: "CL404",
        name: "routing-only-fields",
        category: Correctness,
        summary: "no setCanaryScale, dynamicStableScale or scaleDownDelaySeconds without trafficRouting",
    }
}

const CANARY: &str = "/spec/strategy/canary";

impl Rule for RoutingOnlyFields {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, rollout) in cx.repo.rollouts() {
            let Some(canary) = rollout.spec.strategy.canary.as_ref() else {
                continue;
            };
            let dynamic = canary.dynamic_stable_scale == Some(true);
            let delay = canary.scale_down_delay_seconds.is_some();
            if canary.traffic_routing.is_some() {
                if dynamic && delay {
                    out.push(
                        cx.at_value(
                            &Self::META,
                            doc,
                            &format!("{CANARY}/dynamicStableScale"),
                            "`dynamicStableScale: true` together with `scaleDownDelaySeconds`; the controller rejects the Rollout: \"Canary dynamicStableScale cannot be used with scaleDownDelaySeconds\"",
                        )
                        .with_help("keep one: dynamicStableScale scales stable down as traffic moves, scaleDownDelaySeconds keeps old pods for a while after promotion")
                        .with_related(cx.related(
                            doc,
                            &format!("{CANARY}/scaleDownDelaySeconds"),
                            Target::Key,
                            "scaleDownDelaySeconds is set here",
                        )),
                    );
                }
                continue;
            }
            if delay {
                out.push(
                    cx.at_key(
                        &Self::META,
                        doc,
                        &format!("{CANARY}/scaleDownDelaySeconds"),
                        "`scaleDownDelaySeconds` without `trafficRouting`; the controller rejects the Rollout: \"Canary scaleDownDelaySeconds can only be used with traffic routing\"",
                    )
                    .with_help("remove it (a basic canary scales the old ReplicaSet down as the new one becomes available), or add trafficRouting"),
                );
            }
            if dynamic {
                out.push(
                    cx.at_value(
                        &Self::META,
                        doc,
                        &format!("{CANARY}/dynamicStableScale"),
                        "`dynamicStableScale: true` without `trafficRouting`; the controller rejects the Rollout: \"Canary dynamicStableScale can only be used with traffic routing\"",
                    )
                    .with_help("remove it (a basic canary already shrinks stable as canary grows), or add trafficRouting"),
                );
            }
            for (i, step) in canary.steps.iter().flatten().enumerate() {
                if step.set_canary_scale.is_none() {
                    continue;
                }
                out.push(
                    cx.at_key(
                        &Self::META,
                        doc,
                        &format!("{CANARY}/steps/{i}/setCanaryScale"),
                        format!("step {i} uses `setCanaryScale` without `trafficRouting`; the controller rejects the Rollout: \"SetCanaryScale requires TrafficRouting to be set\""),
                    )
                    .with_help("use `setWeight` (a basic canary sets pod counts from the weight), or add trafficRouting"),
                );
            }
        }
    }
}

//! CL1001: without traffic routing, the pod split Argo computes is close to `setWeight`.

use canary_core::ladder::{EFFECTIVE_WEIGHT_RULE, EFFECTIVE_WEIGHT_TOLERANCE};
use canary_core::ladder::{PodSplit, basic_canary_counts, resolved_max_surge};

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// For a canary without `trafficRouting` (a basic canary), every `setWeight` step is
    /// turned into the canary and stable pod counts Argo will run for `spec.replicas` and the
    /// resolved `maxSurge`. When the canary's share of pods differs from the weight by more
    /// than 10 percentage points, the step is reported with the real split.
    ///
    /// ## Why it matters
    ///
    /// A basic canary has no traffic splitter: traffic follows pods, so the weight is only as
    /// fine as the replica count allows. With `replicas: 2`, `setWeight: 10` runs 1 canary and
    /// 2 stable pods, so about a third of the requests hit the new version, not a tenth. The
    /// ladder looks gentle on paper while the first step exposes three times the intended
    /// traffic.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// spec:
    ///   replicas: 2
    ///   strategy:
    ///     canary:
    ///       steps:
    ///         - setWeight: 10     # 1 canary + 2 stable pods: 33%
    /// ```
    ///
    /// ## Fix
    ///
    /// Add traffic routing (`trafficRouting.nginx`) for exact weights, raise `replicas` until
    /// the split is close, or choose weights the replica count can express. If the
    /// approximation is accepted, say so above the step:
    /// `# canary-lint: allow(CL1001) reason: ...` (canary-gen writes this when its spec asks
    /// for such a ladder).
    ///
    /// ## Source
    ///
    /// Argo Rollouts `utils/replicaset/canary.go`,
    /// `approximateWeightedCanaryStableReplicaCounts` (ported as
    /// `canary_core::ladder::basic_canary_counts`), `maxSurge` resolved as in
    /// `utils/replicaset/replicaset.go` `resolveFenceposts`; docs `features/canary/index.md`
    /// ("10 replicas at 10% gives 1 new / 9 old"). Research notes §3.2 tabulate the splits.
    pub struct EffectiveWeight {
        code: "CL1001",
        name: "effective-weight",
        category: Suspicious,
        summary: "without traffic routing, the canary's share of pods is close to setWeight",
    }
}

/// The share rounded for messages.
fn percent(split: PodSplit) -> String {
    format!("{:.0}%", split.canary_percent())
}

/// The smallest replica count above `replicas` (up to 100) whose split is within tolerance.
fn replicas_needed(
    replicas: i32,
    weight: i32,
    max_surge: Option<&canary_core::model::values::IntOrString>,
) -> Option<i32> {
    (replicas + 1..=100).find(|&n| {
        let (canary, stable) =
            basic_canary_counts(n, weight, 100, resolved_max_surge(n, max_surge));
        let split = PodSplit { canary, stable };
        (split.canary_percent() - f64::from(weight)).abs() <= EFFECTIVE_WEIGHT_TOLERANCE
    })
}

impl Rule for EffectiveWeight {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        debug_assert_eq!(Self::META.code, EFFECTIVE_WEIGHT_RULE);
        for (doc, rollout) in cx.repo.rollouts() {
            let Some(canary) = rollout.spec.strategy.canary.as_ref() else {
                continue;
            };
            if canary.traffic_routing.is_some() {
                continue;
            }
            let replicas = rollout.spec.replicas.unwrap_or(1);
            if replicas <= 0 {
                continue;
            }
            let max_surge = resolved_max_surge(replicas, canary.max_surge.as_ref());
            for (i, step) in canary.steps.iter().flatten().enumerate() {
                let Some(weight) = step.set_weight else {
                    continue;
                };
                // Out-of-range weights are CL402's.
                if !(0..=100).contains(&weight) {
                    continue;
                }
                let (c, s) = basic_canary_counts(replicas, weight, 100, max_surge);
                let split = PodSplit {
                    canary: c,
                    stable: s,
                };
                if (split.canary_percent() - f64::from(weight)).abs() <= EFFECTIVE_WEIGHT_TOLERANCE
                {
                    continue;
                }
                let more = match replicas_needed(replicas, weight, canary.max_surge.as_ref()) {
                    Some(n) => format!(", or run at least {n} replicas"),
                    None => String::new(),
                };
                out.push(
                    cx.at_value(
                        &Self::META,
                        doc,
                        &format!("/spec/strategy/canary/steps/{i}/setWeight"),
                        format!(
                            "with {replicas} replicas, setWeight {weight} runs {c} canary + {s} stable {} ({} of pods, not {weight}%)",
                            if s == 1 { "pod" } else { "pods" },
                            percent(split)
                        ),
                    )
                    .with_help(format!(
                        "without trafficRouting traffic follows pod counts; add nginx traffic routing (`trafficRouting.nginx`) for an exact {weight}%{more}; if the split is intended, add `# canary-lint: allow({}) reason: ...` above the step",
                        Self::META.code
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_replicas_for_ten_percent() {
        assert_eq!(replicas_needed(2, 10, None), Some(4));
        assert_eq!(replicas_needed(2, 50, None), Some(3));
    }
}

//! CL407: a Rollout sets one strategy, not both `canary` and `blueGreen`.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::workload::name_of;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// A Rollout's `spec.strategy` sets `canary` or `blueGreen`, not both.
    ///
    /// ## Why it matters
    ///
    /// The controller validates the strategy before it does anything else and marks the
    /// Rollout `InvalidSpec` with `spec.strategy.strategy: Invalid value: "blueGreen: true
    /// canary: true": Multiple Strategies can not be listed`: nothing is rolled out, and
    /// `kubectl argo rollouts status` reports the degraded Rollout. The API server accepts the
    /// object (the CRD schema allows both keys), so nothing stops it at apply time.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// strategy:
    ///   blueGreen: {activeService: api}   # left over from an earlier setup
    ///   canary:
    ///     steps: [{setWeight: 10}]
    /// ```
    ///
    /// ## Fix
    ///
    /// Keep the strategy you mean and delete the other.
    ///
    /// ## Source
    ///
    /// argo-rollouts `pkg/apis/rollouts/validation/validation.go` (`ValidateRolloutStrategy`,
    /// `InvalidStrategyMessage = "Multiple Strategies can not be listed"`); the controller
    /// surfaces it as the `InvalidSpec` condition (`rollout/controller.go`).
    pub struct RolloutOneStrategy {
        code: "CL407",
        name: "rollout-one-strategy",
        category: Correctness,
        summary: "a Rollout sets one strategy, not both canary and blueGreen",
    }
}

impl Rule for RolloutOneStrategy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, _) in cx.repo.rollouts() {
            let raw = cx.repo.located(doc);
            let set = |key: &str| {
                raw.at(&format!("/spec/strategy/{key}"))
                    .is_some_and(|n| !n.is_null())
            };
            if !(set("canary") && set("blueGreen")) {
                continue;
            }
            out.push(
                cx.at_key(
                    &Self::META,
                    doc,
                    "/spec/strategy/blueGreen",
                    format!(
                        "Rollout `{}` sets both `canary` and `blueGreen`; the controller marks it InvalidSpec: \"Multiple Strategies can not be listed\", and nothing rolls out",
                        name_of(doc)
                    ),
                )
                .with_related(cx.related(
                    doc,
                    "/spec/strategy/canary",
                    Target::Key,
                    "the canary strategy is also set here",
                ))
                .with_help("keep one strategy and delete the other"),
            );
        }
    }
}

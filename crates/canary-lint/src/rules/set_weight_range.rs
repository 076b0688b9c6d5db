//! CL402: `setWeight` is between 0 and 100, or `trafficRouting.maxTrafficWeight`.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Every `setWeight` step of a canary is at least 0 and at most the maximum weight: 100,
    /// or `trafficRouting.maxTrafficWeight` when that is set.
    ///
    /// ## Why it matters
    ///
    /// The controller rejects the whole Rollout with `InvalidSpec`
    /// (`spec.strategy.steps[1].setWeight: Invalid value: 150: SetWeight needs to be between 0
    /// and 100`), so nothing is rolled out. With `maxTrafficWeight: 1000` (finer steps for
    /// nginx) the bound is 1000, and `setWeight: 100` means 10%, not all traffic.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// steps:
    ///   - setWeight: 150
    /// ```
    ///
    /// ## Fix
    ///
    /// Use a weight between 0 and 100 (or `maxTrafficWeight`). The last step does not need
    /// `setWeight: 100`: the Rollout is promoted to full weight after the last step.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `pkg/apis/rollouts/validation/validation.go`,
    /// `ValidateRolloutStrategyCanary` (message constant `InvalidSetWeightMessage`,
    /// "SetWeight needs to be between 0 and %d"), with the bound from
    /// `utils/weightutil` `MaxTrafficWeight` (100 unless `trafficRouting.maxTrafficWeight`).
    pub struct SetWeightRange {
        code: "CL402",
        name: "set-weight-range",
        category: Correctness,
        summary: "setWeight is within 0..=100, or 0..=maxTrafficWeight",
    }
}

impl Rule for SetWeightRange {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, rollout) in cx.repo.rollouts() {
            let Some(canary) = rollout.spec.strategy.canary.as_ref() else {
                continue;
            };
            let custom_max = canary
                .traffic_routing
                .as_ref()
                .and_then(|t| t.max_traffic_weight);
            let max = custom_max.unwrap_or(100);
            for (i, step) in canary.steps.iter().flatten().enumerate() {
                let Some(weight) = step.set_weight else {
                    continue;
                };
                if (0..=max).contains(&weight) {
                    continue;
                }
                let pointer = format!("/spec/strategy/canary/steps/{i}/setWeight");
                let mut finding = cx
                    .at_value(
                        &Self::META,
                        doc,
                        &pointer,
                        format!(
                            "`setWeight: {weight}` is outside 0..{max}; the controller rejects the Rollout: \"SetWeight needs to be between 0 and {max}\""
                        ),
                    )
                    .with_help(if weight < 0 {
                        "use a weight of at least 0".to_string()
                    } else {
                        format!("use a weight of at most {max}; the Rollout goes to full weight after its last step anyway")
                    });
                if custom_max.is_some() {
                    finding = finding.with_related(cx.related(
                        doc,
                        "/spec/strategy/canary/trafficRouting/maxTrafficWeight",
                        Target::Value,
                        format!("the maximum weight is {max} here"),
                    ));
                }
                out.push(finding);
            }
        }
    }
}

//! CL406: a canary with steps is gated by analysis before it reaches full weight.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// A canary Rollout with `steps` has at least one of:
    ///
    /// - an inline `analysis` step (with at least one template), or an `experiment` step with
    ///   `analyses`, placed before the first step that reaches full weight (`setWeight: 100`,
    ///   or `maxTrafficWeight`), or anywhere when no step does;
    /// - background analysis (`canary.analysis.templates`).
    ///
    /// ## Why it matters
    ///
    /// Without analysis the canary is promoted on time alone: pauses pass, the new version
    /// takes all traffic and nothing looks at error rates or latency. An analysis step after
    /// `setWeight: 100` only judges a release that already serves every request. The point of
    /// the migration (metric-gated delivery) is then lost silently: the controller, `kubectl
    /// argo rollouts lint` and the dashboard all show a healthy Rollout.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// steps:
    ///   - setWeight: 20
    ///   - pause: {duration: 5m}
    ///   - setWeight: 100
    ///   - analysis: {templates: [{templateName: success-rate}]}   # too late
    /// ```
    ///
    /// ## Fix
    ///
    /// Add an `analysis` step after the first `setWeight` and its pause, or a background
    /// `canary.analysis` with a template; drop the final `setWeight: 100` (the Rollout goes to
    /// full weight after its last step anyway).
    ///
    /// ## Source
    ///
    /// Argo Rollouts `rollout/analysis.go` (inline runs start at their step, background runs
    /// with the update) and `rollout/canary.go` (a step completes only when its AnalysisRun is
    /// Successful); docs `features/analysis.md`. The research notes §12 list it as a
    /// candidate invariant.
    pub struct AnalysisGateBeforeFull {
        code: "CL406",
        name: "analysis-gate-before-full",
        category: Suspicious,
        summary: "a canary with steps runs analysis before it reaches full weight",
    }
}

impl Rule for AnalysisGateBeforeFull {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, rollout) in cx.repo.rollouts() {
            let Some(canary) = rollout.spec.strategy.canary.as_ref() else {
                continue;
            };
            let Some(steps) = canary.steps.as_deref().filter(|s| !s.is_empty()) else {
                continue;
            };
            let background = canary
                .analysis
                .as_ref()
                .is_some_and(|a| !a.analysis.templates.is_empty());
            if background {
                continue;
            }
            let full = canary
                .traffic_routing
                .as_ref()
                .and_then(|t| t.max_traffic_weight)
                .unwrap_or(100);
            let full_at = steps
                .iter()
                .position(|s| s.set_weight.is_some_and(|w| w >= full));
            let gates: Vec<usize> = steps
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    s.analysis.as_ref().is_some_and(|a| !a.templates.is_empty())
                        || s.experiment.as_ref().is_some_and(|e| {
                            e.get("analyses")
                                .and_then(serde_json::Value::as_array)
                                .is_some_and(|a| !a.is_empty())
                        })
                })
                .map(|(i, _)| i)
                .collect();
            let limit = full_at.unwrap_or(steps.len());
            if gates.iter().any(|&g| g < limit) {
                continue;
            }
            let name = doc.name.as_deref().unwrap_or("(unnamed)");
            let mut finding = match (full_at, gates.first()) {
                (Some(f), Some(&g)) => cx.at_key(
                    &Self::META,
                    doc,
                    "/spec/strategy/canary/steps",
                    format!(
                        "Rollout `{name}` is not metric-gated: its first analysis (step {g}) runs after step {f} has already moved all traffic to the canary"
                    ),
                ),
                _ => cx.at_key(
                    &Self::META,
                    doc,
                    "/spec/strategy/canary/steps",
                    format!(
                        "Rollout `{name}` is not metric-gated: none of its {} steps runs analysis, and there is no background analysis, so it is promoted on time alone",
                        steps.len()
                    ),
                ),
            };
            if let Some(f) = full_at {
                finding = finding.with_related(cx.related(
                    doc,
                    &format!("/spec/strategy/canary/steps/{f}/setWeight"),
                    Target::Value,
                    format!("step {f} reaches full weight ({full})"),
                ));
            }
            out.push(finding.with_help(
                "add `- analysis: {templates: [{templateName: ...}]}` after the first setWeight and pause, or a background `canary.analysis`",
            ));
        }
    }
}

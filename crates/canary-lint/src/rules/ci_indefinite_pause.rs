//! CL803: CI waits on a Rollout whose ladder has an indefinite `pause: {}`.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::template_use::{ladder_budget, rollouts_named};
use crate::facts::workflow::for_each_status_wait;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// A workflow step runs `kubectl argo rollouts status <rollout>` (watching, the default)
    /// on a Rollout of the repo whose canary steps contain a `pause` without a `duration`
    /// (`pause: {}`).
    ///
    /// ## Why it matters
    ///
    /// A pause without a duration waits for a human to run `kubectl argo rollouts promote`.
    /// While paused the Rollout is neither Healthy nor Degraded, so `status` cannot return
    /// success: the job runs into its `--timeout` (or GitHub's `timeout-minutes`) every single
    /// deploy, even when the canary is perfectly fine.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// steps:
    ///   - setWeight: 20
    ///   - pause: {}          # waits for promote
    /// ```
    ///
    /// ## Fix
    ///
    /// Give the pause a duration (`pause: {duration: 10m}`) so the ladder runs unattended, or
    /// stop waiting with `status` in CI and promote from a separate, manual job.
    ///
    /// ## Source
    ///
    /// argo-rollouts `pkg/kubectl-argo-rollouts/cmd/status/status.go` (Paused is not a
    /// terminal state of the watch) and `RolloutPause` in
    /// `pkg/apis/rollouts/v1alpha1/types.go` (no duration = pause until promoted); the open
    /// request for `--success-on-pause`, argo-rollouts #1389.
    pub struct CiIndefinitePause {
        code: "CL803",
        name: "ci-indefinite-pause",
        category: Suspicious,
        summary: "CI waits with `status` on a Rollout that has a `pause: {}` step",
    }
}

impl Rule for CiIndefinitePause {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for_each_status_wait(cx, |command, argo| {
            let Some(name) = argo.rollout() else {
                return;
            };
            for (rdoc, rollout) in rollouts_named(cx.repo, argo.call.namespace(), &name.text) {
                let budget = ladder_budget(cx, rdoc, rollout);
                let Some(&first) = budget.indefinite_pauses.first() else {
                    continue;
                };
                let steps: Vec<String> = budget
                    .indefinite_pauses
                    .iter()
                    .map(|i| i.to_string())
                    .collect();
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        command.file(cx),
                        command.span(cx, argo.call.start, argo.call.end),
                        format!(
                            "Rollout `{}` pauses indefinitely (step {}), so `kubectl argo rollouts status` cannot succeed until someone runs `kubectl argo rollouts promote {}`",
                            name.text,
                            steps.join(", "),
                            name.text
                        ),
                    )
                    .with_help(
                        "give the pause a duration (`pause: {duration: 10m}`), or promote from a separate manual job instead of waiting with `status` here",
                    )
                    .with_related(cx.related(
                        rdoc,
                        &format!("/spec/strategy/canary/steps/{first}/pause"),
                        Target::Key,
                        "this pause has no duration and waits for `promote`",
                    )),
                );
            }
        });
    }
}

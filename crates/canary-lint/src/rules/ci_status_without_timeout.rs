//! CL802: `kubectl argo rollouts status` in CI without `--timeout` waits forever.

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::workflow::{StatusTimeout, for_each_status_wait};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Every `kubectl argo rollouts status <rollout>` in a GitHub workflow `run:` step that
    /// watches (the default; `--watch=false` prints once and exits) sets `-t/--timeout` to a
    /// non-zero duration.
    ///
    /// The same commands in shell scripts (`*.sh`, `*.bash`) and Makefiles (`Makefile`,
    /// `makefile`, `GNUmakefile`, `*.mk`; recipe lines only) are checked too. Only commands
    /// count: comments, `echo`ed strings and Makefile variables are not run. A value set at
    /// run time (`"$TIMEOUT"`, `${{ env.T }}`, `$(STATUS_TIMEOUT)`) is not judged.
    ///
    /// ## Why it matters
    ///
    /// The default timeout is 0, which means *wait forever*. `status` returns only when the
    /// Rollout is Healthy or Degraded; a Rollout that is Paused (an indefinite pause, an
    /// Inconclusive analysis) is neither, so the job sits there until GitHub kills it after
    /// `timeout-minutes` (360 by default), with a runner-timeout message instead of Argo's.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// - run: kubectl argo rollouts status api -n prod
    /// ```
    ///
    /// ## Fix
    ///
    /// Add `--timeout=<ladder budget plus slack>`, e.g. `--timeout=30m` (see CL801 and
    /// `canary-gen plan`).
    ///
    /// ## Source
    ///
    /// argo-rollouts `pkg/kubectl-argo-rollouts/cmd/status/status.go` (`-t/--timeout`
    /// default 0 "wait forever"; only Healthy and Degraded end the watch); the request for a
    /// `--success-on-pause` escape hatch, argo-rollouts #1389.
    pub struct CiStatusWithoutTimeout {
        code: "CL802",
        name: "ci-status-without-timeout",
        category: Suspicious,
        summary: "`kubectl argo rollouts status` without `--timeout` waits forever",
    }
}

impl Rule for CiStatusWithoutTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for_each_status_wait(cx, |command, argo| {
            let rollout = argo.rollout().map_or("<rollout>", |w| w.text.as_str());
            let (span, message) = match argo.timeout() {
                StatusTimeout::Absent => (
                    command.span(cx, argo.call.start, argo.call.end),
                    format!(
                        "`kubectl argo rollouts status {rollout}` has no `--timeout`: it waits forever while the Rollout is paused"
                    ),
                ),
                StatusTimeout::Zero(flag) => (
                    command.span(cx, flag.start, flag.end),
                    format!(
                        "`{}` means no timeout: `kubectl argo rollouts status {rollout}` waits forever while the Rollout is paused",
                        command.source(flag.start, flag.end)
                    ),
                ),
                StatusTimeout::Invalid(..)
                | StatusTimeout::Seconds(..)
                | StatusTimeout::Dynamic(_) => {
                    return;
                }
            };
            out.push(
                Diagnostic::new(
                    &Self::META,
                    command.file(cx),
                    span,
                    message,
                )
                .with_help(
                    "add `--timeout=<ladder budget plus slack>` (e.g. `--timeout=30m`; `canary-gen plan` prints one) so the job fails with Argo's message instead of a runner kill",
                ),
            );
        });
    }
}

//! CL804: the job's `timeout-minutes` exceeds the `status --timeout` it waits with.

use canary_core::model::values::format_go_duration;

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::workflow::{DEFAULT_JOB_TIMEOUT_MINUTES, StatusTimeout, for_each_job};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// For every GitHub workflow job that waits with `kubectl argo rollouts status --timeout=D`,
    /// the job's `timeout-minutes` (GitHub's default is 360) is longer than the sum of the `D`s
    /// of its steps (they run one after the other). A step-level `timeout-minutes` on the step
    /// that runs `status` must likewise be longer than that step's timeouts. When the job has
    /// no `timeout-minutes` the finding points at the job's key; expressions such as
    /// `${{ inputs.timeout }}` are not evaluated and are skipped.
    ///
    /// ## Why it matters
    ///
    /// When GitHub's limit comes first, the runner is killed: the log ends with `The job
    /// running on runner … has exceeded the maximum execution time`, not Argo's message
    /// saying why the canary did not finish, and any clean-up steps after it never run.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// jobs:
    ///   deploy:
    ///     timeout-minutes: 20
    ///     steps:
    ///       - run: kubectl argo rollouts status api --timeout=30m
    /// ```
    ///
    /// ## Fix
    ///
    /// Set `timeout-minutes` a few minutes above the status timeout (canary-gen writes the
    /// status timeout plus a third).
    ///
    /// ## Source
    ///
    /// GitHub Actions workflow syntax, `jobs.<job_id>.timeout-minutes` (default 360) and
    /// `jobs.<job_id>.steps[*].timeout-minutes`; argo-rollouts
    /// `pkg/kubectl-argo-rollouts/cmd/status/status.go` for the timeout flag.
    pub struct CiJobTimeout {
        code: "CL804",
        name: "ci-job-timeout",
        category: Correctness,
        summary: "a job's `timeout-minutes` exceeds its `kubectl argo rollouts status --timeout`",
    }
}

impl Rule for CiJobTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for_each_job(cx, |doc, job, commands| {
            let mut total: u64 = 0;
            let mut per_step: Vec<(usize, u64)> = Vec::new();
            for command in commands {
                let Some(argo) = command.argo else {
                    continue;
                };
                if argo.sub != "status" || !argo.watches() {
                    continue;
                }
                if let StatusTimeout::Seconds(_, secs) = argo.timeout() {
                    total += secs;
                    match per_step.last_mut() {
                        Some((i, s)) if *i == command.step.index => *s += secs,
                        _ => per_step.push((command.step.index, secs)),
                    }
                }
            }
            if total == 0 {
                return;
            }
            let waits = format_go_duration(total);
            let explicit = job.has_timeout();
            match job.timeout_minutes() {
                Some(minutes) if minutes * 60.0 <= total as f64 => out.push(
                    cx.at_value(
                        &Self::META,
                        doc,
                        &format!("{}/timeout-minutes", job.pointer()),
                        format!(
                            "job `{}` times out after {minutes} minutes, but its `kubectl argo rollouts status` waits up to {waits}: GitHub kills the runner before Argo reports",
                            job.id
                        ),
                    )
                    .with_help(format!(
                        "set `timeout-minutes` above {} (the status timeout plus a few minutes)",
                        total.div_ceil(60)
                    )),
                ),
                None if !explicit && DEFAULT_JOB_TIMEOUT_MINUTES * 60.0 <= total as f64 => out.push(
                    cx.at_key(
                        &Self::META,
                        doc,
                        &job.pointer(),
                        format!(
                            "job `{}` has GitHub's default timeout of 360 minutes, but its `kubectl argo rollouts status` waits up to {waits}",
                            job.id
                        ),
                    )
                    .with_help(format!(
                        "set `timeout-minutes` above {} on the job, or shorten the ladder",
                        total.div_ceil(60)
                    )),
                ),
                _ => {}
            }
            for (index, secs) in per_step {
                let Some(step) = job.steps.get(index) else {
                    continue;
                };
                let Some(minutes) = step.timeout_minutes() else {
                    continue;
                };
                if minutes * 60.0 > secs as f64 {
                    continue;
                }
                out.push(
                    cx.at_value(
                        &Self::META,
                        doc,
                        &format!("{}/timeout-minutes", step.pointer()),
                        format!(
                            "this step times out after {minutes} minutes, but its `kubectl argo rollouts status` waits up to {}",
                            format_go_duration(secs)
                        ),
                    )
                    .with_help(format!(
                        "set the step's `timeout-minutes` above {}",
                        secs.div_ceil(60)
                    )),
                );
            }
        });
    }
}

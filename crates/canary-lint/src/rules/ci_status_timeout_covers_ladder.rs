//! CL801: `kubectl argo rollouts status --timeout` in CI covers the Rollout's whole ladder.

use canary_core::ladder::recommended_status_timeout;
use canary_core::model::values::format_go_duration;

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::template_use::{ladder_budget, rollouts_named};
use crate::facts::workflow::{StatusTimeout, for_each_status_wait};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// A GitHub workflow step that waits with `kubectl argo rollouts status <rollout>
    /// --timeout=D` (also `-t D`, `--timeout D`), for a Rollout defined in the repo (matched
    /// by name and by `-n/--namespace` when given), uses a valid Go duration for `D`, and `D`
    /// is at least the ladder budget: Σ timed pauses + Σ analysis-step durations
    /// (`initialDelay + (count − 1) × interval` of the longest metric) + a readiness allowance
    /// per `setWeight` step (`readiness_allowance_secs`, default 60 s). The message prints the
    /// budget. A bare number such as `--timeout=1800` is reported too.
    ///
    /// The same commands in shell scripts (`*.sh`, `*.bash`) and Makefiles (`Makefile`,
    /// `makefile`, `GNUmakefile`, `*.mk`; recipe lines only) are checked too. Only commands
    /// count: comments, `echo`ed strings and Makefile variables are not run. A value set at
    /// run time (`"$TIMEOUT"`, `${{ env.T }}`, `$(STATUS_TIMEOUT)`) is not judged.
    ///
    /// One finding per command. When several Rollouts share the name (variants of one app),
    /// it is judged against the shortest ladder it misses, and it is an error only when it
    /// misses every one of them; otherwise the repo does not show which one the command waits
    /// for, and it is a warning. A wait whose failure the script ignores (`… || true`,
    /// `|| :`, `|| echo …` without `exit`) is a warning too: nothing goes red, the script
    /// only moves on while the canary is still running.
    ///
    /// ## Why it matters
    ///
    /// `status` exits 1 with `Rollout status watch exceeded timeout` when `D` runs out, while
    /// the Rollout carries on in the cluster: the deploy job goes red although nothing failed,
    /// or someone re-runs it in the middle of a canary. The flag is a pflag `time.Duration`,
    /// so a bare `1800` is rejected (`invalid argument "1800" for "-t, --timeout" flag:
    /// time: missing unit in duration`) and the step fails before it waits at all.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// # Rollout steps: setWeight 10, pause 10m, analysis (5 × 1m), setWeight 50, pause 10m
    /// - run: kubectl argo rollouts status api -n prod --timeout=10m   # budget is 26m
    /// ```
    ///
    /// ## Fix
    ///
    /// Raise the timeout to at least the budget, with some slack for analysis retries
    /// (`canary-gen plan` prints a recommended value: the budget plus a quarter, rounded up to
    /// a minute). Write it with a unit: `--timeout=30m`.
    ///
    /// ## Source
    ///
    /// argo-rollouts `pkg/kubectl-argo-rollouts/cmd/status/status.go` (`-t/--timeout` is a
    /// `time.Duration`, default 0; the `Rollout status watch exceeded timeout` error); step
    /// durations from `analysis/analysis.go` (`generateMetricTasks`) and `rollout/canary.go`;
    /// the budget arithmetic is `canary_core::ladder::LadderBudget`. Timeouts shorter than the
    /// ladder are a recurring report, e.g. argo-rollouts #1225.
    pub struct CiStatusTimeoutCoversLadder {
        code: "CL801",
        name: "ci-status-timeout-covers-ladder",
        category: Correctness,
        summary: "`kubectl argo rollouts status --timeout` is a Go duration at least as long as the canary ladder",
    }
}

impl Rule for CiStatusTimeoutCoversLadder {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for_each_status_wait(cx, |command, argo| {
            let Some(name) = argo.rollout() else {
                return;
            };
            match argo.timeout() {
                StatusTimeout::Invalid(flag, why) => {
                    out.push(
                        Diagnostic::new(
                            &Self::META,
                            command.file(cx),
                            command.span(cx, flag.start, flag.end),
                            format!(
                                "`{}` is not a Go duration ({why}); `kubectl argo rollouts status` rejects it and the step fails before waiting",
                                command.source(flag.start, flag.end)
                            ),
                        )
                        .with_help("write the timeout with a unit, e.g. `--timeout=30m` or `--timeout=1800s`"),
                    );
                }
                StatusTimeout::Seconds(flag, secs) => {
                    let candidates = rollouts_named(cx.repo, argo.call.namespace(), &name.text);
                    let budgets: Vec<_> = candidates
                        .iter()
                        .map(|(rdoc, rollout)| (*rdoc, ladder_budget(cx, rdoc, rollout)))
                        .collect();
                    // The timeout to suggest covers every ladder of that name.
                    let Some(longest) = budgets.iter().map(|(_, b)| b).max_by_key(|b| b.total())
                    else {
                        return;
                    };
                    let suggested = format_go_duration(recommended_status_timeout(longest));
                    let mut short: Vec<_> = budgets
                        .iter()
                        .filter(|(_, budget)| secs < budget.total())
                        .collect();
                    // One finding per command, judged against the shortest ladder it misses:
                    // several Rollouts of that name (variants of one app) are one wait.
                    short.sort_by_key(|(_, budget)| budget.total());
                    let Some((rdoc, budget)) = short.first() else {
                        return;
                    };
                    let mut caveat = String::new();
                    if !budget.unknown_analysis.is_empty() || !budget.bad_durations.is_empty() {
                        caveat.push_str(
                            "; some steps have no known length, so the real ladder is longer still",
                        );
                    }
                    if candidates.len() > 1 {
                        caveat.push_str(&format!(
                            "; the repo defines {} Rollouts named `{}`, and the timeout is shorter than the ladder of {} of them (the shortest is shown)",
                            candidates.len(),
                            name.text,
                            short.len()
                        ));
                    }
                    let ignored = command.failure_ignored(argo.call.end);
                    let partly = short.len() < candidates.len();
                    if ignored {
                        caveat.push_str(
                            " (a warning, not an error: the script ignores the failure with `||`, so nothing goes red; it moves on while the canary is still running)",
                        );
                    } else if partly {
                        caveat.push_str(
                            " (a warning, not an error: it covers the ladder of another Rollout of that name, and the repo does not show which one this command waits for)",
                        );
                    }
                    let mut found = Diagnostic::new(
                        &Self::META,
                        command.file(cx),
                        command.span(cx, flag.start, flag.end),
                        format!(
                            "`{}` ({secs}s) is shorter than the ladder of Rollout `{}`: {}{caveat}",
                            command.source(flag.start, flag.end),
                            name.text,
                            budget.explain()
                        ),
                    )
                    .with_help(format!(
                        "the watch gives up while the canary is still running and the job goes red; use at least `--timeout={suggested}` (the budget plus a quarter for analysis retries)"
                    ))
                    .with_related(cx.related(
                        rdoc,
                        "/spec/strategy/canary/steps",
                        Target::Key,
                        format!(
                            "the steps of Rollout `{}` add up to {}s",
                            name.text,
                            budget.total()
                        ),
                    ));
                    if ignored || partly {
                        found = found.with_severity(Severity::Warning);
                    }
                    out.push(found);
                }
                StatusTimeout::Absent | StatusTimeout::Zero(_) | StatusTimeout::Dynamic(_) => {}
            }
        });
    }
}

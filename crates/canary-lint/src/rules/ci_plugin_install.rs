//! CL805: a job that runs `kubectl argo rollouts` installs the plugin first.

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::workflow::for_each_job;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// In each GitHub workflow job that runs on a GitHub-hosted runner (`runs-on` is an
    /// `ubuntu-*`, `windows-*` or `macos-*` label, or a list of only such labels), the first
    /// command that runs `kubectl argo rollouts …` (or `kubectl-argo-rollouts …`) comes after
    /// something that installs the plugin:
    ///
    /// - an earlier step whose `run` mentions `kubectl-argo-rollouts` (a `curl` of the release
    ///   binary, `brew install argoproj/tap/kubectl-argo-rollouts`, …), or earlier lines of the
    ///   same script that do;
    /// - an earlier `uses:` step whose action or inputs mention `argo-rollouts`;
    /// - or a job `container` image whose name contains `argo-rollouts`.
    ///
    /// Jobs on self-hosted runners, or whose `runs-on` is an expression, are not judged: the
    /// plugin may be installed on the runner image, which the repo does not show.
    ///
    /// ## Why it matters
    ///
    /// The plugin is not on GitHub's hosted runners. Without it kubectl answers `error:
    /// unknown command "argo" for "kubectl"` and the deploy fails on its first run, typically
    /// after the image was already built and pushed.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// steps:
    ///   - uses: azure/setup-kubectl@v4
    ///   - run: kubectl argo rollouts set image api api=$IMAGE   # no plugin
    /// ```
    ///
    /// ## Fix
    ///
    /// Add a step before it that downloads the release binary
    /// (`curl -sSfLo kubectl-argo-rollouts https://github.com/argoproj/argo-rollouts/releases/download/<version>/kubectl-argo-rollouts-linux-amd64`,
    /// `chmod +x`, put it on `$GITHUB_PATH`).
    ///
    /// ## Source
    ///
    /// Argo Rollouts docs, "Kubectl Plugin" installation (`docs/installation.md`): the plugin
    /// is a separate binary named `kubectl-argo-rollouts` that kubectl finds on `PATH`;
    /// GitHub's runner-images lists of installed software (`actions/runner-images`, the
    /// Ubuntu, Windows and macOS image READMEs) do not include it.
    pub struct CiPluginInstall {
        code: "CL805",
        name: "ci-plugin-install",
        category: Correctness,
        summary: "a job running `kubectl argo rollouts` installs the plugin in an earlier step",
    }
}

impl Rule for CiPluginInstall {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for_each_job(cx, |_, job, commands| {
            if !job.runs_on_github_hosted() {
                return;
            }
            let Some((command, argo)) = commands.iter().find_map(|c| c.argo.map(|a| (c, a))) else {
                return;
            };
            if job
                .container_image()
                .is_some_and(|i| i.to_ascii_lowercase().contains("argo-rollouts"))
            {
                return;
            }
            let earlier_step = job.steps[..command.step.index].iter().any(|s| {
                s.run.is_some_and(|r| r.contains("kubectl-argo-rollouts"))
                    || (s.uses.is_some()
                        && s.node
                            .to_value()
                            .to_string()
                            .to_ascii_lowercase()
                            .contains("argo-rollouts"))
            });
            let start = command.words.first().map_or(0, |w| w.start);
            let earlier_lines = command
                .step
                .run
                .and_then(|r| r.get(..start))
                .is_some_and(|r| r.contains("kubectl-argo-rollouts"));
            if earlier_step || earlier_lines {
                return;
            }
            out.push(
                Diagnostic::new(
                    &Self::META,
                    cx.repo.file_of(command.doc).rel.clone(),
                    command.span(cx, argo.call.start, argo.call.end),
                    format!(
                        "job `{}` runs `kubectl argo rollouts {}` but no earlier step installs the kubectl-argo-rollouts plugin",
                        job.id, argo.sub
                    ),
                )
                .with_help(
                    "add a step before it that downloads kubectl-argo-rollouts from the argo-rollouts GitHub release and puts it on $GITHUB_PATH; hosted runners do not have it",
                ),
            );
        });
    }
}

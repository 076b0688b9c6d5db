//! CL806: CI waits on `kubectl rollout status` of the Deployment a Rollout has taken over.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::workflow::for_each_job;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// A GitHub workflow step runs `kubectl rollout status deployment/<name>` (also
    /// `deploy/<name>`, `deployments/<name>`, `deployment <name>`) where `<name>` is the
    /// `workloadRef` target of a Rollout in the repo (namespaces matched through `-n` when
    /// given).
    ///
    /// ## Why it matters
    ///
    /// With `workloadRef` the Deployment is only a pod template: the Rollout scales it to zero
    /// (`scaleDown`) and runs the pods itself. `kubectl rollout status` on a zero-replica
    /// Deployment returns success at once, so the step is green before a single canary pod
    /// started, and it stays green when the canary aborts. This is the check people forget to
    /// change when they migrate a Deployment to a Rollout.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// - run: |
    ///     kubectl argo rollouts set image api api=$IMAGE -n prod
    ///     kubectl rollout status deployment/api -n prod    # passes immediately
    /// ```
    ///
    /// ## Fix
    ///
    /// Wait on the Rollout instead: `kubectl argo rollouts status api -n prod --timeout=30m`.
    ///
    /// ## Source
    ///
    /// argo-rollouts `rollout/templateref.go` and `workloadRef.scaleDown` handling in
    /// `rollout/replicaset.go` (the referenced Deployment is scaled down once the Rollout
    /// runs the pods); kubectl `rollout status` (`kubectl/pkg/polymorphichelpers/rollout_status.go`,
    /// a Deployment with all of its 0 desired replicas updated is "successfully rolled out").
    pub struct CiDeploymentStatusFalseGreen {
        code: "CL806",
        name: "ci-deployment-status-false-green",
        category: Correctness,
        summary: "CI waits on `kubectl rollout status` of a Deployment a Rollout scaled to zero",
    }
}

impl Rule for CiDeploymentStatusFalseGreen {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for_each_job(cx, |_, _, commands| {
            for command in commands {
                let Some(status) = command.deployment_status else {
                    continue;
                };
                let namespace = status.call.namespace();
                for (rdoc, rollout) in cx.repo.rollouts() {
                    let Some(target) = &rollout.spec.workload_ref else {
                        continue;
                    };
                    if target.name != status.name
                        || target.kind.as_deref().is_some_and(|k| k != "Deployment")
                        || !crate::repo::index::namespaces_match(
                            namespace,
                            rdoc.namespace.as_deref(),
                        )
                    {
                        continue;
                    }
                    let rollout_name = rdoc.name.as_deref().unwrap_or("(unnamed)");
                    let ns_flag = rdoc
                        .namespace
                        .as_deref()
                        .map_or_else(String::new, |ns| format!(" -n {ns}"));
                    out.push(
                        Diagnostic::new(
                            &Self::META,
                            cx.repo.file_of(command.doc).rel.clone(),
                            command.span(cx, status.call.start, status.call.end),
                            format!(
                                "`kubectl rollout status` waits on Deployment `{}`, which Rollout `{rollout_name}` scales to 0: it passes at once without testing the new image",
                                status.name
                            ),
                        )
                        .with_help(format!(
                            "wait on the Rollout instead: `kubectl argo rollouts status {rollout_name}{ns_flag} --timeout=<ladder budget>`"
                        ))
                        .with_related(cx.related(
                            rdoc,
                            "/spec/workloadRef/name",
                            Target::Value,
                            format!("Rollout `{rollout_name}` takes its pods over from this Deployment"),
                        )),
                    );
                }
            }
        });
    }
}

//! CL101: the Deployment a Rollout's `workloadRef` names exists in its namespace.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::repo::Kind;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// A Rollout with `spec.workloadRef` pointing at a Deployment (`kind: Deployment`, or no
    /// kind) names a Deployment that exists in the repo, in the Rollout's namespace. An
    /// object without `metadata.namespace` matches any namespace, because `kubectl apply -n`
    /// or kustomize decides it.
    ///
    /// ## Why it matters
    ///
    /// The controller reads the pod template from the referenced Deployment. When it is
    /// missing, the Rollout is marked `InvalidSpec` and never creates a pod; the only trace is
    /// a condition like `The Rollout "x" is invalid: deployments.apps "default/x" not found`.
    /// `kubectl argo rollouts lint` does not resolve `workloadRef` at all.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// apiVersion: argoproj.io/v1alpha1
    /// kind: Rollout
    /// metadata:
    ///   name: api
    /// spec:
    ///   workloadRef:
    ///     apiVersion: apps/v1
    ///     kind: Deployment
    ///     name: api-deploy      # but the Deployment is called `api`
    /// ```
    ///
    /// ## Fix
    ///
    /// Make `workloadRef.name` the Deployment's `metadata.name`, and keep both objects in the
    /// same namespace.
    ///
    /// ## Severity
    ///
    /// Teams often keep the target in another repo, so a target that is simply not in the
    /// repo is a **warning** that says so and points at `[external]` in `.canary-lint.toml`
    /// (declared objects are not reported). It is an **error** when the repo shows a mistake:
    /// an object of that kind with a near name (case, separators, or an edit distance of at
    /// most 2: "did you mean"), or the same name in another namespace; and for every
    /// missing target with `strict-references = true`.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `rollout/templateref.go` (the referenced object is read from an informer
    /// with `Lister().Get("<namespace>/<name>")`); the error text is quoted in
    /// argoproj/argo-rollouts issue #1675.
    pub struct WorkloadRefTargetExists {
        code: "CL101",
        name: "workload-ref-target-exists",
        category: Correctness,
        summary: "a Rollout's workloadRef names a Deployment that exists in its namespace",
    }
}

impl Rule for WorkloadRefTargetExists {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, rollout) in cx.repo.rollouts() {
            let Some(target) = &rollout.spec.workload_ref else {
                continue;
            };
            // ReplicaSet and PodTemplate targets are not indexed; an unsupported kind is
            // another rule's business.
            if target.kind.as_deref().is_some_and(|k| k != "Deployment") {
                continue;
            }
            let rollout_name = doc.name.as_deref().unwrap_or("(unnamed)");
            if target.name.is_empty() {
                out.push(
                    cx.at_key(
                        &Self::META,
                        doc,
                        "/spec/workloadRef",
                        format!("Rollout `{rollout_name}` has a workloadRef without a name"),
                    )
                    .with_help("set `workloadRef.name` to the Deployment's metadata.name"),
                );
                continue;
            }
            let namespace = doc.namespace.as_deref();
            if !cx
                .repo
                .find(Kind::Deployment, namespace, &target.name)
                .is_empty()
            {
                continue;
            }
            let where_ = namespace.map_or_else(
                || "in this repo".to_string(),
                |ns| format!("in namespace `{ns}`"),
            );
            let mut finding = cx
                .at_value(
                    &Self::META,
                    doc,
                    "/spec/workloadRef/name",
                    format!(
                        "Rollout `{rollout_name}` references Deployment `{}`, but no Deployment of that name exists {where_}",
                        target.name
                    ),
                )
                .with_help(
                    "the controller marks this Rollout InvalidSpec and never creates pods; name an existing Deployment in the Rollout's namespace",
                );
            for other in cx.repo.find_any_namespace(Kind::Deployment, &target.name) {
                let ns = other.namespace.as_deref().unwrap_or("(none)");
                finding = finding.with_related(cx.related(
                    other,
                    "/metadata/namespace",
                    Target::Value,
                    format!("a Deployment `{}` exists in namespace `{ns}`", target.name),
                ));
            }
            out.extend(cx.missing_reference(finding, Kind::Deployment, namespace, &target.name));
        }
    }
}

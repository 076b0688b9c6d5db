//! CL105: a Rollout with `workloadRef` sets `spec.replicas`, equal to the Deployment's.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Related};
use crate::facts::workload::{name_of, workload_ref_deployment};
use crate::repo::Document;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// A Rollout with `spec.workloadRef` sets `spec.replicas`, and the value equals the
    /// referenced Deployment's `spec.replicas` (1 when the Deployment omits it). A Deployment
    /// with an explicit `replicas: 0` is taken as already handed over to the Rollout and is
    /// not compared.
    ///
    /// ## Why it matters
    ///
    /// The Rollout does not inherit the Deployment's replica count: only the pod template and
    /// selector are read from it. Without `spec.replicas` the controller writes `replicas: 1`
    /// back into the Rollout, so a service that ran 6 pods as a Deployment runs 1 pod as a
    /// Rollout, and a GitOps tool sees permanent drift. With `scaleDown: onsuccess` or
    /// `progressively` the Deployment is then scaled to 0 and the Rollout's count is all that
    /// is left (issue #4110 describes the collapse to one pod). A different explicit count
    /// changes capacity in the middle of a migration, which is rarely intended.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// # Deployment api: replicas: 6
    /// spec:
    ///   workloadRef:
    ///     apiVersion: apps/v1
    ///     kind: Deployment
    ///     name: api
    ///   # no replicas: the controller sets 1
    /// ```
    ///
    /// ## Fix
    ///
    /// Set `spec.replicas` on the Rollout to the Deployment's count (and manage it there from
    /// now on; an HPA should target the Rollout).
    ///
    /// ## Source
    ///
    /// Argo Rollouts `rollout/controller.go` (`syncHandler`, "Defaulting .spec.replica to
    /// 1"), `utils/defaults/defaults.go` (`DefaultReplicas = 1`), `rollout/templateref.go`
    /// (`Resolve` copies only the template and selector); issue #4110.
    pub struct WorkloadRefReplicas {
        code: "CL105",
        name: "workload-ref-replicas",
        category: Correctness,
        summary: "a Rollout with workloadRef sets spec.replicas, equal to the Deployment's",
    }
}

/// The Deployment's `replicas` value, or its `spec` key when it has none.
fn replicas_of(cx: &Context<'_>, dep: &Document, explicit: Option<i32>, n: i32) -> Related {
    let name = name_of(dep);
    match explicit {
        Some(_) => cx.related(
            dep,
            "/spec/replicas",
            Target::Value,
            format!("Deployment `{name}` sets {n} replicas"),
        ),
        None => cx.related(
            dep,
            "/spec",
            Target::Key,
            format!("Deployment `{name}` has no replicas, so it runs {n}"),
        ),
    }
}

impl Rule for WorkloadRefReplicas {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, rollout) in cx.repo.rollouts() {
            if rollout.spec.workload_ref.is_none() {
                continue;
            }
            let name = name_of(doc);
            let deployment = workload_ref_deployment(cx.repo, doc, rollout);
            let dep_replicas = deployment.map(|(_, d)| {
                (
                    d.spec.as_ref().and_then(|s| s.replicas),
                    d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                )
            });
            let Some(replicas) = rollout.spec.replicas else {
                let detail = match (deployment, dep_replicas) {
                    (Some((dep_doc, _)), Some((_, n))) => {
                        format!(" although Deployment `{}` runs {n}", name_of(dep_doc))
                    }
                    _ => String::new(),
                };
                let mut finding = cx
                    .at_key(
                        &Self::META,
                        doc,
                        "/spec/workloadRef",
                        format!(
                            "Rollout `{name}` uses workloadRef without `spec.replicas`; the controller writes `replicas: 1`{detail}"
                        ),
                    )
                    .with_help(
                        "set `spec.replicas` on the Rollout; it does not inherit the Deployment's replicas",
                    );
                if let (Some((dep_doc, _)), Some((explicit, n))) = (deployment, dep_replicas) {
                    finding = finding.with_related(replicas_of(cx, dep_doc, explicit, n));
                }
                out.push(finding);
                continue;
            };
            let (Some((dep_doc, _)), Some((explicit, dep_n))) = (deployment, dep_replicas) else {
                continue;
            };
            if explicit == Some(0) || replicas == dep_n {
                continue;
            }
            let where_dep = if explicit.is_some() {
                "sets"
            } else {
                "defaults to"
            };
            out.push(
                cx.at_value(
                    &Self::META,
                    doc,
                    "/spec/replicas",
                    format!(
                        "Rollout `{name}` runs {replicas} replicas, but its workloadRef Deployment `{}` {where_dep} {dep_n}",
                        name_of(dep_doc)
                    ),
                )
                .with_help(format!(
                    "set `spec.replicas: {dep_n}` on the Rollout (or change both on purpose)"
                ))
                .with_related(replicas_of(cx, dep_doc, explicit, dep_n)),
            );
        }
    }
}

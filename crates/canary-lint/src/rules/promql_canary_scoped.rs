//! CL606: a Prometheus gate that a Rollout runs selects the canary's pods.

use canary_core::model::analysis::substitute_args;

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::template_use::{UseIndex, all_templates};
use crate::rule::{Rule, RuleMeta};

/// The label a ServiceMonitor's `podTargetLabels: [rollouts-pod-template-hash]` gives every
/// series (prometheus-operator `pkg/prometheus/promcfg.go`, `sanitizeLabelName`).
const HASH_LABEL: &str = "rollouts_pod_template_hash";

declare_rule! {
    /// ## What it checks
    ///
    /// In an AnalysisTemplate that some Rollout of the repo uses, every selector of every
    /// `provider.prometheus.query` has a `rollouts_pod_template_hash` matcher (`=` or `=~`),
    /// as in `rollouts_pod_template_hash="{{args.canary-hash}}"`. Templates no Rollout uses
    /// are not checked.
    ///
    /// ## Why it matters
    ///
    /// Without it the gate measures the stable and the canary pods together. At `setWeight:
    /// 10`, a canary answering 40% errors moves a whole-job error ratio to about 4% and
    /// passes a 5% gate: the bad image is promoted.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// query: sum(rate(http_requests_total{job="{{args.job}}",code=~"5.."}[5m]))
    /// ```
    ///
    /// ## Fix
    ///
    /// Pass the canary's hash from the Rollout (`args: [{name: canary-hash, valueFrom:
    /// {podTemplateHashValue: Latest}}]`), declare it in the template, and add
    /// `rollouts_pod_template_hash="{{args.canary-hash}}"` to every selector. The app's
    /// ServiceMonitor must copy the pod label: `podTargetLabels: [rollouts-pod-template-hash]`.
    /// A gate that cannot be scoped (a probe, a queue shared by all pods) can be suppressed
    /// with a reason.
    ///
    /// ## Source
    ///
    /// argo-rollouts `pkg/apis/rollouts/v1alpha1/types.go` (`DefaultRolloutUniqueLabelKey`,
    /// `ValueFromPodTemplateHash`), `utils/analysis/factory.go`
    /// `BuildArgumentsForRolloutAnalysisRun` (Latest = the new ReplicaSet's hash);
    /// prometheus-operator `pkg/prometheus/promcfg.go` (`podTargetLabels` relabelling,
    /// `sanitizeLabelName`).
    pub struct PromqlCanaryScoped {
        code: "CL606",
        name: "promql-canary-scoped",
        category: Suspicious,
        summary: "a Prometheus gate a Rollout runs selects the canary's pods (rollouts_pod_template_hash)",
    }
}

impl Rule for PromqlCanaryScoped {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        let index = UseIndex::shared(cx);
        for (doc, template) in all_templates(cx.repo) {
            if index.uses_of(doc).is_empty() {
                continue;
            }
            for (i, metric) in template.spec.metrics.iter().enumerate() {
                let Some(prom) = &metric.provider.prometheus else {
                    continue;
                };
                // Placeholders stand for some value; only the matcher's presence matters.
                let query = substitute_args(&prom.query, |_| Some("x".to_string()));
                let parsed = cx.memo.promql_selectors(&query);
                let Ok(selectors) = &*parsed else {
                    continue;
                };
                let mut unscoped: Vec<&str> = selectors
                    .iter()
                    .filter(|s| {
                        !s.matchers
                            .iter()
                            .any(|(l, op, _)| l == HASH_LABEL && matches!(*op, "=" | "=~"))
                    })
                    .map(|s| s.metric.as_deref().unwrap_or("{…}"))
                    .collect();
                unscoped.dedup();
                if unscoped.is_empty() {
                    continue;
                }
                let pointer = format!("/spec/metrics/{i}/provider/prometheus/query");
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        cx.repo.file_of(doc).rel.clone(),
                        cx.span(doc, &pointer, Target::Value),
                        format!(
                            "metric `{}` selects {} without `{HASH_LABEL}`, so it measures the stable and canary pods together and a bad canary at a low weight passes",
                            metric.name,
                            unscoped.join(", ")
                        ),
                    )
                    .with_help(format!(
                        "add {HASH_LABEL}=\"{{{{args.canary-hash}}}}\" to every selector and pass canary-hash from the Rollout with `valueFrom: {{podTemplateHashValue: Latest}}`; the ServiceMonitor needs `podTargetLabels: [rollouts-pod-template-hash]`"
                    )),
                );
            }
        }
    }
}

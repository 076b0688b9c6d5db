//! CL510: a `job` provider metric does not set a condition the job provider ignores.

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::analysis::metric_label;
use crate::facts::template_use::all_templates;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// A metric of an AnalysisTemplate or ClusterAnalysisTemplate whose provider is `job`
    /// sets no `successCondition` or `failureCondition`.
    ///
    /// ## Why it matters
    ///
    /// The job provider decides from the Job's status alone: a Job that completes is
    /// Successful, a Job that fails is Failed. It never evaluates a condition, and nothing
    /// rejects one, so a condition written there (for example to require some output) is
    /// silently ignored. This is a warning: the gate still runs, on the exit status only.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// - name: smoke-test
    ///   successCondition: result == "ok"   # ignored
    ///   provider:
    ///     job: {spec: {...}}
    /// ```
    ///
    /// ## Fix
    ///
    /// Delete the condition and make the Job exit non-zero when the check fails.
    ///
    /// ## Source
    ///
    /// argo-rollouts `metricproviders/job/job.go` (`Resume`: JobComplete → Successful,
    /// JobFailed → Failed, no call to the evaluator) and `docs/analysis/job.md`;
    /// `utils/analysis/factory.go` (`ValidateMetric` does not reject the conditions).
    pub struct MetricJobCondition {
        code: "CL510",
        name: "metric-job-condition",
        category: Suspicious,
        summary: "a job provider metric sets a condition, which the job provider ignores",
    }
}

impl Rule for MetricJobCondition {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, template) in all_templates(cx.repo) {
            let raw = cx.repo.located(doc);
            for (i, metric) in template.spec.metrics.iter().enumerate() {
                if raw
                    .at(&format!("/spec/metrics/{i}/provider/job"))
                    .is_none_or(|n| n.is_null())
                {
                    continue;
                }
                for field in ["successCondition", "failureCondition"] {
                    let pointer = format!("/spec/metrics/{i}/{field}");
                    if raw.at(&pointer).is_none_or(|n| n.is_null()) {
                        continue;
                    }
                    out.push(
                        cx.at_key(
                            &Self::META,
                            doc,
                            &pointer,
                            format!(
                                "metric {} uses the job provider, which ignores its {field}: the Job's exit status alone decides the measurement",
                                metric_label(metric, i)
                            ),
                        )
                        .with_help("delete the condition and make the Job exit non-zero when the check fails"),
                    );
                }
            }
        }
    }
}

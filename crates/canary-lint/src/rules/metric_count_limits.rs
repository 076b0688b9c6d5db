//! CL507: `count` is compatible with the metric's limits, and `interval` is set when count > 1.

use canary_core::model::analysis::{Metric, int_value};
use canary_core::model::values::IntOrString;

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::analysis::{metric_label, templates};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// For every metric of an AnalysisTemplate or ClusterAnalysisTemplate, the checks the
    /// analysis controller runs before it measures:
    ///
    /// - `consecutiveSuccessLimit`, `inconclusiveLimit` and `consecutiveErrorLimit` ≥ 0,
    ///   `failureLimit` ≥ −1, and not `failureLimit: -1` with `consecutiveSuccessLimit` 0;
    /// - with `count` > 0: `count ≥ failureLimit + consecutiveSuccessLimit` (or
    ///   `count ≥ consecutiveSuccessLimit` when failureLimit is −1), and
    ///   `count ≥ inconclusiveLimit`;
    /// - `interval` is set when `count` > 1.
    ///
    /// Values written as `{{args.x}}` are skipped.
    ///
    /// ## Why it matters
    ///
    /// These fail only when the AnalysisRun starts: it errors with `Analysis spec invalid:
    /// metrics[0]: interval must be specified when count > 1` (or the count message) and the
    /// Rollout aborts at its analysis step, possibly long after the update began. A limit
    /// larger than the count can never be reached, so it is a sign the numbers were mixed up.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// metrics:
    ///   - name: error-rate
    ///     count: 3
    ///     failureLimit: 3         # with consecutiveSuccessLimit 1: 3 < 3 + 1
    ///     consecutiveSuccessLimit: 1
    ///     # interval missing although count > 1
    /// ```
    ///
    /// ## Fix
    ///
    /// Raise `count` or lower the limits, and add `interval: 1m` to a metric measured more
    /// than once.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `utils/analysis/factory.go`, `ValidateMetric` (messages quoted above),
    /// called through `ValidateMetrics` from `analysis/analysis.go`.
    pub struct MetricCountLimits {
        code: "CL507",
        name: "metric-count-limits",
        category: Correctness,
        summary: "count ≥ failureLimit + consecutiveSuccessLimit and ≥ inconclusiveLimit; interval set when count > 1",
    }
}

/// A limit's value: `Some(default)` when absent, `None` when it is not an integer (a
/// placeholder or garbage: skipped).
fn limit(value: Option<&IntOrString>, default: i64) -> Option<i64> {
    match value {
        None => Some(default),
        Some(v) => int_value(v),
    }
}

fn interval_set(metric: &Metric) -> bool {
    metric.interval.as_ref().is_some_and(|i| !i.0.is_empty())
}

impl Rule for MetricCountLimits {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, template) in templates(cx.repo) {
            for (i, metric) in template.spec.metrics.iter().enumerate() {
                let base = format!("/spec/metrics/{i}");
                let label = metric_label(metric, i);
                let fail = |field: &str, message: String, help: &str| {
                    cx.at_value(
                        &Self::META,
                        doc,
                        &format!("{base}/{field}"),
                        format!(
                            "metric {label}: {message}; the AnalysisRun fails with \"Analysis spec invalid: metrics[{i}]: {message}\" and the Rollout aborts"
                        ),
                    )
                    .with_help(help.to_string())
                };
                let (Some(count), Some(failure), Some(success), Some(inconclusive)) = (
                    limit(metric.count.as_ref(), 0),
                    limit(metric.failure_limit.as_ref(), 0),
                    limit(metric.consecutive_success_limit.as_ref(), 0),
                    limit(metric.inconclusive_limit.as_ref(), 0),
                ) else {
                    continue;
                };
                if success < 0 {
                    out.push(fail(
                        "consecutiveSuccessLimit",
                        "consecutiveSuccessLimit must be >= 0".into(),
                        "use 0 (off) or a positive number",
                    ));
                }
                if failure < -1 {
                    out.push(fail(
                        "failureLimit",
                        "failureLimit must be >= 0, or -1 to be disabled".into(),
                        "use -1 to disable the limit, or a number ≥ 0",
                    ));
                }
                if success == 0 && failure == -1 {
                    out.push(fail(
                        "failureLimit",
                        "failureLimit and consecutiveSuccessLimit cannot both be disabled".into(),
                        "set a failureLimit ≥ 0, or a consecutiveSuccessLimit",
                    ));
                }
                if inconclusive < 0 {
                    out.push(fail(
                        "inconclusiveLimit",
                        "inconclusiveLimit must be >= 0".into(),
                        "use 0 or a positive number",
                    ));
                }
                if metric
                    .consecutive_error_limit
                    .as_ref()
                    .and_then(int_value)
                    .is_some_and(|v| v < 0)
                {
                    out.push(fail(
                        "consecutiveErrorLimit",
                        "consecutiveErrorLimit must be >= 0".into(),
                        "use 0 or a positive number (default 4)",
                    ));
                }
                if count > 0 {
                    let bad_sum = success >= 0 && failure >= 0 && count < failure + success;
                    if bad_sum {
                        out.push(
                            fail(
                                "count",
                                format!(
                                    "count ({count}) must be >= failureLimit + consecutiveSuccessLimit ({failure} + {success}) if both >= 0"
                                ),
                                "raise count, or lower failureLimit / consecutiveSuccessLimit",
                            )
                            .with_related(cx.related(
                                doc,
                                &format!("{base}/failureLimit"),
                                Target::Value,
                                format!("failureLimit is {failure}"),
                            )),
                        );
                    } else if success >= 0 && failure < 0 && count < success {
                        out.push(fail(
                            "count",
                            "count must be >= consecutiveSuccessLimit".into(),
                            "raise count or lower consecutiveSuccessLimit",
                        ));
                    }
                    if count < inconclusive {
                        out.push(
                            fail(
                                "count",
                                "count must be >= inconclusiveLimit".into(),
                                "raise count or lower inconclusiveLimit",
                            )
                            .with_related(cx.related(
                                doc,
                                &format!("{base}/inconclusiveLimit"),
                                Target::Value,
                                format!("inconclusiveLimit is {inconclusive}"),
                            )),
                        );
                    }
                }
                if count > 1 && !interval_set(metric) {
                    out.push(fail(
                        "count",
                        "interval must be specified when count > 1".into(),
                        "add `interval: 1m` (the time between measurements)",
                    ));
                }
            }
        }
    }
}

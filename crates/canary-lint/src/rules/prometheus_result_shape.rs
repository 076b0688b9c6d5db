//! CL604: a Prometheus condition reads `result` in the shape the query returns.

use canary_core::condition::result_use;
use canary_core::promql_shape::ResultKind;

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::promql::{conditions, prom_gates};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// For every metric with `provider.prometheus` whose query parses, the conditions read
    /// `result` in the shape the query returns (read from its syntax tree after `{{args.x}}`
    /// substitution):
    ///
    /// - a **vector** (or a range query's matrix) arrives as a list of numbers: the condition
    ///   must index it (`result[0]`) or use a list function (`len`, `all`, `any`, …). Using
    ///   `result` itself as a number (`result < 0.5`, `isNaN(result)`) is reported;
    /// - a **scalar** (`scalar(...)`, `time()`, a number) arrives as a bare number: the
    ///   condition must compare `result` itself; `result[0]`, `len(result)` or `all(result, …)`
    ///   are reported;
    /// - a **string** query is reported: the provider does not accept it.
    ///
    /// ## Why it matters
    ///
    /// The expr language type-checks the condition against the value Argo hands over:
    /// comparing a `[]float64` with a number, or indexing a `float64`, fails to compile, so
    /// every measurement is an Error and the Rollout aborts after `consecutiveErrorLimit`
    /// (default 4) + 1 of them, whatever the canary does. Argo's own docs show
    /// `isNaN(result) || result >= 0.95`, which works only for a scalar query.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// successCondition: result < 0.05        # the query returns a vector: result[0] < 0.05
    /// provider:
    ///   prometheus:
    ///     query: sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))
    /// ```
    ///
    /// ## Fix
    ///
    /// For a vector, read its elements: `len(result) > 0 && !isNaN(result[0]) && result[0] < 0.05`.
    /// For a scalar, compare the number: `!isNaN(result) && result < 0.05`.
    ///
    /// ## Source
    ///
    /// argo-rollouts `metricproviders/prometheus/prometheus.go` (`processResponse`: Scalar →
    /// `float64`, Vector → `[]float64`, Matrix → one flat `[]float64`, other types "Prometheus
    /// metric type not supported"), `utils/evaluate/evaluate.go` (`EvalCondition`: a compile
    /// error is a measurement Error); expr `invalid operation: < (mismatched types []float64
    /// and float64)`, checked against expr v1.15.5 (Argo v1.9.1) and v1.17.8.
    pub struct PrometheusResultShape {
        code: "CL604",
        name: "prometheus-result-shape",
        category: Correctness,
        summary: "a Prometheus condition reads result as a list for a vector query and as a number for a scalar query",
    }
}

impl Rule for PrometheusResultShape {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for gate in prom_gates(cx) {
            let metric = gate.metric;
            for (field, condition) in conditions(metric) {
                let used = result_use(condition);
                let pointer = format!("/spec/metrics/{}/{field}", gate.index);
                let problem = match gate.shape.kind {
                    ResultKind::Vector | ResultKind::Matrix
                        if used.as_number.is_some() || used.number_test_on_result =>
                    {
                        Some((
                            format!(
                                "{field} of metric `{}` uses `result` as a number, but the query returns a vector, which Argo hands over as a list: the condition fails to compile and every measurement is an Error, so the Rollout aborts",
                                metric.name
                            ),
                            "read an element: `len(result) > 0 && !isNaN(result[0]) && result[0] < X`, or every element: `len(result) > 0 && all(result, # < X)`",
                        ))
                    }
                    ResultKind::Scalar if used.as_list() => Some((
                        format!(
                            "{field} of metric `{}` reads `result` as a list, but the query returns a scalar, which Argo hands over as a bare number: the condition fails on every measurement, so the Rollout aborts",
                            metric.name
                        ),
                        "compare the number itself: `!isNaN(result) && result < X`, or drop `scalar(...)` from the query",
                    )),
                    ResultKind::String => Some((
                        format!(
                            "the query of metric `{}` returns a string, which the Prometheus provider rejects (\"Prometheus metric type not supported\") on every measurement",
                            metric.name
                        ),
                        "return a number: a vector or a scalar expression",
                    )),
                    _ => None,
                };
                if let Some((message, help)) = problem {
                    out.push(
                        cx.at_value(&Self::META, gate.doc, &pointer, message)
                            .with_help(help),
                    );
                }
            }
        }
    }
}

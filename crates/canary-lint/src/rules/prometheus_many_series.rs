//! CL605: a Prometheus condition that reads only `result[0]` of a query that can return
//! several series.

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
    /// For every metric with `provider.prometheus`, when the query can return several series
    /// (read from its syntax tree: a selector or a function of one without aggregation, an
    /// aggregation `by (...)` or `without (...)`, `topk`, a range query) and a condition reads
    /// only `result[0]`, without `all(...)`, `any(...)` or another list function.
    ///
    /// ## Why it matters
    ///
    /// Argo hands the series over as a list in the order Prometheus returned them, without
    /// their labels, and `result[0]` is whichever came first: the gate judges one pod, one
    /// status code or one route and ignores the rest. A canary whose second series is bad
    /// passes. This is a warning, not an error: with one series in practice (one pod, one
    /// matching label value) the gate works.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// successCondition: len(result) > 0 && result[0] < 0.05
    /// provider:
    ///   prometheus:
    ///     query: sum by (pod) (rate(errors_total[5m])) / sum by (pod) (rate(requests_total[5m]))
    /// ```
    ///
    /// ## Fix
    ///
    /// Judge every series: `len(result) > 0 && all(result, # < 0.05)`, or aggregate the
    /// query to one series (`sum(...)` without `by`).
    ///
    /// ## Source
    ///
    /// argo-rollouts `metricproviders/prometheus/prometheus.go` (`processResponse`: one
    /// `float64` per vector element, labels dropped; a matrix flattened into one list);
    /// expr's `all`/`any` builtins (present in expr v1.15.5, which Argo v1.9.1 uses).
    pub struct PrometheusManySeries {
        code: "CL605",
        name: "prometheus-many-series",
        category: Suspicious,
        summary: "a Prometheus condition reads only result[0] of a query that can return several series",
    }
}

impl Rule for PrometheusManySeries {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for gate in prom_gates(cx) {
            if !gate.shape.many || gate.shape.kind == ResultKind::Scalar {
                continue;
            }
            let metric = gate.metric;
            for (field, condition) in conditions(metric) {
                let used = result_use(condition);
                if !used.indexes || !used.list_functions.is_empty() {
                    continue;
                }
                out.push(
                    cx.at_value(
                        &Self::META,
                        gate.doc,
                        &format!("/spec/metrics/{}/{field}", gate.index),
                        format!(
                            "{field} of metric `{}` reads only `result[0]`, but its query can return several series: Argo judges whichever series Prometheus returns first and ignores the others",
                            metric.name
                        ),
                    )
                    .with_help("judge every series with `len(result) > 0 && all(result, # < X)`, or aggregate the query to one series"),
                );
            }
        }
    }
}

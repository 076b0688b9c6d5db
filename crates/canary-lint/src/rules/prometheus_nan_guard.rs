//! CL603: a Prometheus condition says what no data and NaN mean, where the query can return
//! them; an error only where they make a gate pass.

use canary_core::condition::{ResultUse, result_use};
use canary_core::promql_shape::{QueryShape, ResultKind};

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::promql::prom_gates;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// For every metric with `provider.prometheus` whose query returns a vector, what the
    /// query can return is read from its syntax tree (after `{{args.x}}` substitution):
    ///
    /// - **no series at all** (any selector can match nothing; `… or vector(0)` and
    ///   `… or on() vector(0)` never do);
    /// - **NaN**, which comes only from a division or `%` whose right side can be 0 (a
    ///   constant other than 0, `clamp_min(x, c)` with c > 0, or a filter such as `(total > 0)`
    ///   cannot be), from `histogram_quantile`, `quantile` and `quantile_over_time`, from
    ///   `ln`, `log2`, `log10` and `sqrt` of a value that can be negative, or from `Inf`
    ///   arithmetic. `a / b and on() b > 0` keeps the ratio only while `b` is above 0, so
    ///   it is empty instead of NaN. NaN samples in the TSDB are not assumed.
    ///
    /// A condition that does not test for what the query can return (`len(result)` for no
    /// series, `isNaN(result[0])` for NaN) is reported, with what Argo then does:
    ///
    /// - **error** when it makes the gate **pass** (fail-open): a `failureCondition` alone
    ///   is false on NaN, so the measurement is Successful; `all(result, …)` is true on an
    ///   empty list, so a `successCondition` passes with no data; `any(result, …)` is false
    ///   on an empty list, so a `failureCondition` alone passes;
    /// - **warning** when it fails closed or pauses: `result[0]` on an empty list is an
    ///   evaluation Error (five in a row abort the Rollout), a `successCondition` is false on
    ///   NaN (the measurement fails), both conditions false is Inconclusive (the Rollout
    ///   pauses). A healthy canary with little traffic then aborts or waits; no broken canary
    ///   passes. `result[0] >= 0.95`, the form in Argo's own docs, is this case.
    ///
    /// ## Why it matters
    ///
    /// A ratio is 0/0 = NaN when the canary has no traffic yet, and a selector matches
    /// nothing when a label is renamed. A gate that passes on either lets a canary that
    /// serves errors, or is not measured at all, go to 100%.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// failureCondition: result[0] > 0.05     # NaN > 0.05 is false: Successful
    /// provider:
    ///   prometheus:
    ///     query: sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))
    /// ```
    ///
    /// ## Fix
    ///
    /// Decide what no data and NaN mean and say so, for every series (what canary-gen
    /// renders): `successCondition: len(result) == 0 || all(result, isNaN(#) || # <= 0.05)`
    /// treats them as a pass; `len(result) > 0 && all(result, !isNaN(#) && # <= 0.05)` as a
    /// failure (`all` alone is true on an empty result). For a query that returns one series,
    /// `len(result) > 0 && !isNaN(result[0]) && result[0] <= 0.05` says the same. Or make the
    /// query unable to return them (`clamp_min(total, 1)` as the denominator, `or vector(0)`).
    ///
    /// ## Source
    ///
    /// argo-rollouts `utils/evaluate/evaluate.go` (`EvaluateResult`: a failureCondition alone
    /// decides Successful when false; both false is Inconclusive; an evaluation error is an
    /// Error), `metricproviders/prometheus/prometheus.go` (`processResponse`: a vector becomes
    /// `[]float64`, an empty one `[]`), `analysis/analysis.go` (`consecutiveErrorLimit`,
    /// default 4); expr-lang `all`/`any` on an empty list (true/false, checked against
    /// expr v1.15.5 and v1.17.8); Prometheus `promql/engine.go` and `promql/functions.go`
    /// for where NaN comes from; argo-rollouts #1466, #459.
    pub struct PrometheusNanGuard {
        code: "CL603",
        name: "prometheus-nan-guard",
        category: Correctness,
        summary: "a Prometheus condition handles no data and NaN where the query can return them; error only where they make the gate pass",
    }
}

/// What one condition does with no data or NaN, if it does not test for them.
struct Verdict {
    /// The gate passes (fail-open).
    passes: bool,
    /// What happens, in words.
    effects: Vec<&'static str>,
    /// What the condition does not test for.
    missing: Vec<&'static str>,
}

fn verdict(
    field: &str,
    used: &ResultUse,
    shape: &QueryShape,
    other_condition: bool,
) -> Option<Verdict> {
    let success = field == "successCondition";
    let mut v = Verdict {
        passes: false,
        effects: Vec::new(),
        missing: Vec::new(),
    };
    if shape.may_be_empty && !used.tests_len {
        if used.uses("all") {
            v.missing.push("no data (`len(result)`)");
            if success {
                v.passes = true;
                v.effects
                    .push("`all(...)` is true on an empty result, so with no data the gate passes");
            } else {
                v.effects.push(
                    "`all(...)` is true on an empty result, so with no data the measurement fails",
                );
            }
        } else if used.uses("any") && !success {
            v.missing.push("no data (`len(result)`)");
            if other_condition {
                v.effects.push("`any(...)` is false on an empty result, so with no data the measurement is decided by the successCondition alone");
            } else {
                v.passes = true;
                v.effects.push("`any(...)` is false on an empty result, so with no data the measurement is Successful");
            }
        } else if used.indexes {
            v.missing.push("no data (`len(result)`)");
            v.effects.push("with no data `result[0]` is an evaluation Error, and five in a row abort the Rollout");
        }
    }
    if shape.may_be_nan && !used.tests_nan_of_element && (used.indexes || used.as_list()) {
        v.missing.push("NaN (`isNaN(result[0])`)");
        if other_condition {
            v.effects.push("NaN makes both conditions false: the measurement is Inconclusive and the Rollout pauses");
        } else if success {
            v.effects.push(
                "NaN makes it false: the measurement fails (a canary with no traffic aborts)",
            );
        } else {
            v.passes = true;
            v.effects.push("NaN makes it false and it is the only condition: the measurement is Successful (a canary with no traffic, or serving only errors to a 0/0 ratio, passes)");
        }
    }
    (!v.missing.is_empty()).then_some(v)
}

impl Rule for PrometheusNanGuard {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for gate in prom_gates(cx) {
            if !matches!(gate.shape.kind, ResultKind::Vector | ResultKind::Matrix) {
                continue;
            }
            let metric = gate.metric;
            for (field, condition, other) in [
                (
                    "successCondition",
                    &metric.success_condition,
                    &metric.failure_condition,
                ),
                (
                    "failureCondition",
                    &metric.failure_condition,
                    &metric.success_condition,
                ),
            ] {
                let Some(condition) = condition else {
                    continue;
                };
                let used = result_use(condition);
                if used.as_number.is_some() || used.number_test_on_result {
                    // Read as a number: CL604 reports it.
                    continue;
                }
                let Some(v) = verdict(field, &used, &gate.shape, other.is_some()) else {
                    continue;
                };
                let pointer = format!("/spec/metrics/{}/{field}", gate.index);
                let (severity, tail) = if v.passes {
                    (Severity::Error, "")
                } else {
                    (
                        Severity::Warning,
                        " (this fails closed: no broken canary passes, but a healthy one with little traffic can abort or pause)",
                    )
                };
                out.push(
                    cx.at_value(
                        &Self::META,
                        gate.doc,
                        &pointer,
                        format!(
                            "{field} of metric `{}` does not test for {}, which its query can return: {}{tail}",
                            metric.name,
                            v.missing.join(" or "),
                            v.effects.join("; ")
                        ),
                    )
                    .with_severity(severity)
                    .with_help(
                        "say what no data and NaN mean: `len(result) == 0 || all(result, isNaN(#) || # <= X)` passes them, `len(result) > 0 && all(result, !isNaN(#) && # <= X)` fails them",
                    ),
                );
            }
        }
    }
}

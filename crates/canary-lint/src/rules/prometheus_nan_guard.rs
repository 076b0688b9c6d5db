//! CL603: Prometheus conditions guard `result[0]` against empty results and NaN.

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::template_use::all_templates;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// For every metric with `provider.prometheus`:
    ///
    /// - a `successCondition` or `failureCondition` that indexes the result vector
    ///   (`result[0]`) also tests `len(result)` (empty result) and `isNaN(result[0])` (NaN);
    /// - a `failureCondition` without a `successCondition`, on a query that divides (`/`,
    ///   a ratio), tests `isNaN(...)`.
    ///
    /// ## Why it matters
    ///
    /// A vector query returns `[]` when no series match (a new canary with no traffic yet, a
    /// renamed label): `result[0]` is then an evaluation Error, and five Errors in a row
    /// (the default `consecutiveErrorLimit` of 4) abort the Rollout (argo-rollouts #1466).
    /// A ratio returns NaN for 0/0, and every comparison with NaN is false: a
    /// `successCondition` alone marks the measurement Failed, both conditions give
    /// Inconclusive (the Rollout pauses), and a `failureCondition` alone marks it
    /// **Successful**: a canary serving no traffic passes its error-rate gate.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// failureCondition: result[0] > 0.05
    /// provider:
    ///   prometheus:
    ///     query: sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))
    /// ```
    ///
    /// ## Fix
    ///
    /// Decide what no data and NaN mean and say so:
    /// `successCondition: len(result) == 0 || isNaN(result[0]) || result[0] <= 0.05` treats
    /// them as a pass; `len(result) > 0 && !isNaN(result[0]) && result[0] <= 0.05` as a
    /// failure.
    ///
    /// ## Source
    ///
    /// argo-rollouts `utils/evaluate/evaluate.go` (classification of success/failure
    /// conditions, `isNaN`) and `metricproviders/prometheus/prometheus.go`
    /// (`processResponse`: a vector becomes `[]float64`); argo-rollouts #1466 and PR #1481
    /// (the `len(result)` guards in `docs/features/analysis.md`), PR #977 (`isNaN`/`isInf`),
    /// #459 (NaN handling).
    pub struct PrometheusNanGuard {
        code: "CL603",
        name: "prometheus-nan-guard",
        category: Correctness,
        summary: "Prometheus conditions guard result[0] against empty results and NaN; failureCondition alone on a ratio passes NaN",
    }
}

/// The condition without whitespace, for pattern tests.
fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Does the condition index the result vector (`result[0]`, `result[1]`, …)?
fn indexes(c: &str) -> bool {
    let c = compact(c);
    c.match_indices("result[")
        .any(|(i, m)| c[i + m.len()..].starts_with(|ch: char| ch.is_ascii_digit()))
}

/// Does the query divide, outside quoted label values?
fn is_ratio(query: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for c in query.chars() {
        match quote {
            Some(q) if c == q && prev != '\\' => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' || c == '`' => quote = Some(c),
            None if c == '/' => return true,
            None => {}
        }
        prev = c;
    }
    false
}

impl Rule for PrometheusNanGuard {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, template) in all_templates(cx.repo) {
            for (i, metric) in template.spec.metrics.iter().enumerate() {
                let Some(prom) = &metric.provider.prometheus else {
                    continue;
                };
                let failure_alone_on_ratio = metric.success_condition.is_none()
                    && metric.failure_condition.is_some()
                    && is_ratio(&prom.query);
                for (field, condition) in [
                    ("successCondition", &metric.success_condition),
                    ("failureCondition", &metric.failure_condition),
                ] {
                    let Some(condition) = condition else {
                        continue;
                    };
                    let c = compact(condition);
                    let has_len = c.contains("len(result)");
                    let has_nan = c.contains("isNaN(result");
                    let pointer = format!("/spec/metrics/{i}/{field}");
                    if field == "failureCondition" && failure_alone_on_ratio && !has_nan {
                        out.push(
                            cx.at_value(
                                &Self::META,
                                doc,
                                &pointer,
                                format!(
                                    "metric `{}` has only a failureCondition on a ratio query: when the ratio is NaN (0/0, no traffic) the condition is false and the measurement passes silently",
                                    metric.name
                                ),
                            )
                            .with_help(
                                "write a successCondition that handles NaN explicitly, e.g. `len(result) > 0 && !isNaN(result[0]) && result[0] <= 0.05`, or add `isNaN(result[0]) ||` to the failureCondition",
                            ),
                        );
                        if !indexes(condition) || has_len {
                            continue;
                        }
                        out.push(
                            cx.at_value(
                                &Self::META,
                                doc,
                                &pointer,
                                format!(
                                    "{field} of metric `{}` reads result[0] without checking len(result): an empty result is an evaluation Error, and five in a row abort the Rollout",
                                    metric.name
                                ),
                            )
                            .with_help("guard it: `len(result) > 0 && …` (no data fails) or `len(result) == 0 || …` (no data passes)"),
                        );
                        continue;
                    }
                    if !indexes(condition) {
                        continue;
                    }
                    let mut missing = Vec::new();
                    if !has_len {
                        missing.push("an empty result (`len(result)`)");
                    }
                    if !has_nan {
                        missing.push("NaN (`isNaN(result[0])`)");
                    }
                    if missing.is_empty() {
                        continue;
                    }
                    let effect = match (has_len, has_nan) {
                        (false, false) => {
                            "no data is an evaluation Error (five in a row abort the Rollout) and NaN makes every comparison false"
                        }
                        (false, true) => {
                            "no data is an evaluation Error, and five in a row abort the Rollout"
                        }
                        _ if metric.success_condition.is_some()
                            && metric.failure_condition.is_some() =>
                        {
                            "NaN makes both conditions false, so the measurement is Inconclusive and the Rollout pauses"
                        }
                        _ if field == "successCondition" => {
                            "NaN makes it false, so the measurement fails on 0/0 (no traffic)"
                        }
                        _ => "NaN makes it false, so the measurement passes on 0/0 (no traffic)",
                    };
                    out.push(
                        cx.at_value(
                            &Self::META,
                            doc,
                            &pointer,
                            format!(
                                "{field} of metric `{}` reads result[0] without guarding against {}: {effect}",
                                metric.name,
                                missing.join(" or ")
                            ),
                        )
                        .with_help(
                            "say what no data and NaN mean: `len(result) == 0 || isNaN(result[0]) || result[0] <= X` passes them, `len(result) > 0 && !isNaN(result[0]) && result[0] <= X` fails them",
                        ),
                    );
                }
            }
        }
    }
}

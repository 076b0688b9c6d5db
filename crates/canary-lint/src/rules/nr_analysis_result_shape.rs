//! CL710: a New Relic metric condition does not compare a nested value (`percentile()`,
//! `uniques()`, `histogram()`) as a number.

use canary_core::nrql::nested_values;

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::locate::{occurrences_before, span_in_value};
use crate::facts::newrelic::{analysis_queries, keys_read};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// For every metric with `provider.newRelic`, each key its `successCondition` or
    /// `failureCondition` reads (`result.key`, `result['key']`, `result[0].key`) that holds
    /// the value of `percentile()`, `uniques()` or `histogram()` in the query (its `AS`
    /// alias, or the un-aliased key such as `percentile.duration`) is used as a whole: compared,
    /// added, passed to a function. Reading into it (`result.p['95.0']`), counting it
    /// (`len(result.hosts)`) and testing it against `nil` are not reported.
    ///
    /// ## Why it matters
    ///
    /// These functions do not return a number: `percentile()` returns a map from each
    /// requested percentile to its value, `uniques()` a list of values, `histogram()` a list of
    /// bucket counts. Argo hands the row to the condition as it is, so `result.value <= 1.5`
    /// compares a map with a number, the expression errors on every measurement, and the
    /// Rollout aborts after `consecutiveErrorLimit` (default 4) + 1 errors, whatever the
    /// canary does.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// successCondition: result.value <= 1.5
    /// provider:
    ///   newRelic:
    ///     query: "SELECT percentile(duration, 99) AS 'value' FROM Transaction SINCE 10 minutes ago"
    /// ```
    ///
    /// ## Fix
    ///
    /// Gate on a number. `percentile(duration, 99) <= 1.5` is the same gate as "at most 1% of
    /// requests slower than 1.5 s": `SELECT percentage(count(*), WHERE duration > 1.5) / 100
    /// AS 'value'` with `result.value <= 0.01`. For `uniques()`, use `uniqueCount()`.
    ///
    /// ## Source
    ///
    /// argo-rollouts `metricproviders/newrelic/newrelic.go` (`processResponse`: one row, an
    /// `nrdb.NRDBResult` map, goes to the evaluator as it is) and `utils/evaluate/evaluate.go`
    /// (`EvalCondition`: a run-time error is an Error measurement); the NRQL reference
    /// (newrelic/docs-website `nrql-syntax-clauses-functions.mdx`: `percentile()` "maps each
    /// percentile to its calculated value", `uniques()` returns "a list of unique values");
    /// issue 12, defect 4. The JSON NerdGraph returns for these functions was not re-checked.
    pub struct NrAnalysisResultShape {
        code: "CL710",
        name: "nr-analysis-result-shape",
        category: Correctness,
        summary: "a New Relic metric condition does not compare a percentile(), uniques() or histogram() value as a number",
    }
}

/// Does the text after a key access read into the value or test it for nil?
fn reads_inside_or_tests_nil(after: &str) -> bool {
    let rest = after
        .strip_prefix(['\'', '"'])
        .and_then(|r| r.strip_prefix(']'))
        .unwrap_or(after)
        .trim_start();
    if rest.starts_with(['[', '.']) {
        return true;
    }
    ["==", "!="].iter().any(|op| {
        rest.strip_prefix(op)
            .is_some_and(|r| r.trim_start().starts_with("nil"))
    })
}

impl Rule for NrAnalysisResultShape {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for q in analysis_queries(cx.repo) {
            let nested = nested_values(&q.query);
            if nested.is_empty() {
                continue;
            }
            let (doc, metric) = (q.doc, q.metric);
            for (field, pointer, condition) in q.conditions() {
                let mut reported: Vec<&str> = Vec::new();
                for (key, offset) in keys_read(condition) {
                    let Some(value) = nested.iter().find(|n| n.key == key) else {
                        continue;
                    };
                    let after = condition.get(offset + key.len()..).unwrap_or("");
                    let before = condition.get(..offset).unwrap_or("");
                    let counted = before
                        .rfind("result")
                        .is_some_and(|at| before[..at].trim_end().ends_with("len("));
                    if counted
                        || reads_inside_or_tests_nil(after)
                        || reported.contains(&value.key.as_str())
                    {
                        continue;
                    }
                    reported.push(&value.key);
                    let occurrence = occurrences_before(condition, offset, &key);
                    let span = span_in_value(cx, doc, &pointer, &key, occurrence);
                    out.push(
                            Diagnostic::new(
                                &Self::META,
                                cx.repo.file_of(doc).rel.clone(),
                                span,
                                format!(
                                    "{field} of metric `{}` uses `{key}` as a number, but the query's `{}()` returns {} there: the condition errors on every measurement, so the Rollout aborts",
                                    metric.name, value.function, value.returns
                                ),
                            )
                            .with_help(match value.function {
                                "percentile" => "gate on a number: `percentile(duration, 99) <= 1.5` is `percentage(count(*), WHERE duration > 1.5) / 100 AS 'value'` with `result.value <= 0.01`",
                                "uniques" => "count them instead: `uniqueCount(…)`",
                                _ => "gate on a number, e.g. `percentage(count(*), WHERE …) / 100` or `average(…)`",
                            })
                            .with_related(cx.related(
                                doc,
                                &q.query_pointer(),
                                crate::context::Target::Value,
                                "the query",
                            )),
                        );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reads_inside_or_tests_nil;

    #[test]
    fn reading_inside_or_nil_tests_are_not_numbers() {
        assert!(reads_inside_or_tests_nil("['95.0'] <= 1.5"));
        assert!(reads_inside_or_tests_nil("'][\"95.0\"] <= 1.5"));
        assert!(reads_inside_or_tests_nil(" == nil || x"));
        assert!(!reads_inside_or_tests_nil(" <= 1.5"));
        assert!(!reads_inside_or_tests_nil("'] <= 1.5"));
    }
}

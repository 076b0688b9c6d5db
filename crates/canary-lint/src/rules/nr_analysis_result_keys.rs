//! CL708: every `result.<key>` a New Relic metric condition reads is returned by its query.

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::locate::{occurrences_before, span_in_value};
use crate::facts::newrelic::{analysis_queries, keys_read, result_keys};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// For every metric with `provider.newRelic`, each key its `successCondition` or
    /// `failureCondition` reads (`result.key`, `result['key']`, `result[0].key`,
    /// `result[0]['key']`) is a key the query returns: an `AS` alias, a function key
    /// (`count(*)` → `count`, `average(duration)` → `average.duration`), a bare attribute, or
    /// a FACET attribute (plus `facet`). When the SELECT list has an item whose key cannot be
    /// derived (an un-aliased expression such as `a / b`, or `*`), the metric is skipped.
    ///
    /// ## Why it matters
    ///
    /// A missing key makes the expression read `nil`; comparisons with `nil` fail or error,
    /// so the measurement is Failed or Error on every run and the canary aborts for a typo.
    /// Worse, a condition written as `result.x == nil || …` passes forever. The keys of
    /// un-aliased functions (`average.duration`) are not what people expect.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// successCondition: result.successRate >= 0.95
    /// provider:
    ///   newRelic:
    ///     query: "SELECT percentage(count(*), WHERE error IS false) AS success_rate FROM Transaction SINCE 5 minutes ago"
    /// ```
    ///
    /// ## Fix
    ///
    /// Alias every value the condition reads (`AS successRate`) and use the same spelling in
    /// the condition; keys are case-sensitive.
    ///
    /// ## Source
    ///
    /// argo-rollouts `metricproviders/newrelic/newrelic.go` (results become a map, or a list
    /// of maps, keyed as NerdGraph returns them) and `docs/analysis/newrelic.md` (`as
    /// successRate`, `result['average.duration']`); `newrelic_test.go` (`result.count`,
    /// `result[0].count`).
    pub struct NrAnalysisResultKeys {
        code: "CL708",
        name: "nr-analysis-result-keys",
        category: Correctness,
        summary: "every result key a New Relic metric condition reads is returned by its query",
    }
}

impl Rule for NrAnalysisResultKeys {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for q in analysis_queries(cx.repo) {
            let returned = result_keys(&q.query);
            if !returned.complete {
                continue;
            }
            for (field, pointer, condition) in q.conditions() {
                for (key, offset) in keys_read(condition) {
                    if returned.keys.contains(&key) {
                        continue;
                    }
                    let occurrence = occurrences_before(condition, offset, &key);
                    let span = span_in_value(cx, q.doc, &pointer, &key, occurrence);
                    let near = returned.keys.iter().find(|k| {
                        k.eq_ignore_ascii_case(&key)
                            || k.replace('_', "")
                                .eq_ignore_ascii_case(&key.replace('_', ""))
                    });
                    let help = match near {
                        Some(k) => format!(
                            "the query returns `{k}`; keys must match exactly (case and underscores)"
                        ),
                        None if returned.keys.is_empty() => {
                            "alias the value the condition reads, e.g. `SELECT count(*) AS value …`"
                                .to_string()
                        }
                        None => format!(
                            "the query returns {}; alias the value with `AS {key}` or read one of those",
                            returned
                                .keys
                                .iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    out.push(
                        Diagnostic::new(
                            &Self::META,
                            cx.repo.file_of(q.doc).rel.clone(),
                            span,
                            format!(
                                "{field} of metric `{}` reads `{key}`, which its New Relic query does not return",
                                q.metric.name
                            ),
                        )
                        .with_help(help)
                        .with_related(cx.related(
                            q.doc,
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

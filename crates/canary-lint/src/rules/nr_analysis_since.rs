//! CL707: an Argo Rollouts New Relic analysis query sets its time range with SINCE.

use canary_core::nrql::nrql_has_keyword;

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::newrelic::analysis_queries;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Every `provider.newRelic.query` of an AnalysisTemplate or ClusterAnalysisTemplate
    /// metric has an explicit `SINCE` clause (after substituting template arg defaults).
    ///
    /// ## Why it matters
    ///
    /// NRQL without `SINCE` covers the last hour. A canary gate measured every minute over
    /// an hour of mostly stable traffic barely moves when the canary misbehaves: a 10%
    /// canary failing every request for five minutes shows up as under 1% errors, so a bad
    /// release passes its gate. The query still runs, which is why this is a warning rather
    /// than an error.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// provider:
    ///   newRelic:
    ///     query: "SELECT percentage(count(*), WHERE error IS true) AS errorRate FROM Transaction WHERE appName = 'api'"
    /// ```
    ///
    /// ## Fix
    ///
    /// Add a window close to the metric's `interval`, e.g. `SINCE 5 minutes ago`.
    ///
    /// ## Source
    ///
    /// NRQL reference, `SINCE` ("default value is 1 hour ago"), and
    /// `nrql/using-nrql/query-time-range.mdx`; argo-rollouts `docs/analysis/newrelic.md` and
    /// `metricproviders/newrelic/newrelic.go` (the query is sent as written, no time range is
    /// added).
    pub struct NrAnalysisSince {
        code: "CL707",
        name: "nr-analysis-since",
        category: Suspicious,
        summary: "a New Relic analysis query has an explicit SINCE (the default is the last hour)",
    }
}

impl Rule for NrAnalysisSince {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for q in analysis_queries(cx.repo) {
            if nrql_has_keyword(&q.query, "SINCE") {
                continue;
            }
            out.push(
                cx.at_value(
                    &Self::META,
                    q.doc,
                    &q.query_pointer(),
                    format!(
                        "the New Relic query of metric `{}` has no SINCE, so it measures the last hour and dilutes the canary's signal",
                        q.metric.name
                    ),
                )
                .with_help("add a window close to the metric's interval, e.g. `SINCE 5 minutes ago`"),
            );
        }
    }
}

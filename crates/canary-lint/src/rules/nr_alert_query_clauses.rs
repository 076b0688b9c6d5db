//! CL705: alert NRQL has no SINCE, UNTIL, TIMESERIES, LIMIT, COMPARE WITH or SLIDE BY.

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::locate::span_in_value;
use crate::facts::newrelic::{conditions, keyword_range};
use crate::rule::{Rule, RuleMeta};

/// Clauses an alert query must not have, with what to do instead.
const FORBIDDEN: [(&str, &str); 6] = [
    (
        "SINCE",
        "the aggregation window sets the time range; remove it",
    ),
    (
        "UNTIL",
        "the aggregation window sets the time range; remove it",
    ),
    (
        "TIMESERIES",
        "the aggregation window replaces TIMESERIES; remove it",
    ),
    (
        "LIMIT",
        "faceted alert queries get the maximum number of facets; remove it",
    ),
    (
        "COMPARE WITH",
        "use a baseline condition for comparisons; remove it",
    ),
    (
        "SLIDE BY",
        "use `signal.slideBy` for sliding windows; remove it from the query",
    ),
];

declare_rule! {
    /// ## What it checks
    ///
    /// The `nrql.query` of every NRQL alert condition contains none of the keywords `SINCE`,
    /// `UNTIL`, `TIMESERIES`, `LIMIT`, `COMPARE WITH` and `SLIDE BY` (outside quoted
    /// strings, any case). Each one found is reported at the keyword itself.
    ///
    /// ## Why it matters
    ///
    /// Alert conditions evaluate a never-ending stream of windows, so these clauses have no
    /// meaning there. NerdGraph rejects the condition (`nrql.query: NRQL query must not
    /// contain [SINCE] keyword(s)`); queries copied from a dashboard chart are the usual
    /// source, because the UI strips these clauses but the API does not.
    ///
    /// ## Example
    ///
    /// ```json
    /// "nrql": {"query": "SELECT count(*) FROM TransactionError WHERE appName = 'api' SINCE 5 minutes ago"}
    /// ```
    ///
    /// ## Fix
    ///
    /// Delete the clause; set the window with `signal.aggregationWindow` and sliding windows
    /// with `signal.slideBy`.
    ///
    /// ## Source
    ///
    /// terraform-provider-newrelic #2782 (the API error text); New Relic docs
    /// `create-nrql-alert-conditions.mdx#reformatting` (docs PR #5077);
    /// newrelic-quickstarts PR #1467 (SINCE removed) and PR #2190 (TIMESERIES removed).
    pub struct NrAlertQueryClauses {
        code: "CL705",
        name: "nr-alert-query-clauses",
        category: Correctness,
        summary: "New Relic alert NRQL has no SINCE, UNTIL, TIMESERIES, LIMIT, COMPARE WITH or SLIDE BY",
    }
}

impl Rule for NrAlertQueryClauses {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, condition) in conditions(cx.repo) {
            let query = &condition.nrql.query;
            for (keyword, help) in FORBIDDEN {
                let Some(range) = keyword_range(query, keyword) else {
                    continue;
                };
                let written = &query[range.clone()];
                let occurrence =
                    crate::facts::locate::occurrences_before(query, range.start, written);
                let span = span_in_value(cx, doc, "/nrql/query", written, occurrence);
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        cx.repo.file_of(doc).rel.clone(),
                        span,
                        format!(
                            "alert query of `{}` contains {keyword}; NerdGraph rejects it (`NRQL query must not contain [{keyword}] keyword(s)`)",
                            condition.name
                        ),
                    )
                    .with_help(help),
                );
            }
        }
    }
}

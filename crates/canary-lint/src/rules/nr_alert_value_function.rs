//! CL706: no `valueFunction` in a New Relic alert condition.

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::newrelic::conditions;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// No NRQL alert condition file has a `valueFunction` field.
    ///
    /// ## Why it matters
    ///
    /// `valueFunction` (`SINGLE_VALUE` / `SUM`) was removed from the NerdGraph input types.
    /// It still appears in older example mutations, but sending it now fails the mutation
    /// with an unknown-field error. The condition was always evaluated on the query's single
    /// aggregate, so the field never did anything useful.
    ///
    /// ## Example
    ///
    /// ```json
    /// {"name": "errors", "valueFunction": "SINGLE_VALUE", "nrql": {"query": "SELECT count(*) FROM TransactionError"}}
    /// ```
    ///
    /// ## Fix
    ///
    /// Delete the field; put any aggregation in the query (`SELECT sum(x) …`).
    ///
    /// ## Source
    ///
    /// newrelic-client-go commit 8327dbc3 ("feat: Remove value_function from NRQL Alert
    /// Conditions", first released in v2.10.0); terraform-provider-newrelic v3.11.0
    /// CHANGELOG ("Remove value_function from nrql alert condition resource").
    pub struct NrAlertValueFunction {
        code: "CL706",
        name: "nr-alert-value-function",
        category: Correctness,
        summary: "no `valueFunction` in a New Relic alert condition (removed from the API)",
    }
}

impl Rule for NrAlertValueFunction {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, condition) in conditions(cx.repo) {
            if cx.repo.located(doc).at("/valueFunction").is_none() {
                continue;
            }
            out.push(
                cx.at_key(
                    &Self::META,
                    doc,
                    "/valueFunction",
                    format!(
                        "alert condition `{}` sets `valueFunction`, which was removed from the NerdGraph API",
                        condition.name
                    ),
                )
                .with_help("delete the field; the condition evaluates the query's single aggregate"),
            );
        }
    }
}

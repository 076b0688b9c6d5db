//! CL702: a New Relic alert condition has 1–2 terms, at most one per priority.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::newrelic::conditions;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Every NRQL alert condition has one or two `terms`, at most one per priority (a term
    /// without `priority` counts as `CRITICAL`, NerdGraph's default). A condition without
    /// terms is accepted only when `expiration.openViolationOnExpiration` is `true` (a pure
    /// loss-of-signal condition).
    ///
    /// ## Why it matters
    ///
    /// New Relic allows one Critical and one Warning threshold per condition; a third term or
    /// a second `CRITICAL` fails the mutation, and a condition with neither terms nor a
    /// loss-of-signal trigger fails validation. All of these surface only when the deploy job
    /// calls NerdGraph.
    ///
    /// ## Example
    ///
    /// ```json
    /// "terms": [
    ///   {"priority": "CRITICAL", "operator": "ABOVE", "threshold": 5, "thresholdDuration": 300},
    ///   {"priority": "CRITICAL", "operator": "ABOVE", "threshold": 1, "thresholdDuration": 300}
    /// ]
    /// ```
    ///
    /// ## Fix
    ///
    /// Keep one `CRITICAL` term and, optionally, one `WARNING` term; make the lower threshold
    /// the warning. Split anything else into a second condition.
    ///
    /// ## Source
    ///
    /// New Relic docs `alerts/admin/rules-limits-alerts.mdx` ("1 Warning and 1 Critical"
    /// threshold per condition) and the static NRQL condition workflow docs (terms or
    /// `openViolationOnExpiration` are required); newrelic-client-go
    /// `pkg/alerts/nrql_conditions.go` (`NrqlConditionTerm`).
    pub struct NrAlertTerms {
        code: "CL702",
        name: "nr-alert-terms",
        category: Correctness,
        summary: "a New Relic alert condition has 1-2 terms, at most one per priority",
    }
}

impl Rule for NrAlertTerms {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, condition) in conditions(cx.repo) {
            let terms = &condition.terms;
            if terms.is_empty() {
                let loss_of_signal = condition
                    .expiration
                    .as_ref()
                    .and_then(|e| e.open_violation_on_expiration)
                    == Some(true);
                if !loss_of_signal {
                    let pointer = if cx.repo.located(doc).at("/terms").is_some() {
                        "/terms"
                    } else {
                        "/nrql"
                    };
                    out.push(
                        cx.at(
                            &Self::META,
                            doc,
                            pointer,
                            Target::Key,
                            format!(
                                "alert condition `{}` has no terms and does not open incidents on loss of signal, so it can never fire",
                                condition.name
                            ),
                        )
                        .with_help("add a CRITICAL term, or set `expiration.openViolationOnExpiration: true` with an `expirationDuration`"),
                    );
                }
                continue;
            }
            if terms.len() > 2 {
                out.push(
                    cx.at_key(
                        &Self::META,
                        doc,
                        "/terms",
                        format!("alert condition `{}` has {} terms; New Relic allows at most 2 (one CRITICAL, one WARNING)", condition.name, terms.len()),
                    )
                    .with_help("keep one CRITICAL and one WARNING term; move other thresholds to another condition"),
                );
            }
            let mut seen: Vec<(String, usize)> = Vec::new();
            for (i, term) in terms.iter().enumerate() {
                let priority = term
                    .priority
                    .as_deref()
                    .unwrap_or("CRITICAL")
                    .to_ascii_uppercase();
                if let Some((_, first)) = seen.iter().find(|(p, _)| *p == priority) {
                    let pointer = if term.priority.is_some() {
                        format!("/terms/{i}/priority")
                    } else {
                        format!("/terms/{i}")
                    };
                    out.push(
                        cx.at_value(
                            &Self::META,
                            doc,
                            &pointer,
                            format!("a second {priority} term: a condition has at most one term per priority"),
                        )
                        .with_help("make one of them the WARNING term, or merge them")
                        .with_related(cx.related(
                            doc,
                            &format!("/terms/{first}"),
                            Target::Value,
                            format!("the first {priority} term"),
                        )),
                    );
                } else {
                    seen.push((priority, i));
                }
            }
        }
    }
}

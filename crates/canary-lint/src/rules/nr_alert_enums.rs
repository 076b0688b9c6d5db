//! CL701: New Relic alert condition enum fields hold values NerdGraph accepts.

use canary_core::model::newrelic::{
    AGGREGATION_METHODS, FILL_OPTIONS, OCCURRENCES, OPERATORS, PRIORITIES,
};

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::newrelic::conditions;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// In every NRQL alert condition file (`AlertsNrqlConditionStaticInput` JSON), the enum
    /// fields hold one of the values NerdGraph defines, spelled exactly (upper case):
    ///
    /// - `terms[].operator`: `ABOVE`, `ABOVE_OR_EQUALS`, `BELOW`, `BELOW_OR_EQUALS`, `EQUALS`,
    ///   `NOT_EQUALS`;
    /// - `terms[].priority`: `CRITICAL`, `WARNING`;
    /// - `terms[].thresholdOccurrences`: `ALL`, `AT_LEAST_ONCE`;
    /// - `signal.aggregationMethod`: `EVENT_FLOW`, `EVENT_TIMER`, `CADENCE`;
    /// - `signal.fillOption`: `NONE`, `LAST_VALUE`, `STATIC`.
    ///
    /// ## Why it matters
    ///
    /// GraphQL enums are strict: `"above"` or `"GREATER_THAN"` fails the whole mutation with
    /// a `BAD_USER_INPUT` validation error at deploy time, and the alert is never created.
    /// Terraform accepts lower case (it upper-cases for you), which is how the wrong spelling
    /// gets copied into raw NerdGraph JSON.
    ///
    /// ## Example
    ///
    /// ```json
    /// "terms": [{"priority": "critical", "operator": "GREATER_THAN", "threshold": 0}]
    /// ```
    ///
    /// ## Fix
    ///
    /// Use the upper-case NerdGraph value (`CRITICAL`, `ABOVE`, …).
    ///
    /// ## Source
    ///
    /// newrelic-client-go `pkg/alerts/types.go` (`AlertsNRQLConditionTermsOperatorTypes`,
    /// `NrqlConditionPriorities`, `ThresholdOccurrences`,
    /// `NrqlConditionAggregationMethodTypes`, `AlertsFillOptionTypes`); the NerdGraph NRQL
    /// condition docs (`nerdgraph-api-nrql-condition-alerts.mdx`).
    pub struct NrAlertEnums {
        code: "CL701",
        name: "nr-alert-enums",
        category: Correctness,
        summary: "New Relic alert operator, priority, occurrences, aggregation method and fill option are valid",
    }
}

impl Rule for NrAlertEnums {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, condition) in conditions(cx.repo) {
            let mut fields: Vec<(String, &str, &[&str], &str)> = Vec::new();
            for (i, term) in condition.terms.iter().enumerate() {
                let p = format!("/terms/{i}");
                if let Some(v) = &term.operator {
                    fields.push((format!("{p}/operator"), v, &OPERATORS, "terms[].operator"));
                }
                if let Some(v) = &term.priority {
                    fields.push((format!("{p}/priority"), v, &PRIORITIES, "terms[].priority"));
                }
                if let Some(v) = &term.threshold_occurrences {
                    fields.push((
                        format!("{p}/thresholdOccurrences"),
                        v,
                        &OCCURRENCES,
                        "terms[].thresholdOccurrences",
                    ));
                }
            }
            if let Some(signal) = &condition.signal {
                if let Some(v) = &signal.aggregation_method {
                    fields.push((
                        "/signal/aggregationMethod".into(),
                        v,
                        &AGGREGATION_METHODS,
                        "signal.aggregationMethod",
                    ));
                }
                if let Some(v) = &signal.fill_option {
                    fields.push((
                        "/signal/fillOption".into(),
                        v,
                        &FILL_OPTIONS,
                        "signal.fillOption",
                    ));
                }
            }
            for (pointer, value, allowed, field) in fields {
                if allowed.contains(&value) {
                    continue;
                }
                let upper = value.trim().to_ascii_uppercase();
                let help = if allowed.contains(&upper.as_str()) {
                    format!("write `{upper}`: NerdGraph enums are upper case")
                } else {
                    format!("use one of {}", allowed.join(", "))
                };
                out.push(
                    cx.at_value(
                        &Self::META,
                        doc,
                        &pointer,
                        format!(
                            "`{value}` is not a valid {field}; NerdGraph rejects the condition"
                        ),
                    )
                    .with_help(help),
                );
            }
        }
    }
}

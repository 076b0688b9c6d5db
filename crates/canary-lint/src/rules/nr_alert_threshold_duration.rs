//! CL703: thresholdDuration is a multiple of the aggregation window and in range.

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::newrelic::conditions;
use crate::rule::{Rule, RuleMeta};

/// NerdGraph's default `signal.aggregationWindow`, seconds.
const DEFAULT_WINDOW: i64 = 60;

declare_rule! {
    /// ## What it checks
    ///
    /// In every NRQL alert condition, `signal.aggregationWindow` (default 60) is within
    /// 30..=21600 seconds, and each term's `thresholdDuration` is within 60..=86400 seconds
    /// and a whole multiple of the aggregation window.
    ///
    /// ## Why it matters
    ///
    /// The API rejects the condition with `Term duration must be a multiple of the
    /// aggregation window (120 seconds) but was 300 seconds` (`BAD_USER_INPUT`). Terraform
    /// no longer checks it at plan time, so the failure appears only at apply, often in a
    /// pipeline that already shipped the canary.
    ///
    /// ## Example
    ///
    /// ```json
    /// "terms": [{"priority": "CRITICAL", "operator": "ABOVE", "threshold": 0, "thresholdDuration": 300}],
    /// "signal": {"aggregationWindow": 120}
    /// ```
    ///
    /// ## Fix
    ///
    /// Make `thresholdDuration` a multiple of the window (240 or 360 here), or change the
    /// window.
    ///
    /// ## Source
    ///
    /// terraform-provider-newrelic #2018 (the API error text) and #1613 / PR #1630 (the old
    /// client-side check was removed); `website/docs/r/nrql_alert_condition.html.markdown`
    /// (threshold duration 60–86400 s for static conditions); New Relic docs
    /// `streaming-alerts-key-terms-concepts.mdx` (windows from 30 seconds to 6 hours).
    pub struct NrAlertThresholdDuration {
        code: "CL703",
        name: "nr-alert-threshold-duration",
        category: Correctness,
        summary: "thresholdDuration is a multiple of aggregationWindow, both within New Relic's ranges",
    }
}

impl Rule for NrAlertThresholdDuration {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, condition) in conditions(cx.repo) {
            let explicit = condition.signal.as_ref().and_then(|s| s.aggregation_window);
            let window = explicit.unwrap_or(DEFAULT_WINDOW);
            let window_ok = (30..=21600).contains(&window);
            if !window_ok {
                out.push(
                    cx.at_value(
                        &Self::META,
                        doc,
                        "/signal/aggregationWindow",
                        format!(
                            "aggregationWindow {window}s is outside New Relic's 30..=21600 seconds"
                        ),
                    )
                    .with_help("use a window between 30 seconds and 6 hours"),
                );
            }
            for (i, term) in condition.terms.iter().enumerate() {
                let Some(duration) = term.threshold_duration else {
                    continue;
                };
                let pointer = format!("/terms/{i}/thresholdDuration");
                if !(60..=86400).contains(&duration) {
                    out.push(
                        cx.at_value(
                            &Self::META,
                            doc,
                            &pointer,
                            format!("thresholdDuration {duration}s is outside New Relic's 60..=86400 seconds"),
                        )
                        .with_help("use a duration between 1 minute and 24 hours, a multiple of the aggregation window"),
                    );
                } else if window_ok && duration % window != 0 {
                    let below = duration / window * window;
                    let above = below + window;
                    let source = if explicit.is_some() {
                        "signal.aggregationWindow"
                    } else {
                        "the default aggregationWindow"
                    };
                    out.push(
                        cx.at_value(
                            &Self::META,
                            doc,
                            &pointer,
                            format!("thresholdDuration {duration}s is not a multiple of {source} ({window}s); the API rejects it (`Term duration must be a multiple of the aggregation window`)"),
                        )
                        .with_help(if below >= 60 {
                            format!("use {below} or {above}, or change the window")
                        } else {
                            format!("use {above}, or change the window")
                        }),
                    );
                }
            }
        }
    }
}

//! CL704: aggregationDelay and aggregationTimer match the aggregation method.

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::newrelic::conditions;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// In every NRQL alert condition's `signal`, `aggregationDelay` is set only with
    /// `aggregationMethod` `EVENT_FLOW` (the default; 0..=1200 s) or `CADENCE` (0..=3600 s),
    /// and `aggregationTimer` only with `EVENT_TIMER` (0..=1200 s). An unknown method is left to
    /// CL701.
    ///
    /// ## Why it matters
    ///
    /// Delay and timer belong to different streaming methods; NerdGraph rejects a timer with
    /// EVENT_FLOW or a delay with EVENT_TIMER, and out-of-range values, when the condition is
    /// created. Switching the method while leaving the other field behind is the usual way
    /// to get there.
    ///
    /// ## Example
    ///
    /// ```json
    /// "signal": {"aggregationMethod": "EVENT_TIMER", "aggregationDelay": 120}
    /// ```
    ///
    /// ## Fix
    ///
    /// With `EVENT_TIMER` use `aggregationTimer`; with `EVENT_FLOW` or `CADENCE` use
    /// `aggregationDelay`. Remove the other field.
    ///
    /// ## Source
    ///
    /// terraform-provider-newrelic `website/docs/r/nrql_alert_condition.html.markdown`
    /// (`aggregation_delay`: event_flow/cadence only, up to 1200/3600 s; `aggregation_timer`:
    /// event_timer only, up to 1200 s); New Relic docs `streaming-alerts-key-terms-concepts.mdx`.
    pub struct NrAlertDelayTimer {
        code: "CL704",
        name: "nr-alert-delay-timer",
        category: Correctness,
        summary: "aggregationDelay only with EVENT_FLOW/CADENCE, aggregationTimer only with EVENT_TIMER, in range",
    }
}

impl Rule for NrAlertDelayTimer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, condition) in conditions(cx.repo) {
            let Some(signal) = &condition.signal else {
                continue;
            };
            let method = signal.aggregation_method.as_deref().unwrap_or("EVENT_FLOW");
            let (delay_max, timer_ok) = match method {
                "EVENT_FLOW" => (Some(1200), false),
                "CADENCE" => (Some(3600), false),
                "EVENT_TIMER" => (None, true),
                _ => continue,
            };
            if let Some(delay) = signal.aggregation_delay {
                match delay_max {
                    None => out.push(
                        cx.at_key(
                            &Self::META,
                            doc,
                            "/signal/aggregationDelay",
                            "aggregationDelay does not apply to EVENT_TIMER; NerdGraph rejects it",
                        )
                        .with_help("use `aggregationTimer` with EVENT_TIMER, or switch the method to EVENT_FLOW or CADENCE"),
                    ),
                    Some(max) if !(0..=max).contains(&delay) => out.push(
                        cx.at_value(
                            &Self::META,
                            doc,
                            "/signal/aggregationDelay",
                            format!("aggregationDelay {delay}s is outside 0..={max} seconds for {method}"),
                        )
                        .with_help(format!("use at most {max} seconds (the default is 120)")),
                    ),
                    Some(_) => {}
                }
            }
            if let Some(timer) = signal.aggregation_timer {
                if !timer_ok {
                    out.push(
                        cx.at_key(
                            &Self::META,
                            doc,
                            "/signal/aggregationTimer",
                            format!("aggregationTimer only applies to EVENT_TIMER, not {method}; NerdGraph rejects it"),
                        )
                        .with_help("use `aggregationDelay` with EVENT_FLOW or CADENCE, or set `aggregationMethod: EVENT_TIMER`"),
                    );
                } else if !(0..=1200).contains(&timer) {
                    out.push(
                        cx.at_value(
                            &Self::META,
                            doc,
                            "/signal/aggregationTimer",
                            format!("aggregationTimer {timer}s is outside 0..=1200 seconds"),
                        )
                        .with_help("use at most 1200 seconds (the default is 60)"),
                    );
                }
            }
        }
    }
}

//! CL508: a metric's `interval` and `initialDelay` are Go durations.

use canary_core::model::values::{DurationError, DurationString};

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::analysis::{has_placeholder, metric_label, templates};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// `interval` and `initialDelay` of every metric parse with Go's `time.ParseDuration`:
    /// a number with a unit (`30s`, `5m`, `1h30m`; units `ns`, `us`, `ms`, `s`, `m`, `h`).
    /// A bare number (`60`) is not a duration here (unlike `pause.duration`), and there is no
    /// `d` unit. Values written as `{{args.x}}` are skipped.
    ///
    /// ## Why it matters
    ///
    /// The AnalysisRun errors as soon as it starts (`Analysis spec invalid: metrics[0]:
    /// invalid interval string: time: missing unit in duration "60"`, or `invalid startDelay
    /// string` for `initialDelay`) and the Rollout aborts. The CRD types both fields as plain
    /// strings, so nothing rejects them earlier.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// metrics:
    ///   - name: error-rate
    ///     interval: "60"        # needs a unit: 60s
    ///     initialDelay: 1d      # no `d`: 24h
    /// ```
    ///
    /// ## Fix
    ///
    /// Add the unit (`60s`), and write days as hours (`24h`).
    ///
    /// ## Source
    ///
    /// Argo Rollouts `utils/analysis/factory.go`, `ValidateMetric` ("invalid interval string",
    /// "invalid startDelay string"); `pkg/apis/rollouts/v1alpha1/analysis_types.go`,
    /// `DurationString.Duration` (Go `time.ParseDuration`).
    pub struct MetricDurations {
        code: "CL508",
        name: "metric-durations",
        category: Correctness,
        summary: "a metric's interval and initialDelay parse as Go durations",
    }
}

/// Why Go rejects `text`, and a rewrite when one is obvious.
fn explain(text: &str, error: &DurationError) -> Option<(String, String)> {
    let default_help = "write a number with a unit: 30s, 5m, 1h30m (units ns, us, ms, s, m, h)";
    Some(match error {
        // Go accepts negative durations; not this rule's business.
        DurationError::Negative(_) => return None,
        DurationError::MissingUnit(_) => (
            format!("`{text}` has no unit"),
            format!("write `{}s` for seconds", text.trim()),
        ),
        DurationError::UnknownUnit { unit, .. } if unit == "d" => {
            let days = text.trim().trim_end_matches('d');
            let help = match days.parse::<u64>() {
                Ok(n) => format!(
                    "write `{}h`; Go durations have no day unit",
                    n.saturating_mul(24)
                ),
                Err(_) => "write the days as hours; Go durations have no day unit".to_string(),
            };
            (
                format!("`{text}` uses `d`, which Go durations do not have"),
                help,
            )
        }
        DurationError::UnknownUnit { unit, .. } => (
            format!("`{text}` has unit `{unit}`, which Go durations do not know"),
            default_help.to_string(),
        ),
        DurationError::OutOfRange(_) => (
            format!(
                "`{text}` is longer than Go's longest duration, 2562047h47m16.854775807s \
                 (time.ParseDuration fails)"
            ),
            "write a shorter duration".to_string(),
        ),
        DurationError::Empty | DurationError::Invalid(_) => (
            format!("`{text}` is not a Go duration"),
            default_help.to_string(),
        ),
    })
}

impl Rule for MetricDurations {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, template) in templates(cx.repo) {
            for (i, metric) in template.spec.metrics.iter().enumerate() {
                let fields: [(&str, &str, Option<&DurationString>); 2] = [
                    ("interval", "interval", metric.interval.as_ref()),
                    ("initialDelay", "startDelay", metric.initial_delay.as_ref()),
                ];
                for (field, go_name, value) in fields {
                    let Some(value) = value else { continue };
                    // An empty string is "not set" in Go.
                    if value.0.is_empty() || has_placeholder(&value.0) {
                        continue;
                    }
                    let Err(error) = value.seconds() else {
                        continue;
                    };
                    let Some((why, help)) = explain(&value.0, &error) else {
                        continue;
                    };
                    out.push(
                        cx.at_value(
                            &Self::META,
                            doc,
                            &format!("/spec/metrics/{i}/{field}"),
                            format!(
                                "metric {}: {field} {why}; the AnalysisRun fails with \"Analysis spec invalid: metrics[{i}]: invalid {go_name} string: ...\" and the Rollout aborts",
                                metric_label(metric, i)
                            ),
                        )
                        .with_help(help),
                    );
                }
            }
        }
    }
}

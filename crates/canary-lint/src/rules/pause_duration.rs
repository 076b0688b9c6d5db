//! CL403: `pause.duration` is integer seconds, a digit string or a Go duration, not negative.

use canary_core::model::values::{DurationError, IntOrString};

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Every `pause.duration` of a canary step is one of:
    ///
    /// - an integer number of seconds (`30`),
    /// - a string of digits, also seconds (`"30"`),
    /// - a Go duration (`90s`, `10m`, `1h30m`; units `ns`, `us`, `ms`, `s`, `m`, `h`),
    ///
    /// and is not negative. There is no `d` (day) unit, and `1.5` or `5 min` are not durations.
    ///
    /// ## Why it matters
    ///
    /// The controller turns an unparseable duration into −1 and rejects the whole Rollout
    /// with `InvalidSpec`: `spec.strategy.steps[3].pause.duration: Invalid value: -1: Duration
    /// needs to be greater than 0`. The message does not say the unit is the problem, and the
    /// CRD accepts any string, so `kubectl apply` succeeds.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// steps:
    ///   - setWeight: 20
    ///   - pause: {duration: 1d}   # Go has no `d`
    /// ```
    ///
    /// ## Fix
    ///
    /// Write `24h` for a day, `90s` or `90` for ninety seconds. Use `pause: {}` to wait for a
    /// manual `kubectl argo rollouts promote`.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `pkg/apis/rollouts/v1alpha1/types.go`, `RolloutPause.DurationSeconds`
    /// (`strconv.ParseInt`, then `time.ParseDuration`, −1 when both fail), and
    /// `pkg/apis/rollouts/validation/validation.go`, `ValidateRolloutStrategyCanary`
    /// (message constant `InvalidDurationMessage`). The docs' "Defaults to "s" if not
    /// specified" applies only to plain integers.
    pub struct PauseDuration {
        code: "CL403",
        name: "pause-duration",
        category: Correctness,
        summary: "pause.duration is integer seconds or a Go duration (no `d`), and not negative",
    }
}

/// `strconv.ParseInt(s, 10, 32)`: an optional sign and ASCII digits.
fn go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// A Go rewrite of a duration written with a spelt-out or day unit (`1d`, `5 min`,
/// `2 hours`), when the number is whole.
fn suggestion(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let split = compact.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = compact.split_at(split);
    let n: u64 = number.parse().ok()?;
    let (factor, go_unit) = match unit.to_ascii_lowercase().as_str() {
        "d" | "day" | "days" => (24, "h"),
        "h" | "hr" | "hrs" | "hour" | "hours" => (1, "h"),
        "min" | "mins" | "minute" | "minutes" => (1, "m"),
        "sec" | "secs" | "second" | "seconds" => (1, "s"),
        _ => return None,
    };
    Some(format!("{}{go_unit}", n.checked_mul(factor)?))
}

/// Why the controller cannot read `text`, in words.
fn explain(text: &str, error: &DurationError) -> String {
    let reason = match error {
        DurationError::Negative(_) => {
            return format!("`{text}` is negative; the controller rejects the Rollout");
        }
        DurationError::UnknownUnit { unit, .. } if unit == "d" => {
            format!("`{text}` uses `d`, but Go durations have no day unit")
        }
        DurationError::UnknownUnit { unit, .. } => {
            format!("`{text}` has unit `{unit}`, which Go durations do not know")
        }
        DurationError::MissingUnit(_) => {
            format!("`{text}` has no unit, and only whole numbers are read as seconds")
        }
        DurationError::Empty | DurationError::Invalid(_) => {
            format!("`{text}` is not a Go duration")
        }
        DurationError::OutOfRange(_) => format!(
            "`{text}` is longer than Go's longest duration (2562047h47m16.854775807s; \
             time.ParseDuration fails)"
        ),
    };
    format!("{reason}, so the controller reads it as -1 and rejects the Rollout")
}

impl Rule for PauseDuration {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, rollout) in cx.repo.rollouts() {
            let Some(canary) = rollout.spec.strategy.canary.as_ref() else {
                continue;
            };
            for (i, step) in canary.steps.iter().flatten().enumerate() {
                let Some(duration) = step.pause.as_ref().and_then(|p| p.duration.as_ref()) else {
                    continue;
                };
                let problem = match &duration.0 {
                    IntOrString::Int(n) if *n < 0 => Some(format!(
                        "`{n}` is negative; the controller rejects the Rollout"
                    )),
                    IntOrString::Int(_) => None,
                    IntOrString::String(s) => match go_int(s) {
                        Some(n) if n < 0 => Some(format!(
                            "`{s}` is negative; the controller rejects the Rollout"
                        )),
                        Some(_) => None,
                        None => duration.seconds().err().map(|e| explain(s, &e)),
                    },
                };
                let Some(problem) = problem else {
                    continue;
                };
                let help = match suggestion(&duration.to_string()) {
                    Some(fixed) => format!(
                        "write `duration: {fixed}`; Go duration units are ns, us, ms, s, m and h"
                    ),
                    None => "write whole seconds (`90`) or a Go duration (`90s`, `10m`, `1h30m`); use `pause: {}` to wait for a manual promote".to_string(),
                };
                out.push(
                    cx.at_value(
                        &Self::META,
                        doc,
                        &format!("/spec/strategy/canary/steps/{i}/pause/duration"),
                        format!(
                            "pause duration {problem}: \"Duration needs to be greater than 0\""
                        ),
                    )
                    .with_help(help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_int_accepts_signs_and_digits_only() {
        assert_eq!(go_int("30"), Some(30));
        assert_eq!(go_int("+30"), Some(30));
        assert_eq!(go_int("-5"), Some(-5));
        assert_eq!(go_int("5m"), None);
        assert_eq!(go_int("-"), None);
        assert_eq!(go_int(""), None);
    }

    #[test]
    fn suggests_hours_for_days() {
        assert_eq!(suggestion("1d").as_deref(), Some("24h"));
        assert_eq!(suggestion("2 d").as_deref(), Some("48h"));
        assert_eq!(suggestion("5 min").as_deref(), Some("5m"));
        assert_eq!(suggestion("1.5h"), None);
        assert_eq!(suggestion("5 fortnights"), None);
    }
}

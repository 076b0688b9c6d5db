//! CL405: a quoted `maxSurge` / `maxUnavailable` is a percentage, not a pod count.

use canary_core::model::values::{IntOrString, resolve_int_or_percent};

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// `spec.strategy.canary.maxSurge` and `maxUnavailable`, when written as a string, end in
    /// `%`. A string without `%` (`maxSurge: "1"`) is reported with what it resolves to for
    /// `spec.replicas`. Also reported: both values being zero (which the controller rejects),
    /// or both resolving to zero pods for this replica count (which the controller silently
    /// changes to one unavailable pod).
    ///
    /// ## Why it matters
    ///
    /// The controller resolves both with the deprecated `intstr.GetValueFromIntOrPercent`,
    /// which treats *every* string as a percentage, with or without `%`. `maxSurge: "1"` is 1%
    /// of the replicas rounded up (1 pod for up to 100 replicas, 2 from 101), and
    /// `maxUnavailable: "1"` is 1% rounded down: 0 pods below 100 replicas. Helm and
    /// Kustomize users quote numbers by habit, and the CRD accepts both forms.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// spec:
    ///   replicas: 4
    ///   strategy:
    ///     canary:
    ///       maxSurge: "1"          # 1% of 4, rounded up: 1 pod, by luck
    ///       maxUnavailable: "1"    # 1% of 4, rounded down: 0 pods
    /// ```
    ///
    /// ## Fix
    ///
    /// Write a pod count unquoted (`maxSurge: 1`), or a percentage with `%` (`maxSurge: "25%"`).
    ///
    /// ## Source
    ///
    /// Argo Rollouts `utils/replicaset/replicaset.go`, `resolveFenceposts` (maxSurge rounds
    /// up, maxUnavailable down; both zero becomes maxUnavailable 1); defaults `"25"` in
    /// `utils/defaults/defaults.go`; `pkg/apis/rollouts/validation/validation.go`,
    /// `invalidMaxSurgeMaxUnavailable` ("MaxSurge and MaxUnavailable both can not be zero");
    /// apimachinery `intstr.GetValueFromIntOrPercent` ("all strings with or without a percent
    /// symbol as a percentage value").
    pub struct QuotedMaxSurge {
        code: "CL405",
        name: "quoted-max-surge",
        category: Suspicious,
        summary: "a quoted maxSurge/maxUnavailable without % is a percentage, not a pod count",
    }
}

const CANARY: &str = "/spec/strategy/canary";

/// The value `invalidMaxSurgeMaxUnavailable` compares with zero: a valid percentage's
/// number, else `IntValue()` (Atoi of a string, 0 when it is not a number).
fn validation_value(v: &IntOrString) -> i64 {
    match v {
        IntOrString::Int(i) => i64::from(*i),
        IntOrString::String(s) => s.strip_suffix('%').unwrap_or(s).parse::<i64>().unwrap_or(0),
    }
}

/// Pods, for messages.
fn pods(n: i64) -> String {
    if n == 1 {
        "1 pod".to_string()
    } else {
        format!("{n} pods")
    }
}

impl Rule for QuotedMaxSurge {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, rollout) in cx.repo.rollouts() {
            let Some(canary) = rollout.spec.strategy.canary.as_ref() else {
                continue;
            };
            let replicas = i64::from(rollout.spec.replicas.unwrap_or(1));
            let fields = [
                ("maxSurge", canary.max_surge.as_ref(), true),
                ("maxUnavailable", canary.max_unavailable.as_ref(), false),
            ];
            for (field, value, round_up) in fields {
                let Some(value) = value else {
                    continue;
                };
                let IntOrString::String(s) = value else {
                    continue;
                };
                if s.ends_with('%') {
                    continue;
                }
                let pointer = format!("{CANARY}/{field}");
                let finding = match resolve_int_or_percent(value, replicas, round_up) {
                    Ok(resolved) => {
                        let rounding = if round_up { "rounded up" } else { "rounded down" };
                        cx.at_value(
                            &Self::META,
                            doc,
                            &pointer,
                            format!(
                                "`{field}: \"{s}\"` is read as {s}%, not {}: with {replicas} replicas it resolves to {} ({s}% of {replicas}, {rounding})",
                                pods(s.trim().parse().unwrap_or(0)),
                                pods(resolved)
                            ),
                        )
                        .with_help(format!(
                            "write `{field}: {s}` (unquoted) for {}, or `{field}: \"{s}%\"` if a percentage is meant",
                            pods(s.trim().parse().unwrap_or(0))
                        ))
                    }
                    Err(_) => cx
                        .at_value(
                            &Self::META,
                            doc,
                            &pointer,
                            format!(
                                "`{field}: \"{s}\"` is neither a pod count nor a percentage; the controller cannot resolve it"
                            ),
                        )
                        .with_help(format!(
                            "write a pod count (`{field}: 1`) or a percentage (`{field}: \"25%\"`)"
                        )),
                };
                out.push(finding);
            }
            self.both_zero(cx, doc, canary, replicas, out);
        }
    }
}

impl QuotedMaxSurge {
    fn both_zero(
        &self,
        cx: &Context<'_>,
        doc: &crate::repo::Document,
        canary: &canary_core::model::rollout::CanaryStrategy,
        replicas: i64,
        out: &mut Vec<Diagnostic>,
    ) {
        let default = IntOrString::String("25".to_string());
        let surge = canary.max_surge.as_ref().unwrap_or(&default);
        let unavailable = canary.max_unavailable.as_ref().unwrap_or(&default);
        let at = if canary.max_surge.is_some() {
            "maxSurge"
        } else {
            "maxUnavailable"
        };
        let other = if at == "maxSurge" {
            "maxUnavailable"
        } else {
            "maxSurge"
        };
        let related = |d: Diagnostic| {
            if canary.max_surge.is_some() && canary.max_unavailable.is_some() {
                d.with_related(cx.related(
                    doc,
                    &format!("{CANARY}/{other}"),
                    Target::Value,
                    format!("{other} is set here"),
                ))
            } else {
                d
            }
        };
        if validation_value(surge) == 0 && validation_value(unavailable) == 0 {
            out.push(related(
                cx.at_value(
                    &Self::META,
                    doc,
                    &format!("{CANARY}/{at}"),
                    "maxSurge and maxUnavailable are both zero; the controller rejects the Rollout: \"MaxSurge and MaxUnavailable both can not be zero\"",
                )
                .with_help("allow at least one extra pod (`maxSurge: 1`) so the canary can start"),
            ));
            return;
        }
        let (Ok(s), Ok(u)) = (
            resolve_int_or_percent(surge, replicas, true),
            resolve_int_or_percent(unavailable, replicas, false),
        ) else {
            return;
        };
        if s == 0 && u == 0 && replicas > 0 {
            out.push(related(
                cx.at_value(
                    &Self::META,
                    doc,
                    &format!("{CANARY}/{at}"),
                    format!(
                        "with {replicas} replicas maxSurge and maxUnavailable both resolve to 0 pods; the controller then allows 1 unavailable pod, so every step takes a stable pod down before the canary pod starts"
                    ),
                )
                .with_help("set `maxSurge: 1` (unquoted) to add a canary pod before removing a stable one"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_reads_strings_like_go() {
        let s = |v: &str| IntOrString::String(v.into());
        assert_eq!(validation_value(&s("0%")), 0);
        assert_eq!(validation_value(&s("0")), 0);
        assert_eq!(validation_value(&s("25")), 25);
        assert_eq!(validation_value(&s("x")), 0);
        assert_eq!(validation_value(&IntOrString::Int(2)), 2);
    }
}

//! CL401: every canary step sets exactly one step type.

use canary_core::model::rollout::StepKind;
use serde_json::Value;

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Each entry of `spec.strategy.canary.steps` sets a step type (`setWeight`, `pause`,
    /// `analysis`, `experiment`, `setCanaryScale`, `setHeaderRoute`, `setMirrorRoute` or
    /// `plugin`), and sets at most one of `setWeight`, `pause`, `analysis` and `experiment`.
    ///
    /// A step whose only key is misspelt or wrongly cased (`setweight: 20`) counts as empty:
    /// the API server prunes unknown fields, so the controller sees `{}`. A `pause:` with no
    /// value is `null`, which is also no pause at all (write `pause: {}`).
    ///
    /// ## Why it matters
    ///
    /// The controller rejects the whole Rollout with `InvalidSpec`, and no step runs:
    /// `spec.strategy.steps[2]: Invalid value: ...: Step must have one of the following set:
    /// experiment, setWeight, setCanaryScale, plugin or pause`. The same message is used for a
    /// step that combines two of the four exclusive types. YAML makes both mistakes easy: a
    /// missing `-` merges two steps into one mapping.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// steps:
    ///   - setWeight: 20
    ///     pause: {duration: 5m}   # two types in one step: the `-` is missing
    ///   - setweight: 50           # wrong case: pruned, the step is empty
    /// ```
    ///
    /// ## Fix
    ///
    /// Give every step its own list item with one type, spelt exactly as in the CRD.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `pkg/apis/rollouts/validation/validation.go`:
    /// `ValidateRolloutStrategyCanary` (the "no type set" check over all eight step fields) and
    /// `hasMultipleStepsType` (which counts only `setWeight`, `pause`, `experiment` and
    /// `analysis`); message constant `InvalidStepMessage`.
    pub struct StepOneType {
        code: "CL401",
        name: "step-one-type",
        category: Correctness,
        summary: "each canary step sets exactly one step type",
    }
}

/// The step types the controller refuses to combine (`hasMultipleStepsType`).
const EXCLUSIVE: [StepKind; 4] = [
    StepKind::SetWeight,
    StepKind::Pause,
    StepKind::Experiment,
    StepKind::Analysis,
];

/// Every step key, for "did you mean" help.
const ALL_KINDS: [StepKind; 8] = [
    StepKind::SetWeight,
    StepKind::Pause,
    StepKind::Analysis,
    StepKind::SetCanaryScale,
    StepKind::Experiment,
    StepKind::SetHeaderRoute,
    StepKind::SetMirrorRoute,
    StepKind::Plugin,
];

const CONTROLLER_MESSAGE: &str = "Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or pause";

impl Rule for StepOneType {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, rollout) in cx.repo.rollouts() {
            let Some(steps) = rollout
                .spec
                .strategy
                .canary
                .as_ref()
                .and_then(|c| c.steps.as_deref())
            else {
                continue;
            };
            for (i, step) in steps.iter().enumerate() {
                let pointer = format!("/spec/strategy/canary/steps/{i}");
                let kinds = step.kinds();
                if kinds.is_empty() {
                    out.push(self.empty_step(
                        cx,
                        doc,
                        cx.repo.located(doc).value().pointer(&pointer),
                        &pointer,
                        i,
                    ));
                    continue;
                }
                let exclusive: Vec<StepKind> = kinds
                    .iter()
                    .copied()
                    .filter(|k| EXCLUSIVE.contains(k))
                    .collect();
                if let [first, second, ..] = exclusive.as_slice() {
                    let names: Vec<String> =
                        exclusive.iter().map(|k| format!("`{}`", k.key())).collect();
                    out.push(
                        cx.at_key(
                            &Self::META,
                            doc,
                            &format!("{pointer}/{}", second.key()),
                            format!(
                                "step {i} sets {} in one step; the controller rejects the Rollout: \"{CONTROLLER_MESSAGE}\"",
                                names.join(" and ")
                            ),
                        )
                        .with_help(format!(
                            "split it into separate list items, e.g. `- {}: ...` then `- {}: ...` (a missing `-` merges two steps into one)",
                            first.key(),
                            second.key()
                        )),
                    );
                }
            }
        }
    }
}

impl StepOneType {
    fn empty_step(
        &self,
        cx: &Context<'_>,
        doc: &crate::repo::Document,
        raw: Option<&Value>,
        pointer: &str,
        i: usize,
    ) -> Diagnostic {
        let keys: Vec<&String> = raw
            .and_then(Value::as_object)
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        let null_kind = keys.iter().find_map(|k| {
            let kind = ALL_KINDS.iter().find(|kind| kind.key() == k.as_str())?;
            raw.and_then(|v| v.get(k.as_str()))
                .is_some_and(Value::is_null)
                .then_some(*kind)
        });
        if let Some(kind) = null_kind {
            let help = if kind == StepKind::Pause {
                "write `pause: {}` to wait for `kubectl argo rollouts promote`, or `pause: {duration: 5m}`".to_string()
            } else {
                format!("give `{}` a value", kind.key())
            };
            return cx
                .at_key(
                    &Self::META,
                    doc,
                    &format!("{pointer}/{}", kind.key()),
                    format!(
                        "step {i}: `{}` has no value (null), so the step sets no type; the controller rejects the Rollout: \"{CONTROLLER_MESSAGE}\"",
                        kind.key()
                    ),
                )
                .with_help(help);
        }
        let Some(first) = keys.first() else {
            return cx
                .at_value(
                    &Self::META,
                    doc,
                    pointer,
                    format!(
                        "step {i} is empty; the controller rejects the Rollout: \"{CONTROLLER_MESSAGE}\""
                    ),
                )
                .with_help("remove the step or give it one type, e.g. `setWeight: 20`");
        };
        let suggestion = ALL_KINDS
            .iter()
            .find(|k| k.key().eq_ignore_ascii_case(first))
            .map(|k| k.key());
        let help = match suggestion {
            Some(key) => format!(
                "write `{key}`; step keys are case-sensitive and the API server drops unknown fields"
            ),
            None => "a step takes one of setWeight, pause, analysis, experiment, setCanaryScale, setHeaderRoute, setMirrorRoute or plugin".to_string(),
        };
        cx.at_key(
            &Self::META,
            doc,
            &format!("{pointer}/{}", crate::facts::analysis::escape_pointer(first)),
            format!(
                "step {i} sets no step type: `{first}` is not a step field, so the API server drops it and the controller rejects the Rollout: \"{CONTROLLER_MESSAGE}\""
            ),
        )
        .with_help(help)
    }
}

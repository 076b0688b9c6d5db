//! Ladder arithmetic shared by `canary-gen plan` and `canary-lint`: Argo's replica split for a
//! basic canary, analysis step durations, and the time budget a CI `status --timeout` must cover.

use crate::model::analysis::{AnalysisTemplate, Metric};
use crate::model::rollout::{AnalysisTemplateRef, CanaryStep, Rollout};
use crate::model::values::{DurationError, IntOrString, resolve_int_or_percent};

/// Default readiness allowance per `setWeight` step, in seconds: time for new canary pods to
/// pull, start and pass readiness before the controller moves on.
pub const DEFAULT_READINESS_ALLOWANCE_SECS: u64 = 60;

/// Canary and stable pod counts for a basic (no traffic routing) canary at `weight`.
///
/// A port of `approximateWeightedCanaryStableReplicaCounts` in
/// `utils/replicaset/canary.go` (Argo Rollouts v1.9): candidates (ceil, N), (floor, N), and with
/// surge (ceil, N+1), (floor, N+1); the one whose pod share is closest to the weight wins, the
/// earlier one on a tie.
pub fn basic_canary_counts(
    replicas: i32,
    weight: i32,
    max_weight: i32,
    max_surge: i32,
) -> (i32, i32) {
    if replicas <= 0 || max_weight <= 0 {
        return (0, 0);
    }
    let n = i64::from(replicas);
    let w = i64::from(weight.clamp(0, max_weight));
    let max = i64::from(max_weight);
    let ceil = (n * w + max - 1) / max;
    let floor = (n * w) / max;
    // Go: math.Abs(x - math.Floor(x)) == 0.5 with x = replicas*weight/maxWeight.
    let tied = |total: i64| (total * w) % max * 2 == max;
    let zero_allowed = w == max || w == 0 || (n == 1 && max_surge == 0);
    let mut options: Vec<(i64, i64)> = Vec::new();
    if ceil < n || zero_allowed {
        options.push((ceil, n));
    }
    if !tied(n) && (floor != 0 || zero_allowed) {
        options.push((floor, n));
    }
    if max_surge > 0 {
        options.push((ceil, n + 1));
        if !tied(n + 1) && (floor != 0 || zero_allowed) {
            options.push((floor, n + 1));
        }
    }
    let delta = |(canary, total): (i64, i64)| {
        ((canary as f64 / total as f64) * max as f64 - w as f64).abs()
    };
    let Some(mut best) = options.first().copied() else {
        return (0, replicas);
    };
    for option in options.iter().copied().skip(1) {
        if delta(option) < delta(best) {
            best = option;
        }
    }
    (best.0 as i32, (best.1 - best.0) as i32)
}

/// `maxSurge` as the controller resolves it: default `"25%"`, rounded up.
pub fn resolved_max_surge(replicas: i32, max_surge: Option<&IntOrString>) -> i32 {
    let default = IntOrString::String("25%".to_string());
    let value = max_surge.unwrap_or(&default);
    resolve_int_or_percent(value, i64::from(replicas), true).unwrap_or(1) as i32
}

/// The lint rule code for "basic canary weight far from setWeight"; the generator writes an
/// acknowledged suppression for it when the spec asks for such a ladder.
pub const EFFECTIVE_WEIGHT_RULE: &str = "CL1001";
/// Percentage points between setWeight and the real pod share above which both tools warn.
pub const EFFECTIVE_WEIGHT_TOLERANCE: f64 = 10.0;

/// The pod split Argo gives a basic canary at one weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodSplit {
    /// Canary pods.
    pub canary: i32,
    /// Stable pods.
    pub stable: i32,
}

impl PodSplit {
    /// Canary share of all pods, in percent (0 when there are none).
    pub fn canary_percent(&self) -> f64 {
        let total = self.canary + self.stable;
        if total == 0 {
            0.0
        } else {
            100.0 * f64::from(self.canary) / f64::from(total)
        }
    }
}

/// How long one metric of an inline analysis takes when every measurement succeeds:
/// `initialDelay + (count − 1) · interval` (`analysis/analysis.go`, `generateMetricTasks`).
/// `Ok(None)` when the metric never ends (interval without count).
pub fn metric_duration(metric: &Metric) -> Result<Option<u64>, DurationError> {
    let delay = match &metric.initial_delay {
        Some(d) => d.seconds()?,
        None => 0,
    };
    let interval = match &metric.interval {
        Some(i) => i.seconds()?,
        None => 0,
    };
    Ok(metric
        .effective_count()
        .map(|count| delay.saturating_add((count.max(1) as u64 - 1).saturating_mul(interval))))
}

/// An analysis step's duration: metrics run in parallel, so the longest one.
pub fn analysis_duration<'a>(
    metrics: impl IntoIterator<Item = &'a Metric>,
) -> Result<Option<u64>, DurationError> {
    let mut longest = 0;
    for metric in metrics {
        match metric_duration(metric)? {
            Some(d) => longest = longest.max(d),
            None => return Ok(None),
        }
    }
    Ok(Some(longest))
}

/// One line of the ladder timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineStep {
    /// Index in `spec.strategy.canary.steps`.
    pub index: usize,
    /// What the step does, e.g. `setWeight 10`.
    pub action: String,
    /// Seconds from the start of the update when the step begins.
    pub start: u64,
    /// Seconds the step takes (budgeted), `None` if it waits for a human or never ends.
    pub duration: Option<u64>,
    /// Pod split after a setWeight step of a basic canary.
    pub split: Option<PodSplit>,
    /// The weight in force after the step.
    pub weight: i32,
}

/// The time a CI `kubectl argo rollouts status --timeout` has to cover.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LadderBudget {
    /// Σ timed pauses.
    pub pauses: u64,
    /// Σ inline analysis durations.
    pub analysis: u64,
    /// setWeight steps × readiness allowance.
    pub readiness: u64,
    /// Number of setWeight steps.
    pub weight_steps: usize,
    /// Indices of `pause: {}` steps, which wait for `promote`.
    pub indefinite_pauses: Vec<usize>,
    /// Indices of analysis steps whose length is unknown (missing template, endless metric).
    pub unknown_analysis: Vec<usize>,
    /// Indices of steps whose durations do not parse.
    pub bad_durations: Vec<usize>,
}

impl LadderBudget {
    /// Seconds in all.
    pub fn total(&self) -> u64 {
        // Saturating: a hostile `readiness-allowance` or pause must not wrap to a short
        // timeout (issue 13, B10); a saturated total is far past any CI limit anyway.
        self.pauses
            .saturating_add(self.analysis)
            .saturating_add(self.readiness)
    }

    /// One-line account, e.g. `12m pauses + 8m analysis + 3 × 60s readiness = 23m`.
    pub fn explain(&self) -> String {
        use crate::model::values::format_go_duration as f;
        format!(
            "{} pauses + {} analysis + {} × {}s readiness = {} ({}s)",
            f(self.pauses),
            f(self.analysis),
            self.weight_steps,
            if self.weight_steps == 0 {
                0
            } else {
                self.readiness / self.weight_steps as u64
            },
            f(self.total()),
            self.total()
        )
    }
}

/// The `status --timeout` canary-gen writes: the budget plus a quarter for analysis retries
/// (each Error measurement adds ~10 s) and scheduling, rounded up to a whole minute.
pub fn recommended_status_timeout(budget: &LadderBudget) -> u64 {
    let padded = budget.total().saturating_add(budget.total().div_ceil(4));
    padded.div_ceil(60).saturating_mul(60)
}

/// Walks a Rollout's canary steps, resolving analysis templates through `lookup`.
pub struct Ladder<'a> {
    rollout: &'a Rollout,
    lookup: &'a dyn Fn(&AnalysisTemplateRef) -> Option<&'a AnalysisTemplate>,
    readiness_allowance: u64,
}

impl<'a> Ladder<'a> {
    /// A ladder over `rollout`; `lookup` finds a referenced template.
    pub fn new(
        rollout: &'a Rollout,
        lookup: &'a dyn Fn(&AnalysisTemplateRef) -> Option<&'a AnalysisTemplate>,
        readiness_allowance: u64,
    ) -> Self {
        Ladder {
            rollout,
            lookup,
            readiness_allowance,
        }
    }

    fn steps(&self) -> &'a [CanaryStep] {
        self.rollout
            .spec
            .strategy
            .canary
            .as_ref()
            .and_then(|c| c.steps.as_deref())
            .unwrap_or(&[])
    }

    fn is_basic(&self) -> bool {
        self.rollout
            .spec
            .strategy
            .canary
            .as_ref()
            .is_none_or(|c| c.traffic_routing.is_none())
    }

    /// Seconds an analysis step takes, if known.
    fn step_analysis(&self, step: &CanaryStep) -> Result<Option<u64>, DurationError> {
        let Some(analysis) = &step.analysis else {
            return Ok(Some(0));
        };
        let mut metrics = Vec::new();
        for reference in &analysis.templates {
            match (self.lookup)(reference) {
                Some(t) => metrics.extend(t.spec.metrics.iter()),
                None => return Ok(None),
            }
        }
        if analysis.templates.is_empty() {
            return Ok(None);
        }
        analysis_duration(metrics)
    }

    /// The step-by-step timeline.
    pub fn timeline(&self) -> Vec<TimelineStep> {
        let replicas = self.rollout.spec.replicas.unwrap_or(1);
        let max_surge = resolved_max_surge(
            replicas,
            self.rollout
                .spec
                .strategy
                .canary
                .as_ref()
                .and_then(|c| c.max_surge.as_ref()),
        );
        let mut now = 0;
        let mut weight = 0;
        let mut out = Vec::new();
        for (index, step) in self.steps().iter().enumerate() {
            let (action, duration, split) = if let Some(w) = step.set_weight {
                weight = w;
                let split = self.is_basic().then(|| {
                    let (canary, stable) = basic_canary_counts(replicas, w, 100, max_surge);
                    PodSplit { canary, stable }
                });
                (
                    format!("setWeight {w}"),
                    Some(self.readiness_allowance),
                    split,
                )
            } else if let Some(pause) = &step.pause {
                match &pause.duration {
                    Some(d) => (format!("pause {d}"), d.seconds().ok(), None),
                    None => ("pause (until promoted)".to_string(), None, None),
                }
            } else if let Some(analysis) = &step.analysis {
                let names: Vec<&str> = analysis
                    .templates
                    .iter()
                    .map(|t| t.template_name.as_str())
                    .collect();
                (
                    format!("analysis {}", names.join(", ")),
                    self.step_analysis(step).ok().flatten(),
                    None,
                )
            } else {
                let kinds: Vec<&str> = step.kinds().iter().map(|k| k.key()).collect();
                (kinds.join("+"), Some(0), None)
            };
            out.push(TimelineStep {
                index,
                action,
                start: now,
                duration,
                split,
                weight,
            });
            now = now.saturating_add(duration.unwrap_or(0));
        }
        out
    }

    /// The budget the CI timeout must cover.
    pub fn budget(&self) -> LadderBudget {
        let mut budget = LadderBudget::default();
        for (index, step) in self.steps().iter().enumerate() {
            if step.set_weight.is_some() {
                budget.weight_steps += 1;
                budget.readiness = budget.readiness.saturating_add(self.readiness_allowance);
            }
            if let Some(pause) = &step.pause {
                match &pause.duration {
                    None => budget.indefinite_pauses.push(index),
                    Some(d) => match d.seconds() {
                        Ok(s) => budget.pauses = budget.pauses.saturating_add(s),
                        Err(_) => budget.bad_durations.push(index),
                    },
                }
            }
            if step.analysis.is_some() {
                match self.step_analysis(step) {
                    Ok(Some(s)) => budget.analysis = budget.analysis.saturating_add(s),
                    Ok(None) => budget.unknown_analysis.push(index),
                    Err(_) => budget.bad_durations.push(index),
                }
            }
        }
        budget
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from the table in research notes §3.2, which reproduce the upstream
    /// `TestApproximateWeightedNewStableReplicaCounts` cases.
    #[test]
    fn basic_canary_matches_argo_table() {
        let surge = |n| resolved_max_surge(n, None);
        let cases = [
            (2, 10, (1, 2)),
            (2, 50, (1, 1)),
            (2, 60, (2, 1)),
            (3, 10, (1, 3)),
            (3, 30, (1, 2)),
            (3, 50, (2, 2)),
            (4, 40, (2, 3)),
            (4, 75, (3, 1)),
            (5, 90, (5, 1)),
            (10, 5, (1, 10)),
            (10, 10, (1, 9)),
            (10, 25, (3, 8)),
            (10, 75, (8, 3)),
            (1, 10, (1, 1)),
            (2, 100, (2, 0)),
            (2, 0, (0, 2)),
        ];
        for (n, w, expected) in cases {
            assert_eq!(
                basic_canary_counts(n, w, 100, surge(n)),
                expected,
                "N={n} w={w}"
            );
        }
    }

    #[test]
    fn basic_canary_without_surge() {
        assert_eq!(basic_canary_counts(2, 10, 100, 0), (1, 1));
        assert_eq!(basic_canary_counts(3, 50, 100, 0), (2, 1));
        assert_eq!(basic_canary_counts(10, 50, 100, 0), (5, 5));
    }

    #[test]
    fn default_surge_is_a_quarter_rounded_up() {
        assert_eq!(resolved_max_surge(2, None), 1);
        assert_eq!(resolved_max_surge(10, None), 3);
        assert_eq!(
            resolved_max_surge(10, Some(&IntOrString::String("1".into()))),
            1
        );
    }

    #[test]
    fn timeout_pads_and_rounds() {
        let b = LadderBudget {
            pauses: 720,
            analysis: 480,
            readiness: 180,
            weight_steps: 3,
            ..Default::default()
        };
        assert_eq!(b.total(), 1380);
        assert_eq!(recommended_status_timeout(&b), 1740);
    }
}

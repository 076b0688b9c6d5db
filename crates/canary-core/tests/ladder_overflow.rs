//! Issue 13, B10: ladder arithmetic saturates instead of wrapping, so a huge pause or
//! readiness allowance can never give a short CI `--timeout`.

use canary_core::ladder::{Ladder, recommended_status_timeout};
use canary_core::model::rollout::{AnalysisTemplateRef, Rollout};

fn budget_of(r: &Rollout, readiness: u64) -> canary_core::ladder::LadderBudget {
    let lookup = |_: &AnalysisTemplateRef| None;
    Ladder::new(r, &lookup, readiness).budget()
}

fn rollout(steps: serde_json::Value) -> Rollout {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "r", "namespace": "n"},
        "spec": {"replicas": 3, "strategy": {"canary": {"steps": steps}}}
    }))
    .unwrap()
}

#[test]
fn a_pause_past_gos_range_is_a_bad_duration_not_a_wrapped_sum() {
    let r = rollout(serde_json::json!([
        {"setWeight": 10},
        {"pause": {"duration": "18446744073709551615s"}},
        {"pause": {"duration": "5m"}}
    ]));
    let budget = budget_of(&r, 60);
    assert_eq!(budget.bad_durations, [1]);
    assert_eq!(budget.pauses, 300);
}

#[test]
fn readiness_allowance_sums_saturate() {
    let r = rollout(serde_json::json!([
        {"setWeight": 10}, {"setWeight": 50}, {"setWeight": 100},
        {"pause": {"duration": "2562047h"}}
    ]));
    // 3 × 6148914691236517205 s wrapped to a small number before.
    let budget = budget_of(&r, 6_148_914_691_236_517_205);
    assert_eq!(budget.readiness, u64::MAX);
    assert_eq!(budget.total(), u64::MAX);
    assert!(recommended_status_timeout(&budget) >= u64::MAX - 60);
    // Just below saturation the sum is exact.
    let budget = budget_of(&r, 1_000);
    assert_eq!(budget.total(), 3_000 + 2_562_047 * 3600);
}

//! CL506: metrics of templates used by inline analysis steps finish.

use std::collections::BTreeMap;

use canary_core::model::values::IntOrString;

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Related};
use crate::facts::analysis::{analysis_uses, has_placeholder, resolve};
use crate::repo::Document;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Every metric of every template an inline `analysis` step uses has a finite effective
    /// count: a `count` above 0, or no `interval` (one measurement). A metric with an
    /// `interval` and no `count` (or `count: 0`) runs until stopped. Background analysis is
    /// exempt: it is meant to run for the whole update.
    ///
    /// ## Why it matters
    ///
    /// An inline step completes only when its AnalysisRun succeeds, and a run with an endless
    /// metric never does. The controller therefore rejects the Rollout up front:
    /// `AnalysisTemplate success-rate has metric error-rate which runs indefinitely. Invalid
    /// value for count: <nil>`. A template written for background analysis and reused in a
    /// step hits this.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// metrics:
    ///   - name: error-rate
    ///     interval: 1m          # no count: runs forever
    ///     provider: ...
    /// ```
    ///
    /// ## Fix
    ///
    /// Add `count: 5` (and keep `failureLimit` below it), or use the template only for
    /// background analysis.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `pkg/apis/rollouts/v1alpha1/analysis_types.go`, `Metric.EffectiveCount`,
    /// and `pkg/apis/rollouts/validation/validation_references.go`,
    /// `ValidateAnalysisTemplateWithType` ("has metric %s which runs indefinitely"). The docs'
    /// "count 0 means the analysis won't be executed" is contradicted by that code.
    pub struct MetricTerminates {
        code: "CL506",
        name: "metric-terminates",
        category: Correctness,
        summary: "metrics of templates used by inline analysis steps have a finite count",
    }
}

type Key = (usize, usize, usize);

/// An endless metric: its template document, template and metric names, the steps using it
/// (as related locations and as text).
type Endless<'a> = (&'a Document, String, String, Vec<Related>, Vec<String>);

impl Rule for MetricTerminates {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        // One finding per endless metric, with every step that uses it as related.
        let mut found: BTreeMap<Key, Endless<'_>> = BTreeMap::new();
        for usage in analysis_uses(cx.repo) {
            if usage.step().is_none() {
                continue;
            }
            for used in resolve(cx.repo, &usage).templates {
                for (i, metric) in used.template.spec.metrics.iter().enumerate() {
                    if metric.effective_count().is_some() {
                        continue;
                    }
                    if let Some(IntOrString::String(s)) = &metric.count
                        && has_placeholder(s)
                    {
                        continue;
                    }
                    let entry = found
                        .entry((used.doc.file, used.doc.index, i))
                        .or_insert_with(|| {
                            (
                                used.doc,
                                used.name().to_string(),
                                metric.name.clone(),
                                Vec::new(),
                                Vec::new(),
                            )
                        });
                    entry.3.push(cx.related(
                        usage.doc,
                        &usage.template_name_pointer(used.ref_index),
                        Target::Value,
                        format!("{} uses it in {}", usage.owner(), usage.describe()),
                    ));
                    entry
                        .4
                        .push(format!("{} {}", usage.owner(), usage.describe()));
                }
            }
        }
        for ((_, _, i), (doc, template, metric, related, users)) in found {
            // The count as written (`-1`, `0`, `"0"`): Argo prints `metric.Count` with `%s`,
            // IntOrString's `String()` (validation_references.go,
            // `ValidateAnalysisTemplateWithType`), so a negative count is not shown as 0.
            let count_node = cx.repo.located(doc).at(&format!("/spec/metrics/{i}/count"));
            let written = count_node.and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_f64().map(|n| format!("{n}")))
            });
            let has_count = written.is_some();
            let (pointer, what, count) = match (has_count, written) {
                (true, Some(count)) => (
                    format!("/spec/metrics/{i}/count"),
                    format!("has `count: {count}` with an `interval`"),
                    count,
                ),
                _ => (
                    format!("/spec/metrics/{i}/interval"),
                    "has an `interval` but no `count`".to_string(),
                    "<nil>".to_string(),
                ),
            };
            let mut finding = cx
                .at_key(
                    &Self::META,
                    doc,
                    &pointer,
                    format!(
                        "metric `{metric}` of AnalysisTemplate `{template}` {what}, so it runs indefinitely, and an inline analysis step ({}) never completes; the controller rejects the Rollout: \"AnalysisTemplate {template} has metric {metric} which runs indefinitely. Invalid value for count: {count}\"",
                        users.join(", ")
                    ),
                )
                .with_help("add `count: N` (N ≥ failureLimit + 1), or use this template only for background analysis");
            for r in related {
                finding = finding.with_related(r);
            }
            out.push(finding);
        }
    }
}

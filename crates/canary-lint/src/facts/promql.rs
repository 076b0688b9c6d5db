//! A Prometheus metric's query as Argo sends it (args substituted) and what it can return.

use std::sync::Arc;

use canary_core::model::analysis::{AnalysisTemplate, Metric, arg_placeholders};
use canary_core::promql_shape::{QueryShape, shape};

use super::Facts;
use super::template_use::{TemplateUse, UseIndex, all_templates};
use crate::repo::Document;

/// A stand-in for an arg with no known value that keeps the query's shape.
fn stand_in(text: &str, at: usize, name: &str) -> String {
    let before = &text[..at];
    let quotes = before.matches('"').count() - before.matches("\\\"").count();
    let in_string = quotes % 2 == 1 || before.matches('\'').count() % 2 == 1;
    let in_range = before
        .rfind('[')
        .is_some_and(|open| before.rfind(']').is_none_or(|close| close < open));
    if in_string {
        name.to_string()
    } else if in_range {
        "5m".to_string()
    } else {
        let ident: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if ident.starts_with(|c: char| c.is_ascii_digit()) {
            format!("_{ident}")
        } else {
            ident
        }
    }
}

/// `query` with every placeholder replaced as described in the rule docs.
pub fn resolve(uses: &[TemplateUse<'_>], template: &AnalysisTemplate, query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut last = 0;
    for (name, range) in arg_placeholders(query) {
        let value = template
            .arg_default(&name)
            .or_else(|| uses.iter().find_map(|u| u.arg(&name)?.value.clone()))
            .unwrap_or_else(|| stand_in(query, range.start, &name));
        out.push_str(&query[last..range.start]);
        out.push_str(&value);
        last = range.end;
    }
    out.push_str(&query[last..]);
    out
}

/// The metric's conditions that are set, with their field names.
pub fn conditions(metric: &Metric) -> impl Iterator<Item = (&'static str, &str)> {
    [
        ("successCondition", metric.success_condition.as_deref()),
        ("failureCondition", metric.failure_condition.as_deref()),
    ]
    .into_iter()
    .filter_map(|(field, c)| c.map(|c| (field, c)))
}

/// A Prometheus metric of an AnalysisTemplate or ClusterAnalysisTemplate whose query parses,
/// with what the query can return.
#[derive(Debug)]
pub struct PromGate<'r> {
    /// The template document.
    pub doc: &'r Document,
    /// The metric's index in `spec.metrics`.
    pub index: usize,
    /// The metric.
    pub metric: &'r Metric,
    /// What the resolved query can return.
    pub shape: QueryShape,
}

/// Every Prometheus metric whose resolved query parses, with its shape; a query that does not
/// parse is CL601's finding and is left out here. Worked out once per run: several rules read
/// it, and a rule that asks while another computes it waits for that result. The computation
/// does not use rayon: a thread waiting inside a parallel loop may pick up another rule, which
/// could then wait on this same cell (see `workflow_jobs`).
pub fn prom_gates<'r>(cx: &Facts<'r>) -> &'r [PromGate<'r>] {
    cx.memo.prom_gates.get_or_init(|| compute_prom_gates(cx))
}

fn compute_prom_gates<'r>(cx: &Facts<'r>) -> Vec<PromGate<'r>> {
    let index = UseIndex::shared(cx);
    let mut out = Vec::new();
    for (doc, template) in all_templates(cx.repo) {
        let uses = index.uses_of(doc);
        for (i, metric) in template.spec.metrics.iter().enumerate() {
            let Some(prom) = &metric.provider.prometheus else {
                continue;
            };
            let resolved = resolve(&uses, template, &prom.query);
            let parses: Arc<_> = cx.memo.promql_selectors(&resolved);
            if parses.is_err() {
                continue;
            }
            if let Ok(shape) = shape(&resolved) {
                out.push(PromGate {
                    doc,
                    index: i,
                    metric,
                    shape,
                });
            }
        }
    }
    out
}

//! CL601: a Prometheus metric's query parses as PromQL once its args are substituted.

use rayon::prelude::*;

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::promql::resolve;
use crate::facts::template_use::{UseIndex, all_templates};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Every `provider.prometheus.query` of an AnalysisTemplate or ClusterAnalysisTemplate
    /// metric parses with Prometheus' grammar after each `{{args.x}}` is replaced by the
    /// template arg's `value`, else a value a Rollout using the template passes, else a
    /// stand-in that fits where the placeholder sits (the arg name inside a quoted label
    /// value or as an identifier, `5m` inside a range `[...]`).
    ///
    /// ## Why it matters
    ///
    /// Argo sends the query only when the AnalysisRun measures: a missing brace or a stray
    /// quote shows up as a measurement Error (`bad_data: parse error …`) in the middle of a
    /// canary, and after five consecutive errors the Rollout aborts. Nothing checks the
    /// query earlier (argo-rollouts #4348 asks for exactly this).
    ///
    /// ## Example
    ///
    /// ```yaml
    /// query: sum(rate(http_requests_total{job="{{args.job}}", code=~"5.."}[5m]) / sum(rate(http_requests_total{job="{{args.job}}"}[5m]))
    /// ```
    ///
    /// ## Fix
    ///
    /// Fix the PromQL (here a `)` is missing after the first `[5m]`); try the resolved
    /// query in the Prometheus UI.
    ///
    /// ## Source
    ///
    /// argo-rollouts `metricproviders/prometheus/prometheus.go` (the query is sent after
    /// `utils/template/template.go` substitutes the args); argo-rollouts #4348 (parse PromQL
    /// before measuring) and #1591 / PR #1628 (resolved queries); parsing by promql-parser, a
    /// port of Prometheus' `promql/parser`.
    pub struct PromqlParses {
        code: "CL601",
        name: "promql-parses",
        category: Correctness,
        summary: "a Prometheus metric's query parses as PromQL after arg substitution",
    }
}

impl Rule for PromqlParses {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        let index = UseIndex::shared(cx);
        // Parsing PromQL is most of this rule's time and each template stands alone: spread
        // the templates over rayon's threads, keeping their order.
        let templates = all_templates(cx.repo);
        let found: Vec<Vec<Diagnostic>> = templates
            .par_iter()
            .map(|&(doc, template)| {
                let mut out = Vec::new();
                let uses = index.uses_of(doc);
            for (i, metric) in template.spec.metrics.iter().enumerate() {
                let Some(prom) = &metric.provider.prometheus else {
                    continue;
                };
                let resolved = resolve(&uses, template, &prom.query);
                let Err(error) = &*cx.memo.promql_selectors(&resolved) else {
                    continue;
                };
                let error = error.trim().replace('\n', " ");
                let shown = if resolved != prom.query {
                    format!(
                        "; resolved query: `{}`",
                        resolved.split_whitespace().collect::<Vec<_>>().join(" ")
                    )
                } else {
                    String::new()
                };
                out.push(
                    cx.at_value(
                        &Self::META,
                        doc,
                        &format!("/spec/metrics/{i}/provider/prometheus/query"),
                        format!("the PromQL of metric `{}` does not parse: {error}", metric.name),
                    )
                    .with_help(format!(
                        "every measurement would be an Error and the Rollout aborts after five in a row; fix the query{shown}"
                    )),
                );
            }
                out
            })
            .collect();
        out.extend(found.into_iter().flatten());
    }
}

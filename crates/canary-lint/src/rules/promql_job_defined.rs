//! CL602: every `job="…"` a Prometheus metric selects is a job the repo defines.

use canary_core::model::analysis::{arg_placeholders, substitute_args};

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::locate::span_in_value;
use crate::facts::prom_jobs::known_jobs;
use crate::facts::template_use::{UseIndex, all_templates};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Every equality `job="…"` matcher in a `provider.prometheus.query` names a job the repo
    /// defines. The query is resolved once per Rollout that uses the template (with the args
    /// it passes, else the template defaults), or with the defaults alone when no Rollout
    /// uses it; matchers still holding a placeholder are skipped. Known jobs come from:
    /// `job` matchers in PrometheusRule exprs; ServiceMonitors (the `spec.jobLabel` label of
    /// each Service they select by `spec.selector.matchLabels`, else the Service's name);
    /// PodMonitors (`<namespace>/<name>`, or the `jobLabel` label of the pods they select);
    /// `relabelings` that set `job` to a literal; `scrape_configs[].job_name` of
    /// `prometheus.yml`-style files; and `prometheus-jobs` in `.canary-lint.toml`.
    ///
    /// When the repo defines no job at all (the Prometheus configuration lives elsewhere),
    /// the rule stays silent: there is nothing to compare against, and a finding on every
    /// query would be noise. Declare outside jobs with `prometheus-jobs` to get the check.
    ///
    /// ## Why it matters
    ///
    /// A selector on a job that does not exist returns an empty vector, not an error. With
    /// the usual `len(result) == 0 || …` guard the gate then passes on no data: the canary
    /// is promoted without ever being measured. Without the guard, every measurement is an
    /// Error and the Rollout aborts. Either way the typo surfaces only during a release.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// # Rollout passes job: instant-api, but the ServiceMonitor's Service is `instant-api-metrics`
    /// query: sum(rate(http_requests_total{job="{{args.job}}",code=~"5.."}[5m]))
    /// ```
    ///
    /// ## Fix
    ///
    /// Use the job name Prometheus actually assigns (see the target's labels on the
    /// Prometheus targets page), or set `jobLabel` on the ServiceMonitor.
    ///
    /// ## Source
    ///
    /// prometheus-operator `pkg/prometheus/promcfg.go` (the `job` label of ServiceMonitor
    /// targets: `jobLabel` value, else the Service name; PodMonitors: `<namespace>/<name>`)
    /// and the `ServiceMonitorSpec.jobLabel` API docs; argo-rollouts #1466 and PR #1481 (what
    /// an empty result does to a condition).
    pub struct PromqlJobDefined {
        code: "CL602",
        name: "promql-job-defined",
        category: Correctness,
        summary: "every job=\"...\" matcher in a Prometheus metric names a job defined in the repo",
    }
}

impl Rule for PromqlJobDefined {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        let known = known_jobs(cx);
        if known.is_empty() {
            return;
        }
        let index = UseIndex::shared(cx);
        for (doc, template) in all_templates(cx.repo) {
            let default = |name: &str| template.arg_default(name);
            let uses = index.uses_of(doc);
            for (i, metric) in template.spec.metrics.iter().enumerate() {
                let Some(prom) = &metric.provider.prometheus else {
                    continue;
                };
                let pointer = format!("/spec/metrics/{i}/provider/prometheus/query");
                // (resolved query, the use that supplied values)
                let mut resolutions: Vec<(String, Option<usize>)> = uses
                    .iter()
                    .enumerate()
                    .map(|(u, usage)| {
                        let q = substitute_args(&prom.query, |n| {
                            usage
                                .arg(n)
                                .and_then(|a| a.value.clone())
                                .or_else(|| default(n))
                        });
                        (q, Some(u))
                    })
                    .collect();
                if resolutions.is_empty() {
                    resolutions.push((substitute_args(&prom.query, default), None));
                }
                let mut reported: Vec<String> = Vec::new();
                for (query, usage) in resolutions {
                    let parsed = cx.memo.promql_selectors(&query);
                    let Ok(selectors) = &*parsed else {
                        continue;
                    };
                    for job in selectors.iter().filter_map(|s| s.job()) {
                        if job.contains("{{")
                            || known.contains(job)
                            || reported.iter().any(|r| r == job)
                        {
                            continue;
                        }
                        reported.push(job.to_string());
                        let literal = format!("\"{job}\"");
                        // Point at the literal job, or at the placeholder that produced it.
                        let placeholder =
                            arg_placeholders(&prom.query).into_iter().find(|(n, _)| {
                                usage
                                    .and_then(|u| uses.get(u))
                                    .and_then(|u| u.arg(n))
                                    .and_then(|a| a.value.clone())
                                    .or_else(|| default(n))
                                    .as_deref()
                                    == Some(job)
                            });
                        let span = if prom.query.contains(&literal) {
                            span_in_value(cx, doc, &pointer, job, 0)
                        } else if let Some((_, range)) = placeholder {
                            span_in_value(cx, doc, &pointer, &prom.query[range], 0)
                        } else {
                            cx.span(doc, &pointer, Target::Value)
                        };
                        let mut help = format!("jobs defined in this repo: {}", known.describe());
                        if !known.unresolved.is_empty() {
                            let names: Vec<String> =
                                known.unresolved.iter().map(|d| d.label()).collect();
                            help.push_str(&format!(
                                "; {} select nothing in this repo, so their jobs are unknown (list outside jobs under `prometheus-jobs` in .canary-lint.toml)",
                                names.join(", ")
                            ));
                        }
                        let mut finding = Diagnostic::new(
                            &Self::META,
                            cx.repo.file_of(doc).rel.clone(),
                            span,
                            format!(
                                "metric `{}` selects job=\"{job}\", but no ServiceMonitor, PodMonitor, scrape config or PrometheusRule in the repo defines that job; the query returns no data",
                                metric.name
                            ),
                        )
                        .with_help(help);
                        if let Some(usage) = usage.and_then(|u| uses.get(u)) {
                            for arg in &usage.args {
                                if arg.value.as_deref() == Some(job) {
                                    finding = finding.with_related(cx.related(
                                        usage.doc,
                                        &arg.pointer,
                                        Target::Value,
                                        format!(
                                            "Rollout `{}` passes `{}: {job}`",
                                            usage.doc.name.as_deref().unwrap_or("(unnamed)"),
                                            arg.name
                                        ),
                                    ));
                                }
                            }
                        }
                        out.push(finding);
                    }
                }
            }
        }
    }
}

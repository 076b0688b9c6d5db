//! CL503: every `{{args.x}}` in a template's metrics is declared in its `spec.args`.

use std::collections::BTreeSet;

use canary_core::model::analysis::arg_placeholders;

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::analysis::{closest, other_placeholders, strings_in, templates};
use crate::facts::locate::{occurrences_before, span_in_value};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Every `{{args.NAME}}` placeholder in any string of an AnalysisTemplate's (or
    /// ClusterAnalysisTemplate's) metrics (queries, addresses, headers, conditions) names an
    /// arg declared in that template's `spec.args`. A `{{...}}` that is not `args.NAME` at all
    /// is reported too: metrics resolve nothing else.
    ///
    /// A hand-written AnalysisRun is checked the same way against its own `spec.args`.
    ///
    /// ## Why it matters
    ///
    /// The controller substitutes args into the metric's JSON before it measures. An unknown
    /// placeholder fails with `failed to resolve {{args.x}}`: for a template used by an inline
    /// step the Rollout is `InvalidSpec` (`AnalysisTemplate t: failed to resolve
    /// {{args.x}}`); for background analysis every measurement errors and the Rollout aborts.
    /// Typos such as `{{args.servce}}` or `{{arg.service}}` are the usual cause.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// spec:
    ///   args:
    ///     - name: service
    ///   metrics:
    ///     - name: errors
    ///       provider:
    ///         prometheus:
    ///           query: sum(rate(http_requests_total{job="{{args.job}}"}[2m]))   # not declared
    /// ```
    ///
    /// ## Fix
    ///
    /// Declare the arg under `spec.args` (and supply it from the Rollout if it has no value),
    /// or correct the placeholder's name.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `utils/template/template.go`, `resolve` ("failed to resolve {{%s}}"), and
    /// `pkg/apis/rollouts/validation/validation_references.go`,
    /// `ValidateAnalysisTemplateWithType` (inline templates are resolved at validation time).
    pub struct AnalysisPlaceholdersDeclared {
        code: "CL503",
        name: "analysis-placeholders-declared",
        category: Correctness,
        summary: "every {{args.x}} in a template's metrics is declared in spec.args",
    }
}

impl Rule for AnalysisPlaceholdersDeclared {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, template) in templates(cx.repo) {
            let declared: Vec<&str> = template
                .spec
                .args
                .iter()
                .flatten()
                .map(|a| a.name.as_str())
                .collect();
            let raw = cx.repo.located(doc);
            let label = doc.label();
            for (m, metric) in template.spec.metrics.iter().enumerate() {
                let prefix = format!("/spec/metrics/{m}");
                let Some(value) = raw.at(&prefix) else {
                    continue;
                };
                // Only strings with a `{{` can hold a placeholder.
                for (pointer, text) in strings_in(value, &prefix, |s| s.contains("{{")) {
                    let mut reported = BTreeSet::new();
                    for (arg, range) in arg_placeholders(text) {
                        if declared.contains(&arg.as_str()) || !reported.insert(arg.clone()) {
                            continue;
                        }
                        let needle = text.get(range.clone()).unwrap_or_default();
                        let span = span_in_value(
                            cx,
                            doc,
                            &pointer,
                            needle,
                            occurrences_before(text, range.start, needle),
                        );
                        let mut finding = Diagnostic::new(
                            &Self::META,
                            cx.repo.file_of(doc).rel.clone(),
                            span,
                            format!(
                                "`{{{{args.{arg}}}}}` in metric `{}` is not declared in the spec.args of {label}; resolving it fails: \"failed to resolve {{{{args.{arg}}}}}\"",
                                metric.name
                            ),
                        );
                        let help = match closest(&arg, declared.iter().copied()) {
                            Some(near) => format!("did you mean `{{{{args.{near}}}}}`?"),
                            None => format!(
                                "declare it under spec.args (`- name: {arg}`) and supply it from the Rollout, or use a declared arg"
                            ),
                        };
                        if !declared.is_empty() {
                            finding = finding.with_related(cx.related(
                                doc,
                                "/spec/args",
                                Target::Key,
                                format!("declared args: {}", declared.join(", ")),
                            ));
                        }
                        out.push(finding.with_help(help));
                    }
                    for tag in other_placeholders(text) {
                        if !reported.insert(tag.clone()) {
                            continue;
                        }
                        let needle = format!("{{{{{tag}}}}}");
                        let span = span_in_value(cx, doc, &pointer, &needle, 0);
                        out.push(
                            Diagnostic::new(
                                &Self::META,
                                cx.repo.file_of(doc).rel.clone(),
                                span,
                                format!(
                                    "`{{{{{tag}}}}}` in metric `{}` is not an `args.` placeholder; metrics resolve only `{{{{args.NAME}}}}`, so it fails: \"failed to resolve {{{{{tag}}}}}\"",
                                    metric.name
                                ),
                            )
                            .with_help("use `{{args.NAME}}` with a declared arg; if this file is a Helm template, render it first or list it in .canarylintignore"),
                        );
                    }
                }
            }
        }
    }
}

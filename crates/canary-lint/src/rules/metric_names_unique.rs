//! CL504: metric names are unique in a template and across the templates merged into one run.

use std::collections::BTreeMap;

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::analysis::{UsedTemplate, analysis_uses, resolve, templates};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Within one AnalysisTemplate (or ClusterAnalysisTemplate) no two metrics share a
    /// `name`, and the templates one `analysis` step (or the background analysis) merges into
    /// a single AnalysisRun do not define the same metric name either.
    ///
    /// ## Why it matters
    ///
    /// Merging templates with a shared metric name makes the Rollout `InvalidSpec`: `two
    /// metrics have the same name 'error-rate'`. A duplicate inside one template fails the
    /// AnalysisRun (`metrics[1]: duplicate name 'error-rate'`), which aborts the Rollout.
    /// Copy-pasting a metric block is the usual way in.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// - analysis:
    ///     templates:
    ///       - templateName: http-errors     # defines metric `error-rate`
    ///       - templateName: grpc-errors     # also defines `error-rate`
    /// ```
    ///
    /// ## Fix
    ///
    /// Rename one of the metrics (names only need to be unique, they are not matched against
    /// anything).
    ///
    /// ## Source
    ///
    /// Argo Rollouts `utils/analysis/helpers.go`, `flattenMetrics` ("two metrics have the same
    /// name '%s'"), and `utils/analysis/factory.go`, `ValidateMetrics` ("duplicate name").
    pub struct MetricNamesUnique {
        code: "CL504",
        name: "metric-names-unique",
        category: Correctness,
        summary: "metric names are unique within a template and across merged templates",
    }
}

impl Rule for MetricNamesUnique {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, template) in templates(cx.repo) {
            let mut first: BTreeMap<&str, usize> = BTreeMap::new();
            let name = doc.name.as_deref().unwrap_or("(unnamed)");
            for (i, metric) in template.spec.metrics.iter().enumerate() {
                match first.get(metric.name.as_str()) {
                    Some(&j) => out.push(
                        cx.at_value(
                            &Self::META,
                            doc,
                            &format!("/spec/metrics/{i}/name"),
                            format!(
                                "metric name `{}` is used twice in {} `{name}`; the AnalysisRun fails: \"metrics[{i}]: duplicate name '{}'\" and the Rollout aborts",
                                metric.name,
                                doc.kind.as_str(),
                                metric.name
                            ),
                        )
                        .with_help("rename one of the metrics")
                        .with_related(cx.related(
                            doc,
                            &format!("/spec/metrics/{j}/name"),
                            Target::Value,
                            "first used here",
                        )),
                    ),
                    None => {
                        first.insert(&metric.name, i);
                    }
                }
            }
        }
        for usage in analysis_uses(cx.repo) {
            let resolved = resolve(cx.repo, &usage);
            let mut first: BTreeMap<&str, (UsedTemplate<'_>, usize)> = BTreeMap::new();
            let mut reported: Vec<&str> = Vec::new();
            for used in &resolved.templates {
                for (i, metric) in used.template.spec.metrics.iter().enumerate() {
                    let Some((prev, j)) = first.get(metric.name.as_str()) else {
                        first.insert(&metric.name, (*used, i));
                        continue;
                    };
                    if std::ptr::eq(prev.doc, used.doc) || reported.contains(&metric.name.as_str())
                    {
                        continue;
                    }
                    reported.push(&metric.name);
                    out.push(
                        cx.at_value(
                            &Self::META,
                            usage.doc,
                            &usage.template_name_pointer(used.ref_index),
                            format!(
                                "{} of {} merges AnalysisTemplates `{}` and `{}`, which both define metric `{}`; {}: \"two metrics have the same name '{}'\"",
                                usage.describe(),
                                usage.owner(),
                                prev.name(),
                                used.name(),
                                metric.name,
                                usage.rejection(),
                                metric.name
                            ),
                        )
                        .with_help("rename the metric in one of the templates")
                        .with_related(cx.related(
                            prev.doc,
                            &format!("/spec/metrics/{j}/name"),
                            Target::Value,
                            format!("`{}` defines `{}` here", prev.name(), metric.name),
                        ))
                        .with_related(cx.related(
                            used.doc,
                            &format!("/spec/metrics/{i}/name"),
                            Target::Value,
                            format!("`{}` defines `{}` here", used.name(), metric.name),
                        )),
                    );
                }
            }
        }
    }
}

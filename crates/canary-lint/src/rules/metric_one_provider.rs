//! CL505: each metric sets exactly one provider.

use canary_core::located::NodeRef;

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::analysis::{closest, escape_pointer, metric_label, templates};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Every metric of an AnalysisTemplate or ClusterAnalysisTemplate sets exactly one
    /// provider under `provider:` (`prometheus`, `newRelic`, `datadog`, `web`, `job`,
    /// `wavefront`, `kayenta`, `cloudWatch`, `graphite`, `influxdb`, `skywalking`, or one
    /// `plugin` entry). A misspelt provider key counts as none: the API server prunes unknown
    /// fields.
    ///
    /// ## Why it matters
    ///
    /// The AnalysisRun is validated when it starts. With no provider it errors with `Analysis
    /// spec invalid: metrics[0]: no provider specified`, with two `multiple providers
    /// specified`, and the Rollout aborts at the analysis step. Nothing checks this at apply
    /// time.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// metrics:
    ///   - name: error-rate
    ///     provider:
    ///       promethues:            # misspelt: pruned, so no provider
    ///         query: ...
    /// ```
    ///
    /// ## Fix
    ///
    /// Give each metric one correctly spelt provider; split a metric that sets two into two
    /// metrics.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `utils/analysis/factory.go`, `ValidateMetric` ("no provider specified",
    /// "multiple providers specified"; each `plugin` entry counts as one provider), called from
    /// `ValidateMetrics` in `analysis/analysis.go`.
    pub struct MetricOneProvider {
        code: "CL505",
        name: "metric-one-provider",
        category: Correctness,
        summary: "every metric sets exactly one provider",
    }
}

/// The provider keys `ValidateMetric` counts.
const PROVIDERS: [&str; 12] = [
    "prometheus",
    "newRelic",
    "job",
    "web",
    "wavefront",
    "kayenta",
    "datadog",
    "cloudWatch",
    "graphite",
    "influxdb",
    "skywalking",
    "plugin",
];

impl Rule for MetricOneProvider {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, template) in templates(cx.repo) {
            let raw = cx.repo.located(doc);
            for (i, metric) in template.spec.metrics.iter().enumerate() {
                let pointer = format!("/spec/metrics/{i}/provider");
                let label = metric_label(metric, i);
                let entries: Vec<(&str, NodeRef<'_>)> = raw
                    .at(&pointer)
                    .filter(NodeRef::is_object)
                    .map(|m| {
                        m.children()
                            .filter(|v| !v.is_null())
                            .map(|v| (v.key().unwrap_or_default(), v))
                            .collect()
                    })
                    .unwrap_or_default();
                // Each plugin entry is a provider of its own.
                let mut set: Vec<String> = Vec::new();
                let mut unknown: Vec<&str> = Vec::new();
                for (key, value) in &entries {
                    match *key {
                        "plugin" => {
                            for name in value.children().filter_map(|c| c.key()) {
                                set.push(format!("plugin/{}", escape_pointer(name)));
                            }
                        }
                        k if PROVIDERS.contains(&k) => set.push(k.to_string()),
                        k => unknown.push(k),
                    }
                }
                if set.is_empty() {
                    let finding = match unknown.first() {
                        Some(key) => {
                            let help = match closest(key, PROVIDERS) {
                                Some(near) => format!("did you mean `{near}`?"),
                                None => format!("use one of: {}", PROVIDERS.join(", ")),
                            };
                            cx.at_key(
                                &Self::META,
                                doc,
                                &format!("{pointer}/{}", escape_pointer(key)),
                                format!(
                                    "`{key}` is not a metric provider (the API server drops it), so metric {label} has no provider; the AnalysisRun fails: \"no provider specified\" and the Rollout aborts"
                                ),
                            )
                            .with_help(help)
                        }
                        None => cx
                            .at_key(
                                &Self::META,
                                doc,
                                &pointer,
                                format!(
                                    "metric {label} has no provider; the AnalysisRun fails: \"no provider specified\" and the Rollout aborts"
                                ),
                            )
                            .with_help("add one provider, e.g. `provider: {prometheus: {address: ..., query: ...}}`"),
                    };
                    out.push(finding);
                } else if set.len() > 1 {
                    out.push(
                        cx.at_key(
                            &Self::META,
                            doc,
                            &format!("{pointer}/{}", set[1]),
                            format!(
                                "metric {label} sets {} providers ({}); the AnalysisRun fails: \"multiple providers specified\" and the Rollout aborts",
                                set.len(),
                                set.join(", ")
                            ),
                        )
                        .with_help("keep one provider per metric; split the others into metrics of their own"),
                    );
                }
            }
        }
    }
}

//! CL709: dashboard widgets have known visualization ids and fit in 12 columns.

use canary_core::model::newrelic::VISUALIZATION_IDS;

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::newrelic::dashboards;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// For every widget of every New Relic dashboard file (`DashboardInput` JSON):
    ///
    /// - `visualization.id` is a built-in id (`viz.area`, `viz.bar`, `viz.billboard`,
    ///   `viz.bullet`, `viz.funnel`, `viz.heatmap`, `viz.histogram`, `viz.json`, `viz.line`,
    ///   `viz.markdown`, `viz.pie`, `viz.stacked-bar`, `viz.table`,
    ///   `logger.log-table-widget`) or a custom `<nerdpack-id>.<visualization-id>` (a dot,
    ///   not starting with `viz.`);
    /// - `layout.width` is within 1..=12, `layout.column` ≥ 1, and `column + width − 1 ≤ 12`.
    ///
    /// ## Why it matters
    ///
    /// An unknown id (`viz.linechart`, `line`) renders as "Unsupported visualization" or
    /// fails the `dashboardCreate` mutation. A widget wider than the 12-column grid is
    /// rejected or squeezed onto the next row, so the canary tiles an on-call engineer looks
    /// for are not where the runbook says.
    ///
    /// ## Example
    ///
    /// ```json
    /// {"title": "errors", "layout": {"column": 7, "row": 1, "width": 8, "height": 3},
    ///  "visualization": {"id": "viz.linechart"}}
    /// ```
    ///
    /// ## Fix
    ///
    /// Use a listed id (`viz.line`) and keep `column + width − 1` at most 12.
    ///
    /// ## Source
    ///
    /// terraform-provider-newrelic `structures_newrelic_one_dashboard.go` (the built-in ids);
    /// New Relic docs `create-widgets-dashboards-api.mdx` ("The maximum amount of columns
    /// is 12"); newrelic-client-go `pkg/dashboards/types.go` (`DashboardWidgetLayoutInput`).
    pub struct NrDashboardWidgets {
        code: "CL709",
        name: "nr-dashboard-widgets",
        category: Correctness,
        summary: "dashboard widgets use known visualization ids and fit in 12 columns",
    }
}

/// Is `id` a custom visualization (`<nerdpack-id>.<visualization-id>`)?
fn is_custom(id: &str) -> bool {
    !id.starts_with("viz.")
        && id
            .split_once('.')
            .is_some_and(|(pack, viz)| !pack.is_empty() && !viz.is_empty())
}

impl Rule for NrDashboardWidgets {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, dashboard) in dashboards(cx.repo) {
            for (p, page) in dashboard.pages.iter().enumerate() {
                for (w, widget) in page.widgets.iter().enumerate() {
                    let base = format!("/pages/{p}/widgets/{w}");
                    let title = if widget.title.is_empty() {
                        "(untitled)"
                    } else {
                        widget.title.as_str()
                    };
                    if let Some(viz) = &widget.visualization
                        && !VISUALIZATION_IDS.contains(&viz.id.as_str())
                        && !is_custom(&viz.id)
                    {
                        let suggestion = VISUALIZATION_IDS
                            .iter()
                            .find(|known| {
                                let short = known.trim_start_matches("viz.");
                                let id = viz.id.trim_start_matches("viz.");
                                !id.is_empty() && (id.starts_with(short) || short.starts_with(id))
                            })
                            .map_or_else(String::new, |k| format!("did you mean `{k}`? "));
                        out.push(
                            cx.at_value(
                                &Self::META,
                                doc,
                                &format!("{base}/visualization/id"),
                                format!("widget `{title}` uses unknown visualization `{}`", viz.id),
                            )
                            .with_help(format!(
                                "{suggestion}use one of {} or a custom `<nerdpack-id>.<visualization-id>`",
                                VISUALIZATION_IDS.join(", ")
                            )),
                        );
                    }
                    let Some(layout) = &widget.layout else {
                        continue;
                    };
                    if !(1..=12).contains(&layout.width) {
                        out.push(
                            cx.at_value(
                                &Self::META,
                                doc,
                                &format!("{base}/layout/width"),
                                format!(
                                    "widget `{title}` is {} columns wide; widths are 1 to 12",
                                    layout.width
                                ),
                            )
                            .with_help("the dashboard grid has 12 columns"),
                        );
                    } else if layout.column < 1 {
                        out.push(
                            cx.at_value(
                                &Self::META,
                                doc,
                                &format!("{base}/layout/column"),
                                format!(
                                    "widget `{title}` starts at column {}; columns start at 1",
                                    layout.column
                                ),
                            )
                            .with_help("use a column from 1 to 12"),
                        );
                    } else if layout.column + layout.width - 1 > 12 {
                        out.push(
                            cx.at_value(
                                &Self::META,
                                doc,
                                &format!("{base}/layout/width"),
                                format!(
                                    "widget `{title}` spans columns {} to {}, past the 12-column grid",
                                    layout.column,
                                    layout.column + layout.width - 1
                                ),
                            )
                            .with_help(format!(
                                "make it at most {} wide, or start it at column {}",
                                (13 - layout.column).max(1),
                                13 - layout.width
                            )),
                        );
                    }
                }
            }
        }
    }
}

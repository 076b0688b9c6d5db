//! CL509: a Rollout passes an arg that none of the referenced templates declares.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::analysis::{analysis_uses, closest, resolve};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Every `args` entry of an inline `analysis` step or of background analysis names an arg
    /// that at least one of the referenced templates declares in `spec.args`. Skipped when a
    /// referenced template is missing (CL501 reports that).
    ///
    /// ## Why it matters
    ///
    /// The controller copies Rollout args only onto args the templates declare and drops the
    /// rest without a word. A misspelt arg (`servce`) therefore leaves the template's default
    /// in place, so the query silently measures something else, or the real arg stays unset
    /// and the Rollout fails with `args.service was not resolved`, far from the typo.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// - analysis:
    ///     templates: [{templateName: success-rate}]
    ///     args:
    ///       - name: servce          # the template declares `service`
    ///         value: instant-api
    /// ```
    ///
    /// ## Fix
    ///
    /// Spell the arg as the template declares it, or remove it.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `utils/analysis/helpers.go`, `MergeArgs` (only args found by `findArg` in
    /// the templates' list are overwritten; others are ignored).
    pub struct AnalysisArgUnused {
        code: "CL509",
        name: "analysis-arg-unused",
        category: Suspicious,
        summary: "a Rollout analysis arg that no referenced template declares is silently ignored",
    }
}

impl Rule for AnalysisArgUnused {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for usage in analysis_uses(cx.repo) {
            let Some(args) = usage.analysis.args.as_deref() else {
                continue;
            };
            let resolved = resolve(cx.repo, &usage);
            if !resolved.complete || resolved.templates.is_empty() {
                continue;
            }
            let merged = resolved.merged_args();
            let declared: Vec<&str> = merged.iter().map(|(a, _, _)| a.name.as_str()).collect();
            let names: Vec<&str> = resolved.templates.iter().map(|t| t.name()).collect();
            for (k, arg) in args.iter().enumerate() {
                if declared.contains(&arg.name.as_str()) {
                    continue;
                }
                let which = if names.len() == 1 {
                    format!("AnalysisTemplate `{}`", names.join(""))
                } else {
                    format!("any of the AnalysisTemplates `{}`", names.join("`, `"))
                };
                let mut finding = cx.at_value(
                    &Self::META,
                    usage.doc,
                    &usage.arg_name_pointer(k),
                    format!(
                        "arg `{}` in {} of {} is not declared by {which}; the controller ignores it silently",
                        arg.name,
                        usage.describe(),
                        usage.owner()
                    ),
                );
                let help = match closest(&arg.name, declared.iter().copied()) {
                    Some(near) => {
                        if let Some((a, used, i)) = merged.iter().find(|(a, _, _)| a.name == near) {
                            finding = finding.with_related(cx.related(
                                used.doc,
                                &format!("/spec/args/{i}/name"),
                                Target::Value,
                                format!("`{}` declares `{}`", used.name(), a.name),
                            ));
                        }
                        format!("did you mean `{near}`?")
                    }
                    None if declared.is_empty() => {
                        "the templates declare no args: remove `args`, or declare it in the template's spec.args".to_string()
                    }
                    None => format!(
                        "declared args: {}; remove this one or declare it in the template's spec.args",
                        declared.join(", ")
                    ),
                };
                out.push(finding.with_help(help));
            }
        }
    }
}

//! CL502: every template arg without a value is supplied by the Rollout.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::analysis::{Site, analysis_uses, resolve};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// For every inline `analysis` step and the background analysis of a Rollout, each arg
    /// that the referenced templates declare without `value` or `valueFrom` gets a `value` or
    /// `valueFrom` from the Rollout's `args` list. Also: two templates merged into one run
    /// do not declare the same arg with different default values.
    ///
    /// Each analysis of an Experiment is checked the same way against its `args`: the
    /// experiment controller resolves them with the same `ResolveArgs` and, on failure, marks
    /// the analysis (and so the Experiment) as errored (`experiments/experiment.go`,
    /// `createAnalysisRun`).
    ///
    /// ## Why it matters
    ///
    /// The controller merges the templates' args with the Rollout's before it creates the
    /// AnalysisRun. An arg left without a value makes the Rollout `InvalidSpec` with
    /// `args.service was not resolved` (background analysis: `missing analysis arguments in
    /// rollout spec`), so the update never starts. A Rollout arg with only a `name` supplies
    /// nothing. Conflicting defaults fail with ``Argument `x` specified multiple times with
    /// different values``.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// # AnalysisTemplate
    /// spec:
    ///   args:
    ///     - name: service        # no value: the Rollout must supply it
    /// ---
    /// # Rollout step
    /// - analysis:
    ///     templates: [{templateName: success-rate}]
    ///     # args: missing
    /// ```
    ///
    /// ## Fix
    ///
    /// Add `args: [{name: service, value: my-api}]` to the step (or to `canary.analysis`), or
    /// give the template arg a default `value`.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `utils/analysis/helpers.go`: `MergeArgs` / `ResolveArgs` ("args.%s was not
    /// resolved") and `flattenArgs` (conflicting values);
    /// `pkg/apis/rollouts/validation/validation_references.go`,
    /// `ValidateAnalysisTemplateWithType` ("missing analysis arguments in rollout spec").
    pub struct AnalysisArgsSupplied {
        code: "CL502",
        name: "analysis-args-supplied",
        category: Correctness,
        summary: "every template arg without a value is supplied by the Rollout's args",
    }
}

impl Rule for AnalysisArgsSupplied {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for usage in analysis_uses(cx.repo) {
            let resolved = resolve(cx.repo, &usage);
            let rollout_args = usage.analysis.args.as_deref().unwrap_or(&[]);
            // Conflicting defaults between merged templates.
            let mut seen: Vec<(&str, &str, &crate::facts::analysis::UsedTemplate<'_>, usize)> =
                Vec::new();
            for used in &resolved.templates {
                for (i, arg) in used.template.spec.args.iter().flatten().enumerate() {
                    let Some(value) = arg.value.as_deref() else {
                        continue;
                    };
                    match seen.iter().find(|(n, _, _, _)| *n == arg.name) {
                        Some((_, first, first_t, first_i)) if *first != value => {
                            out.push(
                                cx.at_value(
                                    &Self::META,
                                    used.doc,
                                    &format!("/spec/args/{i}/value"),
                                    format!(
                                        "arg `{}` is declared by AnalysisTemplate `{}` with value '{first}' and by `{}` with '{value}', and {} of {} merges both; {}: \"Argument `{}` specified multiple times with different values\"",
                                        arg.name,
                                        first_t.name(),
                                        used.name(),
                                        usage.describe(),
                                        usage.owner(),
                                        usage.rejection(),
                                        arg.name
                                    ),
                                )
                                .with_help("give the arg one default, or drop the defaults and pass the value from the Rollout")
                                .with_related(cx.related(
                                    first_t.doc,
                                    &format!("/spec/args/{first_i}/value"),
                                    Target::Value,
                                    format!("`{}` declares '{first}'", first_t.name()),
                                ))
                                .with_related(cx.related(
                                    usage.doc,
                                    &usage.pointer(),
                                    Target::Key,
                                    "both templates are merged into this analysis",
                                )),
                            );
                        }
                        Some(_) => {}
                        None => seen.push((&arg.name, value, used, i)),
                    }
                }
            }
            for (arg, used, i) in resolved.merged_args() {
                if arg.value.is_some() || arg.value_from.is_some() {
                    continue;
                }
                let supplied = rollout_args.iter().position(|a| a.name == arg.name);
                if let Some(k) = supplied
                    && (rollout_args[k].value.is_some() || rollout_args[k].value_from.is_some())
                {
                    continue;
                }
                let controller = match (usage.site, usage.analysis.args.is_some()) {
                    (Site::Background, false) => {
                        "missing analysis arguments in rollout spec".to_string()
                    }
                    _ => format!("args.{} was not resolved", arg.name),
                };
                let related = cx.related(
                    used.doc,
                    &format!("/spec/args/{i}/name"),
                    Target::Value,
                    format!(
                        "AnalysisTemplate `{}` declares `{}` without a value",
                        used.name(),
                        arg.name
                    ),
                );
                let finding = match supplied {
                    Some(k) => cx
                        .at_value(
                            &Self::META,
                            usage.doc,
                            &usage.arg_name_pointer(k),
                            format!(
                                "arg `{}` in {} of {} has neither `value` nor `valueFrom`, so it supplies nothing; {}: \"{controller}\"",
                                arg.name,
                                usage.describe(),
                                usage.owner(),
                                usage.rejection()
                            ),
                        )
                        .with_help(format!("add `value: ...` to arg `{}`", arg.name)),
                    None => cx
                        .at_value(
                            &Self::META,
                            usage.doc,
                            &usage.template_name_pointer(used.ref_index),
                            format!(
                                "AnalysisTemplate `{}` needs arg `{}`, but {} of {} does not supply it; {}: \"{controller}\"",
                                used.name(),
                                arg.name,
                                usage.describe(),
                                usage.owner(),
                                usage.rejection()
                            ),
                        )
                        .with_help(format!(
                            "add `args: [{{name: {}, value: ...}}]` next to `templates`, or give the template arg a default `value`",
                            arg.name
                        )),
                };
                out.push(finding.with_related(related));
            }
        }
    }
}

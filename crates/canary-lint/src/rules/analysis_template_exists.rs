//! CL501: every analysis template a Rollout (or a template) references exists.

use canary_core::model::rollout::AnalysisTemplateRef;

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Related};
use crate::facts::analysis::{
    Lookup, analysis_uses, lookup, nested_refs, referenced_kind, templates,
};
use crate::repo::{Document, Kind};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Every `templateName` in an inline `analysis` step, in background analysis
    /// (`canary.analysis.templates`) and in a template's own `spec.templates` names an
    /// AnalysisTemplate in the referring object's namespace, or a ClusterAnalysisTemplate when
    /// the reference says `clusterScope: true`.
    ///
    /// The same holds for every `templateName` in an Experiment's `analyses`: the
    /// experiment controller cannot create that AnalysisRun (`Failed to create AnalysisRun for
    /// analysis ...`, argo-rollouts `experiments/experiment.go`, `reconcileAnalysisRun`), and the
    /// Experiment errors.
    ///
    /// ## Why it matters
    ///
    /// The controller resolves every referenced template before it acts on the Rollout. A
    /// missing one makes the Rollout `InvalidSpec` (`AnalysisTemplate 'success-rate' not
    /// found`, or `ClusterAnalysisTemplate '...' not found`), so no step runs. A template
    /// applied as a ClusterAnalysisTemplate but referenced without `clusterScope: true` (or the
    /// other way round) fails the same way. `kubectl argo rollouts lint` does not load
    /// templates at all.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// steps:
    ///   - analysis:
    ///       templates:
    ///         - templateName: sucess-rate   # the template is `success-rate`
    /// ```
    ///
    /// ## Fix
    ///
    /// Name an existing template in the Rollout's namespace, set `clusterScope: true` for a
    /// ClusterAnalysisTemplate, or add the template to the repo.
    ///
    /// ## Severity
    ///
    /// Teams often keep the target in another repo, so a target that is simply not in the
    /// repo is a **warning** that says so and points at `[external]` in `.canary-lint.toml`
    /// (declared objects are not reported). It is an **error** when the repo shows a mistake:
    /// an object of that kind with a near name (case, separators, or an edit distance of at
    /// most 2: "did you mean"), or the same name in another namespace or as the other template kind (`clusterScope`); and for every
    /// missing target with `strict-references = true`.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `rollout/controller.go`, `getReferencedAnalysisTemplates` and
    /// `getReferencedRolloutAnalyses` (the not-found errors, paths
    /// `spec.strategy.canary.steps[i].analysis.templates` and
    /// `spec.strategy.canary.analysis.templates`); nested `spec.templates` are followed by the
    /// same code.
    pub struct AnalysisTemplateExists {
        code: "CL501",
        name: "analysis-template-exists",
        category: Correctness,
        summary: "every referenced AnalysisTemplate / ClusterAnalysisTemplate exists",
    }
}

impl Rule for AnalysisTemplateExists {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for usage in analysis_uses(cx.repo) {
            for (j, reference) in usage.analysis.templates.iter().enumerate() {
                let pointer = usage.template_name_pointer(j);
                let owner = format!("{} ({})", usage.owner(), usage.describe());
                if let Some(d) = self.check_ref(
                    cx,
                    usage.doc,
                    &pointer,
                    reference,
                    &owner,
                    usage.rejection(),
                ) {
                    out.push(d);
                }
            }
        }
        for (doc, template) in templates(cx.repo) {
            for (i, reference) in nested_refs(template) {
                let pointer = format!("/spec/templates/{i}/templateName");
                let owner = doc.label();
                let rejection = "the controller rejects every Rollout that uses it";
                if let Some(d) = self.check_ref(cx, doc, &pointer, &reference, &owner, rejection) {
                    out.push(d);
                }
            }
        }
    }
}

impl AnalysisTemplateExists {
    fn check_ref(
        &self,
        cx: &Context<'_>,
        doc: &Document,
        pointer: &str,
        reference: &AnalysisTemplateRef,
        owner: &str,
        rejection: &str,
    ) -> Option<Diagnostic> {
        let namespace = doc.namespace.as_deref();
        if !matches!(lookup(cx.repo, doc, reference), Lookup::Missing) {
            return None;
        }
        let name = &reference.template_name;
        let kind = referenced_kind(reference);
        if name.is_empty() {
            return Some(
                cx.at_value(
                    &Self::META,
                    doc,
                    pointer,
                    format!("{owner} references an analysis template with an empty name"),
                )
                .with_help("set `templateName` to the template's metadata.name"),
            );
        }
        let where_ = match (kind, namespace) {
            (Kind::ClusterAnalysisTemplate, _) => "in this repo".to_string(),
            (_, Some(ns)) => format!("in namespace `{ns}`"),
            (_, None) => "in this repo".to_string(),
        };
        let mut finding = cx.at_value(
            &Self::META,
            doc,
            pointer,
            format!(
                "{owner} references {} `{name}`, but none exists {where_}; {rejection}: \"{} '{name}' not found\"",
                kind.as_str(),
                kind.as_str()
            ),
        );
        let mut help = format!("add the {} or reference an existing one", kind.as_str());
        let other_kind = match kind {
            Kind::ClusterAnalysisTemplate => Kind::AnalysisTemplate,
            _ => Kind::ClusterAnalysisTemplate,
        };
        let mut related: Vec<Related> = Vec::new();
        for other in cx.repo.find_any_namespace(other_kind, name) {
            related.push(cx.related(
                other,
                "/metadata/name",
                Target::Value,
                format!("a {} `{name}` exists here", other_kind.as_str()),
            ));
            help = if other_kind == Kind::ClusterAnalysisTemplate {
                "it is a ClusterAnalysisTemplate: add `clusterScope: true` to the reference"
                    .to_string()
            } else {
                "it is a namespaced AnalysisTemplate: remove `clusterScope: true` from the reference".to_string()
            };
        }
        if kind == Kind::AnalysisTemplate {
            for other in cx.repo.find_any_namespace(Kind::AnalysisTemplate, name) {
                let ns = other.namespace.as_deref().unwrap_or("(none)");
                related.push(cx.related(
                    other,
                    "/metadata/namespace",
                    Target::Value,
                    format!("an AnalysisTemplate `{name}` exists in namespace `{ns}`"),
                ));
                help = "templates are looked up in the Rollout's own namespace: move the template, or use a ClusterAnalysisTemplate".to_string();
            }
        }
        let shows_mistake = !related.is_empty();
        for r in related {
            finding = finding.with_related(r);
        }
        let finding = finding.with_help(help);
        if shows_mistake {
            // The name exists as the other kind or in another namespace: the reference is
            // wrong, whatever else lives outside the repo.
            return Some(finding);
        }
        let namespace = match kind {
            Kind::ClusterAnalysisTemplate => None,
            _ => namespace,
        };
        cx.missing_reference(finding, kind, namespace, name)
    }
}

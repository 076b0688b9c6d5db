//! CL010: a reference that several equally near objects could satisfy.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::analysis::{analysis_uses, nested_refs, referenced_kind, templates};
use crate::facts::workload::{canaries, named_services, nginx_canaries};
use crate::repo::{Document, Kind};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// Every reference a Rollout or an AnalysisTemplate makes (workloadRef, canaryService,
    /// stableService, stableIngress, stableIngresses, templateName) is resolved the way the
    /// objects are applied together: the same file first, then the files the same
    /// kustomization builds (its `resources`, recursively), then the same directory, its
    /// subdirectories, and each ancestor directory's subtree in turn. This rule reports a
    /// reference whose nearest level holds **several** objects of that kind and name in a
    /// matching namespace (two overlays that each define the Service a shared base names, or
    /// two example files in one folder).
    ///
    /// ## Why it matters
    ///
    /// A repo scan cannot know which copy is applied with the Rollout, so canary-lint does not
    /// pick one: the rules that compare the target with the Rollout (selectors, ports, replica
    /// counts, template args) skip that reference rather than judge the wrong copy. This is a
    /// **warning**: the cluster sees only one of them, and nothing here shows that it is wrong.
    ///
    /// ## Example
    ///
    /// ```text
    /// base/rollout.yaml            stableService: api-stable
    /// overlays/prod/services.yaml  Service api-stable
    /// overlays/dev/services.yaml   Service api-stable   (both overlays build the base)
    /// ```
    ///
    /// ## Fix
    ///
    /// Lint what one environment applies (`kustomize build overlays/prod | canary-lint -`), keep
    /// one copy, or move the copies apart so each is nearest to its own Rollout.
    ///
    /// ## Source
    ///
    /// The controller looks each name up in the Rollout's namespace in the cluster
    /// (argo-rollouts `rollout/controller.go`, `newRolloutContext` and the
    /// `getReferenced*` functions); which copy a repo puts there is decided by what is applied
    /// together.
    pub struct ReferenceAmbiguous {
        code: "CL010",
        name: "reference-ambiguous",
        category: Suspicious,
        summary: "a reference has several equally near targets, so no copy is judged",
    }
}

impl Rule for ReferenceAmbiguous {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        let mut report = |from: &Document,
                          pointer: &str,
                          kind: Kind,
                          namespace: Option<&str>,
                          name: &str| {
            let found = cx.repo.resolve(from, kind, namespace, name);
            if found.len() < 2 {
                return;
            }
            let mut finding = cx
                .at_value(
                    &Self::META,
                    from,
                    pointer,
                    format!(
                        "{} names {} `{name}`, and {} objects of that name are equally near (same level of file, kustomization and directory): the repo does not show which one is applied with it, so no rule compares it with them",
                        from.label(),
                        kind.as_str(),
                        found.len()
                    ),
                )
                .with_help("lint what one environment applies (`kustomize build overlays/prod | canary-lint -`), or keep one copy nearest to the object that names it");
            for doc in found {
                finding = finding.with_related(cx.related(
                    doc,
                    "/metadata/name",
                    Target::Value,
                    format!("{} `{name}` is defined here", kind.as_str()),
                ));
            }
            out.push(finding);
        };
        for (doc, rollout) in cx.repo.rollouts() {
            let namespace = doc.namespace.as_deref();
            if let Some(target) = &rollout.spec.workload_ref
                && target.kind.as_deref().is_none_or(|k| k == "Deployment")
                && !target.name.is_empty()
            {
                report(
                    doc,
                    "/spec/workloadRef/name",
                    Kind::Deployment,
                    namespace,
                    &target.name,
                );
            }
        }
        for (doc, _, canary) in canaries(cx.repo) {
            let mut seen: Vec<&str> = Vec::new();
            for (role, svc) in named_services(canary) {
                if !seen.contains(&svc) {
                    seen.push(svc);
                    report(
                        doc,
                        &role.pointer(),
                        Kind::Service,
                        doc.namespace.as_deref(),
                        svc,
                    );
                }
            }
        }
        for (doc, _, nginx) in nginx_canaries(cx.repo) {
            const NGINX: &str = "/spec/strategy/canary/trafficRouting/nginx";
            if let Some(one) = nginx.stable_ingress.as_deref().filter(|s| !s.is_empty()) {
                report(
                    doc,
                    &format!("{NGINX}/stableIngress"),
                    Kind::Ingress,
                    doc.namespace.as_deref(),
                    one,
                );
            }
            for (i, ing) in nginx.stable_ingresses.iter().flatten().enumerate() {
                report(
                    doc,
                    &format!("{NGINX}/stableIngresses/{i}"),
                    Kind::Ingress,
                    doc.namespace.as_deref(),
                    ing,
                );
            }
        }
        for usage in analysis_uses(cx.repo) {
            for (j, reference) in usage.analysis.templates.iter().enumerate() {
                let kind = referenced_kind(reference);
                let namespace = match kind {
                    Kind::ClusterAnalysisTemplate => None,
                    _ => usage.doc.namespace.as_deref(),
                };
                report(
                    usage.doc,
                    &usage.template_name_pointer(j),
                    kind,
                    namespace,
                    &reference.template_name,
                );
            }
        }
        for (doc, template) in templates(cx.repo) {
            for (i, reference) in nested_refs(template) {
                let kind = referenced_kind(&reference);
                let namespace = match kind {
                    Kind::ClusterAnalysisTemplate => None,
                    _ => doc.namespace.as_deref(),
                };
                report(
                    doc,
                    &format!("/spec/templates/{i}/templateName"),
                    kind,
                    namespace,
                    &reference.template_name,
                );
            }
        }
    }
}

//! Which Rollouts use an AnalysisTemplate and with which args, and a Rollout's ladder budget:
//! shared by the Prometheus, New Relic analysis and CI rules (CL6xx, CL70x, CL8xx).
//!
//! A reference without `clusterScope: true` names an AnalysisTemplate in the Rollout's
//! namespace; with it, a ClusterAnalysisTemplate (argo-rollouts `rollout/controller.go`,
//! `getReferencedAnalysisTemplates`). Both inline `analysis` steps and background analysis
//! (`strategy.canary.analysis`) count.

use canary_core::ladder::{Ladder, LadderBudget};
use canary_core::model::Rollout;
use canary_core::model::analysis::AnalysisTemplate;
use canary_core::model::rollout::{AnalysisTemplateRef, RolloutAnalysis};

use super::Facts;
use crate::repo::index::namespaces_match;
use crate::repo::{Document, Kind, Object, Repo};

/// The typed template of an AnalysisTemplate or ClusterAnalysisTemplate document.
pub fn template_of(doc: &Document) -> Option<&AnalysisTemplate> {
    match (&doc.kind, &doc.object) {
        (
            Kind::AnalysisTemplate | Kind::ClusterAnalysisTemplate,
            Some(Object::AnalysisTemplate(t)),
        ) => Some(t),
        _ => None,
    }
}

/// Every valid AnalysisTemplate and ClusterAnalysisTemplate, in file order.
pub fn all_templates(repo: &Repo) -> Vec<(&Document, &AnalysisTemplate)> {
    let mut out: Vec<(&Document, &AnalysisTemplate)> = repo
        .of_kind(Kind::AnalysisTemplate)
        .chain(repo.of_kind(Kind::ClusterAnalysisTemplate))
        .filter_map(|d| template_of(d).map(|t| (d, t)))
        .collect();
    out.sort_by_key(|(d, _)| (d.file, d.index));
    out
}

/// The template the object `from` reaches through `reference`, when it resolves to one valid
/// template (see [`super::analysis::lookup`]).
pub fn resolve_ref<'r>(
    repo: &'r Repo,
    from: &Document,
    reference: &AnalysisTemplateRef,
) -> Option<&'r AnalysisTemplate> {
    match super::analysis::lookup(repo, from, reference) {
        super::analysis::Lookup::Found(_, t) => Some(t),
        _ => None,
    }
}

/// An arg a Rollout passes to a template: name, literal value, and where it is written.
#[derive(Debug, Clone)]
pub struct PassedArg {
    /// The arg name.
    pub name: String,
    /// The literal value; `None` for `valueFrom`.
    pub value: Option<String>,
    /// JSON Pointer of the value (or of the arg when it has none).
    pub pointer: String,
}

/// One use of a template by a Rollout.
#[derive(Debug, Clone)]
pub struct TemplateUse<'r> {
    /// The Rollout's document.
    pub doc: &'r Document,
    /// The Rollout.
    pub rollout: &'r Rollout,
    /// The args passed at that use.
    pub args: Vec<PassedArg>,
}

impl TemplateUse<'_> {
    /// The literal value passed for `name`.
    pub fn arg(&self, name: &str) -> Option<&PassedArg> {
        self.args
            .iter()
            .find(|a| a.name == name && a.value.is_some())
    }
}

/// Does `reference` from a Rollout in `namespace` name the template document `template`?
fn names_template(
    reference: &AnalysisTemplateRef,
    namespace: Option<&str>,
    template: &Document,
) -> bool {
    let wanted = if reference.cluster_scope == Some(true) {
        Kind::ClusterAnalysisTemplate
    } else {
        Kind::AnalysisTemplate
    };
    template.kind == wanted
        && template.name.as_deref() == Some(reference.template_name.as_str())
        && (wanted == Kind::ClusterAnalysisTemplate
            || namespaces_match(namespace, template.namespace.as_deref()))
}

/// Every use of every template by a Rollout in the repo, indexed by template name, built once
/// per run (see [`UseIndex::shared`]) so a repo of N templates and M Rollouts costs N + M,
/// not N × M.
pub struct UseIndex<'r> {
    repo: &'r Repo,
    by_name: std::collections::HashMap<&'r str, Vec<IndexedUse<'r>>>,
}

struct IndexedUse<'r> {
    reference: &'r AnalysisTemplateRef,
    block: usize,
    template_use: TemplateUse<'r>,
}

impl std::fmt::Debug for UseIndex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UseIndex")
            .field("templates", &self.by_name.len())
            .finish()
    }
}

impl<'r> UseIndex<'r> {
    /// The index for this run, built by the first rule that asks.
    pub fn shared(cx: &Facts<'r>) -> &'r UseIndex<'r> {
        cx.memo.template_uses.get_or_init(|| UseIndex::new(cx.repo))
    }

    /// Index every analysis block (background and steps) of every Rollout.
    pub fn new(repo: &'r Repo) -> Self {
        let mut by_name: std::collections::HashMap<&'r str, Vec<IndexedUse<'r>>> =
            std::collections::HashMap::new();
        let mut block = 0;
        for (doc, rollout) in repo.rollouts() {
            let Some(canary) = rollout.spec.strategy.canary.as_ref() else {
                continue;
            };
            let mut blocks: Vec<(&'r RolloutAnalysis, String)> = Vec::new();
            if let Some(bg) = &canary.analysis {
                blocks.push((&bg.analysis, "/spec/strategy/canary/analysis".to_string()));
            }
            for (i, step) in canary.steps.iter().flatten().enumerate() {
                if let Some(a) = &step.analysis {
                    blocks.push((a, format!("/spec/strategy/canary/steps/{i}/analysis")));
                }
            }
            for (analysis, pointer) in blocks {
                block += 1;
                let args: Vec<PassedArg> = analysis
                    .args
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(j, a)| PassedArg {
                        name: a.name.clone(),
                        value: a.value.clone(),
                        pointer: if a.value.is_some() {
                            format!("{pointer}/args/{j}/value")
                        } else {
                            format!("{pointer}/args/{j}")
                        },
                    })
                    .collect();
                for reference in &analysis.templates {
                    by_name
                        .entry(reference.template_name.as_str())
                        .or_default()
                        .push(IndexedUse {
                            reference,
                            block,
                            template_use: TemplateUse {
                                doc,
                                rollout,
                                args: args.clone(),
                            },
                        });
                }
            }
        }
        UseIndex { repo, by_name }
    }

    /// Does the reference resolve to `template` itself, not to a nearer copy of the name (or to
    /// several equally near ones)?
    fn resolves_to(&self, c: &IndexedUse<'r>, template: &Document) -> bool {
        let candidates = self.repo.resolve(
            c.template_use.doc,
            template.kind,
            match template.kind {
                Kind::ClusterAnalysisTemplate => None,
                _ => c.template_use.doc.namespace.as_deref(),
            },
            &c.reference.template_name,
        );
        matches!(candidates.as_slice(), [one] if one.file == template.file && one.index == template.index)
    }

    /// Every place a Rollout uses the template document `template`, in file order; a block
    /// that names the template twice counts once.
    pub fn uses_of(&self, template: &Document) -> Vec<TemplateUse<'r>> {
        let Some(candidates) = template.name.as_deref().and_then(|n| self.by_name.get(n)) else {
            return Vec::new();
        };
        let mut out: Vec<TemplateUse<'r>> = Vec::new();
        let mut last_block = 0;
        for c in candidates {
            if c.block != last_block
                && names_template(
                    c.reference,
                    c.template_use.doc.namespace.as_deref(),
                    template,
                )
                && self.resolves_to(c, template)
            {
                last_block = c.block;
                out.push(c.template_use.clone());
            }
        }
        out
    }
}

/// The time budget of a Rollout's ladder (`canary_core::ladder`), with the configured
/// readiness allowance per setWeight.
pub fn ladder_budget(cx: &Facts<'_>, doc: &Document, rollout: &Rollout) -> LadderBudget {
    let repo = cx.repo;
    let lookup = move |r: &AnalysisTemplateRef| resolve_ref(repo, doc, r);
    Ladder::new(rollout, &lookup, cx.settings.readiness_allowance_secs).budget()
}

/// Rollouts named `name` whose namespace matches `namespace`.
pub fn rollouts_named<'r>(
    repo: &'r Repo,
    namespace: Option<&str>,
    name: &str,
) -> Vec<(&'r Document, &'r Rollout)> {
    repo.find(Kind::Rollout, namespace, name)
        .into_iter()
        .filter_map(|d| d.as_rollout().map(|r| (d, r)))
        .collect()
}

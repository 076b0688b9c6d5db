//! Analysis facts shared by the Steps and Analysis rules (CL4xx, CL5xx): where a Rollout uses
//! analysis (inline steps and background), which templates those references resolve to, and
//! the strings of a metric with their JSON Pointers.
//!
//! Resolution follows the controller (`rollout/controller.go`, `getReferencedAnalysisTemplates`):
//! a reference without `clusterScope: true` names an AnalysisTemplate in the Rollout's
//! namespace, one with it a ClusterAnalysisTemplate; nested `spec.templates` of a found
//! template are followed too. Namespace matching is the repo index's (an object without
//! `metadata.namespace` matches any namespace).

use canary_core::located::NodeRef;
use std::collections::BTreeSet;

use canary_core::model::AnalysisTemplate;
use canary_core::model::analysis::Argument;
use canary_core::model::rollout::{AnalysisTemplateRef, RolloutAnalysis};
use serde_json::Value;

use crate::repo::{Document, Kind, Object, Repo};

/// The typed template of an AnalysisTemplate or ClusterAnalysisTemplate document.
pub fn as_template(doc: &Document) -> Option<&AnalysisTemplate> {
    match (&doc.kind, &doc.object) {
        (
            Kind::AnalysisTemplate | Kind::ClusterAnalysisTemplate | Kind::AnalysisRun,
            Some(Object::AnalysisTemplate(t)),
        ) => Some(t),
        _ => None,
    }
}

/// Every valid AnalysisTemplate and ClusterAnalysisTemplate in the repo, then every valid
/// AnalysisRun (its metrics and args are those of a template, written out), in file order.
pub fn templates(repo: &Repo) -> impl Iterator<Item = (&Document, &AnalysisTemplate)> {
    repo.of_kind(Kind::AnalysisTemplate)
        .chain(repo.of_kind(Kind::ClusterAnalysisTemplate))
        .chain(repo.of_kind(Kind::AnalysisRun))
        .filter_map(|d| as_template(d).map(|t| (d, t)))
}

/// Where an analysis use sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site<'a> {
    /// A Rollout's inline `analysis` step, by index.
    Step(usize),
    /// A Rollout's background analysis (`strategy.canary.analysis`).
    Background,
    /// An Experiment's `analyses[index]`, named `name`.
    Experiment {
        /// Index in `spec.analyses`.
        index: usize,
        /// The analysis name.
        name: &'a str,
    },
}

/// One place that runs analysis from templates: a Rollout's inline `analysis` step or its
/// background analysis, or one analysis of an Experiment.
#[derive(Debug, Clone, Copy)]
pub struct AnalysisUse<'a> {
    /// The Rollout's or Experiment's document.
    pub doc: &'a Document,
    /// The analysis block.
    pub analysis: &'a RolloutAnalysis,
    /// Where it is.
    pub site: Site<'a>,
}

impl AnalysisUse<'_> {
    /// The step index of an inline Rollout step.
    pub fn step(&self) -> Option<usize> {
        match self.site {
            Site::Step(i) => Some(i),
            _ => None,
        }
    }

    /// JSON Pointer of the analysis block in its document.
    pub fn pointer(&self) -> String {
        match self.site {
            Site::Step(i) => format!("/spec/strategy/canary/steps/{i}/analysis"),
            Site::Background => "/spec/strategy/canary/analysis".to_string(),
            Site::Experiment { index, .. } => format!("/spec/analyses/{index}"),
        }
    }

    /// JSON Pointer of the `j`th template reference's `templateName`.
    pub fn template_name_pointer(&self, j: usize) -> String {
        match self.site {
            Site::Experiment { .. } => format!("{}/templateName", self.pointer()),
            _ => format!("{}/templates/{j}/templateName", self.pointer()),
        }
    }

    /// JSON Pointer of the `j`th arg's `name`.
    pub fn arg_name_pointer(&self, j: usize) -> String {
        format!("{}/args/{j}/name", self.pointer())
    }

    /// `step 3`, `background analysis` or `analysis `smoke``, for messages.
    pub fn describe(&self) -> String {
        match self.site {
            Site::Step(i) => format!("step {i}"),
            Site::Background => "background analysis".to_string(),
            Site::Experiment { name, .. } => format!("analysis `{name}`"),
        }
    }

    /// `Rollout `api`` or `Experiment `api-smoke``, for messages.
    pub fn owner(&self) -> String {
        self.doc.label()
    }

    /// What the controller does when this analysis cannot be created, for messages.
    pub fn rejection(&self) -> &'static str {
        match self.site {
            Site::Experiment { .. } => {
                "the experiment controller cannot create its AnalysisRun and the Experiment errors"
            }
            _ => "the controller rejects the Rollout",
        }
    }
}

/// Every analysis use of every valid Rollout (inline steps in order, then background), then
/// every analysis of every valid Experiment.
pub fn analysis_uses(repo: &Repo) -> Vec<AnalysisUse<'_>> {
    let mut out = Vec::new();
    for (doc, rollout) in repo.rollouts() {
        let Some(canary) = rollout.spec.strategy.canary.as_ref() else {
            continue;
        };
        for (i, step) in canary.steps.iter().flatten().enumerate() {
            if let Some(analysis) = &step.analysis {
                out.push(AnalysisUse {
                    doc,
                    analysis,
                    site: Site::Step(i),
                });
            }
        }
        if let Some(background) = &canary.analysis {
            out.push(AnalysisUse {
                doc,
                analysis: &background.analysis,
                site: Site::Background,
            });
        }
    }
    for doc in repo.of_kind(Kind::Experiment) {
        let Some(Object::Experiment(experiment)) = &doc.object else {
            continue;
        };
        for (index, (analysis, entry)) in experiment
            .analyses
            .iter()
            .zip(&experiment.experiment.spec.analyses)
            .enumerate()
        {
            out.push(AnalysisUse {
                doc,
                analysis,
                site: Site::Experiment {
                    index,
                    name: &entry.name,
                },
            });
        }
    }
    out
}

/// What a template reference resolves to.
#[derive(Debug, Clone)]
pub enum Lookup<'a> {
    /// A valid template.
    Found(&'a Document, &'a AnalysisTemplate),
    /// A document of that kind and name exists but does not fit the schema (CL003 reports it).
    Invalid(&'a Document),
    /// Several equally near templates of that name (CL010 reports it); none is judged.
    Ambiguous(Vec<&'a Document>),
    /// Nothing of that kind and name in a matching namespace.
    Missing,
}

/// The kind a reference names: ClusterAnalysisTemplate when `clusterScope: true`.
pub fn referenced_kind(reference: &AnalysisTemplateRef) -> Kind {
    if reference.cluster_scope == Some(true) {
        Kind::ClusterAnalysisTemplate
    } else {
        Kind::AnalysisTemplate
    }
}

/// Resolves one reference made from the object `from` (in its namespace; any namespace for a
/// ClusterAnalysisTemplate), to the nearest template (see [`Repo::resolve`]).
pub fn lookup<'a>(repo: &'a Repo, from: &Document, reference: &AnalysisTemplateRef) -> Lookup<'a> {
    let kind = referenced_kind(reference);
    let namespace = match kind {
        Kind::ClusterAnalysisTemplate => None,
        _ => from.namespace.as_deref(),
    };
    let candidates = repo.resolve(from, kind, namespace, &reference.template_name);
    match candidates.as_slice() {
        [] => Lookup::Missing,
        [doc] => match as_template(doc) {
            Some(t) => Lookup::Found(doc, t),
            None => Lookup::Invalid(doc),
        },
        _ => Lookup::Ambiguous(candidates),
    }
}

/// The nested `spec.templates` references of a template (entries that are not objects with a
/// `templateName` are skipped).
pub fn nested_refs(template: &AnalysisTemplate) -> Vec<(usize, AnalysisTemplateRef)> {
    template
        .spec
        .templates
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| {
            let name = v.get("templateName")?.as_str()?;
            let cluster_scope = v.get("clusterScope").and_then(Value::as_bool);
            Some((
                i,
                AnalysisTemplateRef {
                    template_name: name.to_string(),
                    cluster_scope,
                },
            ))
        })
        .collect()
}

/// A template that an analysis use pulls in, with the reference it came through.
#[derive(Debug, Clone, Copy)]
pub struct UsedTemplate<'a> {
    /// Index into the use's `templates` list (nested templates carry their root's index).
    pub ref_index: usize,
    /// The template's document.
    pub doc: &'a Document,
    /// The template.
    pub template: &'a AnalysisTemplate,
}

impl UsedTemplate<'_> {
    /// The template's name for messages.
    pub fn name(&self) -> &str {
        self.doc.name.as_deref().unwrap_or("(unnamed)")
    }
}

/// The templates behind one analysis use, flattened the way the controller merges them.
#[derive(Debug, Clone, Default)]
pub struct Resolved<'a> {
    /// Found templates, each once, in reference order (nested ones after their parent).
    pub templates: Vec<UsedTemplate<'a>>,
    /// False when any reference (direct or nested) is missing or invalid: the merged view is
    /// then partial, and checks that need all of it stay silent.
    pub complete: bool,
}

impl<'a> Resolved<'a> {
    /// The merged template args (`flattenArgs`, utils/analysis/helpers.go): the first
    /// declaration of a name wins unless it has no value and a later one has.
    pub fn merged_args(&self) -> Vec<(&'a Argument, UsedTemplate<'a>, usize)> {
        let mut merged: Vec<(&'a Argument, UsedTemplate<'a>, usize)> = Vec::new();
        for used in &self.templates {
            for (i, arg) in used.template.spec.args.iter().flatten().enumerate() {
                match merged.iter_mut().find(|(a, _, _)| a.name == arg.name) {
                    // Go replaces an earlier declaration whose `value` is nil, even one
                    // with `valueFrom`.
                    Some(slot) => {
                        if slot.0.value.is_none() {
                            *slot = (arg, *used, i);
                        }
                    }
                    None => merged.push((arg, *used, i)),
                }
            }
        }
        merged
    }
}

/// Resolves every template an analysis use references, following nested templates.
pub fn resolve<'a>(repo: &'a Repo, usage: &AnalysisUse<'a>) -> Resolved<'a> {
    let mut out = Resolved {
        templates: Vec::new(),
        complete: true,
    };
    let mut seen: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (ref_index, reference) in usage.analysis.templates.iter().enumerate() {
        let mut queue = vec![reference.clone()];
        while let Some(reference) = queue.pop() {
            match lookup(repo, usage.doc, &reference) {
                Lookup::Found(doc, template) => {
                    if !seen.insert((doc.file, doc.index)) {
                        continue;
                    }
                    out.templates.push(UsedTemplate {
                        ref_index,
                        doc,
                        template,
                    });
                    let mut nested = nested_refs(template);
                    nested.reverse();
                    queue.extend(nested.into_iter().map(|(_, r)| r));
                }
                Lookup::Invalid(_) | Lookup::Ambiguous(_) | Lookup::Missing => {
                    out.complete = false;
                }
            }
        }
    }
    out
}

/// Escapes one JSON Pointer segment.
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Every string in `value` (object values and array items, recursively) that `wanted`
/// accepts, with its JSON Pointer below `prefix`, in document order. Pointers are built in one
/// buffer and copied only for the strings kept.
pub fn strings_in<'v>(
    value: NodeRef<'v>,
    prefix: &str,
    wanted: impl Fn(&str) -> bool,
) -> Vec<(String, &'v str)> {
    fn walk<'v>(
        v: NodeRef<'v>,
        pointer: &mut String,
        wanted: &dyn Fn(&str) -> bool,
        out: &mut Vec<(String, &'v str)>,
    ) {
        if let Some(s) = v.as_str() {
            if wanted(s) {
                out.push((pointer.clone(), s));
            }
            return;
        }
        for (i, item) in v.children().enumerate() {
            let len = pointer.len();
            pointer.push('/');
            match item.key() {
                Some(k) if k.contains(['~', '/']) => pointer.push_str(&escape_pointer(k)),
                Some(k) => pointer.push_str(k),
                None => {
                    use std::fmt::Write;
                    let _ = write!(pointer, "{i}");
                }
            }
            walk(item, pointer, wanted, out);
            pointer.truncate(len);
        }
    }
    let mut out = Vec::new();
    walk(value, &mut prefix.to_string(), &wanted, &mut out);
    out
}

/// Does this text hold a `{{ ... }}` placeholder (so its value is only known at run time)?
pub fn has_placeholder(text: &str) -> bool {
    text.contains("{{")
}

/// Every `{{ tag }}` in `text` whose trimmed tag does not start with `args.`: Argo resolves
/// only `args.NAME` in metrics, so these fail with "failed to resolve {{tag}}".
pub fn other_placeholders(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            break;
        };
        let tag = &after[..close];
        if !tag.trim().starts_with("args.") {
            found.push(tag.to_string());
        }
        rest = &after[close + 2..];
    }
    found
}

/// The metric's name for messages.
pub fn metric_label(metric: &canary_core::model::analysis::Metric, index: usize) -> String {
    if metric.name.is_empty() {
        format!("metrics[{index}]")
    } else {
        format!("`{}`", metric.name)
    }
}

/// A short "did you mean" among `candidates`: equal ignoring case, or at most two edits away.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let v = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur.push(v);
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn walks_strings_in_order_with_pointers() {
        let docs = canary_core::located::load_str(
            r#"{"a": "x", "b": [{"c/d": "y"}, 3], "e": "z"}"#,
            Default::default(),
        )
        .unwrap();
        let got = strings_in(docs[0].root().unwrap(), "/m", |_| true);
        let got: Vec<(&str, &str)> = got.iter().map(|(p, s)| (p.as_str(), *s)).collect();
        assert_eq!(got, [("/m/a", "x"), ("/m/b/0/c~1d", "y"), ("/m/e", "z")]);
        let got = strings_in(docs[0].root().unwrap(), "", |s| s != "y");
        let got: Vec<(&str, &str)> = got.iter().map(|(p, s)| (p.as_str(), *s)).collect();
        assert_eq!(got, [("/a", "x"), ("/e", "z")]);
    }

    #[test]
    fn other_placeholders_and_suggestions() {
        assert_eq!(
            other_placeholders("a {{args.x}} {{ env.Y }} {{x"),
            [" env.Y "]
        );
        assert_eq!(closest("servce", ["service", "job"]), Some("service"));
        assert_eq!(closest("Service", ["service"]), Some("service"));
        assert_eq!(closest("namespace", ["service"]), None);
    }

    #[test]
    fn nested_refs_skip_malformed_entries() {
        let mut t = AnalysisTemplate::default();
        t.spec.templates = Some(vec![
            json!({"templateName": "a"}),
            json!("nope"),
            json!({"templateName": "b", "clusterScope": true}),
        ]);
        let refs = nested_refs(&t);
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[1].0, 2);
        assert_eq!(refs[1].1.cluster_scope, Some(true));
    }
}

//! What it means when a reference (workloadRef, canaryService, stableService, stableIngress,
//! templateName) names an object that is not in the repo.
//!
//! Many teams keep the Deployment, the Services or the AnalysisTemplates in another repo, or a
//! shared ClusterAnalysisTemplate in the platform's repo, so a missing target alone does not
//! show a mistake. It does when the repo holds an object of that kind with a near name (a
//! typo) or with the same name in another namespace: those are errors. Otherwise the reference
//! is a warning that points at `[external]`, unless `strict-references` is set.

use super::Facts;
use crate::repo::{Document, Kind};

/// What the repo says about a target it does not hold.
#[derive(Debug, Clone)]
pub enum MissingTarget<'a> {
    /// Declared in `[external]`: not a finding.
    Declared,
    /// An object of the same kind with a near name is in a matching namespace: a typo.
    Near(&'a Document),
    /// The same name exists, only in other namespaces.
    OtherNamespace(Vec<&'a Document>),
    /// Nothing in the repo shows a mistake.
    Unknown,
}

impl MissingTarget<'_> {
    /// Does the repo show that the reference is a mistake (or does the config say every
    /// missing target is one)?
    pub fn is_error(&self, strict: bool) -> bool {
        match self {
            MissingTarget::Declared => false,
            MissingTarget::Near(_) | MissingTarget::OtherNamespace(_) => true,
            MissingTarget::Unknown => strict,
        }
    }
}

/// Judges a reference from `from` to the object of `kind` named `name` in `namespace` (no
/// namespace for a ClusterAnalysisTemplate), which the repo does not hold.
pub fn missing_target<'a>(
    cx: &Facts<'a>,
    kind: Kind,
    namespace: Option<&str>,
    name: &str,
) -> MissingTarget<'a> {
    if cx.settings.is_external(kind.as_str(), namespace, name) {
        return MissingTarget::Declared;
    }
    let elsewhere = cx.repo.find_any_namespace(kind, name);
    if !elsewhere.is_empty() {
        return MissingTarget::OtherNamespace(elsewhere);
    }
    let in_scope = cx.repo.of_kind(kind).filter(|d| {
        kind == Kind::ClusterAnalysisTemplate
            || crate::repo::index::namespaces_match(namespace, d.namespace.as_deref())
    });
    let mut best: Option<(usize, &'a Document)> = None;
    for doc in in_scope {
        let Some(candidate) = doc.name.as_deref() else {
            continue;
        };
        if let Some(distance) = near_name(name, candidate)
            && best.is_none_or(|(d, _)| distance < d)
        {
            best = Some((distance, doc));
        }
    }
    match best {
        Some((_, doc)) => MissingTarget::Near(doc),
        None => MissingTarget::Unknown,
    }
}

/// How far `candidate` is from `wanted` when it looks like a typo of it: 0 when they differ
/// only in case or in their separators (`-`, `_`, `.`), else the edit distance when it is at
/// most 2 and less than half the shorter name (so `web` is not a typo of `db`).
pub fn near_name(wanted: &str, candidate: &str) -> Option<usize> {
    if wanted == candidate {
        return None;
    }
    let fold = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                '_' | '.' => '-',
                c => c.to_ascii_lowercase(),
            })
            .collect()
    };
    let (a, b) = (fold(wanted), fold(candidate));
    if a == b {
        return Some(0);
    }
    let distance = super::analysis::edit_distance(&a, &b);
    let shorter = a.chars().count().min(b.chars().count());
    (distance <= 2 && distance * 2 < shorter).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_are_case_separator_or_small_edits() {
        assert_eq!(near_name("API-Canary", "api-canary"), Some(0));
        assert_eq!(near_name("api_canary_svc", "api-canary-svc"), Some(0));
        assert_eq!(near_name("sucess-rate", "success-rate"), Some(1));
        assert_eq!(near_name("succes-rat", "success-rate"), Some(2));
        assert_eq!(near_name("scess-rat", "success-rate"), None);
        assert_eq!(near_name("web", "db"), None);
        assert_eq!(near_name("api", "app"), Some(1));
        assert_eq!(near_name("api", "db"), None);
        assert_eq!(near_name("api-stable", "api-stable"), None);
        assert_eq!(near_name("integrationtests", "integration-tests"), Some(1));
    }
}

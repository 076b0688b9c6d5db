//! The loaded repo: every file and recognised document, indexed by kind, namespace and name
//! so rules can follow references across files.
//!
//! Namespaces: an object without `metadata.namespace` is put in whatever namespace `kubectl
//! apply -n` or kustomize chooses, which a repo scan cannot know. So a lookup matches an
//! object when the namespaces are equal **or either side has none**; exact matches come
//! first. This avoids false "not found" findings, at the price of missing a mismatch between
//! a namespaced and a namespace-less object.

use std::collections::HashMap;
use std::path::PathBuf;

use canary_core::located::{LocatedDoc, Span};
use canary_core::model::{Deployment, Rollout};
use rayon::prelude::*;

use super::classify::{Kind, Object, classify};
use super::load::SourceFile;
use super::problem::LoadProblem;

/// One recognised document.
#[derive(Debug, Clone)]
pub struct Document {
    /// Index into `Repo::files`.
    pub file: usize,
    /// Index of the document in its file's stream.
    pub index: usize,
    /// What it is.
    pub kind: Kind,
    /// Its name, when it has one.
    pub name: Option<String>,
    /// `metadata.namespace`, when set.
    pub namespace: Option<String>,
    /// The typed object; `None` when it did not fit its kind (reported as CL003).
    pub object: Option<Object>,
}

impl Document {
    /// The Rollout, if this is a valid one.
    pub fn as_rollout(&self) -> Option<&Rollout> {
        match &self.object {
            Some(Object::Rollout(r)) => Some(r),
            _ => None,
        }
    }

    /// The Deployment, if this is a valid one.
    pub fn as_deployment(&self) -> Option<&Deployment> {
        match &self.object {
            Some(Object::Deployment(d)) => Some(d),
            _ => None,
        }
    }

    /// `kind/name` (or just the kind) for messages.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("{} `{name}`", self.kind.as_str()),
            None => self.kind.as_str().to_string(),
        }
    }
}

/// Recognises the documents of one file (their `file` index is set when the repo is built).
pub fn classify_file(file: &SourceFile) -> (Vec<Document>, Vec<LoadProblem>) {
    let mut docs = Vec::new();
    let mut found = Vec::new();
    for (index, doc) in file.docs.iter().enumerate() {
        if let Some((c, d)) = classify(&file.rel, doc) {
            docs.push(Document {
                file: 0,
                index,
                kind: c.kind,
                name: c.name,
                namespace: c.namespace,
                object: c.object,
            });
            found.extend(d);
        }
    }
    (docs, found)
}

/// How far the file `to` is from the file `from` for reference lookup: 0 the same file, 1 a
/// file built by the same kustomization, 2 the same directory, 3 a subdirectory of it, 3 + k a
/// file under the k-th ancestor directory.
fn nearness(from: &str, same_file: bool, same_kustomization: bool, to: &str) -> usize {
    if same_file {
        return 0;
    }
    if same_kustomization {
        return 1;
    }
    let (a, b) = placed(dir_parts(from), dir_parts(to));
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let up = a.len() - common;
    match (up, b.len() == common) {
        (0, true) => 2,
        (0, false) => 3,
        (k, _) => 3 + k,
    }
}

/// The directory components of a repo-relative file path.
fn dir_parts(path: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    parts
}

/// One directory level of a path placed below a common ancestor: an ancestor of the lint root
/// (numbered from the top; its name is not needed), or a name.
#[derive(Debug, PartialEq, Eq)]
enum Level<'a> {
    Ancestor(usize),
    Name(&'a str),
}

/// Two directory paths relative to the lint root, which may start with `..` (files outside
/// the root that a kustomization builds, [`super::kustomize::join`]), written from the
/// highest ancestor either climbs to, so that comparing them level by level finds where they
/// part. `..` paths are normalised, so a name after the `..`s is never the root's own
/// ancestor at that level.
fn placed<'a>(a: Vec<&'a str>, b: Vec<&'a str>) -> (Vec<Level<'a>>, Vec<Level<'a>>) {
    let up = |p: &[&str]| p.iter().take_while(|x| **x == "..").count();
    let top = up(&a).max(up(&b));
    let place = |p: Vec<&'a str>| {
        let k = up(&p);
        (0..top - k)
            .map(Level::Ancestor)
            .chain(p.into_iter().skip(k).map(Level::Name))
            .collect::<Vec<_>>()
    };
    (place(a), place(b))
}

/// Do two sorted id lists share an id?
fn share(a: &[u32], b: &[u32]) -> bool {
    let (mut i, mut j) = (0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    false
}

/// How near a candidate is: the level from [`nearness`], then whether its namespace differs
/// from the one asked for (an object without a namespace matches, after exact matches).
type Nearness = (usize, bool);

/// Do two optional namespaces possibly name the same namespace?
pub fn namespaces_match(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Items grouped by namespace, for lookups that follow [`namespaces_match`] without comparing
/// every item: a namespace matches its own items and those without one; no namespace matches
/// everything. Items come back in the order they were given.
#[derive(Debug)]
pub struct ByNamespace<'a, T> {
    items: Vec<T>,
    named: HashMap<&'a str, Vec<usize>>,
    unnamed: Vec<usize>,
}

impl<'a, T> ByNamespace<'a, T> {
    /// Indexes `(namespace, item)` pairs.
    pub fn new(pairs: impl IntoIterator<Item = (Option<&'a str>, T)>) -> Self {
        let mut index = ByNamespace {
            items: Vec::new(),
            named: HashMap::new(),
            unnamed: Vec::new(),
        };
        for (i, (ns, item)) in pairs.into_iter().enumerate() {
            index.items.push(item);
            match ns {
                Some(ns) => index.named.entry(ns).or_default().push(i),
                None => index.unnamed.push(i),
            }
        }
        index
    }

    /// The items whose namespace matches `namespace`, in their original order.
    pub fn matching(&self, namespace: Option<&str>) -> Vec<&T> {
        let Some(ns) = namespace else {
            return self.items.iter().collect();
        };
        let named = self.named.get(ns).map_or(&[][..], Vec::as_slice);
        let (mut a, mut b) = (named.iter().peekable(), self.unnamed.iter().peekable());
        let mut out = Vec::with_capacity(named.len() + self.unnamed.len());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(&&x), Some(&&y)) if x < y => a.next(),
                (Some(_), Some(_)) | (None, Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, None) => break,
            };
            if let Some(&i) = next {
                out.extend(self.items.get(i));
            }
        }
        out
    }
}

/// Which part of a mapping entry a finding points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The value (`onSuccess` in `scaleDown: onSuccess`).
    Value,
    /// The key (`scaleDown`).
    Key,
}

/// All files and documents of a repo.
#[derive(Debug, Default)]
pub struct Repo {
    /// The directory that paths are relative to.
    pub root: PathBuf,
    /// Every loaded file, sorted by path.
    pub files: Vec<SourceFile>,
    /// Every recognised document, in file then stream order.
    pub documents: Vec<Document>,
    /// Per kind, documents by name (looked up with a borrowed `&str`).
    by_name: HashMap<Kind, HashMap<String, Vec<usize>>>,
    by_kind: HashMap<Kind, Vec<usize>>,
    /// Per file, the kustomizations that build it (see [`super::kustomize::groups`]).
    kustomizations: Vec<Vec<u32>>,
}

impl Repo {
    /// Classifies every document of `files` (in parallel) and indexes them. Returns the
    /// problems (CL003) of documents that do not fit their kind.
    pub fn build(root: PathBuf, files: Vec<SourceFile>) -> (Repo, Vec<LoadProblem>) {
        let per_file: Vec<(Vec<Document>, Vec<LoadProblem>)> =
            files.par_iter().map(classify_file).collect();
        Repo::build_classified(root, &[], files, per_file)
    }

    /// Indexes files whose documents [`classify_file`] already recognised (the loader does
    /// it on rayon's threads as each file is parsed); `per_file[i]` belongs to `files[i]`.
    ///
    /// `root_names` are the directories down to the root, for kustomization paths that leave
    /// it ([`super::kustomize::root_names`]); empty where paths do not refer to the disk (a
    /// stream from stdin, tests).
    pub fn build_classified(
        root: PathBuf,
        root_names: &[String],
        files: Vec<SourceFile>,
        per_file: Vec<(Vec<Document>, Vec<LoadProblem>)>,
    ) -> (Repo, Vec<LoadProblem>) {
        let per_file = per_file
            .into_iter()
            .enumerate()
            .map(|(file_index, (mut docs, found))| {
                for doc in &mut docs {
                    doc.file = file_index;
                }
                (docs, found)
            });
        let kustomizations = super::kustomize::groups(&files, root_names);
        let mut repo = Repo {
            root,
            files,
            kustomizations,
            ..Repo::default()
        };
        let mut problems = Vec::new();
        for (docs, found) in per_file {
            repo.documents.extend(docs);
            problems.extend(found);
        }
        for (i, doc) in repo.documents.iter().enumerate() {
            repo.by_kind.entry(doc.kind).or_default().push(i);
            if let Some(name) = &doc.name {
                repo.by_name
                    .entry(doc.kind)
                    .or_default()
                    .entry(name.clone())
                    .or_default()
                    .push(i);
            }
        }
        (repo, problems)
    }

    /// The file a document lives in.
    pub fn file_of(&self, doc: &Document) -> &SourceFile {
        &self.files[doc.file]
    }

    /// The span at `pointer` in `doc`; when the node is absent, the nearest existing parent.
    pub fn span(&self, doc: &Document, pointer: &str, target: Target) -> Span {
        let located = self.located(doc);
        match target {
            Target::Value => located
                .value_span(pointer)
                .unwrap_or_else(|| located.nearest_key_span(pointer)),
            Target::Key => located.nearest_key_span(pointer),
        }
    }

    /// The parsed document.
    pub fn located(&self, doc: &Document) -> &LocatedDoc {
        &self.files[doc.file].docs[doc.index]
    }

    /// Every document of `kind`, in file order.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Document> {
        self.by_kind
            .get(&kind)
            .into_iter()
            .flatten()
            .map(|&i| &self.documents[i])
    }

    /// Documents of `kind` named `name` whose namespace matches `namespace` (see the module
    /// docs); exact namespace matches first.
    pub fn find(&self, kind: Kind, namespace: Option<&str>, name: &str) -> Vec<&Document> {
        let mut found: Vec<&Document> = self
            .named(kind, name)
            .iter()
            .map(|&i| &self.documents[i])
            .filter(|d| namespaces_match(namespace, d.namespace.as_deref()))
            .collect();
        found.sort_by_key(|d| d.namespace.as_deref() != namespace);
        found
    }

    /// The nearest candidates for a reference made by `from`: [`Repo::find`]'s documents at
    /// the nearest level (the same file, then the files built by the same kustomization, then
    /// the same directory, then its subdirectories, then the subtree of each ancestor
    /// directory in turn; exact namespace before none within a level), by path. Empty when
    /// nothing of that kind and name is in a matching namespace, one document when the
    /// reference is resolved, several when they are equally near, which no scan of the repo
    /// can decide between. When unrelated files reuse a name (test fixtures, examples, one
    /// overlay per environment), the copy a reference means is the one applied with it, and
    /// the result does not depend on the directory the linter was started in.
    pub fn resolve(
        &self,
        from: &Document,
        kind: Kind,
        namespace: Option<&str>,
        name: &str,
    ) -> Vec<&Document> {
        let candidates = self.find(kind, namespace, name);
        if candidates.len() <= 1 {
            // One candidate is the nearest there is; nothing to order.
            return candidates;
        }
        let mut found: Vec<(Nearness, &Document)> = candidates
            .into_iter()
            .map(|d| (self.nearness(from, d, namespace), d))
            .collect();
        let Some(best) = found.iter().map(|(n, _)| *n).min() else {
            return Vec::new();
        };
        found.retain(|(n, _)| *n == best);
        found.sort_by(|(_, x), (_, y)| {
            self.files[x.file]
                .rel
                .cmp(&self.files[y.file].rel)
                .then(x.index.cmp(&y.index))
        });
        found.into_iter().map(|(_, d)| d).collect()
    }

    fn nearness(&self, from: &Document, to: &Document, namespace: Option<&str>) -> Nearness {
        let same_kustomization = share(
            self.kustomizations
                .get(from.file)
                .map_or(&[][..], Vec::as_slice),
            self.kustomizations
                .get(to.file)
                .map_or(&[][..], Vec::as_slice),
        );
        (
            nearness(
                &self.files[from.file].rel,
                from.file == to.file,
                same_kustomization,
                &self.files[to.file].rel,
            ),
            to.namespace.as_deref() != namespace,
        )
    }

    /// Documents of `kind` named `name` in any namespace.
    pub fn find_any_namespace(&self, kind: Kind, name: &str) -> Vec<&Document> {
        self.named(kind, name)
            .iter()
            .map(|&i| &self.documents[i])
            .collect()
    }

    /// Indexes of the documents of `kind` named `name`.
    fn named(&self, kind: Kind, name: &str) -> &[usize] {
        self.by_name
            .get(&kind)
            .and_then(|names| names.get(name))
            .map_or(&[], Vec::as_slice)
    }

    /// Every valid Rollout with its document.
    pub fn rollouts(&self) -> impl Iterator<Item = (&Document, &Rollout)> {
        self.of_kind(Kind::Rollout)
            .filter_map(|d| d.as_rollout().map(|r| (d, r)))
    }

    /// Non-empty documents across all files under the root (recognised or not); files read
    /// from outside it as context are not counted.
    pub fn document_count(&self) -> usize {
        self.files
            .iter()
            .filter(|f| !super::kustomize::is_outside_root(&f.rel))
            .map(|f| f.docs.iter().filter(|d| !d.is_null()).count())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use canary_core::located::{Limits, load_str};

    fn file(rel: &str, src: &str) -> SourceFile {
        SourceFile {
            rel: rel.into(),
            text: src.into(),
            docs: load_str(src, Limits::default()).unwrap_or_default(),
            had_bom: false,
            may_suppress: false,
            generator_data: false,
        }
    }

    #[test]
    fn nearness_orders_same_file_directory_and_ancestors() {
        assert_eq!(nearness("a/b/x.yaml", true, false, "a/b/x.yaml"), 0);
        assert_eq!(nearness("a/b/x.yaml", false, true, "d/y.yaml"), 1);
        assert_eq!(nearness("a/b/x.yaml", false, false, "a/b/y.yaml"), 2);
        assert_eq!(nearness("a/b/x.yaml", false, false, "a/b/c/y.yaml"), 3);
        assert_eq!(nearness("a/b/x.yaml", false, false, "a/y.yaml"), 4);
        assert_eq!(nearness("a/b/x.yaml", false, false, "a/c/y.yaml"), 4);
        assert_eq!(nearness("a/b/x.yaml", false, false, "d/y.yaml"), 5);
        assert_eq!(nearness("x.yaml", false, false, "d/e/y.yaml"), 3);
        // Outside the root: started in overlays/prod, ../../base is two levels up, as base/
        // is from overlays/prod/ when started at the repo root.
        assert_eq!(
            nearness("x.yaml", false, false, "../../base/y.yaml"),
            nearness("overlays/prod/x.yaml", false, false, "base/y.yaml")
        );
        assert_eq!(nearness("a/x.yaml", false, false, "../b/y.yaml"), 5);
        assert_eq!(nearness("../b/x.yaml", false, false, "../b/y.yaml"), 2);
        assert_eq!(nearness("../b/x.yaml", false, false, "c/y.yaml"), 4);
        assert_eq!(nearness("../../b/x.yaml", false, false, "../c/y.yaml"), 4);
        assert!(share(&[1, 4, 9], &[2, 9]));
        assert!(!share(&[1, 4], &[2, 3, 5]));
        assert!(!share(&[], &[1]));
    }

    #[test]
    fn by_namespace_follows_namespaces_match_in_order() {
        let pairs = [
            (Some("a"), 0),
            (None, 1),
            (Some("b"), 2),
            (Some("a"), 3),
            (None, 4),
            (Some("b"), 5),
        ];
        let index = ByNamespace::new(pairs);
        for ns in [None, Some("a"), Some("b"), Some("c")] {
            let expected: Vec<i32> = pairs
                .iter()
                .filter(|(n, _)| namespaces_match(ns, *n))
                .map(|(_, i)| *i)
                .collect();
            let got: Vec<i32> = index.matching(ns).into_iter().copied().collect();
            assert_eq!(got, expected, "namespace {ns:?}");
        }
    }

    #[test]
    fn finds_across_files_with_namespace_rules() {
        let a = file(
            "a.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: prod}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
        );
        let b = file(
            "b.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: dev}\n",
        );
        let (repo, found) = Repo::build(PathBuf::from("."), vec![a, b]);
        assert!(found.is_empty());
        assert_eq!(repo.document_count(), 3);
        let prod = repo.find(Kind::Deployment, Some("prod"), "web");
        assert_eq!(prod.len(), 2);
        assert_eq!(prod[0].namespace.as_deref(), Some("prod"));
        assert_eq!(repo.find(Kind::Deployment, None, "web").len(), 3);
        assert_eq!(repo.find(Kind::Deployment, Some("qa"), "web").len(), 1);
        assert!(repo.find(Kind::Service, None, "web").is_empty());
        assert_eq!(repo.of_kind(Kind::Deployment).count(), 3);
        assert_eq!(repo.find_any_namespace(Kind::Deployment, "web").len(), 3);
    }
}

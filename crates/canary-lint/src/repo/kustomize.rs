//! Kustomize: the files a `kustomization.yaml` names as patches are fragments that kustomize
//! merges into objects defined elsewhere, not objects of their own. A Rollout patch that only
//! sets `spec.strategy` is not a Rollout with no replicas and no workloadRef, so no rule that
//! needs a whole object may judge it as one: patch files are left out of the index (they are
//! still parsed, so a syntax error in one is still CL001).

use std::collections::{HashMap, HashSet};

use canary_core::located::{LocatedDoc, NodeRef};

use super::load::SourceFile;

/// The file names kustomize reads as a kustomization.
const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Repo-relative paths of every file a kustomization in `files` names as a patch:
/// `patchesStrategicMerge` entries, and the `path` of `patches` and `patchesJson6902` entries.
/// Remote and absolute paths are not in the repo and are skipped.
pub fn patch_files(files: &[SourceFile]) -> HashSet<String> {
    let mut out = HashSet::new();
    for file in files {
        let (dir, name) = match file.rel.rsplit_once('/') {
            Some((dir, name)) => (dir, name),
            None => ("", file.rel.as_str()),
        };
        if !KUSTOMIZATION_FILES.contains(&name) {
            continue;
        }
        for doc in &file.docs {
            for path in patch_paths(doc) {
                if let Some(rel) = join(dir, path) {
                    out.insert(rel);
                }
            }
        }
    }
    out
}

/// The patch paths one kustomization names.
fn patch_paths(doc: &LocatedDoc) -> Vec<&str> {
    let mut out = Vec::new();
    let items = |key: &str| -> Vec<NodeRef<'_>> {
        doc.at(&format!("/{key}"))
            .map(|n| n.items().collect())
            .unwrap_or_default()
    };
    out.extend(
        items("patchesStrategicMerge")
            .iter()
            .filter_map(|n| n.as_str())
            // An inline patch is YAML text, not a path.
            .filter(|s| !s.contains('\n') && !s.contains(':')),
    );
    for key in ["patches", "patchesJson6902"] {
        out.extend(
            items(key)
                .iter()
                .filter_map(|n| n.get("path").and_then(|p| p.as_str())),
        );
    }
    out
}

/// The kustomizations each file belongs to, for reference resolution: `groups[i]` lists, in
/// ascending order, an id for every kustomization whose build includes `files[i]` through its
/// `resources` (and the older `bases`) or `components`, followed recursively into directories
/// that hold a kustomization of their own. Objects built together by one kustomization are
/// applied together, so a reference is first resolved among them.
pub fn groups(files: &[SourceFile]) -> Vec<Vec<u32>> {
    let mut groups = vec![Vec::new(); files.len()];
    let kustomizations: Vec<(usize, &str)> = files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let (dir, name) = split(&f.rel);
            KUSTOMIZATION_FILES.contains(&name).then_some((i, dir))
        })
        .collect();
    if kustomizations.is_empty() {
        return groups;
    }
    let by_path: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.rel.as_str(), i))
        .collect();
    let by_dir: HashMap<&str, usize> = kustomizations.iter().map(|&(i, dir)| (dir, i)).collect();
    for (id, &(k, _)) in kustomizations.iter().enumerate() {
        let mut seen: HashSet<usize> = HashSet::new();
        let mut pending = vec![k];
        while let Some(kf) = pending.pop() {
            if !seen.insert(kf) {
                continue;
            }
            let Some(id_u32) = u32::try_from(id).ok() else {
                break;
            };
            push_sorted(&mut groups[kf], id_u32);
            let (dir, _) = split(&files[kf].rel);
            for doc in &files[kf].docs {
                for entry in resource_paths(doc) {
                    let Some(rel) = join(dir, entry) else {
                        continue;
                    };
                    if let Some(&f) = by_path.get(rel.as_str()) {
                        push_sorted(&mut groups[f], id_u32);
                    } else if let Some(&sub) = by_dir.get(rel.as_str()) {
                        pending.push(sub);
                    }
                }
            }
        }
    }
    groups
}

fn push_sorted(list: &mut Vec<u32>, id: u32) {
    if let Err(at) = list.binary_search(&id) {
        list.insert(at, id);
    }
}

/// `(directory, file name)` of a repo-relative path.
fn split(rel: &str) -> (&str, &str) {
    rel.rsplit_once('/').unwrap_or(("", rel))
}

/// The `resources`, `bases` and `components` entries of one kustomization.
fn resource_paths(doc: &LocatedDoc) -> Vec<&str> {
    ["resources", "bases", "components"]
        .iter()
        .filter_map(|key| doc.at(&format!("/{key}")))
        .flat_map(|n| n.items().filter_map(|i| i.as_str()).collect::<Vec<_>>())
        .collect()
}

/// `dir/path` normalised (`./` and `../` resolved); `None` when it leaves the repo or is
/// remote or absolute.
fn join(dir: &str, path: &str) -> Option<String> {
    if path.starts_with('/') || path.contains("://") {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_resolved_from_the_kustomization() {
        assert_eq!(
            join("overlays/prod", "patch.yaml").as_deref(),
            Some("overlays/prod/patch.yaml")
        );
        assert_eq!(
            join("overlays/prod", "./p/x.yaml").as_deref(),
            Some("overlays/prod/p/x.yaml")
        );
        assert_eq!(
            join("overlays/prod", "../../base/x.yaml").as_deref(),
            Some("base/x.yaml")
        );
        assert_eq!(join("", "x.yaml").as_deref(), Some("x.yaml"));
        assert_eq!(join("a", "../../x.yaml"), None);
        assert_eq!(join("a", "https://example.com/x.yaml"), None);
    }
}

//! Kustomize: the files a `kustomization.yaml` names as patches are fragments that kustomize
//! merges into objects defined elsewhere, not objects of their own. A Rollout patch that only
//! sets `spec.strategy` is not a Rollout with no replicas and no workloadRef, so no rule that
//! needs a whole object may judge it as one: patch files are left out of the index (they are
//! still parsed, so a syntax error in one is still CL001).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use canary_core::located::{LocatedDoc, NodeRef};

use super::load::SourceFile;

/// The file names kustomize reads as a kustomization.
const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Repo-relative paths of every file a kustomization in `files` names as a patch:
/// `patchesStrategicMerge` entries, and the `path` of `patches` and `patchesJson6902` entries.
/// Remote and absolute paths are not in the repo and are skipped; `root_names` as for
/// [`join`].
pub fn patch_files(files: &[SourceFile], root_names: &[String]) -> HashSet<String> {
    let mut out = HashSet::new();
    for (_, dir, file) in kustomizations(files) {
        for doc in &file.docs {
            for path in patch_paths(doc) {
                if let Some(rel) = join(dir, path, root_names) {
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

/// Files a kustomization's `configMapGenerator` or `secretGenerator` puts into a ConfigMap or
/// Secret as data (`files: [path, key=path]`, `envs: [path]`, the older `env: path`), with
/// what the generator does with each, for messages ("configMapGenerator `blueprints` of
/// `app/kustomization.yaml` copies it into a ConfigMap"). kustomize copies a `files` entry
/// into the data as it is, and reads an `envs` file as `KEY=value` lines
/// (sigs.k8s.io/kustomize `api/kv/kv.go`, `keyValuesFromFileSources` and
/// `keyValuesFromEnvFiles`), so kubectl and the API server never parse it as YAML: it is not a
/// manifest, and what it holds is not applied.
pub fn generator_files(files: &[SourceFile], root_names: &[String]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (_, dir, file) in kustomizations(files) {
        for doc in &file.docs {
            for key in ["configMapGenerator", "secretGenerator"] {
                let Some(generators) = doc.at(&format!("/{key}")) else {
                    continue;
                };
                for generator in generators.items() {
                    let object = if key == "secretGenerator" {
                        "Secret"
                    } else {
                        "ConfigMap"
                    };
                    let label = match generator.get("name").and_then(|n| n.as_str()) {
                        Some(g) => {
                            format!("{key} `{g}` of `{}` copies it into a {object}", file.rel)
                        }
                        None => format!("a {key} of `{}` copies it into a {object}", file.rel),
                    };
                    let mut paths: Vec<&str> = Vec::new();
                    for list in ["files", "envs"] {
                        if let Some(items) = generator.get(list) {
                            paths.extend(items.items().filter_map(|i| i.as_str()));
                        }
                    }
                    paths.extend(generator.get("env").and_then(|e| e.as_str()));
                    for path in paths {
                        // `key=path`: the key names the data entry; the file is after `=`.
                        let path = path.split_once('=').map_or(path, |(_, p)| p);
                        if let Some(rel) = join(dir, path.trim(), root_names) {
                            out.entry(rel).or_insert_with(|| label.clone());
                        }
                    }
                }
            }
        }
    }
    out
}

/// The kustomizations each file belongs to, for reference resolution: `groups[i]` lists, in
/// ascending order, an id for every kustomization whose build includes `files[i]` through its
/// `resources` (and the older `bases`) or `components`, followed recursively into directories
/// that hold a kustomization of their own. Objects built together by one kustomization are
/// applied together, so a reference is first resolved among them.
pub fn groups(files: &[SourceFile], root_names: &[String]) -> Vec<Vec<u32>> {
    let mut groups = vec![Vec::new(); files.len()];
    let kustomizations: Vec<(usize, &str)> =
        kustomizations(files).map(|(i, dir, _)| (i, dir)).collect();
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
                    let Some(rel) = join(dir, entry, root_names) else {
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

/// Every kustomization among `files`: `(index, its directory, the file)`.
fn kustomizations(files: &[SourceFile]) -> impl Iterator<Item = (usize, &str, &SourceFile)> {
    files.iter().enumerate().filter_map(|(i, file)| {
        let (dir, name) = split(&file.rel);
        KUSTOMIZATION_FILES
            .contains(&name)
            .then_some((i, dir, file))
    })
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

/// `dir/path` normalised (`./` and `../` resolved), relative to the lint root; `None` when it
/// is remote or absolute, or climbs above the file system root.
///
/// `root_names` are the names of the directories from the file system root down to the
/// (canonical) lint root. A path may leave the root: it then starts with one `../` per level
/// above it (`../../base/rollout.yaml` from a root `overlays/prod`). One that leaves and comes
/// back in (`../prod/x.yaml` from a root named `prod`) is written as the path inside the root
/// (`x.yaml`), so every file has one name. With no `root_names` (a stream from stdin) a path
/// that leaves the root is `None`.
pub fn join(dir: &str, path: &str, root_names: &[String]) -> Option<String> {
    if path.starts_with('/') || path.contains("://") {
        return None;
    }
    // Leading `..` parts are levels above the root; the rest is a path below that point.
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ => parts.push(".."),
            },
            p => parts.push(p),
        }
    }
    let up = parts.iter().take_while(|p| **p == "..").count();
    if up == 0 {
        return Some(parts.join("/"));
    }
    if up > root_names.len() {
        return None;
    }
    // Coming back down the root's own ancestors: `../prod/x` from a root `…/prod` is `x`.
    let ancestors = &root_names[root_names.len() - up..];
    let back = parts[up..]
        .iter()
        .zip(ancestors)
        .take_while(|(p, a)| **p == a.as_str())
        .count();
    let mut out: Vec<&str> = vec![".."; up - back];
    out.extend(&parts[up + back..]);
    Some(out.join("/"))
}

/// Is a lint-root-relative path (as [`join`] writes it) outside the root?
pub fn is_outside_root(rel: &str) -> bool {
    rel.starts_with("../")
}

/// The names of the directories from the file system root down to `root`, canonicalised,
/// written as file names are in locations; empty when `root` cannot be canonicalised.
pub fn root_names(root: &Path) -> Vec<String> {
    root.canonicalize()
        .map(|c| {
            c.components()
                .filter_map(|part| match part {
                    std::path::Component::Normal(name) => Some(super::walk::escape_name(name)),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Most files read from outside the root for one run (a bound, not a limit anyone meets: it
/// only stops a pathological chain of kustomizations).
const MAX_OUTSIDE_FILES: usize = 10_000;

/// The files outside the lint root that the root's kustomizations build, read as context:
/// each `resources`, `bases` and `components` entry that leaves the root (a file, or a
/// directory holding a kustomization), followed through the kustomizations found there, as
/// `kustomize build` follows them. Started in `overlays/prod`, the linter then knows the
/// `../../base` that overlay builds, and judges the overlay as it does when started at the
/// repo root. Only what the builds name is read (not the directories around it); patches are
/// not read, since they are fragments. Every file comes back with a path starting `../`
/// ([`join`]), and no finding is reported in it ([`is_outside_root`]). `root` is canonical;
/// each file is read once, under the first path that names it, however many paths
/// (symlinks) lead to it, and never when it is really inside the root, where the walk reads
/// it.
pub fn load_outside(root: &Path, names: &[String], files: &[SourceFile]) -> Vec<SourceFile> {
    let mut out: Vec<SourceFile> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut seen_real: HashSet<std::path::PathBuf> = HashSet::new();
    // (kustomization's directory, its entries)
    let mut pending: Vec<(String, Vec<String>)> = Vec::new();
    let entries = |file: &SourceFile| -> Vec<String> {
        file.docs
            .iter()
            .flat_map(|doc| resource_paths(doc).into_iter().map(str::to_string))
            .collect()
    };
    for (_, dir, file) in kustomizations(files) {
        pending.push((dir.to_string(), entries(file)));
    }
    let read = |rel: String, out: &mut Vec<SourceFile>| -> Option<usize> {
        if out.len() >= MAX_OUTSIDE_FILES {
            return None;
        }
        let walked = super::walk::WalkedFile {
            path: root.join(&rel),
            rel,
            listed_regular: false,
        };
        let (file, _problems) = super::load::load_file(&walked);
        out.push(file);
        Some(out.len() - 1)
    };
    while let Some((dir, list)) = pending.pop() {
        for entry in list {
            let Some(rel) = join(&dir, &entry, names) else {
                continue;
            };
            if !is_outside_root(&rel) || !seen.insert(rel.clone()) {
                continue;
            }
            // One read per file or directory, whatever path leads to it: a symlink back up
            // (`loop -> .`) would otherwise name the same kustomization again and again, and
            // one into the root would read a walked file twice.
            let Ok(real) = root.join(&rel).canonicalize() else {
                continue;
            };
            if real.starts_with(root) || !seen_real.insert(real) {
                continue;
            }
            let Ok(meta) = std::fs::metadata(root.join(&rel)) else {
                continue;
            };
            if meta.is_dir() {
                let Some(name) = KUSTOMIZATION_FILES
                    .iter()
                    .find(|name| root.join(&rel).join(name).is_file())
                else {
                    continue;
                };
                let k_rel = format!("{rel}/{name}");
                let k_real = root.join(&k_rel).canonicalize().ok();
                if seen.insert(k_rel.clone())
                    && k_real.is_some_and(|k| !k.starts_with(root) && seen_real.insert(k))
                    && let Some(i) = read(k_rel, &mut out)
                {
                    pending.push((rel, entries(&out[i])));
                }
            } else if meta.is_file() {
                read(rel, &mut out);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_resolved_from_the_kustomization() {
        let none: &[String] = &[];
        assert_eq!(
            join("overlays/prod", "patch.yaml", none).as_deref(),
            Some("overlays/prod/patch.yaml")
        );
        assert_eq!(
            join("overlays/prod", "./p/x.yaml", none).as_deref(),
            Some("overlays/prod/p/x.yaml")
        );
        assert_eq!(
            join("overlays/prod", "../../base/x.yaml", none).as_deref(),
            Some("base/x.yaml")
        );
        assert_eq!(join("", "x.yaml", none).as_deref(), Some("x.yaml"));
        assert_eq!(join("a", "../../x.yaml", none), None);
        assert_eq!(join("a", "https://example.com/x.yaml", none), None);
        assert_eq!(join("a", "/etc/x.yaml", none), None);
    }

    #[test]
    fn paths_may_leave_the_root_and_come_back() {
        // The root is /repo/overlays/prod.
        let names: Vec<String> = ["repo", "overlays", "prod"].map(String::from).to_vec();
        let j = |dir: &str, path: &str| join(dir, path, &names);
        assert_eq!(j("", "../../base").as_deref(), Some("../../base"));
        assert_eq!(j("", "../../base/").as_deref(), Some("../../base"));
        assert_eq!(
            j("../../base", "rollout.yaml").as_deref(),
            Some("../../base/rollout.yaml")
        );
        assert_eq!(
            j("../../base", "../components/x").as_deref(),
            Some("../../components/x")
        );
        // Back into the root, and into a sibling of it.
        assert_eq!(
            j("../../base", "../overlays/prod/x.yaml").as_deref(),
            Some("x.yaml")
        );
        assert_eq!(j("", "../prod/sub/x.yaml").as_deref(), Some("sub/x.yaml"));
        assert_eq!(j("", "../dev/x.yaml").as_deref(), Some("../dev/x.yaml"));
        assert_eq!(j("sub", "../../x.yaml").as_deref(), Some("../x.yaml"));
        // Up to the file system root, and no further.
        assert_eq!(j("", "../../../x").as_deref(), Some("../../../x"));
        assert_eq!(j("", "../../../../x"), None);
        assert!(is_outside_root("../x") && !is_outside_root("..data/x") && !is_outside_root("x"));
    }
}

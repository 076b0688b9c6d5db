//! `--files`: which repo-relative paths the user asked to see findings for.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::repo::walk::relative;

/// A `--files` argument that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FileArgError {
    /// Neither relative to the current directory nor to the root.
    #[error("`{0}` does not exist (looked relative to the current directory and to the lint root)")]
    NotFound(PathBuf),
    /// Exists but lies outside the root.
    #[error("`{path}` is outside the lint root `{root}`; pass a root that contains it")]
    OutsideRoot {
        /// The argument.
        path: PathBuf,
        /// The root.
        root: PathBuf,
    },
}

/// The canonical form of `path` without resolving a final symlink, so a symlinked file keeps
/// the name the walk gave it.
fn canonical_keep_name(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(parent.canonicalize().ok()?.join(name))
}

/// Resolves each argument against `cwd`, then against `root`, to a root-relative path.
pub fn resolve(
    root: &Path,
    cwd: &Path,
    args: &[PathBuf],
) -> Result<BTreeSet<String>, FileArgError> {
    let root_canonical = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut out = BTreeSet::new();
    for arg in args {
        let candidates = if arg.is_absolute() {
            vec![arg.clone()]
        } else {
            vec![cwd.join(arg), root.join(arg)]
        };
        let Some(found) = candidates
            .iter()
            .filter(|c| c.symlink_metadata().is_ok())
            .find_map(|c| canonical_keep_name(c))
        else {
            return Err(FileArgError::NotFound(arg.clone()));
        };
        if !found.starts_with(&root_canonical) {
            return Err(FileArgError::OutsideRoot {
                path: arg.clone(),
                root: root.to_path_buf(),
            });
        }
        out.insert(relative(&root_canonical, &found));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_to_cwd_or_root() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("k8s")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(root.join("k8s/a.yaml"), "a: 1\n").unwrap_or_else(|e| panic!("{e}"));
        let from_root = resolve(&root, dir.path(), &[PathBuf::from("k8s/a.yaml")]);
        assert_eq!(
            from_root.ok().and_then(|s| s.into_iter().next()).as_deref(),
            Some("k8s/a.yaml")
        );
        let from_cwd = resolve(&root, dir.path(), &[PathBuf::from("repo/k8s/a.yaml")]);
        assert_eq!(
            from_cwd.ok().and_then(|s| s.into_iter().next()).as_deref(),
            Some("k8s/a.yaml")
        );
        assert!(matches!(
            resolve(&root, dir.path(), &[PathBuf::from("nope.yaml")]),
            Err(FileArgError::NotFound(_))
        ));
        std::fs::write(dir.path().join("out.yaml"), "a: 1\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            resolve(&root, dir.path(), &[PathBuf::from("out.yaml")]),
            Err(FileArgError::OutsideRoot { .. })
        ));
    }
}

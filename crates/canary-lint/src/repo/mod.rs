//! Loading a repo: walk, read and parse in parallel, recognise, index.

pub mod classify;
pub mod helm;
pub mod index;
pub mod kustomize;
pub mod load;
pub mod problem;
pub mod walk;

use std::path::{Path, PathBuf};

use canary_core::located::Span;

pub use classify::{Kind, Object};
pub use index::{Document, Repo, Target};
pub use load::SourceFile;

pub use problem::{LoadProblem, ProblemKind};
use walk::WalkedFile;

/// Why a repo could not be loaded at all (exit code 2), as opposed to findings in it.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The root does not exist.
    #[error("`{0}` does not exist; pass the directory (or file) to lint")]
    NotFound(PathBuf),
    /// The root exists but cannot be read.
    ///
    /// The I/O error is part of the message and deliberately not the error's `source()`:
    /// anyhow's `{:#}` prints the source chain too, which showed the OS error twice
    /// ("Too many levels of symbolic links (os error 40): Too many levels …").
    #[error("cannot read `{path}`: {cause}")]
    Unreadable {
        /// The root.
        path: PathBuf,
        /// The I/O error.
        cause: std::io::Error,
    },
}

/// Parses and indexes one stream read from stdin, named `name` in locations (`helm template
/// . | canary-lint -`). A `kind: List` is expanded into its items.
pub fn load_stream(name: &str, bytes: Vec<u8>) -> (Repo, Vec<LoadProblem>) {
    let (file, mut problems) = load::load_bytes(name, bytes);
    let classified = index::classify_file(&file);
    let (repo, found) =
        Repo::build_classified(PathBuf::from("."), &[], vec![file], vec![classified]);
    problems.extend(found);
    (repo, problems)
}

/// Walks, reads, parses and indexes `root` (a directory, or a single file). Problems with
/// unreadable or malformed files come back alongside the repo.
pub fn load_repo(root: &Path) -> Result<(Repo, Vec<LoadProblem>), RepoError> {
    load_repo_filtered(root, &|_| true)
}

/// Like [`load_repo`], keeping only walked files whose repo-relative path passes `keep`
/// (the config's include/exclude globs).
pub fn load_repo_filtered(
    root: &Path,
    keep: &(dyn Fn(&str) -> bool + Sync),
) -> Result<(Repo, Vec<LoadProblem>), RepoError> {
    let meta = std::fs::metadata(root).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            RepoError::NotFound(root.to_path_buf())
        } else {
            RepoError::Unreadable {
                path: root.to_path_buf(),
                cause: source,
            }
        }
    })?;
    let (base, files, classified, walk_problems, load_problems) = if meta.is_dir() {
        std::fs::read_dir(root).map_err(|cause| RepoError::Unreadable {
            path: root.to_path_buf(),
            cause,
        })?;
        // Files are read, parsed and their documents recognised on rayon's threads as the
        // walk finds them. A Helm chart's templates and metadata are left out.
        let charts = helm::HelmCharts::new(root);
        let keep = |rel: &str| keep(rel) && !charts.skip(rel);
        let (loaded, problems) = walk::walk_and_visit(root, &keep, &|walked| {
            let (file, found) = load::load_file(walked);
            let classified = index::classify_file(&file);
            (file, found, classified)
        });
        let mut files = Vec::with_capacity(loaded.len());
        let mut classified = Vec::with_capacity(loaded.len());
        let mut load_problems = charts.notes();
        for (_, (file, found, docs)) in loaded {
            files.push(file);
            classified.push(docs);
            load_problems.extend(found);
        }
        (
            root.to_path_buf(),
            files,
            classified,
            problems,
            load_problems,
        )
    } else {
        let base = root
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let file = WalkedFile {
            rel: walk::relative(&base, root),
            path: root.to_path_buf(),
            listed_regular: false,
        };
        let (file, found) = load::load_file(&file);
        let classified = index::classify_file(&file);
        (base, vec![file], vec![classified], Vec::new(), found)
    };
    let mut problems: Vec<LoadProblem> = walk_problems
        .iter()
        .map(|p| LoadProblem::new(ProblemKind::Parse, &p.rel, Span::file_start(), &p.message))
        .collect();
    problems.extend(load_problems);
    // What the root's kustomizations build from outside it (`../../base`) is read as context.
    let names = kustomize::root_names(&base);
    let outside = match base.canonicalize() {
        Ok(canonical) => kustomize::load_outside(&canonical, &names, &files),
        Err(_) => Vec::new(),
    };
    let (files, classified) = if outside.is_empty() {
        (files, classified)
    } else {
        let mut pairs: Vec<_> = files.into_iter().zip(classified).collect();
        pairs.extend(outside.into_iter().map(|file| {
            let classified = index::classify_file(&file);
            (file, classified)
        }));
        pairs.sort_by(|a, b| a.0.rel.cmp(&b.0.rel));
        pairs.into_iter().unzip()
    };
    // Kustomize patches are fragments, not objects: out of the index, and not CL003.
    let patches = kustomize::patch_files(&files, &names);
    let mut classified = classified;
    if !patches.is_empty() {
        for (file, (docs, found)) in files.iter().zip(classified.iter_mut()) {
            if patches.contains(&file.rel) {
                docs.clear();
                found.retain(|p| p.kind != ProblemKind::InvalidObject);
            }
        }
    }
    // Files a kustomize generator copies into a ConfigMap or Secret are data: nothing in them
    // is applied, and a parse error in one is a warning (whatever reads the data fails, not
    // kubectl). Scrape configs, alert conditions and dashboards in them are still read.
    let data = kustomize::generator_files(&files, &names);
    let mut files = files;
    if !data.is_empty() {
        for (file, (docs, found)) in files.iter_mut().zip(classified.iter_mut()) {
            if !data.contains_key(&file.rel) {
                continue;
            }
            file.generator_data = true;
            if docs.iter().any(|d| d.kind.is_api_object()) {
                docs.retain(|d| !d.kind.is_api_object());
                found.retain(|p| p.kind != ProblemKind::InvalidObject);
            }
        }
        for problem in &mut problems {
            if problem.kind != ProblemKind::Parse {
                continue;
            }
            if let Some(generator) = data.get(&problem.file) {
                problem.warning = true;
                problem.message.push_str(&format!(
                    " (a warning, not an error: this file is data, not a manifest; {generator} as text, and kubectl and the API server do not parse it, but whatever reads it from there does)"
                ));
                problem.help = Some(problem.help.take().map_or_else(
                    || "fix the file for the program that reads it; if it is not YAML, give it another extension".to_string(),
                    |h| format!("{h}; this file is generator data, so fix it for the program that reads it"),
                ));
            }
        }
    }
    let (repo, found) = Repo::build_classified(base, &names, files, classified);
    problems.extend(found);
    Ok((repo, problems))
}

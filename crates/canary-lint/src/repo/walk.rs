//! Which files under a root are linted.
//!
//! `.gitignore` (also outside a git repository), `.ignore` and `.canarylintignore` in the
//! root and below it are honoured, and in its parent directories up to the top of its git
//! repository (none when it is not in one); hidden directories are walked because `.github/workflows` matters, but `.git/`
//! and `target/` are skipped. Symlinks are never followed as directories, so a loop cannot
//! hang the walk; a symlinked *file* inside the root is read, and one that does not resolve
//! (a loop, a dangling link) is reported.

use std::path::{Path, PathBuf};

use std::sync::{Arc, Mutex};

use ignore::WalkBuilder;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// The custom ignore file, same syntax as `.gitignore`.
pub const IGNORE_FILE: &str = ".canarylintignore";

/// Extensions of files that are loaded.
pub const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// A file the walk found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalkedFile {
    /// Repo-relative path with `/` separators.
    pub rel: String,
    /// Path to read from.
    pub path: PathBuf,
    /// The directory listing (or a resolved symlink) already said this is a regular file, so
    /// it is opened without a `stat` by path first (`load::read_regular` still refuses
    /// anything swapped in since, without blocking).
    pub listed_regular: bool,
}

/// A path the walk could not use.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalkProblem {
    /// Repo-relative path with `/` separators.
    pub rel: String,
    /// What went wrong.
    pub message: String,
}

/// The result of walking a root: files in sorted order, and problems.
#[derive(Debug, Default)]
pub struct Walked {
    /// Files to load, sorted by relative path.
    pub files: Vec<WalkedFile>,
    /// Unusable paths, sorted.
    pub problems: Vec<WalkProblem>,
}

/// `root`-relative path with `/` separators. A name that is not UTF-8 keeps every byte: each
/// byte that is not part of valid UTF-8 is written `\xNN` and a backslash `\\`, so the name is
/// visible in every format and the bytes can be recovered ([`name_bytes`]; SARIF
/// percent-encodes them).
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| escape_name(c.as_os_str()))
        .collect();
    parts.join("/")
}

/// A file name as text: valid UTF-8 as it is (a backslash doubled), other bytes as `\xNN`.
pub fn escape_name(name: &std::ffi::OsStr) -> String {
    let Some(text) = name.to_str() else {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let mut out = String::new();
            for chunk in name.as_bytes().utf8_chunks() {
                out.push_str(&chunk.valid().replace('\\', "\\\\"));
                for b in chunk.invalid() {
                    out.push_str(&format!("\\x{b:02X}"));
                }
            }
            return out;
        }
        #[cfg(not(unix))]
        return name.to_string_lossy().into_owned();
    };
    if text.contains('\\') {
        text.replace('\\', "\\\\")
    } else {
        text.to_string()
    }
}

/// The bytes of a name written by [`escape_name`] (`\xNN` and `\\` undone).
pub fn name_bytes(escaped: &str) -> Vec<u8> {
    let b = escaped.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if b.get(i + 1) == Some(&b'\\') {
                out.push(b'\\');
                i += 2;
                continue;
            }
            if b.get(i + 1) == Some(&b'x')
                && let Some(byte) = escaped
                    .get(i + 2..i + 4)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn wanted_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// The ignore files the walk honours in each directory.
pub const IGNORE_FILES: [&str; 3] = [".gitignore", ".ignore", IGNORE_FILE];

/// Largest ignore file honoured; a larger one is refused like a special file.
pub const MAX_IGNORE_FILE_BYTES: u64 = 1024 * 1024;

/// Why `dir`'s ignore files cannot be read safely, if one of them cannot: it is a FIFO, a
/// socket, a device (also through a symlink, as to `/dev/zero`) or larger than
/// [`MAX_IGNORE_FILE_BYTES`]. The `ignore` crate opens and reads these files itself without
/// a size limit (ignore 0.4, `gitignore.rs`, `GitignoreBuilder::add`), so they are checked
/// before it enters the directory.
fn unsafe_ignore_file(dir: &Path) -> Option<(PathBuf, String)> {
    IGNORE_FILES.iter().find_map(|name| {
        let path = dir.join(name);
        let meta = std::fs::metadata(&path).ok()?;
        if let Some(kind) = super::load::special_kind(&meta) {
            return Some((path, format!("`{name}` is {kind}")));
        }
        (meta.len() > MAX_IGNORE_FILE_BYTES).then(|| {
            (
                path,
                format!(
                    "`{name}` is larger than {} KiB",
                    MAX_IGNORE_FILE_BYTES / 1024
                ),
            )
        })
    })
}

/// Problems found while the walk filtered entries (a directory skipped for its ignore file).
type Skipped = Arc<Mutex<Vec<WalkProblem>>>;

/// The walk's settings, shared by [`walk`] and [`walk_and_visit`].
///
/// The walk reads ignore files in the root and below it; those of its parent directories are
/// read only up to the top of the root's git repository ([`repo_parent_matchers`]; issue 13,
/// B12: a `.gitignore` holding `*` above a checkout made the linter report "0 files" and
/// pass). A parent's rule that ignores a path wins over the root's own rules. A directory whose ignore file is a special file or too large is not
/// entered, and is reported (`skipped`).
fn builder(root: &Path, skipped: &Skipped) -> WalkBuilder {
    let mut builder = WalkBuilder::new(root);
    let parents = Arc::new(repo_parent_matchers(root, skipped));
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let (skipped, root_buf) = (skipped.clone(), root.to_path_buf());
    builder
        .hidden(false)
        .follow_links(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .ignore(true)
        .parents(false)
        .add_custom_ignore_filename(IGNORE_FILE)
        .filter_entry(move |entry| {
            if entry.depth() == 0 {
                return true;
            }
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if !parents.is_empty()
                && let Ok(rel) = entry.path().strip_prefix(&root_buf)
                && excluded_by(&parents, &canonical_root.join(rel), is_dir)
            {
                return false;
            }
            if !is_dir {
                return true;
            }
            if matches!(entry.file_name().to_str(), Some(".git" | "target")) {
                return false;
            }
            match unsafe_ignore_file(entry.path()) {
                None => true,
                Some((path, why)) => {
                    if let Ok(mut skipped) = skipped.lock() {
                        skipped.push(ignore_file_problem(&root_buf, &path, &why));
                    }
                    false
                }
            }
        });
    builder
}

/// The ignore files of the root's parent directories up to the top of the git repository the
/// root is in, deepest first and, within a directory, `.canarylintignore`, `.ignore`,
/// `.gitignore` (the `ignore` crate's precedence). None when the root is not inside a git
/// repository, or is its top: the repository boundary is where ignore rules stop (issue 13,
/// B12). Each file is read as the walk reads files: regular and at most
/// [`MAX_IGNORE_FILE_BYTES`], else it is reported in `skipped` and not used.
fn repo_parent_matchers(root: &Path, skipped: &Skipped) -> Vec<Gitignore> {
    let Ok(canonical) = root.canonicalize() else {
        return Vec::new();
    };
    let Some(top) = canonical.ancestors().find(|d| d.join(".git").exists()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for dir in canonical.ancestors().skip(1) {
        if !dir.starts_with(top) {
            break;
        }
        for name in IGNORE_FILES.iter().rev() {
            let path = dir.join(name);
            let text = match super::load::read_regular(&path, MAX_IGNORE_FILE_BYTES) {
                Ok(Some(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                Ok(None) | Err(_) => {
                    if let Ok(mut skipped) = skipped.lock() {
                        skipped.push(WalkProblem {
                            rel: path.display().to_string(),
                            message: format!(
                                "an ignore file above the root that is not a regular file of \
                                 at most {} KiB; not read",
                                MAX_IGNORE_FILE_BYTES / 1024
                            ),
                        });
                    }
                    continue;
                }
            };
            let mut matcher = GitignoreBuilder::new(dir);
            for line in text.lines() {
                // A bad pattern is skipped, as the walk's own reading of ignore files does.
                let _ = matcher.add_line(Some(path.clone()), line);
            }
            if let Ok(matcher) = matcher.build()
                && !matcher.is_empty()
            {
                out.push(matcher);
            }
        }
    }
    out
}

/// Does the first of `matchers` with an opinion on `path` ignore it?
fn excluded_by(matchers: &[Gitignore], path: &Path, is_dir: bool) -> bool {
    matchers
        .iter()
        .map(|m| m.matched_path_or_any_parents(path, is_dir))
        .find(|m| !m.is_none())
        .is_some_and(|m| m.is_ignore())
}

fn ignore_file_problem(root: &Path, path: &Path, why: &str) -> WalkProblem {
    WalkProblem {
        rel: relative(root, path),
        message: format!(
            "{why}; its directory is not linted (an ignore file is read only when it is a \
             regular file of at most {} KiB)",
            MAX_IGNORE_FILE_BYTES / 1024
        ),
    }
}

/// Checks the root's own ignore files before the walk reads them: `Err` when one is unsafe
/// (nothing under the root is linted then, and that is the problem reported).
fn check_root(root: &Path) -> Result<(), WalkProblem> {
    match unsafe_ignore_file(root) {
        None => Ok(()),
        Some((path, why)) => Err(ignore_file_problem(root, &path, &why)),
    }
}

/// What one walked entry is.
enum Found {
    File(WalkedFile),
    Problem(WalkProblem),
    Nothing,
}

fn examine(
    root: &Path,
    canonical_root: &Path,
    result: Result<ignore::DirEntry, ignore::Error>,
) -> Found {
    let entry = match result {
        Ok(entry) => entry,
        Err(err) => {
            let rel = error_path(&err)
                .map(|p| relative(root, p))
                .unwrap_or_default();
            return Found::Problem(WalkProblem {
                rel,
                message: format!("could not walk this path: {err}"),
            });
        }
    };
    let Some(file_type) = entry.file_type() else {
        return Found::Nothing;
    };
    let path = entry.path();
    if !wanted_extension(path)
        && !path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(super::classify::is_script_path)
    {
        return Found::Nothing;
    }
    let rel = relative(root, path);
    if file_type.is_file() {
        return Found::File(WalkedFile {
            rel,
            path: path.to_path_buf(),
            listed_regular: true,
        });
    }
    if file_type.is_symlink() {
        return match path.canonicalize() {
            Ok(target) if target.is_file() && target.starts_with(canonical_root) => {
                Found::File(WalkedFile {
                    rel,
                    path: path.to_path_buf(),
                    listed_regular: true,
                })
            }
            // A link to a directory or outside the repo is not ours to read.
            Ok(_) => Found::Nothing,
            Err(err) => Found::Problem(WalkProblem {
                rel,
                message: format!("symlink does not resolve ({err}); a loop or a dangling link"),
            }),
        };
    }
    if let Some(kind) = entry
        .metadata()
        .ok()
        .and_then(|m| super::load::special_kind(&m))
    {
        return Found::Problem(WalkProblem {
            rel,
            message: format!("{kind}, not a regular file; skipped, never opened"),
        });
    }
    Found::Nothing
}

/// Walks `root` and calls `visit` on each file whose relative path passes `keep`, on rayon's
/// threads while the walk goes on (reading and parsing overlap the directory walk, and a
/// small tree costs no extra threads). Results come back sorted by relative path, problems
/// (also filtered by `keep`) sorted: the same as [`walk`] followed by `visit` in order.
///
/// The walk itself runs on one thread of ignore's parallel walker: unlike its sequential
/// walker, it reads each directory before looking for ignore files in it, so it learns from
/// the listing which of `.gitignore`, `.ignore`, `.canarylintignore` and `.git` exist instead
/// of asking the kernel for each of them in every directory (about five failing `statx` calls
/// per directory: 28,620 on the benchmark monorepo). One walking thread, because with more
/// its idle threads wait in 1 ms sleeps at the end of a walk.
pub fn walk_and_visit<T: Send>(
    root: &Path,
    keep: &(dyn Fn(&str) -> bool + Sync),
    visit: &(dyn Fn(&WalkedFile) -> T + Sync),
) -> (Vec<(String, T)>, Vec<WalkProblem>) {
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let visited: Mutex<Vec<(String, T)>> = Mutex::default();
    let problems: Mutex<Vec<WalkProblem>> = Mutex::default();
    if let Err(problem) = check_root(root) {
        return (Vec::new(), vec![problem]);
    }
    let skipped = Skipped::default();
    rayon::in_place_scope(|scope| {
        let (visited, problems, canonical_root) = (&visited, &problems, &canonical_root);
        builder(root, &skipped).threads(1).build_parallel().run(|| {
            Box::new(move |result| {
                match examine(root, canonical_root, result) {
                    Found::File(file) if keep(&file.rel) => {
                        scope.spawn(move |_| {
                            let value = visit(&file);
                            if let Ok(mut visited) = visited.lock() {
                                visited.push((file.rel, value));
                            }
                        });
                    }
                    Found::Problem(problem) if keep(&problem.rel) => {
                        if let Ok(mut problems) = problems.lock() {
                            problems.push(problem);
                        }
                    }
                    _ => {}
                }
                ignore::WalkState::Continue
            })
        });
    });
    let mut files = visited.into_inner().unwrap_or_default();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut problems = problems.into_inner().unwrap_or_default();
    if let Ok(mut skipped) = skipped.lock() {
        problems.extend(skipped.drain(..).filter(|p| keep(&p.rel)));
    }
    problems.sort();
    (files, problems)
}

/// Walks `root` on one thread. Errors on individual entries become problems, not failures.
pub fn walk(root: &Path) -> Walked {
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut out = Walked::default();
    if let Err(problem) = check_root(root) {
        out.problems.push(problem);
        return out;
    }
    let skipped = Skipped::default();
    for result in builder(root, &skipped)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build()
    {
        match examine(root, &canonical_root, result) {
            Found::File(file) => out.files.push(file),
            Found::Problem(problem) => out.problems.push(problem),
            Found::Nothing => {}
        }
    }
    if let Ok(mut skipped) = skipped.lock() {
        out.problems.append(&mut skipped);
    }
    out.files.sort();
    out.problems.sort();
    out
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

//! Writing rendered files under an output directory, all or nothing, and comparing them with
//! what is there.
//!
//! A write goes in three phases. First every path is checked: it stays inside `--out-dir`
//! (no `..`, not absolute, not under `.git/`), no two outputs share a path or nest inside each
//! other, no directory on the way is a symlink or a file, and what sits at the path now is a
//! regular file or nothing. Then every file is staged in a temporary file beside its target
//! (`.canary-gen.<pid>.<random>.tmp`), written and synced. Only then are the staged files
//! renamed into place. A failure before the renames removes the staged files and the
//! directories this write created, so the old tree is left whole.
//!
//! Temporary files of a render that was killed (kill -9) are recognised by that name: the next
//! render removes those of processes that are no longer running from the directories it
//! writes to, and `diff` reports them.
//!
//! New files get mode `0666 & ~umask` (the mode passed to `open`, which the kernel masks),
//! like any file an editor creates; a file that exists keeps its mode.

mod read;
mod upsert;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use similar::TextDiff;

use crate::render::RenderedFile;
pub use read::{INPUT_SIZE_LIMIT, SPEC_SIZE_LIMIT, kind_of, read_regular};
pub use upsert::upsert_tiles;

/// The name of a staged file starts with this, then the writer's process id and a dot.
pub const TEMP_PREFIX: &str = ".canary-gen.";
/// The name of a staged file ends with this.
pub const TEMP_SUFFIX: &str = ".tmp";

/// Why writing failed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A layout path that would leave the output directory.
    #[error(
        "refusing to write `{0}`: paths in the layout must stay inside --out-dir (no `..`, no absolute paths)"
    )]
    Escapes(String),
    /// A layout path inside `.git/`.
    #[error(
        "refusing to write `{0}`: it is inside `.git/`, which belongs to git; choose another path in the layout"
    )]
    GitDir(String),
    /// Two outputs on one path, or one inside the other.
    #[error(
        "two outputs go to `{0}`{1}; give each file its own path in the spec's `layout` (or --upsert-dashboard)"
    )]
    Collision(String, String),
    /// A symlink where a generated file or one of its directories belongs.
    #[error(
        "{0} is a symbolic link; canary-gen neither follows nor replaces symlinks inside --out-dir: replace it with a regular file or directory, or remove it"
    )]
    Symlink(String),
    /// Something other than a directory where a directory is needed.
    #[error("{path} is a {kind}, but a directory is needed there; move it out of the way")]
    NotADirectory {
        /// The path.
        path: String,
        /// What it is.
        kind: &'static str,
    },
    /// Something other than a regular file where one is read or replaced.
    #[error(
        "{path} is a {kind}, not a regular file; canary-gen reads and replaces only regular files: remove it or point at a regular file"
    )]
    NotRegular {
        /// The path.
        path: String,
        /// What it is.
        kind: &'static str,
    },
    /// An input over its size cap.
    #[error("{path} is larger than {limit} bytes, the most canary-gen reads from one file")]
    TooLarge {
        /// The path.
        path: String,
        /// The cap in bytes.
        limit: u64,
    },
    /// An input that is not UTF-8.
    #[error("{path} is not UTF-8 text")]
    NotUtf8 {
        /// The path.
        path: String,
    },
    /// An I/O failure.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A rename into place failed after others succeeded (the directory changed under the
    /// render); the only failure that leaves a mixed tree.
    #[error(
        "{path}: {source}; {done} of {total} files were already replaced: fix the cause and render again"
    )]
    PartlyRenamed {
        /// The file.
        path: String,
        /// Files already renamed into place.
        done: usize,
        /// Files in the render.
        total: usize,
        /// The cause.
        source: std::io::Error,
    },
    /// A dashboard file to upsert into that is not a dashboard.
    #[error("{path}: {detail}")]
    BadDashboard {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
}

impl OutputError {
    /// The message for the command line: what went wrong, and that nothing was written unless
    /// a rename failed part way.
    pub fn with_outcome(&self) -> String {
        match self {
            OutputError::PartlyRenamed { .. } => format!("error: {self}"),
            _ => format!("error: {self}\nnothing was written"),
        }
    }

    /// Whether this is a "no such file" from the operating system.
    pub fn is_not_found(&self) -> bool {
        matches!(self, OutputError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The normal components of a layout path, or why it is refused: empty, `..`, absolute, or
/// inside `.git/`.
pub fn layout_components(rel: &str) -> Result<Vec<&str>, OutputError> {
    let mut parts = Vec::new();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str().unwrap_or_default()),
            Component::CurDir => {}
            _ => return Err(OutputError::Escapes(rel.to_string())),
        }
    }
    if parts.is_empty() || parts.iter().any(|p| p.is_empty()) {
        return Err(OutputError::Escapes(rel.to_string()));
    }
    if parts.iter().any(|p| p.eq_ignore_ascii_case(".git")) {
        return Err(OutputError::GitDir(rel.to_string()));
    }
    Ok(parts)
}

/// Resolve `rel` under `root`, refusing anything that escapes it or goes into `.git/`.
pub fn safe_join(root: &Path, rel: &str) -> Result<PathBuf, OutputError> {
    Ok(layout_components(rel)?
        .iter()
        .fold(root.to_path_buf(), |p, c| p.join(c)))
}

/// Refuse two outputs on one path, or one output inside another's path (a file where a
/// directory must go). Paths compare by their normal components (`./a//b` is `a/b`).
pub fn check_collisions<'a>(paths: impl IntoIterator<Item = &'a str>) -> Result<(), OutputError> {
    let mut seen: BTreeSet<Vec<&str>> = BTreeSet::new();
    for rel in paths {
        let parts = layout_components(rel)?;
        if let Some(other) = seen
            .iter()
            .find(|o| o.starts_with(&parts) || parts.starts_with(o))
        {
            let detail = if *other == parts {
                String::new()
            } else {
                let n = other.len().min(parts.len());
                format!(
                    " (`{}` would be both a file and a directory)",
                    parts[..n].join("/")
                )
            };
            return Err(OutputError::Collision(parts.join("/"), detail));
        }
        seen.insert(parts);
    }
    Ok(())
}

/// What is at a generated file's path now.
#[derive(Debug)]
enum Present {
    /// Nothing; `missing_from` is the first directory to create (`None`: all exist).
    Nothing { missing_from: Option<usize> },
    /// A regular file, with its permission bits.
    File { mode: u32 },
}

/// Check what lies on the way to `rel` under `root` without following any symlink: every
/// existing directory on the way is a real directory, and the path itself is a regular file
/// or absent.
fn inspect(root: &Path, parts: &[&str]) -> Result<Present, OutputError> {
    let mut path = root.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let last = i + 1 == parts.len();
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Present::Nothing {
                    missing_from: (!last).then_some(i),
                });
            }
            Err(e) => return Err(io_error(&path)(e)),
        };
        let shown = path.display().to_string();
        if meta.file_type().is_symlink() {
            return Err(OutputError::Symlink(shown));
        }
        if !last && !meta.is_dir() {
            return Err(OutputError::NotADirectory {
                path: shown,
                kind: kind_of(&meta),
            });
        }
        if last {
            if !meta.is_file() {
                return Err(OutputError::NotRegular {
                    path: shown,
                    kind: kind_of(&meta),
                });
            }
            return Ok(Present::File {
                mode: permission_bits(&meta),
            });
        }
    }
    Ok(Present::Nothing { missing_from: None })
}

#[cfg(unix)]
fn permission_bits(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn permission_bits(_: &std::fs::Metadata) -> u32 {
    0
}

/// Whether the process that staged a temporary file may still be running.
fn writer_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: kill with signal 0 sends nothing; it only checks that the process exists.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// Temporary files under `dir` left by renders that are no longer running.
pub fn stale_temp_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let Some(name) = name.to_str() else {
                return false;
            };
            let Some(rest) = name
                .strip_prefix(TEMP_PREFIX)
                .and_then(|r| r.strip_suffix(TEMP_SUFFIX))
            else {
                return false;
            };
            let pid = rest.split('.').next().and_then(|p| p.parse::<u32>().ok());
            pid.is_some_and(|p| !writer_alive(p))
                && e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink())
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// The text every generated YAML and Markdown file carries in its first lines (JSON has no
/// comments, so a generated JSON file cannot be told from a hand-written one).
const GENERATED_HEADER: &str = "Generated by canary-gen";

/// Files in `dir` (relative to `root`) that carry the generated-file header in their first
/// lines but are not in `rendered`: what an earlier render wrote for another app name,
/// provider or layout. Only regular files are read (symlinks and special files are skipped,
/// never opened), up to [`INPUT_SIZE_LIMIT`]; the promtool files, which `diff` does not
/// render, are left out.
fn orphaned_generated_files(root: &Path, dir: &Path, rendered: &BTreeSet<PathBuf>) -> Vec<String> {
    let full = root.join(dir);
    if !std::fs::symlink_metadata(&full).is_ok_and(|m| m.is_dir()) {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(&full) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        let wanted = [".yaml", ".yml", ".md"].iter().any(|e| name.ends_with(e));
        if !wanted
            || name == crate::promtool::RULES_FILE
            || name == crate::promtool::TESTS_FILE
            || !entry.file_type().is_ok_and(|t| t.is_file())
        {
            continue;
        }
        let rel: PathBuf = dir.join(name).components().collect();
        if rendered.contains(&rel) {
            continue;
        }
        let Ok(text) = read_regular(&entry.path(), INPUT_SIZE_LIMIT, false) else {
            continue;
        };
        if text.lines().take(8).any(|l| l.contains(GENERATED_HEADER)) {
            out.push(rel.display().to_string());
        }
    }
    out.sort();
    out
}

/// A file staged next to its target, not yet renamed.
struct Staged {
    tmp: tempfile::NamedTempFile,
    target: PathBuf,
}

fn stage(
    dir: &Path,
    target: &Path,
    contents: &str,
    mode: Option<u32>,
) -> Result<Staged, OutputError> {
    let io = io_error(target);
    let mut builder = tempfile::Builder::new();
    let prefix = format!("{TEMP_PREFIX}{}.", std::process::id());
    builder.prefix(&prefix).suffix(TEMP_SUFFIX);
    // Created with 0666, which open(2) masks with the umask, as for any new file.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir).map_err(&io)?;
    tmp.write_all(contents.as_bytes()).map_err(&io)?;
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(&io)?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.as_file().sync_all().map_err(&io)?;
    Ok(Staged {
        tmp,
        target: target.to_path_buf(),
    })
}

/// Directories this write created, removed again (deepest first) if the write fails.
#[derive(Default)]
struct Created(Vec<PathBuf>);

impl Created {
    fn rollback(&mut self) {
        for dir in self.0.drain(..).rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Write every file, all or nothing (see the module documentation). Returns the paths written.
pub fn write_tree(root: &Path, files: &[RenderedFile]) -> Result<Vec<PathBuf>, OutputError> {
    check_collisions(files.iter().map(|f| f.path.as_str()))?;
    let parts: Vec<Vec<&str>> = files
        .iter()
        .map(|f| layout_components(&f.path))
        .collect::<Result<_, _>>()?;
    match std::fs::metadata(root) {
        Ok(m) if !m.is_dir() => {
            return Err(OutputError::NotADirectory {
                path: root.display().to_string(),
                kind: kind_of(&m),
            });
        }
        _ => {}
    }
    let present = parts
        .iter()
        .map(|p| inspect(root, p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut created = Created::default();
    let staged = stage_all(root, files, &parts, &present, &mut created);
    let staged = match staged {
        Ok(s) => s,
        Err(e) => {
            created.rollback();
            return Err(e);
        }
    };
    let mut written = Vec::new();
    let total = staged.len();
    let mut dirs = BTreeSet::new();
    for Staged { tmp, target } in staged {
        // Renames within one directory; the staged files not yet renamed are removed when
        // they drop.
        tmp.persist(&target)
            .map_err(|e| OutputError::PartlyRenamed {
                path: target.display().to_string(),
                done: written.len(),
                total,
                source: e.error,
            })?;
        if let Some(dir) = target.parent() {
            dirs.insert(dir.to_path_buf());
        }
        written.push(target);
    }
    // Make the renames durable; a failure here changes nothing on disk.
    for dir in dirs {
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
    }
    Ok(written)
}

fn stage_all(
    root: &Path,
    files: &[RenderedFile],
    parts: &[Vec<&str>],
    present: &[Present],
    created: &mut Created,
) -> Result<Vec<Staged>, OutputError> {
    if !root.exists() {
        std::fs::create_dir_all(root).map_err(io_error(root))?;
        created.0.push(root.to_path_buf());
    }
    let canonical_root = root.canonicalize().map_err(io_error(root))?;
    let mut cleaned = BTreeSet::new();
    let mut staged = Vec::new();
    for ((file, parts), present) in files.iter().zip(parts).zip(present) {
        let mut dir = root.to_path_buf();
        for (i, part) in parts[..parts.len() - 1].iter().enumerate() {
            dir.push(part);
            let missing = match present {
                Present::Nothing {
                    missing_from: Some(m),
                } => i >= *m,
                _ => false,
            };
            if missing && !dir.is_dir() {
                // create_dir fails if anything appeared there meanwhile.
                std::fs::create_dir(&dir).map_err(io_error(&dir))?;
                created.0.push(dir.clone());
            }
        }
        // The directory must still be inside the output directory (nothing was swapped for a
        // symlink since the check).
        let real = dir.canonicalize().map_err(io_error(&dir))?;
        if !real.starts_with(&canonical_root) {
            return Err(OutputError::Symlink(dir.display().to_string()));
        }
        if cleaned.insert(dir.clone()) {
            for stale in stale_temp_files(&dir) {
                std::fs::remove_file(&stale).map_err(io_error(&stale))?;
            }
        }
        let target = dir.join(parts[parts.len() - 1]);
        let mode = match present {
            Present::File { mode } => Some(*mode),
            Present::Nothing { .. } => None,
        };
        staged.push(stage(&dir, &target, &file.contents, mode)?);
    }
    Ok(staged)
}

/// Write one file all or nothing (see [`write_tree`]); `rel` is relative to `root`.
pub fn write_one(root: &Path, rel: &str, contents: &str) -> Result<PathBuf, OutputError> {
    let file = RenderedFile {
        path: rel.to_string(),
        what: String::new(),
        contents: contents.to_string(),
        is_manifest: false,
    };
    let mut written = write_tree(root, std::slice::from_ref(&file))?;
    Ok(written.pop().unwrap_or_else(|| root.join(rel)))
}

/// Read the regular file `rel` under `root` (at most `limit` bytes) without following a
/// symlink on the way or at the end.
pub fn read_inside(root: &Path, rel: &str, limit: u64) -> Result<String, OutputError> {
    let parts = layout_components(rel)?;
    let path = safe_join(root, rel)?;
    match inspect(root, &parts)? {
        Present::Nothing { .. } => Err(io_error(&path)(std::io::ErrorKind::NotFound.into())),
        Present::File { .. } => read_regular(&path, limit, false),
    }
}

/// One file's difference from what is on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiff {
    /// Relative path.
    pub path: String,
    /// Unified diff (or why the file was not compared), empty when up to date.
    pub diff: String,
}

/// What a committed file holds, read without following symlinks.
enum Committed {
    Missing,
    Text(String),
    /// Not compared: a symlink, a directory, a FIFO, a device, or a symlinked directory on
    /// the way. Never followed, opened or printed.
    Unusable(String),
}

fn committed(root: &Path, rel: &str) -> Result<Committed, OutputError> {
    let parts = layout_components(rel)?;
    match inspect(root, &parts) {
        Ok(Present::Nothing { .. }) => Ok(Committed::Missing),
        Ok(Present::File { .. }) => {
            let path = safe_join(root, rel)?;
            match read_regular(&path, INPUT_SIZE_LIMIT, false) {
                Ok(text) => Ok(Committed::Text(text)),
                Err(e) if e.is_not_found() => Ok(Committed::Missing),
                Err(e @ (OutputError::NotRegular { .. } | OutputError::NotUtf8 { .. })) => {
                    Ok(Committed::Unusable(e.to_string()))
                }
                Err(e) => Err(e),
            }
        }
        Err(
            e @ (OutputError::Symlink(_)
            | OutputError::NotRegular { .. }
            | OutputError::NotADirectory { .. }),
        ) => Ok(Committed::Unusable(e.to_string())),
        Err(e) => Err(e),
    }
}

/// Compare rendered files with what is committed under `root`. A symlink, a special file or a
/// symlinked directory where a generated file belongs is a difference and is never followed;
/// so is a temporary file an interrupted render left beside a generated file.
pub fn diff_tree(root: &Path, files: &[RenderedFile]) -> Result<Vec<FileDiff>, OutputError> {
    let mut out = Vec::new();
    let mut dirs = BTreeSet::new();
    for f in files {
        let current = match committed(root, &f.path)? {
            Committed::Missing => String::new(),
            Committed::Text(s) => s,
            Committed::Unusable(why) => {
                out.push(FileDiff {
                    path: f.path.clone(),
                    diff: format!("{}: not compared: {why}\n", f.path),
                });
                continue;
            }
        };
        if let Some(parent) = Path::new(&f.path).parent() {
            dirs.insert(parent.to_path_buf());
        }
        let diff = if current == f.contents {
            String::new()
        } else {
            TextDiff::from_lines(&current, &f.contents)
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{}", f.path), &format!("b/{}", f.path))
                .to_string()
        };
        out.push(FileDiff {
            path: f.path.clone(),
            diff,
        });
    }
    let rendered: BTreeSet<PathBuf> = files
        .iter()
        .map(|f| Path::new(&f.path).components().collect())
        .collect();
    for dir in &dirs {
        for orphan in orphaned_generated_files(root, dir, &rendered) {
            out.push(FileDiff {
                diff: format!(
                    "{orphan}: carries canary-gen's generated-file header, but the render no longer produces it; delete it, or restore the spec that rendered it\n"
                ),
                path: orphan,
            });
        }
    }
    for dir in dirs {
        for stale in stale_temp_files(&root.join(&dir)) {
            let name = stale
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let rel = dir.join(name).display().to_string();
            out.push(FileDiff {
                diff: format!(
                    "{rel}: temporary file of an interrupted render; `canary-gen render` removes it\n"
                ),
                path: rel,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> RenderedFile {
        RenderedFile {
            path: path.into(),
            what: String::new(),
            contents: contents.into(),
            is_manifest: false,
        }
    }

    /// A generated file the render no longer produces (another app name, provider or
    /// layout) is a difference; hand-written files, symlinks and promtool files are not.
    #[test]
    fn orphaned_generated_files_are_differences() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let k8s = root.join("k8s/canary");
        std::fs::create_dir_all(&k8s).expect("mkdir");
        let header = "---\n# Generated by canary-gen from canary.yaml; edit the spec and re-render, not this file.\nkind: Rollout\n";
        std::fs::write(k8s.join("rollout-new.yaml"), header).expect("write");
        std::fs::write(k8s.join("rollout-old.yaml"), header).expect("write");
        std::fs::write(k8s.join("ingress.yaml"), "kind: Ingress\n").expect("write");
        std::fs::write(k8s.join(crate::promtool::RULES_FILE), header).expect("write");
        std::os::unix::fs::symlink(k8s.join("rollout-old.yaml"), k8s.join("link.yaml"))
            .expect("symlink");
        let files = [file("k8s/canary/rollout-new.yaml", header)];
        let diffs = diff_tree(root, &files).expect("diff");
        let reported: Vec<&str> = diffs
            .iter()
            .filter(|d| !d.diff.is_empty())
            .map(|d| d.path.as_str())
            .collect();
        assert_eq!(reported, ["k8s/canary/rollout-old.yaml"]);
        assert!(
            diffs[1].diff.contains("no longer produces it"),
            "{}",
            diffs[1].diff
        );
    }

    #[test]
    fn refuses_escaping_paths() {
        let root = Path::new("/tmp/x");
        assert!(safe_join(root, "../etc/passwd").is_err());
        assert!(safe_join(root, "/etc/passwd").is_err());
        assert!(safe_join(root, "").is_err());
        assert!(safe_join(root, ".").is_err());
        assert!(safe_join(root, "k8s/canary/a.yaml").is_ok());
        let err = safe_join(root, "./.git/config").expect_err(".git");
        assert!(err.to_string().contains("inside `.git/`"), "{err}");
        assert!(safe_join(root, "a/.GIT/hooks/pre-commit").is_err());
    }

    #[test]
    fn collisions_and_nesting_are_refused() {
        assert!(check_collisions(["a/b.yaml", "a/c.yaml", "d.md"]).is_ok());
        let err =
            check_collisions(["k8s/canary/r.yaml", "./k8s//canary/r.yaml"]).expect_err("same");
        assert!(
            err.to_string()
                .contains("two outputs go to `k8s/canary/r.yaml`"),
            "{err}"
        );
        let err = check_collisions(["k8s/canary", "k8s/canary/r.yaml"]).expect_err("nested");
        assert!(
            err.to_string().contains("both a file and a directory"),
            "{err}"
        );
    }

    #[test]
    fn a_failed_write_leaves_the_old_tree_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write_tree(
            root,
            &[file("a/one.txt", "old\n"), file("b/two.txt", "old\n")],
        )
        .expect("first");
        // A directory where `c/three.txt` must go fails the write after checking every path.
        std::fs::create_dir_all(root.join("c/three.txt")).expect("mkdir");
        let err = write_tree(
            root,
            &[
                file("a/one.txt", "new\n"),
                file("new/dir/x.txt", "x"),
                file("c/three.txt", "new\n"),
            ],
        )
        .expect_err("refused");
        assert!(
            err.to_string().contains("directory, not a regular file"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("a/one.txt"))
                .ok()
                .as_deref(),
            Some("old\n")
        );
        assert!(!root.join("new").exists(), "no directory created");
        let names: Vec<_> = std::fs::read_dir(root.join("a"))
            .expect("read a")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn modes_follow_the_umask_and_existing_modes_stay() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write_tree(root, &[file("a.txt", "1")]).expect("write");
        let mode = |p: &str| {
            std::fs::metadata(root.join(p))
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0)
        };
        // The test process' umask is unknown; a new file has every bit 0666 allows it, and
        // the staged 0600 of tempfile's default is not what is left.
        let new = mode("a.txt");
        assert_eq!(new & !0o666, 0, "{new:o}");
        assert_ne!(new, 0o600, "tempfile's default mode leaked");
        std::fs::set_permissions(root.join("a.txt"), std::fs::Permissions::from_mode(0o640))
            .expect("chmod");
        write_tree(root, &[file("a.txt", "2")]).expect("rewrite");
        assert_eq!(mode("a.txt"), 0o640);
    }

    #[test]
    fn stale_temp_files_of_dead_writers_are_removed_and_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        // pid 0x7fff_fffe is above Linux's pid_max, so no process has it.
        let stale = root.join(format!("{TEMP_PREFIX}2147483646.abc123{TEMP_SUFFIX}"));
        let live = root.join(format!(
            "{TEMP_PREFIX}{}.abc123{TEMP_SUFFIX}",
            std::process::id()
        ));
        std::fs::write(&stale, "x").expect("write");
        std::fs::write(&live, "x").expect("write");
        let files = [file("a.txt", "1")];
        let diffs = diff_tree(root, &files).expect("diff");
        assert!(
            diffs
                .iter()
                .any(|d| d.diff.contains("temporary file of an interrupted render")),
            "{diffs:?}"
        );
        write_tree(root, &files).expect("write");
        assert!(!stale.exists());
        assert!(live.exists(), "a running writer's file is left alone");
    }
}

//! Reading and parsing files into located documents (on rayon's threads, as the walk finds them).
//!
//! Nothing a file contains can stop the run: an unreadable, oversized, binary, non-UTF-8 or
//! malformed file becomes a finding (CL001 `parse-error` or CL002 `input-limit`) at the best
//! location known, and the other files are still linted.

use std::io::Read;

use canary_core::located::{Limits, LoadErrorKind, LocatedDoc, Pos, Span, load_json_str, load_str};

use super::problem::{LoadProblem, ProblemKind};
use super::walk::WalkedFile;

/// Files larger than this are reported, not read.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// One loaded file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Repo-relative path with `/` separators.
    pub rel: String,
    /// The text the spans refer to: without a leading BOM; empty when the file was not read.
    pub text: String,
    /// Every document, in order. Empty when the file did not parse.
    pub docs: Vec<LocatedDoc>,
    /// The file started with a UTF-8 byte-order mark.
    pub had_bom: bool,
    /// A YAML file whose text holds `canary-lint:`, so it may hold suppression comments.
    /// Worked out while the text is still in the cache after reading it: scanning the
    /// monorepo's texts again after the rules made the suppression pass 1.3–1.5 ms instead
    /// of 0.6–0.75 ms (instrumented runs).
    pub may_suppress: bool,
    /// A kustomize `configMapGenerator` or `secretGenerator` copies this file into a ConfigMap
    /// or Secret as data (`kustomize::generator_files`): nothing in it is applied, so no
    /// rule reads it as manifests.
    pub generator_data: bool,
}

/// Reads and parses one file.
pub fn load_file(file: &WalkedFile) -> (SourceFile, Vec<LoadProblem>) {
    let source = SourceFile {
        rel: file.rel.clone(),
        text: String::new(),
        docs: Vec::new(),
        had_bom: false,
        may_suppress: false,
        generator_data: false,
    };
    let whole_file = Span::file_start();
    let bytes = match read_limited(file) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            let d = LoadProblem::new(
                ProblemKind::Limit,
                &file.rel,
                whole_file,
                format!(
                    "file is larger than {} MiB; not read",
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
            )
            .with_help(format!(
                "split it, or list it in `{}` if it is not a manifest",
                super::walk::IGNORE_FILE
            ));
            return (source, vec![d]);
        }
        Err(err) => {
            let d = LoadProblem::new(
                ProblemKind::Parse,
                &file.rel,
                whole_file,
                format!("could not read this file: {err}"),
            );
            return (source, vec![d]);
        }
    };
    load_bytes(&file.rel, bytes)
}

/// Parses `bytes` read from the file (or stream) named `rel`: the part of [`load_file`]
/// after reading, also used for a stream read from stdin. A `kind: List` document (what
/// `kubectl get -o yaml` prints) is replaced by its items, each a document of its own that
/// keeps its positions in the stream.
pub fn load_bytes(rel: &str, bytes: Vec<u8>) -> (SourceFile, Vec<LoadProblem>) {
    let mut source = SourceFile {
        rel: rel.to_string(),
        text: String::new(),
        docs: Vec::new(),
        had_bom: false,
        may_suppress: false,
        generator_data: false,
    };
    let whole_file = Span::file_start();
    if super::classify::is_script_path(rel) {
        // A shell script or Makefile: kept as text for the CI checks, never parsed as YAML.
        // One that is binary or not UTF-8 is not something those checks can read: skipped
        // without a finding, since it is not a manifest.
        if !bytes.contains(&0)
            && let Ok(text) = String::from_utf8(bytes)
        {
            source.text = text;
        }
        return (source, Vec::new());
    }
    let bytes = match decode_utf16_with_bom(&bytes) {
        Some(text) => text.into_bytes(),
        None => bytes,
    };
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        let d = LoadProblem::new(
            ProblemKind::Parse,
            rel,
            whole_file,
            format!(
                "binary file (NUL byte at offset {offset}); not read as YAML or JSON"
            ),
        )
        .with_help(format!(
            "manifests must be UTF-8 text, or UTF-16 that starts with a byte-order mark (as kubectl reads it); if this file is not a manifest, list it in `{}`",
            super::walk::IGNORE_FILE
        ));
        return (source, vec![d]);
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let bytes = err.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]);
            let at = end_position(&prefix);
            source.text = String::from_utf8_lossy(&bytes).into_owned();
            let d = LoadProblem::new(
                ProblemKind::Parse,
                rel,
                Span {
                    start: at,
                    end: Pos {
                        line: at.line,
                        col: at.col + 1,
                    },
                },
                format!("not UTF-8: invalid byte 0x{:02x} here", bytes[valid]),
            )
            .with_help("re-encode the file as UTF-8; kubectl and the API server read only UTF-8");
            return (source, vec![d]);
        }
    };
    source.had_bom = text.starts_with('\u{feff}');
    source.text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    source.may_suppress = may_hold_suppressions(&source.rel, &source.text);
    // JSON files take the JSON parser when they are strict JSON (the same tree, faster);
    // everything else, and every error, goes through the YAML loader.
    let parsed = if rel.ends_with(".json") {
        load_json_str(&source.text, Limits::default())
    } else {
        load_str(&source.text, Limits::default())
    };
    match parsed {
        Ok(docs) => {
            source.docs = expand_lists(docs);
            (source, Vec::new())
        }
        Err(err) => {
            let d = match err.kind {
                LoadErrorKind::TooDeep | LoadErrorKind::TooManyNodes => LoadProblem::new(
                    ProblemKind::Limit,
                    rel,
                    err.span,
                    err.message,
                )
                .with_help("no Kubernetes manifest needs this; the file is skipped so the rest of the repo is still checked"),
                LoadErrorKind::DuplicateKey => {
                    LoadProblem::new(ProblemKind::Parse, rel, err.span, err.message)
                        .with_help("keep one of the two keys; YAML parsers disagree on which one wins")
                }
                LoadErrorKind::Syntax | LoadErrorKind::Unsupported => {
                    let surrogate = err.message.contains("invalid Unicode character escape code");
                    let problem = LoadProblem::new(ProblemKind::Parse, rel, err.span, err.message);
                    if let Some(action) = super::helm::template_action(&source.text) {
                        // A Helm template outside a chart (no `Chart.yaml` above it): Helm
                        // renders it, nobody applies it as written.
                        let mut problem = problem;
                        problem.warning = true;
                        problem.message.push_str(&format!(
                            " (a warning, not an error: the file holds Helm template actions such as `{action}`, so it is a template that is rendered before anything applies it, not a manifest)"
                        ));
                        problem.with_help(
                            "lint what it renders (`helm template <chart> | canary-lint -`); give the chart its `Chart.yaml` so the linter skips its templates, or list the file in `.canarylintignore`",
                        )
                    } else if surrogate {
                        // go-yaml v2 `yaml_parser_scan_flow_scalar` refuses a `\u` escape in
                        // D800-DFFF as well, so kubectl cannot apply the file either; JSON
                        // allows such pairs, YAML does not.
                        problem.with_help(
                            "YAML has no surrogate pairs (kubectl's YAML reader rejects them too): write the character itself, or one `\\U0001F600`-style escape",
                        )
                    } else {
                        problem
                    }
                }
            };
            (source, vec![d])
        }
    }
}

/// The text of UTF-16 bytes that start with a byte-order mark (`FF FE` little-endian, `FE FF`
/// big-endian), without the mark; `None` for anything else. kubectl reads every `-f` file and
/// stdin through `unicode.BOMOverride(unicode.UTF8.NewDecoder())` (k8s.io/cli-runtime
/// `pkg/resource/visitor.go`, `FileVisitor.Visit`), so it applies such a file; as there, an
/// unpaired surrogate or a trailing odd byte becomes U+FFFD. Lines and columns count
/// characters, so positions in the decoded text are positions in the file.
fn decode_utf16_with_bom(bytes: &[u8]) -> Option<String> {
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let body = &bytes[2..];
    let units = body.chunks(2).map(|pair| match pair {
        [a, b] if little => u16::from_le_bytes([*a, *b]),
        [a, b] => u16::from_be_bytes([*a, *b]),
        // A trailing odd byte is not a code unit: replaced below.
        _ => 0xD800,
    });
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

/// `Ok(None)` when the file is over the limit. Reads at most one byte past it, so a file
/// growing while read cannot exhaust memory.
fn read_limited(file: &WalkedFile) -> std::io::Result<Option<Vec<u8>>> {
    if file.listed_regular {
        read_listed_regular(&file.path, MAX_FILE_BYTES)
    } else {
        read_regular(&file.path, MAX_FILE_BYTES)
    }
}

/// What a path that is not a regular file is, in words; `None` for a regular file. A
/// symlink is followed, so a link to `/dev/zero` is "a character device".
pub fn special_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_file() {
        None
    } else if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_socket() {
        Some("a socket")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_dir() {
        Some("a directory")
    } else {
        Some("not a regular file")
    }
}

/// Reads `path` only if it is a regular file (after following symlinks), and at most `cap`
/// bytes of it: `Ok(None)` when it is larger. A FIFO, socket or device is refused before it
/// is opened (opening a FIFO blocks until a writer comes; `/dev/zero` never ends), and the
/// opened file is checked again, so one swapped in between is refused too.
pub fn read_regular(path: &std::path::Path, cap: u64) -> std::io::Result<Option<Vec<u8>>> {
    read_checked(path, cap, true)
}

/// [`read_regular`] for a file the directory listing already says is regular: no `stat` by
/// path before opening (one system call per file less; the walk lists file types without
/// one). The file is opened non-blocking, so a FIFO swapped in since the listing does not
/// hang the open, and it is refused by the check on the opened file, unread.
pub fn read_listed_regular(path: &std::path::Path, cap: u64) -> std::io::Result<Option<Vec<u8>>> {
    read_checked(path, cap, false)
}

fn read_checked(
    path: &std::path::Path,
    cap: u64,
    stat_first: bool,
) -> std::io::Result<Option<Vec<u8>>> {
    use std::os::unix::fs::OpenOptionsExt;
    let not_regular = |kind: &str, opened: bool| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            if opened {
                format!("{kind}, not a regular file; not read")
            } else {
                format!("{kind}, not a regular file; not opened")
            },
        )
    };
    if stat_first && let Some(kind) = special_kind(&std::fs::metadata(path)?) {
        return Err(not_regular(kind, false));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let meta = file.metadata()?;
    if let Some(kind) = special_kind(&meta) {
        return Err(not_regular(kind, true));
    }
    // Sized from the metadata so the text is read in one go and kept without slack.
    let expected = meta.len().min(cap + 1);
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0) + 1);
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Ok(None);
    }
    Ok(Some(bytes))
}

/// The position just after `text` (1-based line, column in characters).
fn end_position(text: &str) -> Pos {
    let line = 1 + text.matches('\n').count();
    let last = text.rsplit('\n').next().unwrap_or("");
    Pos {
        line: line as u32,
        col: last.chars().count() as u32 + 1,
    }
}

/// Each `apiVersion: v1` `kind: List` document replaced by its `items`, in order.
fn expand_lists(docs: Vec<LocatedDoc>) -> Vec<LocatedDoc> {
    if !docs.iter().any(is_list) {
        return docs;
    }
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        if !is_list(&doc) {
            out.push(doc);
            continue;
        }
        let count = doc.at("/items").map_or(0, |items| items.items().count());
        out.extend((0..count).filter_map(|i| doc.subtree(&format!("/items/{i}"))));
    }
    out
}

/// Is `doc` a `kind: List` (core `v1`) with an `items` sequence?
fn is_list(doc: &LocatedDoc) -> bool {
    let text = |p: &str| doc.at(p).and_then(|n| n.as_str());
    text("/kind") == Some("List")
        && text("/apiVersion") == Some("v1")
        && doc.at("/items").is_some_and(|n| n.is_array())
}

/// The text every inline suppression comment holds (`# canary-lint: allow(...)`).
pub const SUPPRESSION_MARKER: &str = "canary-lint:";

/// Can a file hold suppression comments? Only YAML files have them, and every one holds the
/// marker, so most files are ruled out by one scan (the loader asks while the text is fresh).
pub fn may_hold_suppressions(rel: &str, text: &str) -> bool {
    (rel.ends_with(".yaml") || rel.ends_with(".yml")) && text.contains(SUPPRESSION_MARKER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a: é\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("a: 😀\n".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode_utf16_with_bom(&le).as_deref(), Some("a: é\n"));
        assert_eq!(decode_utf16_with_bom(&be).as_deref(), Some("a: 😀\n"));
        // An odd trailing byte and an unpaired surrogate become U+FFFD, as in kubectl.
        assert_eq!(
            decode_utf16_with_bom(&[0xFF, 0xFE, b'a', 0, b'b']).as_deref(),
            Some("a\u{FFFD}")
        );
        assert_eq!(
            decode_utf16_with_bom(&[0xFF, 0xFE, 0x00, 0xD8, b'a', 0]).as_deref(),
            Some("\u{FFFD}a")
        );
        // Without a mark it is not UTF-16 to kubectl either.
        assert_eq!(decode_utf16_with_bom(b"a\0:\0"), None);
        assert_eq!(decode_utf16_with_bom(b"\xEF\xBB\xBFa: 1"), None);
    }

    #[test]
    fn end_position_counts_characters() {
        assert_eq!(end_position(""), Pos { line: 1, col: 1 });
        assert_eq!(end_position("a: é\nbb"), Pos { line: 2, col: 3 });
    }
}

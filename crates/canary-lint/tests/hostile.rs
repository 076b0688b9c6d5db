//! Hostile input: every case ends in a finding (or nothing, where nothing is right), never a
//! panic, a hang or an unreadable report.

mod common;

use std::time::{Duration, Instant};

use canary_core::located::Pos;
use common::{codes, fixtures, lint_ok, render_both, tempdir, write};

const ROLLOUT_LINES: [&str; 11] = [
    "apiVersion: argoproj.io/v1alpha1",
    "kind: Rollout",
    "metadata:",
    "  name: api",
    "spec:",
    "  replicas: 3",
    "  workloadRef:",
    "    apiVersion: apps/v1",
    "    kind: Deployment",
    "    name: api",
    "    scaleDown: OnSuccess",
];

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers: [{name: api, image: api:1}]\n";

#[test]
fn alias_bomb_is_an_input_limit_finding() {
    let dir = fixtures().join("hostile");
    let started = Instant::now();
    let outcome = lint_ok(&dir);
    assert!(started.elapsed() < Duration::from_secs(10));
    let bomb: Vec<_> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.file == "alias-bomb.yaml")
        .collect();
    assert_eq!(bomb.len(), 1, "{:?}", outcome.diagnostics);
    assert_eq!(bomb[0].code, "CL002");
    assert!(bomb[0].message.contains("alias"));
    let (human, json) = render_both(&outcome);
    assert!(human.contains("error[CL002]"));
    assert!(json.contains("\"input-limit\""));
}

#[test]
fn duplicate_keys_point_at_the_second_key() {
    let outcome = lint_ok(&fixtures().join("hostile/duplicate-keys.yaml"));
    assert_eq!(codes(&outcome), ["CL001"]);
    let d = &outcome.diagnostics[0];
    assert_eq!(d.file, "duplicate-keys.yaml");
    assert_eq!(d.span.start, Pos { line: 7, col: 3 });
    assert!(d.message.contains("duplicate key `replicas`"));
}

#[test]
fn empty_documents_are_fine() {
    let dir = tempdir();
    write(
        dir.path(),
        "stream.yaml",
        "---\n---\n# only a comment\n---\n...\n",
    );
    write(dir.path(), "empty.yaml", "");
    write(dir.path(), "blank.json", "\n\n");
    let outcome = lint_ok(dir.path());
    assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
    let summary = outcome.summary();
    assert_eq!((summary.files, summary.documents), (3, 0));
    let (human, _) = render_both(&outcome);
    assert_eq!(human, "0 errors, 0 warnings in 3 files (0 documents)\n");
}

#[test]
fn deep_flow_nesting_is_refused() {
    let dir = tempdir();
    write(dir.path(), "deep.yaml", "[".repeat(100_000));
    write(
        dir.path(),
        "deep.json",
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    );
    let outcome = lint_ok(dir.path());
    assert_eq!(outcome.diagnostics.len(), 2, "{:?}", outcome.diagnostics);
    for d in &outcome.diagnostics {
        assert!(matches!(d.code, "CL001" | "CL002"), "{d:?}");
    }
    let (human, _) = render_both(&outcome);
    assert!(human.contains("deep.json"));
}

#[test]
fn deep_block_nesting_is_refused() {
    let dir = tempdir();
    let mut compact = "- ".repeat(100_000);
    compact.push_str("x\n");
    write(dir.path(), "compact.yaml", compact);
    let indented: String = (0..100_000)
        .map(|i| format!("{}-\n", " ".repeat(i % 2)))
        .collect();
    write(dir.path(), "indented.yaml", indented);
    let outcome = lint_ok(dir.path());
    let compact: Vec<_> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.file == "compact.yaml")
        .collect();
    assert_eq!(compact.len(), 1, "{:?}", outcome.diagnostics);
    assert!(matches!(compact[0].code, "CL001" | "CL002"));
    // The indented variant is a flat list of nulls or a syntax error: either way no panic,
    // and at most one finding.
    assert!(
        outcome
            .diagnostics
            .iter()
            .filter(|d| d.file == "indented.yaml")
            .count()
            <= 1
    );
    render_both(&outcome);
}

#[test]
fn invalid_utf8_is_located() {
    let dir = tempdir();
    write(
        dir.path(),
        "svc.yaml",
        b"apiVersion: v1\nkind: Service\nmetadata:\n  name: caf\xe9\n".as_slice(),
    );
    let outcome = lint_ok(dir.path());
    assert_eq!(codes(&outcome), ["CL001"]);
    let d = &outcome.diagnostics[0];
    assert!(d.message.starts_with("not UTF-8"), "{}", d.message);
    assert_eq!(d.span.start, Pos { line: 4, col: 12 });
    let (human, _) = render_both(&outcome);
    assert!(human.contains("--> svc.yaml:4:12"), "{human}");
}

#[test]
fn binary_files_are_reported_not_parsed() {
    let dir = tempdir();
    write(
        dir.path(),
        "logo.yaml",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00".as_slice(),
    );
    let outcome = lint_ok(dir.path());
    assert_eq!(codes(&outcome), ["CL001"]);
    assert!(outcome.diagnostics[0].message.contains("binary"));
    let (human, _) = render_both(&outcome);
    assert!(human.contains("logo.yaml:1:1"), "{human}");
}

#[test]
fn oversized_files_are_not_read() {
    let dir = tempdir();
    let mut big = String::from("# padding\n");
    big.push_str(&"#".repeat(8 * 1024 * 1024));
    write(dir.path(), "big.yaml", big);
    let outcome = lint_ok(dir.path());
    assert_eq!(codes(&outcome), ["CL002"]);
    assert!(outcome.diagnostics[0].message.contains("8 MiB"));
}

/// A manifest of exactly 8 MiB is read; one byte more is CL002.
#[test]
fn file_size_at_the_limit_is_read_and_past_it_is_refused() {
    let limit = canary_lint::repo::load::MAX_FILE_BYTES as usize;
    for (size, refused) in [(limit, false), (limit + 1, true)] {
        let dir = tempdir();
        let mut text = String::from("a: 1\n#");
        text.push_str(&" ".repeat(size - text.len()));
        assert_eq!(text.len(), size);
        write(dir.path(), "big.yaml", text);
        let outcome = lint_ok(dir.path());
        if refused {
            assert_eq!(codes(&outcome), ["CL002"]);
        } else {
            assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
        }
    }
}

#[test]
fn bom_does_not_shift_columns() {
    let dir = tempdir();
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    write(
        dir.path(),
        "rollout.yaml",
        format!("\u{feff}{}\n", ROLLOUT_LINES.join("\n")),
    );
    let outcome = lint_ok(dir.path());
    assert_eq!(codes(&outcome), ["CL104"]);
    assert_eq!(outcome.diagnostics[0].span.start, Pos { line: 11, col: 16 });
    assert!(outcome.repo.files.iter().any(|f| f.had_bom));
}

/// UTF-16 with a byte-order mark, as kubectl reads it (k8s.io/cli-runtime
/// `pkg/resource/visitor.go`, `FileVisitor.Visit`); found on raghib1992/kubernetes-tuts, where
/// a UTF-16LE Service was a false CL001 error.
#[test]
fn utf16_with_a_byte_order_mark_is_linted_like_utf8() {
    let utf16 = |text: &str, little: bool| -> Vec<u8> {
        let mark: [u8; 2] = if little { [0xFF, 0xFE] } else { [0xFE, 0xFF] };
        mark.into_iter()
            .chain(text.encode_utf16().flat_map(move |u| {
                if little {
                    u.to_le_bytes()
                } else {
                    u.to_be_bytes()
                }
            }))
            .collect()
    };
    let dir = tempdir();
    write(
        dir.path(),
        "deploy.yaml",
        utf16(&DEPLOYMENT.replace('\n', "\r\n"), true),
    );
    write(
        dir.path(),
        "rollout.yaml",
        utf16(&format!("{}\n", ROLLOUT_LINES.join("\n")), false),
    );
    let outcome = lint_ok(dir.path());
    // The Rollout's defect, at the same place as in UTF-8, and the Deployment was found.
    assert_eq!(codes(&outcome), ["CL104"], "{:?}", outcome.diagnostics);
    assert_eq!(outcome.diagnostics[0].span.start, Pos { line: 11, col: 16 });
    let (human, _) = render_both(&outcome);
    assert!(human.contains("scaleDown"), "{human}");

    // Without the mark kubectl reads the bytes as UTF-8 and fails: still CL001.
    let dir = tempdir();
    let no_mark: Vec<u8> = DEPLOYMENT
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    write(dir.path(), "deploy.yaml", no_mark);
    assert_eq!(codes(&lint_ok(dir.path())), ["CL001"]);
}

#[test]
fn crlf_line_endings_keep_positions_and_render_cleanly() {
    let dir = tempdir();
    write(dir.path(), "deploy.yaml", DEPLOYMENT.replace('\n', "\r\n"));
    write(
        dir.path(),
        "rollout.yaml",
        format!("{}\r\n", ROLLOUT_LINES.join("\r\n")),
    );
    let outcome = lint_ok(dir.path());
    assert_eq!(codes(&outcome), ["CL104"]);
    let d = &outcome.diagnostics[0];
    assert_eq!(d.span.start, Pos { line: 11, col: 16 });
    assert_eq!(d.span.end, Pos { line: 11, col: 25 });
    let (human, _) = render_both(&outcome);
    assert!(!human.contains('\r'));
    assert!(human.contains("    scaleDown: OnSuccess\n"), "{human}");
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_hang() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    write(root, "k8s/deploy.yaml", DEPLOYMENT);
    let link = |target: &str, at: &str| {
        symlink(target, root.join(at)).unwrap_or_else(|e| panic!("symlink {at}: {e}"))
    };
    link("b.yaml", "k8s/a.yaml");
    link("a.yaml", "k8s/b.yaml");
    link("..", "k8s/up");
    link(".", "k8s/self.yaml");
    link("deploy.yaml", "k8s/alias.yaml");
    let started = Instant::now();
    let outcome = lint_ok(root);
    assert!(started.elapsed() < Duration::from_secs(10));
    let looped: Vec<_> = outcome
        .diagnostics
        .iter()
        .map(|d| (d.code, d.file.as_str()))
        .collect();
    assert_eq!(looped, [("CL001", "k8s/a.yaml"), ("CL001", "k8s/b.yaml")]);
    assert!(outcome.diagnostics[0].message.contains("symlink"));
    let files: Vec<_> = outcome.repo.files.iter().map(|f| f.rel.as_str()).collect();
    assert_eq!(files, ["k8s/alias.yaml", "k8s/deploy.yaml"]);
    render_both(&outcome);
}

#[test]
fn a_bad_file_does_not_hide_findings_in_good_ones() {
    let dir = tempdir();
    write(dir.path(), "a/broken.yaml", "key: [unclosed\n");
    write(dir.path(), "b/deploy.yaml", DEPLOYMENT);
    write(
        dir.path(),
        "b/rollout.yaml",
        format!("{}\n", ROLLOUT_LINES.join("\n")),
    );
    let outcome = lint_ok(dir.path());
    assert_eq!(codes(&outcome), ["CL001", "CL104"]);
    assert_eq!(outcome.diagnostics[0].file, "a/broken.yaml");
}

#[test]
fn schema_mismatch_is_invalid_object_at_the_value() {
    let dir = tempdir();
    write(
        dir.path(),
        "deploy.yaml",
        DEPLOYMENT.replace("replicas: 3", "replicas: three"),
    );
    let outcome = lint_ok(dir.path());
    assert_eq!(codes(&outcome), ["CL003"]);
    assert_eq!(outcome.diagnostics[0].span.start, Pos { line: 6, col: 13 });
}

// Issue 13, B03, B12, B15: special files and ignore files.

fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(status.success());
}

fn findings(outcome: &canary_lint::Outcome) -> Vec<(String, &'static str, String)> {
    outcome
        .diagnostics
        .iter()
        .map(|d| (d.file.clone(), d.code, d.message.clone()))
        .collect()
}

/// A FIFO, or a symlink to /dev/zero, as an ignore file in a subdirectory: the directory is
/// skipped with a CL001 finding naming the file, the rest of the repo is linted, and the
/// walk neither hangs nor reads without end.
#[test]
fn special_ignore_files_skip_their_directory_with_a_finding() {
    for (name, link) in [
        (".gitignore", false),
        (".ignore", true),
        (".canarylintignore", false),
    ] {
        let dir = tempdir();
        write(dir.path(), "top.yaml", "a: [\n");
        write(dir.path(), "k8s/x.yaml", "b: [\n");
        let special = dir.path().join("k8s").join(name);
        if link {
            std::os::unix::fs::symlink("/dev/zero", &special).unwrap();
        } else {
            mkfifo(&special);
        }
        let started = Instant::now();
        let outcome = lint_ok(dir.path());
        assert!(started.elapsed() < Duration::from_secs(10));
        let found = findings(&outcome);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, format!("k8s/{name}"));
        assert_eq!(found[0].1, "CL001");
        let kind = if link { "a character device" } else { "a FIFO" };
        assert!(found[0].2.contains(kind), "{found:?}");
        assert!(
            found[0].2.contains("its directory is not linted"),
            "{found:?}"
        );
        assert_eq!((found[1].0.as_str(), found[1].1), ("top.yaml", "CL001"));
    }
}

/// The same in the root: nothing is linted, and the one finding says why.
#[test]
fn a_special_ignore_file_in_the_root_is_a_finding() {
    let dir = tempdir();
    write(dir.path(), "x.yaml", "b: [\n");
    mkfifo(&dir.path().join(".gitignore"));
    let outcome = lint_ok(dir.path());
    let found = findings(&outcome);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), (".gitignore", "CL001"));
}

/// An ignore file of exactly the limit is honoured; one byte more and it is refused.
#[test]
fn ignore_file_size_limit() {
    let limit = canary_lint::repo::walk::MAX_IGNORE_FILE_BYTES as usize;
    for (size, honoured) in [(limit, true), (limit + 1, false)] {
        let dir = tempdir();
        write(dir.path(), "k8s/x.yaml", "b: [\n");
        let mut text = "x.yaml\n".to_string();
        text.push_str(&"#".repeat(size - text.len()));
        write(dir.path(), "k8s/.gitignore", text);
        let found = findings(&lint_ok(dir.path()));
        if honoured {
            assert!(found.is_empty(), "{found:?}");
        } else {
            assert_eq!(found.len(), 1, "{found:?}");
            assert!(found[0].2.contains("larger than 1024 KiB"), "{found:?}");
        }
    }
}

/// A FIFO, socket or device with a manifest's extension inside the tree is reported and
/// never opened.
#[test]
fn special_files_in_the_tree_are_findings() {
    let dir = tempdir();
    mkfifo(&dir.path().join("pipe.yaml"));
    let _socket = std::os::unix::net::UnixListener::bind(dir.path().join("sock.yml")).unwrap();
    write(dir.path(), "ok.yaml", "a: 1\n");
    let started = Instant::now();
    let found = findings(&lint_ok(dir.path()));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("pipe.yaml", "CL001"));
    assert!(
        found[0]
            .2
            .contains("a FIFO (named pipe), not a regular file")
    );
    assert_eq!((found[1].0.as_str(), found[1].1), ("sock.yml", "CL001"));
    assert!(found[1].2.contains("a socket"));
}

/// B12: a `.gitignore` holding `*` above the root (outside its git repo, or with no repo at
/// all) no longer hides the repo; the root's own ignore files still apply.
#[test]
fn ignore_files_above_the_root_are_not_read() {
    let outer = tempdir();
    write(outer.path(), ".gitignore", "*\n");
    write(outer.path(), ".ignore", "*\n");
    write(outer.path(), "repo/broken.yaml", "a: [\n");
    write(outer.path(), "repo/skipped.yaml", "a: [\n");
    write(outer.path(), "repo/.gitignore", "skipped.yaml\n");
    std::fs::create_dir(outer.path().join("repo/.git")).unwrap();
    let outcome = lint_ok(&outer.path().join("repo"));
    let found = findings(&outcome);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("broken.yaml", "CL001"));
}

/// B12: inside a git repository, the ignore files between the repository's top and the root
/// still apply; those above the repository do not.
#[test]
fn ignore_files_of_the_roots_own_repo_still_apply() {
    let outer = tempdir();
    write(outer.path(), ".gitignore", "*\n");
    std::fs::create_dir_all(outer.path().join("repo/.git")).unwrap();
    write(
        outer.path(),
        "repo/.gitignore",
        "k8s/generated.yaml\n/top-only.yaml\n",
    );
    write(outer.path(), "repo/.ignore", "drafts/\n");
    write(outer.path(), "repo/k8s/generated.yaml", "a: [\n");
    write(outer.path(), "repo/k8s/drafts/x.yaml", "a: [\n");
    write(outer.path(), "repo/k8s/top-only.yaml", "a: [\n");
    write(outer.path(), "repo/k8s/broken.yaml", "a: [\n");
    let found = findings(&lint_ok(&outer.path().join("repo/k8s")));
    let files: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(files, ["broken.yaml", "top-only.yaml"], "{found:?}");
}

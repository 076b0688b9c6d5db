//! canary-gen on hostile file systems and specs (issue 13): special files, symlinks, failed
//! and killed renders, colliding layouts, modes, dashboards it must not damage. Each test is
//! named after the defect it pins (`../shared/reliability/B*.sh`) and fails on the behaviour
//! before the fix.

#![cfg(unix)]

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_canary-gen");

/// Run canary-gen with `args`, killing it after 20 s (a hang is a failure, not a stuck suite).
fn run_in(cmd: &mut Command) -> Output {
    let mut child = cmd
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("canary-gen hung: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn run(args: &[&str]) -> Output {
    run_in(Command::new(BIN).args(args))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

fn render_default(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["render", "--out-dir", s(dir)];
    args.extend_from_slice(extra);
    run(&args)
}

fn mkfifo(p: &Path) {
    let ok = Command::new("mkfifo").arg(p).status().expect("mkfifo runs");
    assert!(ok.success());
}

/// Every file under `dir` (not following symlinks), relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            let t = e.file_type().expect("type");
            if t.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap_or(&p).display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn init_spec(dir: &Path, edit: impl FnOnce(String) -> String) -> PathBuf {
    let init = run(&["init"]);
    let original = text(&init.stdout);
    let edited = edit(original.clone());
    assert_ne!(edited, original, "the edit applies");
    let path = dir.join("c.yaml");
    std::fs::write(&path, edited).expect("write spec");
    path
}

const RUNBOOK: &str = "CANARY-ROLLOUT-RUNBOOK.md";

#[test]
fn b04_fifos_devices_and_huge_inputs_are_refused_without_hanging() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = dir.path().join("o");
    assert_eq!(render_default(&o, &[]).status.code(), Some(0));

    // diff: a FIFO or a symlink to /dev/zero where a generated file belongs.
    std::fs::remove_file(o.join(RUNBOOK)).expect("rm");
    mkfifo(&o.join(RUNBOOK));
    let out = run(&["diff", "--out-dir", s(&o)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("is a FIFO"),
        "{}",
        text(&out.stdout)
    );
    std::fs::remove_file(o.join(RUNBOOK)).expect("rm");
    symlink("/dev/zero", o.join(RUNBOOK)).expect("symlink");
    let out = run(&["diff", "--out-dir", s(&o)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("symbolic link"));

    // --upsert-dashboard: a FIFO, a symlink to /dev/zero.
    let u = dir.path().join("u");
    std::fs::create_dir(&u).expect("mkdir");
    mkfifo(&u.join("d.json"));
    symlink("/dev/zero", u.join("z.json")).expect("symlink");
    for (file, what) in [("d.json", "is a FIFO"), ("z.json", "symbolic link")] {
        let out = render_default(&u, &["--upsert-dashboard", file]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        let err = text(&out.stderr);
        assert!(err.contains(what) && err.contains(file), "{err}");
    }
    assert_eq!(files_under(&u), ["d.json", "z.json"], "nothing written");

    // --config: a FIFO, a device, a spec over the 1 MiB cap.
    let fifo = dir.path().join("spec.fifo");
    mkfifo(&fifo);
    let big = dir.path().join("big.yaml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(1 << 20))).expect("write");
    for (spec, what) in [
        (s(&fifo), "is a FIFO"),
        ("/dev/zero", "is a device"),
        (s(&big), "larger than 1048576 bytes"),
    ] {
        let out = run(&["plan", "--config", spec]);
        assert_eq!(out.status.code(), Some(2), "{spec}");
        let err = text(&out.stderr);
        assert!(err.contains(what) && err.contains(spec), "{err}");
    }
}

#[test]
fn b06_render_never_writes_through_a_symlinked_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (out_dir, outside) = (dir.path().join("out"), dir.path().join("outside"));
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    std::fs::create_dir_all(&outside).expect("mkdir");
    symlink(&outside, out_dir.join("k8s")).expect("symlink");
    let out = render_default(&out_dir, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("k8s is a symbolic link"), "{err}");
    assert!(
        files_under(&outside).is_empty(),
        "written outside --out-dir"
    );
    assert_eq!(files_under(&out_dir), ["k8s"], "nothing written at all");
}

#[test]
fn b07_diff_never_prints_a_symlink_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = dir.path().join("o");
    assert_eq!(render_default(&o, &[]).status.code(), Some(0));
    let secret = dir.path().join("environ");
    std::fs::write(&secret, "AWS_SECRET_ACCESS_KEY=hunter2\n").expect("write");
    std::fs::remove_file(o.join(RUNBOOK)).expect("rm");
    symlink(&secret, o.join(RUNBOOK)).expect("symlink");
    // Also a symlinked directory on the way.
    let ci = dir.path().join("ci-elsewhere");
    std::fs::rename(o.join(".github/workflows"), &ci).expect("mv");
    std::fs::write(
        ci.join("deploy-instant-api.yml"),
        "AWS_SECRET_ACCESS_KEY=hunter2\n",
    )
    .expect("write");
    symlink(&ci, o.join(".github/workflows")).expect("symlink");
    let out = run(&["diff", "--out-dir", s(&o)]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("hunter2"), "{stdout}");
    assert!(
        stdout.contains(&format!("{RUNBOOK}: not compared: ")) && stdout.contains("symbolic link"),
        "{stdout}"
    );
    assert!(
        stdout.contains(".github/workflows/deploy-instant-api.yml: not compared"),
        "{stdout}"
    );
}

#[test]
fn b08_a_failed_render_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = dir.path().join("o");
    std::fs::create_dir_all(o.join(".github/workflows/deploy-instant-api.yml")).expect("mkdir");
    let out = render_default(&o, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("is a directory, not a regular file") && err.contains("nothing was written"),
        "{err}"
    );
    assert!(files_under(&o).is_empty(), "{:?}", files_under(&o));
    assert!(!o.join("k8s").exists(), "no directory left behind");
}

/// A failure while staging (a read-only `ci/`) leaves the old New Relic tree whole: no
/// Prometheus manifests next to the old runbook, no temporary files.
#[test]
fn b08_a_render_failing_while_staging_leaves_the_old_tree_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = dir.path().join("m");
    assert_eq!(
        render_default(&m, &["--provider", "newrelic"])
            .status
            .code(),
        Some(0)
    );
    let before = files_under(&m);
    let runbook = std::fs::read_to_string(m.join(RUNBOOK)).expect("runbook");
    let root = text(&run_in(Command::new("id").arg("-u")).stdout).trim() == "0";
    let mut cmd = if root {
        // Root writes into read-only directories; drop to nobody as the B08 script does.
        if Command::new("setpriv").arg("--version").output().is_err() {
            eprintln!("skipped: running as root without setpriv");
            return;
        }
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let chown = Command::new("chown")
            .args(["-R", "65534", s(&m)])
            .status()
            .expect("chown");
        assert!(chown.success());
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
        c
    } else {
        Command::new(BIN)
    };
    std::fs::set_permissions(
        m.join(".github/workflows"),
        std::fs::Permissions::from_mode(0o555),
    )
    .expect("chmod");
    let out = run_in(cmd.args(["render", "--provider", "prometheus", "--out-dir", s(&m)]));
    std::fs::set_permissions(
        m.join(".github/workflows"),
        std::fs::Permissions::from_mode(0o755),
    )
    .expect("chmod");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(files_under(&m), before, "no new file, no temporary file");
    assert_eq!(
        std::fs::read_to_string(m.join(RUNBOOK)).expect("runbook"),
        runbook
    );
}

#[test]
fn b09_colliding_layout_paths_are_an_error_at_the_spec_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = init_spec(dir.path(), |t| {
        t.replace(
            "  runbook: CANARY-ROLLOUT-RUNBOOK.md",
            "  runbook: k8s/canary/rollout-instant-api.yaml",
        )
    });
    let o = dir.path().join("o");
    let out = run(&["render", "--config", s(&spec), "--out-dir", s(&o)]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    let line = line_of(&spec, "  runbook: k8s/canary/rollout-instant-api.yaml");
    assert!(err.contains(&format!("c.yaml:{line}:12")), "{err}");
    assert!(
        err.contains("layout.runbook puts `k8s/canary/rollout-instant-api.yaml`"),
        "{err}"
    );
    assert!(!o.exists());
    // --upsert-dashboard naming a generated file is refused the same way.
    std::fs::create_dir_all(o.join(".github/workflows")).expect("mkdir");
    std::fs::write(
        o.join(".github/workflows/deploy-instant-api.yml"),
        r#"{"pages":[{}]}"#,
    )
    .expect("write");
    let out = render_default(
        &o,
        &[
            "--upsert-dashboard",
            ".github/workflows/deploy-instant-api.yml",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("two outputs go to `.github/workflows/deploy-instant-api.yml`"),
        "{err}"
    );
    assert_eq!(
        files_under(&o),
        [".github/workflows/deploy-instant-api.yml"]
    );
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("stat").permissions().mode() & 0o777
}

#[test]
fn b13_new_files_follow_the_umask_and_existing_files_keep_their_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = dir.path().join("o");
    let with_umask = |umask: &str| {
        run_in(Command::new("sh").args([
            "-c",
            &format!("umask {umask}; exec \"$0\" render --out-dir \"$1\""),
            BIN,
            s(&o),
        ]))
    };
    assert_eq!(with_umask("022").status.code(), Some(0));
    let ci = o.join(".github/workflows/deploy-instant-api.yml");
    assert_eq!(mode(&ci), 0o644);
    assert_eq!(mode(&o.join(RUNBOOK)), 0o644);
    std::fs::set_permissions(&ci, std::fs::Permissions::from_mode(0o664)).expect("chmod");
    assert_eq!(with_umask("077").status.code(), Some(0));
    assert_eq!(mode(&ci), 0o664, "an existing file keeps its mode");
    std::fs::remove_file(o.join(RUNBOOK)).expect("rm");
    assert_eq!(with_umask("002").status.code(), Some(0));
    assert_eq!(mode(&o.join(RUNBOOK)), 0o664);
}

#[test]
fn b17_temporary_files_of_a_killed_render_are_reported_and_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = dir.path().join("o");
    assert_eq!(render_default(&o, &[]).status.code(), Some(0));
    // What a render killed between staging and renaming leaves (pid above Linux's pid_max).
    let stale = [
        o.join(".github/workflows/.canary-gen.2147483646.aB3xYz.tmp"),
        o.join("k8s/canary/.canary-gen.2147483646.q1W2e3.tmp"),
    ];
    for p in &stale {
        std::fs::write(p, "half a file").expect("write");
    }
    let out = run(&["diff", "--out-dir", s(&o)]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            ".github/workflows/.canary-gen.2147483646.aB3xYz.tmp: temporary file of an interrupted render"
        ),
        "{stdout}"
    );
    assert_eq!(render_default(&o, &[]).status.code(), Some(0));
    assert!(stale.iter().all(|p| !p.exists()));
    assert!(!files_under(&o).iter().any(|f| f.contains(".tmp")));
    assert_eq!(run(&["diff", "--out-dir", s(&o)]).status.code(), Some(0));

    // A real kill -9 at random points: whatever it leaves, the next render cleans up.
    for i in 0..10 {
        let mut child = Command::new(BIN)
            .args(["render", "--out-dir", s(&o)])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts");
        std::thread::sleep(Duration::from_millis(3 * i));
        let _ = child.kill();
        let _ = child.wait();
    }
    assert_eq!(render_default(&o, &[]).status.code(), Some(0));
    assert!(
        !files_under(&o).iter().any(|f| f.contains(".tmp")),
        "{:?}",
        files_under(&o)
    );
}

#[test]
fn b18_upsert_keeps_data_it_does_not_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = dir.path();
    let big = r#"{"name":"x","pages":[{"name":"p","widgets":[{"title":"t","layout":{"row":1,"height":3,"column":1,"width":1}}]}],"n":100000000000000000000000,"f":1.10}"#;
    std::fs::write(o.join("d.json"), big).expect("write");
    let out = render_default(o, &["--upsert-dashboard", "d.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let after = std::fs::read_to_string(o.join("d.json")).expect("read");
    assert!(
        after.ends_with(r#"]}],"n":100000000000000000000000,"f":1.10}"#),
        "{after}"
    );
    assert!(
        after.starts_with(&big[..big.find("]}]").unwrap_or(0)]),
        "{after}"
    );

    for (name, body, why) in [
        (
            "e.json",
            r#"{"name":"x","pages":[{"name":"p","widgets":"keep-me"}]}"#,
            "widgets is a string, not a list",
        ),
        (
            "n.json",
            r#"{"name":"x","pages":[{"name":"p","widgets":[]},null]}"#,
            "pages[1] is null",
        ),
        (
            "r.json",
            r#"{"pages":[{"widgets":[{"title":"t","layout":{"row":9223372036854775807,"height":9223372036854775807,"column":1,"width":1}}]}]}"#,
            "overflows",
        ),
    ] {
        std::fs::write(o.join(name), body).expect("write");
        let out = render_default(o, &["--upsert-dashboard", name]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = text(&out.stderr);
        assert!(err.contains(why) && err.contains(name), "{err}");
        assert_eq!(std::fs::read_to_string(o.join(name)).expect("read"), body);
    }

    // A symlinked dashboard is neither followed nor replaced by a file.
    std::fs::write(o.join("real.json"), big).expect("write");
    symlink("real.json", o.join("link.json")).expect("symlink");
    let out = render_default(o, &["--upsert-dashboard", "link.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("symbolic link"));
    assert!(
        std::fs::symlink_metadata(o.join("link.json"))
            .expect("stat")
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_to_string(o.join("real.json")).expect("read"),
        big
    );
}

#[test]
fn b19_control_characters_in_descriptions_are_refused_at_the_spec_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = init_spec(dir.path(), |t| {
        t.replace(
            "    description: share of requests answered with a 5xx",
            r#"    description: "a\0b\e[2J\e]0;pwned\ac\u202Ed""#,
        )
    });
    let o = dir.path().join("o");
    let out = run(&["render", "--config", s(&spec), "--out-dir", s(&o)]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    let line = line_of(&spec, "    description: \"a\\0b");
    assert!(err.contains(&format!("c.yaml:{line}:18")), "{err}");
    assert!(err.contains("control character U+0000"), "{err}");
    assert!(!err.contains('\u{1b}'), "the error itself prints no escape");
    assert!(!o.exists());
}

#[test]
fn b20_escaping_deployment_and_git_paths_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = init_spec(dir.path(), |t| {
        t.replace("  deployment: instant-api", "  deployment: \"../..\"")
            .replace(
                "  runbook: CANARY-ROLLOUT-RUNBOOK.md",
                "  runbook: .git/config",
            )
    });
    let o = dir.path().join("o");
    std::fs::create_dir_all(o.join(".git")).expect("mkdir");
    std::fs::write(o.join(".git/config"), "[core]\n").expect("write");
    let out = run(&["render", "--config", s(&spec), "--out-dir", s(&o)]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("`../..` is not a valid Deployment name"),
        "{err}"
    );
    assert!(err.contains("inside `.git/`"), "{err}");
    assert_eq!(
        std::fs::read_to_string(o.join(".git/config")).expect("read"),
        "[core]\n"
    );
    assert_eq!(files_under(&o), [".git/config"]);
}

/// The 1-based line of the first line of the file at `path` that starts with `prefix`.
fn line_of(path: &Path, prefix: &str) -> usize {
    let text = std::fs::read_to_string(path).expect("spec");
    text.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starts with {prefix:?}"))
        + 1
}

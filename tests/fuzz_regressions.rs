//! The fuzz campaign's regression inputs (docs/reliability.md, "Fuzzing"): every file under
//! `fixtures/fuzz/<target>/` goes through the same function the fuzz target `<target>` runs
//! (`tests/fuzz_entry/mod.rs`), so a crasher the fuzzer once found, and the hand-picked
//! hostile seeds beside them, are checked by `cargo test --workspace` without the fuzzer.

mod fuzz_entry;

use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/fuzz")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
            (p, bytes)
        })
        .collect()
}

fn run(target: &str, entry: fn(&[u8])) {
    for (path, bytes) in inputs(target) {
        // The name of the input that failed, before the panic's own message.
        eprintln!("{target}: {}", path.display());
        entry(&bytes);
    }
}

#[test]
fn loader_regressions() {
    run("loader", fuzz_entry::loader);
}

#[test]
fn spec_regressions() {
    run("spec", fuzz_entry::spec);
}

#[test]
fn promql_regressions() {
    run("promql", fuzz_entry::promql);
}

#[test]
fn nrql_regressions() {
    run("nrql", fuzz_entry::nrql);
}

#[test]
fn workflow_regressions() {
    run("workflow", fuzz_entry::workflow);
}

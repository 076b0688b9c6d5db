//! The crate's modules are layered and the arrows point one way:
//! `cli → report → engine (registry, suppress, config) → rules → rule API (rule, context) →
//! facts → repo, settings, diagnostic → canary-core`. This test reads every source file and
//! fails on any `crate::` path that points up a layer (or sideways into a cycle), so the
//! import cycle that once tied registry, context, diagnostic, repo, suppress and the rules
//! together cannot come back. Doc comments and `#[cfg(test)]` modules are not imports.

use std::collections::BTreeMap;
use std::path::Path;

/// Each top-level module's layer. A module may import modules of a strictly lower layer.
const LAYERS: [(&str, u32); 15] = [
    ("repo", 0),
    ("settings", 0),
    ("diagnostic", 0),
    ("facts", 1),
    ("context", 2),
    ("rule", 3),
    ("declare_rule", 3),
    ("rules", 4),
    ("registry", 5),
    ("suppress", 6),
    ("config", 6),
    ("engine", 7),
    ("report", 8),
    ("files", 8),
    ("cli", 9),
];

/// The top-level module a source file belongs to (`src/rules/x.rs` → `rules`).
fn module_of(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

/// The `crate::x` module names a file's code refers to, outside comments and test modules.
fn imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.trim_start();
        if code.starts_with("#[cfg(test)]") {
            // Test modules sit at the end of a file; they may import upward.
            break;
        }
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                // `use crate::{a, b::c};` on one line.
                let inner = group.split('}').next().unwrap_or("");
                for item in inner.split(',') {
                    let name = item.trim().split("::").next().unwrap_or("").trim();
                    if !name.is_empty() {
                        out.push(name.to_string());
                    }
                }
            } else {
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.push(name);
            }
            rest = after;
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn imports_point_down_the_layers() {
    let layers: BTreeMap<&str, u32> = LAYERS.into_iter().collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    assert!(files.len() > 50, "found only {} source files", files.len());
    let mut wrong = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&src).unwrap_or(path);
        if rel == Path::new("lib.rs") {
            continue;
        }
        let module = module_of(rel);
        let Some(&own) = layers.get(module.as_str()) else {
            wrong.push(format!("{}: module `{module}` has no layer", rel.display()));
            continue;
        };
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for target in imports(&text) {
            if target == module {
                continue;
            }
            match layers.get(target.as_str()) {
                Some(&layer) if layer < own => {}
                Some(&layer) => wrong.push(format!(
                    "{}: `{module}` (layer {own}) imports `{target}` (layer {layer})",
                    rel.display()
                )),
                None => wrong.push(format!(
                    "{}: `crate::{target}` is not a known module",
                    rel.display()
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn an_upward_import_is_caught() {
    // The check itself: a rules-layer line importing the engine is seen, a comment is not.
    let found = imports(
        "use crate::engine::run_rules;\n// crate::cli in a comment\nuse crate::{report, rules::ALL};\n",
    );
    assert_eq!(found, ["engine", "report", "rules"]);
    let layers: BTreeMap<&str, u32> = LAYERS.into_iter().collect();
    assert!(layers["engine"] > layers["rules"]);
}

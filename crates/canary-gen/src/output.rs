//! Writing rendered files under an output directory: paths are checked first, each file is
//! written to a temporary file beside it and renamed into place, and nothing goes outside the
//! directory.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;
use similar::TextDiff;

use crate::render::{RenderedFile, json_text};

/// Why writing failed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A layout path that would leave the output directory.
    #[error(
        "refusing to write `{0}`: paths in the layout must stay inside --out-dir (no `..`, no absolute paths)"
    )]
    Escapes(String),
    /// An I/O failure.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
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

/// Resolve `rel` under `root`, refusing anything that escapes it.
pub fn safe_join(root: &Path, rel: &str) -> Result<PathBuf, OutputError> {
    let p = Path::new(rel);
    if rel.is_empty()
        || p.components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(OutputError::Escapes(rel.to_string()));
    }
    Ok(root.join(p))
}

/// Write every file atomically. All paths are checked before the first write.
pub fn write_tree(root: &Path, files: &[RenderedFile]) -> Result<Vec<PathBuf>, OutputError> {
    let targets = files
        .iter()
        .map(|f| safe_join(root, &f.path))
        .collect::<Result<Vec<_>, _>>()?;
    let mut written = Vec::new();
    for (file, target) in files.iter().zip(targets) {
        write_atomic(&target, &file.contents)?;
        written.push(target);
    }
    Ok(written)
}

/// Write one file through a temporary file in the same directory and a rename.
pub fn write_atomic(target: &Path, contents: &str) -> Result<(), OutputError> {
    let io = |source| OutputError::Io {
        path: target.display().to_string(),
        source,
    };
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(contents.as_bytes()).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(target).map_err(|e| io(e.error))?;
    Ok(())
}

/// One file's difference from what is on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiff {
    /// Relative path.
    pub path: String,
    /// Unified diff, empty when up to date.
    pub diff: String,
}

/// Compare rendered files with what is committed under `root`.
pub fn diff_tree(root: &Path, files: &[RenderedFile]) -> Result<Vec<FileDiff>, OutputError> {
    let mut out = Vec::new();
    for f in files {
        let target = safe_join(root, &f.path)?;
        let current = match std::fs::read_to_string(&target) {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(OutputError::Io {
                    path: target.display().to_string(),
                    source,
                });
            }
        };
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
    Ok(out)
}

/// Put the canary tiles into an existing dashboard JSON: a widget with the same title is
/// replaced in place; a new one goes below the first page's last row. Unknown keys are kept.
pub fn upsert_tiles(existing: &str, path: &str, tiles: &[Value]) -> Result<String, OutputError> {
    let bad = |detail: String| OutputError::BadDashboard {
        path: path.to_string(),
        detail,
    };
    let mut dash: Value = serde_json::from_str(existing).map_err(|e| {
        bad(format!(
            "not JSON at line {} column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let pages = dash
        .get_mut("pages")
        .and_then(Value::as_array_mut)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            bad("no `pages` array with at least one page: not a New Relic dashboard export".into())
        })?;
    for tile in tiles {
        let title = tile.get("title").cloned();
        let mut replaced = false;
        for page in pages.iter_mut() {
            if let Some(widgets) = page.get_mut("widgets").and_then(Value::as_array_mut) {
                for w in widgets.iter_mut() {
                    if w.get("title") == title.as_ref() {
                        let layout = w.get("layout").cloned();
                        *w = tile.clone();
                        if let Some(l) = layout {
                            w["layout"] = l;
                        }
                        replaced = true;
                    }
                }
            }
        }
        if !replaced {
            let page = &mut pages[0];
            if !page.get("widgets").is_some_and(Value::is_array) {
                page["widgets"] = Value::Array(Vec::new());
            }
            let widgets = page["widgets"]
                .as_array_mut()
                .ok_or_else(|| bad("widgets is not an array".into()))?;
            let next_row = widgets
                .iter()
                .filter_map(|w| {
                    let l = w.get("layout")?;
                    Some(l.get("row")?.as_i64()? + l.get("height")?.as_i64()?)
                })
                .max()
                .unwrap_or(1);
            let mut t = tile.clone();
            t["layout"]["row"] = Value::from(next_row);
            widgets.push(t);
        }
    }
    // Tiles added in one call share a row.
    Ok(json_text(&dash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_escaping_paths() {
        let root = Path::new("/tmp/x");
        assert!(safe_join(root, "../etc/passwd").is_err());
        assert!(safe_join(root, "/etc/passwd").is_err());
        assert!(safe_join(root, "").is_err());
        assert!(safe_join(root, "k8s/canary/a.yaml").is_ok());
    }

    #[test]
    fn upsert_replaces_by_title_and_appends() {
        let existing = r#"{"name":"d","pages":[{"name":"p","widgets":[
            {"title":"Canary — a rollout phase","layout":{"column":1,"row":4,"width":4,"height":3},"visualization":{"id":"viz.line"}},
            {"title":"other","layout":{"column":1,"row":1,"width":12,"height":3}}]}],"extra":1}"#;
        let tiles = vec![
            serde_json::json!({"title":"Canary — a rollout phase","layout":{"column":1,"row":1,"width":6,"height":3},"visualization":{"id":"viz.table"}}),
            serde_json::json!({"title":"Canary — a analysis outcome","layout":{"column":7,"row":1,"width":6,"height":3}}),
        ];
        let out: Value =
            serde_json::from_str(&upsert_tiles(existing, "d.json", &tiles).unwrap()).unwrap();
        let w = &out["pages"][0]["widgets"];
        assert_eq!(w[0]["visualization"]["id"], "viz.table");
        assert_eq!(w[0]["layout"]["row"], 4);
        assert_eq!(w[2]["layout"]["row"], 7);
        assert_eq!(out["extra"], 1);
        assert!(upsert_tiles("[]", "d.json", &tiles).is_err());
        assert!(upsert_tiles("{", "d.json", &tiles).is_err());
    }
}

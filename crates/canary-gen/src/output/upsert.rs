//! `--upsert-dashboard`: put the canary tiles into a dashboard the user owns by editing only
//! the spans canary-gen owns (a widget with a canary tile's title, the end of the first page's
//! `widgets` list). Every other byte of the file stays as written: numbers such as
//! `100000000000000000000000` are not re-printed as `1e23`, key order and formatting are
//! kept. Re-serialising the whole document through `serde_json::Value` rounds such numbers,
//! and serde_json's `arbitrary_precision` feature would change number handling for every
//! crate of the workspace (cargo unifies features), so the file is parsed with `jsonc-parser`,
//! whose syntax tree carries the byte range of every value, once the linter's loader has said it
//! is strict JSON (`canary_core::located::strict_json`: no duplicate keys, no extensions).
//!
//! A dashboard this cannot edit safely is refused, with the reason: a page that is not an
//! object (`null`), a `widgets` that is not a list, a row that overflows.

use canary_core::located::{Limits, load_json_str, strict_json};
use jsonc_parser::ast::{Array, Object, Value as Ast};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions, parse_to_ast};
use serde_json::Value;

use super::OutputError;

/// Stands for a replaced widget's own `layout` in the serialised tile, then gives way to the
/// layout's text as written.
const KEPT_LAYOUT: &str = "canary-gen: the layout as written";

/// The syntax tree of `text` when it is strict JSON as the linter reads it
/// (`canary_core::located::strict_json`: no comments, trailing commas or other extensions, no
/// duplicate keys, no control character in a string, nesting within the loader's limit);
/// otherwise why not, with the line:column where there is one.
fn parse(text: &str) -> Result<Ast<'_>, String> {
    if strict_json(text, Limits::default()).is_none() {
        return Err(match load_json_str(text, Limits::default()) {
            Err(e) => format!(
                "{} at line {} column {}",
                e.message, e.span.start.line, e.span.start.col
            ),
            Ok(_) => "comments, trailing commas or other extensions".into(),
        });
    }
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    parse_to_ast(text, &collect, &ParseOptions::default())
        .map_err(|e| e.to_string())?
        .value
        .ok_or_else(|| "no value".into())
}

fn kind(v: &Ast<'_>) -> &'static str {
    match v {
        Ast::NullKeyword(_) => "null",
        Ast::Array(_) => "a list",
        Ast::Object(_) => "an object",
        Ast::StringLit(_) => "a string",
        Ast::NumberLit(_) => "a number",
        Ast::BooleanLit(_) => "a boolean",
    }
}

/// The indentation of the line `pos` starts, when only blanks precede it on that line.
fn indent_at(text: &str, pos: usize) -> Option<&str> {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..pos];
    prefix
        .chars()
        .all(|c| c == ' ' || c == '\t')
        .then_some(prefix)
}

/// A tile as JSON text: pretty and indented to `indent` when the surrounding file is pretty,
/// compact otherwise; `layout` (a replaced widget's own) is pasted in as written.
fn tile_text(tile: &Value, layout: Option<&str>, indent: Option<&str>) -> String {
    let mut v = tile.clone();
    if layout.is_some()
        && let Some(map) = v.as_object_mut()
    {
        map.insert("layout".into(), Value::String(KEPT_LAYOUT.into()));
    }
    let text = match indent {
        Some(indent) => serde_json::to_string_pretty(&v)
            .unwrap_or_default()
            .replace('\n', &format!("\n{indent}")),
        None => serde_json::to_string(&v).unwrap_or_default(),
    };
    match layout {
        Some(raw) => text.replace(&format!("\"{KEPT_LAYOUT}\""), raw),
        None => text,
    }
}

fn integer(layout: &Object<'_>, key: &str) -> Option<i64> {
    layout.get_number(key)?.value.parse().ok()
}

/// Put the canary tiles into an existing dashboard JSON: a widget with the same title is
/// replaced in place (keeping its layout as written); a new one goes below the first page's
/// last row. Nothing else in the text changes.
pub fn upsert_tiles(existing: &str, path: &str, tiles: &[Value]) -> Result<String, OutputError> {
    let bad = |detail: String| OutputError::BadDashboard {
        path: path.to_string(),
        detail,
    };
    // A byte order mark stays; the spans are of the text after it.
    let (bom, existing) = match existing.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", existing),
    };
    let root = parse(existing).map_err(|e| {
        bad(format!(
            "not strict JSON ({e}); canary-gen edits only JSON it can read whole"
        ))
    })?;
    let pages = root
        .as_object()
        .and_then(|o| o.get_array("pages"))
        .filter(|p| !p.elements.is_empty())
        .ok_or_else(|| {
            bad("no `pages` array with at least one page: not a New Relic dashboard export".into())
        })?;
    // Every page and every `widgets` must be readable before anything is edited.
    let mut page_widgets: Vec<(&Object<'_>, Option<&Array<'_>>)> = Vec::new();
    for (i, page) in pages.elements.iter().enumerate() {
        let Some(object) = page.as_object() else {
            return Err(bad(format!(
                "pages[{i}] is {}, not a page object; fix the dashboard before upserting into it",
                kind(page)
            )));
        };
        let widgets = match object.get("widgets") {
            None => None,
            Some(prop) => Some(prop.value.as_array().ok_or_else(|| {
                bad(format!(
                    "pages[{i}].widgets is {}, not a list; canary-gen will not replace it",
                    kind(&prop.value)
                ))
            })?),
        };
        page_widgets.push((object, widgets));
    }

    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut appended: Vec<&Value> = Vec::new();
    for tile in tiles {
        let title = tile.get("title").and_then(Value::as_str);
        let mut replaced = false;
        for widget in page_widgets
            .iter()
            .filter_map(|(_, w)| *w)
            .flat_map(|w| w.elements.iter())
            .filter_map(Ast::as_object)
        {
            if widget.get_string("title").map(|s| s.value.as_ref()) != title {
                continue;
            }
            let (start, end) = (widget.range.start, widget.range.end);
            let layout = widget
                .get("layout")
                .map(|l| &existing[l.value.range().start..l.value.range().end]);
            let pretty = existing[start..end].contains('\n');
            let indent = indent_at(existing, start).filter(|_| pretty);
            edits.push((start, end, tile_text(tile, layout, indent)));
            replaced = true;
        }
        if !replaced {
            appended.push(tile);
        }
    }

    if !appended.is_empty() {
        let (page, widgets) = page_widgets[0];
        let mut bottom: Option<i64> = None;
        let elements = widgets.map_or(&[][..], |w| &w.elements[..]);
        for (j, w) in elements.iter().enumerate() {
            let Some(layout) = w.as_object().and_then(|o| o.get_object("layout")) else {
                continue;
            };
            if let (Some(row), Some(height)) = (integer(layout, "row"), integer(layout, "height")) {
                let end = row.checked_add(height).ok_or_else(|| {
                    bad(format!(
                        "pages[0].widgets[{j}].layout: row {row} + height {height} overflows; fix the layout before upserting"
                    ))
                })?;
                bottom = Some(bottom.map_or(end, |b| b.max(end)));
            }
        }
        let last = elements.last();
        let indent = last
            .and_then(|l| indent_at(existing, l.range().start))
            .filter(|_| {
                last.is_some_and(|l| existing[l.range().start..l.range().end].contains('\n'))
            });
        let mut text = String::new();
        for tile in appended {
            let row = bottom.unwrap_or(1);
            let height = tile
                .pointer("/layout/height")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            bottom = Some(row.checked_add(height).ok_or_else(|| {
                bad(format!(
                    "pages[0]: the next free row {row} overflows; fix the layouts before upserting"
                ))
            })?);
            let mut t = tile.clone();
            t["layout"]["row"] = Value::from(row);
            match indent {
                Some(indent) => text.push_str(&format!(",\n{indent}")),
                None => text.push(','),
            }
            text.push_str(&tile_text(&t, None, indent));
        }
        match (widgets, last) {
            (Some(_), Some(last)) => {
                let at = last.range().end;
                edits.push((at, at, text));
            }
            (Some(list), None) => {
                let at = list.range.start + 1;
                edits.push((at, at, text[1..].to_string()));
            }
            (None, _) => match page.properties.last() {
                Some(prop) => {
                    let at = prop.range.end;
                    edits.push((at, at, format!(",\"widgets\":[{}]", &text[1..])));
                }
                None => {
                    let at = page.range.start + 1;
                    edits.push((at, at, format!("\"widgets\":[{}]", &text[1..])));
                }
            },
        }
    }

    edits.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
    let mut out = format!("{bom}{existing}");
    for (start, end, text) in edits {
        let (start, end) = (start + bom.len(), end + bom.len());
        out.replace_range(start..end, &text);
    }
    if strict_json(&out, Limits::default()).is_none() {
        return Err(bad(
            "internal error: the edited dashboard is not JSON; please report it".into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiles() -> Vec<Value> {
        vec![
            serde_json::json!({"title":"Canary — a rollout phase","layout":{"column":1,"row":1,"width":6,"height":3},"visualization":{"id":"viz.table"}}),
            serde_json::json!({"title":"Canary — a analysis outcome","layout":{"column":7,"row":1,"width":6,"height":3}}),
        ]
    }

    #[test]
    fn upsert_replaces_by_title_and_appends() {
        let existing = r#"{"name":"d","pages":[{"name":"p","widgets":[
            {"title":"Canary — a rollout phase","layout":{"column":1,"row":4,"width":4,"height":3},"visualization":{"id":"viz.line"}},
            {"title":"other","layout":{"column":1,"row":1,"width":12,"height":3}}]}],"extra":1}"#;
        let out: Value =
            serde_json::from_str(&upsert_tiles(existing, "d.json", &tiles()).unwrap()).unwrap();
        let w = &out["pages"][0]["widgets"];
        assert_eq!(w[0]["visualization"]["id"], "viz.table");
        assert_eq!(w[0]["layout"]["row"], 4);
        assert_eq!(w[2]["layout"]["row"], 7);
        assert_eq!(out["extra"], 1);
        assert!(upsert_tiles("[]", "d.json", &tiles()).is_err());
        assert!(upsert_tiles("{", "d.json", &tiles()).is_err());
    }

    #[test]
    fn upsert_keeps_what_it_does_not_own_byte_for_byte() {
        let existing = "{\n  \"name\": \"x\",\n  \"n\": 100000000000000000000000,\n  \"f\": 1.10,\n  \"pages\": [\n    {\n      \"name\": \"p\",\n      \"widgets\": [\n        {\n          \"title\": \"t\",\n          \"layout\": {\"row\": 1, \"height\": 3}\n        }\n      ]\n    }\n  ]\n}\n";
        let out = upsert_tiles(existing, "d.json", &tiles()).expect("upserts");
        assert!(
            out.starts_with(&existing[..existing.find("\n      ]").unwrap_or(0)]),
            "{out}"
        );
        assert!(
            out.contains("100000000000000000000000") && out.contains("1.10"),
            "{out}"
        );
        assert!(out.ends_with("\n      ]\n    }\n  ]\n}\n"), "{out}");
        // Idempotent: the second upsert replaces the tiles with the same text.
        assert_eq!(upsert_tiles(&out, "d.json", &tiles()).expect("again"), out);
        let v: Value = serde_json::from_str(&out).expect("JSON");
        assert_eq!(v["pages"][0]["widgets"][1]["layout"]["row"], 4);
    }

    #[test]
    fn upsert_refuses_what_it_cannot_edit_safely() {
        for (text, why) in [
            (r#"{"pages":[{"widgets":"keep-me"}]}"#, "not a list"),
            (r#"{"pages":[{"widgets":[]},null]}"#, "pages[1] is null"),
            (
                r#"{"pages":[{"widgets":[{"title":"t","layout":{"row":9223372036854775807,"height":9223372036854775807}}]}]}"#,
                "overflows",
            ),
            (r#"{"pages":[{"widgets":[]}]} // c"#, "not strict JSON"),
            (
                r#"{"pages":[{"widgets":[]}],"pages":[]}"#,
                "not strict JSON",
            ),
            ("{\"pages\":[{\"widgets\":[]}]", "at line 2 column 1"),
        ] {
            let err = upsert_tiles(text, "d.json", &tiles()).expect_err(text);
            assert!(err.to_string().contains(why), "{text}: {err}");
            assert!(err.to_string().starts_with("d.json: "), "{err}");
        }
        let bom = "\u{feff}{\"pages\":[{\"widgets\":[]}]}";
        assert!(
            upsert_tiles(bom, "d.json", &tiles())
                .expect("BOM")
                .starts_with("\u{feff}{\"pages\":[{\"widgets\":[{")
        );
        // A page without `widgets` gets the list; an empty list gets the tiles.
        for text in [
            r#"{"pages":[{"name":"p"}]}"#,
            r#"{"pages":[{}]}"#,
            r#"{"pages":[{"widgets":[]}]}"#,
        ] {
            let out: Value =
                serde_json::from_str(&upsert_tiles(text, "d.json", &tiles()).expect(text))
                    .expect(text);
            assert_eq!(out["pages"][0]["widgets"][1]["layout"]["row"], 4, "{text}");
        }
    }
}

//! JSON files read with a JSON parser instead of the YAML scanner.
//!
//! JSON is (almost) a subset of YAML 1.2, so [`super::load_str`] reads it, but the YAML scanner
//! is slow on it: the benchmark monorepo's 1,430 JSON files (1.9 MB) take 31.8 ms through the
//! YAML loader and 14.4 ms through this route, trees included, on one thread
//! (docs/benchmarks.md, session 5). This route parses with `jsonc-parser` (strict: every
//! JSONC/JSON5 extension switched off), whose AST carries the byte range of every value and
//! key, and feeds the same [`Builder`] calls the YAML loader makes, in the same order. The
//! tree that comes out is the one the YAML route builds: the same nodes, strings and spans
//! (the tests below compare both routes node by node). The YAML loader's span of a quoted
//! scalar or a closing bracket also covers the spaces and tabs after it on its line; this
//! route does the same.
//!
//! Anything this route is not sure to read exactly like the YAML loader goes to the YAML
//! loader instead, so errors keep their YAML-route messages and positions: text that is not
//! strict JSON, an empty file, a control character or line break inside a string, anything
//! but JSON whitespace, `,` and `:` between tokens, and every [`LoadError`] (duplicate keys,
//! nesting deeper than [`Limits::max_depth`]). jsonc-parser stops at 512 levels of nesting
//! on its own, so deep input cannot overflow the stack here.

use std::borrow::Cow;

use jsonc_parser::ast::{ObjectPropName, Value as Ast};
use jsonc_parser::common::Range;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions, parse_to_ast};
use saphyr_parser::ScalarStyle;

use super::{Builder, Limits, LoadError, LocatedDoc, Pos, Span, load_str};

/// Reads a `.json` file: through the JSON parser when the text is strict JSON, else through
/// the YAML loader (which reports the error, or reads the YAML that is not JSON).
pub fn load_json_str(src: &str, limits: Limits) -> Result<Vec<LocatedDoc>, LoadError> {
    match strict_json(src, limits) {
        Some(doc) => Ok(vec![doc]),
        None => load_str(src, limits),
    }
}

/// The one document of a strict JSON text through the JSON parser, or `None` when the text is
/// left to the YAML loader (see the module documentation). [`load_json_str`] is the entry
/// point; this one says which route a text takes.
pub fn strict_json(src: &str, limits: Limits) -> Option<LocatedDoc> {
    let text = src.strip_prefix('\u{feff}').unwrap_or(src);
    let strict = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    let value = parse_to_ast(text, &collect, &strict).ok()?.value?;
    let mut walk = Walk {
        cursor: Cursor {
            bytes: text.as_bytes(),
            offset: 0,
            pos: Pos { line: 1, col: 1 },
        },
        builder: Builder::new(limits),
    };
    walk.value(&value)?;
    walk.cursor.gap(text.len())?;
    Some(walk.builder.finish())
}

/// Turns byte offsets into line and column, moving forward only (the walk visits offsets in
/// document order), and checks the bytes it passes over.
struct Cursor<'t> {
    bytes: &'t [u8],
    offset: usize,
    pos: Pos,
}

impl Cursor<'_> {
    /// Moves over the bytes between two tokens: only JSON whitespace, `,` and `:` may be there.
    fn gap(&mut self, to: usize) -> Option<Pos> {
        let gap = self.bytes.get(self.offset..to)?;
        if !gap
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b',' | b':'))
        {
            return None;
        }
        self.advance(to)
    }

    /// Moves over the text of a token. A string token may hold no control character but tab
    /// (a raw line break would be folded by YAML, and is not JSON).
    fn token(&mut self, to: usize) -> Option<Pos> {
        let token = self.bytes.get(self.offset..to)?;
        if token.iter().any(|b| *b < 0x20 && *b != b'\t') {
            return None;
        }
        self.advance(to)
    }

    /// Moves over the spaces and tabs that follow, on the same line.
    fn blanks(&mut self) -> Pos {
        let blanks = self.bytes[self.offset.min(self.bytes.len())..]
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        self.offset += blanks;
        self.pos.col += blanks as u32;
        self.pos
    }

    /// Counts lines and characters (columns count characters, as the YAML loader's do) up to
    /// `to`. A line break is `\n`, `\r\n` or a lone `\r`, as in YAML.
    fn advance(&mut self, to: usize) -> Option<Pos> {
        let from = self.offset;
        for (i, b) in self.bytes.get(from..to)?.iter().enumerate() {
            match b {
                b'\n' => {
                    self.pos = Pos {
                        line: self.pos.line + 1,
                        col: 1,
                    }
                }
                b'\r' if self.bytes.get(from + i + 1) != Some(&b'\n') => {
                    self.pos = Pos {
                        line: self.pos.line + 1,
                        col: 1,
                    }
                }
                b'\r' => {}
                // UTF-8 continuation bytes do not start a character.
                b if b & 0xC0 == 0x80 => {}
                _ => self.pos.col += 1,
            }
        }
        self.offset = to;
        Some(self.pos)
    }
}

/// The walk over jsonc-parser's AST, making the YAML loader's builder calls.
struct Walk<'t> {
    cursor: Cursor<'t>,
    builder: Builder,
}

impl Walk<'_> {
    /// The span of a scalar token. The YAML loader's span of a quoted scalar also covers the
    /// spaces and tabs after it on its line; a plain scalar's (a number, `true`) does not.
    fn token(&mut self, range: Range, style: ScalarStyle) -> Option<Span> {
        let start = self.cursor.gap(range.start)?;
        let mut end = self.cursor.token(range.end)?;
        if style != ScalarStyle::Plain {
            end = self.cursor.blanks();
        }
        Some(Span { start, end })
    }

    /// The span of an opening bracket (`{`, `[`) at `at`.
    fn open(&mut self, at: usize) -> Option<Span> {
        let start = self.cursor.gap(at)?;
        let end = self.cursor.advance(at + 1)?;
        Some(Span { start, end })
    }

    /// The span of a closing bracket (`}`, `]`) at `at`: like a quoted scalar's, the YAML
    /// loader's covers the spaces and tabs after it on its line.
    fn close(&mut self, at: usize) -> Option<Span> {
        let start = self.cursor.gap(at)?;
        self.cursor.advance(at + 1)?;
        Some(Span {
            start,
            end: self.cursor.blanks(),
        })
    }

    fn scalar(&mut self, text: Cow<'_, str>, style: ScalarStyle, range: Range) -> Option<()> {
        let span = self.token(range, style)?;
        self.builder.scalar(text, style, 0, false, span).ok()
    }

    fn value(&mut self, value: &Ast<'_>) -> Option<()> {
        match value {
            // Strings are double-quoted scalars; numbers and keywords are plain scalars, so
            // they resolve (and are checked against YAML 1.1) exactly as the YAML route does.
            Ast::StringLit(s) => self.scalar(s.value.clone(), ScalarStyle::DoubleQuoted, s.range),
            Ast::NumberLit(n) => self.scalar(Cow::Borrowed(n.value), ScalarStyle::Plain, n.range),
            Ast::BooleanLit(b) => {
                let text = if b.value { "true" } else { "false" };
                self.scalar(Cow::Borrowed(text), ScalarStyle::Plain, b.range)
            }
            Ast::NullKeyword(n) => self.scalar(Cow::Borrowed("null"), ScalarStyle::Plain, n.range),
            Ast::Object(object) => {
                let span = self.open(object.range.start)?;
                self.builder.start(true, 0, span).ok()?;
                for prop in &object.properties {
                    let ObjectPropName::String(key) = &prop.name else {
                        return None;
                    };
                    self.scalar(key.value.clone(), ScalarStyle::DoubleQuoted, key.range)?;
                    self.value(&prop.value)?;
                }
                let span = self.close(object.range.end.checked_sub(1)?)?;
                self.builder.end(span).ok()
            }
            Ast::Array(array) => {
                let span = self.open(array.range.start)?;
                self.builder.start(false, 0, span).ok()?;
                for element in &array.elements {
                    self.value(element)?;
                }
                let span = self.close(array.range.end.checked_sub(1)?)?;
                self.builder.end(span).ok()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both routes read `src` into equal trees (nodes, strings, spans, YAML 1.1 notes), and
    /// the JSON route really took it.
    fn same(src: &str) {
        let json = strict_json(src, Limits::default())
            .unwrap_or_else(|| panic!("the JSON route refused {src:?}"));
        let yaml = load_str(src, Limits::default()).expect("the YAML route reads it");
        assert_eq!(yaml.len(), 1, "{src:?}");
        assert_eq!(json, yaml[0], "{src:?}");
        assert_eq!(json.value(), yaml[0].value());
    }

    #[test]
    fn strict_json_reads_like_the_yaml_loader() {
        for src in [
            "{}",
            "[]",
            "{\"a\": {}, \"b\": [], \"c\": [[], {}]}",
            "{\"kind\": \"Service\", \"n\": 1, \"f\": -1.5e-3, \"t\": true, \"u\": false, \"z\": null}",
            "{\n  \"a\": [1, 2, {\"b\": \"x\"}],\n  \"c\": \"d\"\n}\n",
            "{\r\n  \"a\": [1,\r\n 2]\r\n}\r\n",
            "\u{feff}{\"a\": 1}",
            "  \n\n {\"a\":1,\"b\":[true,false,null]}  \n",
            "{\"é\": \"ünïcødé\", \"k\": [\"日本語\", \"x\"], \"after\": 5}",
            "{\"esc\": \"a\\\"b\\\\c\\/d\\n\\t\\u00e9\", \"next\": 1}",
            "{\"path/with~tilde\": {\"x\": 1}}",
            "{\"big\": 12345678901234567890, \"bigger\": 123456789012345678901234, \"neg\": -0, \"e\": 1E5, \"inf\": 1e999}",
            "{\"zero\": 0, \"frac\": 0.25, \"exp\": 2e-2, \"negexp\": -3E+2}",
            "\"top-level string\"",
            "42",
            "[1, \"two\", [3, [4, [5]]], {\"six\": {\"seven\": [8]}}]",
            "{\"tab\":\t\"value\", \"raw\": \"a\tb\"}",
            // The YAML loader's spans of quoted scalars and closing brackets cover the blanks
            // after them on their line.
            "{\"a\":1}   \n",
            "[1]\t",
            "{\"a\":[1]  }",
            "{\"a\":[1]\n ,\"b\":{}  \n}",
            "{\"a\":\"x\"  }",
            "[1 ]",
            "{\"a\": 1 , \"b\": true }",
            "{ \"a\"\t: [ 1 , 2 ] }",
            "{\"a\": 1,\r\"b\": 2}",
        ] {
            same(src);
        }
        let keys: String = (0..40)
            .map(|i| format!("\"k{i}\": {i}"))
            .collect::<Vec<_>>()
            .join(", ");
        same(&format!("{{{keys}}}"));
    }

    #[test]
    fn every_json_file_in_the_repo_reads_like_the_yaml_loader() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut checked = 0;
        for dir in ["fixtures", "templates", "tests"] {
            let mut stack = vec![root.join(dir)];
            while let Some(dir) = stack.pop() {
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    continue;
                };
                for entry in entries.flatten() {
                    let path = entry.path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if path.extension().is_some_and(|e| e == "json") {
                        let Ok(src) = std::fs::read_to_string(&path) else {
                            continue;
                        };
                        let json = load_json_str(&src, Limits::default());
                        let yaml = load_str(&src, Limits::default());
                        // The one documented difference: valid JSON with a surrogate-pair
                        // escape, which YAML has not (fixture `CL001/good-surrogate-json`).
                        if let Err(e) = &yaml
                            && e.message.contains("invalid Unicode character escape code")
                        {
                            assert!(json.is_ok(), "{}", path.display());
                            continue;
                        }
                        assert_eq!(json, yaml, "{}", path.display());
                        checked += usize::from(strict_json(&src, Limits::default()).is_some());
                    }
                }
            }
        }
        assert!(
            checked >= 10,
            "only {checked} JSON files took the JSON route"
        );
    }

    #[test]
    fn what_is_not_strict_json_goes_to_the_yaml_loader() {
        for src in [
            "",
            "   \n",
            "{\"a\": 1,}",
            "{\"a\": 1} // comment",
            "{'a': 1}",
            "{a: 1}",
            "{\"a\": 0x10}",
            "{\"a\": .5}",
            "{\"a\": +1}",
            "{\"a\": \"line\nbreak\"}",
            "{\"a\": 1}\u{a0}",
            "{\"a\":\u{0b}1}",
            "a: 1\nb: [1, 2]\n",
            "{\"a\": 1}\n{\"b\": 2}",
            "{\"a\": 1, \"a\": 2}",
        ] {
            assert!(strict_json(src, Limits::default()).is_none(), "{src:?}");
            assert_eq!(
                load_json_str(src, Limits::default()),
                load_str(src, Limits::default()),
                "{src:?}"
            );
        }
    }

    #[test]
    fn duplicate_keys_and_deep_nesting_get_the_yaml_loader_errors() {
        let err = load_json_str("{\"a\": 1,\n \"a\": 2}", Limits::default()).unwrap_err();
        assert_eq!(err.kind, super::super::LoadErrorKind::DuplicateKey);
        assert_eq!(err.span.start, Pos { line: 2, col: 2 });
        for depth in [201, 600, 100_000] {
            let src = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            assert!(strict_json(&src, Limits::default()).is_none());
            assert_eq!(
                load_json_str(&src, Limits::default()),
                load_str(&src, Limits::default())
            );
        }
        let ok = format!("{}{}", "[".repeat(150), "]".repeat(150));
        same(&ok);
    }

    #[test]
    fn valid_json_the_yaml_scanner_rejects_is_read_as_json() {
        // A surrogate pair escape is JSON; YAML has no surrogate escapes.
        let doc =
            strict_json("{\"face\": \"\\ud83d\\ude00\"}", Limits::default()).expect("strict JSON");
        assert_eq!(doc.value()["face"], "\u{1F600}");
        // Tab-indented JSON.
        let doc = strict_json("{\n\t\"a\": [\n\t\t1\n\t]\n}\n", Limits::default()).expect("strict");
        assert_eq!(
            doc.node("/a/0").map(|s| s.value.start),
            Some(Pos { line: 3, col: 3 })
        );
    }
}

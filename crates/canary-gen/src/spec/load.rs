//! Reading `canary.yaml`: YAML with spans, then JSON Schema, then the typed spec.

use std::fmt;

use serde_json::Value;

use super::types::CanarySpec;
use canary_core::diag::{Located, render_error};
use canary_core::located::{Limits, LocatedDoc, Span, load_json_str};

/// The built-in default spec (the seed's instant-api setup), with its comments.
pub const DEFAULT_SPEC_TEXT: &str = include_str!("../../../../templates/canary.yaml");

/// A spec plus where it came from, so later checks can point at lines.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The spec.
    pub spec: CanarySpec,
    /// Path shown in messages.
    pub path: String,
    /// The text it was read from.
    pub text: String,
    /// The parsed document with spans.
    pub doc: LocatedDoc,
}

impl LoadedSpec {
    /// The span of the value at `pointer`, or the nearest parent.
    pub fn span(&self, pointer: &str) -> Span {
        self.doc.nearest_span(pointer)
    }

    /// The span of the key at `pointer`, or the nearest parent.
    pub fn key_span(&self, pointer: &str) -> Span {
        self.doc.nearest_key_span(pointer)
    }
}

/// Everything wrong with a spec, each with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// Path shown in messages.
    pub path: String,
    /// The spec text.
    pub text: String,
    /// The problems, in source order.
    pub problems: Vec<Located>,
}

impl SpecError {
    /// Render every problem rustc-style.
    pub fn render(&self, styled: bool) -> String {
        let mut out = String::new();
        for p in &self.problems {
            out.push_str(&render_error(&self.path, &self.text, p, styled));
            out.push('\n');
        }
        let n = self.problems.len();
        out.push_str(&format!(
            "{} problem{} in {}; nothing was written\n",
            n,
            if n == 1 { "" } else { "s" },
            self.path
        ));
        out
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for SpecError {}

/// The JSON Schema of `canary.yaml` (draft-07), generated from the spec types.
pub fn schema() -> Value {
    // Draft-07: what editors' YAML language servers support best, and its meta-schema makes
    // the validator's cold start about half that of draft 2020-12.
    let schema = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<CanarySpec>();
    serde_json::to_value(&schema).unwrap_or(Value::Null)
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Parse, schema-check and deserialize a spec. `path` is only used in messages.
pub fn load_spec(path: &str, text: &str) -> Result<LoadedSpec, SpecError> {
    load_spec_then(path, text, |_| ()).map(|(loaded, ())| loaded)
}

/// Like [`load_spec`], but runs `work` on the deserialized spec while the JSON Schema check
/// runs on another thread. The schema's verdict still wins: if it finds problems, they are the
/// error and `work`'s result is dropped, so `work` must not have side effects (it renders in
/// memory; nothing is written before this returns).
pub fn load_spec_then<T: Send>(
    path: &str,
    text: &str,
    work: impl FnOnce(&LoadedSpec) -> T + Send,
) -> Result<(LoadedSpec, T), SpecError> {
    load(path, text, true, work)
}

fn load<T: Send>(
    path: &str,
    text: &str,
    check_schema: bool,
    work: impl FnOnce(&LoadedSpec) -> T + Send,
) -> Result<(LoadedSpec, T), SpecError> {
    let fail = |problems: Vec<Located>| SpecError {
        path: path.to_string(),
        text: text.to_string(),
        problems,
    };
    // A strict JSON spec is read by the JSON parser, everything else by the YAML loader
    // (`load_json_str` decides; both build the same tree with the same spans). The YAML
    // scanner refuses JSON's surrogate-pair escapes (`"\ud83d\ude00"`, one character):
    // YAML's `\u` escape names one code point and has no pairs, and a lone surrogate is not
    // a character, so a valid JSON spec failed as "invalid Unicode character escape code".
    let mut docs = load_json_str(text, Limits::default()).map_err(|e| {
        fail(vec![Located {
            span: e.span,
            message: e.message.clone(),
            help: Some(
                "fix the YAML syntax; `canary-gen init` prints a valid starting spec".into(),
            ),
        }])
    })?;
    docs.retain(|d| !d.is_null());
    if docs.len() != 1 {
        return Err(fail(vec![Located {
            span: Span::file_start(),
            message: format!("expected exactly one YAML document, found {}", docs.len()),
            help: Some("a spec is one mapping; `canary-gen init` prints a starting spec".into()),
        }]));
    }
    let doc = docs.remove(0);
    let (mut problems, typed) = std::thread::scope(|scope| {
        let schema = check_schema.then(|| scope.spawn(|| schema_problems(&doc)));
        let typed = match serde_path_to_error::deserialize::<_, CanarySpec>(doc.deserializer()) {
            Ok(spec) => {
                let loaded = LoadedSpec {
                    spec,
                    path: path.to_string(),
                    text: text.to_string(),
                    doc: doc.clone(),
                };
                let result = work(&loaded);
                Ok((loaded, result))
            }
            Err(e) => Err(e),
        };
        let problems = schema.map_or_else(Vec::new, |handle| {
            handle.join().unwrap_or_else(|_| {
                vec![Located {
                    span: Span::file_start(),
                    message: "internal error: the schema check panicked; please report it".into(),
                    help: None,
                }]
            })
        });
        (problems, typed)
    });
    match typed {
        Ok(done) if problems.is_empty() => return Ok(done),
        Ok(_) => {}
        Err(e) if problems.is_empty() => {
            let pointer: String = e
                .path()
                .iter()
                .map(|seg| format!("/{}", escape(&seg.to_string())))
                .collect();
            problems.push(Located {
                span: doc.nearest_span(&pointer),
                message: e.inner().to_string(),
                help: None,
            });
        }
        Err(_) => {}
    }
    problems.sort_by_key(|p| p.span);
    Err(fail(problems))
}

fn schema_problems(doc: &LocatedDoc) -> Vec<Located> {
    let schema = schema();
    // The regex engine (not fancy-regex) compiles the schema's patterns several times faster,
    // which matters when a render must finish in a few milliseconds.
    let validator = match jsonschema::options()
        .with_pattern_options(jsonschema::PatternOptions::regex())
        .build(&schema)
    {
        Ok(v) => v,
        Err(e) => {
            return vec![Located {
                span: Span::file_start(),
                message: format!("internal error: the spec schema does not compile: {e}"),
                help: None,
            }];
        }
    };
    let mut problems = Vec::new();
    for error in validator.iter_errors(doc.value()) {
        let pointer = error.instance_path().as_str().to_string();
        let (span, help) = match error.kind() {
            jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                let first = unexpected.first().cloned().unwrap_or_default();
                (
                    doc.nearest_key_span(&format!("{pointer}/{}", escape(&first))),
                    Some(
                        "check the spelling; `canary-gen schema` lists every allowed key"
                            .to_string(),
                    ),
                )
            }
            jsonschema::error::ValidationErrorKind::Required { .. } => (
                doc.nearest_key_span(&pointer),
                Some("add the missing key; `canary-gen init` shows a complete spec".to_string()),
            ),
            _ => (doc.nearest_span(&pointer), None),
        };
        let at = if pointer.is_empty() {
            "the spec".to_string()
        } else {
            format!("`{}`", pointer.trim_start_matches('/').replace('/', "."))
        };
        problems.push(Located {
            span,
            message: format!("{at}: {error}"),
            help,
        });
    }
    problems
}

/// The built-in default spec, then `work` on it (see [`load_spec_then`]). The default is text
/// compiled into the binary, so its JSON Schema check runs in the test suite
/// (`built_in_default_passes_the_schema`), not on every run; a spec read from a file is always
/// checked. Semantic validation (`validate`) still runs on every render.
pub fn default_spec_then<T: Send>(
    work: impl FnOnce(&LoadedSpec) -> T + Send,
) -> Result<(LoadedSpec, T), SpecError> {
    load("<built-in default>", DEFAULT_SPEC_TEXT, false, work)
}

/// The built-in default spec.
pub fn default_spec() -> Result<LoadedSpec, SpecError> {
    load_spec("<built-in default>", DEFAULT_SPEC_TEXT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use canary_core::located::load_str;

    #[test]
    fn json_spec_with_a_surrogate_pair_escape_is_accepted() {
        let mut value = default_spec()
            .expect("default spec loads")
            .doc
            .value()
            .clone();
        value["metrics"][0]["description"] = Value::from("share of 5xx \u{1F600}");
        let text = serde_json::to_string_pretty(&value)
            .expect("serializes")
            .replace('\u{1F600}', "\\ud83d\\ude00");
        assert!(text.contains(r#"5xx \ud83d\ude00""#), "{text}");
        let loaded = load_spec("canary.json", &text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            loaded.spec.metrics[0].description.as_deref(),
            Some("share of 5xx \u{1F600}")
        );
        super::super::validate(&loaded).expect("validates");
        // A lone surrogate is not a character: still an error at its line.
        let lone = text.replace("\\ude00", "");
        let err = load_spec("canary.json", &lone).expect_err("a lone surrogate is refused");
        assert!(
            err.render(false).contains("canary.json:"),
            "{}",
            err.render(false)
        );
    }

    #[test]
    fn default_spec_loads_and_validates() {
        let loaded = default_spec().expect("default spec loads");
        assert_eq!(loaded.spec.app.name, "instant-api");
        assert_eq!(loaded.spec.ladder.len(), 3);
        super::super::validate(&loaded).expect("default spec validates");
    }

    #[test]
    fn built_in_default_passes_the_schema() {
        let doc = load_str(DEFAULT_SPEC_TEXT, Limits::default())
            .expect("default parses")
            .remove(0);
        let problems = schema_problems(&doc);
        assert!(problems.is_empty(), "{problems:?}");
        // The check is live: a wrong type in the same text is caught.
        let bad = load_str(
            &DEFAULT_SPEC_TEXT.replace("replicas: 2 ", "replicas: two"),
            Limits::default(),
        )
        .expect("parses")
        .remove(0);
        assert!(!schema_problems(&bad).is_empty());
    }

    #[test]
    fn bad_spec_points_at_lines() {
        let text = DEFAULT_SPEC_TEXT
            .replace("replicas: 2 ", "replicas: two")
            .replace("scaleDown: onsuccess", "scaleDown: onSuccess")
            .replace("  container: api", "  container: api\n  bogus: 1");
        let err = load_spec("canary.yaml", &text).unwrap_err();
        let out = err.render(false);
        assert_eq!(err.problems.len(), 3, "{out}");
        assert!(out.contains("canary.yaml:12:13"), "{out}");
        assert!(out.contains("is not one of"), "{out}");
        assert!(out.contains("bogus"), "{out}");
        assert!(out.contains("onSuccess"), "{out}");
    }
}

//! Strict validation of custom resources against their CustomResourceDefinition schemas.
//!
//! The API server prunes fields a CRD schema does not list, and rejects them only under strict
//! field validation (`kubectl apply --validate=strict`, server-side `fieldValidation=Strict`).
//! This module reproduces that check offline: it reads `apiextensions.k8s.io/v1` CRD files, turns
//! each served version's `openAPIV3Schema` into a closed JSON Schema (unknown fields are errors,
//! except below `x-kubernetes-preserve-unknown-fields: true`), compiles it with `jsonschema`, and
//! reports violations as JSON Pointers that `LocatedDoc::key_span` maps back to a line and column.
//!
//! Not reproduced: CEL rules (`x-kubernetes-validations`), `format` checks, list-map key
//! uniqueness, and the API server's pruning of `null` values (here a `null` in a non-nullable
//! field is reported as a type error).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::located::{Limits, load_str};

/// Validators for custom resources, keyed by (apiVersion, kind).
pub struct CrdSchemas {
    entries: BTreeMap<(String, String), Entry>,
}

/// One compiled schema and where it came from.
struct Entry {
    source: String,
    schema: Value,
    validator: jsonschema::Validator,
}

/// One way an object breaks its CRD schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON Pointer of the offending node; for an unknown field, the pointer of that field.
    pub pointer: String,
    /// The violation is a field the schema does not know (rejected by strict validation).
    pub unknown_field: bool,
    /// What is wrong, in words an SRE can act on.
    pub message: String,
}

/// Why CRD schemas could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CrdError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}; check that the path exists and is readable")]
    Read {
        /// The file or directory.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not valid YAML.
    #[error(
        "{path}:{line}:{col}: not valid YAML: {message}; replace the file with an unmodified copy of the CRD"
    )]
    Yaml {
        /// The file.
        path: String,
        /// Line, from 1.
        line: u32,
        /// Column, from 1.
        col: u32,
        /// The parser's message.
        message: String,
    },
    /// A CustomResourceDefinition document lacks something every v1 CRD has.
    #[error("{path} (document {document}): {message}")]
    Malformed {
        /// The file.
        path: String,
        /// Document index in the file, from 1.
        document: usize,
        /// What is missing or unsupported and what to do.
        message: String,
    },
    /// A converted schema did not compile (a bug in this module or a very unusual CRD).
    #[error(
        "{path}: the schema of {api_version} {kind} does not compile as JSON Schema: {message}; remove this CRD from the folder and report the problem with the file attached"
    )]
    Compile {
        /// The file.
        path: String,
        /// `group/version`.
        api_version: String,
        /// The kind.
        kind: String,
        /// The compiler's message.
        message: String,
    },
    /// Two files define different schemas for the same apiVersion and kind.
    #[error(
        "{second} defines {api_version} {kind} differently from {first}; keep only the CRD files of one release in the folder"
    )]
    Conflict {
        /// `group/version`.
        api_version: String,
        /// The kind.
        kind: String,
        /// The file read first.
        first: String,
        /// The file that disagrees.
        second: String,
    },
    /// No CustomResourceDefinition with a served schema was found.
    #[error(
        "no CustomResourceDefinition found in {place}; point it at a folder of CRD YAML files (for Argo Rollouts: manifests/crds/*-crd.yaml of the release you run)"
    )]
    NoCrds {
        /// The directory or the list of files searched.
        place: String,
    },
}

impl fmt::Debug for CrdSchemas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.entries
                    .iter()
                    .map(|((api, kind), e)| (format!("{api} {kind}"), e.source.as_str())),
            )
            .finish()
    }
}

impl CrdSchemas {
    /// Load every `*.yaml`, `*.yml` and `*.json` file of `dir` (not recursive), ignoring documents that are not CRDs.
    pub fn load_dir(dir: &Path) -> Result<CrdSchemas, CrdError> {
        let read_err = |path: &Path, source| CrdError::Read {
            path: path.display().to_string(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| read_err(dir, e))? {
            let path = entry.map_err(|e| read_err(dir, e))?.path();
            let wanted = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"));
            if wanted && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        if paths.is_empty() {
            return Err(CrdError::NoCrds {
                place: dir.display().to_string(),
            });
        }
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| read_err(&path, e))?;
            files.push((path.display().to_string(), text));
        }
        Self::from_texts(&files).map_err(|e| match e {
            CrdError::NoCrds { .. } => CrdError::NoCrds {
                place: dir.display().to_string(),
            },
            other => other,
        })
    }

    /// Load CRDs from `(path, text)` pairs; `path` is only used in error messages.
    pub fn from_texts(files: &[(String, String)]) -> Result<CrdSchemas, CrdError> {
        let mut entries: BTreeMap<(String, String), Entry> = BTreeMap::new();
        for (path, text) in files {
            let docs = load_str(text, Limits::default()).map_err(|e| CrdError::Yaml {
                path: path.clone(),
                line: e.span.start.line,
                col: e.span.start.col,
                message: e.message.clone(),
            })?;
            for (index, doc) in docs.iter().enumerate() {
                for (api_version, kind, openapi) in crd_versions(path, index + 1, doc.value())? {
                    let schema = strict_root(openapi);
                    let key = (api_version, kind);
                    if let Some(existing) = entries.get(&key) {
                        if existing.schema == schema {
                            continue;
                        }
                        return Err(CrdError::Conflict {
                            api_version: key.0,
                            kind: key.1,
                            first: existing.source.clone(),
                            second: path.clone(),
                        });
                    }
                    let validator =
                        jsonschema::draft7::new(&schema).map_err(|e| CrdError::Compile {
                            path: path.clone(),
                            api_version: key.0.clone(),
                            kind: key.1.clone(),
                            message: e.to_string(),
                        })?;
                    entries.insert(
                        key,
                        Entry {
                            source: path.clone(),
                            schema,
                            validator,
                        },
                    );
                }
            }
        }
        if entries.is_empty() {
            let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
            return Err(CrdError::NoCrds {
                place: if names.is_empty() {
                    "an empty list of files".to_string()
                } else {
                    names.join(", ")
                },
            });
        }
        Ok(CrdSchemas { entries })
    }

    /// The (apiVersion, kind) pairs that have a schema, sorted.
    pub fn kinds(&self) -> Vec<(String, String)> {
        self.entries.keys().cloned().collect()
    }

    /// Check `object` strictly; `None` when no schema covers its apiVersion and kind.
    pub fn validate(&self, object: &Value) -> Option<Vec<SchemaViolation>> {
        let api_version = object.get("apiVersion")?.as_str()?;
        let kind = object.get("kind")?.as_str()?;
        let entry = self
            .entries
            .get(&(api_version.to_string(), kind.to_string()))?;
        let mut out = Vec::new();
        for error in entry.validator.iter_errors(object) {
            let base = error.instance_path().as_str().to_string();
            match error.kind() {
                jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                    let allowed = allowed_fields(&entry.schema, error.schema_path().as_str());
                    for key in unexpected {
                        out.push(SchemaViolation {
                            pointer: format!("{base}/{}", escape_pointer(key)),
                            unknown_field: true,
                            message: unknown_field_message(key, &allowed),
                        });
                    }
                }
                _ => out.push(SchemaViolation {
                    pointer: base,
                    unknown_field: false,
                    message: error.to_string(),
                }),
            }
        }
        out.sort_by(|a, b| {
            a.pointer
                .cmp(&b.pointer)
                .then_with(|| a.message.cmp(&b.message))
        });
        out.dedup();
        Some(out)
    }
}

/// The `(apiVersion, kind, openAPIV3Schema)` of every served version of a CRD document; empty
/// for documents that are not CRDs.
fn crd_versions<'a>(
    path: &str,
    document: usize,
    doc: &'a Value,
) -> Result<Vec<(String, String, &'a Value)>, CrdError> {
    if doc.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition") {
        return Ok(Vec::new());
    }
    let malformed = |message: String| CrdError::Malformed {
        path: path.to_string(),
        document,
        message,
    };
    let crd_api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if crd_api != "apiextensions.k8s.io/v1" {
        return Err(malformed(format!(
            "apiVersion `{crd_api}` is not supported; use the apiextensions.k8s.io/v1 CRD files of the same release"
        )));
    }
    let name = doc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("<unnamed>");
    let group = doc
        .pointer("/spec/group")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            malformed(format!(
                "CRD {name} has no spec.group; replace the file with an unmodified copy"
            ))
        })?;
    let kind = doc
        .pointer("/spec/names/kind")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            malformed(format!(
                "CRD {name} has no spec.names.kind; replace the file with an unmodified copy"
            ))
        })?;
    let versions = doc
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            malformed(format!(
                "CRD {name} has no spec.versions list; replace the file with an unmodified copy"
            ))
        })?;
    let mut out = Vec::new();
    for (i, version) in versions.iter().enumerate() {
        if version.get("served").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let vname = version.get("name").and_then(Value::as_str).ok_or_else(|| {
            malformed(format!(
                "CRD {name}: spec.versions[{i}] has no name; replace the file with an unmodified copy"
            ))
        })?;
        let schema = version
            .pointer("/schema/openAPIV3Schema")
            .filter(|s| s.is_object())
            .ok_or_else(|| {
                malformed(format!(
                    "CRD {name}: version {vname} has no schema.openAPIV3Schema, so it cannot be checked; use CRD files that carry schemas"
                ))
            })?;
        out.push((format!("{group}/{vname}"), kind.to_string(), schema));
    }
    Ok(out)
}

/// Convert a CRD's root `openAPIV3Schema` into a closed JSON Schema for a whole object.
fn strict_root(openapi: &Value) -> Value {
    let mut root = strict_schema(openapi, false);
    let Value::Object(map) = &mut root else {
        return root;
    };
    map.insert("type".into(), json!("object"));
    let props = map
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(props) = props {
        props
            .entry("apiVersion")
            .or_insert_with(|| json!({"type": "string"}));
        props
            .entry("kind")
            .or_insert_with(|| json!({"type": "string"}));
        // The API server checks metadata against ObjectMeta, not the CRD schema: keep it open.
        let metadata = openapi
            .pointer("/properties/metadata")
            .map(|m| strict_schema(m, true))
            .unwrap_or_else(|| json!({"type": "object"}));
        props.insert("metadata".into(), metadata);
    }
    if !openapi
        .get("x-kubernetes-preserve-unknown-fields")
        .is_some_and(|v| v == &Value::Bool(true))
    {
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    if let Some(Value::Array(required)) = map.get_mut("required") {
        required.retain(|r| r != "status");
    }
    root
}

/// Keywords copied unchanged from OpenAPI v3 to JSON Schema.
const PLAIN_KEYWORDS: &[&str] = &[
    "type",
    "required",
    "enum",
    "pattern",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
];

/// Convert one OpenAPI v3 structural schema node. `open` is true inside a node that preserves
/// unknown fields, and inside logical junctors (whose branches only add constraints).
fn strict_schema(node: &Value, open: bool) -> Value {
    let Value::Object(map) = node else {
        return node.clone();
    };
    let flag = |k: &str| map.get(k) == Some(&Value::Bool(true));
    let open = open || flag("x-kubernetes-preserve-unknown-fields");
    let int_or_string = flag("x-kubernetes-int-or-string");
    let mut out = Map::new();
    for (key, value) in map {
        match key.as_str() {
            "properties" => {
                if let Value::Object(props) = value {
                    let converted = props
                        .iter()
                        .map(|(name, s)| (name.clone(), strict_schema(s, open)))
                        .collect();
                    out.insert(key.clone(), Value::Object(converted));
                }
            }
            "items" => {
                let converted = match value {
                    Value::Array(list) => {
                        Value::Array(list.iter().map(|s| strict_schema(s, open)).collect())
                    }
                    other => strict_schema(other, open),
                };
                out.insert(key.clone(), converted);
            }
            "additionalProperties" => {
                out.insert(key.clone(), strict_schema(value, open));
            }
            "allOf" | "anyOf" | "oneOf" => {
                // controller-gen writes `anyOf: [integer, string]` next to int-or-string; the
                // type list below replaces it.
                if int_or_string {
                    continue;
                }
                if let Value::Array(list) = value {
                    let converted = list.iter().map(|s| strict_schema(s, true)).collect();
                    out.insert(key.clone(), Value::Array(converted));
                }
            }
            "not" => {
                out.insert(key.clone(), strict_schema(value, true));
            }
            "exclusiveMinimum" | "exclusiveMaximum" => {
                // OpenAPI 3.0 (draft 4) booleans become draft 7 numbers.
                let bound = if key == "exclusiveMinimum" {
                    "minimum"
                } else {
                    "maximum"
                };
                match (value, map.get(bound)) {
                    (Value::Bool(true), Some(limit)) if limit.is_number() => {
                        out.insert(key.clone(), limit.clone());
                    }
                    (v, _) if v.is_number() => {
                        out.insert(key.clone(), v.clone());
                    }
                    _ => {}
                }
            }
            k if PLAIN_KEYWORDS.contains(&k) => {
                out.insert(key.clone(), value.clone());
            }
            // description, default, format, example, nullable, x-kubernetes-*, ...
            _ => {}
        }
    }
    // A bound made exclusive above must not also apply inclusively.
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if map.get(exclusive) == Some(&Value::Bool(true)) && out.contains_key(exclusive) {
            out.remove(bound);
        }
    }
    if int_or_string {
        // Type-specific keywords (pattern, minimum) apply only to their own type, so a type list
        // keeps them meaningful and gives clearer errors than an anyOf.
        out.insert("type".into(), json!(["integer", "string"]));
    }
    if flag("x-kubernetes-embedded-resource")
        && !open
        && let Some(Value::Object(props)) = out.get_mut("properties")
    {
        props
            .entry("apiVersion")
            .or_insert_with(|| json!({"type": "string"}));
        props
            .entry("kind")
            .or_insert_with(|| json!({"type": "string"}));
        props
            .entry("metadata")
            .or_insert_with(|| json!({"type": "object"}));
    }
    if flag("nullable") {
        allow_null(&mut out);
    }
    let is_object = out.contains_key("properties") || out.get("type") == Some(&json!("object"));
    if is_object && !open && !out.contains_key("additionalProperties") {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    Value::Object(out)
}

/// Widen a converted schema node so that `null` is also valid.
fn allow_null(out: &mut Map<String, Value>) {
    match out.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            out.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(types)) if !types.iter().any(|t| t == "null") => {
            types.push(json!("null"));
        }
        _ => {}
    }
    if let Some(Value::Array(values)) = out.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
}

/// The property names allowed by the schema node owning the `additionalProperties` keyword at
/// `schema_path`.
fn allowed_fields(schema: &Value, schema_path: &str) -> Vec<String> {
    let parent = schema_path
        .strip_suffix("/additionalProperties")
        .unwrap_or(schema_path);
    schema
        .pointer(parent)
        .and_then(|node| node.get("properties"))
        .and_then(Value::as_object)
        .map(|props| props.keys().cloned().collect())
        .unwrap_or_default()
}

/// The message for a field the schema does not allow.
fn unknown_field_message(key: &str, allowed: &[String]) -> String {
    let hint = match closest_name(key, allowed) {
        Some(name) if name.eq_ignore_ascii_case(key) => {
            format!("; did you mean `{name}`? field names are case-sensitive")
        }
        Some(name) => format!("; did you mean `{name}`?"),
        None if allowed.is_empty() => "; this object takes no fields".to_string(),
        None if allowed.len() <= 12 => {
            let list: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
            format!("; allowed here: {}", list.join(", "))
        }
        None => String::new(),
    };
    format!("unknown field `{key}` (strict validation rejects it{hint})")
}

/// The allowed name closest to `key`, if it is close enough to be a likely typo.
fn closest_name<'a>(key: &str, allowed: &'a [String]) -> Option<&'a str> {
    let lower = key.to_lowercase();
    let limit = (key.chars().count() / 3).clamp(1, 3);
    allowed
        .iter()
        .map(|name| {
            let folded = edit_distance(&lower, &name.to_lowercase());
            (folded, edit_distance(key, name), name.as_str())
        })
        .filter(|(folded, _, _)| *folded <= limit)
        .min()
        .map(|(_, _, name)| name)
}

/// Levenshtein distance by characters, counting a swap of two adjacent characters as one edit
/// (optimal string alignment), so `pasue` is one edit from `pause`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 0..a.len() {
        cur[0] = i + 1;
        for j in 0..b.len() {
            let mut best = (prev[j] + usize::from(a[i] != b[j]))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                best = best.min(before[j - 1] + 1);
            }
            cur[j + 1] = best;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Escape one JSON Pointer segment (RFC 6901).
fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("setWieght", "setWeight"), 1);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("ca", "abc"), 3);
        assert_eq!(edit_distance("é", "e"), 1);
    }

    #[test]
    fn closest_name_suggests_only_near_misses() {
        let allowed: Vec<String> = ["setWeight", "pause", "analysis", "setCanaryScale"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(closest_name("setWieght", &allowed), Some("setWeight"));
        assert_eq!(closest_name("setweight", &allowed), Some("setWeight"));
        assert_eq!(closest_name("pasue", &allowed), Some("pause"));
        assert_eq!(closest_name("experiment", &allowed), None);
        assert_eq!(closest_name("x", &allowed), None);
        assert_eq!(closest_name("x", &[]), None);
    }

    #[test]
    fn unknown_field_messages() {
        let allowed = vec!["setWeight".to_string(), "pause".to_string()];
        assert_eq!(
            unknown_field_message("setWieght", &allowed),
            "unknown field `setWieght` (strict validation rejects it; did you mean `setWeight`?)"
        );
        assert!(unknown_field_message("setweight", &allowed).contains("case-sensitive"));
        assert_eq!(
            unknown_field_message("bogus", &allowed),
            "unknown field `bogus` (strict validation rejects it; allowed here: `setWeight`, `pause`)"
        );
        assert!(unknown_field_message("bogus", &[]).contains("takes no fields"));
    }

    #[test]
    fn objects_with_properties_are_closed() {
        let s = strict_schema(
            &json!({
                "type": "object",
                "description": "d",
                "properties": {"a": {"type": "integer", "format": "int32", "default": 1}}
            }),
            false,
        );
        assert_eq!(
            s,
            json!({
                "type": "object",
                "properties": {"a": {"type": "integer"}},
                "additionalProperties": false
            })
        );
    }

    #[test]
    fn maps_keep_their_value_schema() {
        let s = strict_schema(
            &json!({"type": "object", "additionalProperties": {"type": "string"}}),
            false,
        );
        assert_eq!(
            s,
            json!({"type": "object", "additionalProperties": {"type": "string"}})
        );
    }

    #[test]
    fn preserve_unknown_fields_opens_the_whole_subtree() {
        let s = strict_schema(
            &json!({
                "type": "object",
                "x-kubernetes-preserve-unknown-fields": true,
                "properties": {"inner": {"type": "object", "properties": {"b": {"type": "string"}}}}
            }),
            false,
        );
        assert_eq!(
            s,
            json!({
                "type": "object",
                "properties": {"inner": {"type": "object", "properties": {"b": {"type": "string"}}}}
            })
        );
    }

    #[test]
    fn int_or_string_becomes_a_type_list() {
        let s = strict_schema(
            &json!({
                "anyOf": [{"type": "integer"}, {"type": "string"}],
                "pattern": "^[0-9]+m?$",
                "x-kubernetes-int-or-string": true
            }),
            false,
        );
        assert_eq!(
            s,
            json!({"pattern": "^[0-9]+m?$", "type": ["integer", "string"]})
        );
    }

    #[test]
    fn nullable_allows_null() {
        assert_eq!(
            strict_schema(&json!({"type": "string", "nullable": true}), false),
            json!({"type": ["string", "null"]})
        );
        assert_eq!(
            strict_schema(
                &json!({"type": "string", "enum": ["a"], "nullable": true}),
                false
            ),
            json!({"type": ["string", "null"], "enum": ["a", null]})
        );
        assert_eq!(
            strict_schema(
                &json!({"x-kubernetes-int-or-string": true, "nullable": true}),
                false
            ),
            json!({"type": ["integer", "string", "null"]})
        );
    }

    #[test]
    fn exclusive_bounds_become_numbers() {
        assert_eq!(
            strict_schema(
                &json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 5}),
                false
            ),
            json!({"type": "integer", "exclusiveMinimum": 0, "maximum": 5})
        );
        assert_eq!(
            strict_schema(
                &json!({"type": "integer", "maximum": 5, "exclusiveMaximum": false}),
                false
            ),
            json!({"type": "integer", "maximum": 5})
        );
    }

    #[test]
    fn empty_objects_are_closed_but_junctor_branches_are_not() {
        assert_eq!(
            strict_schema(&json!({"type": "object"}), false),
            json!({"type": "object", "additionalProperties": false})
        );
        assert_eq!(
            strict_schema(
                &json!({"type": "object", "properties": {"a": {}, "b": {}},
                        "oneOf": [{"required": ["a"]}, {"properties": {"b": {}}}]}),
                false
            ),
            json!({"type": "object", "properties": {"a": {}, "b": {}},
                   "oneOf": [{"required": ["a"]}, {"properties": {"b": {}}}],
                   "additionalProperties": false})
        );
    }

    #[test]
    fn root_allows_type_meta_and_open_metadata_and_drops_status_requirement() {
        let root = strict_root(&json!({
            "type": "object",
            "required": ["spec", "status"],
            "properties": {
                "metadata": {"type": "object"},
                "spec": {"type": "object", "properties": {"x": {"type": "string"}}},
                "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
            }
        }));
        assert_eq!(
            root,
            json!({
                "type": "object",
                "required": ["spec"],
                "properties": {
                    "metadata": {"type": "object"},
                    "spec": {"type": "object", "properties": {"x": {"type": "string"}},
                             "additionalProperties": false},
                    "status": {"type": "object"},
                    "apiVersion": {"type": "string"},
                    "kind": {"type": "string"}
                },
                "additionalProperties": false
            })
        );
    }

    #[test]
    fn embedded_resources_get_type_meta() {
        let s = strict_schema(
            &json!({"type": "object", "x-kubernetes-embedded-resource": true,
                    "properties": {"spec": {"type": "object"}}}),
            false,
        );
        let props = s.get("properties").and_then(Value::as_object);
        assert!(props.is_some_and(|p| p.contains_key("apiVersion")
            && p.contains_key("kind")
            && p.contains_key("metadata")));
    }
}

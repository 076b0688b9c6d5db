//! Strict CRD-schema validation: the generator's output against the real Argo Rollouts CRDs (when
//! the shared CRD folder exists), and the schema conversion on small hand-written CRDs.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

use canary_gen::crd::{CrdError, CrdSchemas, SchemaViolation};
use canary_gen::located::{Limits, LocatedDoc, load_str};
use canary_gen::spec::{Overrides, Provider, Routing};
use serde_json::json;

/// The shared folder of Argo Rollouts CRDs (data, kept outside the repo).
fn crd_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/argo-crds"
    ))
}

/// The Argo schemas, loaded once per test binary; `None` (with a notice) when the folder is absent.
fn argo() -> Option<&'static CrdSchemas> {
    static SCHEMAS: OnceLock<Option<CrdSchemas>> = OnceLock::new();
    let schemas = SCHEMAS.get_or_init(|| {
        let dir = crd_dir();
        if !dir.is_dir() {
            return None;
        }
        let started = Instant::now();
        let schemas =
            CrdSchemas::load_dir(&dir).unwrap_or_else(|e| panic!("loading {}: {e}", dir.display()));
        eprintln!(
            "loaded and compiled {} CRD schemas from {} in {:?}",
            schemas.kinds().len(),
            dir.display(),
            started.elapsed()
        );
        Some(schemas)
    });
    if schemas.is_none() {
        eprintln!(
            "skipping: CRD folder {} is absent (it holds the Argo Rollouts CRDs as data)",
            crd_dir().display()
        );
    }
    schemas.as_ref()
}

fn one_doc(text: &str) -> LocatedDoc {
    let mut docs = load_str(text, Limits::default()).expect("test YAML parses");
    assert_eq!(docs.len(), 1, "one document expected");
    docs.remove(0)
}

fn show(violations: &[SchemaViolation]) -> String {
    violations
        .iter()
        .map(|v| format!("{}: {}", v.pointer, v.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn argo_kinds_are_loaded() {
    let Some(schemas) = argo() else { return };
    let kinds = schemas.kinds();
    for kind in [
        "AnalysisRun",
        "AnalysisTemplate",
        "ClusterAnalysisTemplate",
        "Experiment",
        "Rollout",
    ] {
        assert!(
            kinds.contains(&("argoproj.io/v1alpha1".to_string(), kind.to_string())),
            "{kind} missing from {kinds:?}"
        );
    }
    let mut sorted = kinds.clone();
    sorted.sort();
    assert_eq!(kinds, sorted);
}

#[test]
fn generated_manifests_pass_strict_validation() {
    let Some(schemas) = argo() else { return };
    for provider in [Provider::Prometheus, Provider::Newrelic] {
        for routing in [Routing::None, Routing::Nginx] {
            let mut loaded = canary_gen::spec::default_spec().expect("default spec");
            Overrides {
                provider: Some(provider),
                routing: Some(routing),
                stable_ingress: None,
            }
            .apply(&mut loaded);
            canary_gen::spec::validate(&loaded).expect("spec validates");
            let bundle = canary_gen::bundle::build(&loaded.spec);
            let files = canary_gen::render::render(&bundle).expect("render");
            let mut validated = Vec::new();
            for file in files.iter().filter(|f| f.is_manifest) {
                let docs = load_str(&file.contents, Limits::default())
                    .unwrap_or_else(|e| panic!("{}: {e}", file.path));
                for doc in docs {
                    let Some(violations) = schemas.validate(doc.value()) else {
                        continue;
                    };
                    let kind = doc.value()["kind"].as_str().unwrap_or("").to_string();
                    assert!(
                        violations.is_empty(),
                        "{provider:?}/{routing:?} {} ({kind}) breaks the CRD schema:\n{}",
                        file.path,
                        show(&violations)
                    );
                    validated.push(kind);
                }
            }
            for kind in ["Rollout", "AnalysisTemplate"] {
                assert!(
                    validated.iter().any(|k| k == kind),
                    "{provider:?}/{routing:?}: no {kind} was validated (validated: {validated:?})"
                );
            }
        }
    }
}

const MISSPELLED: &str = "\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: demo
  labels: {team: sre, anything: goes}
spec:
  workloadRef:
    apiVersion: apps/v1
    kind: Deployment
    name: demo
  strategy:
    canary:
      steps:
        - setWieght: 10
        - pause: {duration: 1m}
";

#[test]
fn misspelled_step_field_points_at_its_key() {
    let Some(schemas) = argo() else { return };
    let doc = one_doc(MISSPELLED);
    let violations = schemas.validate(doc.value()).expect("Rollout has a schema");
    assert_eq!(violations.len(), 1, "{}", show(&violations));
    let v = &violations[0];
    assert_eq!(v.pointer, "/spec/strategy/canary/steps/0/setWieght");
    assert!(v.unknown_field);
    assert_eq!(
        v.message,
        "unknown field `setWieght` (strict validation rejects it; did you mean `setWeight`?)"
    );
    let span = doc.key_span(&v.pointer).expect("the pointer has a span");
    assert_eq!((span.start.line, span.start.col), (14, 11));
}

#[test]
fn preserve_unknown_fields_and_int_or_string_are_honoured() {
    let Some(schemas) = argo() else { return };
    let text = "\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: demo}
spec:
  strategy:
    canary:
      steps:
        - plugin:
            name: example/step
            config: {anyKey: 1, nested: {deeper: [true]}}
        - pause: {duration: 10}
        - pause: {duration: \"10m\"}
      trafficRouting:
        plugins:
          example/router: {whatever: yes}
";
    let doc = one_doc(text);
    let violations = schemas.validate(doc.value()).expect("Rollout has a schema");
    assert!(violations.is_empty(), "{}", show(&violations));

    // The same open node's siblings stay closed, and int-or-string still rejects other types.
    let bad = text
        .replace(
            "name: example/step",
            "name: example/step\n            nmae: x",
        )
        .replace("duration: 10}", "duration: true}");
    let doc = one_doc(&bad);
    let violations = schemas.validate(doc.value()).expect("Rollout has a schema");
    let pointers: Vec<(&str, bool)> = violations
        .iter()
        .map(|v| (v.pointer.as_str(), v.unknown_field))
        .collect();
    assert_eq!(
        pointers,
        [
            ("/spec/strategy/canary/steps/0/plugin/nmae", true),
            ("/spec/strategy/canary/steps/1/pause/duration", false),
        ],
        "{}",
        show(&violations)
    );
    assert!(violations[0].message.contains("did you mean `name`?"));
}

#[test]
fn types_and_unknown_kinds() {
    let Some(schemas) = argo() else { return };
    let doc = one_doc(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nspec:\n  replicas: \"2\"\n  stauts: {}\n",
    );
    let violations = schemas.validate(doc.value()).expect("Rollout has a schema");
    assert_eq!(violations.len(), 2, "{}", show(&violations));
    assert_eq!(violations[0].pointer, "/spec/replicas");
    assert!(!violations[0].unknown_field);
    assert!(
        violations[0].message.contains("integer"),
        "{}",
        violations[0].message
    );
    assert_eq!(violations[1].pointer, "/spec/stauts");
    assert!(violations[1].unknown_field);
    // No schema: no verdict.
    assert!(
        schemas
            .validate(&json!({"apiVersion": "v1", "kind": "Service"}))
            .is_none()
    );
    assert!(schemas.validate(&json!({"kind": "Rollout"})).is_none());
}

// Hand-written CRDs: no shared files needed.

const WIDGET_CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          required: [spec, status]
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size:
                  x-kubernetes-int-or-string: true
                  anyOf: [{type: integer}, {type: string}]
                  pattern: '^[0-9]+(Mi|Gi)$'
                color: {type: string, enum: [red, blue], nullable: true}
                count: {type: integer, format: int32, minimum: 0, exclusiveMinimum: true}
                labels: {type: object, additionalProperties: {type: string}}
                extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
            status: {type: object, properties: {phase: {type: string}}}
    - name: v0
      served: false
      storage: false
      schema:
        openAPIV3Schema: {type: object}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-a-crd}
";

fn widgets() -> CrdSchemas {
    CrdSchemas::from_texts(&[("widget-crd.yaml".to_string(), WIDGET_CRD.to_string())])
        .expect("widget CRD loads")
}

fn widget(spec: serde_json::Value) -> serde_json::Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "uid": "x"}, "spec": spec})
}

fn check(schemas: &CrdSchemas, spec: serde_json::Value) -> Vec<(String, bool)> {
    schemas
        .validate(&widget(spec))
        .expect("Widget has a schema")
        .into_iter()
        .map(|v| (v.pointer, v.unknown_field))
        .collect()
}

#[test]
fn hand_written_crd_conversion() {
    let schemas = widgets();
    assert_eq!(
        schemas.kinds(),
        [("example.com/v1".to_string(), "Widget".to_string())],
        "only served versions of CRD documents"
    );
    let ok = |spec| check(&schemas, spec).is_empty();
    // int-or-string, with the pattern applying to strings only.
    assert!(ok(json!({"size": 3})));
    assert!(ok(json!({"size": "3Gi"})));
    assert!(!ok(json!({"size": "3GB"})));
    assert!(!ok(json!({"size": 1.5})));
    // nullable and enum.
    assert!(ok(json!({"size": 1, "color": null})));
    assert!(ok(json!({"size": 1, "color": "red"})));
    assert!(!ok(json!({"size": 1, "color": "green"})));
    // OpenAPI boolean exclusiveMinimum; format dropped.
    assert!(ok(json!({"size": 1, "count": 1})));
    assert!(!ok(json!({"size": 1, "count": 0})));
    // Maps stay maps; preserve-unknown stays open.
    assert!(ok(
        json!({"size": 1, "labels": {"a": "b"}, "extra": {"x": {"y": 1}}})
    ));
    assert!(!ok(json!({"size": 1, "labels": {"a": 1}})));
    // Status is not required; spec and its required fields are.
    assert!(!ok(json!({})));
    assert_eq!(
        check(&schemas, json!({"size": 1, "colour": "red", "a~b/c": 1})),
        [
            ("/spec/a~0b~1c".to_string(), true),
            ("/spec/colour".to_string(), true)
        ]
    );
    let no_spec = json!({"apiVersion": "example.com/v1", "kind": "Widget"});
    let violations = schemas.validate(&no_spec).expect("Widget has a schema");
    assert_eq!(violations.len(), 1);
    assert!(
        violations[0].message.contains("spec"),
        "{}",
        violations[0].message
    );
    let colour = schemas
        .validate(&widget(json!({"size": 1, "colour": "red"})))
        .expect("Widget has a schema");
    assert_eq!(
        colour[0].message,
        "unknown field `colour` (strict validation rejects it; did you mean `color`?)"
    );
}

#[test]
fn loader_errors_name_the_file() {
    let err = CrdSchemas::from_texts(&[("bad.yaml".into(), "a: [".into())]).expect_err("bad YAML");
    assert!(matches!(err, CrdError::Yaml { .. }));
    assert!(err.to_string().starts_with("bad.yaml:"), "{err}");

    let err = CrdSchemas::from_texts(&[("cm.yaml".into(), "kind: ConfigMap\n".into())])
        .expect_err("no CRDs");
    assert!(err.to_string().contains("cm.yaml"), "{err}");

    let beta = WIDGET_CRD.replace("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1");
    let err = CrdSchemas::from_texts(&[("beta.yaml".into(), beta)]).expect_err("v1beta1");
    assert!(err.to_string().contains("beta.yaml (document 1)"), "{err}");

    let no_group = WIDGET_CRD.replace("  group: example.com\n", "");
    let err = CrdSchemas::from_texts(&[("g.yaml".into(), no_group)]).expect_err("no group");
    assert!(err.to_string().contains("spec.group"), "{err}");

    // Identical duplicates are fine; different schemas for the same kind are not.
    let same = [
        ("a.yaml".to_string(), WIDGET_CRD.to_string()),
        ("b.yaml".to_string(), WIDGET_CRD.to_string()),
    ];
    assert!(CrdSchemas::from_texts(&same).is_ok());
    let other = WIDGET_CRD.replace("enum: [red, blue]", "enum: [red]");
    let err = CrdSchemas::from_texts(&[
        ("a.yaml".to_string(), WIDGET_CRD.to_string()),
        ("b.yaml".to_string(), other),
    ])
    .expect_err("conflict");
    assert!(matches!(err, CrdError::Conflict { .. }), "{err}");

    let missing = std::path::Path::new("/nonexistent/crd/folder");
    let err = CrdSchemas::load_dir(missing).expect_err("missing dir");
    assert!(err.to_string().contains("/nonexistent/crd/folder"), "{err}");
}

#[test]
fn load_dir_reads_yaml_files_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("widget-crd.yaml"), WIDGET_CRD).expect("write");
    std::fs::write(dir.path().join("README.md"), "not yaml: [").expect("write");
    let schemas = CrdSchemas::load_dir(dir.path()).expect("loads");
    assert_eq!(schemas.kinds().len(), 1);

    let empty = tempfile::tempdir().expect("temp dir");
    let err = CrdSchemas::load_dir(empty.path()).expect_err("empty dir");
    assert!(matches!(err, CrdError::NoCrds { .. }), "{err}");
}

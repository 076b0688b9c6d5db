//! Strict CRD-schema validation: the real Argo Rollouts CRDs (when the shared CRD folder
//! exists) against hand-written objects, and the schema conversion on small hand-written CRDs.
//! The generator's own output is validated in `crates/canary-gen/tests/crd_schemas.rs`.

#[path = "support/argo_crds.rs"]
mod argo_crds;

use argo_crds::{argo, show};
use canary_core::crd::{CrdError, CrdSchemas};
use canary_core::located::{Limits, LocatedDoc, load_str};
use serde_json::json;

fn one_doc(text: &str) -> LocatedDoc {
    let mut docs = load_str(text, Limits::default()).expect("test YAML parses");
    assert_eq!(docs.len(), 1, "one document expected");
    docs.remove(0)
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

//! The document tree's own serde deserializer must read every model exactly as
//! `serde_json::Value`'s deserializer reads the same document (values and error messages):
//! the linter and the generator used the `Value` path before the tree existed, and the
//! CL003 messages quote serde's errors.

use std::path::Path;

use canary_core::located::{LocatedDoc, load_str};
use canary_core::model::{
    AnalysisTemplate, Dashboard, Deployment, Ingress, Monitor, NrqlCondition, PrometheusRule, Role,
    RoleBinding, Rollout, Service, ServiceAccount,
};
use serde::de::DeserializeOwned;

fn same<T: DeserializeOwned + std::fmt::Debug>(doc: &LocatedDoc) -> bool {
    let tree = T::deserialize(doc.deserializer()).map_err(|e| e.to_string());
    let value = T::deserialize(doc.value()).map_err(|e| e.to_string());
    let (a, b) = (format!("{tree:?}"), format!("{value:?}"));
    assert_eq!(a, b, "tree and Value deserializers disagree");
    tree.is_ok()
}

fn all_models(doc: &LocatedDoc) -> usize {
    [
        same::<Deployment>(doc),
        same::<Service>(doc),
        same::<Ingress>(doc),
        same::<Rollout>(doc),
        same::<AnalysisTemplate>(doc),
        same::<Role>(doc),
        same::<RoleBinding>(doc),
        same::<ServiceAccount>(doc),
        same::<PrometheusRule>(doc),
        same::<Monitor>(doc),
        same::<NrqlCondition>(doc),
        same::<Dashboard>(doc),
        same::<serde_json::Value>(doc),
    ]
    .iter()
    .filter(|ok| **ok)
    .count()
}

fn yaml_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            yaml_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_document_reads_the_same_through_the_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut files = Vec::new();
    yaml_files(&root, &mut files);
    files.sort();
    let (mut docs, mut typed) = (0, 0);
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let Ok(parsed) = load_str(&text, Default::default()) else {
            continue;
        };
        for doc in &parsed {
            docs += 1;
            typed += all_models(doc);
        }
    }
    // The fixtures hold hundreds of documents of every kind; most fit at least `Value`.
    assert!(
        docs > 300,
        "only {docs} documents found under {}",
        root.display()
    );
    assert!(
        typed > 2 * docs,
        "only {typed} successful reads in {docs} documents"
    );
}

#[test]
fn odd_shapes_read_the_same() {
    let cases = [
        "",
        "~",
        "[]",
        "{}",
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: -3\n",
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 1.5\n",
        "apiVersion: apps/v1\nkind: Deployment\nspec: [1, 2]\n",
        "spec:\n  strategy:\n    canary:\n      steps:\n      - setWeight: '20'\n      - pause: {duration: 1h}\n      - pause: {}\n",
        "metadata:\n  labels: {a: 1, b: true, c: null}\n",
        "spec:\n  ports:\n  - port: 80\n    targetPort: http\n  - port: 81\n    targetPort: 8081\n",
        "a: &x {b: 1}\nc: *x\n",
        "spec:\n  metrics:\n  - name: m\n    provider: {prometheus: {query: q}}\n    count: 18446744073709551615\n",
    ];
    for src in cases {
        for doc in load_str(src, Default::default()).expect("parses") {
            all_models(&doc);
        }
    }
}

//! Strict CRD-schema validation of the generator's output against the real Argo Rollouts CRDs
//! (when the shared CRD folder exists). The validator itself is tested in
//! `crates/canary-core/tests/crd.rs`.

#[path = "../../canary-core/tests/support/argo_crds.rs"]
mod argo_crds;

use argo_crds::{argo, show};
use canary_core::located::{Limits, load_str};
use canary_gen::spec::{Overrides, Provider, Routing};

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

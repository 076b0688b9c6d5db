//! CL007: objects validate against the strict schemas of the CRDs given with `--crd-dir`.

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// With `--crd-dir DIR` (or `crd-dir` in `.canary-lint.toml`), every object whose
    /// apiVersion and kind match a CustomResourceDefinition in DIR validates against that
    /// CRD's `openAPIV3Schema` in strict mode: unknown fields are errors (except under
    /// `x-kubernetes-preserve-unknown-fields`), int-or-string fields take either, and types,
    /// enums and required fields are checked. Point DIR at the CRDs your cluster runs, e.g.
    /// the Argo Rollouts release's `rollout-crd.yaml` and `analysis-template-crd.yaml`.
    ///
    /// ## Why it matters
    ///
    /// The API server prunes unknown fields of a v1 CRD unless field validation is strict.
    /// A misspelled `setWieght: 10` is dropped on apply; the step becomes `{}` and the Rollout
    /// goes InvalidSpec ("Step must have one of the following set"), or a misspelled optional
    /// field such as `canaryservice` silently disappears. `kubectl argo rollouts lint` matches
    /// field names case-insensitively and misses case-only typos.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// steps:
    ///   - setWieght: 10     # unknown field; did you mean setWeight?
    /// ```
    ///
    /// ## Fix
    ///
    /// Use the field name the CRD defines (the message suggests the closest one).
    ///
    /// ## Source
    ///
    /// Kubernetes KEP-2885 (server-side field validation, `kubectl apply --validate=strict`)
    /// and KEP-2332 (pruning for v1 CRDs); Argo Rollouts `manifests/crds/*.yaml`
    /// (structural schemas; `x-kubernetes-preserve-unknown-fields` only under plugin config,
    /// resources and volumes).
    pub struct CrdSchema {
        code: "CL007",
        name: "crd-schema",
        category: Correctness,
        summary: "an object does not validate against its CRD's strict schema (--crd-dir)",
    }
}

impl Rule for CrdSchema {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        let Some(schemas) = &cx.settings.crd_schemas else {
            return;
        };
        for doc in &cx.repo.documents {
            let located = cx.repo.located(doc);
            let Some(violations) = schemas.validate(located.value()) else {
                continue;
            };
            for v in violations {
                let d = if v.unknown_field {
                    cx.at_key(&Self::META, doc, &v.pointer, v.message.clone())
                } else {
                    cx.at_value(&Self::META, doc, &v.pointer, v.message.clone())
                };
                out.push(d.with_help(
                    "the CRD schema from --crd-dir rejects this; kubectl apply --validate=strict would too",
                ));
            }
        }
    }
}

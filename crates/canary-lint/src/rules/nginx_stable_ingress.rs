//! CL301: nginx traffic routing names exactly one of `stableIngress` / `stableIngresses`, and
//! every named Ingress exists.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::workload::{name_of, nginx_canaries};
use crate::repo::Kind;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// A canary Rollout with `trafficRouting.nginx` sets exactly one of `stableIngress` and
    /// `stableIngresses` (a non-empty list), and every Ingress it names exists in the repo in
    /// the Rollout's namespace.
    ///
    /// ## Why it matters
    ///
    /// The controller builds the canary Ingress (`<rollout>-<ingress>-canary`) from the
    /// stable one. With both fields, or neither, it rejects the Rollout: `Either
    /// StableIngress or StableIngresses must be configured. Both are configured.` (or
    /// `Neither are configured.`). A named Ingress that does not exist marks the Rollout
    /// `InvalidSpec` with the API server's not-found error, and no traffic ever shifts.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// trafficRouting:
    ///   nginx:
    ///     stableIngress: api
    ///     stableIngresses: [api, api-internal]   # both set
    /// ```
    ///
    /// ## Fix
    ///
    /// Keep one field: `stableIngress` for one Ingress, `stableIngresses` (v1.5+) for several.
    /// Name Ingresses that exist in the Rollout's namespace.
    ///
    /// ## Severity
    ///
    /// Teams often keep the target in another repo, so a target that is simply not in the
    /// repo is a **warning** that says so and points at `[external]` in `.canary-lint.toml`
    /// (declared objects are not reported). It is an **error** when the repo shows a mistake:
    /// an object of that kind with a near name (case, separators, or an edit distance of at
    /// most 2: "did you mean"), or the same name in another namespace; and for every
    /// missing target with `strict-references = true`.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `pkg/apis/rollouts/validation/validation_references.go`
    /// (`ValidateRolloutNginxIngressesConfig`) and `rollout/controller.go`
    /// (`getReferencedIngresses`, not-found handled by `handleCacheError`);
    /// `stableIngresses` was requested in issue #1708.
    pub struct NginxStableIngress {
        code: "CL301",
        name: "nginx-stable-ingress",
        category: Correctness,
        summary: "nginx routing sets exactly one of stableIngress / stableIngresses, naming Ingresses that exist",
    }
}

const NGINX: &str = "/spec/strategy/canary/trafficRouting/nginx";

impl Rule for NginxStableIngress {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, _, nginx) in nginx_canaries(cx.repo) {
            let name = name_of(doc);
            let single = nginx.stable_ingress.as_deref().filter(|s| !s.is_empty());
            let multi = nginx.stable_ingresses.as_deref().filter(|l| !l.is_empty());
            match (single, multi) {
                (Some(one), Some(_)) => out.push(
                    cx.at_key(
                        &Self::META,
                        doc,
                        &format!("{NGINX}/stableIngresses"),
                        format!(
                            "Rollout `{name}` sets both stableIngress and stableIngresses; the controller rejects it: `Either StableIngress or StableIngresses must be configured. Both are configured.`"
                        ),
                    )
                    .with_help("keep `stableIngresses` (and list every Ingress there) or keep `stableIngress`, not both")
                    .with_related(cx.related(
                        doc,
                        &format!("{NGINX}/stableIngress"),
                        Target::Value,
                        format!("stableIngress is also set, to `{one}`"),
                    )),
                ),
                (None, None) => out.push(
                    cx.at_key(
                        &Self::META,
                        doc,
                        NGINX,
                        format!(
                            "Rollout `{name}` routes with nginx but names no stable Ingress; the controller rejects it: `Either StableIngress or StableIngresses must be configured. Neither are configured.`"
                        ),
                    )
                    .with_help("set `stableIngress` to the Ingress that routes to the stableService"),
                ),
                _ => {}
            }
            let mut named: Vec<(String, &str)> = Vec::new();
            if let Some(one) = single {
                named.push((format!("{NGINX}/stableIngress"), one));
            }
            for (i, ing) in multi.into_iter().flatten().enumerate() {
                named.push((format!("{NGINX}/stableIngresses/{i}"), ing.as_str()));
            }
            let namespace = doc.namespace.as_deref();
            for (pointer, ing) in named {
                if ing.is_empty() || !cx.repo.find(Kind::Ingress, namespace, ing).is_empty() {
                    continue;
                }
                let where_ = namespace.map_or_else(
                    || "in this repo".to_string(),
                    |ns| format!("in namespace `{ns}`"),
                );
                let mut finding = cx
                    .at_value(
                        &Self::META,
                        doc,
                        &pointer,
                        format!(
                            "Rollout `{name}` names stable Ingress `{ing}`, but no Ingress of that name exists {where_}"
                        ),
                    )
                    .with_help("name the Ingress that routes to the stableService, in the Rollout's namespace");
                for other in cx.repo.find_any_namespace(Kind::Ingress, ing) {
                    let ns = other.namespace.as_deref().unwrap_or("(none)");
                    finding = finding.with_related(cx.related(
                        other,
                        "/metadata/namespace",
                        Target::Value,
                        format!("an Ingress `{ing}` exists in namespace `{ns}`"),
                    ));
                }
                out.extend(cx.missing_reference(finding, Kind::Ingress, namespace, ing));
            }
        }
    }
}

//! CL304: the Ingress a Rollout names as its stable Ingress is not itself a canary Ingress.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::workload::{name_of, nginx_canaries, resolve_one};
use crate::repo::Kind;
use crate::rule::{Rule, RuleMeta};

/// The ingress-nginx annotation that makes an Ingress a canary of another one.
const CANARY_ANNOTATION: &str = "nginx.ingress.kubernetes.io/canary";

declare_rule! {
    /// ## What it checks
    ///
    /// Every Ingress a Rollout names in `trafficRouting.nginx.stableIngress` or
    /// `stableIngresses` (looked up in the Rollout's namespace) does not carry the
    /// annotation `nginx.ingress.kubernetes.io/canary: "true"`.
    ///
    /// ## Why it matters
    ///
    /// ingress-nginx treats an Ingress with that annotation as an alternative backend of
    /// another, main Ingress for the same host and path. The stable Ingress is the main one:
    /// Argo copies it into the canary Ingress it manages and sets the canary annotations on
    /// the copy only. Marked as a canary itself, the stable Ingress has no main Ingress to
    /// attach to, so ingress-nginx drops it and the host answers 404/503 for the stable
    /// version: the app is down, whatever the canary does.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// kind: Ingress
    /// metadata:
    ///   name: api            # the Rollout's stableIngress
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/canary: "true"   # copied from a hand-made canary
    /// ```
    ///
    /// ## Fix
    ///
    /// Remove the `canary` annotations (and `canary-weight`, `canary-by-header`, …) from the
    /// stable Ingress; Argo writes them on the canary Ingress it creates.
    ///
    /// ## Source
    ///
    /// ingress-nginx docs, "Annotations" → "Canary" (a canary Ingress is an alternative
    /// service for another Ingress's requests) and `internal/ingress/controller/controller.go`
    /// (`mergeAlternativeBackends`: an alternative backend without a main server is
    /// dropped); argo-rollouts `rollout/trafficrouting/nginx/nginx.go` (`canaryIngress`:
    /// the canary Ingress is built from the stable one and gets the canary annotations).
    pub struct NginxStableIngressNotCanary {
        code: "CL304",
        name: "nginx-stable-ingress-not-canary",
        category: Correctness,
        summary: "the stable Ingress of an nginx-routed Rollout is not annotated as a canary Ingress",
    }
}

impl Rule for NginxStableIngressNotCanary {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        let pointer = format!(
            "/metadata/annotations/{}",
            CANARY_ANNOTATION.replace('~', "~0").replace('/', "~1")
        );
        for (doc, _, nginx) in nginx_canaries(cx.repo) {
            let names = nginx
                .stable_ingress
                .iter()
                .chain(nginx.stable_ingresses.iter().flatten());
            for name in names {
                let resolved =
                    resolve_one(cx.repo, doc, Kind::Ingress, doc.namespace.as_deref(), name);
                if let Some(ingress) = resolved {
                    let marked = cx.repo.located(ingress).at(&pointer).is_some_and(|v| {
                        v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
                            || v.as_bool() == Some(true)
                    });
                    if !marked {
                        continue;
                    }
                    out.push(
                        cx.at_value(
                            &Self::META,
                            ingress,
                            &pointer,
                            format!(
                                "Ingress `{name}` is the stable Ingress of Rollout `{}` but is annotated as a canary Ingress: ingress-nginx finds no main Ingress for it and stops routing the stable version",
                                name_of(doc)
                            ),
                        )
                        .with_related(cx.related(
                            doc,
                            "/spec/strategy/canary/trafficRouting/nginx",
                            Target::Key,
                            "the Rollout names it as its stable Ingress here",
                        ))
                        .with_help("remove the canary annotations from the stable Ingress; Argo sets them on the canary Ingress it creates"),
                    );
                }
            }
        }
    }
}

//! CL302: every nginx stable Ingress has a path whose backend is the stableService.

use canary_core::model::Ingress;

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::workload::{ServiceRole, find_ingress, name_of, nginx_canaries};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// For a canary Rollout with `trafficRouting.nginx`, each stable Ingress
    /// (`stableIngress` or every entry of `stableIngresses`) that exists in the repo has at
    /// least one `spec.rules[].http.paths[].backend.service.name` equal to the Rollout's
    /// `stableService`. A `defaultBackend` does not count: the controller only reads rules.
    ///
    /// ## Why it matters
    ///
    /// The canary Ingress is a copy of the stable one in which backends naming the
    /// stableService are renamed to the canaryService. With no such backend there is nothing
    /// to copy, and the controller rejects the Rollout: ``ingress `<ing>` has no rules using
    /// service <stableService> backend``. This is the usual result of pointing the Rollout at
    /// new `-stable`/`-canary` Services while the Ingress still routes to the app's original
    /// Service.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// # Rollout: stableService: api-stable, nginx.stableIngress: api
    /// kind: Ingress
    /// metadata:
    ///   name: api
    /// spec:
    ///   rules:
    ///     - http:
    ///         paths:
    ///           - backend:
    ///               service:
    ///                 name: api        # not api-stable
    /// ```
    ///
    /// ## Fix
    ///
    /// Point the Ingress backend at the stableService (or make `stableService` the Service
    /// the Ingress routes to).
    ///
    /// ## Source
    ///
    /// Argo Rollouts `pkg/apis/rollouts/validation/validation_references.go`
    /// (`validateNginxIngress`, `reportErrors`, `ingressutil.HasRuleWithService`) and
    /// `rollout/trafficrouting/nginx/nginx.go` (`buildCanaryIngress` raises the same text);
    /// docs `features/traffic-management/nginx.md`; issue #4452.
    pub struct NginxIngressRoutesToStable {
        code: "CL302",
        name: "nginx-ingress-routes-to-stable",
        category: Correctness,
        summary: "each nginx stable Ingress has a path whose backend is the Rollout's stableService",
    }
}

/// `(pointer of backend.service.name, name)` of every path backend of an Ingress.
pub(crate) fn backends(ingress: &Ingress) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    let rules = ingress.spec.as_ref().and_then(|s| s.rules.as_ref());
    for (i, rule) in rules.into_iter().flatten().enumerate() {
        let paths = rule.http.as_ref().map(|h| h.paths.as_slice());
        for (j, path) in paths.into_iter().flatten().enumerate() {
            if let Some(svc) = &path.backend.service {
                out.push((
                    format!("/spec/rules/{i}/http/paths/{j}/backend/service/name"),
                    svc.name.as_str(),
                ));
            }
        }
    }
    out
}

impl Rule for NginxIngressRoutesToStable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, canary, nginx) in nginx_canaries(cx.repo) {
            // A missing stableService is CL204's finding.
            let Some(stable) = canary.stable_service.as_deref().filter(|s| !s.is_empty()) else {
                continue;
            };
            let mut seen: Vec<&str> = Vec::new();
            for ing_name in nginx.ingress_names() {
                if ing_name.is_empty() || seen.contains(&ing_name) {
                    continue;
                }
                seen.push(ing_name);
                let Some((ing_doc, ingress)) = find_ingress(cx.repo, doc, ing_name) else {
                    continue;
                };
                let backends = backends(ingress);
                if backends.iter().any(|(_, svc)| *svc == stable) {
                    continue;
                }
                let mut routed: Vec<&str> = Vec::new();
                for (_, svc) in &backends {
                    if !routed.contains(svc) {
                        routed.push(svc);
                    }
                }
                let rollout_name = name_of(doc);
                let detail = if routed.is_empty() {
                    "it has no rule with a service backend".to_string()
                } else {
                    format!("it routes to {}", routed.join(", "))
                };
                let message = format!(
                    "ingress `{ing_name}` has no rules using service {stable} backend: {detail}, but Rollout `{rollout_name}` names stableService `{stable}`"
                );
                let finding = match backends.first() {
                    Some((pointer, _)) => cx.at_value(&Self::META, ing_doc, pointer, message),
                    None => cx.at_key(&Self::META, ing_doc, "/spec", message),
                };
                out.push(
                    finding
                    .with_help(format!(
                        "route this Ingress's path to `{stable}` (the controller copies it to the canary Ingress with `{}` instead), or make stableService the Service it routes to",
                        canary.canary_service.as_deref().unwrap_or("the canaryService")
                    ))
                    .with_related(cx.related(
                        doc,
                        &ServiceRole::Stable.pointer(),
                        Target::Value,
                        format!("Rollout `{rollout_name}` names stableService `{stable}`"),
                    )),
                );
            }
        }
    }
}

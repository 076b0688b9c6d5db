//! CL303: the canary Service exposes the port the stable Ingress's backends use.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::workload::{find_ingress, find_service, name_of, nginx_canaries};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// For a canary Rollout with `trafficRouting.nginx`, every
    /// `backend.service.port` (`number` or `name`) of a stable Ingress path whose backend is
    /// the `stableService` is also a port of the `canaryService`: a `spec.ports[].port` equal
    /// to the number, or a `spec.ports[].name` equal to the name.
    ///
    /// ## Why it matters
    ///
    /// The controller builds the canary Ingress by copying those paths and renaming the
    /// backend Service to the canaryService; the port is copied unchanged. When the canary
    /// Service has no such port, ingress-nginx has no upstream for the canary: the canary
    /// share of requests fails (503) as soon as `setWeight` sends traffic, and the analysis
    /// judges a canary that never served a request. Nothing validates this: the controller
    /// has no port check for nginx.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// # Ingress backend: {service: {name: api-stable, port: {name: http}}}
    /// kind: Service
    /// metadata:
    ///   name: api-canary
    /// spec:
    ///   ports:
    ///     - name: web          # not `http`
    ///       port: 80
    /// ```
    ///
    /// ## Fix
    ///
    /// Give the canary Service the same ports (names and numbers) as the stable Service.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `rollout/trafficrouting/nginx/nginx.go` (`buildCanaryIngress`: backends
    /// naming the stableService are renamed to the canaryService, the port is kept);
    /// research notes §4 (no port validation for nginx, unlike ALB's `servicePort`).
    pub struct NginxCanaryServicePort {
        code: "CL303",
        name: "nginx-canary-service-port",
        category: Correctness,
        summary: "the canary Service exposes the port (name or number) the stable Ingress's backends use",
    }
}

impl Rule for NginxCanaryServicePort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, canary, nginx) in nginx_canaries(cx.repo) {
            let (Some(stable), Some(canary_name)) = (
                canary.stable_service.as_deref().filter(|s| !s.is_empty()),
                canary.canary_service.as_deref().filter(|s| !s.is_empty()),
            ) else {
                continue;
            };
            let Some((svc_doc, svc)) = find_service(cx.repo, doc, canary_name) else {
                continue;
            };
            let svc_ports = svc
                .spec
                .as_ref()
                .and_then(|s| s.ports.as_deref())
                .unwrap_or_default();
            let shown: Vec<String> = svc_ports
                .iter()
                .map(|p| match &p.name {
                    Some(n) => format!("{n}={}", p.port),
                    None => p.port.to_string(),
                })
                .collect();
            let shown = if shown.is_empty() {
                "none".to_string()
            } else {
                shown.join(", ")
            };
            let (anchor, anchor_target) = if svc_ports.is_empty() {
                ("/spec", Target::Key)
            } else {
                ("/spec/ports", Target::Key)
            };
            // Report each missing port once per canary Service.
            let mut reported: Vec<String> = Vec::new();
            let mut seen_ingresses: Vec<&str> = Vec::new();
            for ing_name in nginx.ingress_names() {
                if ing_name.is_empty() || seen_ingresses.contains(&ing_name) {
                    continue;
                }
                seen_ingresses.push(ing_name);
                let Some((ing_doc, ingress)) = find_ingress(cx.repo, doc, ing_name) else {
                    continue;
                };
                let rules = ingress.spec.as_ref().and_then(|s| s.rules.as_ref());
                for (i, rule) in rules.into_iter().flatten().enumerate() {
                    let paths = rule.http.as_ref().map(|h| h.paths.as_slice());
                    for (j, path) in paths.into_iter().flatten().enumerate() {
                        let Some(backend) = &path.backend.service else {
                            continue;
                        };
                        if backend.name != stable {
                            continue;
                        }
                        let Some(port) = &backend.port else {
                            continue;
                        };
                        let base = format!("/spec/rules/{i}/http/paths/{j}/backend/service/port");
                        let (found, key, pointer) = match (&port.name, port.number) {
                            (Some(name), _) if !name.is_empty() => (
                                svc_ports.iter().any(|p| p.name.as_deref() == Some(name)),
                                format!("port `{name}`"),
                                format!("{base}/name"),
                            ),
                            (_, Some(n)) => (
                                svc_ports.iter().any(|p| p.port == n),
                                format!("port {n}"),
                                format!("{base}/number"),
                            ),
                            _ => continue,
                        };
                        if found || reported.contains(&key) {
                            continue;
                        }
                        reported.push(key.clone());
                        out.push(
                            cx.at(
                                &Self::META,
                                svc_doc,
                                anchor,
                                anchor_target,
                                format!(
                                    "canary Service `{canary_name}` has no {key}, which Ingress `{ing_name}` uses for `{stable}`; the canary Ingress of Rollout `{}` keeps that port, so canary traffic has no upstream (its ports: {shown})",
                                    name_of(doc)
                                ),
                            )
                            .with_help(format!(
                                "add {key} to Service `{canary_name}` (give it the same ports as `{stable}`)"
                            ))
                            .with_related(cx.related(
                                ing_doc,
                                &pointer,
                                Target::Value,
                                format!("the Ingress `{ing_name}` backend uses {key} of `{stable}`"),
                            )),
                        );
                    }
                }
            }
        }
    }
}

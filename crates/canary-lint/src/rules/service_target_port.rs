//! CL203: each port of the canary and stable Services targets a real container port.

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::workload::{canaries, find_service, name_of, named_services, pod_source};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// For each port of a canary Rollout's `canaryService` and `stableService`, the
    /// `targetPort` (or `port`, when `targetPort` is absent) reaches a container of the
    /// Rollout's pods (the workloadRef Deployment's pod template, or the Rollout's own):
    ///
    /// - a named `targetPort` is the `name` of some `containerPort`;
    /// - a numeric one is the `containerPort` of some declared port. When the pod template
    ///   declares no ports at all, numbers are not checked: a container may listen on a
    ///   port it does not declare, and there is nothing to compare against.
    ///
    /// ## Why it matters
    ///
    /// A named targetPort that no container declares gives the Service no endpoints on that
    /// port: ingress-nginx answers 503 and the canary looks dead. A numeric one that misses
    /// the declared ports usually means the app moved (8080 → 3000) and the Service did not.
    /// Neither the controller nor `kubectl argo rollouts lint` checks ports; the first sign
    /// is failed traffic at the first `setWeight`, or an analysis that fails for lack of
    /// requests.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// # Deployment api: ports: [{name: http, containerPort: 8080}]
    /// kind: Service
    /// metadata:
    ///   name: api-canary
    /// spec:
    ///   ports:
    ///     - port: 80
    ///       targetPort: web     # no container port is named `web`
    /// ```
    ///
    /// ## Fix
    ///
    /// Point `targetPort` at a declared container port, by name (preferred) or number.
    ///
    /// ## Source
    ///
    /// Kubernetes Service semantics (`targetPort` defaults to `port`; a named port resolves
    /// per pod through `containerPort` names); the controller copies the Service port into
    /// the canary Ingress unchanged (Argo Rollouts `rollout/trafficrouting/nginx/nginx.go`,
    /// `buildCanaryIngress`), so a wrong port only shows up as failed traffic.
    pub struct ServiceTargetPort {
        code: "CL203",
        name: "service-target-port",
        category: Correctness,
        summary: "each port of the canary and stable Services targets a declared container port",
    }
}

impl Rule for ServiceTargetPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, rollout, canary) in canaries(cx.repo) {
            let Some(source) = pod_source(cx.repo, doc, rollout) else {
                continue;
            };
            let declared = source.container_ports();
            let pods = source.describe();
            let shown: Vec<String> = declared
                .iter()
                .map(|p| match p.name {
                    Some(n) => format!("{n}={}", p.number),
                    None => p.number.to_string(),
                })
                .collect();
            let shown = if shown.is_empty() {
                "none".to_string()
            } else {
                shown.join(", ")
            };
            let mut seen: Vec<&str> = Vec::new();
            for (_, svc_name) in named_services(canary) {
                if seen.contains(&svc_name) {
                    continue;
                }
                seen.push(svc_name);
                let Some((svc_doc, svc)) = find_service(cx.repo, doc, svc_name) else {
                    continue;
                };
                let ports = svc.spec.as_ref().and_then(|s| s.ports.as_ref());
                for (i, port) in ports.into_iter().flatten().enumerate() {
                    let (target, pointer, defaulted) = match &port.target_port {
                        Some(t) => (t.clone(), format!("/spec/ports/{i}/targetPort"), false),
                        None => (
                            IntOrString::Int(port.port),
                            format!("/spec/ports/{i}/port"),
                            true,
                        ),
                    };
                    let via = if defaulted {
                        " (no targetPort, so it defaults to `port`)"
                    } else {
                        ""
                    };
                    let (ok, what) = match &target {
                        IntOrString::String(name) => (
                            declared.iter().any(|p| p.name == Some(name.as_str())),
                            format!(
                                "targets the named port `{name}`{via}, but no container of {pods} declares a port of that name"
                            ),
                        ),
                        IntOrString::Int(n) => (
                            declared.is_empty() || declared.iter().any(|p| p.number == *n),
                            format!(
                                "targets port {n}{via}, but no container of {pods} declares it"
                            ),
                        ),
                    };
                    if ok {
                        continue;
                    }
                    out.push(
                        cx.at_value(
                            &Self::META,
                            svc_doc,
                            &pointer,
                            format!(
                                "Service `{svc_name}` (used by Rollout `{}`) {what}; declared ports: {shown}",
                                name_of(doc)
                            ),
                        )
                        .with_help("set `targetPort` to the name (or number) of a container port of the Rollout's pods")
                        .with_related(cx.related(
                            source.doc,
                            &source.ports_pointer(),
                            Target::Key,
                            format!("the container ports of {pods}"),
                        )),
                    );
                }
            }
        }
    }
}

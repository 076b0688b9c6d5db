//! CL204: a traffic router that needs them has both `canaryService` and `stableService`.

use canary_core::model::rollout::TrafficRouting;

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::workload::{ServiceRole, canaries, name_of, named_services};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// A canary Rollout whose `trafficRouting` uses nginx, SMI, Ambassador, App Mesh, Traefik
    /// or Apisix sets both `canaryService` and `stableService` (non-empty).
    ///
    /// ## Why it matters
    ///
    /// These routers split traffic between two Services: the controller points the stable
    /// Service at the stable ReplicaSet and the canary Service at the new one, and the router
    /// weights between them. Without both, the Rollout is rejected with `Canary service and
    /// Stable service must to be set to use Traffic Routing` and never progresses. (Istio
    /// with a DestinationRule and ALB with ping-pong work differently and are not checked
    /// here.)
    ///
    /// ## Example
    ///
    /// ```yaml
    /// strategy:
    ///   canary:
    ///     stableService: api-stable     # no canaryService
    ///     trafficRouting:
    ///       nginx:
    ///         stableIngress: api
    /// ```
    ///
    /// ## Fix
    ///
    /// Add the missing field, naming a second Service with the same selector and ports.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `pkg/apis/rollouts/validation/validation.go`
    /// (`requireCanaryStableServices`, `InvalidTrafficRoutingMessage` in
    /// `ValidateRolloutStrategyCanary`).
    pub struct ServicesRequiredForRouting {
        code: "CL204",
        name: "services-required-for-routing",
        category: Correctness,
        summary: "traffic routing through nginx, SMI, Ambassador, App Mesh, Traefik or Apisix has both canaryService and stableService",
    }
}

/// The JSON key of the first configured router that needs both Services.
fn router_key(routing: &TrafficRouting) -> Option<&'static str> {
    [
        (routing.nginx.is_some(), "nginx"),
        (routing.smi.is_some(), "smi"),
        (routing.ambassador.is_some(), "ambassador"),
        (routing.app_mesh.is_some(), "appMesh"),
        (routing.traefik.is_some(), "traefik"),
        (routing.apisix.is_some(), "apisix"),
    ]
    .into_iter()
    .find_map(|(set, key)| set.then_some(key))
}

impl Rule for ServicesRequiredForRouting {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, _, canary) in canaries(cx.repo) {
            let Some(routing) = &canary.traffic_routing else {
                continue;
            };
            if !routing.requires_services() {
                continue;
            }
            let Some(router) = router_key(routing) else {
                continue;
            };
            let set: Vec<ServiceRole> = named_services(canary).iter().map(|(r, _)| *r).collect();
            let missing: Vec<&str> = [ServiceRole::Canary, ServiceRole::Stable]
                .into_iter()
                .filter(|r| !set.contains(r))
                .map(ServiceRole::field)
                .collect();
            if missing.is_empty() {
                continue;
            }
            let missing_text = missing
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            out.push(
                cx.at_key(
                    &Self::META,
                    doc,
                    &format!("/spec/strategy/canary/trafficRouting/{router}"),
                    format!(
                        "Rollout `{}` routes traffic with {router} but has no {missing_text}; the controller rejects it: `Canary service and Stable service must to be set to use Traffic Routing`",
                        name_of(doc)
                    ),
                )
                .with_help(format!(
                    "set {missing_text} under `strategy.canary`; the two fields must name two different Services that select the Rollout's pods"
                )),
            );
        }
    }
}

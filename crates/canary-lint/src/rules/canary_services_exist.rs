//! CL201: `canaryService` and `stableService` exist in the Rollout's namespace and differ.

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::workload::{ServiceRole, canaries, name_of, named_services};
use crate::repo::Kind;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// A canary Rollout's `canaryService` and `stableService`, when set, name Services that
    /// exist in the repo in the Rollout's namespace, and they are two different Services.
    ///
    /// ## Why it matters
    ///
    /// The controller fetches both Services before it does anything else. A missing one
    /// marks the Rollout `InvalidSpec` with `spec.strategy.canary.stableService: Invalid
    /// value: "<svc>": services "<svc>" not found`, and the update never starts. The same
    /// name in both fields is rejected outright: the controller rewrites each Service's
    /// selector to point at one ReplicaSet, so one Service cannot be both.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// strategy:
    ///   canary:
    ///     canaryService: api-canary
    ///     stableService: api-canary   # same Service twice
    /// ```
    ///
    /// ## Fix
    ///
    /// Create two Services (e.g. `api-canary` and `api-stable`) with the same selector and
    /// ports, in the Rollout's namespace, and name one in each field.
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
    /// Argo Rollouts `pkg/apis/rollouts/validation/validation.go`
    /// (`ValidateRolloutStrategyCanary`, `DuplicatedServicesCanaryMessage`: "This rollout
    /// uses the same service for the stable and canary services, but two different services
    /// are required.") and `rollout/controller.go` (`getReferencedService`: `services
    /// "<svc>" not found`).
    pub struct CanaryServicesExist {
        code: "CL201",
        name: "canary-services-exist",
        category: Correctness,
        summary: "canaryService and stableService name two different Services in the Rollout's namespace",
    }
}

impl Rule for CanaryServicesExist {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, _, canary) in canaries(cx.repo) {
            let name = name_of(doc);
            let services = named_services(canary);
            if let [(_, canary_svc), (_, stable_svc)] = services.as_slice()
                && canary_svc == stable_svc
            {
                out.push(
                    cx.at_value(
                        &Self::META,
                        doc,
                        &ServiceRole::Stable.pointer(),
                        format!(
                            "Rollout `{name}` names `{stable_svc}` as both canaryService and stableService: this rollout uses the same service for the stable and canary services, but two different services are required"
                        ),
                    )
                    .with_help("create a second Service with the same selector and ports and name it in one of the two fields")
                    .with_related(cx.related(
                        doc,
                        &ServiceRole::Canary.pointer(),
                        Target::Value,
                        format!("canaryService is also `{canary_svc}`"),
                    )),
                );
            }
            let namespace = doc.namespace.as_deref();
            let mut seen: Vec<&str> = Vec::new();
            for (role, svc) in services {
                if seen.contains(&svc) {
                    continue;
                }
                seen.push(svc);
                if !cx.repo.find(Kind::Service, namespace, svc).is_empty() {
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
                        &role.pointer(),
                        format!(
                            "Rollout `{name}` names {} `{svc}`, but no Service of that name exists {where_}; the controller reports `services \"{svc}\" not found`",
                            role.field()
                        ),
                    )
                    .with_help(format!(
                        "add a Service `{svc}` in the Rollout's namespace (same selector and ports as the app's Service), or name an existing one"
                    ));
                for other in cx.repo.find_any_namespace(Kind::Service, svc) {
                    let ns = other.namespace.as_deref().unwrap_or("(none)");
                    finding = finding.with_related(cx.related(
                        other,
                        "/metadata/namespace",
                        Target::Value,
                        format!("a Service `{svc}` exists in namespace `{ns}`"),
                    ));
                }
                out.extend(cx.missing_reference(finding, Kind::Service, namespace, svc));
            }
        }
    }
}

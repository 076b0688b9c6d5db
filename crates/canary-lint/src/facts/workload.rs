//! Workload facts shared by the workloadRef, Services, nginx and RBAC rules (CL1xx, CL2xx,
//! CL3xx, CL9xx): typed access to Services, Ingresses and RBAC objects, the Deployment a
//! Rollout's `workloadRef` names, where the Rollout's pods get their labels and ports from,
//! and the Services a canary names.
//!
//! Resolution follows the controller (`rollout/templateref.go`, `Resolve`): the referenced
//! object is read from the Rollout's namespace, and its `spec.template` becomes the Rollout's
//! pod template. Namespace matching is the repo index's (an object without
//! `metadata.namespace` matches any namespace).

use std::collections::BTreeMap;

use canary_core::model::rollout::{CanaryStrategy, NginxTrafficRouting};
use canary_core::model::{Deployment, Ingress, Role, RoleBinding, Rollout, Service};
use k8s_openapi::api::core::v1::PodTemplateSpec;

use crate::repo::{Document, Kind, Object, Repo};

/// The label key the controller adds to Service selectors itself; never compared.
pub const POD_TEMPLATE_HASH_LABEL: &str = "rollouts-pod-template-hash";

/// One JSON Pointer segment, escaped (`~` → `~0`, `/` → `~1`).
pub fn esc(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// `metadata.name` of a document for messages, `(unnamed)` when absent.
pub fn name_of(doc: &Document) -> &str {
    doc.name.as_deref().unwrap_or("(unnamed)")
}

/// The typed Service of a Service document.
pub fn as_service(doc: &Document) -> Option<&Service> {
    match &doc.object {
        Some(Object::Service(s)) => Some(s),
        _ => None,
    }
}

/// The typed Ingress of an Ingress document.
pub fn as_ingress(doc: &Document) -> Option<&Ingress> {
    match &doc.object {
        Some(Object::Ingress(i)) => Some(i),
        _ => None,
    }
}

/// The typed Role of a Role document.
pub fn as_role(doc: &Document) -> Option<&Role> {
    match &doc.object {
        Some(Object::Role(r)) => Some(r),
        _ => None,
    }
}

/// The typed RoleBinding of a RoleBinding document.
pub fn as_role_binding(doc: &Document) -> Option<&RoleBinding> {
    match &doc.object {
        Some(Object::RoleBinding(b)) => Some(b),
        _ => None,
    }
}

/// The one nearest document of `kind` named `name` that `from` references (see
/// [`Repo::resolve`]); `None` when there is none, or several equally near ones (CL010 reports
/// those: no rule judges a copy the repo cannot choose).
pub fn resolve_one<'a>(
    repo: &'a Repo,
    from: &Document,
    kind: Kind,
    namespace: Option<&str>,
    name: &str,
) -> Option<&'a Document> {
    match repo.resolve(from, kind, namespace, name).as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// The Service named `name` that `from` references, in its namespace, when it resolves to one
/// valid Service (see [`resolve_one`]).
pub fn find_service<'a>(
    repo: &'a Repo,
    from: &Document,
    name: &str,
) -> Option<(&'a Document, &'a Service)> {
    let d = resolve_one(repo, from, Kind::Service, from.namespace.as_deref(), name)?;
    as_service(d).map(|s| (d, s))
}

/// The Ingress named `name` that `from` references, in its namespace, when it resolves to one
/// valid Ingress (see [`resolve_one`]).
pub fn find_ingress<'a>(
    repo: &'a Repo,
    from: &Document,
    name: &str,
) -> Option<(&'a Document, &'a Ingress)> {
    let d = resolve_one(repo, from, Kind::Ingress, from.namespace.as_deref(), name)?;
    as_ingress(d).map(|i| (d, i))
}

/// The Deployment a Rollout's `workloadRef` names (kind `Deployment` or no kind), in the
/// Rollout's namespace. `None` when there is no workloadRef, it names another kind, or the
/// Deployment is not in the repo (CL101 reports that) or not one (CL010).
pub fn workload_ref_deployment<'a>(
    repo: &'a Repo,
    doc: &Document,
    rollout: &Rollout,
) -> Option<(&'a Document, &'a Deployment)> {
    let target = rollout.spec.workload_ref.as_ref()?;
    if target.kind.as_deref().is_some_and(|k| k != "Deployment") || target.name.is_empty() {
        return None;
    }
    let d = resolve_one(
        repo,
        doc,
        Kind::Deployment,
        doc.namespace.as_deref(),
        &target.name,
    )?;
    d.as_deployment().map(|dep| (d, dep))
}

/// Where a Rollout's pod template lives: the workloadRef Deployment's `spec.template`, or the
/// Rollout's own `spec.template`.
#[derive(Debug, Clone, Copy)]
pub struct PodSource<'a> {
    /// The document holding the template (a Deployment or the Rollout).
    pub doc: &'a Document,
    /// The template.
    pub template: &'a PodTemplateSpec,
    /// True when the template comes from the workloadRef Deployment.
    pub from_workload_ref: bool,
}

/// Pointer of a pod template in both Deployments and Rollouts.
pub const TEMPLATE_POINTER: &str = "/spec/template";
/// Pointer of the pod template's labels.
pub const TEMPLATE_LABELS_POINTER: &str = "/spec/template/metadata/labels";

impl<'a> PodSource<'a> {
    /// The pod labels (empty when the template has none).
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.template
            .metadata
            .as_ref()
            .and_then(|m| m.labels.clone())
            .unwrap_or_default()
    }

    /// The pointer of the pod label `key`.
    pub fn label_pointer(key: &str) -> String {
        format!("{TEMPLATE_LABELS_POINTER}/{}", esc(key))
    }

    /// `Deployment `x`` or `Rollout `x`` for messages.
    pub fn describe(&self) -> String {
        self.doc.label()
    }

    /// Every declared container port of the regular containers, with its pointer.
    pub fn container_ports(&self) -> Vec<DeclaredPort<'a>> {
        let mut out = Vec::new();
        let Some(spec) = &self.template.spec else {
            return out;
        };
        for (ci, container) in spec.containers.iter().enumerate() {
            for (pi, port) in container.ports.iter().flatten().enumerate() {
                out.push(DeclaredPort {
                    container: &container.name,
                    name: port.name.as_deref(),
                    number: port.container_port,
                    pointer: format!("{TEMPLATE_POINTER}/spec/containers/{ci}/ports/{pi}"),
                });
            }
        }
        out
    }

    /// The pointer of the first container's `ports` (or `containers` when none declares any).
    pub fn ports_pointer(&self) -> String {
        if let Some(spec) = &self.template.spec
            && let Some(ci) = spec.containers.iter().position(|c| c.ports.is_some())
        {
            return format!("{TEMPLATE_POINTER}/spec/containers/{ci}/ports");
        }
        format!("{TEMPLATE_POINTER}/spec/containers")
    }
}

/// One `containerPort` of a pod template.
#[derive(Debug, Clone)]
pub struct DeclaredPort<'a> {
    /// The container's name.
    pub container: &'a str,
    /// The port's name, when set.
    pub name: Option<&'a str>,
    /// `containerPort`.
    pub number: i32,
    /// Pointer of the port entry.
    pub pointer: String,
}

/// The pod template a Rollout's pods get: from the workloadRef Deployment when the Rollout
/// has a workloadRef (`None` when it is not in the repo), else the Rollout's own template.
pub fn pod_source<'a>(
    repo: &'a Repo,
    doc: &'a Document,
    rollout: &'a Rollout,
) -> Option<PodSource<'a>> {
    if rollout.spec.workload_ref.is_some() {
        let (dep_doc, dep) = workload_ref_deployment(repo, doc, rollout)?;
        let template = &dep.spec.as_ref()?.template;
        return Some(PodSource {
            doc: dep_doc,
            template,
            from_workload_ref: true,
        });
    }
    rollout.spec.template.as_ref().map(|template| PodSource {
        doc,
        template,
        from_workload_ref: false,
    })
}

/// Which of the canary's two Services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceRole {
    /// `canaryService`.
    Canary,
    /// `stableService`.
    Stable,
}

impl ServiceRole {
    /// The field name.
    pub fn field(self) -> &'static str {
        match self {
            ServiceRole::Canary => "canaryService",
            ServiceRole::Stable => "stableService",
        }
    }

    /// The field's pointer in the Rollout.
    pub fn pointer(self) -> String {
        format!("/spec/strategy/canary/{}", self.field())
    }
}

/// The non-empty `canaryService` and `stableService` of a canary, in that order.
pub fn named_services(canary: &CanaryStrategy) -> Vec<(ServiceRole, &str)> {
    let mut out = Vec::new();
    for (role, name) in [
        (ServiceRole::Canary, &canary.canary_service),
        (ServiceRole::Stable, &canary.stable_service),
    ] {
        if let Some(name) = name.as_deref().filter(|n| !n.is_empty()) {
            out.push((role, name));
        }
    }
    out
}

/// Every valid Rollout with a canary strategy.
pub fn canaries(repo: &Repo) -> impl Iterator<Item = (&Document, &Rollout, &CanaryStrategy)> {
    repo.rollouts()
        .filter_map(|(d, r)| r.spec.strategy.canary.as_ref().map(|c| (d, r, c)))
}

/// Every canary Rollout that routes through ingress-nginx, with its nginx settings.
pub fn nginx_canaries(
    repo: &Repo,
) -> impl Iterator<Item = (&Document, &CanaryStrategy, &NginxTrafficRouting)> {
    canaries(repo).filter_map(|(d, _, c)| {
        c.traffic_routing
            .as_ref()
            .and_then(|t| t.nginx.as_ref())
            .map(|n| (d, c, n))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_pointer_segments() {
        assert_eq!(esc("app.kubernetes.io/name"), "app.kubernetes.io~1name");
        assert_eq!(esc("a~b"), "a~0b");
    }
}

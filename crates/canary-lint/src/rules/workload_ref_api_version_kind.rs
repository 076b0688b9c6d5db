//! CL102: `workloadRef` has an `apiVersion` and `kind` the controller can resolve.

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::facts::workload::name_of;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// A Rollout's `spec.workloadRef` sets both `apiVersion` and `kind`, and the pair is one
    /// the controller supports: `apps/v1` `Deployment`, `apps/v1` `ReplicaSet`, or `v1`
    /// `PodTemplate`. Kind names are case-sensitive.
    ///
    /// ## Why it matters
    ///
    /// The controller turns the pair into a group and kind and looks it up in a fixed table.
    /// Every field of `workloadRef` is optional in the CRD, so the API server accepts a
    /// reference without `apiVersion`; the group then resolves to `""` and the Rollout is
    /// marked `InvalidSpec` with `workload of type /Deployment is not supported`. A supported
    /// group with a version the API server no longer serves (`apps/v1beta1`) fails later, when
    /// the controller asks discovery for that version. `kubectl argo rollouts lint` does not
    /// resolve `workloadRef`, so neither mistake shows up before the Rollout is applied.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// spec:
    ///   workloadRef:
    ///     kind: Deployment      # no apiVersion: "workload of type /Deployment is not supported"
    ///     name: api
    /// ```
    ///
    /// ## Fix
    ///
    /// Write `apiVersion: apps/v1` and `kind: Deployment` (or `ReplicaSet`; `v1`
    /// `PodTemplate`).
    ///
    /// ## Source
    ///
    /// Argo Rollouts `rollout/templateref.go`: `infoByGroupKind` (the supported table) and
    /// `Resolve` (`workload of type %s/%s is not supported`, then `newInformerForGVK`, which
    /// asks discovery for the reference's group-version); `pkg/apis/rollouts/v1alpha1/types.go`
    /// `ObjectRef` (all fields `omitempty`).
    pub struct WorkloadRefApiVersionKind {
        code: "CL102",
        name: "workload-ref-api-version-kind",
        category: Correctness,
        summary: "workloadRef sets apiVersion and kind to a pair the controller supports (apps/v1 Deployment)",
    }
}

/// `(apiVersion, kind)` pairs the controller resolves.
const SUPPORTED: [(&str, &str); 3] = [
    ("apps/v1", "Deployment"),
    ("apps/v1", "ReplicaSet"),
    ("v1", "PodTemplate"),
];

/// The API group of an apiVersion (`apps/v1` → `apps`, `v1` → ``, `` → ``).
fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

impl Rule for WorkloadRefApiVersionKind {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for (doc, rollout) in cx.repo.rollouts() {
            let Some(target) = &rollout.spec.workload_ref else {
                continue;
            };
            let name = name_of(doc);
            let api_version = target.api_version.as_deref().unwrap_or("");
            let kind = target.kind.as_deref().unwrap_or("");
            if api_version.is_empty() || kind.is_empty() {
                let missing = match (api_version.is_empty(), kind.is_empty()) {
                    (true, true) => "`apiVersion` and `kind`",
                    (true, false) => "`apiVersion`",
                    _ => "`kind`",
                };
                let group = group_of(api_version);
                let finding = if kind.is_empty() {
                    cx.at_key(
                        &Self::META,
                        doc,
                        "/spec/workloadRef",
                        format!(
                            "Rollout `{name}` has a workloadRef without {missing}; the controller fails with `workload of type {group}/ is not supported`"
                        ),
                    )
                } else {
                    cx.at_value(
                        &Self::META,
                        doc,
                        "/spec/workloadRef/kind",
                        format!(
                            "Rollout `{name}` has a workloadRef without {missing}; the group resolves to \"\" and the controller fails with `workload of type /{kind} is not supported`"
                        ),
                    )
                };
                out.push(
                    finding.with_help(
                        "add `apiVersion: apps/v1` and `kind: Deployment` to workloadRef",
                    ),
                );
                continue;
            }
            if SUPPORTED.contains(&(api_version, kind)) {
                continue;
            }
            let group = group_of(api_version);
            let supported_kind = SUPPORTED
                .iter()
                .find(|(av, k)| group_of(av) == group && *k == kind);
            if let Some((wanted, _)) = supported_kind {
                // Right group and kind, wrong version: resolves, but discovery of the
                // version fails on any current API server.
                out.push(
                    cx.at_value(
                        &Self::META,
                        doc,
                        "/spec/workloadRef/apiVersion",
                        format!(
                            "workloadRef `apiVersion: {api_version}` is not served for {kind}; the controller's informer for it cannot start"
                        ),
                    )
                    .with_help(format!("write `apiVersion: {wanted}`")),
                );
                continue;
            }
            let case_fix = SUPPORTED
                .iter()
                .find(|(_, k)| k.eq_ignore_ascii_case(kind) && *k != kind);
            let (pointer, help) = match case_fix {
                Some((av, k)) => (
                    "/spec/workloadRef/kind",
                    format!("write `apiVersion: {av}` and `kind: {k}`; kinds are case-sensitive"),
                ),
                None if SUPPORTED.iter().any(|(_, k)| *k == kind) => (
                    "/spec/workloadRef/apiVersion",
                    "a Deployment or ReplicaSet is `apiVersion: apps/v1`; a PodTemplate is `apiVersion: v1`".to_string(),
                ),
                None => (
                    "/spec/workloadRef/kind",
                    "workloadRef supports only apps/v1 Deployment, apps/v1 ReplicaSet and v1 PodTemplate".to_string(),
                ),
            };
            out.push(
                cx.at_value(
                    &Self::META,
                    doc,
                    pointer,
                    format!(
                        "Rollout `{name}` references a workload of type {group}/{kind}; the controller fails with `workload of type {group}/{kind} is not supported`"
                    ),
                )
                .with_help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::group_of;

    #[test]
    fn groups() {
        assert_eq!(group_of("apps/v1"), "apps");
        assert_eq!(group_of("v1"), "");
        assert_eq!(group_of(""), "");
    }
}

//! CL901: when CI drives a Rollout, a bound Role in its namespace grants the verbs the
//! plugin needs on `argoproj.io` `rollouts`.

use std::collections::{BTreeSet, HashMap};

use canary_core::located::Span;
use k8s_openapi::api::rbac::v1::Role;

use crate::context::{Context, Target};
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Related};
use crate::facts::workflow::{ArgoCommand, CiCommand, Word, for_each_job};
use crate::facts::workload::{as_role, as_role_binding, name_of};
use crate::repo::index::{ByNamespace, namespaces_match};
use crate::repo::{Document, Kind};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it checks
    ///
    /// When a GitHub workflow step runs `kubectl argo rollouts <command> <name>` (status,
    /// promote, set image, abort, ...) for a Rollout defined in the repo, some Role in that
    /// Rollout's namespace grants `get`, `list`, `watch`, `update` and `patch` on `rollouts`
    /// in API group `argoproj.io` (`*` counts for any of them; the verbs may be spread over
    /// several rules of the Role), and a RoleBinding in the namespace binds that Role.
    ///
    /// The finding is on the Role when one grants some of the verbs (at its `verbs`, listing
    /// the missing ones) or grants them all but is not bound; otherwise on the command in the
    /// workflow. A RoleBinding to a ClusterRole cannot be checked from the repo (the
    /// built-in `edit` and `admin` ClusterRoles aggregate Argo's rollout permissions), so its
    /// presence silences the rule. A Rollout named through a shell variable is not resolved.
    ///
    /// ## Why it matters
    ///
    /// `status` reads and watches the Rollout, `promote`, `abort`, `retry` and `restart`
    /// patch or update it. A deployer identity without those verbs fails with `rollouts.argoproj.io
    /// "api" is forbidden: User "system:serviceaccount:ci:deployer" cannot patch resource
    /// "rollouts"` in the middle of a release, typically the first time the pipeline has to
    /// promote or abort, which is the worst moment to find out. Deployment-era RBAC grants
    /// `apps/deployments` only.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// kind: Role
    /// metadata:
    ///   name: deployer
    ///   namespace: production
    /// rules:
    ///   - apiGroups: ["argoproj.io"]
    ///     resources: ["rollouts"]
    ///     verbs: ["get", "list"]      # status needs watch; promote needs patch
    /// ```
    ///
    /// ## Fix
    ///
    /// Grant `get`, `list`, `watch`, `update`, `patch` on `argoproj.io` `rollouts` in the
    /// deployer Role of the Rollout's namespace, and bind it to the CI identity.
    ///
    /// ## Source
    ///
    /// Argo Rollouts `pkg/kubectl-argo-rollouts/cmd/` (`status` gets and watches the
    /// Rollout, `promote`/`abort`/`retry` patch it; research notes §8) and the upstream
    /// `manifests/role/argo-rollouts-aggregate-roles.yaml` verbs; the analogous missing-verb
    /// failure for the controller is argoproj/argo-helm #2826.
    pub struct CiRbacRollouts {
        code: "CL901",
        name: "ci-rbac-rollouts",
        category: Correctness,
        summary: "when CI drives a Rollout, a bound Role grants get/list/watch/update/patch on argoproj.io rollouts",
    }
}

/// The verbs the plugin needs on rollouts across its commands.
const REQUIRED: [&str; 5] = ["get", "list", "watch", "update", "patch"];

/// Subcommands that take no Rollout name.
const NO_ROLLOUT: [&str; 7] = [
    "version",
    "list",
    "dashboard",
    "completion",
    "create",
    "lint",
    "help",
];

/// The word naming the Rollout in an `argo rollouts` command.
fn rollout_word(cmd: &ArgoCommand) -> Option<&Word> {
    if NO_ROLLOUT.contains(&cmd.sub.as_str()) {
        return None;
    }
    let p = &cmd.call.positionals;
    match cmd.sub.as_str() {
        "get" | "retry" => match p.first().map(|w| w.text.as_str()) {
            Some("rollout" | "rollouts" | "ro") => p.get(1),
            _ => None,
        },
        _ => cmd.rollout(),
    }
}

/// Verbs a Role grants on argoproj.io rollouts, and the pointer of the first rule's verbs.
fn granted(role: &Role) -> (BTreeSet<String>, Option<String>) {
    let mut verbs = BTreeSet::new();
    let mut first = None;
    for (i, rule) in role.rules.iter().flatten().enumerate() {
        let group = rule
            .api_groups
            .iter()
            .flatten()
            .any(|g| g == "argoproj.io" || g == "*");
        let resource = rule
            .resources
            .iter()
            .flatten()
            .any(|r| r == "rollouts" || r == "*");
        if !(group && resource) {
            continue;
        }
        first.get_or_insert_with(|| format!("/rules/{i}/verbs"));
        for v in &rule.verbs {
            if v == "*" {
                verbs.extend(REQUIRED.iter().map(|s| s.to_string()));
            } else {
                verbs.insert(v.clone());
            }
        }
    }
    (verbs, first)
}

/// A Rollout that a workflow command drives. Where the command is is worked out only when a
/// finding needs it: most driven Rollouts have their Role.
struct Driven<'a> {
    rollout: usize,
    command: CiCommand<'a>,
    start: usize,
    end: usize,
    word_end: usize,
}

impl Driven<'_> {
    fn file(&self, cx: &Context<'_>) -> String {
        cx.repo.file_of(self.command.doc).rel.clone()
    }

    fn span(&self, cx: &Context<'_>) -> Span {
        self.command.span(cx, self.start, self.end)
    }

    fn text(&self) -> &str {
        self.command.source(self.start, self.word_end)
    }
}

impl Rule for CiRbacRollouts {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        let rollouts: Vec<&Document> = cx.repo.of_kind(Kind::Rollout).collect();
        // Positions in `rollouts` by name, in order; and which are already driven.
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, ro) in rollouts.iter().enumerate() {
            if let Some(name) = ro.name.as_deref() {
                by_name.entry(name).or_default().push(i);
            }
        }
        let mut is_driven = vec![false; rollouts.len()];
        let mut driven: Vec<Driven> = Vec::new();
        for_each_job(cx, |_, _, commands| {
            for command in commands {
                let Some(argo) = command.argo else {
                    continue;
                };
                let Some(word) = rollout_word(argo) else {
                    continue;
                };
                let ns = argo.call.namespace();
                let named = by_name
                    .get(word.text.as_str())
                    .map_or(&[][..], Vec::as_slice);
                for &i in named {
                    let Some(ro) = rollouts.get(i) else {
                        continue;
                    };
                    if !namespaces_match(ns, ro.namespace.as_deref()) || is_driven[i] {
                        continue;
                    }
                    is_driven[i] = true;
                    driven.push(Driven {
                        rollout: i,
                        command: command.clone(),
                        start: argo.call.start,
                        end: argo.call.end,
                        word_end: word.end,
                    });
                }
            }
        });
        if driven.is_empty() {
            return;
        }
        // What each Role grants on rollouts (Roles that grant nothing there are left out),
        // and the RoleBindings, both by namespace: one lookup per driven Rollout instead of a
        // pass over every Role and RoleBinding of the repo.
        let grants: ByNamespace<'_, (&Document, BTreeSet<String>, String)> =
            ByNamespace::new(cx.repo.of_kind(Kind::Role).filter_map(|doc| {
                let (verbs, pointer) = granted(as_role(doc)?);
                Some((doc.namespace.as_deref(), (doc, verbs, pointer?)))
            }));
        let all_bindings = ByNamespace::new(
            cx.repo
                .of_kind(Kind::RoleBinding)
                .filter_map(|doc| Some((doc.namespace.as_deref(), as_role_binding(doc)?))),
        );
        for d in driven {
            let Some(ro) = rollouts.get(d.rollout) else {
                continue;
            };
            let ns = ro.namespace.as_deref();
            let where_ = || {
                ns.map_or_else(
                    || "the Rollout's namespace".to_string(),
                    |n| format!("namespace `{n}`"),
                )
            };
            let ro_name = name_of(ro);
            let command_related = || Related {
                file: d.file(cx),
                span: d.span(cx),
                message: format!("CI runs `{}` here", d.text()),
            };
            let bindings = all_bindings.matching(ns);
            if bindings.iter().any(|b| b.role_ref.kind == "ClusterRole") {
                continue;
            }
            let is_bound = |name: &str| {
                bindings
                    .iter()
                    .any(|b| b.role_ref.kind == "Role" && b.role_ref.name == name)
            };
            // (doc, granted verbs, verbs pointer, bound)
            let mut candidates = Vec::new();
            for (role_doc, verbs, pointer) in grants.matching(ns) {
                let bound = role_doc.name.as_deref().is_some_and(is_bound);
                candidates.push((*role_doc, verbs, pointer.as_str(), bound));
            }
            let complete = |v: &BTreeSet<String>| REQUIRED.iter().all(|r| v.contains(*r));
            if candidates.iter().any(|(_, v, _, b)| *b && complete(v)) {
                continue;
            }
            if let Some((role_doc, _, _, _)) = candidates.iter().find(|(_, v, _, _)| complete(v)) {
                out.push(
                    cx.at_value(
                        &Self::META,
                        role_doc,
                        "/metadata/name",
                        format!(
                            "Role `{}` grants what `{}` needs on Rollout `{ro_name}`, but no RoleBinding in {} binds it",
                            name_of(role_doc),
                            d.text(),
                            where_()
                        ),
                    )
                    .with_help(format!(
                        "add a RoleBinding with `roleRef: {{kind: Role, name: {}}}` for the CI identity",
                        name_of(role_doc)
                    ))
                    .with_related(command_related()),
                );
                continue;
            }
            // The Role that grants the most, preferring a bound one.
            let best = candidates.iter().max_by_key(|(_, v, _, b)| {
                (REQUIRED.iter().filter(|r| v.contains(**r)).count(), *b)
            });
            if let Some((role_doc, verbs, pointer, _)) = best {
                let missing: Vec<&str> = REQUIRED
                    .iter()
                    .copied()
                    .filter(|r| !verbs.contains(*r))
                    .collect();
                out.push(
                    cx.at_value(
                        &Self::META,
                        role_doc,
                        pointer,
                        format!(
                            "Role `{}` lacks {} on argoproj.io rollouts, which `{}` in CI needs for Rollout `{ro_name}`",
                            name_of(role_doc),
                            missing.join(", "),
                            d.text()
                        ),
                    )
                    .with_help(format!(
                        "add {} to the verbs (the plugin gets and watches for `status`, and patches or updates for `promote`, `abort` and `retry`)",
                        missing.join(", ")
                    ))
                    .with_related(command_related()),
                );
                continue;
            }
            out.push(
                Diagnostic::new(
                    &Self::META,
                    d.file(cx),
                    d.span(cx),
                    format!(
                        "CI runs `{}`, but no Role in {} grants get, list, watch, update, patch on argoproj.io rollouts",
                        d.text(),
                        where_()
                    ),
                )
                .with_help(format!(
                    "add a Role in {} with `apiGroups: [argoproj.io]`, `resources: [rollouts]`, `verbs: [get, list, watch, update, patch]`, and a RoleBinding for the CI identity",
                    where_()
                ))
                .with_related(cx.related(
                    ro,
                    "/metadata/name",
                    Target::Value,
                    format!("Rollout `{ro_name}` is defined here"),
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::rbac::v1::PolicyRule;

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        PolicyRule {
            api_groups: Some(own(groups)),
            resources: Some(own(resources)),
            verbs: own(verbs),
            ..Default::default()
        }
    }

    #[test]
    fn verbs_are_unioned_across_rules_and_wildcards_count() {
        let role = Role {
            rules: Some(vec![
                rule(&["apps"], &["deployments"], &["*"]),
                rule(&["argoproj.io"], &["rollouts"], &["get", "list"]),
                rule(&["*"], &["rollouts"], &["watch"]),
                rule(&["argoproj.io"], &["rollouts/status"], &["patch"]),
            ]),
            ..Default::default()
        };
        let (verbs, pointer) = granted(&role);
        assert_eq!(
            verbs.into_iter().collect::<Vec<_>>(),
            ["get", "list", "watch"]
        );
        assert_eq!(pointer.as_deref(), Some("/rules/1/verbs"));
        let all = Role {
            rules: Some(vec![rule(&["argoproj.io"], &["*"], &["*"])]),
            ..Default::default()
        };
        assert!(REQUIRED.iter().all(|r| granted(&all).0.contains(*r)));
    }
}

//! CL901: when CI drives a Rollout, a bound Role in its namespace grants every API call the
//! plugin commands it runs make, from the one table `canary_core::rbac::DEPLOYER_GRANTS`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use canary_core::located::Span;
use canary_core::rbac::{PluginCommand, grants_for, is_collection_verb};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role};

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
    /// When a GitHub workflow step runs `kubectl argo rollouts <command> <name>` for a
    /// Rollout defined in the repo, a Role in that Rollout's namespace, bound by a
    /// RoleBinding there, authorizes every call the command makes. The calls come from the
    /// table `canary_core::rbac::DEPLOYER_GRANTS`, the same one `canary-gen` renders its
    /// deployer Role from:
    ///
    /// - `status`: `list` and `watch` on `argoproj.io` `rollouts`, `analysisruns`,
    ///   `experiments`, `apps` `replicasets`, `deployments` and core `pods`;
    /// - `set image`: `get` on the Rollout, then `get` and `update` on its workloadRef
    ///   Deployment (or `update` on the Rollout when it has no workloadRef);
    /// - `promote`, `abort`, `retry rollout`: `patch` on `rollouts/status` (promote also
    ///   `get` and `patch` on `rollouts`).
    ///
    /// `*` counts for any group, resource or verb, and the calls may be spread over several
    /// rules. A rule limited by `resourceNames` counts for `get`/`update`/`patch` only when it
    /// names the object, and never for `list`/`watch`. Other commands (`get`, `restart`,
    /// `pause`, `undo`, ...) are not checked.
    ///
    /// The finding is on the Role that authorizes the most (preferring a bound one), listing
    /// what is missing, or on a complete Role that is not bound; otherwise on the command in
    /// the workflow. A RoleBinding to a ClusterRole cannot be checked from the repo (the
    /// built-in `edit` and `admin` ClusterRoles aggregate Argo's rollout permissions), so its
    /// presence silences the rule. A Rollout named through a shell variable is not resolved.
    ///
    /// ## Why it matters
    ///
    /// `status` waits for its informer caches before its `--timeout` clock starts: one
    /// forbidden list (say `experiments`) and it waits for ever, until the job's
    /// `timeout-minutes` kills it with no message. A missing `update` on the Deployment fails
    /// `set image`; a missing `rollouts/status` patch fails `abort` in the middle of an
    /// incident. Deployment-era RBAC grants `apps/deployments` only.
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
    ///     resources: ["rollouts", "analysisruns"]   # status also watches experiments
    ///     verbs: ["get", "list", "watch"]
    /// ```
    ///
    /// ## Fix
    ///
    /// Grant what the help lists in the deployer Role of the Rollout's namespace (the Role
    /// `canary-gen render` writes is a complete example, with the reason of each rule), and
    /// bind it to the CI identity.
    ///
    /// ## Source
    ///
    /// argoproj/argo-rollouts `pkg/kubectl-argo-rollouts/viewcontroller/viewcontroller.go`
    /// `newViewController` (namespace-wide informers, no selector) and `Start`
    /// (`WaitForCacheSync`); `cmd/status/status.go` (the timeout starts after the sync);
    /// `cmd/set/set_image.go` `SetImage` (GET Rollout, GET + UPDATE Deployment);
    /// `cmd/abort/abort.go` `AbortRollout`, `cmd/retry/retry.go` `RetryRollout`,
    /// `cmd/promote/promote.go` `PromoteRollout` (PATCH `rollouts/status`). Kubernetes RBAC
    /// docs, "Referring to resources" (a name-limited list/watch needs a `metadata.name`
    /// field selector, which informers do not send).
    pub struct CiRbacRollouts {
        code: "CL901",
        name: "ci-rbac-rollouts",
        category: Correctness,
        summary: "when CI drives a Rollout, a bound Role grants every call its plugin commands make (status, set image, promote, abort, retry)",
    }
}

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

/// The table's command for an `argo rollouts` invocation; `None` for the ones it does not
/// cover. `workload_ref` tells the two forms of `set image` apart.
fn plugin_command(cmd: &ArgoCommand, workload_ref: bool) -> Option<PluginCommand> {
    match cmd.sub.as_str() {
        "status" => Some(PluginCommand::Status),
        "set" => match cmd.call.positionals.first().map(|w| w.text.as_str()) {
            Some("image") if workload_ref => Some(PluginCommand::SetImage),
            Some("image") => Some(PluginCommand::SetImageInline),
            _ => None,
        },
        "promote" => Some(PluginCommand::Promote),
        "abort" => Some(PluginCommand::Abort),
        "retry" => Some(PluginCommand::Retry),
        _ => None,
    }
}

/// One API call a Role must authorize.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Need {
    group: &'static str,
    resource: &'static str,
    verb: &'static str,
    /// The object a named call targets; `None` for list/watch (namespace-wide).
    object: Option<String>,
    why: &'static str,
}

/// The calls `commands` make on Rollout `rollout` (workloadRef Deployment `deployment`).
fn needs(commands: &[PluginCommand], rollout: &str, deployment: Option<&str>) -> Vec<Need> {
    let mut out = BTreeSet::new();
    for g in grants_for(commands) {
        for resource in g.resources {
            for verb in g.verbs {
                let object = if is_collection_verb(verb) {
                    None
                } else if g.workload_only {
                    deployment.map(str::to_string)
                } else {
                    Some(rollout.to_string())
                };
                out.insert(Need {
                    group: g.api_group,
                    resource,
                    verb,
                    object,
                    why: g.why,
                });
            }
        }
    }
    out.into_iter().collect()
}

/// Does `rule` authorize `need`? `resourceNames` limits a rule to the named objects, so it
/// never authorizes a list/watch without a field selector.
fn covers(rule: &PolicyRule, need: &Need) -> bool {
    let has =
        |xs: &Option<Vec<String>>, want: &str| xs.iter().flatten().any(|x| x == want || x == "*");
    let verb = rule.verbs.iter().any(|v| v == need.verb || v == "*");
    if !(verb && has(&rule.api_groups, need.group) && has(&rule.resources, need.resource)) {
        return false;
    }
    match rule.resource_names.as_deref() {
        None | Some([]) => true,
        Some(names) => need
            .object
            .as_deref()
            .is_some_and(|o| names.iter().any(|n| n == o)),
    }
}

/// The needs no rule of `role` authorizes.
fn missing<'n>(role: &Role, needs: &'n [Need]) -> Vec<&'n Need> {
    needs
        .iter()
        .filter(|n| !role.rules.iter().flatten().any(|r| covers(r, n)))
        .collect()
}

/// `list, watch on argoproj.io experiments; get, update on apps deployments named x`.
fn describe(missing: &[&Need]) -> String {
    let mut grouped: BTreeMap<(&str, &str, Option<&str>), Vec<&str>> = BTreeMap::new();
    for n in missing {
        grouped
            .entry((n.group, n.resource, n.object.as_deref()))
            .or_default()
            .push(n.verb);
    }
    grouped
        .into_iter()
        .map(|((group, resource, object), verbs)| {
            let group = if group.is_empty() { "core" } else { group };
            let scope =
                object.map_or_else(|| " (namespace-wide)".to_string(), |o| format!(" `{o}`"));
            format!("{} on {group} {resource}{scope}", verbs.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The distinct reasons of `missing`, for the help.
fn reasons(missing: &[&Need]) -> String {
    let mut seen = Vec::new();
    for n in missing {
        if !seen.contains(&n.why) {
            seen.push(n.why);
        }
    }
    seen.join("; ")
}

/// A workflow command that drives a Rollout. Where it is is worked out only when a finding
/// needs it: most driven Rollouts have their Role.
struct Driven<'a> {
    command: CiCommand<'a>,
    plugin: PluginCommand,
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

    fn related(&self, cx: &Context<'_>) -> Related {
        Related {
            file: self.file(cx),
            span: self.span(cx),
            message: format!("CI runs `{}` here", self.text()),
        }
    }
}

impl Rule for CiRbacRollouts {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        let rollouts: Vec<&Document> = cx.repo.of_kind(Kind::Rollout).collect();
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, ro) in rollouts.iter().enumerate() {
            if let Some(name) = ro.name.as_deref() {
                by_name.entry(name).or_default().push(i);
            }
        }
        let deployment = |i: usize| {
            rollouts
                .get(i)
                .and_then(|d| d.as_rollout())
                .and_then(|r| r.spec.workload_ref.as_ref())
                .map(|w| w.name.clone())
        };
        // The commands driving each Rollout, first of each kind only, in workflow order.
        let mut driven: Vec<Vec<Driven>> = (0..rollouts.len()).map(|_| Vec::new()).collect();
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
                    if !namespaces_match(ns, ro.namespace.as_deref()) {
                        continue;
                    }
                    let Some(plugin) = plugin_command(argo, deployment(i).is_some()) else {
                        continue;
                    };
                    let Some(list) = driven.get_mut(i) else {
                        continue;
                    };
                    if list.iter().any(|d| d.plugin == plugin) {
                        continue;
                    }
                    list.push(Driven {
                        command: command.clone(),
                        plugin,
                        start: argo.call.start,
                        end: argo.call.end,
                        word_end: word.end,
                    });
                }
            }
        });
        if driven.iter().all(Vec::is_empty) {
            return;
        }
        let roles: ByNamespace<'_, (&Document, &Role)> = ByNamespace::new(
            cx.repo
                .of_kind(Kind::Role)
                .filter_map(|doc| Some((doc.namespace.as_deref(), (doc, as_role(doc)?)))),
        );
        let all_bindings = ByNamespace::new(
            cx.repo
                .of_kind(Kind::RoleBinding)
                .filter_map(|doc| Some((doc.namespace.as_deref(), as_role_binding(doc)?))),
        );
        for (i, commands) in driven.iter().enumerate() {
            let (Some(ro), Some(first)) = (rollouts.get(i), commands.first()) else {
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
            let bindings = all_bindings.matching(ns);
            if bindings.iter().any(|b| b.role_ref.kind == "ClusterRole") {
                continue;
            }
            let is_bound = |name: &str| {
                bindings
                    .iter()
                    .any(|b| b.role_ref.kind == "Role" && b.role_ref.name == name)
            };
            let plugins: Vec<PluginCommand> = commands.iter().map(|d| d.plugin).collect();
            let needs = needs(&plugins, ro_name, deployment(i).as_deref());
            // (doc, what it lacks, bound), for the Roles that authorize something.
            let candidates: Vec<(&Document, Vec<&Need>, bool)> = roles
                .matching(ns)
                .iter()
                .map(|(doc, role)| {
                    let bound = doc.name.as_deref().is_some_and(is_bound);
                    (*doc, missing(role, &needs), bound)
                })
                .filter(|(_, lacks, _)| lacks.len() < needs.len())
                .collect();
            if candidates.iter().any(|(_, l, b)| *b && l.is_empty()) {
                continue;
            }
            // The first command that needs what is missing (for the note).
            let culprit = |lacks: &[&Need]| {
                commands
                    .iter()
                    .find(|d| {
                        let own = grants_for(std::slice::from_ref(&d.plugin))
                            .map(|g| g.why)
                            .collect::<Vec<_>>();
                        lacks.iter().any(|n| own.contains(&n.why))
                    })
                    .unwrap_or(first)
            };
            if let Some((role_doc, _, _)) = candidates.iter().find(|(_, l, _)| l.is_empty()) {
                out.push(
                    cx.at_value(
                        &Self::META,
                        role_doc,
                        "/metadata/name",
                        format!(
                            "Role `{}` grants what `{}` needs on Rollout `{ro_name}`, but no RoleBinding in {} binds it",
                            name_of(role_doc),
                            first.text(),
                            where_()
                        ),
                    )
                    .with_help(format!(
                        "add a RoleBinding with `roleRef: {{kind: Role, name: {}}}` for the CI identity",
                        name_of(role_doc)
                    ))
                    .with_related(first.related(cx)),
                );
                continue;
            }
            let best = candidates
                .iter()
                .max_by_key(|(_, l, b)| (needs.len() - l.len(), *b));
            if let Some((role_doc, lacks, _)) = best {
                let d = culprit(lacks);
                out.push(
                    cx.at_value(
                        &Self::META,
                        role_doc,
                        "/metadata/name",
                        format!(
                            "Role `{}` lacks {}, which `{}` in CI needs for Rollout `{ro_name}`",
                            name_of(role_doc),
                            describe(lacks),
                            d.text()
                        ),
                    )
                    .with_help(format!(
                        "grant them (list/watch without resourceNames); why: {}",
                        reasons(lacks)
                    ))
                    .with_related(d.related(cx)),
                );
                continue;
            }
            let all: Vec<&Need> = needs.iter().collect();
            out.push(
                Diagnostic::new(
                    &Self::META,
                    first.file(cx),
                    first.span(cx),
                    format!(
                        "CI runs `{}`, but no Role in {} grants what it needs: {}",
                        first.text(),
                        where_(),
                        describe(&all)
                    ),
                )
                .with_help(format!(
                    "add a Role in {} with those rules, and a RoleBinding for the CI identity: {}",
                    where_(),
                    reasons(&all)
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

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str], names: &[&str]) -> PolicyRule {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        PolicyRule {
            api_groups: Some(own(groups)),
            resources: Some(own(resources)),
            verbs: own(verbs),
            resource_names: (!names.is_empty()).then(|| own(names)),
            ..Default::default()
        }
    }

    fn role(rules: Vec<PolicyRule>) -> Role {
        Role {
            rules: Some(rules),
            ..Default::default()
        }
    }

    #[test]
    fn a_name_limited_rule_does_not_count_for_list_or_watch() {
        let needs = needs(&[PluginCommand::Status], "api", Some("api"));
        let limited = role(vec![rule(&["*"], &["*"], &["list", "watch"], &["api"])]);
        assert_eq!(missing(&limited, &needs).len(), needs.len());
        let wide = role(vec![rule(&["*"], &["*"], &["list", "watch"], &[])]);
        assert!(missing(&wide, &needs).is_empty());
    }

    #[test]
    fn set_image_accepts_a_rule_naming_the_deployment_only() {
        let needs = needs(&[PluginCommand::SetImage], "api", Some("api-deploy"));
        let base = rule(&["argoproj.io"], &["rollouts"], &["get"], &[]);
        let named = role(vec![
            base.clone(),
            rule(
                &["apps"],
                &["deployments"],
                &["get", "update"],
                &["api-deploy"],
            ),
        ]);
        assert!(missing(&named, &needs).is_empty());
        let other = role(vec![
            base,
            rule(&["apps"], &["deployments"], &["get", "update"], &["other"]),
        ]);
        let lacks = missing(&other, &needs);
        assert_eq!(
            describe(&lacks),
            "get, update on apps deployments `api-deploy`"
        );
    }

    #[test]
    fn verbs_are_unioned_across_rules() {
        let needs = needs(&[PluginCommand::Abort], "api", None);
        let r = role(vec![
            rule(&["argoproj.io"], &["rollouts"], &["get", "patch"], &[]),
            rule(&["argoproj.io"], &["rollouts/status"], &["*"], &[]),
        ]);
        assert!(missing(&r, &needs).is_empty());
        let without = role(vec![rule(&["argoproj.io"], &["rollouts"], &["*"], &[])]);
        assert_eq!(
            describe(&missing(&without, &needs)),
            "patch on argoproj.io rollouts/status `api`"
        );
    }
}

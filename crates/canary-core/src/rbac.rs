//! The RBAC grants a CI deployer needs to drive a Rollout with the `kubectl argo rollouts`
//! plugin. One table: `canary-gen` renders its deployer Role from it (the grants of
//! [`CI_COMMANDS`]) and `canary-lint`'s CL901 checks a repo's Roles against it (the grants
//! of the commands a workflow runs), so the two tools cannot disagree.
//!
//! Sources (argoproj/argo-rollouts, checked at `9f8d111d`, unchanged in v1.9.1):
//! - `status`: `pkg/kubectl-argo-rollouts/viewcontroller/viewcontroller.go`
//!   `newViewController` starts namespace-wide informers (no field or label selector) on
//!   rollouts, replicasets, pods, deployments, experiments and analysisruns; `Start` waits
//!   for their caches, and `cmd/status/status.go` starts its `--timeout` clock only after
//!   that, so a forbidden list hangs `status` for ever.
//! - `set image`: `pkg/kubectl-argo-rollouts/cmd/set/set_image.go` `SetImage` GETs the
//!   Rollout, then on a workloadRef Rollout GETs and UPDATEs (PUT) the Deployment.
//! - `abort`, `retry rollout`: `cmd/abort/abort.go` `AbortRollout`, `cmd/retry/retry.go`
//!   `RetryRollout` PATCH `rollouts/status`. `promote`: `cmd/promote/promote.go`
//!   `PromoteRollout` GETs the Rollout, PATCHes `rollouts/status` and, when `spec.paused`,
//!   PATCHes `rollouts`.
//! - Kubernetes RBAC ("Referring to resources"): a `resourceNames` rule authorizes a
//!   list/watch only with a matching `metadata.name` field selector, which the informers
//!   never send, so list/watch grants must be namespace-wide.

/// A `kubectl argo rollouts` command whose API calls the table covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PluginCommand {
    /// `status <rollout>`.
    Status,
    /// `set image <rollout> ...` on a Rollout with `spec.workloadRef`.
    SetImage,
    /// `set image <rollout> ...` on a Rollout with its own pod template.
    SetImageInline,
    /// `promote <rollout>`.
    Promote,
    /// `abort <rollout>`.
    Abort,
    /// `retry rollout <rollout>`.
    Retry,
}

impl PluginCommand {
    /// The command as typed after `kubectl argo rollouts`.
    pub fn as_str(self) -> &'static str {
        match self {
            PluginCommand::Status => "status",
            PluginCommand::SetImage | PluginCommand::SetImageInline => "set image",
            PluginCommand::Promote => "promote",
            PluginCommand::Abort => "abort",
            PluginCommand::Retry => "retry rollout",
        }
    }
}

/// The commands the workflow canary-gen renders runs: `set image`, then `status`. The
/// deployer Role holds their grants only; `promote`, `abort` and `retry` are run by an
/// operator with their own credentials (the runbook), so CI is not given `rollouts/status`.
pub const CI_COMMANDS: [PluginCommand; 2] = [PluginCommand::SetImage, PluginCommand::Status];

/// One rule of the deployer Role: verbs on resources of one API group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// API group (`""` is the core group).
    pub api_group: &'static str,
    /// Resources in that group.
    pub resources: &'static [&'static str],
    /// Verbs on them.
    pub verbs: &'static [&'static str],
    /// Restricted to the Rollout's workload (its Deployment) through `resourceNames`. Never
    /// set on a list/watch grant: such a rule would not authorize the informers.
    pub workload_only: bool,
    /// The commands that make these calls.
    pub needed_by: &'static [PluginCommand],
    /// Which plugin command needs it, and for what (rendered next to the rule).
    pub why: &'static str,
}

impl Grant {
    /// Whether one of `commands` needs this grant.
    pub fn needed_by_any(&self, commands: &[PluginCommand]) -> bool {
        self.needed_by.iter().any(|c| commands.contains(c))
    }
}

use PluginCommand::{Abort, Promote, Retry, SetImage, SetImageInline, Status};

/// Every grant the table knows, in the order they are rendered.
pub const DEPLOYER_GRANTS: [Grant; 8] = [
    Grant {
        api_group: "argoproj.io",
        resources: &["rollouts"],
        verbs: &["get"],
        workload_only: false,
        needed_by: &[SetImage, SetImageInline, Promote],
        why: "set image and promote GET the Rollout (set_image.go SetImage, promote.go PromoteRollout)",
    },
    Grant {
        api_group: "argoproj.io",
        resources: &["rollouts", "analysisruns", "experiments"],
        verbs: &["list", "watch"],
        workload_only: false,
        needed_by: &[Status],
        why: "status list/watches these namespace-wide and waits for their caches before its --timeout starts (viewcontroller.go newViewController)",
    },
    Grant {
        api_group: "apps",
        resources: &["replicasets", "deployments"],
        verbs: &["list", "watch"],
        workload_only: false,
        needed_by: &[Status],
        why: "status list/watches these namespace-wide and reads the workloadRef Deployment from that cache (viewcontroller.go newViewController, GetRolloutInfo)",
    },
    Grant {
        api_group: "",
        resources: &["pods"],
        verbs: &["list", "watch"],
        workload_only: false,
        needed_by: &[Status],
        why: "status list/watches pods namespace-wide and waits for that cache (viewcontroller.go newViewController)",
    },
    Grant {
        api_group: "apps",
        resources: &["deployments"],
        verbs: &["get", "update"],
        workload_only: true,
        needed_by: &[SetImage],
        why: "set image on a workloadRef Rollout GETs the Deployment and UPDATEs (PUT) its pod template (set_image.go SetImage)",
    },
    Grant {
        api_group: "argoproj.io",
        resources: &["rollouts"],
        verbs: &["update"],
        workload_only: false,
        needed_by: &[SetImageInline],
        why: "set image on a Rollout without workloadRef UPDATEs (PUT) the Rollout (set_image.go SetImage)",
    },
    Grant {
        api_group: "argoproj.io",
        resources: &["rollouts/status"],
        verbs: &["patch"],
        workload_only: false,
        needed_by: &[Promote, Abort, Retry],
        why: "promote, abort and retry PATCH the status subresource (promote.go PromoteRollout, abort.go AbortRollout, retry.go RetryRollout)",
    },
    Grant {
        api_group: "argoproj.io",
        resources: &["rollouts"],
        verbs: &["patch"],
        workload_only: false,
        needed_by: &[Promote],
        why: "promote PATCHes spec.paused on a paused Rollout (promote.go getPatches)",
    },
];

/// The grants `commands` need, in table order.
pub fn grants_for(commands: &[PluginCommand]) -> impl Iterator<Item = &'static Grant> + '_ {
    DEPLOYER_GRANTS
        .iter()
        .filter(move |g| g.needed_by_any(commands))
}

/// List and watch cannot be limited by `resourceNames` for a client that sends no
/// `metadata.name` field selector (Kubernetes RBAC docs, "Referring to resources").
pub fn is_collection_verb(verb: &str) -> bool {
    matches!(verb, "list" | "watch")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The informers `newViewController` starts (argo-rollouts
    /// `pkg/kubectl-argo-rollouts/viewcontroller/viewcontroller.go`, L102-107 at `9f8d111d`).
    const STATUS_INFORMERS: [(&str, &str); 6] = [
        ("argoproj.io", "rollouts"),
        ("apps", "replicasets"),
        ("", "pods"),
        ("apps", "deployments"),
        ("argoproj.io", "experiments"),
        ("argoproj.io", "analysisruns"),
    ];

    fn covers(commands: &[PluginCommand], group: &str, resource: &str, verb: &str) -> bool {
        grants_for(commands).any(|g| {
            g.api_group == group && g.resources.contains(&resource) && g.verbs.contains(&verb)
        })
    }

    #[test]
    fn status_can_list_and_watch_every_informer_namespace_wide() {
        for (group, resource) in STATUS_INFORMERS {
            for verb in ["list", "watch"] {
                assert!(
                    covers(&[Status], group, resource, verb),
                    "{verb} {group}/{resource}"
                );
            }
        }
        for g in grants_for(&[Status]) {
            assert!(!g.workload_only, "{g:?}");
        }
    }

    #[test]
    fn set_image_gets_the_rollout_and_gets_and_updates_the_deployment() {
        assert!(covers(&[SetImage], "argoproj.io", "rollouts", "get"));
        assert!(covers(&[SetImage], "apps", "deployments", "get"));
        assert!(covers(&[SetImage], "apps", "deployments", "update"));
        assert!(!covers(&[SetImage], "apps", "deployments", "patch"));
    }

    #[test]
    fn ci_is_not_given_the_status_subresource() {
        assert!(!covers(
            &CI_COMMANDS,
            "argoproj.io",
            "rollouts/status",
            "patch"
        ));
        for c in [Promote, Abort, Retry] {
            assert!(covers(&[c], "argoproj.io", "rollouts/status", "patch"));
        }
    }

    #[test]
    fn no_name_limited_grant_lists_or_watches() {
        for g in DEPLOYER_GRANTS.iter().filter(|g| g.workload_only) {
            assert!(!g.verbs.iter().any(|v| is_collection_verb(v)), "{g:?}");
        }
    }
}

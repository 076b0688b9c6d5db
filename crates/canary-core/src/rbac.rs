//! The RBAC grants a CI deployer needs to drive a Rollout with the `kubectl argo rollouts`
//! plugin. One table: `canary-gen` renders its deployer Role from it and `canary-lint`'s CL901
//! checks a repo's Roles against it, so the two tools cannot disagree.

/// One rule of the deployer Role: verbs on resources of one API group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// API group (`""` is the core group).
    pub api_group: &'static str,
    /// Resources in that group.
    pub resources: &'static [&'static str],
    /// Verbs on them.
    pub verbs: &'static [&'static str],
    /// Restricted to the Rollout's workload (its Deployment) through `resourceNames`.
    pub workload_only: bool,
    /// Which plugin command needs it, and for what.
    pub why: &'static str,
}

/// The grants the deployer Role holds, in the order they are rendered.
pub const DEPLOYER_GRANTS: [Grant; 5] = [
    Grant {
        api_group: "argoproj.io",
        resources: &["rollouts"],
        verbs: ROLLOUT_VERBS,
        workload_only: false,
        why: "status gets and watches the Rollout; promote, abort and retry patch or update it",
    },
    Grant {
        api_group: "argoproj.io",
        resources: &["analysisruns", "analysistemplates"],
        verbs: &["get", "list", "watch"],
        workload_only: false,
        why: "status shows the Rollout's analysis",
    },
    Grant {
        api_group: "apps",
        resources: &["deployments"],
        verbs: &["get", "update", "patch"],
        workload_only: true,
        why: "set image on a workloadRef Rollout changes the Deployment's pod template",
    },
    Grant {
        api_group: "apps",
        resources: &["replicasets"],
        verbs: &["get", "list", "watch"],
        workload_only: false,
        why: "status shows the Rollout's ReplicaSets",
    },
    Grant {
        api_group: "",
        resources: &["pods"],
        verbs: &["get", "list", "watch"],
        workload_only: false,
        why: "status shows the Rollout's pods",
    },
];

/// The verbs the plugin needs on `argoproj.io` `rollouts` across its commands.
pub const ROLLOUT_VERBS: &[&str] = &["get", "list", "watch", "update", "patch"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rollouts_grant_is_the_one_cl901_checks() {
        let rollouts: Vec<_> = DEPLOYER_GRANTS
            .iter()
            .filter(|g| g.api_group == "argoproj.io" && g.resources.contains(&"rollouts"))
            .collect();
        assert_eq!(rollouts.len(), 1);
        assert_eq!(rollouts[0].verbs, ROLLOUT_VERBS);
    }
}

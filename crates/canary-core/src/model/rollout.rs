//! The Argo Rollouts `Rollout` (argoproj.io/v1alpha1), canary strategy.
//!
//! Field names and types follow `pkg/apis/rollouts/v1alpha1/types.go` (Argo Rollouts v1.9).
//! Unknown fields are ignored when reading; strict checking is the CRD schema's job.
//!
//! Fields that are rarely set and wide inline (the opaque routers and step kinds, the inline
//! pod template, a step's analysis) are boxed: an absent one then costs 8 bytes instead of up
//! to 1.8 KB, which keeps a typed Rollout of a large repo small (see docs/benchmarks.md).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::values::{IntOrString, PauseDuration};

/// API version of every Argo Rollouts kind.
pub const ARGO_API_VERSION: &str = "argoproj.io/v1alpha1";

/// A Rollout object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rollout {
    /// Always `argoproj.io/v1alpha1`.
    pub api_version: String,
    /// Always `Rollout`.
    pub kind: String,
    /// Name, namespace, labels.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The desired state.
    #[serde(default)]
    pub spec: RolloutSpec,
}

/// `Rollout.spec`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutSpec {
    /// Desired pods. The controller writes 1 back when absent, even with workloadRef.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// Pod selector; copied from the workloadRef target when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// Inline pod template; must be empty with workloadRef.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Box<PodTemplateSpec>>,
    /// The Deployment (or ReplicaSet, PodTemplate) whose pod template this Rollout uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_ref: Option<ObjectRef>,
    /// Seconds a new pod must be ready before it counts as available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ready_seconds: Option<i32>,
    /// Old ReplicaSets kept; default 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i32>,
    /// Seconds without progress before the Rollout is Degraded; default 600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_deadline_seconds: Option<i32>,
    /// Abort when the progress deadline passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_deadline_abort: Option<bool>,
    /// Pause the whole Rollout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<bool>,
    /// Canary or blue-green.
    #[serde(default)]
    pub strategy: RolloutStrategy,
    /// AnalysisRun history limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Box<Value>>,
    /// Restart pods at this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_at: Option<String>,
    /// Fast rollback window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_window: Option<Box<Value>>,
}

/// `workloadRef`: `{apiVersion, kind, name, scaleDown}`, all optional in the CRD.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    /// `apps/v1` for a Deployment. Omitted, the group resolves to "" and the kind is unsupported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `Deployment`, `ReplicaSet` or `PodTemplate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name of the object in the Rollout's namespace.
    #[serde(default)]
    pub name: String,
    /// `never`, `onsuccess` or `progressively`, case-sensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down: Option<String>,
}

/// The three `workloadRef.scaleDown` values the controller compares against
/// (`types.go`, `ScaleDownNever` / `ScaleDownOnSuccess` / `ScaleDownProgressively`).
pub const SCALE_DOWN_VALUES: [&str; 3] = ["never", "onsuccess", "progressively"];

/// `spec.strategy`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutStrategy {
    /// The canary strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<CanaryStrategy>,
    /// Blue-green, kept opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blue_green: Option<Box<Value>>,
}

/// `spec.strategy.canary` (`CanaryStrategy`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryStrategy {
    /// Service the controller points at the canary ReplicaSet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_service: Option<String>,
    /// Service the controller points at the stable ReplicaSet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stable_service: Option<String>,
    /// The ladder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<CanaryStep>>,
    /// nginx and the other routers; absent means a basic (replica-weighted) canary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_routing: Option<TrafficRouting>,
    /// Extra pods during an update; every string is a percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<IntOrString>,
    /// Pods that may be unavailable; every string is a percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
    /// Background analysis that runs for the whole update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<RolloutAnalysisBackground>,
    /// Needs traffic routing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down_delay_seconds: Option<i32>,
    /// Limit of old ReplicaSets kept scaled up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down_delay_revision_limit: Option<i32>,
    /// Delay before the canary is scaled down after an abort.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort_scale_down_delay_seconds: Option<i32>,
    /// Needs traffic routing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic_stable_scale: Option<bool>,
    /// Minimum pods per ReplicaSet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_pods_per_replica_set: Option<i32>,
    /// Labels and annotations added to canary pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_metadata: Option<PodMetadata>,
    /// Labels and annotations added to stable pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stable_metadata: Option<PodMetadata>,
    /// Anti-affinity, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anti_affinity: Option<Box<Value>>,
    /// Ping-pong services, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ping_pong: Option<Box<Value>>,
    /// Replica progress threshold, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_progress_threshold: Option<Box<Value>>,
}

/// Labels and annotations for canary or stable pods.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PodMetadata {
    /// Labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// One canary step. Argo requires exactly one field per step; the struct keeps them all so a
/// linter can report a step that sets two.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryStep {
    /// Target canary weight, 0..=100 (or maxTrafficWeight).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_weight: Option<i32>,
    /// Wait; no duration means wait for `promote`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<RolloutPause>,
    /// An inline analysis gate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Box<RolloutAnalysis>>,
    /// Scale the canary independently of the traffic weight (needs traffic routing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_canary_scale: Option<SetCanaryScale>,
    /// An experiment, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment: Option<Box<Value>>,
    /// Header routing, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_header_route: Option<Box<Value>>,
    /// Mirror routing, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_mirror_route: Option<Box<Value>>,
    /// A step plugin, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<Box<Value>>,
}

/// The kinds a canary step can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StepKind {
    /// `setWeight`.
    SetWeight,
    /// `pause`.
    Pause,
    /// `analysis`.
    Analysis,
    /// `setCanaryScale`.
    SetCanaryScale,
    /// `experiment`.
    Experiment,
    /// `setHeaderRoute`.
    SetHeaderRoute,
    /// `setMirrorRoute`.
    SetMirrorRoute,
    /// `plugin`.
    Plugin,
}

impl StepKind {
    /// The YAML key of this step kind.
    pub fn key(self) -> &'static str {
        match self {
            StepKind::SetWeight => "setWeight",
            StepKind::Pause => "pause",
            StepKind::Analysis => "analysis",
            StepKind::SetCanaryScale => "setCanaryScale",
            StepKind::Experiment => "experiment",
            StepKind::SetHeaderRoute => "setHeaderRoute",
            StepKind::SetMirrorRoute => "setMirrorRoute",
            StepKind::Plugin => "plugin",
        }
    }
}

impl CanaryStep {
    /// Every step type this step sets, in declaration order.
    pub fn kinds(&self) -> Vec<StepKind> {
        let mut kinds = Vec::new();
        let pairs = [
            (self.set_weight.is_some(), StepKind::SetWeight),
            (self.pause.is_some(), StepKind::Pause),
            (self.analysis.is_some(), StepKind::Analysis),
            (self.set_canary_scale.is_some(), StepKind::SetCanaryScale),
            (self.experiment.is_some(), StepKind::Experiment),
            (self.set_header_route.is_some(), StepKind::SetHeaderRoute),
            (self.set_mirror_route.is_some(), StepKind::SetMirrorRoute),
            (self.plugin.is_some(), StepKind::Plugin),
        ];
        for (set, kind) in pairs {
            if set {
                kinds.push(kind);
            }
        }
        kinds
    }

    /// A `setWeight` step.
    pub fn set_weight(weight: i32) -> Self {
        CanaryStep {
            set_weight: Some(weight),
            ..Default::default()
        }
    }

    /// A timed pause.
    pub fn pause_for(seconds: u64) -> Self {
        CanaryStep {
            pause: Some(RolloutPause {
                duration: Some(PauseDuration::from_seconds(seconds)),
            }),
            ..Default::default()
        }
    }
}

/// `pause: {duration}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RolloutPause {
    /// Absent: wait until someone runs `kubectl argo rollouts promote`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<PauseDuration>,
}

/// `setCanaryScale`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetCanaryScale {
    /// Canary pods as a percentage of spec.replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
    /// Absolute canary pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// Follow the traffic weight again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_traffic_weight: Option<bool>,
}

/// An inline `analysis` step (`RolloutAnalysis`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutAnalysis {
    /// Templates merged into one AnalysisRun.
    #[serde(default)]
    pub templates: Vec<AnalysisTemplateRef>,
    /// Values for the templates' args.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<AnalysisRunArgument>>,
    /// Metrics evaluated without affecting the outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<Vec<Value>>,
    /// Measurement retention, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement_retention: Option<Vec<Value>>,
    /// Labels and annotations for the AnalysisRun.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis_run_metadata: Option<PodMetadata>,
}

/// `spec.strategy.canary.analysis`: background analysis.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutAnalysisBackground {
    /// Templates, args, dry-run: as for an inline step.
    #[serde(flatten)]
    pub analysis: RolloutAnalysis,
    /// Step index at which background analysis starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_step: Option<i32>,
}

/// A reference to an AnalysisTemplate or ClusterAnalysisTemplate.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisTemplateRef {
    /// Template name.
    #[serde(default)]
    pub template_name: String,
    /// True for a ClusterAnalysisTemplate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_scope: Option<bool>,
}

/// A Rollout-side analysis argument (`AnalysisRunArgument`): a value, or a value taken from
/// the pod template hash or a field of the Rollout. There is no `secretKeyRef` here.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisRunArgument {
    /// Arg name, matching the template's.
    #[serde(default)]
    pub name: String,
    /// Literal value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Computed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<ArgumentValueFrom>,
}

/// `valueFrom` on the Rollout side.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArgumentValueFrom {
    /// `Stable` or `Latest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_template_hash_value: Option<String>,
    /// A downward-API style field path of the Rollout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_ref: Option<FieldRef>,
}

/// `fieldRef: {fieldPath}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldRef {
    /// e.g. `metadata.labels['app']`.
    #[serde(default)]
    pub field_path: String,
}

/// `trafficRouting`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficRouting {
    /// ingress-nginx.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nginx: Option<NginxTrafficRouting>,
    /// Upper bound for setWeight; nginx and plugins only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_traffic_weight: Option<i32>,
    /// Istio, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub istio: Option<Box<Value>>,
    /// AWS ALB, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alb: Option<Box<Value>>,
    /// SMI, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smi: Option<Box<Value>>,
    /// Ambassador, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ambassador: Option<Box<Value>>,
    /// App Mesh, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_mesh: Option<Box<Value>>,
    /// Traefik, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traefik: Option<Box<Value>>,
    /// Apisix, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apisix: Option<Box<Value>>,
    /// Router plugins, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugins: Option<Box<Value>>,
    /// Managed routes, opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_routes: Option<Box<Value>>,
}

/// `trafficRouting.nginx` (`NginxTrafficRouting`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NginxTrafficRouting {
    /// Annotation prefix; default `nginx.ingress.kubernetes.io`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation_prefix: Option<String>,
    /// The Ingress that routes to stableService.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stable_ingress: Option<String>,
    /// Several Ingresses (v1.5+); exclusive with stableIngress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stable_ingresses: Option<Vec<String>>,
    /// Added to the canary Ingress, keys prefixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_ingress_annotations: Option<BTreeMap<String, String>>,
    /// Added to the canary Ingress verbatim (v1.8+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_ingress_annotations: Option<BTreeMap<String, String>>,
}

impl NginxTrafficRouting {
    /// Every Ingress name the Rollout names, whichever field holds it.
    pub fn ingress_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.stable_ingress.iter().map(String::as_str).collect();
        if let Some(list) = &self.stable_ingresses {
            names.extend(list.iter().map(String::as_str));
        }
        names
    }
}

impl TrafficRouting {
    /// Does any router need `canaryService` and `stableService` (validation.go:238-258)?
    pub fn requires_services(&self) -> bool {
        self.nginx.is_some()
            || self.smi.is_some()
            || self.ambassador.is_some()
            || self.app_mesh.is_some()
            || self.traefik.is_some()
            || self.apisix.is_some()
    }
}

/// An `argoproj.io` Experiment: only what the analysis checks read (its `analyses`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Experiment {
    /// Name and namespace.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The analyses.
    #[serde(default)]
    pub spec: ExperimentSpec,
}

/// `ExperimentSpec`, the part the analysis checks read.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExperimentSpec {
    /// One AnalysisRun per entry, each from one template.
    #[serde(default)]
    pub analyses: Vec<ExperimentAnalysis>,
}

/// `ExperimentAnalysisTemplateRef`: one analysis of an Experiment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExperimentAnalysis {
    /// The analysis name.
    #[serde(default)]
    pub name: String,
    /// The template's name.
    #[serde(default)]
    pub template_name: String,
    /// True for a ClusterAnalysisTemplate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_scope: Option<bool>,
    /// Values for the template's args (`value`, or `valueFrom` a secret or a field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<AnalysisRunArgument>>,
}

impl ExperimentAnalysis {
    /// The analysis as the one-template `RolloutAnalysis` it amounts to: the experiment
    /// controller creates its AnalysisRun from the template and these args the way a Rollout
    /// step does (argo-rollouts `experiments/experiment.go`, `newAnalysisRun` →
    /// `analysisutil.NewAnalysisRunFromTemplates`).
    pub fn as_rollout_analysis(&self) -> RolloutAnalysis {
        RolloutAnalysis {
            templates: vec![AnalysisTemplateRef {
                template_name: self.template_name.clone(),
                cluster_scope: self.cluster_scope,
            }],
            args: self.args.clone(),
            ..RolloutAnalysis::default()
        }
    }
}

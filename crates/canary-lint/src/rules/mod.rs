//! The rule table. One file per rule; add a rule by declaring it in its own file with
//! `declare_rule!`, implementing `Rule`, and listing it in `ALL` in code order.

pub mod analysis_arg_unused;
pub mod analysis_args_supplied;
pub mod analysis_gate_before_full;
pub mod analysis_placeholders_declared;
pub mod analysis_template_exists;
pub mod canary_services_exist;
pub mod ci_deployment_status_false_green;
pub mod ci_indefinite_pause;
pub mod ci_job_timeout;
pub mod ci_plugin_install;
pub mod ci_rbac_rollouts;
pub mod ci_status_before_controller_sees_image;
pub mod ci_status_timeout_covers_ladder;
pub mod ci_status_without_timeout;
pub mod crd_schema;
pub mod effective_weight;
pub mod input;
pub mod kubectl_yaml11_reading;
pub mod metric_count_limits;
pub mod metric_durations;
pub mod metric_job_condition;
pub mod metric_names_unique;
pub mod metric_one_provider;
pub mod metric_terminates;
pub mod nginx_canary_service_port;
pub mod nginx_ingress_routes_to_stable;
pub mod nginx_stable_ingress;
pub mod nginx_stable_ingress_not_canary;
pub mod nr_alert_delay_timer;
pub mod nr_alert_enums;
pub mod nr_alert_query_clauses;
pub mod nr_alert_terms;
pub mod nr_alert_threshold_duration;
pub mod nr_alert_value_function;
pub mod nr_analysis_result_keys;
pub mod nr_analysis_result_shape;
pub mod nr_analysis_since;
pub mod nr_dashboard_widgets;
pub mod pause_duration;
pub mod prometheus_many_series;
pub mod prometheus_nan_guard;
pub mod prometheus_result_shape;
pub mod promql_canary_scoped;
pub mod promql_job_defined;
pub mod promql_parses;
pub mod quoted_max_surge;
pub mod reference_ambiguous;
pub mod rollout_one_strategy;
pub mod routing_only_fields;
pub mod service_selector_matches_pods;
pub mod service_target_port;
pub mod services_required_for_routing;
pub mod set_weight_range;
pub mod step_one_type;
pub mod suppression;
pub mod workload_ref_api_version_kind;
pub mod workload_ref_replicas;
pub mod workload_ref_scale_down;
pub mod workload_ref_selector;
pub mod workload_ref_target_exists;
pub mod workload_ref_template_empty;

use crate::rule::Rule;
use input::{HelmChartSkipped, InputLimit, InvalidObject, ParseError};
use suppression::{SuppressionWithoutReason, UnusedSuppression};

pub use analysis_arg_unused::AnalysisArgUnused;
pub use analysis_args_supplied::AnalysisArgsSupplied;
pub use analysis_gate_before_full::AnalysisGateBeforeFull;
pub use analysis_placeholders_declared::AnalysisPlaceholdersDeclared;
pub use analysis_template_exists::AnalysisTemplateExists;
pub use canary_services_exist::CanaryServicesExist;
pub use ci_deployment_status_false_green::CiDeploymentStatusFalseGreen;
pub use ci_indefinite_pause::CiIndefinitePause;
pub use ci_job_timeout::CiJobTimeout;
pub use ci_plugin_install::CiPluginInstall;
pub use ci_rbac_rollouts::CiRbacRollouts;
pub use ci_status_before_controller_sees_image::CiStatusBeforeControllerSeesImage;
pub use ci_status_timeout_covers_ladder::CiStatusTimeoutCoversLadder;
pub use ci_status_without_timeout::CiStatusWithoutTimeout;
pub use effective_weight::EffectiveWeight;
pub use metric_count_limits::MetricCountLimits;
pub use metric_durations::MetricDurations;
pub use metric_job_condition::MetricJobCondition;
pub use metric_names_unique::MetricNamesUnique;
pub use metric_one_provider::MetricOneProvider;
pub use metric_terminates::MetricTerminates;
pub use nginx_canary_service_port::NginxCanaryServicePort;
pub use nginx_ingress_routes_to_stable::NginxIngressRoutesToStable;
pub use nginx_stable_ingress::NginxStableIngress;
pub use nginx_stable_ingress_not_canary::NginxStableIngressNotCanary;
pub use nr_alert_delay_timer::NrAlertDelayTimer;
pub use nr_alert_enums::NrAlertEnums;
pub use nr_alert_query_clauses::NrAlertQueryClauses;
pub use nr_alert_terms::NrAlertTerms;
pub use nr_alert_threshold_duration::NrAlertThresholdDuration;
pub use nr_alert_value_function::NrAlertValueFunction;
pub use nr_analysis_result_keys::NrAnalysisResultKeys;
pub use nr_analysis_result_shape::NrAnalysisResultShape;
pub use nr_analysis_since::NrAnalysisSince;
pub use nr_dashboard_widgets::NrDashboardWidgets;
pub use pause_duration::PauseDuration;
pub use prometheus_many_series::PrometheusManySeries;
pub use prometheus_nan_guard::PrometheusNanGuard;
pub use prometheus_result_shape::PrometheusResultShape;
pub use promql_canary_scoped::PromqlCanaryScoped;
pub use promql_job_defined::PromqlJobDefined;
pub use promql_parses::PromqlParses;
pub use quoted_max_surge::QuotedMaxSurge;
pub use rollout_one_strategy::RolloutOneStrategy;
pub use routing_only_fields::RoutingOnlyFields;
pub use service_selector_matches_pods::ServiceSelectorMatchesPods;
pub use service_target_port::ServiceTargetPort;
pub use services_required_for_routing::ServicesRequiredForRouting;
pub use set_weight_range::SetWeightRange;
pub use step_one_type::StepOneType;
pub use workload_ref_api_version_kind::WorkloadRefApiVersionKind;
pub use workload_ref_replicas::WorkloadRefReplicas;
pub use workload_ref_scale_down::WorkloadRefScaleDown;
pub use workload_ref_selector::WorkloadRefSelector;
pub use workload_ref_target_exists::WorkloadRefTargetExists;
pub use workload_ref_template_empty::WorkloadRefTemplateEmpty;

/// Every rule, sorted by code (a unit test enforces it).
pub static ALL: &[&dyn Rule] = &[
    &ParseError,
    &InputLimit,
    &InvalidObject,
    &SuppressionWithoutReason,
    &UnusedSuppression,
    &crd_schema::CrdSchema,
    &HelmChartSkipped,
    &kubectl_yaml11_reading::KubectlYaml11Reading,
    &reference_ambiguous::ReferenceAmbiguous,
    &WorkloadRefTargetExists,
    &WorkloadRefApiVersionKind,
    &WorkloadRefTemplateEmpty,
    &WorkloadRefScaleDown,
    &WorkloadRefReplicas,
    &WorkloadRefSelector,
    &CanaryServicesExist,
    &ServiceSelectorMatchesPods,
    &ServiceTargetPort,
    &ServicesRequiredForRouting,
    &NginxStableIngress,
    &NginxIngressRoutesToStable,
    &NginxCanaryServicePort,
    &NginxStableIngressNotCanary,
    &StepOneType,
    &SetWeightRange,
    &PauseDuration,
    &RoutingOnlyFields,
    &QuotedMaxSurge,
    &AnalysisGateBeforeFull,
    &RolloutOneStrategy,
    &AnalysisTemplateExists,
    &AnalysisArgsSupplied,
    &AnalysisPlaceholdersDeclared,
    &MetricNamesUnique,
    &MetricOneProvider,
    &MetricTerminates,
    &MetricCountLimits,
    &MetricDurations,
    &AnalysisArgUnused,
    &MetricJobCondition,
    &PromqlParses,
    &PromqlJobDefined,
    &PrometheusNanGuard,
    &PrometheusResultShape,
    &PrometheusManySeries,
    &PromqlCanaryScoped,
    &NrAlertEnums,
    &NrAlertTerms,
    &NrAlertThresholdDuration,
    &NrAlertDelayTimer,
    &NrAlertQueryClauses,
    &NrAlertValueFunction,
    &NrAnalysisSince,
    &NrAnalysisResultKeys,
    &NrDashboardWidgets,
    &NrAnalysisResultShape,
    &CiStatusTimeoutCoversLadder,
    &CiStatusWithoutTimeout,
    &CiIndefinitePause,
    &CiJobTimeout,
    &CiPluginInstall,
    &CiDeploymentStatusFalseGreen,
    &CiStatusBeforeControllerSeesImage,
    &CiRbacRollouts,
    &EffectiveWeight,
];

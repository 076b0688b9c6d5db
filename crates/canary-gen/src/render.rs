//! Turning a bundle into files: minijinja templates for YAML and Markdown (every value
//! JSON-escaped, so no string reaches YAML unquoted), serde_json for JSON. Every YAML file is
//! parsed back and compared with the model before anything is returned.

use minijinja::{Environment, Error as TemplateError, ErrorKind, Value as TplValue};
use serde::Serialize;
use serde_json::{Value, json};

use crate::bundle::Bundle;
use crate::spec::{NoData, Provider, Routing, ScaleDown};
use canary_core::ladder::EFFECTIVE_WEIGHT_RULE;
use canary_core::ladder::PodSplit;
use canary_core::located::{Limits, load_str};
use canary_core::model::values::format_go_duration;

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// Path relative to the output directory, `/`-separated.
    pub path: String,
    /// What the file is, for the runbook and `--help`.
    pub what: String,
    /// The text.
    pub contents: String,
    /// Part of the Kubernetes manifest stream (stdout).
    pub is_manifest: bool,
}

/// Why rendering failed; nothing is written when it does.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template failed to render.
    #[error("template {name}: {source}")]
    Template {
        /// Template name.
        name: String,
        /// The minijinja error.
        source: TemplateError,
    },
    /// The output did not read back as the model (a generator bug; please report it).
    #[error(
        "self-check failed for {path}: {detail}. Nothing was written; this is a canary-gen bug, please report it with your canary.yaml"
    )]
    SelfCheck {
        /// The file.
        path: String,
        /// What differed.
        detail: String,
    },
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Is `text` safe as a YAML literal block (`|`), keeping exactly its content?
fn literal_block_safe(text: &str) -> bool {
    text.ends_with('\n')
        && !text.ends_with("\n\n")
        && !text.starts_with([' ', '\t', '\n'])
        && text
            .chars()
            .all(|c| c == '\n' || c == '\t' || !(c.is_control() || needs_yaml_escape(c)))
}

/// `{{ text|block(8) }}`: a literal block scalar indented by `indent`, or a JSON string when
/// the text cannot be a literal block without changing it.
fn block_filter(text: String, indent: usize) -> Result<TplValue, TemplateError> {
    if literal_block_safe(&text) {
        let pad = " ".repeat(indent);
        let mut out = String::from("|");
        for line in text.trim_end_matches('\n').split('\n') {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&pad);
                out.push_str(line);
            }
        }
        Ok(TplValue::from_safe_string(out))
    } else {
        serde_json::to_string(&text)
            .map(|json| TplValue::from_safe_string(yaml_safe_json(&json)))
            .map_err(|e| TemplateError::new(ErrorKind::BadSerialization, e.to_string()))
    }
}

/// Can `s` be written as a plain YAML scalar that YAML 1.1 and 1.2 readers both read as this
/// very string? Deliberately narrow: letters, digits and `._/-`, starting with a letter or digit.
pub fn plain_scalar_ok(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
        && canary_core::yaml11::plain_is_string_in_yaml11(s)
        && canary_core::located::resolve_plain(s).is_string()
}

/// Characters that must not appear raw in YAML text: outside the YAML printable set, the BOM,
/// and the characters YAML 1.1 treats as line breaks (NEL, LS, PS).
fn needs_yaml_escape(c: char) -> bool {
    let printable = matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}');
    !printable || matches!(c, '\u{feff}' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// JSON text made safe to embed in YAML: characters YAML would reject or read as a line break
/// are escaped as `\uXXXX` (they can only occur inside JSON strings, where that is valid).
pub fn yaml_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if needs_yaml_escape(c) {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `{{ text|comment }}`: one line of text for a YAML or Markdown comment.
fn comment_filter(text: String) -> TplValue {
    let line: String = text
        .chars()
        .map(|c| {
            if c.is_control() || needs_yaml_escape(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    TplValue::from_safe_string(line)
}

/// Every template, embedded in the binary at build time.
pub const TEMPLATES: [(&str, &str); 9] = [
    (
        "rollout.yaml.j2",
        include_str!("../../../templates/rollout.yaml.j2"),
    ),
    (
        "analysistemplate.yaml.j2",
        include_str!("../../../templates/analysistemplate.yaml.j2"),
    ),
    (
        "services.yaml.j2",
        include_str!("../../../templates/services.yaml.j2"),
    ),
    (
        "rbac.yaml.j2",
        include_str!("../../../templates/rbac.yaml.j2"),
    ),
    (
        "prometheusrule.yaml.j2",
        include_str!("../../../templates/prometheusrule.yaml.j2"),
    ),
    (
        "deploy-workflow.yml.j2",
        include_str!("../../../templates/deploy-workflow.yml.j2"),
    ),
    (
        "runbook.md.j2",
        include_str!("../../../templates/runbook.md.j2"),
    ),
    (
        "promtool-rules.yml.j2",
        include_str!("../../../templates/promtool-rules.yml.j2"),
    ),
    (
        "promtool-tests.yml.j2",
        include_str!("../../../templates/promtool-tests.yml.j2"),
    ),
];

/// The embedded source of a template.
pub fn template_source(name: &str) -> Option<&'static str> {
    TEMPLATES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, src)| *src)
}

/// What a render produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Only the Kubernetes manifests (the stdout stream).
    Manifests,
    /// Every file of the tree.
    All,
}

/// The template environment, with the embedded templates.
pub fn environment() -> Result<Environment<'static>, TemplateError> {
    let mut env = Environment::new();
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()?,
    );
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_filter("block", block_filter);
    env.add_filter("comment", comment_filter);
    env.add_filter("sh", |text: String| crate::bundle::shell_word(&text));
    env.add_filter("cell", |text: String| {
        text.replace('|', "\\|").replace('\n', " ")
    });
    // In YAML templates, strings that are unambiguous plain scalars are written bare for
    // readability; everything else goes through the JSON escaper (a double-quoted scalar).
    env.set_formatter(|out, state, value| {
        if matches!(state.auto_escape(), minijinja::AutoEscape::Json) && !value.is_safe() {
            if let Some(s) = value.as_str()
                && plain_scalar_ok(s)
            {
                return out.write_str(s).map_err(minijinja::Error::from);
            }
            if value.is_undefined() {
                return Err(minijinja::Error::new(
                    ErrorKind::UndefinedError,
                    "undefined value in a YAML template",
                ));
            }
            let json = serde_json::to_string(value)
                .map_err(|e| minijinja::Error::new(ErrorKind::BadSerialization, e.to_string()))?;
            return out
                .write_str(&yaml_safe_json(&json))
                .map_err(minijinja::Error::from);
        }
        minijinja::escape_formatter(out, state, value)
    });
    // Templates are embedded at build time and compiled on first use, so a render that only
    // needs the manifests does not pay for the runbook's template.
    env.set_loader(|name| Ok(template_source(name).map(str::to_string)));
    Ok(env)
}

fn render_template(env: &Environment<'_>, name: &str, ctx: Value) -> Result<String, RenderError> {
    env.get_template(name)
        .and_then(|t| t.render(TplValue::from(minijinja::value::Serde(&ctx))))
        .map_err(|source| RenderError::Template {
            name: name.to_string(),
            source,
        })
}

/// Render one embedded template with its own environment (for files outside the main tree).
pub(crate) fn render_template_pub(name: &str, ctx: Value) -> Result<String, RenderError> {
    let env = environment().map_err(|source| RenderError::Template {
        name: "<environment>".to_string(),
        source,
    })?;
    render_template(&env, name, ctx)
}

/// First JSON Pointer where two values differ.
fn first_difference(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                match y.get(k) {
                    Some(vb) => {
                        if let Some(d) = first_difference(&format!("{path}/{k}"), va, vb) {
                            return Some(d);
                        }
                    }
                    None => return Some(format!("{path}/{k} is missing from the output")),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{path}/{k} is in the output but not in the model"))
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(format!(
                    "{path}: {} items in the model, {} in the output",
                    x.len(),
                    y.len()
                ));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (va, vb))| first_difference(&format!("{path}/{i}"), va, vb))
        }
        _ if a == b => None,
        _ => Some(format!("{path}: model has {a}, output reads as {b}")),
    }
}

/// Parse YAML text back and require it to equal `expected`, document by document, and to read
/// the same under YAML 1.1 and 1.2.
pub fn check_yaml(path: &str, text: &str, expected: &[Value]) -> Result<(), RenderError> {
    let fail = |detail: String| RenderError::SelfCheck {
        path: path.to_string(),
        detail,
    };
    let docs = load_str(text, Limits::default())
        .map_err(|e| fail(format!("does not parse: {e} at {}", e.span.start)))?;
    let docs: Vec<_> = docs.into_iter().filter(|d| !d.is_null()).collect();
    if docs.len() != expected.len() {
        return Err(fail(format!(
            "{} documents written, {} expected",
            docs.len(),
            expected.len()
        )));
    }
    for (doc, want) in docs.iter().zip(expected) {
        if let Some(d) = first_difference("", want, doc.value()) {
            return Err(fail(d));
        }
        if let Some((pointer, span)) = doc.ambiguous_scalars.first() {
            return Err(fail(format!(
                "plain scalar at {} ({pointer}) reads differently in YAML 1.1",
                span.start
            )));
        }
    }
    Ok(())
}

fn split_text(split: Option<PodSplit>) -> String {
    split.map_or_else(String::new, |s| {
        format!("{} / {} ({:.0}%)", s.canary, s.stable, s.canary_percent())
    })
}

/// Render every file of the bundle, self-checked.
pub fn render(bundle: &Bundle) -> Result<Vec<RenderedFile>, RenderError> {
    render_scope(bundle, Scope::All)
}

/// Render the files of `scope`, self-checked.
pub fn render_scope(bundle: &Bundle, scope: Scope) -> Result<Vec<RenderedFile>, RenderError> {
    let env = environment().map_err(|source| RenderError::Template {
        name: "<environment>".to_string(),
        source,
    })?;
    let spec = &bundle.spec;
    let app = spec.app.name.as_str();
    let layout = &spec.layout;
    let join = |dir: &str, file: &str| {
        let dir = dir.trim_end_matches('/');
        if dir.is_empty() || dir == "." {
            file.to_string()
        } else {
            format!("{dir}/{file}")
        }
    };
    let provider = spec.provider.use_;
    let mut files = Vec::new();
    let add = |files: &mut Vec<RenderedFile>,
               path: String,
               what: String,
               contents: String,
               is_manifest: bool| {
        files.push(RenderedFile {
            path,
            what,
            contents,
            is_manifest,
        });
    };

    // Rollout.
    let suppressions: Vec<Value> = bundle
        .approximate_weights
        .iter()
        .map(|a| json!({"step": a.step, "rule": EFFECTIVE_WEIGHT_RULE, "reason": format!("basic canary, accepted in canary.yaml: {}", a.describe())}))
        .collect();
    let rollout_v = to_value(&bundle.rollout);
    let c = rollout_v["spec"]["strategy"]["canary"].clone();
    let rollout_path = join(&layout.manifests, &format!("rollout-{app}.yaml"));
    let text = render_template(
        &env,
        "rollout.yaml.j2",
        json!({"r": rollout_v, "c": c, "suppressions": suppressions}),
    )?;
    check_yaml(&rollout_path, &text, &[rollout_v])?;
    add(
        &mut files,
        rollout_path.clone(),
        format!(
            "Rollout/{app}: the canary, pod template from Deployment/{} (workloadRef)",
            spec.app.deployment_name()
        ),
        text,
        true,
    );

    // AnalysisTemplate.
    let template_v = to_value(&bundle.analysis_template);
    let notes: Vec<Value> = spec
        .metrics
        .iter()
        .map(|m| to_value(&m.description))
        .collect();
    let template_path = join(&layout.manifests, &format!("analysistemplate-{app}.yaml"));
    let text = render_template(
        &env,
        "analysistemplate.yaml.j2",
        json!({
            "t": template_v, "app": app, "notes": notes,
            "provider": match provider { Provider::Prometheus => "Prometheus", Provider::Newrelic => "New Relic" },
            "count": spec.analysis.count, "interval": spec.analysis.interval, "failure_limit": spec.analysis.failure_limit,
        }),
    )?;
    check_yaml(&template_path, &text, &[template_v])?;
    add(
        &mut files,
        template_path.clone(),
        format!(
            "AnalysisTemplate/{}: the metric gates",
            bundle
                .analysis_template
                .metadata
                .name
                .as_deref()
                .unwrap_or_default()
        ),
        text,
        true,
    );

    // Services.
    let services = [
        to_value(&bundle.stable_service),
        to_value(&bundle.canary_service),
    ];
    let services_path = join(&layout.manifests, &format!("services-{app}-canary.yaml"));
    let text = render_template(
        &env,
        "services.yaml.j2",
        json!({"services": services, "roles": ["the stable ReplicaSet's pods (stableService)", "the canary ReplicaSet's pods (canaryService)"]}),
    )?;
    check_yaml(&services_path, &text, &services)?;
    add(
        &mut files,
        services_path.clone(),
        "stable and canary Services the controller routes between".to_string(),
        text,
        true,
    );

    // RBAC.
    let rbac = [
        to_value(&bundle.service_account),
        to_value(&bundle.role),
        to_value(&bundle.role_binding),
    ];
    let rbac_path = join(&layout.manifests, &format!("rbac-{app}-ci-deployer.yaml"));
    let text = render_template(
        &env,
        "rbac.yaml.j2",
        json!({"account": rbac[0], "role": rbac[1], "reasons": bundle.role_reasons, "binding": rbac[2], "app": app}),
    )?;
    check_yaml(&rbac_path, &text, &rbac)?;
    add(
        &mut files,
        rbac_path.clone(),
        format!(
            "ServiceAccount {} with its Role and RoleBinding",
            spec.ci.service_account
        ),
        text,
        true,
    );

    // PrometheusRule.
    let mut apply_order = vec![
        services_path.clone(),
        template_path.clone(),
        rbac_path.clone(),
    ];
    if let Some(rule) = &bundle.prometheus_rule {
        let rule_v = to_value(rule);
        let path = join(
            &layout.manifests,
            &format!("prometheusrule-{app}-canary.yaml"),
        );
        let text = render_template(
            &env,
            "prometheusrule.yaml.j2",
            json!({"rule": rule_v, "app": app}),
        )?;
        check_yaml(&path, &text, &[rule_v])?;
        apply_order.push(path.clone());
        add(
            &mut files,
            path,
            "PrometheusRule: CanaryAborted and CanaryAnalysisMetricsMissing alerts".to_string(),
            text,
            true,
        );
    }
    apply_order.push(rollout_path.clone());

    if scope == Scope::Manifests {
        return Ok(files);
    }

    // New Relic JSON.
    let alert_path = join(&layout.newrelic, "alerts/canary-analysis-aborted.json");
    let dashboard_path = join(&layout.newrelic, &format!("dashboards/{app}-canary.json"));
    for (path, what, value) in [
        (
            &alert_path,
            "New Relic NRQL alert condition: pages when the canary aborts",
            to_value(&bundle.alert),
        ),
        (
            &dashboard_path,
            "New Relic dashboard with the canary tiles",
            to_value(&bundle.dashboard),
        ),
    ] {
        let text = json_text(&value);
        let back: Value = serde_json::from_str(&text).map_err(|e| RenderError::SelfCheck {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        if let Some(d) = first_difference("", &value, &back) {
            return Err(RenderError::SelfCheck {
                path: path.clone(),
                detail: d,
            });
        }
        add(&mut files, path.clone(), what.to_string(), text, false);
    }

    // CI workflow.
    let ci_file = format!("deploy-{app}.yml");
    let ci_path = join(&layout.ci, &ci_file);
    let workflow = bundle.workflow.clone();
    let text = render_template(
        &env,
        "deploy-workflow.yml.j2",
        json!({
            "w": workflow, "job": workflow["jobs"]["deploy"], "app": app, "file_name": ci_file,
            "status_timeout": bundle.ci.status_timeout_secs, "budget": bundle.budget.explain(),
        }),
    )?;
    check_yaml(&ci_path, &text, &[workflow])?;
    add(
        &mut files,
        ci_path.clone(),
        "reusable GitHub Actions workflow: set image, then wait for the whole ladder".to_string(),
        text,
        false,
    );

    // Runbook.
    let runbook_path = layout.runbook.clone();
    let basic = spec.traffic.routing == Routing::None;
    let diagram = ladder_diagram(bundle);
    let timeline: Vec<Value> = bundle
        .timeline
        .iter()
        .map(|s| {
            json!({
                "index": s.index, "action": s.action, "start": format_go_duration(s.start),
                "duration": s.duration.map_or("until promoted".to_string(), format_go_duration),
                "split": split_text(s.split), "weight": s.weight,
            })
        })
        .collect();
    let metrics: Vec<Value> = spec
        .metrics
        .iter()
        .zip(&bundle.analysis_template.spec.metrics)
        .map(|(m, built)| {
            json!({
                "name": m.name, "description": m.description.clone().unwrap_or_default(),
                "condition": built.success_condition,
                "no_data": match m.no_data { NoData::Pass => "passes", NoData::Fail => "fails" },
            })
        })
        .collect();
    let mut listing: Vec<Value> = files
        .iter()
        .map(|f| json!({"path": f.path, "what": f.what}))
        .collect();
    listing.push(json!({"path": runbook_path, "what": "this runbook"}));
    let (alert_name, alert_where) = match provider {
        Provider::Prometheus => ("CanaryAborted".to_string(), "Prometheus alert, and the New Relic condition if the controller is also scraped into New Relic".to_string()),
        Provider::Newrelic => (bundle.alert.name.clone(), "New Relic alert condition".to_string()),
    };
    let replicas = spec.app.replicas;
    let deployment = spec.app.deployment_name();
    let scale_down_text = match spec.app.scale_down {
        ScaleDown::Onsuccess => format!(
            "Once the Rollout is Healthy the controller scales Deployment/{deployment} to 0 (`scaleDown: onsuccess`, argo-rollouts `rollout/sync.go` `promoteStable`), and scales it to 0 again on every reconcile while the Rollout is on its first revision."
        ),
        ScaleDown::Progressively => format!(
            "As the Rollout's pods become ready the controller scales Deployment/{deployment} down by as many, and to 0 once the Rollout is Healthy (`scaleDown: progressively`, argo-rollouts `rollout/replicaset.go` `reconcileNewReplicaSet`), again on every reconcile while the Rollout is on its first revision."
        ),
        ScaleDown::Never => format!(
            "Deployment/{deployment} keeps its {replicas} pods (`scaleDown: never`), and the app's own Service sends them traffic beside the Rollout's; scale it to 0 yourself when the Rollout is Healthy."
        ),
    };
    // AnalysisRuns carry the Rollout's `spec.selector.matchLabels` (argo-rollouts
    // `rollout/analysis.go` `newAnalysisRunFromRollout`) and `rollouts-pod-template-hash`
    // (`utils/analysis/factory.go` `StepLabels`).
    let selector = spec
        .app
        .pod_labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let prom = &spec.provider.prometheus;
    let job_literal = prom.job.replace('\\', "\\\\").replace('"', "\\\"");
    let runbook_extra = json!({
        "cutover_pods": 2 * i64::from(replicas),
        "scale_down_text": scale_down_text, "selector": selector,
        "prom_query_url": crate::bundle::shell_word(&format!("{}/api/v1/query", prom.address.trim_end_matches('/'))),
        "prom_query_arg": crate::bundle::shell_word(&format!("query=up{{job=\"{job_literal}\"}}")),
        "wait_script": crate::bundle::observed_generation_wait(deployment, app, &spec.app.namespace, false),
        "wait_secs": crate::bundle::WAIT_ATTEMPTS * crate::bundle::WAIT_INTERVAL_SECS,
        "delete_step": if basic { 4 } else { 5 },
    });
    let mut ctx = json!({
        "app": app, "ns": spec.app.namespace, "deployment": spec.app.deployment_name(),
        "container": spec.app.container, "replicas": spec.app.replicas,
        "scale_down": spec.app.scale_down.as_str(),
        "provider": match provider { Provider::Prometheus => "prometheus", Provider::Newrelic => "newrelic" },
        "provider_name": match provider { Provider::Prometheus => "Prometheus", Provider::Newrelic => "New Relic" },
        "metric_count": spec.metrics.len(), "metrics": metrics,
        "count": spec.analysis.count, "interval": spec.analysis.interval, "failure_limit": spec.analysis.failure_limit,
        "initial_delay": spec.analysis.initial_delay.clone().filter(|d| d != "0s" && d != "0"),
        "diagram": diagram, "timeline": timeline, "basic": basic,
        "approximate": bundle.approximate_weights.iter().map(|a| a.describe()).collect::<Vec<_>>().join("; "),
        "notices": bundle.notices,
        "budget": bundle.budget.explain(), "budget_total": format_go_duration(bundle.budget.total()),
        "status_timeout": format_go_duration(bundle.ci.status_timeout_secs), "status_timeout_secs": bundle.ci.status_timeout_secs,
        "files": listing, "apply_order": apply_order, "rollout_file": rollout_path,
        "prom_address": spec.provider.prometheus.address, "job": spec.provider.prometheus.job,
        "nr_profile": spec.provider.newrelic.profile,
        "nginx": !basic, "stable_ingress": spec.traffic.nginx.as_ref().map(|n| n.stable_ingress.clone()),
        "stable_service": bundle.rollout.spec.strategy.canary.as_ref().and_then(|c| c.stable_service.clone()),
        "port_name": spec.app.port.name, "ci_file": ci_path,
        "alert_name": alert_name, "alert_where": alert_where,
        "ns_labels": spec.provider.namespace_label.labels(),
        "rule_labels": spec.alerts.prometheus_rule_labels.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>(),
    });
    if let (Value::Object(ctx), Value::Object(extra)) = (&mut ctx, runbook_extra) {
        ctx.extend(extra);
    }
    let text = render_template(&env, "runbook.md.j2", ctx)?;
    add(
        &mut files,
        runbook_path,
        "operator runbook".to_string(),
        text,
        false,
    );
    Ok(files)
}

/// Pretty JSON with a trailing newline.
pub fn json_text(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// `setWeight 10 → pause 5m → ANALYSIS → …`, from the real steps.
pub fn ladder_diagram(bundle: &Bundle) -> String {
    let mut parts: Vec<String> = bundle
        .timeline
        .iter()
        .map(|s| {
            if s.action.starts_with("analysis") {
                "ANALYSIS".to_string()
            } else {
                s.action.clone()
            }
        })
        .collect();
    parts.push("promoted".to_string());
    let line = parts.join("  →  ");
    let mut out = line.clone();
    let marks: Vec<usize> = line
        .match_indices("ANALYSIS")
        .map(|(i, _)| line[..i].chars().count() + 4)
        .collect();
    if let (Some(first), Some(last)) = (marks.first(), marks.last()) {
        let mut below = vec![' '; last + 1];
        for m in &marks {
            below[*m] = '│';
        }
        out.push('\n');
        out.push_str(below.iter().collect::<String>().trim_end());
        let mut arrow = vec![' '; *first];
        arrow.push('└');
        for i in first + 1..=*last {
            arrow.push(if marks.contains(&i) { '┴' } else { '─' });
        }
        out.push('\n');
        out.push_str(&arrow.iter().collect::<String>());
        out.push_str("──► any gate fails: ABORT, all traffic back to stable");
    }
    out
}

/// The order of the manifest stream, by the file name each manifest file starts with (the
/// names `render_scope` gives them; only their directory comes from the layout).
///
/// What the Rollout refers to comes before it, so `kubectl apply -f -` never shows the
/// controller a Rollout whose Services or AnalysisTemplate do not exist yet: it would set an
/// InvalidSpec condition (`services "<svc>" not found`, `AnalysisTemplate '<n>' not found`;
/// argo-rollouts `rollout/controller.go` `getReferencedServices`,
/// `getReferencedAnalysisTemplatesFromRef`) and report the Rollout Degraded until a later sync
/// finds them. The CI RBAC goes first (nothing refers to it; CI can run as soon as the Rollout
/// exists), the PrometheusRule before the Rollout so the first canary cannot abort unwatched.
/// Everything else `render` writes (New Relic JSON, the workflow, the runbook) is not applied
/// with kubectl and is not printed.
pub const STREAM_ORDER: [&str; 5] = [
    "rbac-",
    "services-",
    "analysistemplate-",
    "prometheusrule-",
    "rollout-",
];

fn stream_rank(path: &str) -> usize {
    let name = path.rsplit('/').next().unwrap_or(path);
    STREAM_ORDER
        .iter()
        .position(|prefix| name.starts_with(prefix))
        .unwrap_or(STREAM_ORDER.len())
}

/// The Kubernetes manifests as one multi-document stream, for `kubectl apply -f -`, in
/// [`STREAM_ORDER`].
pub fn manifest_stream(files: &[RenderedFile]) -> String {
    let mut out = String::new();
    let mut manifests: Vec<&RenderedFile> = files.iter().filter(|f| f.is_manifest).collect();
    manifests.sort_by_key(|f| stream_rank(&f.path));
    for f in manifests {
        if !out.is_empty() {
            out.push_str("---\n");
        }
        out.push_str(&format!("# Source: {}\n", f.path));
        out.push_str(&f.contents);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_template_compiles() {
        let env = environment().expect("environment");
        for (name, _) in TEMPLATES {
            if let Err(e) = env.get_template(name) {
                panic!("{name}: {e:#}");
            }
        }
        assert!(template_source("nope.j2").is_none());
    }

    #[test]
    fn yaml_escapes_line_breaks_yaml_1_1_knows() {
        assert_eq!(
            yaml_safe_json("\"a\u{2028}b\u{feff}\""),
            "\"a\\u2028b\\ufeff\""
        );
        assert!(plain_scalar_ok("instant-api"));
        assert!(!plain_scalar_ok("yes"));
        assert!(!plain_scalar_ok("0777"));
        assert!(!plain_scalar_ok("a: b"));
    }
}

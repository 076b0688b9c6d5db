//! Issue 12: what the rendered objects do at run time, read back from the rendered files with
//! `canary_core::located` (not from the typed bundle), so a template that drops or reorders
//! something fails here.

mod common;

use canary_core::located::{Limits, load_str};
use canary_core::rbac::{CI_COMMANDS, grants_for};
use canary_gen::render::RenderedFile;
use canary_gen::spec::{Provider, Routing, default_spec};
use serde_json::Value;

fn docs(files: &[RenderedFile], path_part: &str) -> (String, Vec<Value>) {
    let file = files
        .iter()
        .find(|f| f.path.contains(path_part))
        .unwrap_or_else(|| panic!("no {path_part} file"));
    let docs = load_str(&file.contents, Limits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", file.path))
        .iter()
        .map(|d| d.value().clone())
        .filter(|v| !v.is_null())
        .collect();
    (file.contents.clone(), docs)
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The informers `kubectl argo rollouts status` starts and waits on: argo-rollouts
/// `pkg/kubectl-argo-rollouts/viewcontroller/viewcontroller.go` `newViewController`
/// (namespace-wide, no selector), `Start` (`WaitForCacheSync`); `cmd/status/status.go` starts
/// the `--timeout` clock only after the sync.
const STATUS_INFORMERS: [(&str, &str); 6] = [
    ("argoproj.io", "rollouts"),
    ("argoproj.io", "analysisruns"),
    ("argoproj.io", "experiments"),
    ("apps", "replicasets"),
    ("apps", "deployments"),
    ("", "pods"),
];

fn allows(rules: &[Value], group: &str, resource: &str, verb: &str, name: Option<&str>) -> bool {
    rules.iter().any(|r| {
        let names = strings(&r["resourceNames"]);
        strings(&r["apiGroups"]).contains(&group)
            && strings(&r["resources"]).contains(&resource)
            && strings(&r["verbs"]).contains(&verb)
            && (names.is_empty() || name.is_some_and(|n| names.contains(&n)))
    })
}

#[test]
fn the_ci_role_lets_status_and_set_image_finish() {
    for provider in [Provider::Prometheus, Provider::Newrelic] {
        let files = common::render_default(provider, Routing::Nginx);
        let (text, docs) = docs(&files, "rbac-");
        let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
        assert_eq!(kinds, ["ServiceAccount", "Role", "RoleBinding"]);
        let (account, role, binding) = (&docs[0], &docs[1], &docs[2]);
        // The RoleBinding names the ServiceAccount the file creates.
        assert_eq!(binding["subjects"][0]["kind"], "ServiceAccount");
        assert_eq!(binding["subjects"][0]["name"], account["metadata"]["name"]);
        assert_eq!(
            binding["subjects"][0]["namespace"],
            account["metadata"]["namespace"]
        );
        let rules = role["rules"].as_array().expect("rules").clone();
        // status: every informer listed and watched namespace-wide (a name-limited rule would
        // not authorize an informer's list: Kubernetes RBAC, "Referring to resources").
        for (group, resource) in STATUS_INFORMERS {
            for verb in ["list", "watch"] {
                assert!(
                    allows(&rules, group, resource, verb, None),
                    "{verb} {group}/{resource}"
                );
            }
        }
        // set image (`cmd/set/set_image.go` `SetImage`): GET the Rollout, GET + UPDATE the
        // workloadRef Deployment, limited to that Deployment.
        let spec = default_spec().expect("default").spec;
        let deployment = spec.app.deployment_name();
        assert!(allows(
            &rules,
            "argoproj.io",
            "rollouts",
            "get",
            Some(&spec.app.name)
        ));
        for verb in ["get", "update"] {
            assert!(allows(
                &rules,
                "apps",
                "deployments",
                verb,
                Some(deployment)
            ));
            assert!(!allows(&rules, "apps", "deployments", verb, Some("other")));
        }
        // Least privilege: CI does not promote, abort or retry, nor patch anything.
        for r in &rules {
            assert!(!strings(&r["verbs"]).contains(&"patch"), "{r}");
            assert!(
                !strings(&r["resources"]).contains(&"rollouts/status"),
                "{r}"
            );
        }
        // Each rule carries its reason from the shared table, as a comment just above it.
        let reasons: Vec<&str> = grants_for(&CI_COMMANDS).map(|g| g.why).collect();
        assert_eq!(rules.len(), reasons.len());
        let lines: Vec<&str> = text.lines().collect();
        let mut seen = 0;
        for (i, line) in lines.iter().enumerate() {
            if line.trim_start().starts_with("- apiGroups:") {
                let above = lines[i - 1].trim_start();
                assert_eq!(above, format!("# {}", reasons[seen]));
                seen += 1;
            }
        }
        assert_eq!(seen, reasons.len());
    }
}

/// The controller's `namespace` label survives as `namespace` or is renamed
/// `exported_namespace` (see `NamespaceLabel`); the default queries match both.
#[test]
fn abort_queries_match_either_namespace_labelling() {
    let spec = default_spec().expect("default").spec;
    let ns = &spec.app.namespace;
    let files = common::render_default(Provider::Prometheus, Routing::None);
    let (_, rules) = docs(&files, "prometheusrule-");
    let rule = &rules[0];
    let expr = rule["spec"]["groups"][0]["rules"][0]["expr"]
        .as_str()
        .expect("expr");
    assert_eq!(
        rule["spec"]["groups"][0]["rules"][0]["alert"],
        "CanaryAborted"
    );
    assert!(expr.contains(&format!("namespace=\"{ns}\"")), "{expr}");
    assert!(
        expr.contains(&format!("exported_namespace=\"{ns}\"")),
        "{expr}"
    );
    // kube-prometheus-stack's default ruleSelector: `release: <release name>`.
    assert_eq!(
        rule["metadata"]["labels"]["release"],
        "kube-prometheus-stack"
    );
    let either = format!("(namespace = '{ns}' OR exported_namespace = '{ns}')");
    let files = common::render_default(Provider::Newrelic, Routing::None);
    let alert = files
        .iter()
        .find(|f| f.path.contains("canary-analysis-aborted"))
        .map(|f| serde_json::from_str::<Value>(&f.contents).expect("alert json"))
        .expect("alert file");
    let nrql = alert["nrql"]["query"].as_str().expect("query");
    assert!(nrql.contains(&either), "{nrql}");
    let bundle = canary_gen::bundle::build(&spec);
    for tile in &bundle.dashboard.pages[0].widgets {
        let q = &tile
            .raw_configuration
            .as_ref()
            .and_then(|r| r.nrql_queries.as_ref())
            .expect("queries")[0]
            .query;
        assert!(q.contains(&either), "{q}");
    }
}

#[test]
fn prometheus_rule_labels_are_a_spec_setting() {
    let mut loaded = default_spec().expect("default");
    loaded.spec.provider.use_ = Provider::Prometheus;
    loaded.spec.alerts.prometheus_rule_labels =
        [("prometheus".to_string(), "main".to_string())].into();
    let files = common::render_loaded(&loaded);
    let (_, rules) = docs(&files, "prometheusrule-");
    let labels = &rules[0]["metadata"]["labels"];
    assert_eq!(labels["prometheus"], "main");
    assert!(labels.get("release").is_none(), "{labels}");
    assert_eq!(labels["app.kubernetes.io/managed-by"], "canary-gen");
}

/// Issue 12, hard defect 3: every default gate measures the canary's pods only. The Rollout
/// passes the canary's hash (`valueFrom.podTemplateHashValue: Latest`, argo-rollouts
/// `utils/analysis/factory.go` `BuildArgumentsForRolloutAnalysisRun`); Prometheus selects it
/// through the pod label a ServiceMonitor copies (`podTargetLabels`, sanitised to
/// `rollouts_pod_template_hash` by prometheus-operator `sanitizeLabelName`); New Relic through
/// `host`, the pod name `<rollout>-<hash>-<suffix>` (unverified in New Relic's own docs: see
/// the README).
#[test]
fn default_gates_select_the_canary_pods() {
    for provider in [Provider::Prometheus, Provider::Newrelic] {
        let files = common::render_default(provider, Routing::Nginx);
        let (_, rollout) = docs(&files, "rollout-");
        let (_, template) = docs(&files, "analysistemplate-");
        let template = &template[0];
        let steps = rollout[0]["spec"]["strategy"]["canary"]["steps"]
            .as_array()
            .expect("steps");
        let mut analysis_steps = 0;
        for step in steps.iter().filter(|s| s.get("analysis").is_some()) {
            analysis_steps += 1;
            let args = step["analysis"]["args"].as_array().expect("args");
            let hash = args
                .iter()
                .find(|a| a["name"] == "canary-hash")
                .expect("canary-hash arg");
            assert_eq!(hash["valueFrom"]["podTemplateHashValue"], "Latest");
            assert!(hash.get("value").is_none(), "{hash}");
        }
        assert!(analysis_steps > 0);
        let declared: Vec<&str> = template["spec"]["args"]
            .as_array()
            .expect("args")
            .iter()
            .filter_map(|a| a["name"].as_str())
            .collect();
        assert!(declared.contains(&"canary-hash"), "{declared:?}");
        let spec = default_spec().expect("default").spec;
        for (metric, m) in template["spec"]["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .zip(&spec.metrics)
        {
            let (query, scoped) = match provider {
                Provider::Prometheus => (
                    metric["provider"]["prometheus"]["query"].as_str(),
                    m.prometheus.as_ref().map(|q| q.scope),
                ),
                Provider::Newrelic => (
                    metric["provider"]["newRelic"]["query"].as_str(),
                    m.newrelic.as_ref().map(|q| q.scope),
                ),
            };
            let query = query.expect("query");
            if scoped == Some(canary_gen::spec::QueryScope::App) {
                continue;
            }
            match provider {
                Provider::Prometheus => {
                    // Every selector, not just one of them.
                    let resolved = query.replace("{{args.canary-hash}}", "HASH");
                    let selectors =
                        canary_core::promql::selectors(&resolved.replace("{{args.job}}", "j"))
                            .expect("parses");
                    for s in selectors {
                        assert!(
                            s.matchers
                                .iter()
                                .any(|(l, op, v)| l == "rollouts_pod_template_hash"
                                    && *op == "="
                                    && v == "HASH"),
                            "{query}"
                        );
                    }
                }
                Provider::Newrelic => {
                    assert!(
                        query.contains("host LIKE '%-{{args.canary-hash}}-%'"),
                        "{query}"
                    );
                }
            }
        }
    }
}

#[test]
fn an_unscoped_query_is_rejected_at_its_line_unless_it_opts_out() {
    let text =
        std::fs::read_to_string(common::root().join("templates/canary.yaml")).expect("template");
    let unscoped = text.replacen(
        r#"min(up{job="{{args.job}}",rollouts_pod_template_hash="{{args.canary-hash}}"})"#,
        r#"min(up{job="{{args.job}}"})"#,
        1,
    );
    assert_ne!(unscoped, text);
    let loaded = canary_gen::spec::load_spec("canary.yaml", &unscoped).expect("loads");
    let err = canary_gen::spec::validate(&loaded).expect_err("unscoped gate rejected");
    let shown = err.render(false);
    let line = unscoped
        .lines()
        .position(|l| l.contains(r#"min(up{job="{{args.job}}"})"#))
        .expect("line")
        + 1;
    assert!(shown.contains(&format!("canary.yaml:{line}:")), "{shown}");
    assert!(
        shown.contains("does not select the canary's pods"),
        "{shown}"
    );
    // `scope: app` opts out, and the bundle warns.
    let opted = unscoped.replacen(
        r#"min(up{job="{{args.job}}"})"#,
        "min(up{job=\"{{args.job}}\"})\n      scope: app",
        1,
    );
    let loaded = canary_gen::spec::load_spec("canary.yaml", &opted).expect("loads");
    canary_gen::spec::validate(&loaded).expect("opted out");
    let bundle = canary_gen::bundle::build(&loaded.spec);
    assert!(
        bundle
            .notices
            .iter()
            .any(|n| n.contains("gate `api-up` has `scope: app`")),
        "{:?}",
        bundle.notices
    );
}

/// Issue 12, hard defect 4 (the threshold part only): thresholds are float literals, so one
/// of 2^63 or more is not an integer literal the expression language cannot parse.
#[test]
fn thresholds_are_float_literals() {
    let mut loaded = default_spec().expect("default");
    loaded.spec.metrics[0].max = Some(9_223_372_036_854_775_808.0);
    loaded.spec.metrics[1].max = Some(0.0);
    loaded.spec.metrics[2].min = Some(1.0);
    for provider in [Provider::Prometheus, Provider::Newrelic] {
        loaded.spec.provider.use_ = provider;
        let files = common::render_loaded(&loaded);
        let (_, template) = docs(&files, "analysistemplate-");
        let conditions: Vec<&str> = template[0]["spec"]["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .filter_map(|m| m["successCondition"].as_str())
            .collect();
        assert!(
            conditions[0].contains("<= 9223372036854775808.0"),
            "{conditions:?}"
        );
        assert!(conditions[1].contains("<= 0.0"), "{conditions:?}");
        assert!(conditions[2].contains(">= 1.0"), "{conditions:?}");
    }
}

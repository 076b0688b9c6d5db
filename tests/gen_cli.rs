//! The canary-gen binary, subcommand by subcommand.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn run_gen(args: &[&str], cwd: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_canary-gen"));
    cmd.args(args).env("NO_COLOR", "1");
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    cmd.output().expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn render_to_stdout_is_one_manifest_stream() {
    let out = run_gen(&["render", "--provider", "newrelic"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let docs = canary_core::located::load_str(&stdout, Default::default()).expect("stdout parses");
    let kinds: Vec<&str> = docs
        .iter()
        .filter_map(|d| d.value()["kind"].as_str())
        .collect();
    // Apply order (issue 12): what the Rollout refers to exists before it, so `kubectl apply
    // -f -` never shows the controller a Rollout with a missing Service or template.
    assert_eq!(
        kinds,
        [
            "ServiceAccount",
            "Role",
            "RoleBinding",
            "Service",
            "Service",
            "AnalysisTemplate",
            "Rollout"
        ]
    );
    assert!(stdout.contains("newRelic:"), "New Relic provider used");
    assert!(
        text(&out.stderr).contains("warning: without traffic routing"),
        "effective weight notice on stderr"
    );
}

#[test]
fn render_to_stdout_is_in_apply_order_for_prometheus_and_a_custom_layout() {
    let kinds_of = |stdout: &str| -> Vec<String> {
        let docs =
            canary_core::located::load_str(stdout, Default::default()).expect("stdout parses");
        docs.iter()
            .filter_map(|d| d.value()["kind"].as_str().map(str::to_string))
            .collect()
    };
    let out = run_gen(&["render", "--provider", "prometheus"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        kinds_of(&text(&out.stdout)),
        [
            "ServiceAccount",
            "Role",
            "RoleBinding",
            "Service",
            "Service",
            "AnalysisTemplate",
            "PrometheusRule",
            "Rollout"
        ]
    );
    let spec = common::root().join("fixtures/gen/custom/canary.yaml");
    let out = run_gen(&["render", "--config", spec.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let kinds = kinds_of(&text(&out.stdout));
    assert_eq!(kinds.first().map(String::as_str), Some("ServiceAccount"));
    assert_eq!(kinds.last().map(String::as_str), Some("Rollout"));
}

#[test]
fn render_out_dir_writes_the_tree_and_diff_tracks_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = run_gen(
        &[
            "render",
            "--traffic",
            "nginx",
            "--stable-ingress",
            "api",
            "--out-dir",
            d,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("ACTION REQUIRED: Argo Rollouts requires Ingress `api`"));
    for f in [
        "k8s/canary/rollout-instant-api.yaml",
        "k8s/canary/analysistemplate-instant-api.yaml",
        "k8s/canary/services-instant-api-canary.yaml",
        "k8s/canary/rbac-instant-api-ci-deployer.yaml",
        "k8s/canary/prometheusrule-instant-api-canary.yaml",
        "newrelic/alerts/canary-analysis-aborted.json",
        "newrelic/dashboards/instant-api-canary.json",
        ".github/workflows/deploy-instant-api.yml",
        "CANARY-ROLLOUT-RUNBOOK.md",
    ] {
        assert!(dir.path().join(f).is_file(), "{f} written");
    }
    // Fresh: diff says up to date, exit 0.
    let same = run_gen(
        &[
            "diff",
            "--traffic",
            "nginx",
            "--stable-ingress",
            "api",
            "--out-dir",
            d,
        ],
        None,
    );
    assert_eq!(same.status.code(), Some(0), "{}", text(&same.stderr));
    assert!(same.stdout.is_empty());
    // Different flags: stale, exit 1, unified diff on stdout.
    let stale = run_gen(&["diff", "--out-dir", d], None);
    assert_eq!(stale.status.code(), Some(1));
    let diff = text(&stale.stdout);
    assert!(
        diff.contains("--- a/k8s/canary/rollout-instant-api.yaml"),
        "{diff}"
    );
    assert!(diff.contains("-      trafficRouting:"), "{diff}");
    // A hand edit is stale too; a missing file is stale.
    std::fs::write(dir.path().join("CANARY-ROLLOUT-RUNBOOK.md"), "edited\n").unwrap();
    std::fs::remove_file(dir.path().join(".github/workflows/deploy-instant-api.yml")).unwrap();
    let edited = run_gen(
        &[
            "diff",
            "--traffic",
            "nginx",
            "--stable-ingress",
            "api",
            "--out-dir",
            d,
        ],
        None,
    );
    assert_eq!(edited.status.code(), Some(1));
    assert!(
        text(&edited.stderr).contains("2 of 9 generated files are stale"),
        "{}",
        text(&edited.stderr)
    );
}

#[test]
fn init_prints_a_spec_that_renders() {
    let out = run_gen(&["init"], None);
    assert_eq!(out.status.code(), Some(0));
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("canary.yaml");
    std::fs::write(&spec, &out.stdout).unwrap();
    let render = run_gen(&["render", "--config", spec.to_str().unwrap()], None);
    assert_eq!(render.status.code(), Some(0), "{}", text(&render.stderr));
    assert_eq!(
        render.stdout,
        run_gen(&["render"], None).stdout,
        "init output is the built-in default"
    );
}

#[test]
fn plan_prints_the_timeline() {
    let out = run_gen(&["plan"], None);
    assert_eq!(out.status.code(), Some(0));
    let s = text(&out.stdout);
    assert!(
        s.contains("setWeight 10") && s.contains("1 + 2 (33%)"),
        "{s}"
    );
    assert!(
        s.contains("budget: 12m pauses + 8m analysis + 3 × 60s readiness = 23m (1380s)"),
        "{s}"
    );
    let nginx = text(
        &run_gen(
            &["plan", "--traffic", "nginx", "--stable-ingress", "api"],
            None,
        )
        .stdout,
    );
    assert!(
        nginx.contains("nginx-routed") && nginx.contains(" 10%"),
        "{nginx}"
    );
}

#[test]
fn schema_is_json_schema_that_accepts_the_default() {
    let out = run_gen(&["schema"], None);
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let spec =
        canary_core::located::load_str(canary_gen::spec::DEFAULT_SPEC_TEXT, Default::default())
            .unwrap();
    assert!(validator.is_valid(spec[0].value()));
    assert!(!validator.is_valid(&serde_json::json!({"app": 1})));
}

#[test]
fn bad_spec_names_file_line_and_column_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = common::root().join("fixtures/gen/bad/canary.yaml");
    let out = run_gen(
        &[
            "render",
            "--config",
            bad.to_str().unwrap(),
            "--out-dir",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("canary.yaml:8:14"),
        "scaleDown value located: {err}"
    );
    assert!(err.contains("is not one of"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
    // Once the schema passes, semantic checks point at their lines too.
    let fixed = std::fs::read_to_string(&bad)
        .unwrap()
        .replace("onSuccess", "onsuccess");
    let spec = dir.path().join("semantic.yaml");
    std::fs::write(&spec, fixed).unwrap();
    let out = run_gen(&["plan", "--config", spec.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("semantic.yaml:11:12"),
        "pause 1d located: {err}"
    );
    assert!(err.contains("there is no `d`"), "{err}");
    assert!(
        err.contains("semantic.yaml:20:14"),
        "job mismatch located: {err}"
    );
    assert!(err.contains("matches job `other`"), "{err}");
}

#[test]
fn missing_spec_file_is_a_clear_error() {
    let out = run_gen(&["render", "--config", "/nonexistent/canary.yaml"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read /nonexistent/canary.yaml"));
}

#[test]
fn upsert_dashboard_replaces_or_appends_tiles() {
    let dir = tempfile::tempdir().unwrap();
    let dash = dir.path().join("newrelic/dashboards/reliability.json");
    std::fs::create_dir_all(dash.parent().unwrap()).unwrap();
    std::fs::write(&dash, r#"{"name":"reliability","permissions":"PUBLIC_READ_ONLY","pages":[{"name":"p","widgets":[{"title":"5xx","layout":{"column":1,"row":1,"width":12,"height":3}}]}]}"#).unwrap();
    let out = run_gen(
        &[
            "render",
            "--out-dir",
            dir.path().to_str().unwrap(),
            "--upsert-dashboard",
            "newrelic/dashboards/reliability.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&dash).unwrap()).unwrap();
    let widgets = v["pages"][0]["widgets"].as_array().unwrap();
    assert_eq!(widgets.len(), 3);
    assert_eq!(widgets[1]["layout"]["row"], 4);
    assert!(
        !dir.path()
            .join("newrelic/dashboards/instant-api-canary.json")
            .exists()
    );
    // Twice is idempotent.
    run_gen(
        &[
            "render",
            "--out-dir",
            dir.path().to_str().unwrap(),
            "--upsert-dashboard",
            "newrelic/dashboards/reliability.json",
        ],
        None,
    );
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&dash).unwrap()).unwrap();
    assert_eq!(again, v);
    // A path outside --out-dir is refused.
    let out = run_gen(
        &[
            "render",
            "--out-dir",
            dir.path().to_str().unwrap(),
            "--upsert-dashboard",
            "../x.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("must stay inside --out-dir"));
}

#[test]
fn man_and_completions() {
    let man = run_gen(&["man"], None);
    assert_eq!(man.status.code(), Some(0));
    assert!(text(&man.stdout).contains(".TH canary-gen"));
    let bash = run_gen(&["completions", "bash"], None);
    assert!(text(&bash.stdout).contains("canary-gen"));
}

#[test]
fn cli_definition_is_consistent() {
    use clap::CommandFactory;
    canary_gen::cli::Cli::command().debug_assert();
}

#[test]
fn promtool_writes_rules_and_tests_and_warns_on_uncovered_gates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = run_gen(&["promtool", "--out-dir", d], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rules = std::fs::read_to_string(dir.path().join("canary-gates.rules.yml")).unwrap();
    let tests = std::fs::read_to_string(dir.path().join("canary-gates.test.yml")).unwrap();
    assert!(
        rules.contains("record: \"canary_gate:http_5xx_rate\""),
        "{rules}"
    );
    assert!(rules.contains("alert: CanaryAborted"), "{rules}");
    assert!(tests.contains("name: \"api-up: no series\""), "{tests}");
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );

    // A New Relic spec is rendered with its Prometheus queries; one the evaluator cannot model
    // is named on stderr and stays in the rules file.
    let spec = dir.path().join("canary.yaml");
    let default = text(&run_gen(&["init"], None).stdout);
    let edited = default.replace(
        "query: min(up{job=\"{{args.job}}\",rollouts_pod_template_hash=\"{{args.canary-hash}}\"})",
        "query: stddev(up{job=\"{{args.job}}\",rollouts_pod_template_hash=\"{{args.canary-hash}}\"})",
    );
    assert_ne!(edited, default);
    std::fs::write(&spec, edited.replace("use: prometheus", "use: newrelic")).unwrap();
    let out = run_gen(
        &[
            "promtool",
            "--config",
            spec.to_str().unwrap(),
            "--out-dir",
            d,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("warning: gate api-up: no behaviour tests (the aggregation stddev)"),
        "{stderr}"
    );
    let rules = std::fs::read_to_string(dir.path().join("canary-gates.rules.yml")).unwrap();
    assert!(rules.contains("stddev"), "{rules}");
}

/// Issue 12: a New Relic-only spec gets the alert rules and a note of what was skipped, and
/// exits 0 (it exited 2 with "metric … has no `prometheus` query").
#[test]
fn promtool_on_a_new_relic_only_spec_emits_the_alert_rules() {
    let dir = tempfile::tempdir().unwrap();
    let spec = common::root().join("fixtures/gen/custom/canary.yaml");
    let out = run_gen(
        &[
            "promtool",
            "--config",
            spec.to_str().unwrap(),
            "--out-dir",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: gate error-rate: skipped, it has no `prometheus` query"),
        "{stderr}"
    );
    assert!(stderr.contains("gate p99-latency: skipped"), "{stderr}");
    assert!(
        stderr.contains("note: no gate has a `prometheus` query: the files check the PrometheusRule alerts only (CanaryAborted, CanaryAnalysisMetricsMissing)"),
        "{stderr}"
    );
    let rules = std::fs::read_to_string(dir.path().join("canary-gates.rules.yml")).unwrap();
    assert!(rules.contains("alert: CanaryAborted"), "{rules}");
    assert!(!rules.contains("record:"), "{rules}");
}

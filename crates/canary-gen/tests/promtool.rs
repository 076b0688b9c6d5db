//! The promtool suite: what the scenarios predict for the default and a custom Prometheus spec,
//! snapshots of both files, and the real `promtool check rules` / `promtool test rules` on them
//! (CI installs Debian's `prometheus` package and sets CANARY_REQUIRE_PROMTOOL=1; elsewhere the
//! promtool part skips with a notice when the binary is missing).

mod common;

use std::path::Path;
use std::process::Command;

use canary_gen::bundle::build;
use canary_gen::promtool::condition::{Outcome, Verdict};
use canary_gen::promtool::{Gate, RULES_FILE, Suite, TESTS_FILE, render, suite};
use canary_gen::render::RenderedFile;
use canary_gen::spec::{
    DEFAULT_SPEC_TEXT, LoadedSpec, MissingQuery, Overrides, Provider, QueryScope, default_spec,
    load_spec, validate, validate_with,
};

fn load(rel: Option<&str>) -> LoadedSpec {
    let mut loaded = match rel {
        None => default_spec().expect("default loads"),
        Some(rel) => {
            let text = std::fs::read_to_string(common::root().join(rel)).expect("fixture exists");
            load_spec(rel, &text).expect("fixture loads")
        }
    };
    Overrides {
        provider: Some(Provider::Prometheus),
        ..Overrides::default()
    }
    .apply(&mut loaded);
    validate(&loaded).expect("spec validates");
    loaded
}

fn suite_of(rel: Option<&str>) -> (Suite, Vec<RenderedFile>) {
    let suite = suite(&build(&load(rel).spec));
    let files = render(&suite).expect("renders");
    (suite, files)
}

const CUSTOM: &str = "fixtures/gen/custom-prometheus/canary.yaml";

fn gate<'a>(suite: &'a Suite, metric: &str) -> &'a Gate {
    suite
        .gates
        .iter()
        .find(|g| g.metric == metric)
        .unwrap_or_else(|| panic!("no gate {metric}"))
}

fn outcome(g: &Gate, name: &str) -> (Outcome, Verdict) {
    let s = g
        .scenario(name)
        .unwrap_or_else(|| panic!("{}: no {name} scenario", g.metric));
    (s.outcome, s.verdict)
}

#[test]
fn every_gate_has_a_passing_and_a_failing_scenario() {
    for rel in [None, Some(CUSTOM)] {
        let (suite, _) = suite_of(rel);
        assert!(!suite.gates.is_empty());
        for g in &suite.gates {
            assert_eq!(g.uncovered, None, "{rel:?} {}", g.metric);
            assert_eq!(outcome(g, "healthy").1, Verdict::Successful, "{}", g.metric);
            assert_eq!(outcome(g, "failing").1, Verdict::Failed, "{}", g.metric);
            assert!(g.scenario("no series").is_some(), "{}", g.metric);
        }
        // The PrometheusRule's two alerts: inputs that fire them and inputs that do not.
        let names: Vec<&str> = suite.alerts.iter().map(|a| a.alert.as_str()).collect();
        assert_eq!(names, ["CanaryAborted", "CanaryAnalysisMetricsMissing"]);
        for a in &suite.alerts {
            assert_eq!(a.uncovered, None, "{}", a.alert);
            assert!(a.firing.is_some() && a.quiet.is_some(), "{a:?}");
        }
    }
}

#[test]
fn zero_traffic_and_missing_series_follow_no_data() {
    let (default, _) = suite_of(None);
    // 0/0 with no requests: NaN, which noData: pass lets through.
    assert_eq!(
        outcome(gate(&default, "http-5xx-rate"), "zero traffic"),
        (Outcome::NaN, Verdict::Successful)
    );
    // A counter that does not move is a real 0, not missing data.
    assert_eq!(
        outcome(gate(&default, "deploy-job-failures"), "zero traffic"),
        (Outcome::Value(0.0), Verdict::Successful)
    );
    // No `up` series at all: empty, and noData: fail does not promote blind.
    assert_eq!(
        outcome(gate(&default, "api-up"), "no series"),
        (Outcome::Empty, Verdict::Failed)
    );
    let (custom, _) = suite_of(Some(CUSTOM));
    assert_eq!(
        outcome(gate(&custom, "success-ratio"), "zero traffic"),
        (Outcome::NaN, Verdict::Failed)
    );
    assert_eq!(
        outcome(gate(&custom, "restarts"), "no series"),
        (Outcome::Empty, Verdict::Successful)
    );
    // The 5xx series a `status!~"5.."` numerator leaves out is synthesised, so the failing
    // scenario is real errors, not an absent denominator.
    let failing = gate(&custom, "success-ratio")
        .scenario("failing")
        .expect("failing");
    assert!(
        failing
            .series
            .iter()
            .any(|s| s.labels.get("status").map(String::as_str) == Some("500") && s.level > 0.0),
        "{failing:?}"
    );
}

#[test]
fn files_are_snapshotted() {
    for (rel, name) in [
        (None, "promtool_default"),
        (Some(CUSTOM), "promtool_custom"),
    ] {
        let (_, files) = suite_of(rel);
        insta::assert_snapshot!(name, common::tree_text(&files));
    }
}

#[test]
fn unsupported_queries_are_reported_not_guessed() {
    let mut loaded = load(None);
    if let Some(q) = loaded.spec.metrics[0].prometheus.as_mut() {
        q.query = "stddev(rate(http_requests_total{job=\"{{args.job}}\"}[5m]))".into();
    }
    let suite = suite(&build(&loaded.spec));
    let g = &suite.gates[0];
    assert!(
        g.uncovered
            .as_deref()
            .is_some_and(|w| w.contains("the aggregation stddev")),
        "{g:?}"
    );
    assert!(g.scenarios.is_empty());
    let files = render(&suite).expect("renders");
    let rules = &files[0].contents;
    assert!(rules.contains("stddev"), "{rules}");
    assert!(files[1].contents.contains("Gates without behaviour tests"));
}

/// The promtool binary, or None (with a notice) when it is not installed and CI did not ask.
fn promtool() -> Option<&'static str> {
    let found = Command::new("promtool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some("promtool");
    }
    assert!(
        std::env::var_os("CANARY_REQUIRE_PROMTOOL").is_none(),
        "CANARY_REQUIRE_PROMTOOL is set but promtool is not installed"
    );
    eprintln!(
        "notice: promtool not found; skipping the real-Prometheus checks (CI installs Debian's prometheus package)"
    );
    None
}

fn write(dir: &Path, files: &[RenderedFile]) {
    for f in files {
        std::fs::write(dir.join(&f.path), &f.contents).expect("write");
    }
}

fn run(bin: &str, dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("promtool runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn promtool_accepts_the_rules_and_passes_the_tests() {
    let Some(bin) = promtool() else { return };
    for rel in [None, Some(CUSTOM)] {
        let (suite, files) = suite_of(rel);
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), &files);
        let (ok, out) = run(bin, dir.path(), &["check", "rules", RULES_FILE]);
        assert!(ok, "{rel:?}: promtool check rules failed:\n{out}");
        let rules = suite.gates.len()
            + build(&load(rel).spec)
                .prometheus_rule
                .map_or(0, |r| r.spec.groups.iter().map(|g| g.rules.len()).sum());
        assert!(
            out.contains(&format!("SUCCESS: {rules} rules found")),
            "{out}"
        );
        let (ok, out) = run(bin, dir.path(), &["test", "rules", TESTS_FILE]);
        assert!(ok, "{rel:?}: promtool test rules failed:\n{out}");
    }
}

/// Issue 12: `canary-gen promtool` on a New Relic-only spec checks what applies (the
/// PrometheusRule's alerts) instead of refusing the spec for its missing Prometheus queries.
#[test]
fn a_new_relic_only_spec_checks_the_alert_rules() {
    let rel = "fixtures/gen/custom/canary.yaml";
    let text = std::fs::read_to_string(common::root().join(rel)).expect("fixture exists");
    let mut loaded = load_spec(rel, &text).expect("fixture loads");
    Overrides {
        provider: Some(Provider::Prometheus),
        ..Overrides::default()
    }
    .apply(&mut loaded);
    assert!(
        validate(&loaded).is_err(),
        "render refuses it: no Prometheus queries"
    );
    validate_with(&loaded, MissingQuery::Skip).expect("promtool takes it");
    let suite = suite(&build(&loaded.spec));
    assert!(suite.gates.is_empty());
    assert_eq!(suite.skipped, ["error-rate", "p99-latency"]);
    let files = render(&suite).expect("renders");
    let rules = &files[0].contents;
    assert!(rules.contains("alert: CanaryAborted"), "{rules}");
    assert!(!rules.contains("canary-gates\n"), "{rules}");
    assert!(rules.contains("#   error-rate"), "{rules}");
    let Some(bin) = promtool() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), &files);
    let (ok, out) = run(bin, dir.path(), &["check", "rules", RULES_FILE]);
    assert!(ok && out.contains("SUCCESS: 2 rules found"), "{out}");
    let (ok, out) = run(bin, dir.path(), &["test", "rules", TESTS_FILE]);
    assert!(ok, "{out}");
}

/// Issue 12, defect 4: a scalar query gets a condition on `result` itself, and its recording
/// rule goes through `vector(…)` (a recording rule must be a vector), so promtool checks it.
#[test]
fn a_scalar_gate_is_judged_as_a_number() {
    let up =
        "query: min(up{job=\"{{args.job}}\",rollouts_pod_template_hash=\"{{args.canary-hash}}\"})";
    let text = DEFAULT_SPEC_TEXT.replace(
        up,
        "query: scalar(min(up{job=\"{{args.job}}\",rollouts_pod_template_hash=\"{{args.canary-hash}}\"}))",
    );
    assert_ne!(text, DEFAULT_SPEC_TEXT);
    let loaded = load_spec("canary.yaml", &text).expect("loads");
    validate(&loaded).expect("a scalar query is accepted");
    let bundle = build(&loaded.spec);
    let condition = bundle.analysis_template.spec.metrics[2]
        .success_condition
        .clone()
        .unwrap_or_default();
    assert_eq!(condition, "!isNaN(result) && result >= 1.0");
    let suite = suite(&bundle);
    let g = gate(&suite, "api-up");
    assert_eq!(g.condition, condition);
    // scalar() of no series is NaN: noData: fail makes it a failure, not an evaluation error.
    let none = g.scenario("no series").expect("no-series scenario");
    assert_eq!(
        (none.outcome, none.verdict),
        (Outcome::NaN, Verdict::Failed)
    );
    let files = render(&suite).expect("renders");
    assert!(
        files[0].contents.contains("expr: \"vector(scalar(min(up{"),
        "{}",
        files[0].contents
    );
    let Some(bin) = promtool() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), &files);
    let (ok, out) = run(bin, dir.path(), &["check", "rules", RULES_FILE]);
    assert!(ok, "{out}");
    let (ok, out) = run(bin, dir.path(), &["test", "rules", TESTS_FILE]);
    assert!(ok, "{out}");
}

#[test]
fn promtool_fails_when_an_expectation_or_a_query_is_wrong() {
    let Some(bin) = promtool() else { return };
    let (_, files) = suite_of(None);
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), &files);

    // Claim the zero-traffic ratio is a number: promtool must disagree.
    let tests = dir.path().join(TESTS_FILE);
    let text = std::fs::read_to_string(&tests).expect("read");
    let marker = "name: \"http-5xx-rate: zero traffic\"";
    let at = text.find(marker).expect("zero-traffic test present");
    let value = at + text[at..].find("value: 1").expect("NaN expectation");
    let mut broken = text.clone();
    broken.replace_range(value..value + "value: 1".len(), "value: 0");
    std::fs::write(&tests, &broken).expect("write");
    let (ok, out) = run(bin, dir.path(), &["test", "rules", TESTS_FILE]);
    assert!(!ok, "a wrong NaN expectation passed:\n{out}");
    assert!(out.contains("http_5xx_rate"), "{out}");
    std::fs::write(&tests, &text).expect("restore");

    // A query that counts 4xx instead of 5xx: the failing (5xx burst) scenario no longer fails.
    let rules = dir.path().join(RULES_FILE);
    let text = std::fs::read_to_string(&rules).expect("read");
    let wrong = text.replacen("code=~\\\"5..\\\"", "code=~\\\"4..\\\"", 1);
    assert_ne!(wrong, text, "the 5xx matcher is in the rules file");
    std::fs::write(&rules, wrong).expect("write");
    let (ok, out) = run(bin, dir.path(), &["test", "rules", TESTS_FILE]);
    assert!(!ok, "a query selecting the wrong series passed:\n{out}");
    std::fs::write(&rules, &text).expect("restore");

    // An abort alert that waits 10m before paging is still pending when the test expects a page.
    let slow = text.replacen("for: 1m", "for: 10m", 1);
    assert_ne!(slow, text, "CanaryAborted has `for: 1m`");
    std::fs::write(&rules, slow).expect("write");
    let (ok, out) = run(bin, dir.path(), &["test", "rules", TESTS_FILE]);
    assert!(!ok, "a slower alert passed:\n{out}");
    assert!(out.contains("CanaryAborted"), "{out}");
    std::fs::write(&rules, &text).expect("restore");
    let (ok, out) = run(bin, dir.path(), &["test", "rules", TESTS_FILE]);
    assert!(ok, "restored files pass:\n{out}");
}

/// Odd but valid gate queries: the suite never panics, every gate is either covered or says
/// why, the files pass their self-check, and promtool (when present) accepts and passes them.
#[test]
fn odd_queries_are_covered_or_explained_and_promtool_agrees() {
    let queries = [
        // A filter comparison keeps the metric name; count of an empty vector is empty.
        (r#"count(up{job="{{args.job}}"} == 0)"#, true),
        // Alternation and a label value that needs escaping.
        (
            r#"sum(rate(http_requests_total{job="{{args.job}}",code=~"5..|429",path="/a\"b"}[5m]))"#,
            true,
        ),
        // A regex that matches the empty string adds no label.
        (
            r#"sum(increase(jobs_failed_total{job="{{args.job}}",queue=~".*"}[5m]))"#,
            true,
        ),
        // Arithmetic with scalars and functions the evaluator models.
        (
            r#"clamp_min(1 - sum(rate(ok_total{job="{{args.job}}"}[5m])) / sum(rate(all_total{job="{{args.job}}"}[5m])), 0)"#,
            true,
        ),
        // Outside the subset: named, not guessed.
        (
            r#"sum(rate(x_total{job="{{args.job}}"}[5m] offset 5m))"#,
            false,
        ),
        (r#"sum(rate(x_total{job="{{args.job}}"}[90s]))"#, false),
        (
            r#"sum by (code) (rate(http_requests_total{job="{{args.job}}"}[5m]))"#,
            true,
        ),
        // A classic histogram: buckets are synthesised around the threshold.
        (
            r#"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="{{args.job}}"}[5m])))"#,
            true,
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = promtool();
    for (i, (query, modelled)) in queries.iter().enumerate() {
        let mut loaded = load(None);
        loaded.spec.metrics.truncate(1);
        if let Some(q) = loaded.spec.metrics[0].prometheus.as_mut() {
            q.query = query.to_string();
            // Odd shapes, not about scoping: measured app-wide.
            q.scope = QueryScope::App;
        }
        validate(&loaded).unwrap_or_else(|e| panic!("{query}: {}", e.render(false)));
        let suite = suite(&build(&loaded.spec));
        let g = &suite.gates[0];
        if *modelled {
            assert_eq!(g.uncovered, None, "{query}");
        } else {
            assert!(
                g.uncovered.is_some() && g.scenarios.is_empty(),
                "{query}: {g:?}"
            );
        }
        let files = render(&suite).unwrap_or_else(|e| panic!("{query}: {e}"));
        let sub = dir.path().join(i.to_string());
        std::fs::create_dir_all(&sub).expect("mkdir");
        write(&sub, &files);
        if let Some(bin) = bin {
            let (ok, out) = run(bin, &sub, &["check", "rules", RULES_FILE]);
            assert!(ok, "{query}: check rules:\n{out}");
            let (ok, out) = run(bin, &sub, &["test", "rules", TESTS_FILE]);
            assert!(ok, "{query}: test rules:\n{out}");
        }
    }
}

/// A p99 latency gate on a classic histogram: observations below the threshold pass, above it
/// fail, no observations give NaN (0/0 in the quantile), no buckets an empty result.
#[test]
fn latency_histogram_gate() {
    let mut loaded = load(None);
    loaded.spec.metrics.truncate(1);
    let m = &mut loaded.spec.metrics[0];
    m.max = Some(0.5);
    if let Some(q) = m.prometheus.as_mut() {
        q.query = r#"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="{{args.job}}",rollouts_pod_template_hash="{{args.canary-hash}}"}[5m])))"#.into();
    }
    validate(&loaded).expect("validates");
    let suite = suite(&build(&loaded.spec));
    let g = &suite.gates[0];
    assert_eq!(g.uncovered, None);
    let value = |name: &str| match outcome(g, name) {
        (Outcome::Value(v), _) => v,
        other => panic!("{name}: {other:?}"),
    };
    assert!(value("healthy") < 0.5 && value("failing") > 0.5);
    assert_eq!(
        outcome(g, "zero traffic"),
        (Outcome::NaN, Verdict::Successful)
    );
    assert_eq!(
        outcome(g, "no series"),
        (Outcome::Empty, Verdict::Successful)
    );
    let healthy = g.scenario("healthy").expect("healthy");
    assert!(
        healthy
            .series
            .iter()
            .any(|s| s.labels.get("le").map(String::as_str) == Some("+Inf")),
        "buckets end with +Inf: {healthy:?}"
    );
    if let Some(bin) = promtool() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), &render(&suite).expect("renders"));
        let (ok, out) = run(bin, dir.path(), &["test", "rules", TESTS_FILE]);
        assert!(ok, "{out}");
    }
}

/// Issue 12, hard defect 2: the CanaryAborted alert fires on a standard prometheus-operator
/// stack. The argo-helm chart's ServiceMonitor sets no `honorLabels`
/// (`charts/argo-rollouts/templates/controller/servicemonitor.yaml`), so prometheus-operator
/// (`pkg/prometheus/promcfg.go` `generateServiceMonitorConfig`) attaches the target's
/// `namespace` (the controller's, `argo-rollouts`) and Prometheus renames the controller's own
/// label to `exported_namespace` (`honor_labels`, docs/configuration/configuration.md).
/// Series as each setup stores them go through the real `promtool test rules`.
#[test]
fn the_abort_alert_fires_under_either_namespace_labelling() {
    let (suite, files) = suite_of(None);
    let aborted = suite
        .alerts
        .iter()
        .find(|a| a.alert == "CanaryAborted")
        .expect("CanaryAborted planned");
    // The generated suite proves each side alone.
    let sides: Vec<&str> = aborted
        .firing_alone
        .iter()
        .flat_map(|(series, _)| series)
        .filter_map(|s| {
            ["namespace", "exported_namespace"]
                .into_iter()
                .find(|l| s.labels.contains_key(*l))
        })
        .collect();
    assert_eq!(sides, ["namespace", "exported_namespace"]);
    let Some(bin) = promtool() else { return };
    let bundle = build(&load(None).spec);
    let rule = bundle
        .prometheus_rule
        .as_ref()
        .and_then(|r| r.spec.groups.first())
        .and_then(|g| {
            g.rules
                .iter()
                .find(|r| r.alert.as_deref() == Some("CanaryAborted"))
        })
        .expect("CanaryAborted rule")
        .clone();
    let (ns, app) = (&bundle.spec.app.namespace, &bundle.spec.app.name);
    let case = |name: &str, series: String| {
        let mut labels = rule.labels.clone().unwrap_or_default();
        labels.insert("rollout".into(), app.clone());
        serde_json::json!({
            "name": name,
            "interval": "1m",
            "input_series": [{"series": series, "values": "1+0x10"}],
            "alert_rule_test": [{
                "alertname": "CanaryAborted",
                "eval_time": "5m",
                "exp_alerts": [{"exp_labels": labels, "exp_annotations": rule.annotations.clone().unwrap_or_default()}],
            }],
        })
    };
    let tests = serde_json::json!({
        "rule_files": [RULES_FILE],
        "evaluation_interval": "1m",
        "tests": [
            case(
                "ServiceMonitor without honorLabels",
                format!(r#"rollout_info{{namespace="argo-rollouts",exported_namespace="{ns}",name="{app}",phase="Abort",strategy="canary"}}"#),
            ),
            case(
                "labels kept (honorLabels or a scrape in the app namespace)",
                format!(r#"rollout_info{{namespace="{ns}",name="{app}",phase="Abort",strategy="canary"}}"#),
            ),
        ],
    });
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), &files);
    std::fs::write(dir.path().join("labelling.yml"), tests.to_string()).expect("write");
    let (ok, out) = run(bin, dir.path(), &["test", "rules", "labelling.yml"]);
    assert!(ok, "promtool test rules failed:\n{out}");
}

//! Files for the real Prometheus to check the gates with: a rules file holding every PromQL
//! expression the generator emits (one recording rule per gate query, args filled in as the
//! Rollout fills them, plus the PrometheusRule's alerts) for `promtool check rules`, and a
//! `promtool test rules` file that shows each gate's behaviour on synthetic series: healthy
//! traffic, a failing burst, zero traffic and no series at all.
//!
//! The series are derived from the query's own selectors, and the scenarios are found by
//! evaluating the query ([`eval`]) and the rendered `successCondition` ([`condition`]) over a
//! small grid of counter rates and gauge values. promtool then proves, with Prometheus' own
//! engine, that the query returns what the test expects: an empty result, NaN, or a value on
//! the stated side of the threshold. Both files come from the same [`Bundle`] the templates
//! render, so they cannot drift from the AnalysisTemplate.

pub mod condition;
pub mod eval;

use std::collections::BTreeMap;

use promql_parser::label::MatchOp;
use promql_parser::parser::{Expr, VectorSelector};
use regex_syntax::hir::{Class, Hir, HirKind};
use serde_json::{Value, json};

use crate::bundle::{Bundle, number, prometheus_result_kind, success_condition, threshold};
use crate::render::{RenderError, RenderedFile, check_yaml, render_template_pub};
use crate::spec::{Provider, known_args};
use canary_core::model::analysis::substitute_args;
use canary_core::model::monitoring::Rule;
use canary_core::model::values::{IntOrString, parse_go_duration};
use condition::{Outcome, Verdict, verdict};
use eval::{Kind, Labels, Series, Value as EvalValue, selects};

/// The rules file `promtool check rules` reads.
pub const RULES_FILE: &str = "canary-gates.rules.yml";
/// The unit-test file `promtool test rules` reads.
pub const TESTS_FILE: &str = "canary-gates.test.yml";

/// Counter growth per minute tried when searching for scenarios.
const COUNTER_LEVELS: [f64; 5] = [0.0, 1.0, 10.0, 100.0, 1000.0];
/// Upper bound on grid points searched per gate.
const MAX_GRID: usize = 50_000;

/// One scenario of one gate.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// `healthy`, `failing`, `zero traffic` or `no series`.
    pub name: &'static str,
    /// The input series.
    pub series: Vec<Series>,
    /// What the query returns.
    pub outcome: Outcome,
    /// Labels of the returned sample (without `__name__`).
    pub labels: Labels,
    /// What Argo makes of it under the rendered condition.
    pub verdict: Verdict,
}

/// The test plan of one gate.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// Metric name in the AnalysisTemplate.
    pub metric: String,
    /// The recording rule's name.
    pub record: String,
    /// The query with args filled in.
    pub query: String,
    /// The rendered successCondition.
    pub condition: String,
    /// `<=` or `>=`.
    pub op: &'static str,
    /// The threshold.
    pub threshold: f64,
    /// Evaluation time, minutes.
    pub minutes: u64,
    /// Scenarios found.
    pub scenarios: Vec<Scenario>,
    /// Why behaviour scenarios could not be built (the query is still in the rules file).
    pub uncovered: Option<String>,
}

/// The test plan of one alerting rule of the PrometheusRule.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertCase {
    /// Alert name.
    pub alert: String,
    /// Evaluation time, minutes (past the rule's `for`).
    pub minutes: u64,
    /// Input series that make it fire, and the labels of the firing alerts.
    pub firing: Option<(Vec<Series>, Vec<Labels>)>,
    /// Input series that keep it quiet.
    pub quiet: Option<Vec<Series>>,
    /// For an expression over several selectors (the abort alert's `namespace` and
    /// `exported_namespace` sides): each selector's series alone, when it makes the alert
    /// fire, and the firing alerts' labels.
    pub firing_alone: Vec<(Vec<Series>, Vec<Labels>)>,
    /// Why it could not be planned.
    pub uncovered: Option<String>,
}

impl Gate {
    /// The scenario called `name` (`healthy`, `failing`, `zero traffic`, `no series`).
    pub fn scenario(&self, name: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.name == name)
    }
}

/// Everything the two files are made from.
#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    /// App name, for comments.
    pub app: String,
    /// One entry per gate.
    pub gates: Vec<Gate>,
    /// Metrics left out: they have no Prometheus query.
    pub skipped: Vec<String>,
    /// One entry per alerting rule of the PrometheusRule.
    pub alerts: Vec<AlertCase>,
    /// The rules file as data.
    pub rules: Value,
    /// The test file as data.
    pub tests: Value,
    /// One comment per test group, same order as `tests.tests`.
    pub comments: Vec<String>,
}

/// A recording-rule name for a metric: `canary_gate:` and the name with every character that
/// a metric name cannot hold replaced by `_`.
fn record_name(metric: &str, taken: &[String]) -> String {
    let base: String = metric
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut name = format!("canary_gate:{base}");
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("canary_gate:{base}_{n}");
        n += 1;
    }
    name
}

/// A string the regex (anchored, as PromQL anchors it) matches, preferring digits and letters.
fn example_for_regex(pattern: &str) -> Option<String> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let mut out = String::new();
    build_example(&hir, &mut out).then_some(out)
}

fn build_example(hir: &Hir, out: &mut String) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(lit) => match std::str::from_utf8(&lit.0) {
            Ok(s) => {
                out.push_str(s);
                true
            }
            Err(_) => false,
        },
        HirKind::Class(Class::Unicode(class)) => {
            let preferred = ('0'..='9').chain('a'..='z').chain('A'..='Z');
            let pick = preferred
                .into_iter()
                .find(|c| {
                    class
                        .ranges()
                        .iter()
                        .any(|r| r.start() <= *c && *c <= r.end())
                })
                .or_else(|| {
                    class
                        .ranges()
                        .iter()
                        .map(|r| r.start())
                        .find(|c| !c.is_control())
                });
            pick.map(|c| out.push(c)).is_some()
        }
        HirKind::Class(Class::Bytes(_)) => false,
        HirKind::Repetition(rep) => (0..rep.min).all(|_| build_example(&rep.sub, out)),
        HirKind::Capture(cap) => build_example(&cap.sub, out),
        HirKind::Concat(parts) => parts.iter().all(|p| build_example(p, out)),
        HirKind::Alternation(alts) => alts.first().is_some_and(|a| build_example(a, out)),
    }
}

/// Labels of a series the selector selects, or why none can be built.
fn series_labels(vs: &VectorSelector) -> Result<Labels, String> {
    let mut labels = Labels::new();
    if let Some(name) = &vs.name {
        labels.insert("__name__".into(), name.clone());
    }
    for m in eval::matchers(vs)? {
        match &m.op {
            MatchOp::Equal if !m.value.is_empty() => {
                labels.insert(m.name.clone(), m.value.clone());
            }
            MatchOp::Re(re) if !re.is_match("") => {
                let value = example_for_regex(&m.value)
                    .ok_or_else(|| format!("no example value for {}=~{:?}", m.name, m.value))?;
                labels.insert(m.name.clone(), value);
            }
            _ => {}
        }
    }
    if !labels.contains_key("__name__") {
        return Err("a selector without a metric name".into());
    }
    if !selects(vs, &labels)? {
        return Err(format!("no series satisfies the selector {vs}"));
    }
    Ok(labels)
}

/// Series a negative matcher of the selector excludes (`code!~"5.."` excludes `code="500"`):
/// other selectors of the query may count them, as a denominator counts the errors a
/// numerator leaves out, so they get a series of their own.
fn excluded_labels(vs: &VectorSelector, base: &Labels) -> Result<Vec<Labels>, String> {
    let mut out = Vec::new();
    for m in eval::matchers(vs)? {
        let value = match &m.op {
            MatchOp::NotEqual if !m.value.is_empty() => Some(m.value.clone()),
            MatchOp::NotRe(_) => example_for_regex(&m.value).filter(|v| !v.is_empty()),
            _ => None,
        };
        if let Some(value) = value {
            let mut labels = base.clone();
            labels.insert(m.name.clone(), value);
            out.push(labels);
        }
    }
    Ok(out)
}

fn add(out: &mut Vec<(Labels, Kind)>, vs: &VectorSelector, kind: Kind) -> Result<(), String> {
    let labels = series_labels(vs)?;
    let excluded = excluded_labels(vs, &labels)?;
    for labels in std::iter::once(labels).chain(excluded) {
        match out.iter().find(|(l, _)| *l == labels) {
            Some((_, k)) if *k != kind => {
                return Err(format!(
                    "the series {} is read both as a counter and as a gauge",
                    series_text(&labels)
                ));
            }
            Some(_) => {}
            None => out.push((labels, kind)),
        }
    }
    Ok(())
}

/// The series the query's selectors read, with their kind, and the longest range in minutes.
fn collect(expr: &Expr, out: &mut Vec<(Labels, Kind)>, longest: &mut u64) -> Result<(), String> {
    collect_in(expr, out, longest, false)
}

/// `hist`: inside the vector argument of `histogram_quantile`, where counters are buckets.
fn collect_in(
    expr: &Expr,
    out: &mut Vec<(Labels, Kind)>,
    longest: &mut u64,
    hist: bool,
) -> Result<(), String> {
    let collect = |e: &Expr, out: &mut Vec<(Labels, Kind)>, longest: &mut u64| {
        collect_in(e, out, longest, hist)
    };
    match expr {
        Expr::VectorSelector(vs) => add(out, vs, Kind::Gauge),
        Expr::MatrixSelector(_) => Err("a range vector outside a function".into()),
        Expr::Call(call) => {
            let kind = match call.func.name {
                "rate" | "irate" | "increase" => Some(Kind::Counter),
                "delta" | "idelta" | "deriv" | "avg_over_time" | "min_over_time"
                | "max_over_time" | "last_over_time" => Some(Kind::Gauge),
                _ => None,
            };
            let hist_args = call.func.name == "histogram_quantile";
            for arg in &call.args.args {
                match (arg.as_ref(), kind) {
                    (Expr::MatrixSelector(ms), Some(kind)) => {
                        *longest = (*longest).max(ms.range.as_secs().div_ceil(60));
                        let kind = match kind {
                            Kind::Counter if hist => Kind::Histogram,
                            k => k,
                        };
                        add(out, &ms.vs, kind)?;
                    }
                    (other, _) => collect_in(other, out, longest, hist || hist_args)?,
                }
            }
            Ok(())
        }
        Expr::Aggregate(agg) => collect(&agg.expr, out, longest),
        Expr::Binary(bin) => {
            collect(&bin.lhs, out, longest)?;
            collect(&bin.rhs, out, longest)
        }
        Expr::Paren(p) => collect(&p.expr, out, longest),
        Expr::Unary(u) => collect(&u.expr, out, longest),
        Expr::NumberLiteral(_) => Ok(()),
        Expr::Subquery(_) => Err("subqueries".into()),
        Expr::StringLiteral(_) | Expr::Extension(_) => Err("string expressions".into()),
    }
}

/// `name{a="b"}` in the series notation promtool reads (label values Go-quoted).
pub fn series_text(labels: &Labels) -> String {
    let name = labels.get("__name__").cloned().unwrap_or_default();
    let rest: Vec<String> = labels
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| format!("{k}={}", go_quote(v)))
        .collect();
    if rest.is_empty() && !name.is_empty() {
        name
    } else {
        format!("{name}{{{}}}", rest.join(","))
    }
}

fn go_quote(v: &str) -> String {
    let mut out = String::from('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn outcome_of(value: &EvalValue) -> Option<(Outcome, Labels)> {
    let (v, labels) = match value {
        EvalValue::Scalar(v) => (*v, Labels::new()),
        EvalValue::Vector(samples) => match samples.as_slice() {
            [] => return Some((Outcome::Empty, Labels::new())),
            [(labels, v)] => {
                let mut labels = labels.clone();
                labels.remove("__name__");
                (*v, labels)
            }
            // Several samples: `result[0]` depends on order Argo does not fix.
            _ => return None,
        },
    };
    Some((
        if v.is_nan() {
            Outcome::NaN
        } else {
            Outcome::Value(v)
        },
        labels,
    ))
}

/// Build the scenarios of one gate.
fn plan_gate(
    metric: &str,
    record: String,
    query: String,
    condition: String,
    (op, t): (&'static str, f64),
) -> Gate {
    let mut gate = Gate {
        metric: metric.to_string(),
        record,
        query,
        condition,
        op,
        threshold: t,
        minutes: 10,
        scenarios: Vec::new(),
        uncovered: None,
    };
    if let Err(why) = fill_scenarios(&mut gate) {
        gate.scenarios.clear();
        gate.uncovered = Some(why);
    }
    gate
}

/// Observations per minute a synthetic histogram receives.
const HISTOGRAM_RATE: f64 = 10.0;

/// Bucket bounds of a synthetic histogram around the threshold (a latency gate's `max`), so
/// traffic can sit clearly below or above it; `+Inf` last, as Prometheus requires.
fn histogram_bounds(t: f64) -> Vec<f64> {
    let mut b: Vec<f64> = if t > 0.0 && t.is_finite() {
        vec![t / 4.0, t / 2.0, t, t * 2.0, t * 4.0]
    } else {
        vec![0.1, 1.0, 10.0]
    };
    b.push(f64::INFINITY);
    b
}

/// The series of one grid point: a histogram shape at level `k > 0` puts all its traffic in
/// bucket `k - 1` (cumulative `le` counters: the buckets from there up grow, the ones below
/// stay at 0); level 0 is a histogram with no traffic.
fn expand(shapes: &[(Labels, Kind)], pick: &[f64], bounds: &[f64]) -> Vec<Series> {
    let mut out = Vec::new();
    for ((labels, kind), level) in shapes.iter().zip(pick) {
        if *kind != Kind::Histogram {
            out.push(Series {
                labels: labels.clone(),
                kind: *kind,
                level: *level,
            });
            continue;
        }
        for (j, bound) in bounds.iter().enumerate() {
            let mut bucket = labels.clone();
            let le = if bound.is_infinite() {
                "+Inf".to_string()
            } else {
                number(*bound)
            };
            bucket.insert("le".into(), le);
            let filled = *level > 0.0 && (j as f64) >= *level - 1.0;
            out.push(Series {
                labels: bucket,
                kind: Kind::Counter,
                level: if filled { HISTOGRAM_RATE } else { 0.0 },
            });
        }
    }
    out
}

fn fill_scenarios(gate: &mut Gate) -> Result<(), String> {
    let expr = canary_core::promql::parse(&gate.query)?;
    let mut shapes = Vec::new();
    let mut longest = 0;
    collect(&expr, &mut shapes, &mut longest)?;
    if shapes.is_empty() {
        return Err("the query reads no series".into());
    }
    gate.minutes = longest.max(5) + 5;
    let minutes = gate.minutes as f64;
    let t = gate.threshold;
    let mut gauge_levels: Vec<f64> = [0.0, 1.0, 100.0, t / 2.0, t * 2.0, t - 1.0, t + 1.0]
        .into_iter()
        .filter(|v| v.is_finite())
        .collect();
    gauge_levels.sort_by(f64::total_cmp);
    gauge_levels.dedup();
    let bounds = histogram_bounds(t);
    let histogram_levels: Vec<f64> = (0..=bounds.len()).map(|k| k as f64).collect();
    let levels: Vec<&[f64]> = shapes
        .iter()
        .map(|(_, kind)| match kind {
            Kind::Counter => &COUNTER_LEVELS[..],
            Kind::Gauge => gauge_levels.as_slice(),
            Kind::Histogram => histogram_levels.as_slice(),
        })
        .collect();
    let grid = levels
        .iter()
        .try_fold(1usize, |acc, l| acc.checked_mul(l.len()))
        .filter(|n| *n <= MAX_GRID)
        .ok_or("too many distinct series to search")?;

    let series_for = |pick: &[f64]| -> Vec<Series> { expand(&shapes, pick, &bounds) };
    let run = |series: Vec<Series>, name: &'static str| -> Result<Option<Scenario>, String> {
        let value = eval::eval(&expr, &series, minutes)?;
        let Some((outcome, labels)) = outcome_of(&value) else {
            return Ok(None);
        };
        let verdict = verdict(&gate.condition, outcome)?;
        Ok(Some(Scenario {
            name,
            series,
            outcome,
            labels,
            verdict,
        }))
    };
    // A value must sit clearly on one side of the threshold, so float rounding in the engine
    // cannot flip the test. Landing exactly on an integer threshold is allowed only when no
    // counter moves and every level is an integer: then every step (sums, min/max, zero
    // rates) is exact integer arithmetic.
    let clear = |o: Outcome, pick: &[f64], moving: usize| match o {
        Outcome::Value(v) if v == t => {
            moving == 0 && t.fract() == 0.0 && pick.iter().all(|l| l.fract() == 0.0)
        }
        Outcome::Value(v) => (v - t).abs() > 1e-6 * t.abs().max(1.0),
        Outcome::Empty | Outcome::NaN => false,
    };

    // Best healthy and failing points: a clear value, first in grid order among the liveliest.
    // (tier, counters moving, series non-zero) of the best point so far, per verdict.
    type Score = (u8, usize, usize);
    let mut best: [Option<(Score, Scenario, Vec<f64>)>; 2] = [None, None];
    let mut pick = vec![0.0; shapes.len()];
    for mut i in 0..grid {
        for (slot, l) in pick.iter_mut().zip(&levels).rev() {
            *slot = l[i % l.len()];
            i /= l.len();
        }
        let moving = shapes
            .iter()
            .zip(&pick)
            .filter(|((_, k), v)| *k != Kind::Gauge && **v != 0.0)
            .count();
        let Some(s) = run(series_for(&pick), "")? else {
            continue;
        };
        // A clear value beats an empty or NaN result (which some gates pass on, e.g.
        // `count(up == 0)` is empty when every instance is up); a value too close to the
        // threshold is never used.
        let tier = match s.outcome {
            Outcome::Value(_) if clear(s.outcome, &pick, moving) => 1,
            Outcome::Value(_) => continue,
            Outcome::Empty | Outcome::NaN => 0,
        };
        let slot = match s.verdict {
            Verdict::Successful => 0,
            Verdict::Failed => 1,
            Verdict::Error => continue,
        };
        // Most counters moving, then most series non-zero: the liveliest point is the most
        // realistic picture of that verdict.
        let score = (tier, moving, pick.iter().filter(|v| **v != 0.0).count());
        if best[slot].as_ref().is_none_or(|(m, _, _)| score > *m) {
            best[slot] = Some((score, s, pick.clone()));
        }
    }
    let [healthy, failing] = best;
    // The gauges of the zero-traffic picture keep the values of the healthy (else failing) point.
    let base: Vec<f64> = healthy
        .as_ref()
        .or(failing.as_ref())
        .map(|(_, _, pick)| pick.clone())
        .unwrap_or_else(|| vec![1.0; shapes.len()]);
    let healthy = healthy.map(|(_, s, _)| Scenario {
        name: "healthy",
        ..s
    });
    let failing = failing.map(|(_, s, _)| Scenario {
        name: "failing",
        ..s
    });
    let mut missing = Vec::new();
    if healthy.is_none() {
        missing.push("no grid point passes the condition");
    }
    if failing.is_none() {
        missing.push("no grid point fails it");
    }
    gate.scenarios.extend(healthy);
    gate.scenarios.extend(failing);
    if shapes.iter().any(|(_, k)| *k != Kind::Gauge) {
        let idle: Vec<f64> = shapes
            .iter()
            .zip(&base)
            .map(|((_, k), v)| if *k == Kind::Gauge { *v } else { 0.0 })
            .collect();
        gate.scenarios
            .extend(run(series_for(&idle), "zero traffic")?);
    }
    gate.scenarios.extend(run(Vec::new(), "no series")?);
    if !missing.is_empty() {
        return Err(missing.join("; "));
    }
    Ok(())
}

/// Plan an alerting rule: inputs that make it fire (and the alerts' labels) and inputs that
/// keep it quiet, evaluated past its `for` so a firing alert has left pending.
fn plan_alert(rule: &Rule) -> AlertCase {
    let alert = rule.alert.clone().unwrap_or_default();
    let mut case = AlertCase {
        alert,
        minutes: 0,
        firing: None,
        quiet: None,
        firing_alone: Vec::new(),
        uncovered: None,
    };
    if let Err(why) = fill_alert(&mut case, rule) {
        case.firing = None;
        case.quiet = None;
        case.firing_alone.clear();
        case.uncovered = Some(why);
    }
    case
}

fn fill_alert(case: &mut AlertCase, rule: &Rule) -> Result<(), String> {
    let expr_text = match &rule.expr {
        Some(IntOrString::String(s)) => s.clone(),
        Some(IntOrString::Int(i)) => i.to_string(),
        None => return Err("no expr".into()),
    };
    let templated = |m: &Option<BTreeMap<String, String>>| {
        m.iter().flat_map(|m| m.values()).any(|v| v.contains("{{"))
    };
    if templated(&rule.labels) || templated(&rule.annotations) {
        return Err("templated labels or annotations".into());
    }
    let pending = match &rule.for_ {
        Some(d) => parse_go_duration(d)
            .map_err(|e| e.to_string())?
            .div_ceil(60),
        None => 0,
    };
    let expr = canary_core::promql::parse(&expr_text)?;
    let mut shapes = Vec::new();
    let mut longest = 0;
    collect(&expr, &mut shapes, &mut longest)?;
    case.minutes = longest + pending + 2;
    let minutes = case.minutes as f64;
    let samples = |series: &[Series]| -> Result<Vec<Labels>, String> {
        match eval::eval(&expr, series, minutes)? {
            EvalValue::Vector(v) => Ok(v
                .into_iter()
                .map(|(mut l, _)| {
                    l.remove("__name__");
                    l
                })
                .collect()),
            EvalValue::Scalar(_) => Err("a scalar alert expression".into()),
        }
    };
    // Candidates: every series at 1, then each dropped to 0 in turn, then no series at all.
    let all: Vec<Series> = shapes
        .iter()
        .map(|(labels, kind)| Series {
            labels: labels.clone(),
            kind: *kind,
            level: 1.0,
        })
        .collect();
    let mut candidates = vec![all.clone()];
    for i in 0..all.len() {
        let mut c = all.clone();
        c[i].level = 0.0;
        candidates.push(c);
    }
    candidates.push(Vec::new());
    let with_rule_labels = |got: Vec<Labels>| -> Vec<Labels> {
        let rule_labels = rule.labels.clone().unwrap_or_default();
        got.into_iter()
            .map(|mut l| {
                l.extend(rule_labels.clone());
                l
            })
            .collect()
    };
    if all.len() > 1 {
        for one in &all {
            let alone = vec![one.clone()];
            let got = samples(&alone)?;
            if !got.is_empty() {
                case.firing_alone.push((alone, with_rule_labels(got)));
            }
        }
    }
    for series in &candidates {
        let got = samples(series)?;
        if got.is_empty() {
            // Prefer the plainest quiet picture: no series at all, when that is quiet.
            if case.quiet.is_none() || series.is_empty() {
                case.quiet = Some(series.clone());
            }
        } else if case.firing.is_none() {
            case.firing = Some((series.clone(), with_rule_labels(got)));
        }
    }
    match (&case.firing, &case.quiet) {
        (Some(_), Some(_)) => Ok(()),
        (None, _) => Err("no input makes it fire".into()),
        (_, None) => Err("no input keeps it quiet".into()),
    }
}

fn input_series(series: &[Series], n: u64) -> Vec<Value> {
    series
        .iter()
        .map(|series| {
            let values = match series.kind {
                Kind::Counter | Kind::Histogram => format!("0+{}x{n}", number(series.level)),
                Kind::Gauge => format!("{}+0x{n}", number(series.level)),
            };
            json!({"series": series_text(&series.labels), "values": values})
        })
        .collect()
}

fn describe_inputs(series: &[Series]) -> String {
    if series.is_empty() {
        return "no input series".to_string();
    }
    // Histogram buckets are told as one histogram: where its observations fall.
    let mut parts: Vec<String> = Vec::new();
    let mut histograms: Vec<(Labels, Option<(String, f64)>)> = Vec::new();
    for s in series {
        let Some(le) = s.labels.get("le") else {
            parts.push(describe_series(s));
            continue;
        };
        let mut base = s.labels.clone();
        base.remove("le");
        let first = (s.level != 0.0).then(|| (le.clone(), s.level));
        match histograms.iter_mut().find(|(l, _)| *l == base) {
            Some((_, seen)) => {
                if seen.is_none() {
                    *seen = first;
                }
            }
            None => histograms.push((base, first)),
        }
    }
    for (labels, first) in histograms {
        parts.push(match first {
            Some((le, rate)) => format!(
                "{} +{}/min observations, all in the le=\"{le}\" bucket",
                series_text(&labels),
                number(rate)
            ),
            None => format!("{} buckets, no observations", series_text(&labels)),
        });
    }
    parts.join(", ")
}

fn alert_groups(case: &AlertCase, rule: &Rule) -> Vec<(Value, String)> {
    let at = minutes_text(case.minutes);
    let annotations = rule.annotations.clone().unwrap_or_default();
    // One test group: `name`, its inputs, the alerts expected at `at`, and its comment.
    let group = |name: String, series: &[Series], alerts: &[Labels], says: String| {
        let exp: Vec<Value> = alerts
            .iter()
            .map(|labels| json!({"exp_labels": labels, "exp_annotations": annotations}))
            .collect();
        (
            json!({"name": name, "interval": "1m",
                   "input_series": input_series(series, case.minutes),
                   "alert_rule_test": [{"alertname": case.alert, "eval_time": at, "exp_alerts": exp}]}),
            format!(
                "{says}: {} -> {} at {at}",
                describe_inputs(series),
                if alerts.is_empty() {
                    "no alert"
                } else {
                    "firing"
                }
            ),
        )
    };
    let mut out = Vec::new();
    if let Some((series, alerts)) = &case.firing {
        let fires = format!("{}: fires", case.alert);
        out.push(group(fires.clone(), series, alerts, fires));
    }
    for (series, alerts) in &case.firing_alone {
        let only = series
            .first()
            .map(|s| series_text(&s.labels))
            .unwrap_or_default();
        out.push(group(
            format!("{}: fires on {only} alone", case.alert),
            series,
            alerts,
            format!("{}: fires on one labelling alone", case.alert),
        ));
    }
    if let Some(series) = &case.quiet {
        let quiet = format!("{}: quiet", case.alert);
        out.push(group(quiet.clone(), series, &[], quiet));
    }
    out
}

fn minutes_text(m: u64) -> String {
    format!("{m}m")
}

fn describe_series(s: &Series) -> String {
    match s.kind {
        Kind::Counter | Kind::Histogram => {
            format!("{} +{}/min", series_text(&s.labels), number(s.level))
        }
        Kind::Gauge => format!("{} = {}", series_text(&s.labels), number(s.level)),
    }
}

fn describe_outcome(o: Outcome) -> String {
    match o {
        Outcome::Empty => "an empty result".into(),
        Outcome::NaN => "NaN".into(),
        Outcome::Value(v) => format!("{v:.4}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string(),
    }
}

fn label_text(labels: &Labels) -> String {
    let parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}={}", go_quote(v)))
        .collect();
    format!("{{{}}}", parts.join(","))
}

fn test_group(gate: &Gate, s: &Scenario) -> (Value, String) {
    let input = input_series(&s.series, gate.minutes);
    let at = minutes_text(gate.minutes);
    let r = &gate.record;
    let nan_check = |is_nan: bool| {
        json!({"expr": format!("{r} != bool {r}"), "eval_time": at,
               "exp_samples": [{"labels": label_text(&s.labels), "value": if is_nan { 1 } else { 0 }}]})
    };
    let tests = match s.outcome {
        Outcome::Empty => vec![json!({"expr": r, "eval_time": at, "exp_samples": []})],
        Outcome::NaN => vec![nan_check(true)],
        Outcome::Value(v) => {
            let holds = if gate.op == "<=" {
                v <= gate.threshold
            } else {
                v >= gate.threshold
            };
            vec![
                nan_check(false),
                json!({"expr": format!("{r} {} bool {}", gate.op, number(gate.threshold)),
                       "eval_time": at,
                       "exp_samples": [{"labels": label_text(&s.labels), "value": if holds { 1 } else { 0 }}]}),
            ]
        }
    };
    let name = format!("{}: {}", gate.metric, s.name);
    let inputs = describe_inputs(&s.series);
    let comment = format!(
        "{name}: {inputs} -> {} at {at}; Argo: {}",
        describe_outcome(s.outcome),
        s.verdict.as_str()
    );
    (
        json!({"name": name, "interval": "1m", "input_series": input, "promql_expr_test": tests}),
        comment,
    )
}

/// Plan the suite for a bundle. Every metric with a Prometheus query is covered, whatever
/// provider the bundle renders; its condition is the one the Prometheus template would carry.
pub fn suite(bundle: &Bundle) -> Suite {
    let spec = &bundle.spec;
    let args = known_args(spec);
    let mut taken = Vec::new();
    let mut gates = Vec::new();
    let mut skipped = Vec::new();
    for m in &spec.metrics {
        let Some(q) = &m.prometheus else {
            skipped.push(m.name.clone());
            continue;
        };
        let query = substitute_args(&q.query, |name| args.get(name).cloned());
        let record = record_name(&m.name, &taken);
        taken.push(record.clone());
        gates.push(plan_gate(
            &m.name,
            record,
            query,
            success_condition(m, Provider::Prometheus, prometheus_result_kind(spec, m)),
            threshold(m),
        ));
    }
    let mut groups: Vec<Value> = (!gates.is_empty()).then(|| json!({
        "name": format!("{}-canary-gates", spec.app.name),
        // A recording rule must be a vector (promtool check rules refuses a scalar), so a
        // scalar gate is recorded through `vector(…)`: the same number, one series, no labels.
        "rules": gates.iter().map(|g| {
            let scalar = canary_core::promql_shape::shape(&g.query).is_ok_and(|s| s.kind == canary_core::promql_shape::ResultKind::Scalar);
            let expr = if scalar { format!("vector({})", g.query) } else { g.query.clone() };
            json!({"record": g.record, "expr": expr})
        }).collect::<Vec<_>>(),
    })).into_iter().collect();
    if let Some(rule) = &bundle.prometheus_rule {
        for g in &rule.spec.groups {
            groups.push(serde_json::to_value(g).unwrap_or(Value::Null));
        }
    }
    let mut tests = Vec::new();
    let mut comments = Vec::new();
    for g in &gates {
        for s in &g.scenarios {
            let (t, c) = test_group(g, s);
            tests.push(t);
            comments.push(c);
        }
    }
    let mut alerts = Vec::new();
    let alert_rules = bundle
        .prometheus_rule
        .iter()
        .flat_map(|r| &r.spec.groups)
        .flat_map(|g| &g.rules)
        .filter(|r| r.alert.is_some());
    for rule in alert_rules {
        let case = plan_alert(rule);
        for (t, c) in alert_groups(&case, rule) {
            tests.push(t);
            comments.push(c);
        }
        alerts.push(case);
    }
    Suite {
        app: spec.app.name.clone(),
        gates,
        skipped,
        alerts,
        rules: json!({"groups": groups}),
        tests: json!({"rule_files": [RULES_FILE], "evaluation_interval": "1m", "tests": tests}),
        comments,
    }
}

/// Render both files, self-checked like every other YAML the generator writes.
pub fn render(suite: &Suite) -> Result<Vec<RenderedFile>, RenderError> {
    let uncovered: Vec<String> = suite
        .gates
        .iter()
        .filter_map(|g| {
            g.uncovered
                .as_ref()
                .map(|why| format!("{}: {why}", g.metric))
        })
        .chain(suite.alerts.iter().filter_map(|a| {
            a.uncovered
                .as_ref()
                .map(|why| format!("alert {}: {why}", a.alert))
        }))
        .collect();
    let gates: Vec<Value> = suite
        .gates
        .iter()
        .map(|g| json!({"metric": g.metric, "record": g.record, "condition": g.condition}))
        .collect();
    let tests: Vec<Value> = suite
        .tests
        .get("tests")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .zip(&suite.comments)
        .map(|(doc, comment)| json!({"doc": doc, "comment": comment}))
        .collect();
    let ctx = json!({
        "app": suite.app,
        "rules": suite.rules,
        "gates": gates,
        "skipped": suite.skipped,
        "tests": tests,
        "uncovered": uncovered,
        "rules_file": RULES_FILE,
        "tests_file": TESTS_FILE,
    });
    let mut files = Vec::new();
    for (name, path, doc, what) in [
        (
            "promtool-rules.yml.j2",
            RULES_FILE,
            &suite.rules,
            "rules file for `promtool check rules`",
        ),
        (
            "promtool-tests.yml.j2",
            TESTS_FILE,
            &suite.tests,
            "unit tests for `promtool test rules`",
        ),
    ] {
        let text = render_template_pub(name, ctx.clone())?;
        check_yaml(path, &text, std::slice::from_ref(doc))?;
        files.push(RenderedFile {
            path: path.to_string(),
            what: what.to_string(),
            contents: text,
            is_manifest: false,
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_examples_match() {
        assert_eq!(example_for_regex("5..").as_deref(), Some("500"));
        assert_eq!(example_for_regex("(GET|POST)").as_deref(), Some("GET"));
        assert_eq!(example_for_regex("[4-5]xx").as_deref(), Some("4xx"));
    }

    #[test]
    fn series_notation_quotes_values() {
        let labels: Labels = [("__name__", "m"), ("a", "x\"y")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(series_text(&labels), r#"m{a="x\"y"}"#);
    }
}

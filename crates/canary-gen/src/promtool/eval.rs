//! A PromQL evaluator for the subset gate queries use, over synthetic series that grow
//! linearly (counters) or stay constant (gauges). It only has to predict which side of a
//! threshold a query lands on, so `promtool test rules` can then prove it against the real
//! engine; anything outside the subset is reported as unsupported, never guessed.
//!
//! Semantics follow Prometheus 2.x `promql/engine.go` (`VectorBinop`, `resultMetric`,
//! `aggregation`) and `promql/functions.go` (`extrapolatedRate`, `funcAbsent`): with samples
//! every minute and an evaluation time on a sample, `rate(c[r])` of a counter growing `s` per
//! minute is exactly `s / 60` and `increase(c[r])` is `s * r / 60s`, because the window starts
//! and ends on a sample and no extrapolation happens.

use std::collections::BTreeMap;

use promql_parser::label::Matcher;
use promql_parser::parser::{
    AggregateExpr, BinaryExpr, Call, Expr, LabelModifier, MatrixSelector, VectorMatchCardinality,
    VectorSelector,
};

/// Label name to value, `__name__` included.
pub type Labels = BTreeMap<String, String>;

/// How a synthetic series moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Starts at 0 and grows by the level every minute.
    Counter,
    /// Stays at the level.
    Gauge,
    /// A classic histogram read by `histogram_quantile`: expanded into cumulative `le` bucket
    /// counters before evaluation (see `promtool::expand`); never evaluated as such.
    Histogram,
}

/// One synthetic input series.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Its labels.
    pub labels: Labels,
    /// Counter or gauge.
    pub kind: Kind,
    /// Growth per minute (counter) or value (gauge).
    pub level: f64,
}

/// An instant vector or a scalar.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A number.
    Scalar(f64),
    /// Samples with their labels.
    Vector(Vec<(Labels, f64)>),
}

/// Why the evaluator cannot model a query.
pub type Unsupported = String;

/// Evaluate `expr` at `minutes` over `series`.
pub fn eval(expr: &Expr, series: &[Series], minutes: f64) -> Result<Value, Unsupported> {
    Evaluator { series, minutes }.eval(expr)
}

struct Evaluator<'a> {
    series: &'a [Series],
    minutes: f64,
}

/// The selector's matchers, refusing the modifiers the evaluator does not model.
pub fn matchers(vs: &VectorSelector) -> Result<Vec<&Matcher>, Unsupported> {
    if vs.offset.is_some() || vs.at.is_some() {
        return Err("offset and @ modifiers".into());
    }
    if !vs.matchers.or_matchers.is_empty() {
        return Err("`or` inside a selector".into());
    }
    Ok(vs.matchers.matchers.iter().collect())
}

/// Does a series with `labels` match the selector (name and every matcher)?
pub fn selects(vs: &VectorSelector, labels: &Labels) -> Result<bool, Unsupported> {
    let get = |name: &str| labels.get(name).map_or("", String::as_str);
    if let Some(name) = &vs.name
        && get("__name__") != name
    {
        return Ok(false);
    }
    Ok(matchers(vs)?.iter().all(|m| m.is_match(get(&m.name))))
}

fn without_name(mut labels: Labels) -> Labels {
    labels.remove("__name__");
    labels
}

impl Evaluator<'_> {
    fn eval(&self, expr: &Expr) -> Result<Value, Unsupported> {
        match expr {
            Expr::NumberLiteral(n) => Ok(Value::Scalar(n.val)),
            Expr::Paren(p) => self.eval(&p.expr),
            Expr::Unary(u) => match self.eval(&u.expr)? {
                Value::Scalar(v) => Ok(Value::Scalar(-v)),
                Value::Vector(samples) => Ok(Value::Vector(
                    samples
                        .into_iter()
                        .map(|(l, v)| (without_name(l), -v))
                        .collect(),
                )),
            },
            Expr::VectorSelector(vs) => self.instant(vs),
            Expr::MatrixSelector(_) => Err("a range vector outside a function".into()),
            Expr::Call(call) => self.call(call),
            Expr::Aggregate(agg) => self.aggregate(agg),
            Expr::Binary(bin) => self.binary(bin),
            Expr::Subquery(_) => Err("subqueries".into()),
            Expr::StringLiteral(_) | Expr::Extension(_) => Err("string expressions".into()),
        }
    }

    fn instant(&self, vs: &VectorSelector) -> Result<Value, Unsupported> {
        let mut out = Vec::new();
        for s in self.series {
            if selects(vs, &s.labels)? {
                let v = match s.kind {
                    Kind::Counter => s.level * self.minutes,
                    Kind::Gauge => s.level,
                    Kind::Histogram => return Err("an unexpanded histogram".into()),
                };
                out.push((s.labels.clone(), v));
            }
        }
        Ok(Value::Vector(out))
    }

    fn range(&self, ms: &MatrixSelector) -> Result<(Vec<&Series>, f64), Unsupported> {
        let secs = ms.range.as_secs_f64();
        if secs <= 0.0 || secs % 60.0 != 0.0 {
            return Err("a range that is not a whole number of minutes".into());
        }
        if secs / 60.0 > self.minutes {
            return Err("a range longer than the synthetic history".into());
        }
        let mut out = Vec::new();
        for s in self.series {
            if selects(&ms.vs, &s.labels)? {
                out.push(s);
            }
        }
        Ok((out, secs))
    }

    fn vector_arg(&self, call: &Call, i: usize) -> Result<Vec<(Labels, f64)>, Unsupported> {
        match call.args.args.get(i).map(|a| self.eval(a)).transpose()? {
            Some(Value::Vector(v)) => Ok(v),
            _ => Err(format!("{}() without a vector argument", call.func.name)),
        }
    }

    fn scalar_arg(&self, call: &Call, i: usize) -> Result<f64, Unsupported> {
        match call.args.args.get(i).map(|a| self.eval(a)).transpose()? {
            Some(Value::Scalar(v)) => Ok(v),
            _ => Err(format!("{}() without a scalar argument", call.func.name)),
        }
    }

    fn call(&self, call: &Call) -> Result<Value, Unsupported> {
        let name = call.func.name;
        let map = |samples: Vec<(Labels, f64)>, f: &dyn Fn(f64) -> f64| {
            Value::Vector(
                samples
                    .into_iter()
                    .map(|(l, v)| (without_name(l), f(v)))
                    .collect(),
            )
        };
        match name {
            "rate" | "irate" | "increase" | "delta" | "idelta" | "deriv" | "avg_over_time"
            | "min_over_time" | "max_over_time" | "last_over_time" => {
                let Some(Expr::MatrixSelector(ms)) = call.args.args.first().map(AsRef::as_ref)
                else {
                    return Err(format!("{name}() over a subquery"));
                };
                let (selected, secs) = self.range(ms)?;
                let mut out = Vec::new();
                for s in selected {
                    let v = match (name, s.kind) {
                        ("rate" | "irate", Kind::Counter) => s.level / 60.0,
                        ("increase", Kind::Counter) => s.level * secs / 60.0,
                        ("delta" | "idelta" | "deriv", Kind::Gauge) => 0.0,
                        (
                            "avg_over_time" | "min_over_time" | "max_over_time" | "last_over_time",
                            Kind::Gauge,
                        ) => s.level,
                        _ => return Err(format!("{name}() over a series of the other kind")),
                    };
                    out.push((without_name(s.labels.clone()), v));
                }
                Ok(Value::Vector(out))
            }
            "abs" => Ok(map(self.vector_arg(call, 0)?, &f64::abs)),
            "ceil" => Ok(map(self.vector_arg(call, 0)?, &f64::ceil)),
            "floor" => Ok(map(self.vector_arg(call, 0)?, &f64::floor)),
            // Go's math.Max/Min propagate NaN; Rust's f64::max/min drop it, so NaN is kept
            // explicitly (promtool caught the difference: clamp_min(0/0, 0) is NaN).
            "clamp_min" | "clamp_max" => {
                let bound = self.scalar_arg(call, 1)?;
                let clamp = if name == "clamp_min" {
                    f64::max
                } else {
                    f64::min
                };
                Ok(map(self.vector_arg(call, 0)?, &|v| {
                    if v.is_nan() || bound.is_nan() {
                        f64::NAN
                    } else {
                        clamp(v, bound)
                    }
                }))
            }
            "vector" => Ok(Value::Vector(vec![(
                Labels::new(),
                self.scalar_arg(call, 0)?,
            )])),
            "scalar" => {
                let v = self.vector_arg(call, 0)?;
                Ok(Value::Scalar(if v.len() == 1 { v[0].1 } else { f64::NAN }))
            }
            "histogram_quantile" => {
                let q = self.scalar_arg(call, 0)?;
                let mut groups: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
                for (mut labels, v) in self.vector_arg(call, 1)? {
                    // funcHistogramQuantile skips samples without a parsable `le`.
                    let Some(bound) = labels.remove("le").and_then(|le| parse_le(&le)) else {
                        continue;
                    };
                    labels.remove("__name__");
                    groups.entry(labels).or_default().push((bound, v));
                }
                Ok(Value::Vector(
                    groups
                        .into_iter()
                        .map(|(labels, buckets)| (labels, bucket_quantile(q, buckets)))
                        .collect(),
                ))
            }
            "absent" => {
                if !self.vector_arg(call, 0)?.is_empty() {
                    return Ok(Value::Vector(Vec::new()));
                }
                // funcAbsent: the labels of the selector's equality matchers (not __name__).
                let mut labels = Labels::new();
                if let Some(Expr::VectorSelector(vs)) = call.args.args.first().map(AsRef::as_ref) {
                    for m in matchers(vs)? {
                        if m.name != "__name__"
                            && matches!(m.op, promql_parser::label::MatchOp::Equal)
                        {
                            labels.insert(m.name.clone(), m.value.clone());
                        }
                    }
                }
                Ok(Value::Vector(vec![(labels, 1.0)]))
            }
            other => Err(format!("the function {other}()")),
        }
    }

    fn aggregate(&self, agg: &AggregateExpr) -> Result<Value, Unsupported> {
        let op = agg.op.to_string();
        if agg.param.is_some() || !matches!(op.as_str(), "sum" | "min" | "max" | "avg" | "count") {
            return Err(format!("the aggregation {op}"));
        }
        let Value::Vector(samples) = self.eval(&agg.expr)? else {
            return Err(format!("{op} over a scalar"));
        };
        let mut groups: BTreeMap<Labels, Vec<f64>> = BTreeMap::new();
        for (labels, v) in samples {
            let key: Labels = match &agg.modifier {
                None => Labels::new(),
                Some(LabelModifier::Include(by)) => labels
                    .into_iter()
                    .filter(|(k, _)| by.labels.contains(k))
                    .collect(),
                Some(LabelModifier::Exclude(without)) => labels
                    .into_iter()
                    .filter(|(k, _)| k != "__name__" && !without.labels.contains(k))
                    .collect(),
            };
            groups.entry(key).or_default().push(v);
        }
        let out = groups
            .into_iter()
            .map(|(labels, vs)| {
                let n = vs.len() as f64;
                let v = match op.as_str() {
                    "sum" => vs.iter().sum(),
                    // Prometheus' min/max skip NaN unless every value is NaN.
                    "min" => vs
                        .iter()
                        .copied()
                        .fold(f64::NAN, |a, b| if a.is_nan() || b < a { b } else { a }),
                    "max" => vs
                        .iter()
                        .copied()
                        .fold(f64::NAN, |a, b| if a.is_nan() || b > a { b } else { a }),
                    "avg" => vs.iter().sum::<f64>() / n,
                    _ => n,
                };
                (labels, v)
            })
            .collect();
        Ok(Value::Vector(out))
    }

    fn binary(&self, bin: &BinaryExpr) -> Result<Value, Unsupported> {
        let op = bin.op.to_string();
        let lhs = self.eval(&bin.lhs)?;
        let rhs = self.eval(&bin.rhs)?;
        let return_bool = bin.modifier.as_ref().is_some_and(|m| m.return_bool);
        let matching = bin.modifier.as_ref().and_then(|m| m.matching.clone());
        if let Some(m) = &bin.modifier
            && matches!(
                m.card,
                VectorMatchCardinality::ManyToOne(_) | VectorMatchCardinality::OneToMany(_)
            )
        {
            return Err("group_left/group_right".into());
        }
        let comparison = matches!(op.as_str(), "==" | "!=" | ">" | "<" | ">=" | "<=");
        match (lhs, rhs) {
            (Value::Scalar(a), Value::Scalar(b)) => {
                let v = arith_or_compare(&op, a, b)?;
                Ok(Value::Scalar(if comparison {
                    if v.is_some() { 1.0 } else { 0.0 }
                } else {
                    v.unwrap_or(f64::NAN)
                }))
            }
            (Value::Vector(_), Value::Scalar(_)) | (Value::Scalar(_), Value::Vector(_))
                if matches!(op.as_str(), "and" | "or" | "unless") =>
            {
                Err("set operators with a scalar".into())
            }
            (Value::Vector(samples), Value::Scalar(s)) => {
                vector_scalar(&op, samples, s, false, return_bool, comparison)
            }
            (Value::Scalar(s), Value::Vector(samples)) => {
                vector_scalar(&op, samples, s, true, return_bool, comparison)
            }
            (Value::Vector(l), Value::Vector(r)) => {
                let signature = |labels: &Labels| -> Labels {
                    match &matching {
                        Some(LabelModifier::Include(on)) => labels
                            .iter()
                            .filter(|(k, _)| on.labels.contains(k))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                        Some(LabelModifier::Exclude(ign)) => labels
                            .iter()
                            .filter(|(k, _)| *k != "__name__" && !ign.labels.contains(k))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                        None => without_name(labels.clone()),
                    }
                };
                match op.as_str() {
                    "and" | "unless" => {
                        let right: Vec<Labels> = r.iter().map(|(l, _)| signature(l)).collect();
                        let keep = op == "and";
                        Ok(Value::Vector(
                            l.into_iter()
                                .filter(|(labels, _)| right.contains(&signature(labels)) == keep)
                                .collect(),
                        ))
                    }
                    "or" => {
                        let left: Vec<Labels> = l.iter().map(|(l, _)| signature(l)).collect();
                        let mut out = l;
                        out.extend(
                            r.into_iter()
                                .filter(|(labels, _)| !left.contains(&signature(labels))),
                        );
                        Ok(Value::Vector(out))
                    }
                    _ => {
                        let mut right: BTreeMap<Labels, f64> = BTreeMap::new();
                        for (labels, v) in &r {
                            if right.insert(signature(labels), *v).is_some() {
                                return Err("many-to-many matching".into());
                            }
                        }
                        let mut out = Vec::new();
                        let mut seen: Vec<Labels> = Vec::new();
                        for (labels, a) in l {
                            let sig = signature(&labels);
                            let Some(&b) = right.get(&sig) else { continue };
                            if seen.contains(&sig) {
                                return Err("many-to-many matching".into());
                            }
                            seen.push(sig);
                            // resultMetric: drop the name for arithmetic and bool; keep only
                            // the `on` labels, or drop the `ignoring` ones.
                            let mut result = labels;
                            if !comparison || return_bool {
                                result.remove("__name__");
                            }
                            match &matching {
                                Some(LabelModifier::Include(on)) => {
                                    result.retain(|k, _| on.labels.contains(k))
                                }
                                Some(LabelModifier::Exclude(ign)) => {
                                    result.retain(|k, _| !ign.labels.contains(k))
                                }
                                None => {}
                            }
                            let v = arith_or_compare(&op, a, b)?;
                            match (comparison, return_bool, v) {
                                (true, true, v) => {
                                    out.push((result, if v.is_some() { 1.0 } else { 0.0 }))
                                }
                                (true, false, Some(_)) => out.push((result, a)),
                                (true, false, None) => {}
                                (false, _, v) => out.push((result, v.unwrap_or(f64::NAN))),
                            }
                        }
                        Ok(Value::Vector(out))
                    }
                }
            }
        }
    }
}

/// An `le` label value as Go's ParseFloat reads it (`+Inf` included).
fn parse_le(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" | "inf" | "+inf" => Some(f64::INFINITY),
        _ => text.parse().ok(),
    }
}

/// `bucketQuantile` of Prometheus 2.x (`promql/quantile.go`): sort by upper bound, require a
/// `+Inf` bucket, merge equal bounds, force monotonic counts, find the bucket holding the rank
/// and interpolate linearly inside it (0 as the lower bound of the first bucket); a rank in
/// the `+Inf` bucket returns the largest finite bound.
fn bucket_quantile(q: f64, mut buckets: Vec<(f64, f64)>) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    if !buckets
        .last()
        .is_some_and(|b| b.0.is_infinite() && b.0 > 0.0)
    {
        return f64::NAN;
    }
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(buckets.len());
    for (bound, count) in buckets {
        match merged.last_mut() {
            Some(last) if last.0 == bound => last.1 += count,
            _ => merged.push((bound, count)),
        }
    }
    for i in 1..merged.len() {
        if merged[i].1 < merged[i - 1].1 {
            merged[i].1 = merged[i - 1].1;
        }
    }
    let n = merged.len();
    if n < 2 {
        return f64::NAN;
    }
    let observations = merged[n - 1].1;
    if observations == 0.0 || observations.is_nan() {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let b = merged[..n - 1]
        .iter()
        .position(|x| x.1 >= rank)
        .unwrap_or(n - 1);
    if b == n - 1 {
        return merged[n - 2].0;
    }
    if b == 0 && merged[0].0 <= 0.0 {
        return merged[0].0;
    }
    let (mut start, end, mut count) = (0.0, merged[b].0, merged[b].1);
    if b > 0 {
        start = merged[b - 1].0;
        count -= merged[b - 1].1;
        rank -= merged[b - 1].1;
    }
    start + (end - start) * (rank / count)
}

fn vector_scalar(
    op: &str,
    samples: Vec<(Labels, f64)>,
    s: f64,
    scalar_left: bool,
    return_bool: bool,
    comparison: bool,
) -> Result<Value, Unsupported> {
    let mut out = Vec::new();
    for (mut labels, v) in samples {
        let (a, b) = if scalar_left { (s, v) } else { (v, s) };
        let r = arith_or_compare(op, a, b)?;
        if !comparison || return_bool {
            labels.remove("__name__");
        }
        match (comparison, return_bool, r) {
            (true, true, r) => out.push((labels, if r.is_some() { 1.0 } else { 0.0 })),
            // A filtering comparison keeps the vector element's value.
            (true, false, Some(_)) => out.push((labels, v)),
            (true, false, None) => {}
            (false, _, r) => out.push((labels, r.unwrap_or(f64::NAN))),
        }
    }
    Ok(Value::Vector(out))
}

/// Arithmetic gives `Some(value)`; a comparison gives `Some(lhs)` when true, `None` when false.
fn arith_or_compare(op: &str, a: f64, b: f64) -> Result<Option<f64>, Unsupported> {
    let truth = |t: bool| if t { Some(a) } else { None };
    Ok(match op {
        "+" => Some(a + b),
        "-" => Some(a - b),
        "*" => Some(a * b),
        "/" => Some(a / b),
        "%" => Some(a % b),
        "^" => Some(a.powf(b)),
        "==" => truth(a == b),
        "!=" => truth(a != b),
        ">" => truth(a > b),
        "<" => truth(a < b),
        ">=" => truth(a >= b),
        "<=" => truth(a <= b),
        other => return Err(format!("the operator {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn run(q: &str, series: &[Series]) -> Result<Value, Unsupported> {
        let expr = canary_core::promql::parse(q)?;
        eval(&expr, series, 10.0)
    }

    #[test]
    fn ratio_of_rates_and_zero_traffic_nan() {
        let series = |bad, all| {
            vec![
                Series {
                    labels: labels(&[("__name__", "req"), ("job", "a"), ("code", "500")]),
                    kind: Kind::Counter,
                    level: bad,
                },
                Series {
                    labels: labels(&[("__name__", "req"), ("job", "a")]),
                    kind: Kind::Counter,
                    level: all,
                },
            ]
        };
        let q = r#"sum(rate(req{job="a",code=~"5.."}[5m])) / sum(rate(req{job="a"}[5m]))"#;
        let Value::Vector(v) = run(q, &series(1.0, 3.0)).unwrap() else {
            panic!("vector expected")
        };
        assert_eq!(v.len(), 1);
        assert!((v[0].1 - 0.25).abs() < 1e-12);
        let Value::Vector(v) = run(q, &series(0.0, 0.0)).unwrap() else {
            panic!("vector expected")
        };
        assert!(v[0].1.is_nan());
        let Value::Vector(v) = run(q, &[]).unwrap() else {
            panic!("vector expected")
        };
        assert!(v.is_empty());
    }

    #[test]
    fn absent_takes_equality_labels_and_filters_keep_names() {
        let up = Series {
            labels: labels(&[("__name__", "up"), ("job", "a")]),
            kind: Kind::Gauge,
            level: 1.0,
        };
        assert_eq!(
            run(r#"absent(up{job="a"})"#, &[]).unwrap(),
            Value::Vector(vec![(labels(&[("job", "a")]), 1.0)])
        );
        assert_eq!(
            run(r#"absent(up{job="a"})"#, std::slice::from_ref(&up)).unwrap(),
            Value::Vector(vec![])
        );
        assert_eq!(
            run("up > 0", std::slice::from_ref(&up)).unwrap(),
            Value::Vector(vec![(up.labels.clone(), 1.0)])
        );
        assert_eq!(
            run("up > bool 1", std::slice::from_ref(&up)).unwrap(),
            Value::Vector(vec![(labels(&[("job", "a")]), 0.0)])
        );
        assert!(run("stddev(up)", std::slice::from_ref(&up)).is_err());
        // NaN survives clamp_min as in Go's math.Max (Rust's f64::max would drop it).
        let Value::Vector(v) = run("clamp_min(up / 0 * 0, 0)", &[up]).unwrap() else {
            panic!("vector expected")
        };
        assert!(v[0].1.is_nan(), "{v:?}");
    }
}

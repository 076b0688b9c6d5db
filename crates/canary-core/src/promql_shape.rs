//! What a PromQL query can hand to an Argo Rollouts condition: a scalar or a vector, one
//! series or several, possibly no series at all, possibly NaN. Read from the syntax tree in
//! one bottom-up pass, so both tools judge a gate the same way: the linter's CL603, CL604 and
//! CL605, and the generator's spec checks.
//!
//! How Argo hands the result over (argo-rollouts `metricproviders/prometheus/prometheus.go`,
//! `processResponse`): a Scalar becomes a bare `float64`, a Vector a `[]float64` with one
//! element per series in the order Prometheus returned them (an empty vector is `[]`), a Matrix
//! one flat `[]float64` of every sample of every series.
//!
//! Where NaN comes from (Prometheus `promql/engine.go`, `vectorElemBinop` and the function
//! implementations in `promql/functions.go`): `0 / 0`, `x % 0`, `Inf - Inf` and `0 * Inf` in
//! arithmetic; `ln`, `log2`, `log10` and `sqrt` of a negative value; `histogram_quantile`,
//! `quantile` and `quantile_over_time` (no buckets, no observations, or φ outside [0, 1]);
//! `scalar(v)` when `v` does not hold exactly one element; and NaN samples, which this
//! analysis does not assume (a scraped series is taken to hold numbers). Comparisons without
//! `bool` drop NaN elements (NaN compares false), and `clamp_min`/`clamp_max` keep NaN.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use promql_parser::label::Labels;
use promql_parser::parser::{Expr, LabelModifier};

/// What the condition's `result` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultKind {
    /// A bare number (`scalar(...)`, `time()`, a literal): `result < 0.5` is right,
    /// `result[0]` and `len(result)` error on every measurement.
    Scalar,
    /// A list of numbers, one per series: `result[0] < 0.5` or `all(result, # < 0.5)`.
    Vector,
    /// A range query's samples, flattened into one list of numbers.
    Matrix,
    /// A string: the provider rejects it ("Prometheus metric type not supported").
    String,
}

/// What a query can return, as far as its syntax tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryShape {
    /// Scalar, vector, matrix or string.
    pub kind: ResultKind,
    /// More than one series (or sample) can come back.
    pub many: bool,
    /// No series at all can come back (no data, no traffic yet, a renamed label).
    pub may_be_empty: bool,
    /// An element can be NaN.
    pub may_be_nan: bool,
}

/// Value properties tracked through the tree.
#[derive(Debug, Clone, Copy)]
struct Node {
    kind: ResultKind,
    many: bool,
    empty: bool,
    nan: bool,
    /// An element can be ±Inf (`x / 0` with x ≠ 0).
    inf: bool,
    /// An element can be exactly 0.
    zero: bool,
    /// An element can be below 0.
    negative: bool,
    /// The value, when it is a constant scalar.
    constant: Option<f64>,
}

impl Node {
    fn scalar(value: Option<f64>) -> Node {
        Node {
            kind: ResultKind::Scalar,
            many: false,
            empty: false,
            nan: value.is_some_and(f64::is_nan),
            inf: value.is_some_and(f64::is_infinite),
            zero: value.is_none_or(|v| v == 0.0),
            negative: value.is_none_or(|v| v < 0.0),
            constant: value,
        }
    }

    /// A series read from the TSDB: any number, possibly several series, possibly none.
    fn series(kind: ResultKind) -> Node {
        Node {
            kind,
            many: true,
            empty: true,
            nan: false,
            inf: false,
            zero: true,
            negative: true,
            constant: None,
        }
    }

    fn non_negative(mut self) -> Node {
        self.negative = false;
        self
    }
}

impl QueryShape {
    /// The shape of a parsed query.
    pub fn of(expr: &Expr) -> QueryShape {
        let node = analyse(expr);
        QueryShape {
            kind: node.kind,
            many: node.many,
            may_be_empty: node.empty,
            may_be_nan: node.nan,
        }
    }
}

/// The shape of `query`, or promql-parser's error. Label values do not change a shape, so the
/// query is parsed with every matcher value replaced (one parse per distinct shape, cached
/// for the process); when that text does not parse, the original is parsed instead.
pub fn shape(query: &str) -> Result<QueryShape, String> {
    if let Some(key) = crate::promql::without_matcher_values(query)
        && let Ok(found) = shape_of_text(&key)
    {
        return Ok(found);
    }
    shape_of_text(query)
}

/// The shape of `query` parsed as written, cached per text. A query past the parser's safe
/// limits (`crate::promql::check_limits`) is refused before it is parsed.
fn shape_of_text(query: &str) -> Result<QueryShape, String> {
    crate::promql::check_limits(query)?;
    type Shapes = LazyLock<Mutex<HashMap<String, Arc<Result<QueryShape, String>>>>>;
    static SHAPES: Shapes = LazyLock::new(Default::default);
    if let Ok(cache) = SHAPES.lock()
        && let Some(found) = cache.get(query)
    {
        return found.as_ref().clone();
    }
    let computed = crate::promql::parse(query).map(|expr| QueryShape::of(&expr));
    if let Ok(mut cache) = SHAPES.lock() {
        cache.insert(query.to_string(), Arc::new(computed.clone()));
    }
    computed
}

/// Grouping that still leaves one series: no modifier, or `by ()`.
fn groups_into_one(modifier: Option<&LabelModifier>) -> bool {
    match modifier {
        None => true,
        Some(LabelModifier::Include(Labels { labels })) => labels.is_empty(),
        Some(LabelModifier::Exclude(_)) => false,
    }
}

fn analyse(expr: &Expr) -> Node {
    match expr {
        Expr::NumberLiteral(n) => Node::scalar(Some(n.val)),
        Expr::StringLiteral(_) => Node {
            kind: ResultKind::String,
            ..Node::scalar(None)
        },
        Expr::VectorSelector(_) => Node::series(ResultKind::Vector),
        Expr::MatrixSelector(_) => Node::series(ResultKind::Matrix),
        Expr::Subquery(sub) => Node {
            kind: ResultKind::Matrix,
            many: true,
            ..analyse(&sub.expr)
        },
        Expr::Paren(p) => analyse(&p.expr),
        Expr::Extension(_) => Node::series(ResultKind::Vector),
        Expr::Unary(u) => {
            let inner = analyse(&u.expr);
            Node {
                negative: true,
                constant: inner.constant.map(|v| -v),
                ..inner
            }
        }
        Expr::Aggregate(agg) => aggregate(&agg.op.to_string(), agg, analyse(&agg.expr)),
        Expr::Binary(bin) => {
            let op = bin.op.to_string();
            let return_bool = bin.modifier.as_ref().is_some_and(|m| m.return_bool);
            let lhs = analyse(&bin.lhs);
            let mut node = binary(&op, lhs, analyse(&bin.rhs), return_bool);
            if op == "and" && is_traffic_guard(&bin.rhs) {
                node.nan = false;
            }
            node
        }
        Expr::Call(call) => {
            let args: Vec<Node> = call.args.args.iter().map(|a| analyse(a)).collect();
            let mut node = function(call.func.name, &args);
            if call.func.name == "histogram_quantile"
                && call.args.args.get(1).is_some_and(|b| grouped_by_le_only(b))
            {
                // The buckets' only grouping label is `le`, which the quantile folds away.
                node.many = false;
            }
            node
        }
    }
}

/// `expr` without enclosing parentheses.
fn unparen(mut expr: &Expr) -> &Expr {
    while let Expr::Paren(p) = expr {
        expr = &p.expr;
    }
    expr
}

/// Is `expr` an aggregation `by (le)`?
fn grouped_by_le_only(expr: &Expr) -> bool {
    match unparen(expr) {
        Expr::Aggregate(agg) => match &agg.modifier {
            Some(LabelModifier::Include(Labels { labels })) => {
                labels.len() == 1 && labels.first().is_some_and(|l| l == "le")
            }
            _ => false,
        },
        _ => false,
    }
}

/// Is `guard` a filter that keeps only positive values: `x > c` (c ≥ 0), `x >= c` (c > 0)
/// or `x != 0`, without `bool`? `q and on() (traffic > 0)` keeps `q` only while there is
/// traffic, so the NaN that no traffic causes (0/0, a quantile with no observations) cannot
/// reach the result; it is empty instead. Whether `x` is the same traffic as `q`'s
/// denominator is not checked: the guard states the author's intent, and a false error costs
/// more than a missed one.
fn is_traffic_guard(guard: &Expr) -> bool {
    let Expr::Binary(cmp) = unparen(guard) else {
        return false;
    };
    if cmp.modifier.as_ref().is_some_and(|m| m.return_bool) {
        return false;
    }
    let Expr::NumberLiteral(limit) = unparen(&cmp.rhs) else {
        return false;
    };
    match cmp.op.to_string().as_str() {
        ">" => limit.val >= 0.0,
        ">=" => limit.val > 0.0,
        "!=" => limit.val == 0.0,
        _ => false,
    }
}

fn aggregate(op: &str, agg: &promql_parser::parser::AggregateExpr, input: Node) -> Node {
    let one = groups_into_one(agg.modifier.as_ref());
    let base = Node {
        kind: ResultKind::Vector,
        many: input.many && !one,
        constant: None,
        ..input
    };
    match op {
        "count" => Node {
            nan: false,
            inf: false,
            zero: false,
            negative: false,
            ..base
        },
        "group" => Node {
            nan: false,
            inf: false,
            zero: false,
            negative: false,
            ..base
        },
        "stddev" | "stdvar" => base.non_negative(),
        "quantile" => Node { nan: true, ..base },
        "topk" | "bottomk" | "limitk" | "limit_ratio" => Node {
            many: input.many,
            ..base
        },
        "count_values" => Node {
            many: true,
            nan: false,
            inf: false,
            zero: false,
            negative: false,
            ..base
        },
        // sum, avg, min, max: the inputs' values, combined.
        _ => base,
    }
}

fn binary(op: &str, l: Node, r: Node, return_bool: bool) -> Node {
    let kind = if l.kind == ResultKind::Scalar && r.kind == ResultKind::Scalar {
        ResultKind::Scalar
    } else {
        ResultKind::Vector
    };
    let many = l.many || r.many;
    // One-to-one matching drops the series that find no partner: empty if either side is.
    let empty = l.empty || r.empty;
    let constant = match (l.constant, r.constant) {
        (Some(a), Some(b)) => match op {
            "+" => Some(a + b),
            "-" => Some(a - b),
            "*" => Some(a * b),
            "/" => Some(a / b),
            _ => None,
        },
        _ => None,
    };
    match op {
        "and" | "unless" => Node {
            kind,
            empty: true,
            ..l
        },
        "or" => Node {
            kind,
            many,
            empty: l.empty && r.empty,
            nan: l.nan || r.nan,
            inf: l.inf || r.inf,
            zero: l.zero || r.zero,
            negative: l.negative || r.negative,
            constant: None,
        },
        "==" | "!=" | ">" | "<" | ">=" | "<=" if return_bool => Node {
            kind,
            many,
            empty,
            nan: false,
            inf: false,
            zero: true,
            negative: false,
            constant: None,
        },
        "==" | "!=" | ">" | "<" | ">=" | "<=" => {
            // A filter: keeps the left side's elements for which the comparison holds (NaN
            // never does), so what is kept satisfies it. Between two scalars it needs `bool`.
            let threshold = r.constant;
            let (zero, negative) = match (op, threshold) {
                (">", Some(t)) => (l.zero && t < 0.0, l.negative && t < 0.0),
                (">=", Some(t)) => (l.zero && t <= 0.0, l.negative && t < 0.0),
                ("==", Some(t)) => (t == 0.0, t < 0.0),
                ("!=", Some(0.0)) => (false, l.negative),
                _ => (l.zero, l.negative),
            };
            Node {
                kind,
                many,
                empty: true,
                nan: false,
                inf: l.inf,
                zero,
                negative,
                constant: None,
            }
        }
        "/" => Node {
            kind,
            many,
            empty,
            nan: l.nan || r.nan || (l.zero && r.zero) || (l.inf && r.inf),
            inf: l.inf || r.zero,
            zero: l.zero || r.inf,
            negative: l.negative || r.negative,
            constant,
        },
        "%" => Node {
            kind,
            many,
            empty,
            nan: l.nan || r.nan || r.zero || l.inf,
            inf: false,
            zero: true,
            negative: l.negative,
            constant,
        },
        "*" => Node {
            kind,
            many,
            empty,
            nan: l.nan || r.nan || (l.zero && r.inf) || (l.inf && r.zero),
            inf: l.inf || r.inf,
            zero: l.zero || r.zero,
            negative: l.negative || r.negative,
            constant,
        },
        "+" => Node {
            kind,
            many,
            empty,
            nan: l.nan || r.nan || (l.inf && r.inf),
            inf: l.inf || r.inf,
            zero: constant.is_none_or(|v| v == 0.0)
                && (l.negative || r.negative || l.zero && r.zero),
            negative: l.negative || r.negative,
            constant,
        },
        "-" => Node {
            kind,
            many,
            empty,
            nan: l.nan || r.nan || (l.inf && r.inf),
            inf: l.inf || r.inf,
            zero: constant.is_none_or(|v| v == 0.0),
            negative: constant.is_none_or(|v| v < 0.0),
            constant,
        },
        // `^`, `atan2` and anything newer: take no chances.
        _ => Node {
            kind,
            many,
            empty,
            nan: true,
            inf: true,
            zero: true,
            negative: true,
            constant: None,
        },
    }
}

fn function(name: &str, args: &[Node]) -> Node {
    let first = args.first().copied().unwrap_or_else(|| Node::scalar(None));
    let vector = |n: Node| Node {
        kind: ResultKind::Vector,
        constant: None,
        ..n
    };
    match name {
        // Always one number.
        "time" | "pi" | "day_of_month" | "day_of_week" | "day_of_year" | "days_in_month"
        | "hour" | "minute" | "month" | "year"
            if args.is_empty() =>
        {
            let mut n = Node::scalar(None);
            n.negative = false;
            if name == "pi" {
                n.zero = false;
                n.constant = Some(std::f64::consts::PI);
            }
            n
        }
        "scalar" => Node {
            kind: ResultKind::Scalar,
            many: false,
            empty: false,
            // NaN unless the vector holds exactly one element.
            nan: first.nan || first.empty || first.many,
            constant: None,
            ..first
        },
        "vector" => Node {
            kind: ResultKind::Vector,
            many: false,
            empty: false,
            ..first
        },
        "absent" | "absent_over_time" => Node {
            kind: ResultKind::Vector,
            many: false,
            empty: true,
            nan: false,
            inf: false,
            zero: false,
            negative: false,
            constant: None,
        },
        "rate" | "irate" | "increase" | "resets" | "changes" | "count_over_time"
        | "present_over_time" | "timestamp" => Node {
            nan: false,
            inf: false,
            ..vector(first).non_negative()
        },
        "abs" => vector(first).non_negative(),
        "sqrt" => Node {
            nan: first.nan || first.negative,
            ..vector(first).non_negative()
        },
        "ln" | "log2" | "log10" => Node {
            nan: first.nan || first.negative,
            inf: first.inf || first.zero,
            negative: true,
            zero: true,
            ..vector(first)
        },
        "exp" => Node {
            zero: first.inf,
            negative: false,
            ..vector(first)
        },
        "clamp_min" => {
            let min = args.get(1).and_then(|a| a.constant);
            Node {
                zero: first.zero && min.is_none_or(|m| m <= 0.0),
                negative: first.negative && min.is_none_or(|m| m < 0.0),
                ..vector(first)
            }
        }
        "clamp_max" => {
            let max = args.get(1).and_then(|a| a.constant);
            Node {
                zero: first.zero || max == Some(0.0),
                negative: first.negative || max.is_none_or(|m| m < 0.0),
                ..vector(first)
            }
        }
        "clamp" => {
            let min = args.get(1).and_then(|a| a.constant);
            Node {
                // min > max returns an empty vector.
                empty: true,
                zero: first.zero && min.is_none_or(|m| m <= 0.0),
                negative: first.negative && min.is_none_or(|m| m < 0.0),
                ..vector(first)
            }
        }
        "histogram_quantile" | "histogram_fraction" => {
            let buckets = args.get(1).copied().unwrap_or(first);
            Node {
                nan: true,
                inf: true,
                ..vector(buckets)
            }
        }
        "quantile_over_time" => {
            let samples = args.get(1).copied().unwrap_or(first);
            Node {
                nan: true,
                ..vector(samples)
            }
        }
        "label_replace" | "label_join" | "sort" | "sort_desc" | "sort_by_label"
        | "sort_by_label_desc" | "ceil" | "floor" | "round" | "avg_over_time" | "min_over_time"
        | "max_over_time" | "sum_over_time" | "last_over_time" => vector(first),
        "stddev_over_time" | "stdvar_over_time" => vector(first).non_negative(),
        "deriv" | "delta" | "idelta" | "predict_linear" => Node {
            negative: true,
            zero: true,
            ..vector(first)
        },
        // Anything else: its arguments' worst case, any value.
        _ => {
            let mut n = Node::series(match first.kind {
                ResultKind::Scalar => ResultKind::Vector,
                other => other,
            });
            n.nan = args.iter().any(|a| a.nan);
            n.many = args.iter().any(|a| a.many);
            n.empty = args.iter().any(|a| a.empty);
            n
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(q: &str) -> QueryShape {
        match shape(q) {
            Ok(s) => s,
            Err(e) => panic!("{q}: {e}"),
        }
    }

    const RATIO: &str = r#"sum(rate(http_requests_total{job="api",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="api"}[5m]))"#;

    #[test]
    fn a_plain_ratio_can_be_nan_and_empty_but_is_one_series() {
        let s = of(RATIO);
        assert_eq!(s.kind, ResultKind::Vector);
        assert!(!s.many);
        assert!(s.may_be_empty);
        assert!(s.may_be_nan, "0/0 when there is no traffic");
    }

    #[test]
    fn guards_that_remove_nan_or_emptiness() {
        // A denominator that cannot be 0.
        let clamped = r#"sum(rate(a[5m])) / clamp_min(sum(rate(b[5m])), 1)"#;
        assert!(!of(clamped).may_be_nan);
        // Filtering the denominator to traffic > 0: empty instead of NaN.
        let filtered = r#"sum(rate(a[5m])) / (sum(rate(b[5m])) > 0)"#;
        assert!(!of(filtered).may_be_nan);
        assert!(of(filtered).may_be_empty);
        // `and on() (traffic > 0)` keeps the left side's values only when there is traffic.
        let and_guard = r#"(sum(rate(a[5m])) / sum(rate(b[5m]))) and on() (sum(rate(b[5m])) > 0)"#;
        assert!(
            !of(and_guard).may_be_nan,
            "kept only while the denominator is above 0"
        );
        assert!(of(and_guard).may_be_empty);
        // Without parentheses `and` binds looser than `>`.
        let bare = r#"sum(rate(a[5m])) / sum(rate(b[5m])) and on() sum(rate(b[5m])) > 0"#;
        assert!(!of(bare).may_be_nan);
        // A quantile kept only while there is traffic.
        let quantile = r#"histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m]))) and on() (sum(rate(h_count[5m])) > 0)"#;
        assert!(!of(quantile).may_be_nan);
        // A `bool` comparison is not a filter.
        let boolean = r#"sum(rate(a[5m])) / sum(rate(b[5m])) and on() sum(rate(b[5m])) > bool 0"#;
        assert!(of(boolean).may_be_nan);
        // The NaN-proof forms seen in real repositories.
        for q in [
            r#"1 - ((sum(rate(errors[5m])) or vector(0)) / clamp_min(sum(rate(total[5m])), 1))"#,
            r#"(sum(rate(ok[5m])) / clamp_min(sum(rate(total[5m])), 1)) or vector(1)"#,
            r#"sum(increase(kube_pod_container_status_restarts_total[5m]))"#,
        ] {
            assert!(!of(q).may_be_nan, "{q}");
        }
        // `or vector(0)` is never empty.
        let or_vector = r#"sum(rate(a[5m])) or vector(0)"#;
        assert!(!of(or_vector).may_be_empty);
        assert!(!of(or_vector).may_be_nan);
        let or_on = r#"sum(rate(a[5m])) or on() vector(0)"#;
        assert!(!of(or_on).may_be_empty);
        // A constant denominator.
        assert!(!of("sum(rate(a[5m])) / 60").may_be_nan);
        assert!(of("sum(rate(a[5m])) / 0").may_be_nan);
    }

    #[test]
    fn nan_from_functions() {
        assert!(of("histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))").may_be_nan);
        assert!(!of("histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))").many);
        assert!(of("quantile(0.9, rate(a[5m]))").may_be_nan);
        assert!(of("quantile_over_time(0.9, a[5m])").may_be_nan);
        assert!(of("ln(a)").may_be_nan, "a gauge can be negative");
        assert!(
            !of("ln(rate(a[5m]))").may_be_nan,
            "rate is never negative (ln(0) is -Inf, not NaN)"
        );
        assert!(of("sqrt(deriv(a[5m]))").may_be_nan);
        assert!(!of("sqrt(rate(a[5m]))").may_be_nan);
        assert!(of("sum(rate(a[5m])) % sum(rate(b[5m]))").may_be_nan);
    }

    #[test]
    fn scalars_and_series_counts() {
        assert_eq!(of("scalar(sum(rate(a[5m])))").kind, ResultKind::Scalar);
        assert!(
            of("scalar(sum(rate(a[5m])))").may_be_nan,
            "scalar() of an empty vector"
        );
        assert!(!of("scalar(sum(rate(a[5m])))").may_be_empty);
        assert_eq!(of("0.5").kind, ResultKind::Scalar);
        assert_eq!(of("time()").kind, ResultKind::Scalar);
        assert!(of("rate(a[5m])").many, "no aggregation");
        assert!(of("sum by (code) (rate(a[5m]))").many);
        assert!(of("sum without (pod) (rate(a[5m]))").many);
        assert!(!of("sum by () (rate(a[5m]))").many);
        assert!(!of("sum(rate(a[5m])) / sum(rate(b[5m]))").many);
        assert!(of("topk(3, rate(a[5m]))").many);
        assert_eq!(of("rate(a[5m])[10m:1m]").kind, ResultKind::Matrix);
        assert_eq!(of("a[5m]").kind, ResultKind::Matrix);
        assert!(!of("count(up == 0)").may_be_nan);
        assert!(of("count(up == 0)").may_be_empty);
    }

    #[test]
    fn inf_arithmetic_reaches_nan() {
        // (x / 0) - (y / 0) is Inf - Inf.
        assert!(of("(sum(rate(a[5m])) + 1) / sum(rate(b[5m])) - (sum(rate(c[5m])) + 1) / sum(rate(d[5m]))").may_be_nan);
    }

    #[test]
    fn label_values_do_not_change_the_shape() {
        for q in [
            RATIO,
            r#"histogram_quantile(0.99, sum by (le) (rate(h_bucket{job="a", le!="+Inf"}[5m])))"#,
            r#"sum(rate(a{code=~"5.."}[5m])) or vector(0)"#,
            r#"up{job="x"} == 0"#,
        ] {
            let expr = match promql_parser::parser::parse(q) {
                Ok(e) => e,
                Err(e) => panic!("{q}: {e}"),
            };
            assert_eq!(of(q), QueryShape::of(&expr), "{q}");
            assert!(crate::promql::without_matcher_values(q).is_some(), "{q}");
        }
    }

    #[test]
    fn a_query_past_the_parser_limits_is_refused_not_parsed() {
        let deep = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(shape(&deep).is_err());
    }

    #[test]
    fn a_query_that_does_not_parse_is_an_error() {
        assert!(shape("sum(rate(a[5m])").is_err());
    }
}

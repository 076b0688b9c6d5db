//! PromQL facts both tools need: does a query parse, and which `job` values do its selectors
//! match. Parsing is promql-parser's (a port of Prometheus' own grammar).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use promql_parser::label::MatchOp;
use promql_parser::parser::{self, Expr};
use promql_parser::util::{ExprVisitor, walk_expr};

/// One vector or matrix selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// Metric name, if written outside the braces.
    pub metric: Option<String>,
    /// `(label, op, value)` with op one of `=`, `!=`, `=~`, `!~`.
    pub matchers: Vec<(String, &'static str, String)>,
}

impl Selector {
    /// The value of an equality `job` matcher.
    pub fn job(&self) -> Option<&str> {
        self.matchers
            .iter()
            .find(|(name, op, _)| name == "job" && *op == "=")
            .map(|(_, _, v)| v.as_str())
    }
}

struct Collect(Vec<Selector>);

impl ExprVisitor for Collect {
    type Error = ();

    fn pre_visit(&mut self, expr: &Expr) -> Result<bool, ()> {
        let vs = match expr {
            Expr::VectorSelector(v) => v,
            Expr::MatrixSelector(m) => &m.vs,
            _ => return Ok(true),
        };
        let matchers = vs
            .matchers
            .matchers
            .iter()
            .filter(|m| m.name != "__name__")
            .map(|m| {
                let op = match &m.op {
                    MatchOp::Equal => "=",
                    MatchOp::NotEqual => "!=",
                    MatchOp::Re(_) => "=~",
                    MatchOp::NotRe(_) => "!~",
                };
                (m.name.clone(), op, m.value.clone())
            })
            .collect();
        self.0.push(Selector {
            metric: vs.name.clone(),
            matchers,
        });
        Ok(true)
    }
}

/// Parse a query and list its selectors, or say why it does not parse.
///
/// Parsing is the cost (promql-parser is an LR parser and compiles a `regex::Regex` for every
/// `=~`/`!~` matcher: ~10 µs for a simple query, ~35 µs with `code=~"5.."`), and a repo
/// repeats the same few query shapes with different label values (`job="app-0001"`,
/// `job="app-0002"`, …). So [`selectors`] parses each *shape* once: every label-matcher value
/// is replaced by a numbered marker (and `=~`/`!~` by `=`), the shape is parsed and kept, and
/// the real values and operators are put back into its selectors; regex patterns are
/// compiled once per distinct pattern, anchored as promql-parser anchors them. Whenever
/// anything is unusual (an escape or a control character in a value, a pattern that does not
/// compile as written, `__name__`, a selector that could match every series, a marker that
/// does not come back, a shape that does not parse) it parses the original query instead, so
/// the result is always what promql-parser says about the original; a test compares both
/// routes.
pub fn selectors(query: &str) -> Result<Vec<Selector>, String> {
    check_limits(query)?;
    if let Some(fast) = selectors_via_shape(query) {
        return Ok(fast);
    }
    selectors_parsed(query)
}

/// Parses `query` with promql-parser, turning a panic inside the parser into an error.
///
/// promql-parser 0.11.1 panics instead of failing on some queries: a plain number where a
/// duration goes (`x offset 1e30`, `x[NaN]`, `x[5:Inf]`) reaches `Duration::from_secs_f64`
/// in its grammar (`parser/promql.y`, rule `duration -> NUMBER`), which panics on a value
/// that is negative, not finite or ≥ 2⁶⁴ s. Prometheus refuses such a duration as well, so
/// the query is "not valid PromQL" either way. Found by the `promql` fuzz target
/// (`fixtures/fuzz/promql/crash-offset-number-out-of-range`, minimized beside it). The panic message is kept off
/// stderr (see [`quiet_panics`]); any other panic anywhere is reported as before.
pub fn parse(query: &str) -> Result<Expr, String> {
    quiet_panics(|| parser::parse(query)).unwrap_or_else(|| {
        Err(
            "the PromQL parser cannot read this query (a number where a duration goes that no \
             duration can hold, such as `offset 1e30` or `[NaN]`); Prometheus refuses it too"
                .to_string(),
        )
    })
}

/// Runs `f`, returning `None` if it panics, without printing the panic. Installs (once) a
/// panic hook that stays silent for panics on a thread inside `quiet_panics` and hands every
/// other panic to the hook that was there before (the default one, or the fuzzer's).
fn quiet_panics<T>(f: impl FnOnce() -> T) -> Option<T> {
    use std::cell::Cell;
    use std::panic::{self, AssertUnwindSafe};
    thread_local! {
        static QUIET: Cell<bool> = const { Cell::new(false) };
    }
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    // The parser holds no state of ours across the call, so nothing is left half-updated.
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.ok()
}

/// [`selectors`] by parsing `query` exactly as written.
pub fn selectors_parsed(query: &str) -> Result<Vec<Selector>, String> {
    check_limits(query)?;
    let expr = parse(query)?;
    let mut collect = Collect(Vec::new());
    // The visitor never fails.
    let _ = walk_expr(&mut collect, &expr);
    Ok(collect.0)
}

/// Longest query handed to promql-parser, in bytes. Real gate queries are a few hundred bytes;
/// promql-parser's cost grows with the square of the operator count (below), so length is
/// bounded as well.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

/// Deepest bracket nesting (`(`, `[`, `{` counted together) handed to promql-parser.
///
/// promql-parser (0.11) builds, checks (`Expr::value_type`, which recurses down every binary
/// operand), walks and drops its tree recursively, so the tree's depth is the stack it needs.
/// Measured on a 2 MiB thread stack (a rayon worker's) with a debug build: 4,000 nested
/// parentheses parse, 6,000 overflow (`measure_stack` in `tests/promql_limits.rs`; the tests
/// there parse queries at the limits on such a thread).
pub const MAX_QUERY_NESTING: usize = 256;

/// Most operators (`+ - * / % ^`, comparisons, `and`, `or`, `unless`, `atan2`) outside label
/// braces in one query.
///
/// A chain `a + b + c + …` is a tree as deep as it is long, and `Expr::value_type` is called
/// at each new operator on the whole left operand (promql-parser 0.11, `src/parser/ast.rs`,
/// `Expr::value_type`, reached from `check_ast` in `src/parser/production.rs` as each binary
/// expression is reduced), which makes parsing quadratic: 32,000 terms took 18 s. Each
/// operator also nests the tree one level, so the operators and the bracket depth together
/// bound the stack; measured on a 2 MiB thread with a debug build, 5,000 chained operators
/// parse and 6,000 overflow, so both limits together stay well inside it.
pub const MAX_QUERY_OPERATORS: usize = 1_000;

/// Refuse a query promql-parser could not parse safely: longer than [`MAX_QUERY_BYTES`],
/// nested deeper than [`MAX_QUERY_NESTING`] or with more than [`MAX_QUERY_OPERATORS`]
/// operators. Strings and `#` comments are skipped; anything this scan gets wrong only
/// over-counts, and the limits are far above any real query.
pub fn check_limits(query: &str) -> Result<(), String> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(format!(
            "the query is {} bytes long, over the limit of {MAX_QUERY_BYTES} bytes; shorten it \
             (a recording rule can hold a long sub-expression)",
            query.len()
        ));
    }
    let bytes = query.as_bytes();
    let (mut depth, mut max_depth, mut braces, mut operators) = (0usize, 0usize, 0usize, 0usize);
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'#' => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'"' | b'\'' | b'`' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    if c == b {
                        break;
                    }
                    if c == b'\\' && b != b'`' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                max_depth = max_depth.max(depth);
                braces += usize::from(b == b'{');
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if b == b'}' {
                    braces = braces.saturating_sub(1);
                }
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'<' | b'>' if braces == 0 => {
                operators += 1;
                // `<=`, `>=`: one operator.
                if bytes.get(i + 1) == Some(&b'=') {
                    i += 1;
                }
            }
            b'=' | b'!' if braces == 0 => {
                operators += 1;
                if bytes.get(i + 1) == Some(&b'=') {
                    i += 1;
                }
            }
            c if braces == 0 && (c.is_ascii_alphabetic() || c == b'_') => {
                let start = i;
                while bytes
                    .get(i + 1)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b':'))
                {
                    i += 1;
                }
                let word = query.get(start..=i).unwrap_or_default();
                if ["and", "or", "unless", "atan2"]
                    .iter()
                    .any(|k| word.eq_ignore_ascii_case(k))
                {
                    operators += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if max_depth > MAX_QUERY_NESTING {
        return Err(format!(
            "the query nests brackets {max_depth} deep, over the limit of {MAX_QUERY_NESTING}; \
             flatten it"
        ));
    }
    if operators > MAX_QUERY_OPERATORS {
        return Err(format!(
            "the query has {operators} operators, over the limit of {MAX_QUERY_OPERATORS} \
             (each one nests the parse tree a level deeper); split it, for example into \
             recording rules"
        ));
    }
    Ok(())
}

/// Starts a marker that stands for the label-matcher value with the number that follows.
const MARK: char = '\u{1}';

/// One label-matcher value in a query.
struct Literal<'q> {
    /// Byte range of the operator (`=`, `!=`, `=~`, `!~`).
    op: (usize, usize),
    /// Byte range of the value between its quotes.
    value: (usize, usize),
    text: &'q str,
    regex: bool,
    negated: bool,
}

/// The label-matcher values of `query` (those inside `{…}`). `None` when the text has
/// something this small scanner does not follow, or a value it would have to unescape.
fn matcher_literals(query: &str) -> Option<Vec<Literal<'_>>> {
    let bytes = query.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            b'"' | b'\'' | b'`' if depth > 0 => return None,
            q @ (b'"' | b'\'' | b'`') => {
                // A string outside braces (a function argument): skip it.
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    if bytes[i] == b'\\' && q != b'`' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= bytes.len() {
                    return None;
                }
                i += 1;
            }
            b'=' | b'!' if depth > 0 => {
                let op_start = i;
                let negated = bytes[i] == b'!';
                i += 1;
                let regex = match bytes.get(i) {
                    Some(b'~') => {
                        i += 1;
                        true
                    }
                    Some(b'=') if negated => {
                        i += 1;
                        false
                    }
                    _ if negated => return None,
                    _ => false,
                };
                let op = (op_start, i);
                while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
                    i += 1;
                }
                let q = *bytes.get(i).filter(|b| matches!(b, b'"' | b'\'' | b'`'))?;
                let start = i + 1;
                let end = start + bytes.get(start..)?.iter().position(|&b| b == q)?;
                let text = query.get(start..end)?;
                // Values with escapes or control characters take the slow route.
                if text.contains('\\') || text.chars().any(char::is_control) {
                    return None;
                }
                out.push(Literal {
                    op,
                    value: (start, end),
                    text,
                    regex,
                    negated,
                });
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    Some(out)
}

/// `query` with every label-matcher value replaced by `x` and every matcher operator by `=`:
/// the same syntax tree but for label values, for analyses that never read them (a repo
/// repeats a few query shapes with different values, and parsing is the cost). `None` when
/// the text has nothing to replace or something the scanner does not follow.
pub fn without_matcher_values(query: &str) -> Option<String> {
    let literals = matcher_literals(query)?;
    if literals.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(query.len());
    let mut last = 0;
    for lit in &literals {
        out.push_str(query.get(last..lit.op.0)?);
        out.push('=');
        out.push_str(query.get(lit.op.1..lit.value.0)?);
        out.push('x');
        last = lit.value.1;
    }
    out.push_str(query.get(last..)?);
    Some(out)
}

/// A process-wide cache keyed by query text, shape or pattern.
type Cache<V> = LazyLock<Mutex<HashMap<String, V>>>;

/// `compute(key)`, kept in `cache` for the rest of the process.
fn cached<V: Clone>(cache: &Cache<V>, key: &str, compute: impl FnOnce() -> V) -> V {
    if let Ok(cache) = cache.lock()
        && let Some(found) = cache.get(key)
    {
        return found.clone();
    }
    let value = compute();
    if let Ok(mut cache) = cache.lock() {
        cache.insert(key.to_string(), value.clone());
    }
    value
}

/// Per distinct pattern: does it compile as promql-parser anchors it, and does it match "".
fn pattern_matches_empty(pattern: &str) -> Option<bool> {
    static PATTERNS: LazyLock<Mutex<HashMap<String, Option<bool>>>> =
        LazyLock::new(Default::default);
    cached(&PATTERNS, pattern, || {
        regex::Regex::new(&format!("^(?:{pattern})$"))
            .ok()
            .map(|re| re.is_match(""))
    })
}

/// A parsed query shape; `None` when the shape does not parse (the original is parsed then).
fn parsed_shape(shape: &str) -> Option<Arc<Vec<Selector>>> {
    static SHAPES: Cache<Option<Arc<Vec<Selector>>>> = LazyLock::new(Default::default);
    cached(&SHAPES, shape, || {
        selectors_parsed(shape).ok().map(Arc::new)
    })
}

fn selectors_via_shape(query: &str) -> Option<Vec<Selector>> {
    if query.contains(MARK) || query.contains("__name__") {
        return None;
    }
    let literals = matcher_literals(query)?;
    if literals.is_empty() {
        return None;
    }
    let mut shape = String::with_capacity(query.len());
    let mut last = 0;
    for (k, lit) in literals.iter().enumerate() {
        shape.push_str(query.get(last..lit.op.0)?);
        shape.push_str(if lit.negated && !lit.regex { "!=" } else { "=" });
        shape.push_str(query.get(lit.op.1..lit.value.0)?);
        shape.push(MARK);
        shape.push_str(&k.to_string());
        last = lit.value.1;
    }
    shape.push_str(query.get(last..)?);
    let mut selectors = parsed_shape(&shape)?.as_ref().clone();
    let mut used = vec![false; literals.len()];
    for selector in &mut selectors {
        let mut matches_empty = true;
        for (_, op, value) in &mut selector.matchers {
            let k: usize = value.strip_prefix(MARK)?.parse().ok()?;
            let lit = literals.get(k)?;
            if std::mem::replace(used.get_mut(k)?, true) {
                return None;
            }
            *op = match (lit.regex, lit.negated) {
                (true, false) => "=~",
                (true, true) => "!~",
                (false, false) => "=",
                (false, true) => "!=",
            };
            *value = lit.text.to_string();
            let empty = if lit.regex {
                pattern_matches_empty(lit.text)?
            } else {
                lit.text.is_empty()
            };
            matches_empty &= empty != lit.negated;
        }
        // Prometheus rejects a selector without a metric name whose matchers all match "".
        if selector.metric.is_none() && matches_empty {
            return None;
        }
    }
    used.iter().all(|u| *u).then_some(selectors)
}

#[cfg(test)]
mod tests {

    /// promql-parser panics on these (a number no `Duration` can hold where a duration goes);
    /// they must be parse errors, in both the direct and the shape-cached route.
    #[test]
    fn durations_out_of_range_are_errors_not_panics() {
        for q in [
            "up offset 1e30",
            "up offset -1e30",
            "up[NaN]",
            "rate(up[Inf])",
            "up[5m:Inf]",
            "max_over_time(up[1e20:1])",
        ] {
            assert!(parse(q).is_err(), "{q}");
            assert!(selectors(q).is_err(), "{q}");
            assert!(selectors_parsed(q).is_err(), "{q}");
        }
        let err = parse("up offset 1e30").expect_err("out of range");
        assert!(err.contains("duration"), "{err}");
        assert!(parse("up offset 5m").is_ok());
        assert!(
            parse("up > 1e30").is_ok(),
            "a large number as a value is fine"
        );
    }

    use super::*;

    #[test]
    fn lists_jobs() {
        let s =
            selectors(r#"sum(rate(x{job="api",code=~"5.."}[5m])) / sum(rate(x{job="api"}[5m]))"#)
                .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].job(), Some("api"));
        assert!(selectors("sum(rate(x[5m]").is_err());
    }

    /// The shape route must agree with parsing the original query, on success and on
    /// failure (the error text is promql-parser's for the original).
    #[test]
    fn shape_route_agrees_with_parsing_the_query() {
        let queries = [
            r#"sum(rate(http_requests_total{job="api",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="api"}[5m]))"#,
            r#"sum(rate(x{job="api", status!~"5.."}[5m])) / sum(rate(x{job="api"}[5m]))"#,
            r#"x{code=~'5..'} + x{code=~`4\d\d`}"#,
            r#"x{code =~ "5.." , job="a"}"#,
            r#"x{path=~"/a\"b=~c"}"#,
            "x{a=~\"5..\"} # a comment with =~ \"x\"\n + y{b!~\"z\"}",
            r#"{code=~".*"}"#,
            r#"{code!~".*"}"#,
            r#"{code=~".+"}"#,
            r#"{code=~""}"#,
            r#"{code!~""}"#,
            r#"{a=~".*", b!=""}"#,
            r#"{a=~".*", b=""}"#,
            r#"x{a=~"a{bc}"}"#,
            r#"x{a=~"("}"#,
            r#"{__name__=~"http_.*", job="a"}"#,
            r#"label_replace(x{a=~"b.*"}, "dst", "$1", "src", "(.*)")"#,
            r#"max_over_time(x{a=~"b|c"}[5m:1m] offset 1h)"#,
            r#"histogram_quantile(0.99, sum by (le) (rate(h_bucket{job="a",code!~"5.."}[5m])))"#,
            r#"x{a="=~"}"#,
            r#"x{a=~"b"} and on(c) y{d=~"e"} or z{f!~"g"}"#,
            r#"count(up{job=~"api|web"} == 0)"#,
            r#"x{a=~"b""#,
            r#"x{a=~}"#,
            r#"x{a=~b}"#,
            "x{a=~\"\u{1}\"}",
            r#"x{a!="b"} != 2"#,
            r#"x{a=""} == 1"#,
            r#"{a=""}"#,
            r#"{a!=""}"#,
            r#"{a="b",}"#,
            r#"x{a="b" or c=~"d.*"}"#,
            r#"label_join(x{a="b"}, "dst", ",", "a")"#,
            r#"x{a="}"}"#,
            r#"x{a="{"} + y{b="c"}"#,
            r#"{"a"="b"}"#,
            r#"x{a="b\nc"}"#,
            r#"x{a="tab	here"}"#,
            r#"rate(x{a=~"b"}[5m]) * on(a) group_left(c) y{d!~"e|f"}"#,
            r#"sum by (job) (rate(x{job=~"a|b", code=~"5..|4.."}[1m])) > bool 0.05"#,
        ];
        let mut fast = 0;
        for q in queries {
            assert_eq!(selectors(q), selectors_parsed(q), "{q}");
            fast += usize::from(selectors_via_shape(q).is_some());
        }
        assert!(
            fast >= 10,
            "the shape route was taken for only {fast} queries"
        );
        // The same shapes with other values: answered from the kept shapes.
        for i in 0..50 {
            let q = format!(
                r#"sum(rate(x{{job="app-{i}",code=~"{}"}}[5m])) / sum(rate(x{{job="app-{i}"}}[5m]))"#,
                ["5..", ".*", "", "(", "a|b"][i % 5]
            );
            assert_eq!(selectors(&q), selectors_parsed(&q), "{q}");
            let q = format!(r#"{{job="{}"}}"#, ["", "a"][i % 2]);
            assert_eq!(selectors(&q), selectors_parsed(&q), "{q}");
        }
    }
}

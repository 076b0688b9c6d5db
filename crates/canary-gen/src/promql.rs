//! PromQL facts both tools need: does a query parse, and which `job` values do its selectors
//! match. Parsing is promql-parser's (a port of Prometheus' own grammar).

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
/// promql-parser compiles a `regex::Regex` for every `=~`/`!~` matcher, which is most of the
/// cost of parsing a typical gate query (`code=~"5.."`: ~25 µs of ~35 µs). A repo repeats the
/// same few patterns in thousands of queries, so [`selectors`] first tries a cheaper route:
/// each regex matcher is rewritten to an equality matcher whose value carries a marker, the
/// rewritten query is parsed, and the markers are turned back into `=~`/`!~` matchers whose
/// patterns are compiled once per distinct pattern (with promql-parser's anchoring). Whenever
/// anything is unusual (a pattern that does not compile as is, `__name__`, a selector that
/// could match everything, a marker that does not come back) it parses the original query
/// instead, so the result is always what promql-parser says about the original; a test
/// compares both routes over many queries.
pub fn selectors(query: &str) -> Result<Vec<Selector>, String> {
    if let Some(fast) = selectors_via_equality(query) {
        return Ok(fast);
    }
    selectors_parsed(query)
}

/// [`selectors`] by parsing `query` exactly as written.
pub fn selectors_parsed(query: &str) -> Result<Vec<Selector>, String> {
    let expr = parser::parse(query)?;
    let mut collect = Collect(Vec::new());
    // The visitor never fails.
    let _ = walk_expr(&mut collect, &expr);
    Ok(collect.0)
}

/// Marks a rewritten `=~` (and `!~`) matcher at the start of its value.
const RE_MARK: char = '\u{1}';
const NOT_RE_MARK: char = '\u{2}';

/// Where the regex matchers of `query` are: `(op start, value start after the quote, negated)`.
/// `None` when the text has something this small scanner does not follow.
fn regex_matchers(query: &str) -> Option<Vec<(usize, usize, bool)>> {
    let bytes = query.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                // A comment runs to the end of the line.
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            q @ (b'"' | b'\'' | b'`') => {
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
            b'=' | b'!' if bytes.get(i + 1) == Some(&b'~') => {
                let negated = bytes[i] == b'!';
                let mut j = i + 2;
                while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
                    j += 1;
                }
                if !matches!(bytes.get(j), Some(b'"' | b'\'' | b'`')) {
                    return None;
                }
                out.push((i, j + 1, negated));
                i = j;
            }
            _ => i += 1,
        }
    }
    Some(out)
}

/// Per distinct pattern: does it compile as promql-parser anchors it, and does it match "".
fn pattern_facts(pattern: &str) -> Option<bool> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static CACHE: Mutex<Option<HashMap<String, Option<bool>>>> = Mutex::new(None);
    if let Ok(mut cache) = CACHE.lock()
        && let Some(found) = cache.get_or_insert_with(HashMap::new).get(pattern)
    {
        return *found;
    }
    let facts = regex::Regex::new(&format!("^(?:{pattern})$"))
        .ok()
        .map(|re| re.is_match(""));
    if let Ok(mut cache) = CACHE.lock() {
        cache
            .get_or_insert_with(HashMap::new)
            .insert(pattern.to_string(), facts);
    }
    facts
}

fn selectors_via_equality(query: &str) -> Option<Vec<Selector>> {
    if query.contains([RE_MARK, NOT_RE_MARK]) || query.contains("__name__") {
        return None;
    }
    let found = regex_matchers(query)?;
    if found.is_empty() {
        return None;
    }
    let mut rewritten = String::with_capacity(query.len() + found.len());
    let mut last = 0;
    for &(op, value, negated) in &found {
        rewritten.push_str(query.get(last..op)?);
        rewritten.push('=');
        rewritten.push_str(query.get(op + 2..value)?);
        rewritten.push(if negated { NOT_RE_MARK } else { RE_MARK });
        last = value;
    }
    rewritten.push_str(query.get(last..)?);
    let mut selectors = selectors_parsed(&rewritten).ok()?;
    let mut restored = 0;
    for selector in &mut selectors {
        let mut matches_empty = true;
        for (_, op, value) in &mut selector.matchers {
            let negated = value.starts_with(NOT_RE_MARK);
            if *op == "=" && (negated || value.starts_with(RE_MARK)) {
                value.remove(0);
                *op = if negated { "!~" } else { "=~" };
                restored += 1;
                let empty = pattern_facts(value)?;
                matches_empty &= empty != negated;
            } else if value.contains([RE_MARK, NOT_RE_MARK]) {
                return None;
            } else {
                matches_empty &= (*op == "=") == value.is_empty();
            }
        }
        // Prometheus rejects a selector without a metric name whose matchers all match "".
        if selector.metric.is_none() && matches_empty {
            return None;
        }
    }
    (restored == found.len()).then_some(selectors)
}

#[cfg(test)]
mod tests {
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

    /// The equality route must agree with parsing the original query, on success and on
    /// failure (the error text is promql-parser's for the original).
    #[test]
    fn equality_route_agrees_with_parsing_the_query() {
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
        ];
        let mut fast = 0;
        for q in queries {
            assert_eq!(selectors(q), selectors_parsed(q), "{q}");
            fast += usize::from(selectors_via_equality(q).is_some());
        }
        assert!(fast >= 10, "the equality route was taken for only {fast} queries");
    }
}

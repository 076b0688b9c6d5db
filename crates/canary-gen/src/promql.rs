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
pub fn selectors(query: &str) -> Result<Vec<Selector>, String> {
    let expr = parser::parse(query)?;
    let mut collect = Collect(Vec::new());
    // The visitor never fails.
    let _ = walk_expr(&mut collect, &expr);
    Ok(collect.0)
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
}

//! Evaluates an AnalysisTemplate condition over a Prometheus result, for the subset of the
//! expr language the generator writes (`len(result)`, `all(result, …)` with `#` for the
//! element, `isNaN(…)`, `result[0]`, `result` itself for a scalar, comparisons, `!`, `&&`,
//! `||`, parentheses). The verdicts in the promtool test file come from
//! the condition text as rendered, not from the spec, so they cannot drift from what Argo runs.
//!
//! Argo evaluates `successCondition` with github.com/expr-lang/expr, `result` being the vector's
//! values (`metricproviders/prometheus/prometheus.go`, `processResponse`); indexing an empty
//! `result` is an evaluation error, which makes the measurement `Error`, not `Failed`
//! (`utils/evaluate/evaluate.go`). `isNaN` is Argo's helper (PR #977).

/// What the query returned at one measurement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// An empty vector.
    Empty,
    /// One sample that is NaN (e.g. 0/0 with no traffic).
    NaN,
    /// One sample.
    Value(f64),
}

/// A measurement's verdict under the condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The condition held.
    Successful,
    /// The condition did not hold.
    Failed,
    /// The condition could not be evaluated (e.g. `result[0]` of an empty result).
    Error,
}

impl Verdict {
    /// Argo's phase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Successful => "Successful",
            Verdict::Failed => "Failed",
            Verdict::Error => "Error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Val {
    Num(f64),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Op(&'static str),
}

fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || matches!(b[i], b'.' | b'e' | b'E')) {
                i += 1;
            }
            let n = text[start..i]
                .parse::<f64>()
                .map_err(|_| format!("bad number {}", &text[start..i]))?;
            out.push(Tok::Num(n));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(text[start..i].to_string()));
        } else {
            let two = text.get(i..i + 2).unwrap_or("");
            let op = ["||", "&&", "==", "!=", "<=", ">="]
                .into_iter()
                .find(|o| *o == two);
            if let Some(op) = op {
                out.push(Tok::Op(op));
                i += 2;
            } else {
                let op = ["!", "<", ">", "(", ")", "[", "]", "-", "#", ","]
                    .into_iter()
                    .find(|o| o.as_bytes()[0] == b[i])
                    .ok_or_else(|| format!("unexpected `{c}`"))?;
                out.push(Tok::Op(op));
                i += 1;
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    result: &'a Outcome,
    /// The element `#` stands for inside `all(result, …)`.
    element: Option<f64>,
}

type Eval = Result<Val, Fault>;

#[derive(Debug)]
enum Fault {
    /// Argo would fail to evaluate: the measurement errors.
    Runtime,
    /// Outside the subset this module understands.
    Syntax(String),
}

impl Parser<'_> {
    fn peek_op(&self, op: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Op(o)) if *o == op)
    }

    fn expect(&mut self, op: &str) -> Result<(), Fault> {
        if self.peek_op(op) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Fault::Syntax(format!("expected `{op}`")))
        }
    }

    // Evaluation happens while parsing; `live == false` parses a short-circuited operand
    // without evaluating it, as expr does.
    fn or(&mut self, live: bool) -> Eval {
        let mut v = self.and(live)?;
        while self.peek_op("||") {
            self.pos += 1;
            let short = truth(v)?;
            let r = self.and(live && !short)?;
            v = Val::Bool(short || (live && truth(r)?));
        }
        Ok(v)
    }

    fn and(&mut self, live: bool) -> Eval {
        let mut v = self.cmp(live)?;
        while self.peek_op("&&") {
            self.pos += 1;
            let left = truth(v)?;
            let r = self.cmp(live && left)?;
            v = Val::Bool(left && (live && truth(r)?));
        }
        Ok(v)
    }

    fn cmp(&mut self, live: bool) -> Eval {
        let a = self.unary(live)?;
        for op in ["==", "!=", "<=", ">=", "<", ">"] {
            if self.peek_op(op) {
                self.pos += 1;
                let b = self.unary(live)?;
                if !live {
                    return Ok(Val::Bool(false));
                }
                let (Val::Num(x), Val::Num(y)) = (a, b) else {
                    return Err(Fault::Syntax("comparison of non-numbers".into()));
                };
                return Ok(Val::Bool(match op {
                    "==" => x == y,
                    "!=" => x != y,
                    "<=" => x <= y,
                    ">=" => x >= y,
                    "<" => x < y,
                    _ => x > y,
                }));
            }
        }
        Ok(a)
    }

    fn unary(&mut self, live: bool) -> Eval {
        if self.peek_op("!") {
            self.pos += 1;
            let v = self.unary(live)?;
            return Ok(Val::Bool(!live || !truth(v)?));
        }
        if self.peek_op("-") {
            self.pos += 1;
            return match self.unary(live)? {
                Val::Num(n) => Ok(Val::Num(-n)),
                Val::Bool(_) => Err(Fault::Syntax("minus on a boolean".into())),
            };
        }
        self.atom(live)
    }

    fn result0(&mut self, live: bool) -> Eval {
        self.expect("[")?;
        match self.toks.get(self.pos) {
            Some(Tok::Num(n)) if *n == 0.0 => self.pos += 1,
            _ => return Err(Fault::Syntax("only result[0] is understood".into())),
        }
        self.expect("]")?;
        if !live {
            return Ok(Val::Num(0.0));
        }
        match self.result {
            Outcome::Empty => Err(Fault::Runtime),
            Outcome::NaN => Ok(Val::Num(f64::NAN)),
            Outcome::Value(v) => Ok(Val::Num(*v)),
        }
    }

    fn atom(&mut self, live: bool) -> Eval {
        let tok = self.toks.get(self.pos).cloned();
        self.pos += 1;
        match tok {
            Some(Tok::Num(n)) => Ok(Val::Num(n)),
            Some(Tok::Op("(")) => {
                let v = self.or(live)?;
                self.expect(")")?;
                Ok(v)
            }
            Some(Tok::Op("#")) => match (live, self.element) {
                (false, _) => Ok(Val::Num(0.0)),
                (true, Some(v)) => Ok(Val::Num(v)),
                (true, None) => Err(Fault::Syntax("`#` outside all(result, …)".into())),
            },
            Some(Tok::Ident(id)) => match id.as_str() {
                "true" => Ok(Val::Bool(true)),
                "false" => Ok(Val::Bool(false)),
                "result" if self.peek_op("[") => self.result0(live),
                // `result` itself: a scalar query's bare number (expr cannot compare an empty
                // list with a number, so an empty result is an evaluation error).
                "result" => match (live, self.result) {
                    (false, _) => Ok(Val::Num(0.0)),
                    (true, Outcome::Empty) => Err(Fault::Runtime),
                    (true, Outcome::NaN) => Ok(Val::Num(f64::NAN)),
                    (true, Outcome::Value(v)) => Ok(Val::Num(*v)),
                },
                "len" => {
                    self.expect("(")?;
                    self.expect_result()?;
                    self.expect(")")?;
                    Ok(Val::Num(match self.result {
                        Outcome::Empty => 0.0,
                        _ => 1.0,
                    }))
                }
                "isNaN" => {
                    self.expect("(")?;
                    let v = self.or(live)?;
                    self.expect(")")?;
                    match v {
                        Val::Num(n) => Ok(Val::Bool(live && n.is_nan())),
                        Val::Bool(_) => Err(Fault::Syntax("isNaN() of a boolean".into())),
                    }
                }
                // `all(result, P)`: true on an empty list (expr-lang/expr
                // `docs/language-definition.md`), else P of the one element (a result of several
                // series is not a scenario: `outcome_of`).
                "all" => {
                    self.expect("(")?;
                    self.expect_result()?;
                    self.expect(",")?;
                    let element = match self.result {
                        Outcome::Empty => None,
                        Outcome::NaN => Some(f64::NAN),
                        Outcome::Value(v) => Some(*v),
                    };
                    let outer = self.element.replace(element.unwrap_or(0.0));
                    let v = self.or(live && element.is_some());
                    self.element = outer;
                    let v = v?;
                    self.expect(")")?;
                    if !live || element.is_none() {
                        return Ok(Val::Bool(true));
                    }
                    Ok(Val::Bool(truth(v)?))
                }
                other => Err(Fault::Syntax(format!("unknown name `{other}`"))),
            },
            _ => Err(Fault::Syntax("unexpected end or token".into())),
        }
    }

    fn expect_result(&mut self) -> Result<(), Fault> {
        match self.toks.get(self.pos) {
            Some(Tok::Ident(r)) if r == "result" => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(Fault::Syntax(
                "a function of something other than result".into(),
            )),
        }
    }
}

fn truth(v: Val) -> Result<bool, Fault> {
    match v {
        Val::Bool(b) => Ok(b),
        Val::Num(_) => Err(Fault::Syntax("a number where a boolean belongs".into())),
    }
}

/// The verdict of `success_condition` for one measurement, or why the condition is outside the
/// understood subset.
pub fn verdict(success_condition: &str, result: Outcome) -> Result<Verdict, String> {
    let toks = tokenize(success_condition)?;
    // A first pass evaluates nothing and only checks the whole text is in the subset; the
    // second evaluates, stopping at a runtime fault as expr does.
    let mut check = Parser {
        toks: toks.clone(),
        pos: 0,
        result: &result,
        element: None,
    };
    match check.or(false) {
        Err(Fault::Syntax(s)) => return Err(s),
        _ if check.pos != check.toks.len() => return Err("trailing tokens".into()),
        _ => {}
    }
    let mut p = Parser {
        toks,
        pos: 0,
        result: &result,
        element: None,
    };
    match p.or(true) {
        Ok(v) => match truth(v) {
            Ok(true) => Ok(Verdict::Successful),
            Ok(false) => Ok(Verdict::Failed),
            Err(Fault::Syntax(s)) => Err(s),
            Err(Fault::Runtime) => Ok(Verdict::Error),
        },
        Err(Fault::Runtime) => Ok(Verdict::Error),
        Err(Fault::Syntax(s)) => Err(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guarded_conditions_follow_no_data() {
        let pass = "len(result) == 0 || isNaN(result[0]) || result[0] <= 0.05";
        assert_eq!(verdict(pass, Outcome::Empty), Ok(Verdict::Successful));
        assert_eq!(verdict(pass, Outcome::NaN), Ok(Verdict::Successful));
        assert_eq!(verdict(pass, Outcome::Value(0.01)), Ok(Verdict::Successful));
        assert_eq!(verdict(pass, Outcome::Value(0.5)), Ok(Verdict::Failed));
        let fail = "len(result) > 0 && !isNaN(result[0]) && result[0] >= 1";
        assert_eq!(verdict(fail, Outcome::Empty), Ok(Verdict::Failed));
        assert_eq!(verdict(fail, Outcome::NaN), Ok(Verdict::Failed));
        assert_eq!(verdict(fail, Outcome::Value(1.0)), Ok(Verdict::Successful));
        assert_eq!(verdict(fail, Outcome::Value(0.0)), Ok(Verdict::Failed));
    }

    #[test]
    fn every_element_and_scalar_conditions() {
        let pass = "len(result) == 0 || all(result, isNaN(#) || # <= 0.05)";
        assert_eq!(verdict(pass, Outcome::Empty), Ok(Verdict::Successful));
        assert_eq!(verdict(pass, Outcome::NaN), Ok(Verdict::Successful));
        assert_eq!(verdict(pass, Outcome::Value(0.01)), Ok(Verdict::Successful));
        assert_eq!(verdict(pass, Outcome::Value(0.5)), Ok(Verdict::Failed));
        let fail = "len(result) > 0 && all(result, !isNaN(#) && # >= 1.0)";
        assert_eq!(verdict(fail, Outcome::Empty), Ok(Verdict::Failed));
        assert_eq!(verdict(fail, Outcome::NaN), Ok(Verdict::Failed));
        assert_eq!(verdict(fail, Outcome::Value(1.0)), Ok(Verdict::Successful));
        assert_eq!(verdict(fail, Outcome::Value(0.0)), Ok(Verdict::Failed));
        // Without the length guard an empty result passes: the trap the guard closes.
        assert_eq!(
            verdict("all(result, !isNaN(#) && # >= 1.0)", Outcome::Empty),
            Ok(Verdict::Successful)
        );
        let scalar = "!isNaN(result) && result <= 0.05";
        assert_eq!(verdict(scalar, Outcome::NaN), Ok(Verdict::Failed));
        assert_eq!(
            verdict(scalar, Outcome::Value(0.01)),
            Ok(Verdict::Successful)
        );
        assert_eq!(
            verdict("isNaN(result) || result <= 0.05", Outcome::NaN),
            Ok(Verdict::Successful)
        );
        assert!(verdict("# > 1", Outcome::Value(2.0)).is_err());
    }

    #[test]
    fn unguarded_conditions_show_the_traps() {
        // NaN compares false: a bare success condition fails on no traffic, and indexing an
        // empty result errors.
        assert_eq!(
            verdict("result[0] <= 0.05", Outcome::NaN),
            Ok(Verdict::Failed)
        );
        assert_eq!(
            verdict("result[0] <= 0.05", Outcome::Empty),
            Ok(Verdict::Error)
        );
        assert!(verdict("result.value <= 1", Outcome::Empty).is_err());
    }
}

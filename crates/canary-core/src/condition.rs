//! How an Argo Rollouts `successCondition` or `failureCondition` reads `result`.
//!
//! Argo compiles the condition with the expr language (argo-rollouts
//! `utils/evaluate/evaluate.go`, `EvalCondition`: the environment holds `result`, `isNaN`,
//! `isInf`, `isNil`, `asInt`, `asFloat`, `default`) and any compile or run-time error makes
//! the measurement an Error. So the way the condition reads `result` must fit what the
//! provider hands over: a bare number for a Prometheus scalar, a list for a vector (see
//! `crate::promql_shape`). This module only scans the condition's text; it does not evaluate.

/// How a Prometheus list reader is applied to `result`.
const LIST_READERS: [&str; 8] = ["len", "all", "any", "none", "one", "filter", "map", "count"];

/// Every way the condition reads `result`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultUse {
    /// `result[0]`, `result[1]`, …: an element of a list.
    pub indexes: bool,
    /// `len(result)`: a test for the empty list.
    pub tests_len: bool,
    /// `all(result, …)`, `any(result, …)`, `none(…)`, `one(…)`, `filter(…)`, `map(…)`,
    /// `count(…)`: a list function other than `len`.
    pub list_functions: Vec<&'static str>,
    /// `isNaN(result[…])` (or `isNaN(#)` inside a list function): a NaN test on an element.
    pub tests_nan_of_element: bool,
    /// `isNaN(result)` or `isInf(result)`: a number test on `result` itself.
    pub number_test_on_result: bool,
    /// `result` used as a number itself (compared, added, …): the byte offset of the first.
    pub as_number: Option<usize>,
    /// `result.x` or `result['x']`: a field of a map (New Relic, Datadog, web providers).
    pub fields: bool,
}

impl ResultUse {
    /// Does the condition read the result as a list (index, `len`, list functions)?
    pub fn as_list(&self) -> bool {
        self.indexes || self.tests_len || !self.list_functions.is_empty()
    }

    /// Does it apply `all(result, …)`?
    pub fn uses(&self, function: &str) -> bool {
        self.list_functions.contains(&function)
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Scans `condition` for its uses of `result` (outside string literals).
pub fn result_use(condition: &str) -> ResultUse {
    let mut found = ResultUse::default();
    // Blank out string literals so `'result'` or `"a[0]"` are not read as code.
    let mut code = String::with_capacity(condition.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in condition.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
                code.push(if quote.is_none() { c } else { ' ' });
            }
            None => {
                if c == '\'' || c == '"' || c == '`' {
                    quote = Some(c);
                }
                code.push(c);
            }
        }
    }
    // `all(result, isNaN(#) || # < 0.5)`: the NaN test on each element.
    let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.contains("isNaN(#)") {
        found.tests_nan_of_element = true;
    }
    let mut from = 0;
    while let Some(at) = code[from..].find("result").map(|i| i + from) {
        let end = at + "result".len();
        from = end;
        let before = code[..at].chars().next_back();
        let after = code[end..].chars().next();
        if before.is_some_and(|c| is_ident(c) || c == '.') || after.is_some_and(is_ident) {
            continue;
        }
        let next = code[end..].trim_start().chars().next();
        match next {
            Some('[') => {
                let inner = code[end..].trim_start()[1..].trim_start();
                if inner.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
                    found.indexes = true;
                    let prefix = code[..at].trim_end();
                    if prefix.ends_with("isNaN(") {
                        found.tests_nan_of_element = true;
                    }
                } else {
                    found.fields = true;
                }
                continue;
            }
            Some('.') => {
                found.fields = true;
                continue;
            }
            _ => {}
        }
        let prefix = code[..at].trim_end();
        if let Some(call) = prefix.strip_suffix('(') {
            let name_start = call
                .char_indices()
                .rev()
                .find(|&(_, c)| !is_ident(c))
                .map_or(0, |(i, c)| i + c.len_utf8());
            let name = &call[name_start..];
            if name == "len" {
                found.tests_len = true;
                continue;
            }
            if let Some(reader) = LIST_READERS.iter().find(|r| **r == name) {
                if !found.list_functions.contains(reader) {
                    found.list_functions.push(reader);
                }
                continue;
            }
            if name == "isNaN" || name == "isInf" {
                found.number_test_on_result = true;
                continue;
            }
            if name == "isNil" || name == "default" || name == "asFloat" || name == "asInt" {
                continue;
            }
        }
        if found.as_number.is_none() {
            found.as_number = Some(at);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_usual_forms() {
        let u = result_use("len(result) == 0 || isNaN(result[0]) || result[0] <= 0.05");
        assert!(u.indexes && u.tests_len && u.tests_nan_of_element);
        assert_eq!(u.as_number, None);
        let u = result_use("all(result, # < 0.5)");
        assert!(u.uses("all") && !u.indexes && u.as_list());
        let u = result_use("result < 0.5");
        assert_eq!(u.as_number, Some(0));
        assert!(!u.as_list());
        let u = result_use("isNaN(result) || result >= 0.95");
        assert!(u.number_test_on_result);
        assert_eq!(u.as_number, Some(17));
        let u = result_use("result.value == nil || result.value <= 0.05");
        assert!(u.fields && u.as_number.is_none() && !u.as_list());
        let u = result_use("result['percentile.duration']['95'] < 300");
        assert!(u.fields && !u.indexes);
    }

    #[test]
    fn strings_and_longer_names_are_not_uses() {
        let u = result_use("'result' == 'x' || results < 1 || my_result > 2 || x.result > 3");
        assert_eq!(u, ResultUse::default());
        let u = result_use(r#"result[0] > 0.5 && "result < 1" != """#);
        assert!(u.indexes);
        assert_eq!(u.as_number, None);
    }

    #[test]
    fn nan_test_inside_a_list_function() {
        let u = result_use("len(result) > 0 && all(result, isNaN( # ) || # < 0.5)");
        assert!(u.tests_nan_of_element && u.tests_len && u.uses("all"));
    }

    #[test]
    fn spacing_does_not_matter() {
        let u = result_use("len( result ) > 0 && isNaN( result [0] ) == false");
        assert!(u.tests_len && u.indexes && u.tests_nan_of_element);
    }
}

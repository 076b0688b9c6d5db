//! NRQL facts both tools need, read from the query text without a full parser: keywords
//! outside quoted strings and comments, and the aliases a query returns.

use std::borrow::Cow;

/// `query` with every comment blanked out (each byte replaced by a space, line feeds kept), so
/// byte offsets stay those of `query`. New Relic's NRQL comments: `--` or `//` to the end of
/// the line, and `/* … */` (NRQL reference, "Comments":
/// <https://docs.newrelic.com/docs/query-your-data/nrql-new-relic-query-language/get-started/nrql-syntax-clauses-functions/#comments>;
/// announced 2023-04-12, <https://docs.newrelic.com/whats-new/2023/04/whats-new-04-12-nrql-comments/>).
/// Comment markers inside quoted strings and backquoted names are text. An unterminated
/// `/*` runs to the end of the query.
pub fn without_comments(query: &str) -> Cow<'_, str> {
    if !(query.contains("--") || query.contains("//") || query.contains("/*")) {
        return Cow::Borrowed(query);
    }
    let bytes = query.as_bytes();
    let mut out = bytes.to_vec();
    let blank = |out: &mut [u8], from: usize, to: usize| {
        for b in &mut out[from..to] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match quote {
            Some(q) => {
                if b == q {
                    quote = None;
                }
                i += 1;
            }
            None if matches!(b, b'\'' | b'`' | b'"') => {
                quote = Some(b);
                i += 1;
            }
            None if bytes[i..].starts_with(b"--") || bytes[i..].starts_with(b"//") => {
                let end = bytes[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(bytes.len(), |n| i + n);
                blank(&mut out, i, end);
                i = end;
            }
            None if bytes[i..].starts_with(b"/*") => {
                let end = bytes[i + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
                blank(&mut out, i, end);
                i = end;
            }
            None => i += 1,
        }
    }
    // Only whole comments were replaced, by ASCII spaces: still UTF-8.
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| query.to_string()))
}

/// Is `word` present in NRQL as a keyword, outside quoted strings and comments?
pub fn nrql_has_keyword(query: &str, word: &str) -> bool {
    let query = without_comments(query);
    let mut unquoted = String::with_capacity(query.len());
    let mut quote: Option<char> = None;
    for c in query.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '`' || c == '"' => {
                quote = Some(c);
                unquoted.push(' ');
            }
            None => unquoted.push(c.to_ascii_uppercase()),
        }
    }
    let word = word.to_ascii_uppercase();
    let parts: Vec<&str> = word.split(' ').collect();
    let tokens: Vec<&str> = unquoted
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect();
    tokens.windows(parts.len()).any(|w| w == parts.as_slice())
}

/// Aliases an NRQL query returns (`AS 'name'`, ``AS `name` ``, `AS name`), outside comments
/// and outside quoted strings (`WHERE name = 'sold AS new'` names no alias).
pub fn nrql_aliases(query: &str) -> Vec<String> {
    let query = &*without_comments(query);
    let mut out = Vec::new();
    let bytes = query.as_bytes();
    let upper = query.to_ascii_uppercase();
    // For each byte: is it inside a quoted string or a backquoted name?
    let mut quoted = vec![false; bytes.len()];
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) => {
                quoted[i] = true;
                if b == q {
                    quote = None;
                }
            }
            None if matches!(b, b'\'' | b'`' | b'"') => {
                quoted[i] = true;
                quote = Some(b);
            }
            None => {}
        }
    }
    let mut from = 0;
    while let Some(i) = upper[from..].find("AS") {
        let at = from + i;
        from = at + 2;
        if quoted[at] {
            continue;
        }
        let before_ok =
            at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let after = &query[at + 2..];
        if !before_ok || !after.starts_with(char::is_whitespace) {
            continue;
        }
        let rest = after.trim_start();
        let alias = match rest.chars().next() {
            Some(q @ ('\'' | '`')) => rest[1..].split(q).next().map(str::to_string),
            Some(_) => rest
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .next()
                .map(str::to_string),
            None => None,
        };
        if let Some(a) = alias.filter(|a| !a.is_empty()) {
            out.push(a);
        }
    }
    out
}

/// NRQL aggregator functions whose value is not a single number, with what they return.
///
/// A New Relic metric hands Argo one row as a map from each result key to its value
/// (argo-rollouts `metricproviders/newrelic/newrelic.go` `processResponse`: `results[0]`, an
/// `nrdb.NRDBResult`, goes to `evaluate.EvaluateResult` as it is), so a condition such as
/// `result.value <= 0.5` compares whatever value the key holds. For these functions that value
/// is a map or a list (issue 12, defect 4), and expr fails the comparison on every measurement
/// (`utils/evaluate/evaluate.go` `EvalCondition`: a run-time error is an Error measurement).
/// What each returns is from the NRQL reference (newrelic/docs-website
/// `src/content/docs/nrql/nrql-syntax-clauses-functions.mdx`, checked at `5bfed885`):
/// `percentile()` is "a compound data type, which maps each percentile to its calculated value"
/// (keyed `'95.0'`), `uniques()` returns "a list of unique values", `histogram()` counts the
/// values per bucket. The JSON NerdGraph hands Argo for them was not re-checked; refusing a
/// numeric comparison does not depend on its exact nesting.
pub const NESTED_VALUE_FUNCTIONS: [(&str, &str); 3] = [
    (
        "percentile",
        "a map from each requested percentile to its value",
    ),
    ("uniques", "a list of the distinct values"),
    ("histogram", "a list of bucket counts"),
];

/// One call of a [`NESTED_VALUE_FUNCTIONS`] function in a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestedValue {
    /// The function, lower case (`percentile`).
    pub function: &'static str,
    /// What it returns, in words.
    pub returns: &'static str,
    /// The result key its value lands under: the `AS` alias, or `function.attribute` (the
    /// un-aliased key, as CL708 derives it), or `function` when the argument is not a name.
    pub key: String,
    /// Byte offset of the function name in the query.
    pub offset: usize,
}

/// Every call of a function that returns a nested value, outside quoted strings, with the key
/// its value is returned under. A call nested in another function (`filter(percentile(…), …)`)
/// is reported with the outer item's alias.
pub fn nested_values(query: &str) -> Vec<NestedValue> {
    let bytes = query.as_bytes();
    // Byte offsets of code (outside quotes) and the quote state per byte.
    let mut in_quote = vec![false; bytes.len()];
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) => {
                in_quote[i] = true;
                if b == q {
                    quote = None;
                }
            }
            None if b == b'\'' || b == b'"' || b == b'`' => {
                in_quote[i] = true;
                quote = Some(b);
            }
            None => {}
        }
    }
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if in_quote[i] || !is_word(bytes[i]) || (i > 0 && is_word(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_word(bytes[i]) && !in_quote[i] {
            i += 1;
        }
        let word = query[start..i].to_ascii_lowercase();
        let Some(&(function, returns)) = NESTED_VALUE_FUNCTIONS.iter().find(|(f, _)| *f == word)
        else {
            continue;
        };
        let open = i + (query[i..].len() - query[i..].trim_start().len());
        if bytes.get(open) != Some(&b'(') {
            continue;
        }
        // The enclosing SELECT item: from the call to the next top-level comma or clause.
        let Some(close) = matching_paren(bytes, &in_quote, open) else {
            continue;
        };
        let argument = query[open + 1..close]
            .split(',')
            .next()
            .map(|a| a.trim().trim_matches('`'))
            .unwrap_or("");
        let depth = (0..start)
            .filter(|&j| !in_quote[j])
            .fold(0i32, |d, j| match bytes[j] {
                b'(' => d + 1,
                b')' => d - 1,
                _ => d,
            });
        let item_end = item_end(bytes, &in_quote, close + 1, depth);
        let alias = nrql_aliases(&query[close + 1..item_end]).into_iter().next();
        let name_like = !argument.is_empty()
            && argument
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':'));
        let key = alias.unwrap_or_else(|| {
            if name_like {
                format!("{function}.{argument}")
            } else {
                function.to_string()
            }
        });
        out.push(NestedValue {
            function,
            returns,
            key,
            offset: start,
        });
    }
    out
}

/// The `)` closing the `(` at `open`, outside quotes.
fn matching_paren(bytes: &[u8], in_quote: &[bool], open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        if in_quote[i] {
            continue;
        }
        match b {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Where the SELECT item that continues at `from`, inside `depth` open parentheses, ends: a
/// comma outside every parenthesis, the `)` closing a bracketed list, or a clause keyword
/// (`FROM`, `WHERE`, …).
fn item_end(bytes: &[u8], in_quote: &[bool], from: usize, mut depth: i32) -> usize {
    let mut i = from;
    while i < bytes.len() {
        if !in_quote[i] {
            match bytes[i] {
                b'(' => depth += 1,
                b')' if depth <= 0 => return i,
                b')' => depth -= 1,
                b',' if depth == 0 => return i,
                b if depth == 0 && b.is_ascii_alphabetic() => {
                    let end = (i..bytes.len())
                        .find(|&j| !(bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_'))
                        .unwrap_or(bytes.len());
                    let word = String::from_utf8_lossy(&bytes[i..end]).to_ascii_uppercase();
                    let boundary =
                        i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
                    if boundary
                        && matches!(
                            word.as_str(),
                            "FROM"
                                | "WHERE"
                                | "FACET"
                                | "SINCE"
                                | "UNTIL"
                                | "LIMIT"
                                | "TIMESERIES"
                                | "COMPARE"
                                | "WITH"
                        )
                    {
                        return i;
                    }
                    i = end;
                    continue;
                }
                _ => {}
            }
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_values_found_with_their_keys() {
        let found = nested_values(
            "SELECT percentile(duration, 99) AS 'value', count(*) AS n FROM Transaction WHERE name = 'percentile(x)' SINCE 5 minutes ago",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].function, found[0].key.as_str()),
            ("percentile", "value")
        );
        let found = nested_values("FROM T SELECT uniques(host), HISTOGRAM(duration, 10, 20)");
        let keys: Vec<&str> = found.iter().map(|n| n.key.as_str()).collect();
        assert_eq!(keys, ["uniques.host", "histogram.duration"]);
        assert!(
            nested_values("SELECT percentage(count(*), WHERE duration > 1) AS 'value' FROM T")
                .is_empty()
        );
        let found =
            nested_values("SELECT filter(percentile(duration, 95), WHERE x = 1) AS p FROM T");
        assert_eq!(found[0].key, "p");
    }

    #[test]
    fn nrql_keywords_ignore_strings() {
        assert!(nrql_has_keyword(
            "SELECT x FROM T since 5 minutes ago",
            "SINCE"
        ));
        assert!(!nrql_has_keyword(
            "SELECT x FROM T WHERE a = 'since'",
            "SINCE"
        ));
        assert!(nrql_has_keyword(
            "SELECT x FROM T COMPARE  WITH 1 week ago",
            "COMPARE WITH"
        ));
    }

    #[test]
    fn nrql_comments_are_not_clauses() {
        // Each form New Relic documents: `--` and `//` to the end of the line, `/* … */`.
        for query in [
            "SELECT count(*) FROM T -- SINCE 5 minutes ago",
            "SELECT count(*) FROM T // SINCE 5 minutes ago\nWHERE a = 1",
            "SELECT count(*) FROM T /* SINCE 5 minutes ago */ WHERE a = 1",
            "SELECT count(*) FROM T /* SINCE\n5 minutes ago */",
            "SELECT count(*) FROM T /* unterminated SINCE",
        ] {
            assert!(!nrql_has_keyword(query, "SINCE"), "{query}");
            assert!(nrql_has_keyword(query, "FROM"), "{query}");
        }
        // A clause after a line comment, or after a block comment, still counts.
        assert!(nrql_has_keyword(
            "SELECT x FROM T -- note\nSINCE 1 day ago",
            "SINCE"
        ));
        assert!(nrql_has_keyword(
            "SELECT x FROM T /* a */ SINCE 1 day ago",
            "SINCE"
        ));
        // Comment markers inside strings are text, and what follows the string is read.
        assert!(nrql_has_keyword(
            "SELECT x FROM T WHERE u = 'a--b' SINCE 1 day ago",
            "SINCE"
        ));
        assert!(nrql_has_keyword(
            "SELECT x FROM T WHERE u = 'http://x' SINCE 1 day ago",
            "SINCE"
        ));
        // Aliases in comments are not returned; offsets stay right after a multi-byte comment.
        assert_eq!(
            nrql_aliases("SELECT count(*) /* AS 'é' */ AS 'value' FROM T -- AS 'other'"),
            ["value"]
        );
        assert_eq!(
            without_comments("a /* é */ b\n-- c\nd").len(),
            "a /* é */ b\n-- c\nd".len()
        );
    }

    #[test]
    fn nrql_aliases_found() {
        assert_eq!(nrql_aliases("SELECT count(*) AS 'value' FROM T"), ["value"]);
        assert_eq!(
            nrql_aliases("SELECT count(*) as value, max(x) AS `m.x` FROM T"),
            ["value", "m.x"]
        );
        assert!(nrql_aliases("SELECT CASE FROM HAS").is_empty());
    }

    #[test]
    fn an_as_inside_a_quoted_string_is_not_an_alias() {
        assert!(nrql_aliases("SELECT count(*) FROM T WHERE name = 'sold AS new'").is_empty());
        assert!(nrql_aliases("SELECT count(*) FROM T WHERE `a AS b` = 1").is_empty());
        assert_eq!(
            nrql_aliases("SELECT count(*) AS 'v' FROM T WHERE x = \"y AS z\""),
            ["v"]
        );
    }
}

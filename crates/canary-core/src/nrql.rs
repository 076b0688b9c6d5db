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

/// Aliases an NRQL query returns (`AS 'name'`, ``AS `name` ``, `AS name`), outside comments.
pub fn nrql_aliases(query: &str) -> Vec<String> {
    let query = &*without_comments(query);
    let mut out = Vec::new();
    let bytes = query.as_bytes();
    let upper = query.to_ascii_uppercase();
    let mut from = 0;
    while let Some(i) = upper[from..].find("AS") {
        let at = from + i;
        from = at + 2;
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

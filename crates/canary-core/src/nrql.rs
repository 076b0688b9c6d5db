//! NRQL facts both tools need, read from the query text without a full parser: keywords
//! outside quoted strings, and the aliases a query returns.

/// Is `word` present in NRQL as a keyword, outside quoted strings?
pub fn nrql_has_keyword(query: &str, word: &str) -> bool {
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

/// Aliases an NRQL query returns (`AS 'name'`, ``AS `name` ``, `AS name`).
pub fn nrql_aliases(query: &str) -> Vec<String> {
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
    fn nrql_aliases_found() {
        assert_eq!(nrql_aliases("SELECT count(*) AS 'value' FROM T"), ["value"]);
        assert_eq!(
            nrql_aliases("SELECT count(*) as value, max(x) AS `m.x` FROM T"),
            ["value", "m.x"]
        );
        assert!(nrql_aliases("SELECT CASE FROM HAS").is_empty());
    }
}

//! New Relic facts for the CL7xx rules: typed alert conditions and dashboards of the repo,
//! and the result keys an NRQL query returns to an Argo Rollouts `newRelic` metric.
//!
//! Result keys follow argo-rollouts `metricproviders/newrelic/newrelic.go` and
//! `docs/analysis/newrelic.md`: one row is a map keyed by `AS` aliases, or by the function
//! name (`count(*)` → `count`) or `function.attribute` (`average(duration)` →
//! `average.duration`) when un-aliased; FACET queries add the facet attributes and `facet`.

use canary_core::model::analysis::{Metric, substitute_args};
use canary_core::model::{Dashboard, NrqlCondition};
use canary_core::nrql::nrql_aliases;

use crate::repo::{Document, Kind, Object, Repo};

/// One `newRelic` metric of an AnalysisTemplate or ClusterAnalysisTemplate, with its query as
/// the analysis engine sends it when no Rollout overrides an arg: the template's arg defaults
/// substituted (argo-rollouts `metricproviders/newrelic/newrelic.go` sends the query as
/// written, after the controller's `{{args.x}}` substitution). The CL707, CL708 and CL710
/// rules judge these.
pub struct AnalysisQuery<'a> {
    /// The template's document.
    pub doc: &'a Document,
    /// The metric's index in `spec.metrics`.
    pub index: usize,
    /// The metric.
    pub metric: &'a Metric,
    /// The query, arg defaults substituted.
    pub query: String,
}

impl<'a> AnalysisQuery<'a> {
    /// JSON pointer of the query in the template.
    pub fn query_pointer(&self) -> String {
        format!("/spec/metrics/{}/provider/newRelic/query", self.index)
    }

    /// The metric's conditions that are set: `(field, JSON pointer, condition)`.
    pub fn conditions(&self) -> impl Iterator<Item = (&'static str, String, &'a str)> + use<'a> {
        let (index, metric) = (self.index, self.metric);
        [
            ("successCondition", &metric.success_condition),
            ("failureCondition", &metric.failure_condition),
        ]
        .into_iter()
        .filter_map(move |(field, condition)| {
            let condition = condition.as_deref()?;
            Some((field, format!("/spec/metrics/{index}/{field}"), condition))
        })
    }
}

/// Every `newRelic` metric of every valid template, in file then metric order.
pub fn analysis_queries(repo: &Repo) -> Vec<AnalysisQuery<'_>> {
    let mut out = Vec::new();
    for (doc, template) in super::template_use::all_templates(repo) {
        let defaults = |name: &str| template.arg_default(name);
        for (index, metric) in template.spec.metrics.iter().enumerate() {
            if let Some(nr) = &metric.provider.new_relic {
                out.push(AnalysisQuery {
                    doc,
                    index,
                    metric,
                    query: substitute_args(&nr.query, defaults),
                });
            }
        }
    }
    out
}

/// Every valid NRQL alert condition, in file order.
pub fn conditions(repo: &Repo) -> Vec<(&Document, &NrqlCondition)> {
    repo.of_kind(Kind::NrqlCondition)
        .filter_map(|d| match &d.object {
            Some(Object::NrqlCondition(c)) => Some((d, c.as_ref())),
            _ => None,
        })
        .collect()
}

/// Every valid dashboard, in file order.
pub fn dashboards(repo: &Repo) -> Vec<(&Document, &Dashboard)> {
    repo.of_kind(Kind::Dashboard)
        .filter_map(|d| match &d.object {
            Some(Object::Dashboard(x)) => Some((d, x.as_ref())),
            _ => None,
        })
        .collect()
}

/// Splits `text` at top-level commas (outside parentheses and quotes).
fn split_top(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut from) = (0i32, None::<char>, 0);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(&text[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[from..]);
    out
}

/// The byte offset of keyword `word` (upper case) in `query` at a word boundary, outside
/// quotes and parentheses, at or after `from`.
fn keyword_at(query: &str, word: &str, from: usize) -> Option<usize> {
    let upper = query.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let mut quote: Option<u8> = None;
    let mut depth = 0i32;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' || b == b'`' => quote = Some(b),
            None if b == b'(' => depth += 1,
            None if b == b')' => depth -= 1,
            None if depth > 0 || i < from => {}
            None => {
                let before_ok =
                    i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
                let end = i + word.len();
                let after_ok = end >= bytes.len()
                    || !(bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_');
                if before_ok && after_ok && upper.get(i..end) == Some(word) {
                    return Some(i);
                }
            }
        }
        i += 1;
    }
    None
}

/// The byte range of keyword `word` (one or more words separated by single spaces) in
/// `query`, outside quoted strings, case-insensitive.
pub fn keyword_range(query: &str, word: &str) -> Option<std::ops::Range<usize>> {
    let parts: Vec<String> = word.split(' ').map(str::to_ascii_uppercase).collect();
    let first = parts.first()?;
    let mut from = 0;
    while let Some(start) = keyword_at(query, first, from) {
        let mut end = start + first.len();
        let mut ok = true;
        for part in &parts[1..] {
            let rest = &query[end..];
            let trimmed = rest.trim_start();
            let at = end + (rest.len() - trimmed.len());
            if trimmed.len() >= part.len()
                && trimmed
                    .get(..part.len())
                    .is_some_and(|t| t.eq_ignore_ascii_case(part))
                && at > end
            {
                end = at + part.len();
            } else {
                ok = false;
                break;
            }
        }
        if ok {
            return Some(start..end);
        }
        from = start + 1;
    }
    None
}

/// The keys an NRQL query returns, and whether that list is complete (every SELECT item
/// was understood).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultKeys {
    /// Known keys.
    pub keys: Vec<String>,
    /// False when some SELECT item has a key this reader cannot derive (`SELECT *`, an
    /// un-aliased expression).
    pub complete: bool,
}

/// The result keys of `query`.
pub fn result_keys(query: &str) -> ResultKeys {
    let mut keys = nrql_aliases(query);
    let mut complete = true;
    let select = keyword_range(query, "SELECT");
    let clause_ends = [
        "FROM",
        "WHERE",
        "FACET",
        "SINCE",
        "UNTIL",
        "LIMIT",
        "TIMESERIES",
        "COMPARE",
        "WITH",
        "EXTRAPOLATE",
        "ORDER",
        "OFFSET",
        "SLIDE",
    ];
    let Some(select) = select else {
        return ResultKeys {
            keys,
            complete: false,
        };
    };
    let end = clause_ends
        .iter()
        .filter_map(|w| keyword_at(query, w, select.end))
        .min()
        .unwrap_or(query.len());
    for item in split_top(&query[select.end..end]) {
        let item = item.trim();
        if keyword_range(item, "AS").is_some() {
            continue;
        }
        match derived_key(item) {
            Some(k) => keys.push(k),
            None => complete = false,
        }
    }
    if let Some(facet) = keyword_range(query, "FACET") {
        let end = clause_ends
            .iter()
            .filter(|w| **w != "FACET")
            .filter_map(|w| keyword_at(query, w, facet.end))
            .min()
            .unwrap_or(query.len());
        keys.push("facet".to_string());
        for item in split_top(&query[facet.end..end]) {
            let item = item.trim().trim_matches('`');
            if !item.is_empty() {
                keys.push(item.to_string());
            }
        }
    }
    keys.sort();
    keys.dedup();
    ResultKeys { keys, complete }
}

/// `count(*)` → `count`; `average(duration)` → `average.duration`; a bare attribute → itself.
fn derived_key(item: &str) -> Option<String> {
    let is_name = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == ':')
    };
    if is_name(item) && item != "*" {
        return Some(item.to_string());
    }
    let open = item.find('(')?;
    if !item.ends_with(')') {
        return None;
    }
    let function = item[..open].trim();
    if !is_name(function) {
        return None;
    }
    let inner = &item[open + 1..item.len() - 1];
    // Only a simple call: the parenthesis that opens it closes at the very end.
    let mut depth = 0i32;
    for (i, c) in item[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && open + i != item.len() - 1 {
                    return None;
                }
            }
            _ => {}
        }
    }
    let first = split_top(inner)
        .first()
        .map(|s| s.trim().trim_matches('`'))
        .unwrap_or("");
    if first.is_empty() || first == "*" {
        Some(function.to_string())
    } else if is_name(first) {
        Some(format!("{function}.{first}"))
    } else {
        Some(function.to_string())
    }
}

/// Every key a metric condition reads from `result`: `result.key`, `result['key']`,
/// `result[0].key`, `result[0]['key']`, with its byte offset in the condition.
pub fn keys_read(condition: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let bytes = condition.as_bytes();
    let mut from = 0;
    while let Some(i) = condition[from..].find("result") {
        let at = from + i;
        from = at + 6;
        if at > 0
            && (bytes[at - 1].is_ascii_alphanumeric()
                || bytes[at - 1] == b'_'
                || bytes[at - 1] == b'.')
        {
            continue;
        }
        let mut rest = &condition[at + 6..];
        let mut offset = at + 6;
        // Skip one numeric index.
        if let Some(r) = rest.strip_prefix('[') {
            let digits = r.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && r[digits..].starts_with(']') {
                rest = &r[digits + 1..];
                offset += digits + 2;
            }
        }
        if let Some(r) = rest.strip_prefix('.') {
            let len = r
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            if len > 0 {
                out.push((r[..len].to_string(), offset + 1));
            }
        } else if let Some(r) = rest.strip_prefix('[') {
            let r2 = r.trim_start();
            if let Some(q @ ('\'' | '"')) = r2.chars().next()
                && let Some(end) = r2[1..].find(q)
            {
                let lead = r.len() - r2.len();
                out.push((r2[1..1 + end].to_string(), offset + 1 + lead + 1));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_result_keys() {
        let k = result_keys(
            "SELECT count(*), average(duration), percentage(count(*), WHERE error IS true) AS 'errRate' FROM Transaction SINCE 5 minutes ago",
        );
        assert!(k.complete);
        assert_eq!(k.keys, ["average.duration", "count", "errRate"]);
        let k = result_keys(
            "FROM Transaction SELECT filter(count(*), WHERE x = 1) / count(*) WHERE appName = 'a'",
        );
        assert!(!k.complete);
        let k = result_keys("SELECT count(*) FROM T FACET appName, host SINCE 1 hour ago");
        assert_eq!(k.keys, ["appName", "count", "facet", "host"]);
    }

    #[test]
    fn reads_condition_keys() {
        let keys: Vec<String> = keys_read("result.successRate >= 0.95 && result['average.duration'] < 1 && result[0].count > 0 && isNil(result)")
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["successRate", "average.duration", "count"]);
    }

    #[test]
    fn finds_keywords_outside_strings() {
        let q = "SELECT x FROM T WHERE a = 'since' since 5 minutes ago COMPARE  with 1 week ago";
        assert_eq!(keyword_range(q, "SINCE").map(|r| &q[r]), Some("since"));
        assert_eq!(
            keyword_range(q, "COMPARE WITH").map(|r| &q[r]),
            Some("COMPARE  with")
        );
        assert!(keyword_range(q, "LIMIT").is_none());
    }
}

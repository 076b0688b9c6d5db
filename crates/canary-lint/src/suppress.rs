//! Inline suppressions: `# canary-lint: allow(CODE[, CODE…]) reason: why` on the offending line
//! or on the line above it. A suppression without a reason, or one that suppresses nothing,
//! is itself a finding. JSON has no comments; suppress there through the config file.

use canary_gen::located::{Pos, Span};

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::registry::{Rule, RuleMeta, find_rule};
use crate::repo::SourceFile;

declare_rule! {
    /// ## What it checks
    ///
    /// Every `# canary-lint: allow(CODE)` comment carries a `reason: …` after it.
    ///
    /// ## Why it matters
    ///
    /// A suppression hides a finding from everyone who reads the repo later. Without a reason
    /// nobody can tell an accepted risk from a silenced mistake, and nobody knows when it can go.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// # canary-lint: allow(CL1001)
    /// - setWeight: 10
    /// ```
    ///
    /// ## Fix
    ///
    /// Say why: `# canary-lint: allow(CL1001) reason: 2 replicas; 33% of pods accepted for the first rung`.
    ///
    /// ## Source
    ///
    /// The same convention as kube-linter's `ignore-check.kube-linter.io/<check>: "<reason>"`
    /// annotations, which its docs ask to carry an explanation.
    pub struct SuppressionWithoutReason {
        code: "CL004",
        name: "suppression-without-reason",
        category: Suspicious,
        summary: "an inline suppression has no reason",
    }
}

declare_rule! {
    /// ## What it checks
    ///
    /// Every `# canary-lint: allow(CODE)` comment suppresses at least one finding, and names
    /// codes (or rule names) that exist.
    ///
    /// ## Why it matters
    ///
    /// A stale suppression outlives the problem it excused and will silently hide the next,
    /// unrelated finding of that rule on the same line.
    ///
    /// ## Example
    ///
    /// ```yaml
    /// # canary-lint: allow(CL104) reason: old spelling   <- the value is already fixed
    /// scaleDown: onsuccess
    /// ```
    ///
    /// ## Fix
    ///
    /// Delete the comment, or move it to the line the finding is on (or the line above).
    ///
    /// ## Source
    ///
    /// canary-lint's own suppression syntax; the check mirrors ruff's unused-`noqa` rule.
    pub struct UnusedSuppression {
        code: "CL005",
        name: "unused-suppression",
        category: Suspicious,
        summary: "an inline suppression suppresses nothing or names an unknown rule",
    }
}

impl Rule for SuppressionWithoutReason {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
}

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
}

/// One `allow(...)` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// Repo-relative file.
    pub file: String,
    /// Line of the comment (1-based).
    pub line: u32,
    /// Line the suppression covers besides its own (the next line when the comment stands
    /// alone on its line).
    pub covers_next: bool,
    /// Codes as written (codes or rule names).
    pub codes: Vec<String>,
    /// The reason, if any.
    pub reason: Option<String>,
    /// Where the comment is, for findings about it.
    pub span: Span,
}

const MARKER: &str = "canary-lint:";

/// Byte index of the `#` that starts a comment on this line, ignoring `#` inside quotes and
/// `#` not preceded by whitespace (YAML only starts a comment after a space).
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && prev.is_whitespace() => return Some(i),
            None => {}
        }
        prev = c;
    }
    None
}

/// Can a file hold suppression comments? Only YAML files have them, and every one holds the
/// marker, so most files are ruled out by one scan (the loader asks while the text is fresh).
pub fn may_hold_suppressions(rel: &str, text: &str) -> bool {
    (rel.ends_with(".yaml") || rel.ends_with(".yml")) && text.contains(MARKER)
}

/// Every suppression comment in a YAML file.
pub fn parse(file: &SourceFile) -> Vec<Suppression> {
    if !may_hold_suppressions(&file.rel, &file.text) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (index, line) in file.text.lines().enumerate() {
        let Some(hash) = comment_start(line) else {
            continue;
        };
        let comment = line[hash + 1..].trim_start();
        let Some(rest) = comment.strip_prefix(MARKER) else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(args) = rest.strip_prefix("allow(") else {
            continue;
        };
        let Some(close) = args.find(')') else {
            continue;
        };
        let codes: Vec<String> = args[..close]
            .split(',')
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        let after = args[close + 1..].trim_start();
        let reason = after
            .strip_prefix("reason:")
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        let line_no = index as u32 + 1;
        let col = line[..hash].chars().count() as u32 + 1;
        let end = line.chars().count() as u32 + 1;
        out.push(Suppression {
            file: file.rel.clone(),
            line: line_no,
            covers_next: line[..hash].trim().is_empty(),
            codes,
            reason,
            span: Span {
                start: Pos { line: line_no, col },
                end: Pos {
                    line: line_no,
                    col: end,
                },
            },
        });
    }
    out
}

impl Suppression {
    fn matches(&self, d: &Diagnostic) -> bool {
        d.file == self.file
            && (d.span.start.line == self.line
                || (self.covers_next && d.span.start.line == self.line + 1))
            && self.codes.iter().any(|c| c == d.code || c == d.name)
    }
}

/// Drop suppressed findings and add findings about the suppressions themselves.
pub fn apply(files: &[SourceFile], diagnostics: &mut Vec<Diagnostic>) {
    // Only the files the loader found the marker in; the suppressions stay in file order.
    let suppressions: Vec<Suppression> = files
        .iter()
        .filter(|f| f.may_suppress)
        .flat_map(parse)
        .collect();
    if suppressions.is_empty() {
        return;
    }
    let mut used = vec![false; suppressions.len()];
    diagnostics.retain(|d| {
        // Findings about suppressions cannot themselves be suppressed.
        let mut keep = true;
        for (i, s) in suppressions.iter().enumerate() {
            if s.matches(d) {
                used[i] = true;
                keep = false;
            }
        }
        keep
    });
    for (s, used) in suppressions.iter().zip(used) {
        if s.reason.is_none() {
            diagnostics.push(
                Diagnostic::new(
                    &SuppressionWithoutReason::META,
                    &s.file,
                    s.span,
                    format!("suppression of {} gives no reason", s.codes.join(", ")),
                )
                .with_help("append `reason: <why this is acceptable>`"),
            );
        }
        let unknown: Vec<&str> = s
            .codes
            .iter()
            .map(String::as_str)
            .filter(|c| find_rule(c).is_none())
            .collect();
        if !unknown.is_empty() {
            diagnostics.push(
                Diagnostic::new(
                    &UnusedSuppression::META,
                    &s.file,
                    s.span,
                    format!("`{}` is not a canary-lint rule", unknown.join("`, `")),
                )
                .with_help("`canary-lint rules` lists every code and name"),
            );
        } else if !used {
            diagnostics.push(
                Diagnostic::new(
                    &UnusedSuppression::META,
                    &s.file,
                    s.span,
                    format!(
                        "this suppression of {} matches no finding on this line{}",
                        s.codes.join(", "),
                        if s.covers_next { " or the next" } else { "" }
                    ),
                )
                .with_help("remove it, or move it onto (or above) the line of the finding"),
            );
        }
    }
    diagnostics.sort();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            rel: "a.yaml".into(),
            text: text.into(),
            docs: Vec::new(),
            had_bom: false,
            may_suppress: may_hold_suppressions("a.yaml", text),
        }
    }

    #[test]
    fn parses_comments_not_strings() {
        let f = file(
            "# canary-lint: allow(CL1001, CL104) reason: accepted\n- setWeight: 10\nx: \"# canary-lint: allow(CL1)\"\ny: 1 # canary-lint: allow(CL104)\n",
        );
        let s = parse(&f);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].codes, ["CL1001", "CL104"]);
        assert_eq!(s[0].reason.as_deref(), Some("accepted"));
        assert!(s[0].covers_next);
        assert_eq!(s[1].line, 4);
        assert!(!s[1].covers_next);
        assert!(s[1].reason.is_none());
    }
}

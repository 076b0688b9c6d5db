//! Inline suppressions: `# canary-lint: allow(CODE[, CODE…]) reason: why` on the offending line
//! or on the line above it. A suppression without a reason, or one that suppresses nothing,
//! is itself a finding. JSON has no comments; suppress there through the config file.

use rayon::prelude::*;

use canary_core::located::{Pos, Span};

use crate::diagnostic::Diagnostic;
use crate::registry::find_rule;
use crate::repo::SourceFile;
use crate::repo::load::{SUPPRESSION_MARKER as MARKER, may_hold_suppressions};
use crate::rules::suppression::{SuppressionWithoutReason, UnusedSuppression};

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

/// Every suppression comment in a YAML file.
pub fn parse(file: &SourceFile) -> Vec<Suppression> {
    if !may_hold_suppressions(&file.rel, &file.text) {
        return Vec::new();
    }
    let text = file.text.as_str();
    let mut out = Vec::new();
    // Only the lines that hold the marker: one scan for it over the whole text, counting
    // line breaks up to each hit (the monorepo has 715 files with one suppression each).
    let mut line_no = 1u32;
    let mut counted_to = 0;
    let mut last_line = None;
    for (at, _) in text.match_indices(MARKER) {
        let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        if last_line == Some(start) {
            continue;
        }
        last_line = Some(start);
        line_no += text[counted_to..start]
            .bytes()
            .filter(|b| *b == b'\n')
            .count() as u32;
        counted_to = start;
        // The line as `str::lines` gives it: without its `\n` or `\r\n`.
        let line = match text[at..].find('\n') {
            Some(i) => {
                let line = &text[start..at + i];
                line.strip_suffix('\r').unwrap_or(line)
            }
            None => &text[start..],
        };
        out.extend(parse_line(&file.rel, line, line_no));
    }
    out
}

/// The suppression on one line, if it has one.
fn parse_line(rel: &str, line: &str, line_no: u32) -> Option<Suppression> {
    let hash = comment_start(line)?;
    let comment = line[hash + 1..].trim_start();
    let rest = comment.strip_prefix(MARKER)?.trim_start();
    let args = rest.strip_prefix("allow(")?;
    let close = args.find(')')?;
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
    let col = line[..hash].chars().count() as u32 + 1;
    let end = line.chars().count() as u32 + 1;
    Some(Suppression {
        file: rel.to_string(),
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
    })
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
    // Only the files the loader found the marker in, on rayon's threads; the suppressions
    // stay in file order.
    let per_file: Vec<Vec<Suppression>> = files
        .par_iter()
        // Files read from outside the root as context report nothing, so their comments
        // suppress nothing and are not judged (no CL004/CL005 there).
        .filter(|f| f.may_suppress && !crate::repo::kustomize::is_outside_root(&f.rel))
        .map(parse)
        .collect();
    let suppressions: Vec<Suppression> = per_file.into_iter().flatten().collect();
    if suppressions.is_empty() {
        return;
    }
    // Suppressions by the (file, line) they cover: a repo can hold one per file, and a
    // finding looks only at those of its own line.
    let mut by_line: std::collections::HashMap<(&str, u32), Vec<usize>> = Default::default();
    for (i, s) in suppressions.iter().enumerate() {
        by_line.entry((&s.file, s.line)).or_default().push(i);
        if s.covers_next {
            by_line.entry((&s.file, s.line + 1)).or_default().push(i);
        }
    }
    let mut used = vec![false; suppressions.len()];
    diagnostics.retain(|d| {
        // Findings about suppressions cannot themselves be suppressed.
        let mut keep = true;
        for &i in by_line
            .get(&(d.file.as_str(), d.span.start.line))
            .into_iter()
            .flatten()
        {
            if suppressions[i].matches(d) {
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
            generator_data: false,
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

    #[test]
    fn finds_the_same_suppressions_as_reading_every_line() {
        for text in [
            "a: 1\r\n# canary-lint: allow(CL104) reason: crlf\r\nb: 2\r\n",
            "x: \"canary-lint: not this\" # canary-lint: allow(CL1) reason: second on the line\n",
            "# canary-lint: allow(CL1) # canary-lint: allow(CL2)\nnext: 1",
            "ünïcødé: 1 # canary-lint: allow(CL104)\n\n\n  # canary-lint: allow(CL105) reason: r\n",
            "last: 1 # canary-lint: allow(CL104) reason: no newline\r",
            "canary-lint: allow(CL1)\n# canary-lint:allow(CL2)\n#canary-lint: allow(CL3)\n",
            "",
        ] {
            let every_line: Vec<Suppression> = text
                .lines()
                .enumerate()
                .filter_map(|(i, line)| parse_line("a.yaml", line, i as u32 + 1))
                .collect();
            assert_eq!(parse(&file(text)), every_line, "{text:?}");
        }
    }
}

//! Rule metadata, the `Rule` trait and the `declare_rule!` macro.
//!
//! A rule is declared once, next to its code: code, kebab-case name, category and one-line
//! summary, with its doc comment captured as the `explain` text (clippy's
//! `declare_clippy_lint!` habit, ruff's "the doc comment is the documentation").

use crate::context::Context;
use crate::diagnostic::{Diagnostic, Severity};

/// What kind of problem a rule finds; sets its default severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Will fail or misbehave at run time: error.
    Correctness,
    /// Probably wrong: warning.
    Suspicious,
    /// Worth knowing: info.
    Advice,
}

impl Category {
    /// The default severity of rules in this category.
    pub const fn severity(self) -> Severity {
        match self {
            Category::Correctness => Severity::Error,
            Category::Suspicious => Severity::Warning,
            Category::Advice => Severity::Info,
        }
    }
}

/// Everything known about a rule except how it checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable code, `CL` + three or four digits.
    pub code: &'static str,
    /// Kebab-case name.
    pub name: &'static str,
    /// Category; sets the default severity.
    pub category: Category,
    /// One line for `canary-lint rules`.
    pub summary: &'static str,
    /// The rule's doc comment, one `#[doc]` line per line (each with rustdoc's leading space).
    pub doc: &'static str,
}

impl RuleMeta {
    /// Default severity.
    pub const fn severity(&self) -> Severity {
        self.category.severity()
    }

    /// The doc comment as Markdown, without rustdoc's leading space on each line.
    pub fn explain(&self) -> String {
        let mut out = String::with_capacity(self.doc.len());
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }
}

/// A check over the whole repo.
pub trait Rule: Sync {
    /// The rule's metadata (written by `declare_rule!` as `Self::META`).
    fn meta(&self) -> &'static RuleMeta;
    /// Appends one diagnostic per problem found.
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>);
}

/// Declares a rule type and its metadata; the doc comment becomes `explain` text.
///
/// ```
/// use canary_lint::{declare_rule, registry::{Rule, RuleMeta}, context::Context, diagnostic::Diagnostic};
/// declare_rule! {
///     /// ## What it checks
///     /// Nothing.
///     pub struct NeverFires {
///         code: "CL999",
///         name: "never-fires",
///         category: Advice,
///         summary: "an example that finds nothing",
///     }
/// }
/// impl Rule for NeverFires {
///     fn meta(&self) -> &'static RuleMeta { &Self::META }
///     fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
/// }
/// assert_eq!(NeverFires.meta().name, "never-fires");
/// assert!(NeverFires.meta().explain().starts_with("## What it checks\n"));
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            code: $code:literal,
            name: $kebab:literal,
            category: $category:ident,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;

        impl $name {
            /// This rule's code, name, category, summary and documentation.
            pub const META: $crate::registry::RuleMeta = $crate::registry::RuleMeta {
                code: $code,
                name: $kebab,
                category: $crate::registry::Category::$category,
                summary: $summary,
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}

/// Finds a rule by code (`CL104`, case-insensitive) or by name (`workload-ref-scale-down`).
pub fn find_rule(code_or_name: &str) -> Option<&'static dyn Rule> {
    crate::rules::ALL.iter().copied().find(|r| {
        let m = r.meta();
        m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ALL;

    fn is_kebab(s: &str) -> bool {
        !s.is_empty()
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--")
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    }

    #[test]
    fn codes_are_unique_sorted_and_well_formed() {
        let codes: Vec<&str> = ALL.iter().map(|r| r.meta().code).collect();
        // `CL` + 3 or 4 digits (CL1001 follows CL9xx), sorted by number.
        for code in &codes {
            assert!(
                (code.len() == 5 || code.len() == 6)
                    && code.starts_with("CL")
                    && code[2..].bytes().all(|b| b.is_ascii_digit()),
                "bad code {code}"
            );
        }
        let number = |code: &str| code[2..].parse::<u32>().unwrap_or(u32::MAX);
        let mut sorted = codes.clone();
        sorted.sort_by_key(|c| number(c));
        sorted.dedup();
        assert_eq!(
            codes, sorted,
            "rule codes must be unique and listed in numeric order"
        );
    }

    #[test]
    fn names_are_unique_kebab_case() {
        let mut names: Vec<&str> = ALL.iter().map(|r| r.meta().name).collect();
        for n in &names {
            assert!(is_kebab(n), "{n} is not kebab-case");
        }
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "rule names must be unique");
    }

    #[test]
    fn every_rule_documents_the_five_sections() {
        for rule in ALL {
            let m = rule.meta();
            let text = m.explain();
            for section in [
                "## What it checks",
                "## Why it matters",
                "## Example",
                "## Fix",
                "## Source",
            ] {
                assert!(text.contains(section), "{} lacks `{section}`", m.code);
            }
            assert!(!m.summary.is_empty() && !m.summary.contains('\n'));
        }
    }

    #[test]
    fn finds_rules_by_code_or_name() {
        assert_eq!(find_rule("cl104").map(|r| r.meta().code), Some("CL104"));
        assert_eq!(
            find_rule("workload-ref-target-exists").map(|r| r.meta().code),
            Some("CL101")
        );
        assert!(find_rule("NOPE").is_none());
    }
}

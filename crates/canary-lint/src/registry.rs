//! Looking rules up in the rule table (`crate::rules::ALL`): by code or name, for `explain`,
//! suppression comments and `.canary-lint.toml`.

use crate::rule::Rule;

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

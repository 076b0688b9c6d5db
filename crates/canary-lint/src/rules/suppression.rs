//! The rules about inline suppression comments. The engine's suppression pass
//! (`crate::suppress`) reports them; they are in the rule table so `rules` lists them and
//! `explain` documents them.

use crate::context::Context;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rule::{Rule, RuleMeta};

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

//! What a rule is: the `Rule` trait and the `declare_rule!` macro that declares a rule's
//! metadata once, next to its code, with its doc comment captured as the `explain` text
//! (clippy's `declare_clippy_lint!` habit, ruff's "the doc comment is the documentation").
//!
//! Every rule file imports this module, the context and the diagnostic. The table of all rules
//! is `crate::rules::ALL`; nothing at or below this layer imports it.

use crate::context::Context;
use crate::diagnostic::Diagnostic;
pub use crate::diagnostic::{Category, RuleMeta};

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
/// use canary_lint::{declare_rule, rule::{Rule, RuleMeta}, context::Context, diagnostic::Diagnostic};
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
            pub const META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
                code: $code,
                name: $kebab,
                category: $crate::rule::Category::$category,
                summary: $summary,
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}

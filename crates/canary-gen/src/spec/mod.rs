//! The `canary.yaml` spec: types, the built-in default, loading with located errors, and the
//! checks that make a spec renderable.

mod load;
mod types;
mod validate;

pub use load::{default_spec, load_spec, schema, LoadedSpec, SpecError, DEFAULT_SPEC_TEXT};
pub use types::*;
pub use validate::{known_args, validate, Overrides};

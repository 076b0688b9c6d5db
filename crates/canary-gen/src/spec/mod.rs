//! The `canary.yaml` spec: types, the built-in default, loading with located errors, and the
//! checks that make a spec renderable.

mod load;
mod types;
mod validate;

pub use load::{
    DEFAULT_SPEC_TEXT, LoadedSpec, SpecError, default_spec, default_spec_then, load_spec,
    load_spec_then, schema,
};
pub use types::*;
pub use validate::{
    CANARY_HASH_ARG, CANARY_HASH_EXAMPLE, CANARY_HASH_LABEL, MissingQuery, Overrides, known_args,
    validate, validate_with,
};

#![no_main]
//! Fuzz target `spec`: see `fn spec` in tests/fuzz_entry/mod.rs.

#[path = "../../tests/fuzz_entry/mod.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::spec(data));

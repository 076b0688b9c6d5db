#![no_main]
//! Fuzz target `nrql`: see `fn nrql` in tests/fuzz_entry/mod.rs.

#[path = "../../tests/fuzz_entry/mod.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::nrql(data));

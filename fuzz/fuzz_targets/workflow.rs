#![no_main]
//! Fuzz target `workflow`: see `fn workflow` in tests/fuzz_entry/mod.rs.

#[path = "../../tests/fuzz_entry/mod.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::workflow(data));

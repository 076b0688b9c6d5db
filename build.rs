//! Link the two command-line binaries as position-dependent executables on Linux.
//!
//! A PIE binary of this size carries ~23,000 relative relocations that the dynamic loader
//! applies at every start, touching ~100 pages of `.data.rel.ro` and reading the 550 KB
//! relocation table: about 90 page faults and 0.4 ms of a 5 ms render on the benchmark VM
//! (docs/benchmarks.md). Go builds its linux/amd64 executables (kubectl, promtool) the same way.
//! Shared libraries and the heap and stack stay randomised. Objects are still compiled as
//! position-independent code, so only the final link changes.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

//! Peak heap bytes requested by one `canary-lint` run, and how many allocations it made.
//!
//! `cargo run --release -p canary-lint --example alloc_peak -- [canary-lint args…]`, e.g.
//! `-- --parse-only --format json /tmp/canary-bench-monorepo`. It counts what the program
//! asks the allocator for (the system allocator underneath), not what the process touches:
//! compare with `/usr/bin/time -f %M` on the real binary for the resident size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use clap::Parser;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static CALLS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator with the same layout; the counters
// only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(now, Relaxed);
        CALLS.fetch_add(1, Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Relaxed);
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let args = std::iter::once("canary-lint".to_string()).chain(std::env::args().skip(1));
    let cli = canary_lint::cli::Cli::parse_from(args);
    let mut sink = Vec::new();
    if let Err(err) = canary_lint::cli::run(&cli, &mut sink, false) {
        eprintln!("canary-lint: {err}");
        std::process::exit(2);
    }
    eprintln!(
        "peak requested {:.1} MB, {} allocations",
        PEAK.load(Relaxed) as f64 / 1e6,
        CALLS.load(Relaxed)
    );
}

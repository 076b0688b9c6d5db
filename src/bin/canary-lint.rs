//! The `canary-lint` binary: parse arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

use canary_lint::cli::{Cli, run};
use clap::Parser;

// mimalloc: the linter and the self-checking renderer allocate many small strings and
// values; glibc malloc showed up as the top cost in profiles (see docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // anstream strips the colours when stdout is not a terminal (or NO_COLOR is set).
    let mut stdout = anstream::stdout();
    match run(&cli, &mut stdout, true) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(canary_lint::cli::CliError::Config(rendered)) => {
            // Rendered rustc-style with colours; anstream strips them off a terminal.
            use std::io::Write;
            let _ = write!(anstream::stderr(), "{rendered}");
            ExitCode::from(2)
        }
        Err(err) => {
            let err = anyhow::Error::from(err);
            eprintln!("canary-lint: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

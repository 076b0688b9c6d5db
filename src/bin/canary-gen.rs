use clap::Parser;

// mimalloc: the linter and the self-checking renderer allocate many small strings and
// values; glibc malloc showed up as the top cost in profiles (see docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = canary_gen::cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut err = std::io::stderr();
    let code = match canary_gen::cli::run(cli, &mut out, &mut err) {
        Ok(code) => code,
        Err(failure) => {
            eprint!("{}", failure.message);
            if !failure.message.ends_with('\n') {
                eprintln!();
            }
            failure.code
        }
    };
    std::process::exit(code);
}

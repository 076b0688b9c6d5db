use clap::Parser;

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

//! Command-line interface: arguments (clap derive) and the commands they run.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::registry::find_rule;
use crate::repo::RepoError;
use crate::report::{self, Format};
use crate::rule::Category;
use crate::rules::ALL;

/// Check a repo's Argo Rollouts canary setup for mistakes that only show at run time.
#[derive(Debug, Parser)]
#[command(name = "canary-lint", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// A subcommand; without one, lint PATH.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Lint options.
    #[command(flatten)]
    pub lint: LintArgs,
}

/// Options for linting.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// The repo (or one file) to lint; `-` reads one multi-document stream from stdin
    /// (`helm template . | canary-lint -`).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// With `-`: the name the stream has in locations (a `.json` name reads it as JSON).
    #[arg(long, value_name = "NAME", default_value = "stdin.yaml")]
    pub stdin_filename: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Load the whole repo for context, but report only on these files (relative to the
    /// current directory or to PATH). Put PATH before this flag.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Only walk, read and parse (input findings CL001–CL003); run no rules. For timing the
    /// parser against the full lint.
    #[arg(long)]
    pub parse_only: bool,
    /// Seconds allowed per setWeight step for new pods to become ready, in CI budgets
    /// (default 60; overrides the config file).
    #[arg(long, value_name = "SECS")]
    pub readiness_allowance: Option<u64>,
    /// Validate objects strictly against the CustomResourceDefinitions in this directory
    /// (overrides `crd-dir` in the config).
    #[arg(long, value_name = "DIR")]
    pub crd_dir: Option<PathBuf>,
    /// The config file (default: `.canary-lint.toml` at PATH, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every rule: code, name, default severity, summary.
    Rules {
        /// `table` for the terminal, `markdown` for the rules reference (docs/rules.md).
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff).
    Man,
    /// Print a rule's documentation.
    Explain {
        /// A rule code (`CL104`) or name (`workload-ref-scale-down`).
        code: String,
    },
}

/// How `rules` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    /// Aligned columns.
    Table,
    /// The rules reference in Markdown.
    Markdown,
}

/// How the process should exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// No error-level findings (0).
    Clean,
    /// At least one error, or a warning with `--deny-warnings` (1).
    Findings,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Clean => 0,
            Exit::Findings => 1,
        }
    }
}

/// Why the command could not do its job (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The root is unusable.
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// A `--files` argument is unusable.
    #[error(transparent)]
    FileArg(#[from] crate::files::FileArgError),
    /// The config file is invalid (rendered with locations).
    #[error("{0}")]
    Config(String),
    /// `--crd-dir` could not be loaded.
    #[error("--crd-dir: {0}")]
    Crd(String),
    /// `explain` with an unknown code.
    #[error("unknown rule `{0}`; run `canary-lint rules` to list every code and name")]
    UnknownRule(String),
    /// Stdin could not be read.
    #[error("cannot read stdin: {0}")]
    StdinRead(std::io::Error),
    /// Stdin holds more than the loader reads.
    #[error(
        "stdin holds more than {0} MiB, the largest file canary-lint reads; lint the files, or split the stream"
    )]
    StdinTooLarge(u64),
    /// Writing the output failed. The I/O error is in the message and not the `source()`,
    /// so anyhow's `{:#}` does not print it twice.
    #[error("cannot write output: {0}")]
    Io(std::io::Error),
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}

/// Runs the parsed command line, writing to `out`. `styled` colours human output.
pub fn run(cli: &Cli, out: &mut dyn Write, styled: bool) -> Result<Exit, CliError> {
    match &cli.command {
        Some(Command::Rules { format }) => {
            let text = match format {
                RulesFormat::Table => rules_table(),
                RulesFormat::Markdown => rules_markdown(),
            };
            out.write_all(text.as_bytes())?;
            Ok(Exit::Clean)
        }
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            clap_complete::generate(*shell, &mut Cli::command(), "canary-lint", out);
            Ok(Exit::Clean)
        }
        Some(Command::Man) => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command()).render(out)?;
            Ok(Exit::Clean)
        }
        Some(Command::Explain { code }) => {
            let rule = find_rule(code).ok_or_else(|| CliError::UnknownRule(code.clone()))?;
            let m = rule.meta();
            writeln!(
                out,
                "{} {} ({}, {})\n\n{}\n\n{}",
                m.code,
                m.name,
                m.severity().as_str(),
                category_name(m.category),
                m.summary,
                m.explain().trim_end()
            )?;
            Ok(Exit::Clean)
        }
        None => lint(&cli.lint, out, styled),
    }
}

fn lint(args: &LintArgs, out: &mut dyn Write, styled: bool) -> Result<Exit, CliError> {
    let stdin = args.path.as_os_str() == "-";
    let root = if stdin {
        std::path::Path::new(".")
    } else {
        args.path.as_path()
    };
    let config = crate::config::Config::discover(root, args.config.as_deref())
        .map_err(|e| CliError::Config(e.render(styled)))?;
    let settings = config
        .settings(
            root,
            &crate::config::Overrides {
                readiness_allowance_secs: args.readiness_allowance,
                crd_dir: args.crd_dir.clone(),
            },
        )
        .map_err(CliError::Crd)?;
    let mut outcome = if stdin {
        let bytes = read_stdin()?;
        crate::engine::lint_stream(
            &args.stdin_filename,
            bytes,
            &settings,
            &config,
            args.parse_only,
        )
    } else if args.parse_only {
        crate::engine::load_only(&args.path)?
    } else {
        crate::engine::lint_with_config(&args.path, &settings, &config)?
    };
    if !args.files.is_empty() {
        let cwd = std::env::current_dir()?;
        let wanted = crate::files::resolve(&outcome.repo.root, &cwd, &args.files)?;
        outcome.retain_files(&wanted);
    }
    let summary = outcome.summary();
    let text = report::render(
        args.format,
        &outcome.repo,
        &outcome.diagnostics,
        &summary,
        styled,
    );
    out.write_all(text.as_bytes())?;
    // Freeing a large repo (hundreds of thousands of small allocations) takes tens of
    // milliseconds that nobody waits for: do it off the main thread, which the process may
    // exit before it finishes.
    if outcome.repo.files.len() > 64 {
        // If no thread can be started, the closure (and the repo) is dropped here instead.
        let _ = std::thread::Builder::new().spawn(move || drop(outcome));
    }
    // Zero files linted is a warning, not a finding: the exit status stays 0 unless
    // `--deny-warnings` is given (issue 13, B12).
    let nothing_linted = summary.files == 0;
    if nothing_linted {
        eprintln!("warning: {}", report::human::NOTHING_LINTED);
    }
    let c = summary.counts;
    let warned = c.warnings > 0 || nothing_linted;
    Ok(if c.errors > 0 || (args.deny_warnings && warned) {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

/// Stdin, up to the loader's file size limit (a larger stream is refused, not truncated).
fn read_stdin() -> Result<Vec<u8>, CliError> {
    use std::io::Read;
    let cap = crate::repo::load::MAX_FILE_BYTES;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(CliError::StdinRead)?;
    if bytes.len() as u64 > cap {
        return Err(CliError::StdinTooLarge(cap / (1024 * 1024)));
    }
    Ok(bytes)
}

fn category_name(c: Category) -> &'static str {
    match c {
        Category::Correctness => "correctness",
        Category::Suspicious => "suspicious",
        Category::Advice => "advice",
    }
}

/// The `rules` table.
pub fn rules_table() -> String {
    let name_width = ALL.iter().map(|r| r.meta().name.len()).max().unwrap_or(4);
    let code_width = ALL.iter().map(|r| r.meta().code.len()).max().unwrap_or(4);
    let mut s = format!(
        "{:<code_width$}  {:<name_width$}  {:<8}  SUMMARY\n",
        "CODE", "NAME", "SEVERITY"
    );
    for rule in ALL {
        let m = rule.meta();
        s.push_str(&format!(
            "{:<code_width$}  {:<name_width$}  {:<8}  {}\n",
            m.code,
            m.name,
            m.severity().as_str(),
            m.summary
        ));
    }
    s
}

/// The rules reference (`docs/rules.md`), generated from the rule declarations.
pub fn rules_markdown() -> String {
    let mut s = String::from(
        "# canary-lint rules\n\nGenerated by `canary-lint rules --format markdown` from the rule declarations; do not edit.\nA test fails when this file is stale.\n\nSeverity comes from the category: correctness → error, suspicious → warning, advice → info.\n\n| code | name | severity | checks |\n|---|---|---|---|\n",
    );
    for rule in ALL {
        let m = rule.meta();
        s.push_str(&format!(
            "| [{code}](#{anchor}) | `{}` | {} | {} |\n",
            m.name,
            m.severity().as_str(),
            m.summary.replace('|', "\\|"),
            code = m.code,
            anchor = format!("{}-{}", m.code, m.name).to_ascii_lowercase(),
        ));
    }
    for rule in ALL {
        let m = rule.meta();
        s.push_str(&format!(
            "\n## {} {}\n\n*{} ({})*: {}\n\n",
            m.code,
            m.name,
            m.severity().as_str(),
            category_name(m.category),
            m.summary
        ));
        for line in m.explain().lines() {
            // Demote the rule's own headings below the rule title.
            if let Some(h) = line.strip_prefix("## ") {
                s.push_str(&format!("### {h}\n"));
            } else {
                s.push_str(line);
                s.push('\n');
            }
        }
    }
    s
}

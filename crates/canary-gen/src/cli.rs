//! The `canary-gen` command line.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::bundle::{Bundle, build, canary_tiles};
use crate::output::{
    INPUT_SIZE_LIMIT, OutputError, SPEC_SIZE_LIMIT, check_collisions, diff_tree, read_regular,
    upsert_tiles, write_tree,
};
use crate::render::{RenderedFile, Scope, manifest_stream, render_scope};
use crate::spec::{
    DEFAULT_SPEC_TEXT, LoadedSpec, MissingQuery, Overrides, Provider, Routing, default_spec_then,
    load_spec_then, schema, validate_with,
};
use canary_core::model::values::format_go_duration;

/// Render an Argo Rollouts canary migration from one spec.
#[derive(Debug, Parser)]
#[command(name = "canary-gen", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render the migration: manifests to stdout, or every file under --out-dir.
    Render(RenderArgs),
    /// Print a commented starting spec (the built-in default).
    Init,
    /// Print the ladder as a timeline with the CI timeout it needs.
    Plan(SpecArgs),
    /// Show how committed files differ from a fresh render; exit 1 when stale.
    Diff(DiffArgs),
    /// Write a Prometheus rules file with every gate query and alert, and promtool unit tests
    /// of each gate (healthy, failing, zero traffic, no series), for `promtool check rules`
    /// and `promtool test rules`.
    Promtool(PromtoolArgs),
    /// Print the JSON Schema of canary.yaml.
    Schema,
    /// Print a man page (roff).
    Man,
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Which spec, and the flags that override it.
#[derive(Debug, Args, Clone, Default)]
pub struct SpecArgs {
    /// The spec; the built-in default (instant-api) when absent.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Metrics provider for the AnalysisTemplate (overrides provider.use).
    #[arg(long, value_enum)]
    pub provider: Option<Provider>,
    /// Traffic routing (overrides traffic.routing).
    #[arg(long, value_enum)]
    pub traffic: Option<Routing>,
    /// The live Ingress nginx routing clones (overrides traffic.nginx.stableIngress).
    #[arg(long, value_name = "NAME")]
    pub stable_ingress: Option<String>,
}

/// `render` arguments.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Spec and overrides.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Write the whole tree here instead of printing manifests.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Upsert the canary tiles into this existing dashboard JSON (relative to --out-dir)
    /// instead of writing a separate dashboard file.
    #[arg(long, value_name = "FILE", requires = "out_dir")]
    pub upsert_dashboard: Option<String>,
}

/// `diff` arguments.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Spec and overrides.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// The directory the tree was rendered into.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// The tiles were upserted into this dashboard (relative to --out-dir): compare it instead
    /// of a separate dashboard file.
    #[arg(long, value_name = "FILE")]
    pub upsert_dashboard: Option<String>,
}

/// `promtool` arguments.
#[derive(Debug, Args)]
pub struct PromtoolArgs {
    /// The spec; the built-in default (instant-api) when absent. The provider is always
    /// Prometheus here.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write canary-gates.rules.yml and canary-gates.test.yml here.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
}

/// A failure with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    /// Printed to stderr.
    pub message: String,
    /// Process exit code.
    pub code: i32,
}

fn fail(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        code: 2,
    }
}

fn styled() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Load, override and validate the spec, then run `work` on it. The JSON Schema check runs on
/// a second thread meanwhile; its problems, if any, win over `work`'s result.
pub fn load_and<T: Send>(
    args: &SpecArgs,
    work: impl FnOnce(&LoadedSpec) -> Result<T, Failure> + Send,
) -> Result<T, Failure> {
    load_and_with(args, MissingQuery::Error, work)
}

/// [`load_and`], with metrics that lack a query for the provider refused or skipped.
pub fn load_and_with<T: Send>(
    args: &SpecArgs,
    missing: MissingQuery,
    work: impl FnOnce(&LoadedSpec) -> Result<T, Failure> + Send,
) -> Result<T, Failure> {
    let overrides = Overrides {
        provider: args.provider,
        routing: args.traffic,
        stable_ingress: args.stable_ingress.clone(),
    };
    let work = |loaded: &LoadedSpec| {
        let mut loaded = loaded.clone();
        overrides.apply(&mut loaded);
        validate_with(&loaded, missing).map_err(|e| fail(e.render(styled())))?;
        work(&loaded)
    };
    let result = match &args.config {
        None => default_spec_then(work),
        Some(path) => {
            let text = read_regular(path, SPEC_SIZE_LIMIT, true).map_err(|e| match e {
                OutputError::Io { source, .. } => fail(format!(
                    "error: cannot read {}: {source}\nhelp: `canary-gen init > canary.yaml` writes a starting spec",
                    path.display()
                )),
                e => fail(format!("error: cannot read the spec: {e}")),
            })?;
            load_spec_then(&path.display().to_string(), &text, work)
        }
    };
    result.map_err(|e| fail(e.render(styled())))?.1
}

/// Load, override and validate the spec.
pub fn load(args: &SpecArgs) -> Result<LoadedSpec, Failure> {
    load_and(args, |loaded| Ok(loaded.clone()))
}

fn bundle_and_files(args: &SpecArgs, scope: Scope) -> Result<(Bundle, Vec<RenderedFile>), Failure> {
    load_and(args, |loaded| {
        let bundle = build(&loaded.spec);
        let files = render_scope(&bundle, scope).map_err(|e| fail(format!("error: {e}")))?;
        Ok((bundle, files))
    })
}

fn print_notices(bundle: &Bundle, err: &mut dyn Write) {
    for n in &bundle.notices {
        let _ = writeln!(err, "warning: {n}");
    }
}

/// Run a command, writing to the given streams. Returns the exit code.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, Failure> {
    let io = |e: std::io::Error| fail(format!("error: cannot write output: {e}"));
    match cli.command {
        Command::Init => {
            out.write_all(DEFAULT_SPEC_TEXT.as_bytes()).map_err(io)?;
            Ok(0)
        }
        Command::Schema => {
            let text = serde_json::to_string_pretty(&schema()).map_err(|e| fail(e.to_string()))?;
            writeln!(out, "{text}").map_err(io)?;
            Ok(0)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command())
                .render(out)
                .map_err(io)?;
            Ok(0)
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "canary-gen", out);
            Ok(0)
        }
        Command::Plan(args) => {
            let loaded = load(&args)?;
            let bundle = build(&loaded.spec);
            out.write_all(plan_text(&bundle).as_bytes()).map_err(io)?;
            Ok(0)
        }
        Command::Render(args) => {
            let scope = if args.out_dir.is_some() {
                Scope::All
            } else {
                Scope::Manifests
            };
            let (bundle, mut files) = bundle_and_files(&args.spec, scope)?;
            print_notices(&bundle, err);
            match &args.out_dir {
                None => {
                    out.write_all(manifest_stream(&files).as_bytes())
                        .map_err(io)?;
                }
                Some(dir) => {
                    if let Some(target) = &args.upsert_dashboard {
                        upsert(dir, target, &bundle, &mut files)?;
                    }
                    // Two outputs on one path (a layout that collides, or --upsert-dashboard
                    // naming a generated file) are refused before anything is written.
                    let written = write_tree(dir, &files).map_err(|e| fail(e.with_outcome()))?;
                    for p in written {
                        let _ = writeln!(err, "wrote {}", p.display());
                    }
                }
            }
            Ok(0)
        }
        Command::Promtool(args) => {
            let spec_args = SpecArgs {
                config: args.config.clone(),
                provider: Some(Provider::Prometheus),
                ..SpecArgs::default()
            };
            // Every metric with a Prometheus query is checked, whatever the spec's provider; a
            // metric with only a New Relic query is skipped, and the PrometheusRule's alerts
            // are checked even when no gate has a Prometheus query (issue 12).
            let (suite, files) = load_and_with(&spec_args, MissingQuery::Skip, |loaded| {
                let bundle = build(&loaded.spec);
                let suite = crate::promtool::suite(&bundle);
                let files =
                    crate::promtool::render(&suite).map_err(|e| fail(format!("error: {e}")))?;
                Ok((suite, files))
            })?;
            for metric in &suite.skipped {
                let _ = writeln!(
                    err,
                    "warning: gate {metric}: skipped, it has no `prometheus` query (promtool checks PromQL only)"
                );
            }
            if suite.gates.is_empty() {
                let alerts: Vec<&str> = suite.alerts.iter().map(|a| a.alert.as_str()).collect();
                let _ = writeln!(
                    err,
                    "note: no gate has a `prometheus` query: the files check the PrometheusRule alerts only ({}), as `render --provider prometheus` writes them",
                    alerts.join(", ")
                );
            }
            for g in &suite.gates {
                if let Some(why) = &g.uncovered {
                    let _ = writeln!(
                        err,
                        "warning: gate {}: no behaviour tests ({why}); its query is still in the rules file",
                        g.metric
                    );
                }
            }
            let written = write_tree(&args.out_dir, &files).map_err(|e| fail(e.with_outcome()))?;
            for p in written {
                let _ = writeln!(err, "wrote {}", p.display());
            }
            Ok(0)
        }
        Command::Diff(args) => {
            let (bundle, mut files) = bundle_and_files(&args.spec, Scope::All)?;
            if let Some(target) = &args.upsert_dashboard {
                upsert(&args.out_dir, target, &bundle, &mut files)?;
            }
            let diffs =
                diff_tree(&args.out_dir, &files).map_err(|e| fail(format!("error: {e}")))?;
            let stale: Vec<_> = diffs.iter().filter(|d| !d.diff.is_empty()).collect();
            for d in &stale {
                out.write_all(d.diff.as_bytes()).map_err(io)?;
            }
            if stale.is_empty() {
                let _ = writeln!(err, "{} generated files are up to date", diffs.len());
                Ok(0)
            } else {
                let _ = writeln!(
                    err,
                    "{} of {} generated files are stale; run `canary-gen render --out-dir {}{}` and commit the result",
                    stale.len(),
                    diffs.len(),
                    args.out_dir.display(),
                    args.spec
                        .config
                        .as_ref()
                        .map(|c| format!(" --config {}", c.display()))
                        .unwrap_or_default()
                );
                Ok(1)
            }
        }
    }
}

fn dashboards_prefix(bundle: &Bundle) -> String {
    format!(
        "{}/dashboards/",
        bundle.spec.layout.newrelic.trim_end_matches('/')
    )
}

/// The dashboard at `target` (under `dir`) with the canary tiles upserted. The dashboard
/// must be a regular file inside `dir` reached without a symlink; it is read with the input
/// cap and never replaced through a symlink.
fn upserted(dir: &Path, target: &str, bundle: &Bundle) -> Result<String, Failure> {
    let tiles: Vec<serde_json::Value> = canary_tiles(&bundle.spec)
        .iter()
        .map(|t| serde_json::to_value(t).unwrap_or_default())
        .collect();
    let existing = crate::output::read_inside(dir, target, INPUT_SIZE_LIMIT).map_err(|e| {
        if e.is_not_found() {
            fail(format!(
                "error: {target}: no such dashboard under {}; drop --upsert-dashboard to write a new one",
                dir.display()
            ))
        } else {
            fail(format!("error: {e}"))
        }
    })?;
    upsert_tiles(&existing, target, &tiles).map_err(|e| fail(format!("error: {e}")))
}

/// Replace the separate dashboard file with the upserted dashboard in `files`, so that it is
/// written (or compared) with the rest of the tree.
fn upsert(
    dir: &Path,
    target: &str,
    bundle: &Bundle,
    files: &mut Vec<RenderedFile>,
) -> Result<(), Failure> {
    let contents = upserted(dir, target, bundle)?;
    let prefix = dashboards_prefix(bundle);
    files.retain(|f| !f.path.starts_with(&prefix));
    files.push(RenderedFile {
        path: target.to_string(),
        what: "dashboard with the canary tiles upserted".to_string(),
        contents,
        is_manifest: false,
    });
    check_collisions(files.iter().map(|f| f.path.as_str())).map_err(|e| fail(format!("error: {e}")))
}

/// The `plan` text.
pub fn plan_text(bundle: &Bundle) -> String {
    let spec = &bundle.spec;
    let basic = spec.traffic.routing == Routing::None;
    let mut s = format!(
        "{} in {}: {} canary, {} replicas, {} gates ({})\n\n",
        spec.app.name,
        spec.app.namespace,
        if basic {
            "basic (no traffic routing)"
        } else {
            "nginx-routed"
        },
        spec.app.replicas,
        spec.metrics.len(),
        match spec.provider.use_ {
            Provider::Prometheus => "Prometheus",
            Provider::Newrelic => "New Relic",
        }
    );
    s.push_str(&format!(
        "{:>3}  {:<40} {:>8} {:>8}  {}\n",
        "#",
        "step",
        "starts",
        "takes",
        if basic {
            "canary + stable pods (share)"
        } else {
            "traffic weight"
        }
    ));
    for step in &bundle.timeline {
        let detail = match step.split {
            Some(split) => {
                let pct = split.canary_percent();
                let far = (pct - f64::from(step.weight)).abs()
                    > canary_core::ladder::EFFECTIVE_WEIGHT_TOLERANCE;
                format!(
                    "{} + {} ({:.0}%){}",
                    split.canary,
                    split.stable,
                    pct,
                    if far {
                        format!("  ≠ setWeight {}", step.weight)
                    } else {
                        String::new()
                    }
                )
            }
            None if !basic => format!("{}%", step.weight),
            None => String::new(),
        };
        let takes = step
            .duration
            .map_or("manual".to_string(), format_go_duration);
        let line = format!(
            "{:>3}  {:<40} {:>8} {:>8}  {}",
            step.index,
            step.action,
            format_go_duration(step.start),
            takes,
            detail
        );
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s.push_str(&format!("\nbudget: {}\n", bundle.budget.explain()));
    s.push_str(&format!(
        "CI: kubectl argo rollouts status {} -n {} --timeout={}s  (job timeout-minutes: {})\n",
        spec.app.name,
        spec.app.namespace,
        bundle.ci.status_timeout_secs,
        bundle.ci.job_timeout_minutes
    ));
    for n in &bundle.notices {
        s.push_str(&format!("\nnote: {n}\n"));
    }
    s
}

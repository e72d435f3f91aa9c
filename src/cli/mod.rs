//! The command-line interface: `spillway run`, `spillway check`, `spillway bench`.
//!
//! Exit codes: 0 success, 1 invalid input (unreadable or malformed file, validation
//! errors, a bad `--set`), 2 usage errors (reported by clap). Errors go to stderr.

mod bench;
mod export;
mod overrides;
mod table;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration as WallDuration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use crate::cost::{self, RunResult};
use crate::insight::run::Runnable;
use crate::model::{self, Document, Duration, Severity, printable};
use crate::sim::Progress;
use crate::units::counted;

/// Exit code for invalid input.
pub const EXIT_INVALID: u8 = 1;
/// Exit code for usage errors (clap's own).
pub const EXIT_USAGE: u8 = 2;

/// Design and simulate event-driven architectures.
#[derive(Debug, Parser)]
#[command(
    name = "spillway",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to do; with none, open the editor.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Design to open in the editor (default: the bench-pipeline example).
    pub file: Option<PathBuf>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a design and print its report.
    Run(RunArgs),
    /// Validate a design and list every problem.
    Check {
        /// The design (.ron).
        file: PathBuf,
    },
    /// Measure the engine's speed and memory on the built-in examples.
    Bench(bench::BenchArgs),
    /// Export a design as a diagram (SVG, PNG, Mermaid, DOT), a Markdown spec, AsyncAPI
    /// documents, or its simulated results (CSV, JSON).
    Export(export::ExportArgs),
}

/// Options of `spillway run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The design (.ron).
    pub file: PathBuf,
    /// Seed of the random streams (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Simulated time to run, e.g. 10m, 2h, 1h30m (default: the scenario's).
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Discard statistics before this time, e.g. 1m (default: the scenario's).
    #[arg(long, value_parser = parse_duration)]
    pub warmup: Option<Duration>,
    /// Independent runs with derived seeds, combined with 95% confidence intervals.
    #[arg(long)]
    pub replications: Option<u32>,
    /// Override a parameter for a what-if run: COMPONENT.PARAM=VALUE, e.g.
    /// `--set B.servers=2` or `--set A.service_ms.mean=12`. Repeatable.
    #[arg(long = "set", value_name = "COMPONENT.PARAM=VALUE")]
    pub overrides: Vec<String>,
    /// Print the report as one JSON document (schema spillway.report/1).
    #[arg(long)]
    pub json: bool,
    /// Also write components.csv, series.csv and cost.csv into this directory.
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,
    /// Price book to use instead of the built-in one (assets/prices.ron format).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Subtract the monthly AWS free tier from the cost (off by default).
    #[arg(long)]
    pub free_tier: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    s.parse::<Duration>().map_err(|e| e.to_string())
}

/// Run a parsed command line and return the process exit code. `None` as the command is
/// the caller's business (it opens the GUI).
#[must_use]
pub fn execute(command: Command) -> ExitCode {
    let result = match command {
        Command::Run(args) => run(&args),
        Command::Check { file } => check(&file),
        Command::Bench(args) => bench::bench(&args),
        Command::Export(args) => export::export(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // messages may quote the design's names: escape what could drive a terminal
            eprintln!("error: {}", crate::export::scrub(&format!("{e:#}")));
            ExitCode::from(EXIT_INVALID)
        }
    }
}

/// Load a design, with the error naming the file, line and column.
///
/// # Errors
/// When the file cannot be read or parsed.
pub fn load(path: &Path) -> Result<Document> {
    Ok(model::load(path)?)
}

fn check(path: &Path) -> Result<ExitCode> {
    let doc = load(path)?;
    let problems = model::validate(&doc);
    for p in &problems {
        println!("{}", printable(&p.to_string()));
    }
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = problems.len() - errors;
    if errors > 0 {
        eprintln!(
            "{}: {}, {}",
            printable(&path.display().to_string()),
            counted(errors as u64, "error", "errors"),
            counted(warnings as u64, "warning", "warnings")
        );
        Ok(ExitCode::from(EXIT_INVALID))
    } else {
        println!(
            "{}: ok ({}, {}, {})",
            printable(&path.display().to_string()),
            counted(doc.components.len() as u64, "component", "components"),
            counted(doc.connections.len() as u64, "connection", "connections"),
            counted(warnings as u64, "warning", "warnings")
        );
        Ok(ExitCode::SUCCESS)
    }
}

fn run(args: &RunArgs) -> Result<ExitCode> {
    let mut doc = load(&args.file)?;
    if let Some(s) = args.seed {
        doc.scenario.seed = s;
    }
    if let Some(d) = args.duration {
        doc.scenario.duration = d;
    }
    if let Some(w) = args.warmup {
        doc.scenario.warmup = w;
    }
    if let Some(r) = args.replications {
        doc.scenario.replications = r;
    }
    for o in &args.overrides {
        doc = overrides::apply(&doc, o).with_context(|| format!("--set {o}"))?;
    }
    if args.free_tier {
        doc.cost.free_tier = true;
    }
    let book = match &args.prices {
        Some(p) => cost::PriceBook::load(p)?,
        None => cost::PriceBook::builtin()?,
    };
    let problems = model::validate(&doc);
    for p in problems.iter().filter(|p| p.severity == Severity::Warning) {
        eprintln!("{}", printable(&p.to_string()));
    }
    if problems.iter().any(|p| p.severity == Severity::Error) {
        for p in problems.iter().filter(|p| p.severity == Severity::Error) {
            eprintln!("{}", printable(&p.to_string()));
        }
        let tweaked = args.seed.is_some()
            || args.duration.is_some()
            || args.warmup.is_some()
            || args.replications.is_some()
            || !args.overrides.is_empty();
        if tweaked {
            bail!(
                "{} is not runnable with the options given",
                printable(&args.file.display().to_string())
            );
        }
        bail!(
            "{} is not a runnable design (run `spillway check` for details)",
            printable(&args.file.display().to_string())
        );
    }

    let show_bar = !args.quiet && std::io::stderr().is_terminal();
    let runnable = Runnable::with_problems(&doc, &problems)?;
    let result = simulate(runnable, &book, show_bar)?;
    if let Some(dir) = &args.csv {
        table::write_csv(&result, dir)?;
    }
    if args.json {
        print!("{}", crate::export::json_pretty(&result.to_json()?)?);
    } else {
        print!("{}", table::render(&result));
    }
    if let Some(why) = result.halted {
        eprintln!("error: the run was {}", printable(&why));
        return Ok(ExitCode::from(EXIT_INVALID));
    }
    Ok(ExitCode::SUCCESS)
}

/// Run a validated design's replications (with a progress bar on stderr when asked).
fn simulate(runnable: Runnable<'_>, book: &cost::PriceBook, show_bar: bool) -> Result<RunResult> {
    let doc = runnable.doc();
    let progress = Progress::default();
    let total_ns = doc
        .scenario
        .duration
        .ns
        .saturating_mul(u64::from(doc.scenario.replications.max(1)));
    let result = std::thread::scope(|scope| {
        let worker = scope.spawn(|| runnable.run(book, Some(&progress)));
        let started = Instant::now();
        let mut bar: Option<indicatif::ProgressBar> = None;
        while !worker.is_finished() {
            std::thread::sleep(WallDuration::from_millis(50));
            if show_bar && bar.is_none() && started.elapsed() > WallDuration::from_secs(1) {
                let b = indicatif::ProgressBar::new(1000);
                b.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} simulating [{bar:40}] {percent:>3}% eta {eta}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar = Some(b);
            }
            if let Some(b) = &bar {
                let done = progress.done_ns.load(Ordering::Relaxed);
                b.set_position((u128::from(done) * 1000 / u128::from(total_ns.max(1))) as u64);
            }
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        worker.join()
    });
    match result {
        Ok(r) => Ok(r?),
        Err(_) => bail!("the simulation stopped unexpectedly"),
    }
}

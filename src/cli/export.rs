//! `spillway export`: write a design (and optionally its simulated results) in another
//! format. Never overwrites an existing file without `--force`; every file is written
//! atomically (temporary file + rename).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::{EXIT_INVALID, load, simulate};
use crate::cost::{self, RunResult};
use crate::export::{self, Format};
use crate::insight::run::Runnable;
use crate::model::{self, Document, Severity, printable};

/// Options of `spillway export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The design (.ron).
    pub file: PathBuf,
    /// Output format: svg, png, mermaid, dot, markdown, asyncapi, csv, json.
    #[arg(long, short, value_parser = parse_format)]
    pub format: Format,
    /// Where to write: a file (for asyncapi, a directory that gets one file per
    /// application). Without it, text goes to standard output.
    #[arg(long, short, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Simulate the design with its scenario (like `run`) and include the KPIs and cost
    /// (markdown, asyncapi; csv and json always simulate).
    #[arg(long)]
    pub with_results: bool,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
    /// Leave the legend out of the diagram (svg, png).
    #[arg(long)]
    pub no_legend: bool,
    /// Leave the diagram's background transparent instead of white (svg, png).
    #[arg(long)]
    pub transparent: bool,
    /// PNG pixels per diagram unit, from 0.25 to 8 (2 is sharp on high-density screens).
    #[arg(long, default_value_t = 2.0, value_name = "S")]
    pub scale: f32,
    /// No progress bar and no "wrote" lines.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse::<Format>().map_err(|e| e.to_string())
}

/// Validate `doc` before any export: errors (and, when it will be simulated, warnings) to
/// stderr, made printable; errors refuse the export before anything is made or written.
fn validate_first<'a>(doc: &'a Document, file: &Path, simulates: bool) -> Result<Runnable<'a>> {
    let problems = model::validate(doc);
    if simulates {
        for p in problems.iter().filter(|p| p.severity == Severity::Warning) {
            eprintln!("{}", printable(&p.to_string()));
        }
    }
    if problems.iter().any(|p| p.severity == Severity::Error) {
        for p in problems.iter().filter(|p| p.severity == Severity::Error) {
            eprintln!("{}", printable(&p.to_string()));
        }
        bail!(
            "{} has errors and is not exported (run `spillway check` for details)",
            printable(&file.display().to_string())
        );
    }
    Ok(Runnable::with_problems(doc, &problems)?)
}

/// Simulate a validated design the way `run` does.
fn results(runnable: Runnable<'_>, quiet: bool) -> Result<RunResult> {
    let book = cost::PriceBook::builtin()?;
    simulate(runnable, &book, !quiet && std::io::stderr().is_terminal())
}

/// Run `spillway export`.
pub fn export(args: &ExportArgs) -> Result<ExitCode> {
    let format = args.format;
    let doc = load(&args.file)?;
    if args.with_results && !format.shows_results() {
        eprintln!("note: --with-results adds nothing to {format}; exporting the design only");
    }
    let simulates = format.needs_results() || (args.with_results && format.shows_results());
    let runnable = validate_first(&doc, &args.file, simulates)?;
    let report = if simulates {
        Some(results(runnable, args.quiet)?)
    } else {
        None
    };
    let halted = report.as_ref().and_then(|r| r.halted.clone());
    let opts = export::Options {
        legend: !args.no_legend,
        transparent: args.transparent,
        scale: args.scale,
    };
    let outputs = export::outputs(
        runnable,
        format,
        args.output.as_deref(),
        report.as_ref(),
        &opts,
    )?;
    for p in export::write_outputs(format, &outputs, args.force)? {
        if !args.quiet {
            eprintln!("wrote {}", printable(&p.display().to_string()));
        }
    }
    for o in outputs.iter().filter(|o| o.path.is_none()) {
        let mut stdout = std::io::stdout().lock();
        if format.is_binary() && stdout.is_terminal() {
            bail!("refusing to write binary {format} to a terminal; use -o FILE or redirect");
        }
        stdout
            .write_all(&o.bytes)
            .context("cannot write to standard output")?;
        stdout.flush().context("cannot write to standard output")?;
    }
    if let Some(why) = halted {
        eprintln!("error: the run was {}", printable(&why));
        return Ok(ExitCode::from(EXIT_INVALID));
    }
    Ok(ExitCode::SUCCESS)
}

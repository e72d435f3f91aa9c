//! `spillway export`: write a design (and optionally its simulated results) in another
//! format. Never overwrites an existing file without `--force`; every file is written
//! atomically (temporary file + rename).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::{EXIT_INVALID, load, simulate, table};
use crate::cost;
use crate::export::{Format, asyncapi, dot, markdown, mermaid, svg};
use crate::model::{self, Document, Severity, write_atomic};

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
    /// Leave the legend out of the SVG diagram.
    #[arg(long)]
    pub no_legend: bool,
    /// No progress bar and no "wrote" lines.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse::<Format>().map_err(|e| e.to_string())
}

/// Simulate `doc` the way `run` does: warnings to stderr, errors refuse.
fn results(
    doc: &Document,
    file: &Path,
    quiet: bool,
) -> Result<(serde_json::Value, Option<String>)> {
    let problems = model::validate(doc);
    for p in problems.iter().filter(|p| p.severity == Severity::Warning) {
        eprintln!("{p}");
    }
    if problems.iter().any(|p| p.severity == Severity::Error) {
        for p in problems.iter().filter(|p| p.severity == Severity::Error) {
            eprintln!("{p}");
        }
        bail!(
            "{} is not a runnable design (run `spillway check` for details)",
            file.display()
        );
    }
    let book = cost::PriceBook::builtin()?;
    simulate(doc, &book, !quiet && std::io::stderr().is_terminal())
}

/// The file name `stem` + `suffix` beside `path` (`spec.md` -> `spec-cost.svg`).
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".to_owned());
    path.with_file_name(format!("{stem}{suffix}"))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Run `spillway export`.
pub fn export(args: &ExportArgs) -> Result<ExitCode> {
    let format = args.format;
    if format == Format::Png {
        bail!("PNG export is not available yet; export svg and rasterise it (e.g. `rsvg-convert`)");
    }
    let doc = load(&args.file)?;
    if args.with_results && !format.shows_results() {
        eprintln!("note: --with-results adds nothing to {format}; exporting the design only");
    }
    let (report, halted) =
        if format.needs_results() || (args.with_results && format.shows_results()) {
            let (v, h) = results(&doc, &args.file, args.quiet)?;
            (Some(v), h)
        } else {
            (None, None)
        };
    let report = report.as_ref();
    // (target, bytes); a `None` target is standard output
    let mut outputs: Vec<(Option<PathBuf>, Vec<u8>)> = Vec::new();
    let out = args.output.as_deref();
    match format {
        Format::Svg => outputs.push((
            out.map(Path::to_path_buf),
            svg::render(
                &doc,
                &svg::SvgOptions {
                    legend: !args.no_legend,
                    ..svg::SvgOptions::default()
                },
            )
            .into_bytes(),
        )),
        Format::Mermaid => outputs.push((
            out.map(Path::to_path_buf),
            mermaid::render(&doc).into_bytes(),
        )),
        Format::Dot => outputs.push((out.map(Path::to_path_buf), dot::render(&doc).into_bytes())),
        Format::Markdown => {
            let mut files = markdown::Attachments::default();
            if let Some(path) = out {
                let diagram = beside(path, ".svg");
                files.diagram_svg = Some(file_name(&diagram));
                outputs.push((
                    Some(diagram),
                    svg::render(&doc, &svg::SvgOptions::default()).into_bytes(),
                ));
                if let Some(r) = report {
                    let (tp, cost) = markdown::charts(&doc, r);
                    let tp_path = beside(path, "-throughput.svg");
                    let cost_path = beside(path, "-cost.svg");
                    files.throughput_svg = Some(file_name(&tp_path));
                    files.cost_svg = Some(file_name(&cost_path));
                    outputs.push((Some(tp_path), tp.into_bytes()));
                    outputs.push((Some(cost_path), cost.into_bytes()));
                }
            }
            outputs.insert(
                0,
                (
                    out.map(Path::to_path_buf),
                    markdown::render(&doc, report, &files).into_bytes(),
                ),
            );
        }
        Format::AsyncApi => match out {
            None => outputs.push((None, asyncapi::render_all(&doc, report).into_bytes())),
            Some(dir) => {
                if dir.is_file() {
                    bail!(
                        "asyncapi writes one file per application into a directory, and {} is a file",
                        dir.display()
                    );
                }
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create directory {}", dir.display()))?;
                for (id, d) in asyncapi::documents(&doc, report) {
                    let mut text = serde_json::to_string_pretty(&d)?;
                    text.push('\n');
                    outputs.push((
                        Some(dir.join(format!("{id}.asyncapi.json"))),
                        text.into_bytes(),
                    ));
                }
            }
        },
        Format::Csv => {
            let r = report.context("no report")?;
            outputs.push((
                out.map(Path::to_path_buf),
                table::csv_texts(r).series.into_bytes(),
            ));
        }
        Format::Json => {
            let r = report.context("no report")?;
            let mut text = serde_json::to_string_pretty(r)?;
            text.push('\n');
            outputs.push((out.map(Path::to_path_buf), text.into_bytes()));
        }
        Format::Png => {}
    }
    if !args.force {
        for (target, _) in &outputs {
            if let Some(p) = target.as_ref().filter(|p| p.exists()) {
                bail!("{} exists; use --force to overwrite it", p.display());
            }
        }
    }
    for (target, bytes) in &outputs {
        match target {
            Some(p) => {
                write_atomic(p, bytes)?;
                if !args.quiet {
                    eprintln!("wrote {}", p.display());
                }
            }
            None => {
                let mut stdout = std::io::stdout().lock();
                if format.is_binary() && stdout.is_terminal() {
                    bail!(
                        "refusing to write binary {format} to a terminal; use -o FILE or redirect"
                    );
                }
                stdout
                    .write_all(bytes)
                    .context("cannot write to standard output")?;
                stdout.flush().context("cannot write to standard output")?;
            }
        }
    }
    if let Some(why) = halted {
        eprintln!("error: the run was {why}");
        return Ok(ExitCode::from(EXIT_INVALID));
    }
    Ok(ExitCode::SUCCESS)
}

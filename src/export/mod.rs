//! Exporters: each takes the document (and, where it shows results, the combined
//! `spillway.report/1` JSON with its `cost`) and returns text or bytes. [`outputs`] turns
//! one export request into the files it makes, so the CLI (`spillway export`) and the
//! GUI's Export menu write exactly the same bytes; [`write_outputs`] is the only I/O.
//!
//! | format | module | results |
//! |---|---|---|
//! | SVG diagram | [`svg`] (geometry from [`crate::diagram`]) | no |
//! | PNG diagram | [`png`] (the SVG rasterised with resvg) | no |
//! | Mermaid flowchart | [`mermaid`] | no |
//! | Graphviz DOT | [`dot`] | no |
//! | Markdown spec | [`markdown`] (+ [`chart`]) | optional |
//! | AsyncAPI 3.0.0 | [`asyncapi`] | optional (`x-spillway-simulated`) |
//!
//! | CSV time series | [`csv`] | always |
//! | JSON report | the report itself | always |
//!
//! Every exporter is deterministic: the same input gives the same bytes.

pub mod asyncapi;
pub mod chart;
pub mod csv;
pub mod dot;
pub mod markdown;
pub mod mermaid;
pub mod png;
pub mod svg;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::Value;

use crate::model::{Document, FileError, write_atomic};

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// The diagram as SVG.
    Svg,
    /// The diagram as PNG (rasterised SVG).
    Png,
    /// Mermaid flowchart.
    Mermaid,
    /// Graphviz DOT.
    Dot,
    /// Markdown specification.
    Markdown,
    /// AsyncAPI 3.0.0, one document per application.
    AsyncApi,
    /// CSV time series, one row per component and bucket.
    Csv,
    /// The JSON report (`spillway.report/1`).
    Json,
}

impl Format {
    /// Every format, in the order the help lists them.
    pub const ALL: [Format; 8] = [
        Format::Svg,
        Format::Png,
        Format::Mermaid,
        Format::Dot,
        Format::Markdown,
        Format::AsyncApi,
        Format::Csv,
        Format::Json,
    ];

    /// Name on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
            Format::Mermaid => "mermaid",
            Format::Dot => "dot",
            Format::Markdown => "markdown",
            Format::AsyncApi => "asyncapi",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    /// Usual file extension.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
            Format::Mermaid => "mmd",
            Format::Dot => "dot",
            Format::Markdown => "md",
            Format::AsyncApi | Format::Json => "json",
            Format::Csv => "csv",
        }
    }

    /// Whether the output is binary (not for a terminal).
    #[must_use]
    pub fn is_binary(self) -> bool {
        self == Format::Png
    }

    /// Whether the format is made of simulation results only (so always needs a run).
    #[must_use]
    pub fn needs_results(self) -> bool {
        matches!(self, Format::Csv | Format::Json)
    }

    /// Whether the format can show simulation results when asked (`--with-results`).
    #[must_use]
    pub fn shows_results(self) -> bool {
        matches!(
            self,
            Format::Markdown | Format::AsyncApi | Format::Csv | Format::Json
        )
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown format name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown format `{0}`, expected one of: svg, png, mermaid, dot, markdown, asyncapi, csv, json"
)]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.name() == lower || (lower == "md" && *f == Format::Markdown))
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// How the picture formats are drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Draw the legend (SVG, PNG).
    pub legend: bool,
    /// Leave the background transparent instead of white (SVG, PNG).
    pub transparent: bool,
    /// Pixels per diagram unit (PNG), within [`png::SCALE_RANGE`].
    pub scale: f32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            legend: true,
            transparent: false,
            scale: 2.0,
        }
    }
}

impl Options {
    fn svg(&self) -> svg::SvgOptions {
        svg::SvgOptions {
            legend: self.legend,
            background: (!self.transparent).then(|| "#ffffff".to_owned()),
        }
    }
}

/// One file an export makes; `path: None` is standard output.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    /// Where it goes.
    pub path: Option<PathBuf>,
    /// What it holds.
    pub bytes: Vec<u8>,
}

/// Why an export could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The format is made of results and none were given.
    #[error("{0} export needs simulation results")]
    NeedsResults(Format),
    /// AsyncAPI writes a directory, and the target is a file.
    #[error(
        "asyncapi writes one file per application into a directory, and {} is a file",
        .0.display()
    )]
    NotADirectory(PathBuf),
    /// The PNG could not be made.
    #[error(transparent)]
    Png(#[from] png::PngError),
    /// A report could not be turned into JSON (a bug).
    #[error("cannot write the report as JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A file exists and overwriting was not allowed.
    #[error("{} exists; use --force to overwrite it", .0.display())]
    Exists(PathBuf),
    /// A directory could not be created.
    #[error("cannot create directory {}: {cause}", .path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The reason.
        cause: std::io::Error,
    },
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] FileError),
    /// The design has errors, so it cannot be simulated for its results.
    #[error("the design cannot be simulated: {0}")]
    Invalid(String),
    /// The simulation could not be built.
    #[error(transparent)]
    Build(#[from] crate::sim::BuildError),
    /// The simulation was cancelled before it finished.
    #[error("the simulation was cancelled")]
    Cancelled,
}

/// Simulate `doc` with its scenario (every replication, as `spillway run` does) for the
/// formats that show results, and return the combined report with its cost
/// ([`crate::cost::report_json`]) and, when a replication halted itself, why.
///
/// `progress` reports the simulated time done and can cancel the run.
///
/// # Errors
/// [`ExportError::Invalid`] naming the first error of [`crate::model::validate`] (and how
/// many there are), [`ExportError::Build`], [`ExportError::Cancelled`] when `progress` was
/// cancelled.
pub fn simulate(
    doc: &Document,
    book: &crate::cost::PriceBook,
    progress: Option<&crate::sim::Progress>,
) -> Result<(Value, Option<String>), ExportError> {
    use crate::model::Severity;
    let errors: Vec<_> = crate::model::validate(doc)
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    if let Some(first) = errors.first() {
        let more = match errors.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        return Err(ExportError::Invalid(format!("{first}{more}")));
    }
    let combined = crate::sim::run_combined(doc, progress, |r| {
        Ok::<_, ExportError>(crate::cost::report_value(r, &doc.cost, book)?)
    })?;
    if progress.is_some_and(|p| p.cancel.load(std::sync::atomic::Ordering::Relaxed)) {
        return Err(ExportError::Cancelled);
    }
    Ok((combined.value, combined.halted))
}

/// The file name `stem` + `suffix` beside `path` (`spec.md` -> `spec-cost.svg`).
#[must_use]
pub fn beside(path: &Path, suffix: &str) -> PathBuf {
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

fn json_text(v: &Value) -> Result<Vec<u8>, ExportError> {
    let mut text = serde_json::to_string_pretty(v)?;
    text.push('\n');
    Ok(text.into_bytes())
}

/// The files an export of `doc` as `format` makes, without writing anything.
///
/// `out` is the file (for [`Format::AsyncApi`], the directory) chosen by the user;
/// `None` means standard output, which gets the main text only (the Markdown spec without
/// its SVG files; AsyncAPI's documents as one JSON array). `report` is the combined report
/// with its cost ([`crate::cost::report_json`]); formats that can show results use it
/// when given, and [`Format::Csv`] and [`Format::Json`] need it. The first output is the
/// main one.
///
/// # Errors
/// [`ExportError::NeedsResults`], [`ExportError::NotADirectory`] for an AsyncAPI target
/// that is a file, [`ExportError::Png`] for a PNG that cannot be made.
pub fn outputs(
    doc: &Document,
    format: Format,
    out: Option<&Path>,
    report: Option<&Value>,
    opts: &Options,
) -> Result<Vec<Output>, ExportError> {
    let main = |bytes: Vec<u8>| Output {
        path: out.map(Path::to_path_buf),
        bytes,
    };
    let needs = || report.ok_or(ExportError::NeedsResults(format));
    Ok(match format {
        Format::Svg => vec![main(svg::render(doc, &opts.svg()).into_bytes())],
        Format::Png => {
            let text = svg::render(doc, &opts.svg());
            vec![main(png::render(&text, opts.scale)?)]
        }
        Format::Mermaid => vec![main(mermaid::render(doc).into_bytes())],
        Format::Dot => vec![main(dot::render(doc).into_bytes())],
        Format::Markdown => {
            let mut files = markdown::Attachments::default();
            let mut extra = Vec::new();
            if let Some(path) = out {
                let diagram = beside(path, ".svg");
                files.diagram_svg = Some(file_name(&diagram));
                extra.push(Output {
                    path: Some(diagram),
                    bytes: svg::render(doc, &opts.svg()).into_bytes(),
                });
                if let Some(r) = report {
                    let (tp, cost) = markdown::charts(doc, r);
                    let tp_path = beside(path, "-throughput.svg");
                    let cost_path = beside(path, "-cost.svg");
                    files.throughput_svg = Some(file_name(&tp_path));
                    files.cost_svg = Some(file_name(&cost_path));
                    extra.push(Output {
                        path: Some(tp_path),
                        bytes: tp.into_bytes(),
                    });
                    extra.push(Output {
                        path: Some(cost_path),
                        bytes: cost.into_bytes(),
                    });
                }
            }
            let mut all = vec![main(markdown::render(doc, report, &files).into_bytes())];
            all.extend(extra);
            all
        }
        Format::AsyncApi => match out {
            None => vec![main(asyncapi::render_all(doc, report).into_bytes())],
            Some(dir) => {
                if dir.is_file() {
                    return Err(ExportError::NotADirectory(dir.to_path_buf()));
                }
                asyncapi::documents(doc, report)
                    .into_iter()
                    .map(|(id, d)| {
                        Ok(Output {
                            path: Some(dir.join(format!("{id}.asyncapi.json"))),
                            bytes: json_text(&d)?,
                        })
                    })
                    .collect::<Result<_, ExportError>>()?
            }
        },
        Format::Csv => vec![main(csv::tables(needs()?).series.into_bytes())],
        Format::Json => vec![main(json_text(needs()?)?)],
    })
}

/// The outputs' files that exist already.
#[must_use]
pub fn existing(outputs: &[Output]) -> Vec<&Path> {
    outputs
        .iter()
        .filter_map(|o| o.path.as_deref())
        .filter(|p| p.exists())
        .collect()
}

/// Write every output of a `format` export that has a path, each atomically (temporary
/// file, then rename). AsyncAPI's directory is created if missing; other formats need
/// an existing directory. Unless `force`, nothing is written when any of the files
/// exists. Outputs without a path are skipped (the caller prints them).
///
/// # Errors
/// [`ExportError::Exists`] for the first existing file (without `force`),
/// [`ExportError::CreateDir`] or [`ExportError::Write`] naming the path.
pub fn write_outputs(
    format: Format,
    outputs: &[Output],
    force: bool,
) -> Result<Vec<PathBuf>, ExportError> {
    if !force && let Some(p) = existing(outputs).first() {
        return Err(ExportError::Exists(p.to_path_buf()));
    }
    let mut written = Vec::new();
    for o in outputs {
        let Some(path) = &o.path else { continue };
        if format == Format::AsyncApi
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            std::fs::create_dir_all(dir).map_err(|cause| ExportError::CreateDir {
                path: dir.to_path_buf(),
                cause,
            })?;
        }
        write_atomic(path, &o.bytes)?;
        written.push(path.clone());
    }
    Ok(written)
}

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

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Component as PathPart, Path, PathBuf};
use std::str::FromStr;

use serde_json::Value;

use crate::cost::RunResult;
use crate::insight::run::{RunError, Runnable};

use crate::model::text::is_unsafe_char;
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
    /// The design has errors (the first one, and how many more), so it is not exported.
    #[error("the design has errors: {0}")]
    Invalid(String),
    /// A file name made from the design would land outside the export's target (a bug:
    /// [`file_stem_for`] prevents it; checked anyway).
    #[error("refusing to write {} outside {}", .path.display(), .target.display())]
    Outside {
        /// The file that would have been written.
        path: PathBuf,
        /// The directory the export was given.
        target: PathBuf,
    },
    /// Two outputs would be written to the same file (names differing only in case count
    /// as the same, as on Windows and macOS).
    #[error("{} would be written twice (two component ids give the same file name)", .0.display())]
    Clash(PathBuf),
    /// The simulation could not be built.
    #[error(transparent)]
    Build(#[from] crate::sim::BuildError),
    /// The simulation was cancelled before it finished.
    #[error("the simulation was cancelled")]
    Cancelled,
}

/// Refuse a design that has validation errors: every export validates first, whatever
/// its format, so nothing is made from a design `spillway check` refuses. The
/// [`Runnable`] it returns is what [`outputs`] takes, so a design is validated once.
///
/// # Errors
/// [`ExportError::Invalid`] naming the first error of [`crate::model::validate`] (with
/// its text made printable) and how many more there are.
pub fn check_valid(doc: &Document) -> Result<Runnable<'_>, ExportError> {
    Ok(Runnable::check(doc)?)
}

/// Longest file name part [`file_stem_for`] keeps from an id, in characters (the rest is
/// cut and replaced by the hash), well below the 255 bytes file systems allow.
pub const MAX_STEM_CHARS: usize = 64;

/// Names Windows reserves for devices, whatever the case and extension (`nul.json`).
const DEVICE_NAMES: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A 64-bit FNV-1a hash: stable across runs, platforms and versions (unlike
/// `std::hash`), which file names need.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The one place an id becomes part of a file name (`<stem>.asyncapi.json`).
///
/// The result is never empty, never `.` or `..`, never starts with `.`, holds no path
/// separator (`/`, `\`), drive colon or other character Windows refuses, no control or
/// bidirectional character, is no Windows device name (`CON`, `nul`, `COM1`, with or
/// without an extension) and is at most [`MAX_STEM_CHARS`] characters plus a hash. Ids
/// made of letters, digits, `-`, `_` and inner `.` are kept as they are; any other id has
/// each offending character replaced by `_` and `~` plus a hash of the whole id appended.
/// `~` is itself replaced, so a changed id never gives the name of a kept one, and two
/// changed ids only meet if their 64-bit hashes do (outputs check for that anyway).
#[must_use]
pub fn file_stem_for(id: &str) -> String {
    let mut changed = false;
    let mut stem = String::with_capacity(id.len().min(MAX_STEM_CHARS * 4));
    for (i, c) in id.chars().enumerate() {
        if i == MAX_STEM_CHARS {
            changed = true;
            break;
        }
        let keep = (c.is_alphanumeric() && !is_unsafe_char(c))
            || c == '-'
            || c == '_'
            || (c == '.' && i > 0);
        if keep {
            stem.push(c);
        } else {
            stem.push('_');
            changed = true;
        }
    }
    // Windows drops a trailing dot from a file name
    if stem.ends_with('.') {
        stem.pop();
        stem.push('_');
        changed = true;
    }
    let base = stem.split('.').next().unwrap_or_default();
    if DEVICE_NAMES.iter().any(|d| d.eq_ignore_ascii_case(base)) {
        stem.insert(0, '_');
        changed = true;
    }
    if stem.is_empty() {
        stem.push_str("component");
        changed = true;
    }
    if changed {
        stem.push_str(&format!("~{:08x}", fnv1a(id.as_bytes()) >> 32));
    }
    stem
}

/// Whether `path` is a file directly in `dir` (lexically: one plain name after `dir`;
/// no `..`, root or prefix).
fn directly_in(dir: &Path, path: &Path) -> bool {
    let Ok(rest) = path.strip_prefix(dir) else {
        return false;
    };
    let mut parts = rest.components();
    matches!(
        (parts.next(), parts.next()),
        (Some(PathPart::Normal(_)), None)
    )
}

/// Every output with a path stays in the target's directory (for AsyncAPI, the target
/// directory itself), and no two outputs share a file (ignoring case).
fn check_targets(outputs: &[Output], format: Format, out: &Path) -> Result<(), ExportError> {
    let dir = if format == Format::AsyncApi {
        out
    } else {
        out.parent().unwrap_or(Path::new(""))
    };
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for o in outputs {
        let Some(path) = &o.path else { continue };
        if !directly_in(dir, path) {
            return Err(ExportError::Outside {
                path: path.clone(),
                target: dir.to_path_buf(),
            });
        }
        let key = path.to_string_lossy().to_lowercase();
        if !seen.insert(key) {
            return Err(ExportError::Clash(path.clone()));
        }
    }
    Ok(())
}

/// Simulate `doc` with its scenario (every replication, as `spillway run` does) for the
/// formats that show results ([`crate::insight::run`]).
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
) -> Result<RunResult, ExportError> {
    Ok(Runnable::check(doc)?.run(book, progress)?)
}

impl From<RunError> for ExportError {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Invalid(why) => ExportError::Invalid(why),
            RunError::Build(e) => ExportError::Build(e),
            RunError::Cancelled => ExportError::Cancelled,
        }
    }
}

/// `text` with every character [`crate::model::text::is_unsafe_char`] refuses, except
/// line feeds and tabs, written as a visible escape (`\u{1b}`), like
/// [`crate::model::printable`] but keeping the lines of a multi-line text. The last pass
/// over every text export and over error messages printed to a terminal; borrowed when
/// there is nothing to escape.
#[must_use]
pub fn scrub(text: &str) -> Cow<'_, str> {
    crate::model::text::printable_lines(text)
}

/// [`scrub`] for an owned text, without copying a clean one.
#[must_use]
pub fn scrubbed(text: String) -> String {
    match scrub(&text) {
        Cow::Owned(clean) => clean,
        Cow::Borrowed(_) => text,
    }
}

/// JSON text with the unsafe characters serde_json leaves raw (DEL, C1 controls,
/// bidirectional overrides) written as `\uXXXX` escapes. They can only stand inside
/// strings, so the value read back is the same. Line feeds (layout) stay.
#[must_use]
pub fn json_safe(text: String) -> String {
    // serde_json escapes C0 controls inside strings, so a raw line feed is layout
    let bad = |c: char| is_unsafe_char(c) && c != '\n';
    if !text.chars().any(bad) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if bad(c) {
            // every unsafe character is in the Basic Multilingual Plane: one escape
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// A value as pretty JSON text ending in a line break, with [`json_safe`] escapes: how
/// every JSON export is written.
///
/// # Errors
/// When the value cannot be written as JSON (a bug).
pub fn json_pretty(v: &Value) -> Result<String, serde_json::Error> {
    let mut text = json_safe(serde_json::to_string_pretty(v)?);
    text.push('\n');
    Ok(text)
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
    Ok(json_pretty(v)?.into_bytes())
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
/// `design` has passed validation ([`check_valid`], or [`Runnable::check`] when it was
/// also run), so nothing is made from a design with errors.
///
/// # Errors
/// [`ExportError::NeedsResults`], [`ExportError::NotADirectory`] for an AsyncAPI target
/// that is a file, [`ExportError::Png`] for a PNG that cannot be made,
/// [`ExportError::Outside`] or [`ExportError::Clash`] when a file would land outside the
/// target's directory or twice on one file (file names come from [`file_stem_for`], so
/// neither should happen).
pub fn outputs(
    design: Runnable<'_>,
    format: Format,
    out: Option<&Path>,
    report: Option<&RunResult>,
    opts: &Options,
) -> Result<Vec<Output>, ExportError> {
    make_outputs(design.doc(), format, out, report, opts)
}

/// [`outputs`] without the validation (so tests can feed it what validation refuses);
/// the target check still applies.
fn make_outputs(
    doc: &Document,
    format: Format,
    out: Option<&Path>,
    report: Option<&RunResult>,
    opts: &Options,
) -> Result<Vec<Output>, ExportError> {
    let main = |bytes: Vec<u8>| Output {
        path: out.map(Path::to_path_buf),
        bytes,
    };
    let needs = || report.ok_or(ExportError::NeedsResults(format));
    let all = match format {
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
                            path: Some(dir.join(format!("{}.asyncapi.json", file_stem_for(&id)))),
                            bytes: json_text(&d)?,
                        })
                    })
                    .collect::<Result<_, ExportError>>()?
            }
        },
        Format::Csv => vec![main(csv::tables(needs()?).series.into_bytes())],
        Format::Json => vec![main(json_text(&needs()?.to_json()?)?)],
    };
    if let Some(out) = out {
        check_targets(&all, format, out)?;
    }
    // defence in depth: every exporter escapes the design's text its own way; nothing
    // that could drive a terminal (or break XML) gets through whatever was missed
    Ok(all
        .into_iter()
        .map(|o| {
            let bytes = match (format, String::from_utf8(o.bytes)) {
                (Format::Png, Ok(text)) => text.into_bytes(),
                (Format::AsyncApi | Format::Json, Ok(text)) => json_safe(text).into_bytes(),
                (_, Ok(text)) => scrubbed(text).into_bytes(),
                (_, Err(e)) => e.into_bytes(),
            };
            Output {
                path: o.path,
                bytes,
            }
        })
        .collect())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::from_ron_str;

    const HOSTILE: [&str; 20] = [
        "../../escaped",
        "/abs/path",
        "..",
        ".",
        "",
        ".hidden",
        "a/b",
        "a\\b",
        "C:\\x",
        "CON",
        "nul.txt",
        "Com1",
        "lpt9.asyncapi",
        "name.",
        "tab\there",
        "esc\u{1b}[31m",
        "bidi\u{202e}txt",
        "new\nline",
        "~x",
        "aux",
    ];

    #[test]
    fn file_stems_are_plain_names() {
        let long = "x".repeat(300);
        let mut all: Vec<&str> = HOSTILE.to_vec();
        all.push(&long);
        let mut seen = BTreeSet::new();
        for id in all {
            let stem = file_stem_for(id);
            assert!(!stem.is_empty(), "{id:?}");
            assert!(!stem.starts_with('.'), "{id:?} -> {stem}");
            assert!(!stem.ends_with('.'), "{id:?} -> {stem}");
            assert!(
                !stem.contains(['/', '\\', ':', '<', '>', '"', '|', '?', '*']),
                "{id:?} -> {stem}"
            );
            assert!(!crate::model::has_unsafe_chars(&stem), "{id:?} -> {stem:?}");
            let base = stem.split('.').next().unwrap_or_default();
            assert!(
                !DEVICE_NAMES.iter().any(|d| d.eq_ignore_ascii_case(base)),
                "{id:?} -> {stem}"
            );
            assert!(
                stem.chars().count() <= MAX_STEM_CHARS + 9,
                "{id:?} -> {stem}"
            );
            let p = Path::new(&stem);
            assert!(
                matches!(
                    p.components().collect::<Vec<_>>()[..],
                    [PathPart::Normal(_)]
                ),
                "{id:?} -> {stem}"
            );
            assert!(seen.insert(stem.clone()), "{id:?} -> {stem} twice");
        }
        // plain ids are kept; changed ids never meet a kept one or each other
        assert_eq!(file_stem_for("orders-api_2"), "orders-api_2");
        assert_eq!(file_stem_for("Bestellungen"), "Bestellungen");
        assert_ne!(file_stem_for("a/b"), file_stem_for("a_b"));
        assert_ne!(file_stem_for("a/b"), file_stem_for("a\\b"));
        assert_ne!(file_stem_for("a/b"), file_stem_for("a:b"));
        assert_eq!(file_stem_for("a/b"), file_stem_for("a/b"), "stable");
    }

    fn hostile_doc() -> Document {
        let mut doc = from_ron_str(
            r#"(components: [(id: "p", kind: Producer()), (id: "s", kind: Sink())],
                connections: [(from: "p", to: "s")])"#,
        )
        .unwrap();
        let template = doc.components[0].clone();
        for id in HOSTILE {
            let mut c = template.clone();
            c.id = id.to_owned();
            doc.components.push(c);
        }
        doc
    }

    #[test]
    fn hostile_ids_never_leave_the_target() {
        let doc = hostile_doc();
        let dir = Path::new("target-dir");
        let outs =
            make_outputs(&doc, Format::AsyncApi, Some(dir), None, &Options::default()).unwrap();
        assert_eq!(outs.len(), HOSTILE.len() + 1);
        for o in &outs {
            let p = o.path.as_deref().unwrap();
            assert!(directly_in(dir, p), "{}", p.display());
            assert_eq!(p.parent(), Some(dir), "{}", p.display());
        }
        // and the checked entry point refuses the design outright
        match check_valid(&doc)
            .and_then(|d| outputs(d, Format::AsyncApi, Some(dir), None, &Options::default()))
        {
            Err(ExportError::Invalid(msg)) => {
                assert!(msg.contains("more)"), "{msg}");
                assert!(!crate::model::has_unsafe_chars(&msg), "{msg:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn outputs_outside_or_twice_are_refused() {
        let out = |p: &str| Output {
            path: Some(PathBuf::from(p)),
            bytes: Vec::new(),
        };
        let d = Path::new("d");
        assert!(check_targets(&[out("d/a.json")], Format::AsyncApi, d).is_ok());
        for bad in ["d/../a.json", "/a.json", "d/x/a.json", "e/a.json", "d"] {
            assert!(
                matches!(
                    check_targets(&[out(bad)], Format::AsyncApi, d),
                    Err(ExportError::Outside { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            check_targets(&[out("d/A.json"), out("d/a.json")], Format::AsyncApi, d),
            Err(ExportError::Clash(_))
        ));
        let main = Path::new("out/spec.md");
        assert!(
            check_targets(
                &[out("out/spec.md"), out("out/spec.svg")],
                Format::Markdown,
                main
            )
            .is_ok()
        );
        assert!(check_targets(&[out("spec.svg")], Format::Markdown, main).is_err());
    }
}

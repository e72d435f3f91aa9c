//! The document a user draws and saves: components, connections, event types, scenario
//! settings and node positions; loading and atomic saving as RON; validation.
//!
//! Lifecycle: [`load`] (or [`from_ron_str`]) gives a [`Document`]; [`validate`] lists every
//! [`Problem`] at once; the engine (`crate::sim`) builds from a document that has no
//! errors. Nothing here knows about the engine or the GUI.

pub mod aws;
mod component;
mod dist;
mod duration;
mod explain;
mod kind;
pub mod text;
mod validate;
mod wiring;
pub mod work;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use component::{
    Component, ComponentKind, DeadLetterQueue, Jitter, KeySpace, MAX_STATION_SERVERS, Producer,
    Retry, Routing, Sink, Source, Station, Throttle, sdk_standard_retry,
};
pub use dist::{Arrivals, Dist, ProfilePoint, gamma_fn, lognormal_sigma, profile_rate};
pub use duration::{Duration, DurationError, MAX_DURATION_NS, NS_PER_MS, NS_PER_S};
pub(crate) use explain::expected_words;
pub use kind::{Cap, Kind, KindInfo};
pub use text::{has_unsafe_chars, printable};
pub use validate::{
    MAX_BUCKETS, MAX_EXPECTED_LAPS, MAX_REPLICATIONS, Problem, Severity, Subject, validate,
};
pub use wiring::{can_connect, link_problems};

/// The document format version this build writes. Older versions are migrated on load.
pub const CURRENT_VERSION: u32 = 1;

/// Most attributes an event type may carry.
pub const MAX_ATTRIBUTES: usize = 8;
/// Most distinct values one attribute may take.
pub const MAX_ATTRIBUTE_VALUES: usize = 64;
/// Most event types in one document.
pub const MAX_EVENT_TYPES: usize = 64;

/// A whole design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Document {
    /// Format version, for migrations.
    pub version: u32,
    /// Title of the design.
    pub name: String,
    /// Free text.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Run settings.
    pub scenario: Scenario,
    /// The kinds of event producers emit. Empty means a single anonymous type.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub event_types: Vec<EventType>,
    /// The boxes.
    pub components: Vec<Component>,
    /// The arrows.
    pub connections: Vec<Connection>,
    /// Account-wide limits shared by the components (Lambda concurrency).
    pub account: Account,
    /// How cost is computed for this design.
    pub cost: CostSettings,
    /// Editor positions by component id; no effect on the simulation.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub layout: BTreeMap<String, [f32; 2]>,
}

impl Default for Document {
    fn default() -> Self {
        Document {
            version: CURRENT_VERSION,
            name: "Untitled".to_owned(),
            description: String::new(),
            scenario: Scenario::default(),
            event_types: Vec::new(),
            components: Vec::new(),
            connections: Vec::new(),
            account: Account::default(),
            cost: CostSettings::default(),
            layout: BTreeMap::new(),
        }
    }
}

impl Document {
    /// The component with this id.
    #[must_use]
    pub fn component(&self, id: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.id == id)
    }

    /// The component with this display name (or id, when it has no name).
    #[must_use]
    pub fn component_by_name(&self, name: &str) -> Option<&Component> {
        self.components
            .iter()
            .find(|c| c.display_name() == name)
            .or_else(|| self.component(name))
    }
}

/// Limits of the AWS account and Region the design runs in, shared by its components.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Account {
    /// Concurrent Lambda executions in the Region, shared by every function without
    /// reserved concurrency (default 1,000:
    /// <https://docs.aws.amazon.com/lambda/latest/dg/limits.html>).
    pub lambda_concurrency: u32,
}

impl Default for Account {
    fn default() -> Self {
        Account {
            lambda_concurrency: 1000,
        }
    }
}

/// Cost settings of a design: free tier and price overrides on top of the price book.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CostSettings {
    /// Subtract the monthly free tier (off by default: most production accounts have
    /// used it up, and accounts opened since 2025-07-15 get credits instead).
    pub free_tier: bool,
    /// Price overrides, USD per unit, keyed `service.meter` as in the price book (e.g.
    /// `"lambda.requests": 0.0000002`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub prices: BTreeMap<String, f64>,
}

/// Run settings saved with the design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Simulated time to run (including warm-up).
    pub duration: Duration,
    /// Statistics from before this time are discarded.
    pub warmup: Duration,
    /// Seed of the run's random streams.
    pub seed: u64,
    /// Independent runs with derived seeds; KPIs get 95% confidence intervals when > 1.
    pub replications: u32,
    /// Width of a time-series bucket; none = about 1/200 of the duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<Duration>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            duration: Duration::from_secs(600),
            warmup: Duration::ZERO,
            seed: 1,
            replications: 1,
            bucket: None,
        }
    }
}

impl Scenario {
    /// The bucket width in force: the explicit one, or a round width giving about 200
    /// buckets.
    #[must_use]
    pub fn bucket_width(&self) -> Duration {
        if let Some(b) = self.bucket.filter(|b| b.ns > 0) {
            return b;
        }
        let target = (self.duration.ns / 200).max(1);
        // round up to 1, 2 or 5 times a power of ten (in ns)
        let mut p = 1u64;
        loop {
            for m in [1, 2, 5] {
                if p.saturating_mul(m) >= target {
                    return Duration::from_ns(p.saturating_mul(m));
                }
            }
            p = p.saturating_mul(10);
        }
    }
}

/// What kind of link an arrow is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkKind {
    /// Normal flow of successfully processed events.
    #[default]
    Delivery,
    /// Where events go once retries are exhausted (SQS redrive, SNS/EventBridge DLQ).
    DeadLetter,
    /// Like dead-letter, for asynchronous invocations (Lambda on-failure destination).
    OnFailure,
}

/// An arrow between two components.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Connection {
    /// Source component id.
    pub from: String,
    /// Target component id.
    pub to: String,
    /// Delivery, dead-letter or on-failure.
    pub kind: LinkKind,
    /// Only matching events use this link (delivery links only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<Filter>,
    /// Share of traffic under split routing.
    #[serde(skip_serializing_if = "is_one")]
    pub weight: f64,
    /// Network or hand-off delay along the link, in ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<Dist>,
    /// EventBridge: the rule this target belongs to (links with the same rule share its
    /// pattern; at most 5 targets per rule). Empty = a rule of its own.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub rule: String,
    /// EventBridge target / SNS subscription: retry policy for failed deliveries over
    /// this link, replacing the source's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
    /// EventBridge target / SNS subscription: give up on an event older than this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_event_age: Option<Duration>,
    /// EventBridge target / SNS subscription: id of the dead-letter queue (a
    /// DeadLetterQueue or an SqsQueue) for events this link gives up on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead_letter: Option<String>,
}

impl Default for Connection {
    fn default() -> Self {
        Connection {
            from: String::new(),
            to: String::new(),
            kind: LinkKind::Delivery,
            filter: None,
            weight: 1.0,
            latency_ms: None,
            rule: String::new(),
            retry: None,
            max_event_age: None,
            dead_letter: None,
        }
    }
}

#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_one(v: &f64) -> bool {
    *v == 1.0
}

impl Connection {
    /// A plain delivery link.
    #[must_use]
    pub fn new(from: &str, to: &str) -> Self {
        Connection {
            from: from.to_owned(),
            to: to.to_owned(),
            weight: 1.0,
            ..Connection::default()
        }
    }

    /// A human label such as `A -> B`.
    #[must_use]
    pub fn label(&self) -> String {
        match self.kind {
            LinkKind::Delivery => format!("{} -> {}", self.from, self.to),
            LinkKind::DeadLetter => format!("{} -> {} (dead-letter)", self.from, self.to),
            LinkKind::OnFailure => format!("{} -> {} (on-failure)", self.from, self.to),
        }
    }
}

/// A subscription filter, as in SNS filter policies and EventBridge rules: the event
/// type must be listed (if any are) and every attribute condition must hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Filter {
    /// Accepted event types; empty accepts all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub event_types: Vec<String>,
    /// Conditions on attributes, all of which must hold.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Condition>,
}

/// A condition on one attribute's value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Condition {
    /// The value is one of these.
    Equals(Vec<String>),
    /// The attribute is present and its value is none of these.
    AnythingBut(Vec<String>),
    /// The value starts with this.
    Prefix(String),
    /// The attribute is present (true) or absent (false).
    Exists(bool),
}

impl Condition {
    /// Whether a present attribute value satisfies the condition.
    #[must_use]
    pub fn matches_value(&self, value: &str) -> bool {
        match self {
            Condition::Equals(vs) => vs.iter().any(|v| v == value),
            Condition::AnythingBut(vs) => !vs.iter().any(|v| v == value),
            Condition::Prefix(p) => value.starts_with(p.as_str()),
            Condition::Exists(e) => *e,
        }
    }

    /// Whether the condition holds when the attribute is absent.
    #[must_use]
    pub fn matches_absent(&self) -> bool {
        matches!(self, Condition::Exists(false))
    }
}

/// A kind of event, its share of the mix, its size and its attributes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventType {
    /// Name used by filters and reports.
    pub name: String,
    /// Relative share of a producer's events.
    pub weight: f64,
    /// Payload size in bytes (sizes drive cost: requests are billed per 64 KB chunk).
    pub payload_bytes: Dist,
    /// Attribute name -> possible values with their relative weights.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Vec<(String, f64)>>,
}

impl Default for EventType {
    fn default() -> Self {
        EventType {
            name: "event".to_owned(),
            weight: 1.0,
            payload_bytes: Dist::Constant(1024.0),
            attributes: BTreeMap::new(),
        }
    }
}

/// Largest design file [`load`] reads: far above any real design (the 20,000-component
/// benchmark is a few MB) and small enough that a mistaken file (a disk image, a log)
/// is refused before it is read into memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A failure to read or write a document file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be read or written.
    #[error("cannot {action} {path}: {cause}")]
    Io {
        /// "read" or "write".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error (part of the message, so not also reported as a source).
        cause: std::io::Error,
    },
    /// The file is larger than [`MAX_FILE_BYTES`].
    #[error("{} is {}; a design file may be at most {} MiB", file_name(path.as_deref()), size_text(*size), MAX_FILE_BYTES / (1024 * 1024))]
    TooLarge {
        /// Its size in bytes, or `None` when it is not known (a device, a pipe): at least
        /// [`MAX_FILE_BYTES`] + 1 bytes were read.
        size: Option<u64>,
        /// The file, when there is one.
        path: Option<PathBuf>,
    },
    /// The bytes are not UTF-8 text and no position helps (UTF-16 or UTF-32 text).
    #[error("{} {message}", file_name(path.as_deref()))]
    Encoding {
        /// What the bytes look like and what to do, e.g. "looks like UTF-16
        /// (little-endian); save it as UTF-8".
        message: String,
        /// The file, when there is one.
        path: Option<PathBuf>,
    },
    /// The bytes are not UTF-8 from a byte on (Latin-1 text, a binary file).
    #[error("{} is not {}valid UTF-8 at byte offset {offset} (line {line}, column {column}){}", file_name(path.as_deref()), if *binary { "a text file: it is not " } else { "" }, if *binary { "" } else { "; save it as UTF-8" })]
    NotUtf8 {
        /// 0-based offset of the first byte that is not UTF-8, in the file.
        offset: usize,
        /// 1-based line of that byte.
        line: usize,
        /// 1-based column of that byte, in characters.
        column: usize,
        /// Whether the file looks binary rather than text in another encoding.
        binary: bool,
        /// The file, when there is one.
        path: Option<PathBuf>,
    },
    /// The text is not a valid document.
    #[error("{message} at line {line}, column {column}{}", path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default())]
    Parse {
        /// What is wrong.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// The file, when there is one.
        path: Option<PathBuf>,
    },
    /// The file was written by a newer Spillway.
    #[error("document version {found} is newer than this build understands ({CURRENT_VERSION}){}", path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default())]
    TooNew {
        /// The version in the file.
        found: u32,
        /// The file, when there is one.
        path: Option<PathBuf>,
    },
    /// The document could not be turned into text (should not happen).
    #[error("cannot write the document as RON: {0}")]
    Serialize(String),
}

impl FileError {
    /// The same error naming `path` as the file it came from.
    #[must_use]
    pub fn with_path(self, path: &Path) -> Self {
        let path = Some(path.to_owned());
        match self {
            FileError::Parse {
                message,
                line,
                column,
                ..
            } => FileError::Parse {
                message,
                line,
                column,
                path,
            },
            FileError::TooNew { found, .. } => FileError::TooNew { found, path },
            FileError::TooLarge { size, .. } => FileError::TooLarge { size, path },
            FileError::Encoding { message, .. } => FileError::Encoding { message, path },
            FileError::NotUtf8 {
                offset,
                line,
                column,
                binary,
                ..
            } => FileError::NotUtf8 {
                offset,
                line,
                column,
                binary,
                path,
            },
            other => other,
        }
    }
}

/// `path` for a message, or "the file".
fn file_name(path: Option<&Path>) -> String {
    path.map_or_else(|| "the file".to_owned(), |p| p.display().to_string())
}

/// A file size for a message: "80.0 MiB", or "larger than 64 MiB" when unknown.
fn size_text(size: Option<u64>) -> String {
    match size {
        Some(bytes) => format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0)),
        None => format!("larger than {} MiB", MAX_FILE_BYTES / (1024 * 1024)),
    }
}

/// The RON dialect of design files: newtype variants unwrapped (`Sink()`), `Some`
/// implicit.
pub(crate) fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(
        ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES
            | ron::extensions::Extensions::IMPLICIT_SOME,
    )
}

/// Parse a document from RON text. Errors carry line and column and say what was
/// expected in the user's terms (see `explain`).
///
/// # Errors
/// [`FileError::Parse`] for malformed text or unknown kinds and fields;
/// [`FileError::TooNew`] for a newer format version; [`FileError::TooLarge`] for text
/// longer than [`MAX_FILE_BYTES`].
pub fn from_ron_str(text: &str) -> Result<Document, FileError> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(FileError::TooLarge {
            size: Some(text.len() as u64),
            path: None,
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let doc: Document = ron_options()
        .from_str(text)
        .map_err(|e| explain::explain(text, &e, parse_document))?;
    migrate(doc)
}

/// Parse `text` as a document, nothing more: the probe `explain` uses to learn what a
/// place in the file expects.
fn parse_document(text: &str) -> Result<(), ron::error::SpannedError> {
    ron_options().from_str::<Document>(text).map(drop)
}

/// Parse a document from the bytes of a file: the whole loading path of [`load`], for
/// callers that have the bytes already (a fuzz target, a drop in the GUI). A UTF-8 byte
/// order mark is skipped; UTF-16 and UTF-32 text and invalid UTF-8 are refused with a
/// message naming the encoding or the first bad byte; `path` only names the file in
/// errors.
///
/// # Errors
/// [`FileError::TooLarge`], [`FileError::Encoding`], otherwise as [`from_ron_str`].
pub fn from_bytes(bytes: &[u8], path: Option<&Path>) -> Result<Document, FileError> {
    let named = |e: FileError| match path {
        Some(p) => e.with_path(p),
        None => e,
    };
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(named(FileError::TooLarge {
            size: Some(bytes.len() as u64),
            path: None,
        }));
    }
    let text = decode(bytes).map_err(named)?;
    from_ron_str(text).map_err(named)
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text of a file's bytes: UTF-8 with an optional byte order mark, which is dropped.
fn decode(bytes: &[u8]) -> Result<&str, FileError> {
    let encoding = |message: String| FileError::Encoding {
        message,
        path: None,
    };
    if let Some(name) = wide_encoding(bytes) {
        return Err(encoding(format!("looks like {name}; save it as UTF-8")));
    }
    let (skipped, body) = match bytes.strip_prefix(UTF8_BOM) {
        Some(rest) => (UTF8_BOM.len(), rest),
        None => (0, bytes),
    };
    std::str::from_utf8(body).map_err(|e| {
        let good = &body[..e.valid_up_to()];
        let line = 1 + good.iter().filter(|&&b| b == b'\n').count();
        let last_line = good.rsplit(|&b| b == b'\n').next().unwrap_or_default();
        // Characters, not bytes, as the parser counts columns: count the bytes that
        // start a character (the prefix is valid UTF-8).
        let column = 1 + last_line.iter().filter(|&&b| b & 0xC0 != 0x80).count();
        FileError::NotUtf8 {
            offset: skipped + e.valid_up_to(),
            line,
            column,
            binary: looks_binary(bytes),
            path: None,
        }
    })
}

/// Whether the start of the bytes looks like a binary file rather than text in some
/// other 8-bit encoding: a NUL byte, or many control or non-ASCII bytes.
fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(1024)];
    let odd = sample
        .iter()
        .filter(|&&b| b == 0 || b == 0x7F || b >= 0x80 || (b < 0x20 && !b"\t\n\r".contains(&b)))
        .count();
    sample.contains(&0) || odd * 4 > sample.len()
}

/// The name of a UTF-16 or UTF-32 encoding the bytes are in, by their byte order mark
/// or, without one, by NUL bytes in every other (or three in four) position, as ASCII
/// text in those encodings has.
fn wide_encoding(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return Some("UTF-32 (little-endian)");
    }
    if bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Some("UTF-32 (big-endian)");
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return Some("UTF-16 (little-endian)");
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Some("UTF-16 (big-endian)");
    }
    // Without a mark: look at the start, where a design has its ASCII `(` and names.
    let sample = &bytes[..bytes.len().min(1024)];
    let units = |width: usize, zero_at: &[usize]| {
        let chunks = sample.chunks_exact(width);
        let n = chunks.len();
        let wide = chunks
            .filter(|c| (0..width).all(|i| (c[i] == 0) == zero_at.contains(&i)))
            .count();
        n > 0 && wide * 4 >= n * 3
    };
    if units(4, &[1, 2, 3]) {
        Some("UTF-32 (little-endian)")
    } else if units(4, &[0, 1, 2]) {
        Some("UTF-32 (big-endian)")
    } else if units(2, &[1]) {
        Some("UTF-16 (little-endian)")
    } else if units(2, &[0]) {
        Some("UTF-16 (big-endian)")
    } else {
        None
    }
}

fn migrate(mut doc: Document) -> Result<Document, FileError> {
    if doc.version > CURRENT_VERSION {
        return Err(FileError::TooNew {
            found: doc.version,
            path: None,
        });
    }
    // Version 0 (no version field) is read as version 1: nothing has changed yet.
    doc.version = CURRENT_VERSION;
    Ok(doc)
}

/// Write a document as pretty RON in a stable order (struct fields in declaration
/// order, maps sorted), so saved files diff cleanly.
///
/// # Errors
/// [`FileError::Serialize`] if the document cannot be represented (not expected).
pub fn to_ron_string(doc: &Document) -> Result<String, FileError> {
    let pretty = ron::ser::PrettyConfig::new()
        .indentor("    ".to_owned())
        .struct_names(false)
        .separate_tuple_members(false)
        .enumerate_arrays(false);
    let mut text = ron_options()
        .to_string_pretty(doc, pretty)
        .map_err(|e| FileError::Serialize(e.to_string()))?;
    text.push('\n');
    Ok(text)
}

/// Read a document from a file: at most [`MAX_FILE_BYTES`], then as [`from_bytes`].
///
/// # Errors
/// [`FileError::Io`] when the file cannot be read, [`FileError::TooLarge`] when it is
/// too big (checked before reading it), otherwise as [`from_bytes`], with the path
/// attached.
pub fn load(path: &Path) -> Result<Document, FileError> {
    use std::io::Read;
    let io = |cause| FileError::Io {
        action: "read",
        path: path.to_owned(),
        cause,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let too_large = |size| FileError::TooLarge {
        size,
        path: Some(path.to_owned()),
    };
    // The size on disk, when the file has one (a pipe or a device says 0), refuses a
    // huge file before reading; the bounded read catches the rest.
    if let Ok(meta) = file.metadata()
        && meta.len() > MAX_FILE_BYTES
    {
        return Err(too_large(Some(meta.len())));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(None));
    }
    from_bytes(&bytes, Some(path))
}

/// Save a document atomically: write a temporary file next to the target, flush it to
/// disk, then rename it over the target, so a crash never leaves a half-written design.
///
/// # Errors
/// [`FileError::Io`] when the directory is not writable or the disk is full; the old file
/// is then left untouched.
pub fn save(doc: &Document, path: &Path) -> Result<(), FileError> {
    let text = to_ron_string(doc)?;
    write_atomic(path, text.as_bytes())
}

/// Write bytes to `path` atomically (temporary file in the same directory + rename).
///
/// # Errors
/// [`FileError::Io`] naming `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let io = |cause| FileError::Io {
        action: "write",
        path: path.to_owned(),
        cause,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MM1: &str = r#"(
        name: "M/M/1",
        scenario: (duration: "1h", seed: 7),
        components: [
            (id: "clients", kind: Producer(arrivals: Poisson(rate_per_s: 0.8))),
            (id: "server", kind: Station(servers: 1, service_ms: Exponential(mean: 1000.0))),
            (id: "done", kind: Sink()),
        ],
        connections: [(from: "clients", to: "server"), (from: "server", to: "done")],
    )"#;

    #[test]
    fn loads_and_round_trips() {
        let doc = from_ron_str(MM1).unwrap();
        assert_eq!(doc.components.len(), 3);
        assert_eq!(doc.scenario.duration, Duration::from_secs(3600));
        assert_eq!(doc.connections[0].weight, 1.0);
        let text = to_ron_string(&doc).unwrap();
        let again = from_ron_str(&text).unwrap();
        assert_eq!(doc, again);
        assert_eq!(text, to_ron_string(&again).unwrap(), "saving is stable");
        assert!(text.contains("kind: Station("), "{text}");
        assert!(text.contains("duration: \"1h\""), "{text}");
    }

    #[test]
    fn parse_errors_carry_position() {
        let err = from_ron_str(
            "(\n  name: \"x\",\n  components: [ (id: \"a\", kind: Teleporter()) ],\n)",
        )
        .unwrap_err();
        match err {
            FileError::Parse { line, message, .. } => {
                assert_eq!(line, 3);
                assert!(message.contains("Teleporter"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_utf8_byte_order_mark_is_skipped() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(MM1.as_bytes());
        assert_eq!(
            from_bytes(&bytes, None).unwrap(),
            from_ron_str(MM1).unwrap()
        );
        // positions count from after the mark, as an editor shows them
        let err = from_bytes(b"\xEF\xBB\xBF(\n  naem: 1)", None).unwrap_err();
        assert!(
            matches!(
                err,
                FileError::Parse {
                    line: 2,
                    column: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        // from_ron_str takes text that kept its mark, too (a paste)
        assert!(from_ron_str("\u{feff}(name: \"x\")").is_ok());
    }

    fn utf16(text: &str, big_endian: bool, mark: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units = if mark { vec![0xFEFF] } else { vec![] };
        for u in units.into_iter().chain(text.encode_utf16()) {
            let b = if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            };
            out.extend_from_slice(&b);
        }
        out
    }

    #[test]
    fn utf16_and_utf32_are_named() {
        let path = Path::new("design.ron");
        for (bytes, name) in [
            (utf16(MM1, false, true), "UTF-16 (little-endian)"),
            (utf16(MM1, true, true), "UTF-16 (big-endian)"),
            (utf16(MM1, false, false), "UTF-16 (little-endian)"),
            (utf16(MM1, true, false), "UTF-16 (big-endian)"),
            (
                vec![0xFF, 0xFE, 0, 0, b'(', 0, 0, 0],
                "UTF-32 (little-endian)",
            ),
        ] {
            let err = from_bytes(&bytes, Some(path)).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("design.ron looks like {name}; save it as UTF-8")
            );
        }
        let err = from_bytes(&utf16("(name: \"x\")", false, false), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the file looks like UTF-16 (little-endian); save it as UTF-8"
        );
    }

    #[test]
    fn invalid_utf8_names_the_byte_line_and_column() {
        // Latin-1 é (0xE9) on line 2, after "  name: \"caf"
        let err = from_bytes(b"(\n  name: \"caf\xE9\",\n)", Some(Path::new("d.ron"))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "d.ron is not valid UTF-8 at byte offset 14 (line 2, column 13); save it as UTF-8"
        );
        // columns count characters: "é" before the bad byte is one column
        let err = from_bytes(
            "(name: \"é"
                .as_bytes()
                .iter()
                .copied()
                .chain([0xFF, b'"', b')'])
                .collect::<Vec<_>>()
                .as_slice(),
            None,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                FileError::NotUtf8 {
                    offset: 10,
                    line: 1,
                    column: 10,
                    binary: false,
                    ..
                }
            ),
            "{err:?}"
        );
        // the mark counts in the byte offset, not in the column
        let err = from_bytes(b"\xEF\xBB\xBF(\xC3(", None).unwrap_err();
        assert!(
            matches!(
                err,
                FileError::NotUtf8 {
                    offset: 4,
                    line: 1,
                    column: 2,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn binary_files_are_called_binary() {
        // fixed pseudo-random bytes: a PNG header and noise
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let mut x = 0x2545_F491u32;
        for _ in 0..4096 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            bytes.push(x.to_le_bytes()[0]);
        }
        let err = from_bytes(&bytes, Some(Path::new("image.png"))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "image.png is not a text file: it is not valid UTF-8 at byte offset 0 (line 1, column 1)"
        );
        // noise alone (no NUL pattern of UTF-16) gets the same kind of message
        let err = from_bytes(&bytes[16..], None).unwrap_err();
        assert!(
            matches!(err, FileError::NotUtf8 { binary: true, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn huge_files_are_refused_before_reading() {
        let dir = std::env::temp_dir().join(format!("spillway-huge-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("huge.ron");
        // sparse: no disk space used, and load must not read it
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(80 * 1024 * 1024).unwrap();
        drop(f);
        let err = load(&path).unwrap_err();
        assert!(matches!(err, FileError::TooLarge { size: Some(s), .. } if s == 80 * 1024 * 1024));
        assert_eq!(
            err.to_string(),
            format!(
                "{} is 80.0 MiB; a design file may be at most 64 MiB",
                path.display()
            )
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn rejects_newer_versions() {
        assert!(matches!(
            from_ron_str("(version: 99)"),
            Err(FileError::TooNew { found: 99, .. })
        ));
    }

    #[test]
    fn save_is_atomic_and_loadable() {
        let dir = std::env::temp_dir().join(format!("spillway-save-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("design.ron");
        let doc = from_ron_str(MM1).unwrap();
        save(&doc, &path).unwrap();
        assert_eq!(load(&path).unwrap(), doc);
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bucket_width_is_round() {
        let s = Scenario {
            duration: Duration::from_secs(600),
            ..Scenario::default()
        };
        assert_eq!(s.bucket_width(), Duration::from_secs(5));
        let s = Scenario {
            duration: Duration::from_secs(3600),
            ..Scenario::default()
        };
        assert_eq!(s.bucket_width(), Duration::from_secs(20));
    }
}

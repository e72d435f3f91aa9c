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
pub mod text;
mod validate;
pub mod work;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use component::{
    Component, ComponentKind, DeadLetterQueue, Jitter, KeySpace, Producer, Retry, Routing, Sink,
    Source, Station, Throttle, sdk_standard_retry,
};
pub use dist::{Arrivals, Dist, ProfilePoint, gamma_fn, lognormal_sigma, profile_rate};
pub use duration::{Duration, DurationError, MAX_DURATION_NS, NS_PER_MS, NS_PER_S};
pub use text::{has_unsafe_chars, printable};
pub use validate::{Problem, Severity, Subject, validate};

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

#[allow(clippy::trivially_copy_pass_by_ref, clippy::float_cmp)]
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
    /// The text is not a valid document.
    #[error("{message} at line {line}, column {column}{}", path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default())]
    Parse {
        /// What is wrong.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
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

fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(
        ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES
            | ron::extensions::Extensions::IMPLICIT_SOME,
    )
}

/// Parse a document from RON text. Errors carry line and column.
///
/// # Errors
/// [`FileError::Parse`] for malformed text or unknown kinds and fields;
/// [`FileError::TooNew`] for a newer format version.
pub fn from_ron_str(text: &str) -> Result<Document, FileError> {
    let doc: Document = ron_options().from_str(text).map_err(|e| FileError::Parse {
        message: e.code.to_string(),
        line: e.span.start.line,
        column: e.span.start.col,
        path: None,
    })?;
    migrate(doc)
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

/// Read a document from a file.
///
/// # Errors
/// [`FileError::Io`] when the file cannot be read, otherwise as [`from_ron_str`], with the
/// path attached.
pub fn load(path: &Path) -> Result<Document, FileError> {
    let text = std::fs::read_to_string(path).map_err(|cause| FileError::Io {
        action: "read",
        path: path.to_owned(),
        cause,
    })?;
    from_ron_str(&text).map_err(|e| match e {
        FileError::Parse {
            message,
            line,
            column,
            ..
        } => FileError::Parse {
            message,
            line,
            column,
            path: Some(path.to_owned()),
        },
        FileError::TooNew { found, .. } => FileError::TooNew {
            found,
            path: Some(path.to_owned()),
        },
        other => other,
    })
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

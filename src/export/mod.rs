//! Exporters: each takes the document (and, where it shows results, the combined
//! `spillway.report/1` JSON with its `cost`) and returns text. No I/O here: the CLI and the
//! GUI decide where the bytes go.
//!
//! | format | module | results |
//! |---|---|---|
//! | SVG diagram | [`svg`] (geometry from [`crate::diagram`]) | no |
//! | Mermaid flowchart | [`mermaid`] | no |
//! | Graphviz DOT | [`dot`] | no |
//! | Markdown spec | [`markdown`] (+ [`chart`]) | optional |
//! | AsyncAPI 3.0.0 | [`asyncapi`] | optional (`x-spillway-simulated`) |
//!
//! CSV time series and the JSON report come from the report itself (the CLI's `run`
//! code paths). Every exporter is deterministic: the same input gives the same bytes.

pub mod asyncapi;
pub mod chart;
pub mod dot;
pub mod markdown;
pub mod mermaid;
pub mod svg;

use std::fmt;
use std::str::FromStr;

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

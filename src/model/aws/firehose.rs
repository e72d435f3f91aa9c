//! Amazon Data Firehose delivery stream.

use serde::{Deserialize, Serialize};

use crate::model::{Dist, Duration, Severity};

/// An Amazon Data Firehose delivery stream: a buffer, not a queue.
///
/// Records collect in a buffer that is flushed when it holds `buffer_mb` MiB or
/// `buffer_interval` after its first record arrived, whichever comes first, so records
/// may wait up to the interval (default 300 s). A flushed batch optionally goes through
/// the `transform` Lambda function (one synchronous call per batch), takes
/// `delivery_latency_ms` to write, and is then delivered to each delivery link as one
/// call (an S3 bucket stores one object per flush). A destination that fails is retried
/// with backoff for `retry_duration` (24 h for S3), then the batch goes to the
/// on-failure links.
///
/// Figures: <https://docs.aws.amazon.com/goto/WebAPI/firehose-2015-08-04/BufferingHints>,
/// <https://github.com/awsdocs/amazon-kinesis-data-firehose-developer-guide/blob/06060113e2b352f47b8079f8d7cb5634fff3af19/doc_source/basic-deliver.md>.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Firehose {
    /// Buffer size hint in MiB (default 5, 1..=128:
    /// <https://docs.aws.amazon.com/goto/WebAPI/firehose-2015-08-04/BufferingHints>).
    pub buffer_mb: f64,
    /// Buffer interval hint (default 300 s, 0..=900 s, same page).
    pub buffer_interval: Duration,
    /// Id of a Lambda function that transforms each flushed batch (invoked
    /// synchronously before delivery); none = no transformation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transform: Option<String>,
    /// Time to write one flushed batch to the destination, in ms (default log-normal,
    /// median 200 ms, p99 1 s: ours, not published by AWS).
    pub delivery_latency_ms: Dist,
    /// How long a failing destination is retried before the batch is given up (default
    /// 24 h, the S3 destination's:
    /// <https://github.com/awsdocs/amazon-kinesis-data-firehose-developer-guide/blob/06060113e2b352f47b8079f8d7cb5634fff3af19/doc_source/basic-deliver.md>;
    /// Redshift, OpenSearch, Splunk and HTTP endpoints allow 0..=7,200 s).
    pub retry_duration: Duration,
}

impl Default for Firehose {
    fn default() -> Self {
        Firehose {
            buffer_mb: 5.0,
            buffer_interval: Duration::from_secs(300),
            transform: None,
            delivery_latency_ms: Dist::LogNormal {
                p50: 200.0,
                p99: 1_000.0,
            },
            retry_duration: Duration::from_secs(24 * 3_600),
        }
    }
}

impl Firehose {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        let mut out = Vec::new();
        if !self.buffer_mb.is_finite() || !(1.0..=128.0).contains(&self.buffer_mb) {
            out.push((
                Severity::Error,
                format!(
                    "buffer_mb must be between 1 and 128, got {}",
                    self.buffer_mb
                ),
            ));
        }
        if self.buffer_interval > Duration::from_secs(900) {
            out.push((
                Severity::Error,
                format!(
                    "buffer_interval must be at most 900s, got {}",
                    self.buffer_interval
                ),
            ));
        }
        if let Some(t) = &self.transform
            && t.is_empty()
        {
            out.push((
                Severity::Error,
                "transform must name a Lambda component (or be left out)".to_owned(),
            ));
        }
        for p in self.delivery_latency_ms.problems() {
            out.push((Severity::Error, format!("delivery_latency_ms: {p}")));
        }
        out
    }
}

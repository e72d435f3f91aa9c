//! Kinesis data stream or Kafka topic, and the event-source mapping its consumers read
//! it through.

use serde::{Deserialize, Serialize};

use crate::model::{Duration, Severity};

/// Largest Kinesis ESM batch (10,000 records), a hard limit:
/// <https://github.com/awsdocs/aws-lambda-developer-guide/blob/03f7fcb0b771f031f7cb3aa43e8b18407c00b3a8/doc_source/with-kinesis.md>.
pub const ESM_MAX_BATCH_SIZE: u32 = 10_000;
/// Largest parallelization factor of a stream event-source mapping (10 concurrent
/// batches per shard), a hard limit, same page.
pub const ESM_MAX_PARALLELIZATION: u32 = 10;
/// Most shards (Kafka: partitions) of one stream the simulator will build: 100,000. Each
/// shard holds state for every consumer and every unit of its parallelization factor,
/// so this bounds memory; it is ours, five times the adjustable Kinesis account quota of
/// 20,000 shards in us-east-1
/// (<https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html>).
pub const MAX_SHARDS: u32 = 100_000;
/// The default Kinesis shard quota of an account in us-east-1: 20,000, adjustable (same
/// page); more only warns.
pub const KINESIS_SHARD_QUOTA: u32 = 20_000;
/// Most consumer lanes of one stream (shards x parallelization factor x consumers), each
/// a reader with its own queue: 1,000,000 (ours, a bound on memory).
pub const MAX_STREAM_LANES: u64 = 1_000_000;
/// Longest batching window (300 s), same page.
const MAX_WINDOW_S: u64 = 300;
/// Largest MaximumRetryAttempts (10,000), same page.
const MAX_RETRIES: u32 = 10_000;
/// Longest MaximumRecordAgeInSeconds (604,800 s = 7 days), same page.
const MAX_RECORD_AGE_S: u64 = 604_800;
/// Longest retention, 8,760 h (365 days):
/// <https://github.com/awsdocs/amazon-kinesis-data-streams-developer-guide/blob/61aeec14d333cc3450e4f143101a67111a7e9239/doc_source/service-sizes-and-limits.md>.
const MAX_RETENTION_S: u64 = 8_760 * 3_600;

/// How a consumer (a Lambda event-source mapping, or any poller of the same kind)
/// reads an ordered stream: batches per shard, retries that block the shard, and the
/// escape hatches. Used by Kinesis streams, Kafka topics and DynamoDB streams.
///
/// Defaults and ranges: the Kinesis ESM rows of
/// <https://github.com/awsdocs/aws-lambda-developer-guide/blob/03f7fcb0b771f031f7cb3aa43e8b18407c00b3a8/doc_source/with-kinesis.md>.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventSourceMapping {
    /// Records per invocation, at most (default 100, 1..=10,000).
    pub batch_size: u32,
    /// How long to gather records before invoking (default 0 s, at most 300 s).
    pub batch_window: Duration,
    /// Concurrent batches per shard (1..=10, default 1); records with the same key stay
    /// in order.
    pub parallelization_factor: u32,
    /// Retries of a batch whose invocation returned an error before its records go to
    /// the on-failure links; none (the default, AWS's -1) retries until the records
    /// expire. Throttled invocations do not count against it: they are retried until
    /// the records are too old
    /// (<https://docs.amazonaws.cn/en_us/lambda/latest/dg/kinesis-on-failure-destination.md>).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_retry_attempts: Option<u32>,
    /// Records older than this are not retried (nor sent) any more but go to the
    /// on-failure links; none (the default, AWS's -1) means the stream's retention.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_record_age: Option<Duration>,
    /// Split a batch whose invocation returned an error in two halves and retry each;
    /// splitting does not count against `max_retry_attempts` (default false).
    pub bisect_on_error: bool,
    /// The consumer reports which records failed (ReportBatchItemFailures): only those
    /// are retried (default false).
    pub report_batch_item_failures: bool,
    /// How often an idle poller reads each shard (about once per second for a
    /// shared-throughput consumer, the default).
    pub poll_interval: Duration,
}

impl Default for EventSourceMapping {
    fn default() -> Self {
        EventSourceMapping {
            batch_size: 100,
            batch_window: Duration::ZERO,
            parallelization_factor: 1,
            max_retry_attempts: None,
            max_record_age: None,
            bisect_on_error: false,
            report_batch_item_failures: false,
            poll_interval: Duration::from_secs(1),
        }
    }
}

impl EventSourceMapping {
    /// What is wrong with these settings.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        let mut out = Vec::new();
        let mut err = |m: String| out.push((Severity::Error, m));
        if self.batch_size == 0 || self.batch_size > ESM_MAX_BATCH_SIZE {
            err(format!(
                "batch_size must be between 1 and {ESM_MAX_BATCH_SIZE}, got {}",
                self.batch_size
            ));
        }
        if self.batch_window.ns > MAX_WINDOW_S * 1_000_000_000 {
            err(format!(
                "batch_window must be at most {MAX_WINDOW_S}s, got {}",
                self.batch_window
            ));
        }
        if !(1..=ESM_MAX_PARALLELIZATION).contains(&self.parallelization_factor) {
            err(format!(
                "parallelization_factor must be between 1 and {ESM_MAX_PARALLELIZATION}, got {}",
                self.parallelization_factor
            ));
        }
        if let Some(n) = self.max_retry_attempts
            && n > MAX_RETRIES
        {
            err(format!(
                "max_retry_attempts must be at most {MAX_RETRIES}, got {n}"
            ));
        }
        if let Some(a) = self.max_record_age
            && (a.ns == 0 || a.ns > MAX_RECORD_AGE_S * 1_000_000_000)
        {
            err(format!(
                "max_record_age must be longer than zero and at most 7 days, got {a}"
            ));
        }
        if self.poll_interval.ns == 0 {
            err("poll_interval must be longer than zero".to_owned());
        }
        out
    }
}

/// An Amazon Kinesis data stream (kind `KinesisStream`) or an Apache Kafka topic on
/// Amazon MSK (kind `KafkaTopic`): a retained, partitioned log.
///
/// A record goes to the shard (partition) given by a hash of its partition key (a
/// random shard when it has none), so a hot key saturates one shard while the others
/// idle. A Kinesis shard accepts 1,000 records/s and 1 MiB/s; writes above that are
/// refused (ProvisionedThroughputExceeded) and the producer retries them. Every
/// delivery link is a consumer reading the whole stream through an event-source
/// mapping (the `batch_size` ... `poll_interval` fields): per shard, in order, a
/// failing batch blocking its shard until it succeeds, runs out of retries or grows
/// too old, then going to the on-failure links. Records never read within `retention`
/// expire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Stream {
    /// Shards (Kafka: partitions), default 4 (an on-demand Kinesis stream starts with
    /// 4 MB/s of write capacity, i.e. 4 shards:
    /// <https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html>).
    pub shards: u32,
    /// Kinesis only: on-demand capacity mode, billed per stream-hour and GB instead of
    /// shard-hours and PUT units (default false). The shard count stays `shards`; the
    /// automatic scaling of on-demand streams is not modelled.
    pub on_demand: bool,
    /// Records per second one shard accepts; none (the default) = the service's own:
    /// 1,000 for a Kinesis shard
    /// (<https://docs.aws.amazon.com/streams/latest/dev/working-with-streams.html>), no
    /// limit for a Kafka partition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard_records_per_s: Option<f64>,
    /// Bytes per second one shard accepts; none (the default) = the service's own: 1 MiB
    /// for a Kinesis shard (same page), no limit for a Kafka partition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard_bytes_per_s: Option<f64>,
    /// How long records are kept (default 24 h, at most 365 days:
    /// <https://github.com/awsdocs/amazon-kinesis-data-streams-developer-guide/blob/61aeec14d333cc3450e4f143101a67111a7e9239/doc_source/service-sizes-and-limits.md>).
    pub retention: Duration,
    /// Kafka only: brokers of the MSK cluster, billed per broker-hour (default 3, ours:
    /// one per availability zone).
    pub brokers: u32,
    /// Records per invocation of each consumer (default 100, 1..=10,000).
    pub batch_size: u32,
    /// How long a consumer gathers records before invoking (default 0 s, at most 300 s).
    pub batch_window: Duration,
    /// Concurrent batches per shard per consumer (1..=10, default 1).
    pub parallelization_factor: u32,
    /// Retries of a batch whose invocation returned an error; none = until the records
    /// expire (see [`EventSourceMapping::max_retry_attempts`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_retry_attempts: Option<u32>,
    /// Give up on records older than this; none = the retention.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_record_age: Option<Duration>,
    /// Split a failing batch in two and retry each half (default false).
    pub bisect_on_error: bool,
    /// Consumers report which records failed; only those are retried (default false).
    pub report_batch_item_failures: bool,
    /// How often an idle poller reads each shard (default 1 s).
    pub poll_interval: Duration,
}

/// Kinesis shard write limit in records per second.
pub const KINESIS_SHARD_RECORDS_PER_S: f64 = 1_000.0;
/// Kinesis shard write limit in bytes per second (1 MiB).
pub const KINESIS_SHARD_BYTES_PER_S: f64 = 1_048_576.0;

impl Default for Stream {
    fn default() -> Self {
        let esm = EventSourceMapping::default();
        Stream {
            shards: 4,
            on_demand: false,
            shard_records_per_s: None,
            shard_bytes_per_s: None,
            retention: Duration::from_secs(24 * 3_600),
            brokers: 3,
            batch_size: esm.batch_size,
            batch_window: esm.batch_window,
            parallelization_factor: esm.parallelization_factor,
            max_retry_attempts: esm.max_retry_attempts,
            max_record_age: esm.max_record_age,
            bisect_on_error: esm.bisect_on_error,
            report_batch_item_failures: esm.report_batch_item_failures,
            poll_interval: esm.poll_interval,
        }
    }
}

impl Stream {
    /// The consumer settings as one value.
    #[must_use]
    pub fn consumer(&self) -> EventSourceMapping {
        EventSourceMapping {
            batch_size: self.batch_size,
            batch_window: self.batch_window,
            parallelization_factor: self.parallelization_factor,
            max_retry_attempts: self.max_retry_attempts,
            max_record_age: self.max_record_age,
            bisect_on_error: self.bisect_on_error,
            report_batch_item_failures: self.report_batch_item_failures,
            poll_interval: self.poll_interval,
        }
    }

    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        let mut out = Vec::new();
        if self.shards == 0 {
            out.push((Severity::Error, "shards must be at least 1".to_owned()));
        } else if self.shards > MAX_SHARDS {
            out.push((
                Severity::Error,
                format!(
                    "{} shards is more than the supported {MAX_SHARDS}",
                    self.shards
                ),
            ));
        } else if self.shards > KINESIS_SHARD_QUOTA {
            out.push((
                Severity::Warning,
                format!(
                    "{} shards is above the default account quota of {KINESIS_SHARD_QUOTA} (adjustable)",
                    self.shards
                ),
            ));
        }
        for (name, v) in [
            ("shard_records_per_s", self.shard_records_per_s),
            ("shard_bytes_per_s", self.shard_bytes_per_s),
        ] {
            if let Some(v) = v
                && (!v.is_finite() || v <= 0.0)
            {
                out.push((
                    Severity::Error,
                    format!("{name} must be a finite rate above zero, got {v}"),
                ));
            }
        }
        if self.retention.ns == 0 {
            out.push((
                Severity::Error,
                "retention must be longer than zero".to_owned(),
            ));
        } else if self.retention.ns > MAX_RETENTION_S * 1_000_000_000 {
            out.push((
                Severity::Error,
                format!("retention must be at most 365 days, got {}", self.retention),
            ));
        }
        if self.brokers == 0 {
            out.push((Severity::Error, "brokers must be at least 1".to_owned()));
        }
        out.extend(self.consumer().problems());
        out
    }
}

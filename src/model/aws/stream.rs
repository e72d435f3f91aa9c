//! Kinesis data streams and Kafka topics, and the event-source mapping their consumers
//! read them through.

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

/// Declares the parameters of a retained, partitioned log (a Kinesis stream, a Kafka
/// topic): the fields given, with their defaults, followed by the consumers' event-source
/// mapping fields (`batch_size` ... `poll_interval`, see [`EventSourceMapping`]), which
/// both kinds share and files write flat.
macro_rules! log_params {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty = $default:expr, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
            /// Records per invocation of each consumer (default 100, 1..=10,000).
            pub batch_size: u32,
            /// How long a consumer gathers records before invoking (default 0 s, at most
            /// 300 s).
            pub batch_window: Duration,
            /// Concurrent batches per shard per consumer (1..=10, default 1).
            pub parallelization_factor: u32,
            /// Retries of a batch whose invocation returned an error; none = until the
            /// records expire (see [`EventSourceMapping::max_retry_attempts`]).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub max_retry_attempts: Option<u32>,
            /// Give up on records older than this; none = the retention.
            #[serde(skip_serializing_if = "Option::is_none")]
            pub max_record_age: Option<Duration>,
            /// Split a failing batch in two and retry each half (default false).
            pub bisect_on_error: bool,
            /// Consumers report which records failed; only those are retried (default
            /// false).
            pub report_batch_item_failures: bool,
            /// How often an idle poller reads each shard (default 1 s).
            pub poll_interval: Duration,
        }

        impl Default for $name {
            fn default() -> Self {
                let esm = EventSourceMapping::default();
                $name {
                    $( $field: $default, )*
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

        impl $name {
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
        }
    };
}

log_params! {
    /// An Amazon Kinesis data stream (kind `KinesisStream`): a retained, sharded log.
    ///
    /// A record goes to the shard given by a hash of its partition key (a random shard
    /// when it has none), so a hot key saturates one shard while the others idle. A
    /// shard accepts 1,000 records/s and 1 MiB/s; writes above that are refused
    /// (ProvisionedThroughputExceeded) and the producer retries them. Every delivery
    /// link is a consumer reading the whole stream through an event-source mapping (the
    /// `batch_size` ... `poll_interval` fields): per shard, in order, a failing batch
    /// blocking its shard until it succeeds, runs out of retries or grows too old, then
    /// going to the on-failure links. Records never read within `retention` expire.
    pub struct KinesisStream {
        /// Shards, default 4 (an on-demand stream starts with 4 MB/s of write capacity,
        /// i.e. 4 shards:
        /// <https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html>).
        pub shards: u32 = 4,
        /// On-demand capacity mode, billed per stream-hour and GB instead of
        /// shard-hours and PUT units (default false). The shard count stays `shards`;
        /// the automatic scaling of on-demand streams is not modelled.
        pub on_demand: bool = false,
        /// Records per second one shard accepts; none (the default) = 1,000
        /// (<https://docs.aws.amazon.com/streams/latest/dev/working-with-streams.html>).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub shard_records_per_s: Option<f64> = None,
        /// Bytes per second one shard accepts; none (the default) = 1 MiB (same page).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub shard_bytes_per_s: Option<f64> = None,
        /// How long records are kept (default 24 h, at most 365 days:
        /// <https://github.com/awsdocs/amazon-kinesis-data-streams-developer-guide/blob/61aeec14d333cc3450e4f143101a67111a7e9239/doc_source/service-sizes-and-limits.md>).
        pub retention: Duration = Duration::from_secs(24 * 3_600),
        /// Not a Kinesis parameter: files saved before Kafka topics had parameters of
        /// their own wrote `brokers` for Kinesis streams too. Read so that they load,
        /// never written; a value other than the 3 those files wrote is warned about, as
        /// a stream ignores it.
        #[serde(skip_serializing)]
        pub brokers: Option<u32> = None,
    }
}

log_params! {
    /// An Apache Kafka topic on Amazon MSK (kind `KafkaTopic`): a retained, partitioned
    /// log on a provisioned cluster billed per broker-hour.
    ///
    /// Records are placed and consumed as in a [`KinesisStream`] (a partition per
    /// shard), except that a partition has no write limit unless one is set.
    pub struct KafkaTopic {
        /// Partitions, default 4 (ours).
        pub shards: u32 = 4,
        /// Records per second one partition accepts; none (the default) = no limit.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub shard_records_per_s: Option<f64> = None,
        /// Bytes per second one partition accepts; none (the default) = no limit.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub shard_bytes_per_s: Option<f64> = None,
        /// How long records are kept: default 7 days, Apache Kafka's
        /// `log.retention.hours` of 168, which MSK keeps
        /// (<https://kafka.apache.org/22/configuration/_print>); at most 365 days (ours,
        /// as for Kinesis).
        pub retention: Duration = Duration::from_secs(KAFKA_RETENTION_S),
        /// Brokers of the MSK cluster, billed per broker-hour (default 3, ours: one per
        /// availability zone).
        pub brokers: u32 = 3,
        /// Not a Kafka parameter: files saved before Kafka topics had parameters of their
        /// own wrote `on_demand` for Kafka topics too. Read so that they load, never
        /// written; `true` is warned about, as a topic ignores it.
        #[serde(skip_serializing)]
        pub on_demand: Option<bool> = None,
    }
}

/// Kafka's default retention, `log.retention.hours` = 168 (7 days), in seconds.
pub const KAFKA_RETENTION_S: u64 = 168 * 3_600;
/// The `brokers` value every Kinesis stream saved before the split wrote.
const LEGACY_BROKERS: u32 = 3;

/// Kinesis shard write limit in records per second.
pub const KINESIS_SHARD_RECORDS_PER_S: f64 = 1_000.0;
/// Kinesis shard write limit in bytes per second (1 MiB).
pub const KINESIS_SHARD_BYTES_PER_S: f64 = 1_048_576.0;

/// What is wrong with the parameters both logs share: shards, write limits, retention
/// and the consumers' mapping. `quota` is the account's default shard quota, if the
/// service has one (Kinesis does; a Kafka topic's partitions are limited by its
/// brokers instead).
fn log_problems(
    shards: u32,
    quota: Option<u32>,
    rates: [(&str, Option<f64>); 2],
    retention: Duration,
    consumer: &EventSourceMapping,
) -> Vec<(Severity, String)> {
    let mut out = Vec::new();
    if shards == 0 {
        out.push((Severity::Error, "shards must be at least 1".to_owned()));
    } else if shards > MAX_SHARDS {
        out.push((
            Severity::Error,
            format!("{shards} shards is more than the supported {MAX_SHARDS}"),
        ));
    } else if let Some(quota) = quota
        && shards > quota
    {
        out.push((
            Severity::Warning,
            format!("{shards} shards is above the default account quota of {quota} (adjustable)"),
        ));
    }
    for (name, v) in rates {
        if let Some(v) = v
            && (!v.is_finite() || v <= 0.0)
        {
            out.push((
                Severity::Error,
                format!("{name} must be a finite rate above zero, got {v}"),
            ));
        }
    }
    if retention.ns == 0 {
        out.push((
            Severity::Error,
            "retention must be longer than zero".to_owned(),
        ));
    } else if retention.ns > MAX_RETENTION_S * 1_000_000_000 {
        out.push((
            Severity::Error,
            format!("retention must be at most 365 days, got {retention}"),
        ));
    }
    out.extend(consumer.problems());
    out
}

impl KinesisStream {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        let mut out = log_problems(
            self.shards,
            Some(KINESIS_SHARD_QUOTA),
            [
                ("shard_records_per_s", self.shard_records_per_s),
                ("shard_bytes_per_s", self.shard_bytes_per_s),
            ],
            self.retention,
            &self.consumer(),
        );
        if let Some(b) = self.brokers.filter(|&b| b != LEGACY_BROKERS) {
            out.push((
                Severity::Warning,
                format!(
                    "brokers ({b}) is a Kafka parameter; a Kinesis stream ignores it: remove it"
                ),
            ));
        }
        out
    }
}

impl KafkaTopic {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        let mut out = log_problems(
            self.shards,
            None,
            [
                ("shard_records_per_s", self.shard_records_per_s),
                ("shard_bytes_per_s", self.shard_bytes_per_s),
            ],
            self.retention,
            &self.consumer(),
        );
        if self.brokers == 0 {
            out.push((Severity::Error, "brokers must be at least 1".to_owned()));
        }
        if self.on_demand == Some(true) {
            out.push((
                Severity::Warning,
                "on_demand is a Kinesis parameter; a Kafka topic ignores it (MSK brokers are billed per hour): remove it".to_owned(),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ComponentKind;

    fn warnings(kind: &str) -> Vec<String> {
        let c: ComponentKind = crate::model::ron_options().from_str(kind).unwrap();
        let problems = match &c {
            ComponentKind::KinesisStream(p) => p.problems(),
            ComponentKind::KafkaTopic(p) => p.problems(),
            other => panic!("{other:?}"),
        };
        problems
            .into_iter()
            .filter(|(s, _)| *s == Severity::Warning)
            .map(|(_, m)| m)
            .collect()
    }

    #[test]
    fn only_kinesis_has_an_account_shard_quota() {
        let w = warnings("KinesisStream(shards: 20001)");
        assert_eq!(
            w,
            ["20001 shards is above the default account quota of 20000 (adjustable)"]
        );
        assert!(warnings("KinesisStream(shards: 20000)").is_empty());
        // a topic's partitions are bounded by its brokers, not by a Kinesis quota
        assert!(warnings("KafkaTopic(shards: 20001)").is_empty());
    }

    #[test]
    fn old_files_with_the_other_kinds_fields_load() {
        // what the saver wrote for every stream and topic before the split
        assert!(warnings("KinesisStream(shards: 2, on_demand: false, brokers: 3)").is_empty());
        assert!(warnings("KafkaTopic(shards: 2, on_demand: false, brokers: 3)").is_empty());
        // a value that would have meant something is not ignored silently
        let w = warnings("KafkaTopic(on_demand: true)");
        assert!(
            w.len() == 1 && w[0].contains("on_demand is a Kinesis parameter"),
            "{w:?}"
        );
        let w = warnings("KinesisStream(brokers: 6)");
        assert!(
            w.len() == 1 && w[0].contains("brokers (6) is a Kafka parameter"),
            "{w:?}"
        );
    }

    #[test]
    fn legacy_fields_are_not_written_back() {
        let c: ComponentKind = crate::model::ron_options()
            .from_str("KafkaTopic(on_demand: true)")
            .unwrap();
        let text = ron::to_string(&c).unwrap();
        assert!(!text.contains("on_demand"), "{text}");
        let text = ron::to_string(&ComponentKind::KinesisStream(KinesisStream {
            brokers: Some(5),
            ..KinesisStream::default()
        }))
        .unwrap();
        assert!(!text.contains("brokers"), "{text}");
    }

    #[test]
    fn kafka_keeps_records_a_week_and_kinesis_a_day() {
        assert_eq!(
            KafkaTopic::default().retention,
            Duration::from_secs(7 * 86_400)
        );
        assert_eq!(
            KinesisStream::default().retention,
            Duration::from_secs(86_400)
        );
    }
}

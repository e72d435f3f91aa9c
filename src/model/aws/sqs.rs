//! Amazon SQS queue (standard or FIFO) and the pollers of its consumers.

use serde::{Deserialize, Serialize};

use crate::model::{Duration, NS_PER_S, Severity};

/// Amazon SQS queue, standard or FIFO, with the pollers of its consumers.
///
/// A message sent to the queue becomes visible after `delivery_delay`. Each delivery
/// link is one consumer (a Lambda event-source mapping or a polling service); consumers
/// of one queue compete for its messages. A poller receives up to `batch_size` visible
/// messages (waiting up to `batch_window` to fill a batch), which makes them invisible
/// and counts a receive for each, then invokes its consumer with the batch. A successful
/// batch is deleted; a failed or throttled one stays invisible until
/// `visibility_timeout` after its receive and then becomes visible again, unless it has
/// reached `max_receive_count` receives, in which case it moves to the queue's
/// dead-letter link. Messages older than `retention` are deleted (lost). FIFO queues
/// deliver each message group (`key`) strictly in order: while a message of a group is
/// in flight, later messages of that group are held back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SqsQueue {
    /// FIFO queue (strict order per message group, limited throughput, FIFO prices)
    /// instead of a standard queue (best-effort order, nearly unlimited throughput).
    /// Default false. Throughput figures:
    /// <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html>
    pub fifo: bool,
    /// How long a received message stays invisible before it can be received again
    /// (default 30 s, at most 12 h:
    /// <https://github.com/awsdocs/amazon-sqs-developer-guide/blob/39de636dd41007e232595165587ba162ddc491f4/doc_source/sqs-visibility-timeout.md>).
    pub visibility_timeout: Duration,
    /// How long a message may stay in the queue, counted from when it entered this
    /// queue (default 4 days, 60 s to 14 days:
    /// <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html>).
    pub retention: Duration,
    /// Redrive policy: after this many receives without a delete, the message moves to
    /// the queue's dead-letter link(s) (maxReceiveCount 5 = moved after the 5th
    /// unsuccessful receive:
    /// <https://github.com/awsdocs/amazon-sqs-developer-guide/blob/39de636dd41007e232595165587ba162ddc491f4/doc_source/sqs-dead-letter-queues.md>).
    /// None (default) = no redrive policy: messages are redelivered until retention.
    /// AWS recommends at least 5 for Lambda consumers
    /// (<https://github.com/awsdocs/aws-lambda-developer-guide/blob/03f7fcb0b771f031f7cb3aa43e8b18407c00b3a8/doc_source/with-sqs.md>).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_receive_count: Option<u32>,
    /// Delay before a sent message becomes visible (default 0, at most 15 min:
    /// <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html>).
    pub delivery_delay: Duration,
    /// Most messages per batch handed to a consumer (default 10; at most 10 for FIFO
    /// queues and 10,000 for standard queues:
    /// <https://github.com/awsdocs/aws-lambda-developer-guide/blob/03f7fcb0b771f031f7cb3aa43e8b18407c00b3a8/doc_source/with-sqs.md>).
    /// One ReceiveMessage call returns at most 10
    /// (<https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html>).
    pub batch_size: u32,
    /// How long a poller waits to fill a batch when fewer than `batch_size` messages are
    /// visible (default 0, at most 300 s, at least 1 s when `batch_size` is over 10:
    /// <https://github.com/awsdocs/aws-lambda-developer-guide/blob/03f7fcb0b771f031f7cb3aa43e8b18407c00b3a8/doc_source/with-sqs.md>).
    pub batch_window: Duration,
    /// Most batches in flight per consumer. For a Lambda consumer this is the event
    /// source mapping's MaximumConcurrency (2 to 1,000; none = up to 1,000:
    /// <https://docs.aws.amazon.com/lambda/latest/dg/API_ScalingConfig.html>); for other
    /// consumers it is the number of pollers (none = one per worker slot of a
    /// container service's largest fleet, 10 for other kinds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<u32>,
    /// Partial batch responses (ReportBatchItemFailures): only the failed messages of a
    /// batch return to the queue; otherwise (default) a failure returns the whole batch
    /// (<https://github.com/awsdocs/aws-lambda-developer-guide/blob/03f7fcb0b771f031f7cb3aa43e8b18407c00b3a8/doc_source/with-sqs.md>).
    pub report_batch_item_failures: bool,
    /// Wait time of each ReceiveMessage (long polling; default 20 s, 0 to 20 s, 0 =
    /// short polling:
    /// <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html>).
    /// An idle poller makes one empty, billed receive per wait (every call is billed:
    /// <https://unanswered.io/guide/aws-sqs-pricing-and-cost-optimization>); with short
    /// polling the model makes one per second.
    pub long_poll: Duration,
    /// FIFO queues only: messages per second accepted before sends are throttled
    /// (default 3,000: 300 API calls per second per action, batches of 10:
    /// <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/troubleshooting-fifo-throttling-issues.html>;
    /// up to 70,000 in high-throughput mode: <https://aws.amazon.com/jp/sqs/features/>).
    /// The bucket holds one second's worth.
    pub fifo_throughput_per_s: f64,
}

/// Smallest MaximumConcurrency of an SQS event-source mapping (a Lambda consumer): 2
/// (<https://docs.aws.amazon.com/lambda/latest/dg/API_ScalingConfig.html>).
pub const SQS_ESM_MIN_CONCURRENCY: u32 = 2;
/// Largest MaximumConcurrency of an SQS event-source mapping: 1,000 (same page).
pub const SQS_ESM_MAX_CONCURRENCY: u32 = 1000;
/// Most pollers a consumer other than a Lambda function may have (`max_concurrency`):
/// 1,000,000 (ours; each poller makes its own receives).
pub const SQS_MAX_POLLERS: u32 = 1_000_000;
/// Largest batch of a FIFO queue's consumer: 10 (a hard limit, see `batch_size`).
pub const SQS_FIFO_MAX_BATCH: u32 = 10;
/// Largest batch of a standard queue's consumer: 10,000 (a hard limit, see
/// `batch_size`).
pub const SQS_MAX_BATCH: u32 = 10_000;

/// Longest visibility timeout: 12 h.
const MAX_VISIBILITY_S: u64 = 12 * 3600;
/// Shortest and longest retention: 60 s and 14 days.
const MIN_RETENTION_S: u64 = 60;
const MAX_RETENTION_S: u64 = 14 * 86_400;
/// Longest delivery delay: 15 min.
const MAX_DELAY_S: u64 = 15 * 60;
/// Longest batching window: 300 s.
const MAX_WINDOW_S: u64 = 300;
/// Longest long-poll wait: 20 s.
const MAX_LONG_POLL_S: u64 = 20;

impl Default for SqsQueue {
    fn default() -> Self {
        SqsQueue {
            fifo: false,
            visibility_timeout: Duration::from_secs(30),
            retention: Duration::from_secs(4 * 86_400),
            max_receive_count: None,
            delivery_delay: Duration::ZERO,
            batch_size: 10,
            batch_window: Duration::ZERO,
            max_concurrency: None,
            report_batch_item_failures: false,
            long_poll: Duration::from_secs(20),
            fifo_throughput_per_s: 3000.0,
        }
    }
}

impl SqsQueue {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        let mut out = Vec::new();
        let mut err = |m: String| out.push((Severity::Error, m));
        if self.visibility_timeout.ns == 0 {
            err("visibility_timeout must be longer than zero".into());
        }
        if self.visibility_timeout.ns > MAX_VISIBILITY_S * NS_PER_S {
            err(format!(
                "visibility_timeout must be at most 12h, got {}",
                self.visibility_timeout
            ));
        }
        if self.retention.ns < MIN_RETENTION_S * NS_PER_S
            || self.retention.ns > MAX_RETENTION_S * NS_PER_S
        {
            err(format!(
                "retention must be between 60s and 14d, got {}",
                self.retention
            ));
        }
        if self.max_receive_count == Some(0) {
            err("max_receive_count must be at least 1".into());
        }
        if self.delivery_delay.ns > MAX_DELAY_S * NS_PER_S {
            err(format!(
                "delivery_delay must be at most 15m, got {}",
                self.delivery_delay
            ));
        }
        if self.batch_size == 0 {
            err("batch_size must be at least 1".into());
        }
        if self.fifo && self.batch_size > SQS_FIFO_MAX_BATCH {
            err(format!(
                "batch_size must be at most {SQS_FIFO_MAX_BATCH} for a FIFO queue, got {}",
                self.batch_size
            ));
        }
        if !self.fifo && self.batch_size > SQS_MAX_BATCH {
            err(format!(
                "batch_size must be at most {SQS_MAX_BATCH}, got {}",
                self.batch_size
            ));
        }
        if self.batch_window.ns > MAX_WINDOW_S * NS_PER_S {
            err(format!(
                "batch_window must be at most 300s, got {}",
                self.batch_window
            ));
        }
        if self.batch_size > 10 && self.batch_window.ns < NS_PER_S {
            err(format!(
                "batch_window must be at least 1s when batch_size is over 10 (got batch_size {})",
                self.batch_size
            ));
        }
        if self.max_concurrency == Some(0) {
            err("max_concurrency must be at least 1".into());
        }
        if self.long_poll.ns > MAX_LONG_POLL_S * NS_PER_S {
            err(format!(
                "long_poll must be at most 20s, got {}",
                self.long_poll
            ));
        }
        if !self.fifo_throughput_per_s.is_finite() || self.fifo_throughput_per_s <= 0.0 {
            err(format!(
                "fifo_throughput_per_s must be a positive number, got {}",
                self.fifo_throughput_per_s
            ));
        }
        if self.retention.ns < self.visibility_timeout.ns {
            out.push((
                Severity::Warning,
                "retention is shorter than visibility_timeout: a failed message expires before it can be received again".to_owned(),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_clean_and_ranges_checked() {
        assert!(SqsQueue::default().problems().is_empty());
        let bad = SqsQueue {
            fifo: true,
            batch_size: 20,
            retention: Duration::from_secs(10),
            visibility_timeout: Duration::ZERO,
            ..SqsQueue::default()
        };
        let p: Vec<String> = bad.problems().into_iter().map(|(_, m)| m).collect();
        assert!(p.iter().any(|m| m.contains("FIFO")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("retention")), "{p:?}");
        assert!(
            p.iter().any(|m| m.starts_with("visibility_timeout")),
            "{p:?}"
        );
        assert!(p.iter().any(|m| m.starts_with("batch_window")), "{p:?}");
    }
}

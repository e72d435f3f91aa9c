//! Amazon SNS topic (standard or FIFO).
//!
//! Figures from `shared/reference/aws-services.md`, section 3.

use serde::{Deserialize, Serialize};

use crate::model::{Dist, Severity};

use super::eventbridge::{dist_problems, rate_problems};

/// Amazon SNS topic. Each delivery link is a subscription whose filter is its filter
/// policy; every matching subscription gets a copy (non-matching ones cost nothing and
/// are not failures). A subscriber that refuses is retried with the delivery policy of
/// its protocol (SQS and Lambda: the AWS-managed policy of 100,015 retries over 23
/// days; anything else: the HTTP/S default of 3 retries 20 s apart; a link's `retry`
/// replaces it), then the subscription's `dead_letter` queue, else discarded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SnsTopic {
    /// FIFO topic: strict order per message group (the event's key) to each
    /// subscription, throughput limits per group and per topic, FIFO prices.
    pub fifo: bool,
    /// Publish throughput, messages per second; publishes over it are refused (the
    /// sender retries). 30,000/s in us-east-1 per account, shared by all topics
    /// (<https://docs.aws.amazon.com/general/latest/gr/sns.html>); modelled per topic:
    /// lower it when several topics share the account. Burst: one second's worth (ours).
    pub publish_per_s: f64,
    /// FIFO only: messages per second per message group, 300
    /// (<https://docs.aws.amazon.com/general/latest/gr/sns.html>).
    pub fifo_group_per_s: f64,
    /// FIFO only: messages per second per topic, 3,000 (FifoThroughputScope = Topic;
    /// the 20 MB/s cap is not modelled)
    /// (<https://docs.aws.amazon.com/general/latest/gr/sns.html>).
    pub fifo_topic_per_s: f64,
    /// Time from publish to delivery attempt, in ms. AWS publishes no figure; the
    /// default (log-normal, median 30 ms, p99 150 ms) is ours.
    pub latency_ms: Dist,
}

impl Default for SnsTopic {
    fn default() -> Self {
        SnsTopic {
            fifo: false,
            publish_per_s: 30_000.0,
            fifo_group_per_s: 300.0,
            fifo_topic_per_s: 3_000.0,
            latency_ms: Dist::LogNormal {
                p50: 30.0,
                p99: 150.0,
            },
        }
    }
}

impl SnsTopic {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        let mut out = rate_problems("publish_per_s", self.publish_per_s);
        out.extend(rate_problems("fifo_group_per_s", self.fifo_group_per_s));
        out.extend(rate_problems("fifo_topic_per_s", self.fifo_topic_per_s));
        out.extend(dist_problems("latency_ms", &self.latency_ms));
        out.into_iter().map(|e| (Severity::Error, e)).collect()
    }
}

//! Amazon DynamoDB table.

use serde::{Deserialize, Serialize};

use super::stream::{EventSourceMapping, MAX_SHARDS};
use crate::model::{Dist, Severity};

/// Capacity mode of a DynamoDB table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum CapacityMode {
    /// Pay per request unit; the table absorbs spikes up to its table limit
    /// (`table_wru_per_s`).
    #[default]
    OnDemand,
    /// Fixed write and read capacity units per second, billed per hour whether used
    /// or not; writes above `wcu` per second are throttled.
    Provisioned {
        /// Write capacity units (writes of up to 1 KB per second).
        wcu: u32,
        /// Read capacity units (billed only; reads are not simulated).
        rcu: u32,
    },
}

/// An Amazon DynamoDB table receiving item writes.
///
/// Every event arriving is a write of an item of the event's size: it costs
/// ceil(size / 1 KB) write request units (WRU). The table accepts at most
/// `table_wru_per_s` WRU per second (on-demand) or `wcu` (provisioned), and a single
/// partition key at most `partition_wcu_per_s`; writes beyond either are refused
/// (ThrottlingException) and the producer retries them. An accepted write takes
/// `latency_ms`, then the item goes on along the delivery links; with `stream` on, the
/// delivery links are instead consumers of the table's stream, reading it per shard in
/// order exactly like a Kinesis consumer (`consumer`).
///
/// Figures: <https://github.com/awsdocs/amazon-dynamodb-developer-guide/blob/822948021fcd815a33c040fb6cce5fa0d4127df4/doc_source/ServiceQuotas.md>,
/// <https://github.com/awsdocs/amazon-dynamodb-developer-guide/blob/822948021fcd815a33c040fb6cce5fa0d4127df4/doc_source/bp-partition-key-design.md>.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DynamoDbTable {
    /// On-demand (default) or provisioned capacity.
    pub mode: CapacityMode,
    /// Time one write takes, in ms (default log-normal, median 4 ms, p99 12 ms: ours,
    /// after AWS's "single-digit millisecond" claim).
    pub latency_ms: Dist,
    /// On-demand table limit in write request units per second (default 40,000:
    /// <https://github.com/awsdocs/amazon-dynamodb-developer-guide/blob/822948021fcd815a33c040fb6cce5fa0d4127df4/doc_source/ServiceQuotas.md>).
    pub table_wru_per_s: f64,
    /// Write units per second a single partition key can take (default 1,000:
    /// <https://github.com/awsdocs/amazon-dynamodb-developer-guide/blob/822948021fcd815a33c040fb6cce5fa0d4127df4/doc_source/bp-partition-key-design.md>).
    pub partition_wcu_per_s: f64,
    /// Emit a stream record per write and let the delivery links consume the stream
    /// (default false: the delivery links get the item after the write).
    pub stream: bool,
    /// Shards of the stream (default 4, ours: DynamoDB does not publish how many
    /// shards a table's stream has; items with the same key share a shard).
    pub stream_shards: u32,
    /// How the stream's consumers read it (Lambda event-source mapping defaults). Stream
    /// records are kept 24 h
    /// (<https://github.com/awsdocs/amazon-dynamodb-developer-guide/blob/822948021fcd815a33c040fb6cce5fa0d4127df4/doc_source/Streams.md>).
    pub consumer: EventSourceMapping,
}

impl Default for DynamoDbTable {
    fn default() -> Self {
        DynamoDbTable {
            mode: CapacityMode::OnDemand,
            latency_ms: Dist::LogNormal {
                p50: 4.0,
                p99: 12.0,
            },
            table_wru_per_s: 40_000.0,
            partition_wcu_per_s: 1_000.0,
            stream: false,
            stream_shards: 4,
            consumer: EventSourceMapping::default(),
        }
    }
}

impl DynamoDbTable {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        let mut out = Vec::new();
        for p in self.latency_ms.problems() {
            out.push((Severity::Error, format!("latency_ms: {p}")));
        }
        for (name, v) in [
            ("table_wru_per_s", self.table_wru_per_s),
            ("partition_wcu_per_s", self.partition_wcu_per_s),
        ] {
            if !v.is_finite() || v <= 0.0 {
                out.push((
                    Severity::Error,
                    format!("{name} must be a finite rate above zero, got {v}"),
                ));
            }
        }
        if let CapacityMode::Provisioned { wcu, .. } = self.mode
            && wcu == 0
        {
            out.push((
                Severity::Error,
                "mode: Provisioned needs wcu of at least 1".to_owned(),
            ));
        }
        if self.stream {
            if self.stream_shards == 0 {
                out.push((
                    Severity::Error,
                    "stream_shards must be at least 1".to_owned(),
                ));
            } else if self.stream_shards > MAX_SHARDS {
                out.push((
                    Severity::Error,
                    format!(
                        "stream_shards ({}) is more than the supported {MAX_SHARDS}",
                        self.stream_shards
                    ),
                ));
            }
            // DynamoDB stream batches hold at most 1,000 records:
            // <https://docs.amazonaws.cn/cdk/api/v1/python/aws_cdk.aws_lambda_event_sources/KinesisEventSourceProps.html>
            if self.consumer.batch_size > 1_000 {
                out.push((
                    Severity::Error,
                    format!(
                        "consumer.batch_size must be at most 1000 for a DynamoDB stream, got {}",
                        self.consumer.batch_size
                    ),
                ));
            }
            for (s, m) in self.consumer.problems() {
                out.push((s, format!("consumer.{m}")));
            }
        }
        out
    }
}

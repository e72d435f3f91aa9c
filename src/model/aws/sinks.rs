//! A storage or delivery service at the end of a flow (S3, SES, CloudWatch Logs, analytics).

use serde::{Deserialize, Serialize};

use crate::model::{Dist, Severity, Throttle};

/// A storage or delivery service at the end of a flow: an S3 bucket, SES, a CloudWatch
/// Logs log group, or an analytics store (Glue / Athena over S3).
///
/// A delivered message is a write: refused with `Throttled` when over `rate_limit`, or
/// with an error with probability `fail_prob` (a sender that retries, such as a producer
/// with the AWS SDK's retries or Firehose, tries again; otherwise it is lost as
/// rejected); an accepted write takes `latency_ms` and is then stored. An S3 bucket with
/// delivery links (event notifications) sends the stored object on, as S3 invokes Lambda
/// asynchronously. A synchronous batch call (Firehose flushing a buffer) is written as
/// one object, one request.
///
/// Usage meters: `S3Bucket.put_requests` (one per object), `Ses.emails` (one per
/// message), `LogGroup.gb_ingested` and `Analytics.gb_scanned` (payload bytes / 2^30;
/// the latter a stand-in for Athena scanning what was written once).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceSink {
    /// Time to accept one write, in ms (ours: 0, the write is not on the critical path of
    /// most flows; set e.g. `LogNormal(p50: 20.0, p99: 150.0)` for S3 PUTs; UNCONFIRMED).
    pub latency_ms: Dist,
    /// Probability that a write fails (0..=1).
    pub fail_prob: f64,
    /// Requests per second the service accepts, over which writes are refused as
    /// throttled; none = no limit. S3 accepts at least 3,500 PUT/s per prefix
    /// (<https://docs.aws.amazon.com/athena/latest/ug/performance-tuning-s3-throttling-reduce-throttling-at-the-service-level.html>,
    /// 503 Slow Down above); SES the account's sending rate, 1 email/s in the sandbox
    /// (<https://github.com/awsdocs/amazon-ses-developer-guide/blob/5b3d6427a09a45cc58b7c4aec9f418509e8ccb76/doc-source/quotas.md>).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<Throttle>,
}

impl Default for ServiceSink {
    fn default() -> Self {
        ServiceSink {
            latency_ms: Dist::Constant(0.0),
            fail_prob: 0.0,
            rate_limit: None,
        }
    }
}

impl ServiceSink {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        let mut out = Vec::new();
        for e in self.latency_ms.problems() {
            out.push((Severity::Error, format!("latency_ms: {e}")));
        }
        if !self.fail_prob.is_finite() || !(0.0..=1.0).contains(&self.fail_prob) {
            out.push((
                Severity::Error,
                format!("fail_prob must be between 0 and 1, got {}", self.fail_prob),
            ));
        }
        if let Some(t) = &self.rate_limit {
            if !t.rate_per_s.is_finite() || t.rate_per_s < 0.0 {
                out.push((
                    Severity::Error,
                    format!(
                        "rate_limit.rate_per_s must be finite and >= 0, got {}",
                        t.rate_per_s
                    ),
                ));
            }
            if !t.burst.is_finite() || t.burst < 1.0 {
                out.push((
                    Severity::Error,
                    format!("rate_limit.burst must be at least 1, got {}", t.burst),
                ));
            }
        }
        out
    }
}

//! AWS Lambda function: memory and architecture (for GB-second billing), handler time,
//! errors and poison messages, timeout, concurrency (reserved or the account's shared
//! pool), scale-up rate, cold starts with warm-environment reuse, and the asynchronous
//! invocation queue with its retries and maximum event age.
//!
//! Figures come from section 5 of `shared/reference/aws-services.md`; each field cites
//! its source.

use serde::{Deserialize, Serialize};

use crate::model::validate::retry_problems;
use crate::model::{Dist, Duration, Retry, Routing, Severity, sdk_standard_retry};

/// Smallest memory size in MB
/// (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>).
pub const LAMBDA_MIN_MEMORY_MB: u32 = 128;
/// Largest memory size in MB (same source).
pub const LAMBDA_MAX_MEMORY_MB: u32 = 10_240;
/// Longest function timeout, 15 minutes
/// (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>).
pub const LAMBDA_MAX_TIMEOUT: Duration = Duration::from_secs(900);
/// Shortest maximum event age for asynchronous invocations, 60 s
/// (<https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-configuring.html>).
pub const LAMBDA_MIN_EVENT_AGE: Duration = Duration::from_secs(60);
/// Longest (and default) maximum event age for asynchronous invocations, 6 h (same
/// source).
pub const LAMBDA_MAX_EVENT_AGE: Duration = Duration::from_secs(21_600);
/// Most retries of an asynchronous invocation after function errors (same source).
pub const LAMBDA_MAX_ASYNC_RETRIES: u32 = 2;
/// Most concurrent executions the simulator will model, for the account's pool and a
/// function's reserved concurrency: 1,000,000 (ours; every execution environment is
/// tracked). The account default is 1,000 and can be raised on request
/// (<https://docs.aws.amazon.com/lambda/latest/dg/limits.html>).
pub const LAMBDA_MAX_CONCURRENCY: u32 = 1_000_000;

/// Instruction set of the function; Arm (Graviton) is billed at a lower GB-second rate
/// (<https://aws.amazon.com/lambda/pricing/>).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Architecture {
    /// x86_64: duration metered as `gb_seconds`.
    #[default]
    X86,
    /// arm64 (Graviton): duration metered as `arm_gb_seconds`.
    Arm,
}

/// AWS Lambda function.
///
/// Concurrency is the number of invocations in flight (init included). A function with
/// `reserved_concurrency` R owns R slots of its own; the others share the account's
/// pool (`account.lambda_concurrency` minus everything reserved in the design). An
/// invocation reuses an idle warm environment if one is left (most recently used
/// first), otherwise it needs a new one: a cold start adding `cold_start_ms` before the
/// handler, allowed only while the function's scale-up rate has room. With no slot or
/// no room to scale, the invocation is throttled: a synchronous caller gets the 429 at
/// once; an asynchronous event stays in Lambda's internal queue and is tried again with
/// backoff from 1 s up to 5 min until it is older than `max_event_age`. A failed
/// asynchronous invocation (error, timeout, poison message) is retried `async_retries`
/// times, 1 minute and then 2 minutes after the failure; then the event goes to the
/// on-failure links (or counts as failed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LambdaFunction {
    /// Memory in MB, 128..=10,240, default 128
    /// (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>); sets
    /// the GB-seconds billed.
    pub memory_mb: u32,
    /// x86 or Arm: which duration meter is charged (Arm is about 20% cheaper per GB-s,
    /// <https://aws.amazon.com/lambda/pricing/>).
    pub architecture: Architecture,
    /// Handler time of one invocation in ms (one draw per invocation, whatever the batch
    /// size). The default, log-normal with median 40 ms and p99 200 ms, is Spillway's
    /// own guess for a small handler, not an AWS figure.
    pub duration_ms: Dist,
    /// Probability that an invocation fails with a function error (0..=1).
    pub fail_prob: f64,
    /// Share of messages that are poison (0..=1): every invocation containing one fails.
    /// Whether a message is poison depends only on the message and the run, so retries
    /// and redeliveries of it agree.
    pub poison_prob: f64,
    /// An invocation whose handler runs longer is stopped and fails with a timeout;
    /// default 3 s, at most 15 min
    /// (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>).
    pub timeout: Duration,
    /// Concurrency reserved for this function: it gets that many slots of its own and
    /// never more; 0 disables it (every invocation throttled). None = share the
    /// account's unreserved pool
    /// (<https://docs.aws.amazon.com/lambda/latest/dg/limits.html>).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_concurrency: Option<u32>,
    /// New execution environments the function may add per 10 s, default 1,000
    /// (<https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html>); a token
    /// bucket of this size refilled evenly over 10 s.
    pub scale_rate_per_10s: u32,
    /// Init time of a new environment in ms, added before the handler and billed. The
    /// default, log-normal with median 250 ms and p99 1 s, is Spillway's reading of AWS's
    /// "under 100 ms to over 1 s"
    /// (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html>);
    /// draws are cut at the 10 s init limit.
    pub cold_start_ms: Dist,
    /// How long an idle environment stays warm before Lambda reclaims it. AWS does not
    /// document this; the default of 10 min is Spillway's assumption.
    pub idle_expiry: Duration,
    /// Retries of a failed asynchronous invocation, 0..=2, default 2; the first waits
    /// about 1 min, the second about 2 min
    /// (<https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html>).
    pub async_retries: u32,
    /// Asynchronous events older than this (since Lambda received them) are given up on
    /// with reason `expired`; 60 s..=6 h, default 6 h
    /// (<https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-configuring.html>).
    pub max_event_age: Duration,
    /// Fan-out or split over the delivery links (downstream calls and on-success
    /// destinations).
    pub routing: Routing,
    /// How the handler's AWS SDK resends what a downstream service refused (a throttled
    /// DynamoDB write, a 429, Kinesis ProvisionedThroughputExceeded): default the SDK
    /// standard mode, 3 attempts, exponential backoff from 100 ms with full jitter,
    /// capped at 20 s
    /// (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>).
    /// `(max_attempts: 1)` turns resending off: a refused send is lost as rejected.
    pub sdk_retry: Retry,
}

impl Default for LambdaFunction {
    fn default() -> Self {
        LambdaFunction {
            memory_mb: 128,
            architecture: Architecture::X86,
            duration_ms: Dist::LogNormal {
                p50: 40.0,
                p99: 200.0,
            },
            fail_prob: 0.0,
            poison_prob: 0.0,
            timeout: Duration::from_secs(3),
            reserved_concurrency: None,
            scale_rate_per_10s: 1000,
            cold_start_ms: Dist::LogNormal {
                p50: 250.0,
                p99: 1000.0,
            },
            idle_expiry: Duration::from_secs(600),
            async_retries: 2,
            max_event_age: LAMBDA_MAX_EVENT_AGE,
            routing: Routing::FanOut,
            sdk_retry: sdk_standard_retry(),
        }
    }
}

fn probability(out: &mut Vec<(Severity, String)>, name: &str, v: f64) {
    if !v.is_finite() || !(0.0..=1.0).contains(&v) {
        out.push((
            Severity::Error,
            format!("{name} must be between 0 and 1, got {v}"),
        ));
    }
}

impl LambdaFunction {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        let mut out = Vec::new();
        if !(LAMBDA_MIN_MEMORY_MB..=LAMBDA_MAX_MEMORY_MB).contains(&self.memory_mb) {
            out.push((
                Severity::Error,
                format!(
                    "memory_mb must be between {LAMBDA_MIN_MEMORY_MB} and {LAMBDA_MAX_MEMORY_MB}, got {}",
                    self.memory_mb
                ),
            ));
        }
        for p in self.duration_ms.problems() {
            out.push((Severity::Error, format!("duration_ms: {p}")));
        }
        for p in self.cold_start_ms.problems() {
            out.push((Severity::Error, format!("cold_start_ms: {p}")));
        }
        probability(&mut out, "fail_prob", self.fail_prob);
        probability(&mut out, "poison_prob", self.poison_prob);
        if self.timeout.ns == 0 {
            out.push((
                Severity::Error,
                "timeout must be longer than zero".to_owned(),
            ));
        } else if self.timeout > LAMBDA_MAX_TIMEOUT {
            out.push((
                Severity::Error,
                format!(
                    "timeout must be at most 15 min (900s), got {}",
                    self.timeout
                ),
            ));
        }
        if self.scale_rate_per_10s == 0 {
            out.push((
                Severity::Error,
                "scale_rate_per_10s must be at least 1".to_owned(),
            ));
        }
        if let Some(r) = self.reserved_concurrency
            && r > LAMBDA_MAX_CONCURRENCY
        {
            out.push((
                Severity::Error,
                format!(
                    "reserved_concurrency ({r}) is more than the supported {LAMBDA_MAX_CONCURRENCY}"
                ),
            ));
        }
        if self.reserved_concurrency == Some(0) {
            out.push((
                Severity::Warning,
                "reserved_concurrency 0 disables the function: every invocation is throttled"
                    .to_owned(),
            ));
        }
        if self.idle_expiry.ns == 0 {
            out.push((
                Severity::Warning,
                "idle_expiry 0 makes every invocation a cold start".to_owned(),
            ));
        }
        if self.async_retries > LAMBDA_MAX_ASYNC_RETRIES {
            out.push((
                Severity::Error,
                format!(
                    "async_retries must be between 0 and {LAMBDA_MAX_ASYNC_RETRIES}, got {}",
                    self.async_retries
                ),
            ));
        }
        if self.max_event_age < LAMBDA_MIN_EVENT_AGE || self.max_event_age > LAMBDA_MAX_EVENT_AGE {
            out.push((
                Severity::Error,
                format!(
                    "max_event_age must be between 60s and 6h, got {}",
                    self.max_event_age
                ),
            ));
        }
        for e in retry_problems("sdk_retry", &self.sdk_retry) {
            out.push((Severity::Error, e));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        assert!(LambdaFunction::default().problems().is_empty());
        let bad = LambdaFunction {
            memory_mb: 64,
            fail_prob: 1.5,
            timeout: Duration::from_secs(901),
            async_retries: 3,
            max_event_age: Duration::from_secs(30),
            sdk_retry: Retry {
                max_attempts: 0,
                ..Retry::default()
            },
            ..LambdaFunction::default()
        };
        let all: Vec<String> = bad.problems().into_iter().map(|(_, m)| m).collect();
        let all = all.join("\n");
        for field in [
            "memory_mb",
            "fail_prob",
            "timeout",
            "async_retries",
            "max_event_age",
            "sdk_retry.max_attempts",
        ] {
            assert!(all.contains(field), "{field} missing from:\n{all}");
        }
    }
}

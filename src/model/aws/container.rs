//! Container service (ECS/EKS/EC2 consumers), optionally autoscaled like KEDA / the
//! Kubernetes HorizontalPodAutoscaler with node provisioning like Karpenter.
//!
//! The reference (`shared/reference/aws-services.md`) has no container or Fargate rows:
//! every default below is ours, taken from the KEDA / Kubernetes defaults we know of or
//! picked as a typical small service, and marked UNCONFIRMED.

use serde::{Deserialize, Serialize};

use crate::model::validate::retry_problems;
use crate::model::{Dist, Duration, Retry, Routing, Severity, sdk_standard_retry};

/// Containers (ECS tasks, EKS pods, EC2 processes) consuming work: `replicas` x
/// `concurrency_per_replica` worker slots.
///
/// Work reaches it in two ways. A synchronous batch call (an SQS queue's poller) takes one
/// free slot for the whole batch, whose messages are processed one after another; with no
/// free slot the call is answered `Busy` at once (nothing runs, nothing is billed) and the
/// poller waits for a slot. A pushed delivery (SNS HTTP subscription, API Gateway,
/// producer) waits in a FIFO buffer of `queue_capacity` and takes a slot per message,
/// retried per `retry` when it fails.
///
/// Billing: `vcpu_hours` and `gb_hours` integrate the replicas that are running,
/// provisioning or finishing work after a scale-down, times `vcpu` / `memory_gb`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContainerService {
    /// Replicas at the start; without `autoscale` the fixed fleet (ours: 2, the usual
    /// minimum for availability across two zones; UNCONFIRMED).
    pub replicas: u32,
    /// Worker slots per replica: messages (or polled batches) one replica works on at
    /// once (ours: 10; UNCONFIRMED).
    pub concurrency_per_replica: u32,
    /// Time to process one message, in ms (ours: exponential, mean 50 ms; UNCONFIRMED).
    pub service_ms: Dist,
    /// Probability that processing one message fails (0..=1).
    pub fail_prob: f64,
    /// Retries of pushed messages that failed (the service's own retry loop); default
    /// none. Polled batches are not retried here: they go back to their queue.
    pub retry: Retry,
    /// Buffer for pushed messages waiting for a slot; none = unbounded. Full: dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_capacity: Option<u64>,
    /// vCPUs per replica, for `vcpu_hours` (ours: 0.25, the smallest Fargate task size;
    /// UNCONFIRMED).
    pub vcpu: f64,
    /// Memory per replica in GB, for `gb_hours` (ours: 0.5, the smallest Fargate task
    /// size; UNCONFIRMED).
    pub memory_gb: f64,
    /// Autoscaling; none = a fixed fleet of `replicas`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoscale: Option<Autoscale>,
    /// Fan-out or split over outgoing delivery links.
    pub routing: Routing,
    /// How the handler's AWS SDK resends what a downstream service refused (a throttled
    /// DynamoDB write, a 429, Kinesis ProvisionedThroughputExceeded): default the SDK
    /// standard mode, 3 attempts, exponential backoff from 100 ms with full jitter,
    /// capped at 20 s
    /// (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>).
    /// `(max_attempts: 1)` turns resending off: a refused send is lost as rejected.
    pub sdk_retry: Retry,
}

impl Default for ContainerService {
    fn default() -> Self {
        ContainerService {
            replicas: 2,
            concurrency_per_replica: 10,
            service_ms: Dist::Exponential { mean: 50.0 },
            fail_prob: 0.0,
            retry: Retry::default(),
            queue_capacity: None,
            vcpu: 0.25,
            memory_gb: 0.5,
            autoscale: None,
            routing: Routing::FanOut,
            sdk_retry: sdk_standard_retry(),
        }
    }
}

/// What the autoscaler measures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ScaleMetric {
    /// KEDA-style queue scaler: the depth plus in-flight messages of component `queue`
    /// (as its metrics show them; KEDA's SQS scaler counts visible and in-flight
    /// messages); desired replicas = ceil(metric / `target_per_replica`). `queue` may be
    /// this service's own id to scale on its own buffer plus busy slots.
    QueueDepth {
        /// Id of the component whose depth is read.
        queue: String,
    },
    /// HPA-style utilisation: busy slots / ready slots averaged over the last polling
    /// interval; desired replicas = ceil(current x utilisation / target).
    Utilisation {
        /// Wanted utilisation, 0 < target <= 1 (e.g. 0.7).
        target: f64,
    },
}

/// KEDA / HorizontalPodAutoscaler-like scaling with node provisioning delay.
///
/// Every `polling_interval` a recommendation is computed from the metric and clamped to
/// `[min_replicas, max_replicas]`. The fleet grows to the lowest recommendation of the
/// last `scale_up_delay` and shrinks to the highest of the last `scale_down_delay` (the
/// HPA's stabilisation windows; the replica count at time zero counts as a recommendation,
/// so a rise is acted on only once the metric has been high for `scale_up_delay`). A new
/// replica takes work only `provisioning_delay` after the decision and is billed from the
/// decision on; a removed replica leaves at once if idle, or once its slots' work is done.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Autoscale {
    /// What is measured.
    pub metric: ScaleMetric,
    /// Messages one replica should have (for `QueueDepth`; ours: 5, KEDA's SQS scaler's
    /// `queueLength` default; UNCONFIRMED).
    pub target_per_replica: f64,
    /// Fewest replicas (0 allowed with `QueueDepth`: KEDA scales to zero and activates on
    /// the first message; ours: 1).
    pub min_replicas: u32,
    /// Most replicas (ours: 10; UNCONFIRMED).
    pub max_replicas: u32,
    /// How often the metric is read (KEDA `pollingInterval` default 30 s; UNCONFIRMED).
    pub polling_interval: Duration,
    /// Scale-up stabilisation window (HPA default 0 s; UNCONFIRMED).
    pub scale_up_delay: Duration,
    /// Scale-down stabilisation window (KEDA `cooldownPeriod` / HPA default 300 s;
    /// UNCONFIRMED).
    pub scale_down_delay: Duration,
    /// From the decision to scale up until a new replica takes work: node provisioning
    /// (Karpenter), image pull and start (ours: 60 s; UNCONFIRMED).
    pub provisioning_delay: Duration,
    /// No change while the metric is within this fraction of its target (HPA default
    /// tolerance 0.1; UNCONFIRMED).
    pub tolerance: f64,
}

impl Default for Autoscale {
    fn default() -> Self {
        Autoscale {
            metric: ScaleMetric::Utilisation { target: 0.7 },
            target_per_replica: 5.0,
            min_replicas: 1,
            max_replicas: 10,
            polling_interval: Duration::from_secs(30),
            scale_up_delay: Duration::ZERO,
            scale_down_delay: Duration::from_secs(300),
            provisioning_delay: Duration::from_secs(60),
            tolerance: 0.1,
        }
    }
}

/// Most replicas a service may have: 100,000 (ours; a guard against typing mistakes and
/// a bound on the replicas the simulator tracks).
pub const MAX_REPLICAS: u32 = 100_000;
/// Most worker slots (replicas x `concurrency_per_replica`) a service may have:
/// 100,000,000 (ours; the pollers of a queue feeding it default to one per slot).
pub const MAX_SLOTS: u64 = 100_000_000;

impl ContainerService {
    /// Worker slots of the largest fleet: `max_replicas` (or `min_replicas` if larger)
    /// with autoscaling, else `replicas`, times `concurrency_per_replica`; at least 1.
    /// A queue polling this service runs this many pollers unless its
    /// `max_concurrency` says otherwise.
    #[must_use]
    pub fn max_slots(&self) -> u32 {
        let replicas = match &self.autoscale {
            Some(a) => a.max_replicas.max(a.min_replicas),
            None => self.replicas,
        };
        replicas
            .saturating_mul(self.concurrency_per_replica.max(1))
            .max(1)
    }

    /// The most replicas the service can have: `replicas`, or the autoscaler's bounds.
    fn max_replicas_any(&self) -> u32 {
        match &self.autoscale {
            Some(a) => a.max_replicas.max(a.min_replicas).max(self.replicas),
            None => self.replicas,
        }
        .max(1)
    }

    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        let mut out = Vec::new();
        let mut err = |m: String| out.push((Severity::Error, m));
        if self.concurrency_per_replica == 0 {
            err("concurrency_per_replica must be at least 1".into());
        }
        if self.replicas > MAX_REPLICAS {
            err(format!(
                "replicas ({}) is more than the supported {MAX_REPLICAS}",
                self.replicas
            ));
        }
        if u64::from(self.max_replicas_any()) * u64::from(self.concurrency_per_replica) > MAX_SLOTS
        {
            err(format!(
                "replicas x concurrency_per_replica is more than the supported {MAX_SLOTS} (counting autoscale.max_replicas)"
            ));
        }
        if self.autoscale.is_none() && self.replicas == 0 {
            err("replicas must be at least 1 without autoscale".into());
        }
        for e in self.service_ms.problems() {
            err(format!("service_ms: {e}"));
        }
        if !self.fail_prob.is_finite() || !(0.0..=1.0).contains(&self.fail_prob) {
            err(format!(
                "fail_prob must be between 0 and 1, got {}",
                self.fail_prob
            ));
        }
        for e in retry_problems("retry", &self.retry) {
            err(e);
        }
        for e in retry_problems("sdk_retry", &self.sdk_retry) {
            err(e);
        }
        if !self.vcpu.is_finite() || self.vcpu < 0.0 {
            err(format!("vcpu must be finite and >= 0, got {}", self.vcpu));
        }
        if !self.memory_gb.is_finite() || self.memory_gb < 0.0 {
            err(format!(
                "memory_gb must be finite and >= 0, got {}",
                self.memory_gb
            ));
        }
        if let Some(a) = &self.autoscale {
            out.extend(a.problems(self.replicas));
        }
        out
    }
}

impl Autoscale {
    /// What is wrong with these parameters (`replicas`: the service's initial count).
    #[must_use]
    pub fn problems(&self, replicas: u32) -> Vec<(Severity, String)> {
        let mut out = Vec::new();
        let mut err = |m: String| out.push((Severity::Error, m));
        match &self.metric {
            ScaleMetric::QueueDepth { queue } => {
                if queue.is_empty() {
                    err("autoscale.metric: QueueDepth needs the id of the queue to read".into());
                }
                if !self.target_per_replica.is_finite() || self.target_per_replica <= 0.0 {
                    err(format!(
                        "autoscale.target_per_replica must be a positive number, got {}",
                        self.target_per_replica
                    ));
                }
            }
            ScaleMetric::Utilisation { target } => {
                if !target.is_finite() || *target <= 0.0 || *target > 1.0 {
                    err(format!(
                        "autoscale.metric: Utilisation target must be above 0 and at most 1, got {target}"
                    ));
                }
                if self.min_replicas == 0 {
                    err("autoscale.min_replicas must be at least 1 when scaling on utilisation (nothing to measure at zero)".into());
                }
            }
        }
        if self.max_replicas == 0 {
            err("autoscale.max_replicas must be at least 1".into());
        }
        if self.max_replicas > MAX_REPLICAS {
            err(format!(
                "autoscale.max_replicas ({}) is more than the supported {MAX_REPLICAS}",
                self.max_replicas
            ));
        }
        if self.min_replicas > self.max_replicas {
            err(format!(
                "autoscale.min_replicas ({}) must not exceed max_replicas ({})",
                self.min_replicas, self.max_replicas
            ));
        }
        if self.polling_interval.ns == 0 {
            err("autoscale.polling_interval must be longer than zero".into());
        }
        if !self.tolerance.is_finite() || !(0.0..1.0).contains(&self.tolerance) {
            err(format!(
                "autoscale.tolerance must be at least 0 and below 1, got {}",
                self.tolerance
            ));
        }
        if self.min_replicas <= self.max_replicas
            && !(self.min_replicas..=self.max_replicas).contains(&replicas)
        {
            out.push((
                Severity::Warning,
                format!(
                    "replicas ({replicas}) is outside autoscale.min_replicas..=max_replicas ({}..={}); the service starts at the nearest bound",
                    self.min_replicas, self.max_replicas
                ),
            ));
        }
        out
    }
}

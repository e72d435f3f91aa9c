//! Component kinds and their parameters.
//!
//! Every kind is a variant of [`ComponentKind`] holding its own parameter struct, so a
//! file reads `kind: Station(servers: 2, service_ms: Exponential(mean: 15.0))`. Fields
//! missing from a file take the defaults shown here, so old files keep loading when a
//! parameter is added.

use serde::{Deserialize, Serialize};

use super::aws::{
    ApiGateway, ContainerService, DynamoDbTable, EventBus, Firehose, KafkaTopic, KinesisStream,
    LambdaFunction, ServiceSink, SnsTopic, SqsQueue, StepFunctions,
};
use super::dist::{Arrivals, Dist};
use super::duration::Duration;
use super::kind::{Cap, Kind};

/// A box on the canvas: something that produces, routes, holds or consumes events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Stable identifier, referenced by connections and layout; never shown to users
    /// when a name is set. Letters, digits, `-` and `_`.
    pub id: String,
    /// Display name, unique in the document; reports are keyed by it. Empty means "use
    /// the id".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// What it is and its parameters.
    pub kind: ComponentKind,
}

impl Component {
    /// A component with this id, no display name, and these parameters.
    #[must_use]
    pub fn new(id: &str, kind: ComponentKind) -> Self {
        Component {
            id: id.to_owned(),
            name: String::new(),
            kind,
        }
    }

    /// The name shown to users: `name`, or the id when no name is set.
    #[must_use]
    pub fn display_name(&self) -> &str {
        if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }
}

/// The kinds of component: generic building blocks (producer, station, sink, dead-letter
/// queue) and cloud services built from the same mechanisms with their documented
/// behaviour (see `model::aws`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ComponentKind {
    /// Generates events (a client, an IoT fleet, a schedule, S3 notifications, a
    /// DynamoDB stream).
    Producer(Producer),
    /// A generic queueing station: throttle, buffer, server pool, retries, routing.
    Station(Station),
    /// A terminal consumer that accepts everything at once.
    Sink(Sink),
    /// Holds whatever other components dead-letter to it, counted by reason and source.
    DeadLetterQueue(DeadLetterQueue),
    /// Amazon API Gateway (REST or HTTP API).
    ApiGateway(ApiGateway),
    /// Amazon EventBridge event bus with rules and targets.
    EventBus(EventBus),
    /// Amazon SNS topic (standard or FIFO).
    SnsTopic(SnsTopic),
    /// Amazon SQS queue (standard or FIFO) and the pollers of its consumers.
    SqsQueue(SqsQueue),
    /// AWS Lambda function.
    Lambda(LambdaFunction),
    /// Amazon Kinesis data stream.
    KinesisStream(KinesisStream),
    /// Apache Kafka topic (Amazon MSK).
    KafkaTopic(KafkaTopic),
    /// Containers on ECS, EKS or EC2, optionally autoscaled.
    ContainerService(ContainerService),
    /// AWS Step Functions state machine (standard or express).
    StepFunctions(StepFunctions),
    /// Amazon DynamoDB table, optionally with a stream.
    DynamoDbTable(DynamoDbTable),
    /// Amazon Data Firehose delivery stream.
    Firehose(Firehose),
    /// Amazon S3 bucket.
    S3Bucket(ServiceSink),
    /// Amazon SES (email sending).
    Ses(ServiceSink),
    /// Amazon CloudWatch Logs log group.
    LogGroup(ServiceSink),
    /// Analytics sink (AWS Glue / Amazon Athena over S3).
    Analytics(ServiceSink),
}

impl ComponentKind {
    /// The kind's tag, which leads to its row of the kind table ([`Kind::info`]).
    #[must_use]
    pub fn kind(&self) -> Kind {
        match self {
            ComponentKind::Producer(_) => Kind::Producer,
            ComponentKind::Station(_) => Kind::Station,
            ComponentKind::Sink(_) => Kind::Sink,
            ComponentKind::DeadLetterQueue(_) => Kind::DeadLetterQueue,
            ComponentKind::ApiGateway(_) => Kind::ApiGateway,
            ComponentKind::EventBus(_) => Kind::EventBus,
            ComponentKind::SnsTopic(_) => Kind::SnsTopic,
            ComponentKind::SqsQueue(_) => Kind::SqsQueue,
            ComponentKind::Lambda(_) => Kind::Lambda,
            ComponentKind::KinesisStream(_) => Kind::KinesisStream,
            ComponentKind::KafkaTopic(_) => Kind::KafkaTopic,
            ComponentKind::ContainerService(_) => Kind::ContainerService,
            ComponentKind::StepFunctions(_) => Kind::StepFunctions,
            ComponentKind::DynamoDbTable(_) => Kind::DynamoDbTable,
            ComponentKind::Firehose(_) => Kind::Firehose,
            ComponentKind::S3Bucket(_) => Kind::S3Bucket,
            ComponentKind::Ses(_) => Kind::Ses,
            ComponentKind::LogGroup(_) => Kind::LogGroup,
            ComponentKind::Analytics(_) => Kind::Analytics,
        }
    }

    /// Short kind name, as written in files and shown in reports.
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        self.kind().name()
    }

    /// Whether this kind creates events (and so needs no input).
    #[must_use]
    pub fn is_source(&self) -> bool {
        self.kind().can(Cap::Source)
    }

    /// Whether this kind can hand failed work to a dead-letter or on-failure link.
    #[must_use]
    pub fn can_dead_letter(&self) -> bool {
        self.kind().can(Cap::DeadLetters)
    }

    /// Whether this kind can hold dead letters (the target of a dead-letter link): a
    /// dead-letter queue or an SQS queue.
    #[must_use]
    pub fn holds_dead_letters(&self) -> bool {
        self.kind().can(Cap::HoldsDeadLetters)
    }

    /// Whether this kind accepts incoming events.
    #[must_use]
    pub fn accepts_input(&self) -> bool {
        !self.is_source()
    }

    /// Whether this kind sends events on along delivery links.
    #[must_use]
    pub fn has_outputs(&self) -> bool {
        self.kind().can(Cap::Outputs)
    }

    /// Whether this kind is an AWS service (priced by the price book).
    #[must_use]
    pub fn is_cloud(&self) -> bool {
        self.kind().service().is_some()
    }
}

/// What a producer stands for; sets the palette defaults and the diagram icon, not
/// the behaviour (arrivals, keys and retries say how it behaves).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// A client application or upstream service calling in.
    #[default]
    Client,
    /// A fleet of IoT devices sending telemetry.
    IotFleet,
    /// A scheduled job (cron, EventBridge Scheduler).
    Schedule,
    /// S3 event notifications (object created, removed).
    S3Notification,
    /// A DynamoDB stream of item changes.
    DynamoDbStream,
}

/// Partition keys (or message group ids) of a producer's events: `cardinality` distinct
/// keys, of which one hot key takes `hot_share` of the events and the rest share the
/// remainder evenly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeySpace {
    /// Number of distinct keys (>= 1).
    pub cardinality: u32,
    /// Share of events with the hot key, 0..=1 (0 = uniform).
    pub hot_share: f64,
}

impl Default for KeySpace {
    fn default() -> Self {
        KeySpace {
            cardinality: 1000,
            hot_share: 0.0,
        }
    }
}

/// How a component with several matching delivery links picks where an event goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Routing {
    /// A copy to every delivery link whose filter matches (pub/sub).
    #[default]
    FanOut,
    /// One matching link, chosen at random in proportion to the links' weights.
    Split,
}

/// Event source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Producer {
    /// When events arrive.
    pub arrivals: Arrivals,
    /// Which of the document's event types this producer emits, mixed by the types'
    /// weights; empty means all of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub event_types: Vec<String>,
    /// Stop after this many events (none: run for the whole scenario).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_events: Option<u64>,
    /// How events are routed to outgoing links.
    pub routing: Routing,
    /// What the producer stands for.
    pub source: Source,
    /// Partition keys / message group ids of its events; none = no key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keys: Option<KeySpace>,
    /// How the producer (its SDK) retries sends refused by a throttle (HTTP 429,
    /// Kinesis ProvisionedThroughputExceeded): by default the AWS SDK standard mode,
    /// 3 attempts with exponential backoff from 100 ms, full jitter, capped at 20 s.
    pub retry: Retry,
}

/// The AWS SDKs' "standard" retry mode: 3 attempts, base delay 100 ms doubling, full
/// jitter, at most 20 s.
#[must_use]
pub fn sdk_standard_retry() -> Retry {
    Retry {
        max_attempts: 3,
        backoff_ms: 100.0,
        multiplier: 2.0,
        max_backoff_ms: 20_000.0,
        jitter: Jitter::Full,
    }
}

impl Default for Producer {
    fn default() -> Self {
        Producer {
            arrivals: Arrivals::default(),
            event_types: Vec::new(),
            max_events: None,
            routing: Routing::FanOut,
            source: Source::Client,
            keys: None,
            retry: sdk_standard_retry(),
        }
    }
}

/// Token bucket that rejects what exceeds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Throttle {
    /// Sustained admissions per second (the refill rate).
    pub rate_per_s: f64,
    /// Bucket size: how many can be admitted at once after a quiet spell.
    pub burst: f64,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            rate_per_s: 100.0,
            burst: 100.0,
        }
    }
}

/// Randomisation of backoff delays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Jitter {
    /// Exact delays.
    #[default]
    None,
    /// Uniform between zero and the delay.
    Full,
    /// Half the delay plus uniform up to the other half.
    Equal,
}

/// What happens to an attempt that fails.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Retry {
    /// Attempts in all, including the first (1 = no retry).
    pub max_attempts: u32,
    /// Delay before the first retry, in ms (0 = rejoin the queue at once).
    pub backoff_ms: f64,
    /// Each further retry waits this many times longer.
    pub multiplier: f64,
    /// Cap on a single delay, in ms.
    pub max_backoff_ms: f64,
    /// Randomisation of each delay.
    pub jitter: Jitter,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            max_attempts: 1,
            backoff_ms: 0.0,
            multiplier: 2.0,
            max_backoff_ms: 60_000.0,
            jitter: Jitter::None,
        }
    }
}

impl Retry {
    /// Backoff before retry number `retry` (1 = first retry) without jitter, in ms.
    #[must_use]
    pub fn base_delay_ms(&self, retry: u32) -> f64 {
        let exp = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        (self.backoff_ms * self.multiplier.powi(exp)).min(self.max_backoff_ms)
    }
}

/// Most servers a station may have: 1,000,000 (ours; a guard against typing mistakes).
pub const MAX_STATION_SERVERS: u32 = 1_000_000;

/// A generic queueing station: `throttle -> buffer -> servers -> (retry | route)`.
///
/// An arriving event is first checked against the throttle (rejected when the bucket is
/// empty), then waits in a FIFO buffer (dropped when `queue_capacity` is reached; expired
/// when it has been at the station longer than `max_age`), then takes one of `servers`
/// servers for a time drawn from `service_ms`. The attempt fails with probability
/// `fail_prob`, or when it would take longer than `timeout`. A failed attempt is retried
/// per `retry` (it rejoins the tail of the buffer after the backoff); once attempts are
/// exhausted the event goes to the dead-letter / on-failure links, or counts as failed
/// when there are none. A completed event goes out along matching delivery links.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Station {
    /// Concurrency limit: events in service at once (>= 1).
    pub servers: u32,
    /// Time one attempt takes, in ms.
    pub service_ms: Dist,
    /// Buffer limit (events waiting, not in service); none = unbounded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_capacity: Option<u64>,
    /// Longest an event may stay at the station before it expires unprocessed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age: Option<Duration>,
    /// Admission limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttle: Option<Throttle>,
    /// Probability that an attempt fails (0..=1).
    pub fail_prob: f64,
    /// An attempt still running after this long fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Retry policy for failed attempts.
    pub retry: Retry,
    /// Fan-out or split over outgoing delivery links.
    pub routing: Routing,
}

impl Default for Station {
    fn default() -> Self {
        Station {
            servers: 1,
            service_ms: Dist::default(),
            queue_capacity: None,
            max_age: None,
            throttle: None,
            fail_prob: 0.0,
            timeout: None,
            retry: Retry::default(),
            routing: Routing::FanOut,
        }
    }
}

/// Terminal consumer: everything delivered to it is done.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sink {}

/// Terminal store for dead-lettered events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeadLetterQueue {}

//! Property: for any valid graph of AWS components (gateway, bus, SNS, SQS with
//! dead-letter queues, Lambda, Kinesis and Kafka, containers, Step Functions, DynamoDB,
//! Firehose and the service sinks) with bounded random parameters, the design validates,
//! builds, runs without a panic, and the ledger balances with no message leaked, both
//! mid-run and at the end.
//!
//! Only wirings the validator accepts are generated: delivery links go forward (no
//! cycles) from a kind that sends on to a kind that accepts input, dead-letter links end
//! at a dead-letter queue or an SQS queue, on-failure links leave Lambda functions.

use proptest::prelude::*;
use spillway::model::aws::{
    ApiGateway, ApiType, Autoscale, CapacityMode, ContainerService, DynamoDbTable, EventBus,
    Firehose, KafkaTopic, KinesisStream, LambdaFunction, ScaleMetric, ServiceSink, SnsTopic,
    SqsQueue, StepFunctions, Workflow,
};
use spillway::model::{
    Arrivals, Component, ComponentKind, Connection, DeadLetterQueue, Document, Duration, EventType,
    Filter, KeySpace, LinkKind, NS_PER_S, Producer, Retry, Routing, Sink, Throttle, validate,
};
use spillway::sim::{Report, Simulation};

use crate::common::errors_of;
use crate::property::dist;

/// The kinds a generated design is made of (besides producers and the two dead-letter
/// targets every design has).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gateway,
    Bus,
    Topic,
    Queue,
    Lambda,
    Kinesis,
    Kafka,
    Containers,
    StepFunctions,
    Table,
    Firehose,
    S3,
    Ses,
    Logs,
    Analytics,
    Sink,
}

const KINDS: [Kind; 16] = [
    Kind::Gateway,
    Kind::Bus,
    Kind::Topic,
    Kind::Queue,
    Kind::Lambda,
    Kind::Kinesis,
    Kind::Kafka,
    Kind::Containers,
    Kind::StepFunctions,
    Kind::Table,
    Kind::Firehose,
    Kind::S3,
    Kind::Ses,
    Kind::Logs,
    Kind::Analytics,
    Kind::Sink,
];

/// One component: its kind and the random numbers its parameters are made from (each
/// kind maps them into its own bounded ranges).
#[derive(Debug, Clone)]
struct Gene {
    kind: Kind,
    /// Three counts, reduced modulo each parameter's range.
    n: (u32, u32, u32),
    /// A probability scale, 0..1.
    p: f64,
    /// Mean service time in ms.
    mean_ms: f64,
    /// Shape of the service time (see [`dist`]).
    shape: u8,
    /// Switches for optional parameters.
    bits: u8,
}

fn gene() -> impl Strategy<Value = Gene> {
    (
        proptest::sample::select(KINDS.to_vec()),
        (0u32..10_000, 0u32..10_000, 0u32..10_000),
        0.0f64..1.0,
        1.0f64..150.0,
        0u8..4,
        any::<u8>(),
    )
        .prop_map(|(kind, n, p, mean_ms, shape, bits)| Gene {
            kind,
            n,
            p,
            mean_ms,
            shape,
            bits,
        })
}

/// The one place Kafka topics and Kinesis streams are made.
fn stream(kafka: bool, g: &Gene) -> ComponentKind {
    let (a, b, c) = g.n;
    // the two kinds have their own structs with the same event-source-mapping fields
    macro_rules! params {
        ($t:ident) => {
            $t {
                shards: 1 + a % 4,
                batch_size: 1 + b % 50,
                parallelization_factor: 1 + c % 3,
                max_retry_attempts: on(g, 2).then_some(c % 4),
                bisect_on_error: on(g, 4),
                report_batch_item_failures: on(g, 16),
                ..$t::default()
            }
        };
    }
    if kafka {
        ComponentKind::KafkaTopic(params!(KafkaTopic))
    } else {
        ComponentKind::KinesisStream(params!(KinesisStream))
    }
}

fn retry(attempts: u32, backoff_ms: f64) -> Retry {
    Retry {
        max_attempts: attempts,
        backoff_ms,
        ..Retry::default()
    }
}

/// `bits` of gene `g` as a switch.
fn on(g: &Gene, bit: u8) -> bool {
    g.bits & bit != 0
}

/// Split or fan-out routing, by bit 32 of the gene.
fn routing(g: &Gene) -> Routing {
    if on(g, 32) {
        Routing::Split
    } else {
        Routing::FanOut
    }
}

fn lambda_function(g: &Gene) -> ComponentKind {
    let (a, b, c) = g.n;
    ComponentKind::Lambda(LambdaFunction {
        memory_mb: 128 + (a % 16) * 128,
        duration_ms: dist(g.shape, g.mean_ms),
        fail_prob: g.p * 0.5,
        poison_prob: if on(g, 2) { 0.01 } else { 0.0 },
        timeout: Duration::from_ms(200 + u64::from(b % 5000)),
        reserved_concurrency: on(g, 4).then_some(1 + c % 20),
        async_retries: a % 3,
        routing: routing(g),
        ..LambdaFunction::default()
    })
}

/// A container service; with autoscaling on `queue`'s depth (its own when the design has
/// no queue) or on utilisation.
fn containers(g: &Gene, id: &str, queue: Option<&str>) -> ComponentKind {
    let (a, b, c) = g.n;
    let max_replicas = 1 + a % 5;
    ComponentKind::ContainerService(ContainerService {
        replicas: 1 + a % 4,
        concurrency_per_replica: 1 + b % 4,
        service_ms: dist(g.shape, g.mean_ms),
        fail_prob: g.p * 0.5,
        retry: retry(1 + c % 3, 10.0),
        queue_capacity: on(g, 2).then_some(u64::from(c % 20)),
        autoscale: on(g, 4).then(|| Autoscale {
            metric: if on(g, 8) {
                ScaleMetric::QueueDepth {
                    queue: queue.unwrap_or(id).to_owned(),
                }
            } else {
                ScaleMetric::Utilisation { target: 0.7 }
            },
            min_replicas: 1,
            max_replicas,
            polling_interval: Duration::from_secs(5),
            scale_down_delay: Duration::from_secs(10),
            provisioning_delay: Duration::from_secs(2),
            ..Autoscale::default()
        }),
        routing: routing(g),
        ..ContainerService::default()
    })
}

fn step_functions(g: &Gene) -> ComponentKind {
    let (a, b, c) = g.n;
    ComponentKind::StepFunctions(StepFunctions {
        workflow: if on(g, 2) {
            Workflow::Express
        } else {
            Workflow::Standard
        },
        duration_ms: dist(g.shape, g.mean_ms),
        transitions: 1 + a % 10,
        fail_prob: g.p * 0.5,
        retry: retry(1 + b % 3, 20.0),
        start_throttle: on(g, 4).then(|| Throttle {
            rate_per_s: f64::from(5 + c % 50),
            burst: f64::from(1 + c % 10),
        }),
        ..StepFunctions::default()
    })
}

/// The parameters of gene `g`; `lambda` and `queue` name a Lambda function and an SQS
/// queue of the design, if it has any (a Firehose transform and a queue-depth scaler
/// refer to them).
fn kind_of(g: &Gene, id: &str, lambda: Option<&str>, queue: Option<&str>) -> ComponentKind {
    let (a, b, c) = g.n;
    let on = |bit: u8| on(g, bit);
    let sink = |g: &Gene| ServiceSink {
        latency_ms: dist(g.shape, g.mean_ms / 5.0),
        fail_prob: g.p * 0.3,
        rate_limit: on(2).then(|| Throttle {
            rate_per_s: f64::from(5 + a % 100),
            burst: f64::from(1 + b % 20),
        }),
    };
    match g.kind {
        Kind::Gateway => ComponentKind::ApiGateway(ApiGateway {
            api: if on(1) { ApiType::Http } else { ApiType::Rest },
            throttle: Throttle {
                rate_per_s: f64::from(5 + a % 200),
                burst: f64::from(1 + b % 50),
            },
            integration_timeout: Duration::from_ms(100 + u64::from(c % 20_000)),
            overhead_ms: dist(g.shape, g.mean_ms / 10.0),
        }),
        Kind::Bus => ComponentKind::EventBus(EventBus {
            put_events_per_s: f64::from(10 + a % 1000),
            retry: retry(1 + b % 4, f64::from(c % 500)),
            ..EventBus::default()
        }),
        Kind::Topic => ComponentKind::SnsTopic(SnsTopic {
            publish_per_s: f64::from(10 + a % 500),
            ..SnsTopic::default()
        }),
        Kind::Queue => ComponentKind::SqsQueue(SqsQueue {
            fifo: on(2),
            visibility_timeout: Duration::from_secs(1 + u64::from(a % 30)),
            batch_size: 1 + b % 10,
            max_concurrency: on(4).then_some(2 + c % 8),
            report_batch_item_failures: on(16),
            delivery_delay: Duration::from_secs(u64::from(c % 3)),
            // set below when the queue has a dead-letter link
            max_receive_count: None,
            ..SqsQueue::default()
        }),
        Kind::Lambda => lambda_function(g),
        Kind::Kinesis => stream(false, g),
        Kind::Kafka => stream(true, g),
        Kind::Containers => containers(g, id, queue),
        Kind::StepFunctions => step_functions(g),
        Kind::Table => ComponentKind::DynamoDbTable(DynamoDbTable {
            mode: if on(2) {
                CapacityMode::Provisioned {
                    wcu: 1 + a % 50,
                    rcu: 5,
                }
            } else {
                CapacityMode::OnDemand
            },
            latency_ms: dist(g.shape, g.mean_ms / 10.0),
            stream: on(4),
            stream_shards: 1 + b % 3,
            ..DynamoDbTable::default()
        }),
        Kind::Firehose => ComponentKind::Firehose(Firehose {
            buffer_mb: f64::from(1 + a % 5),
            buffer_interval: Duration::from_secs(u64::from(b % 60)),
            transform: lambda.filter(|_| on(2)).map(str::to_owned),
            ..Firehose::default()
        }),
        Kind::S3 => ComponentKind::S3Bucket(sink(g)),
        Kind::Ses => ComponentKind::Ses(sink(g)),
        Kind::Logs => ComponentKind::LogGroup(sink(g)),
        Kind::Analytics => ComponentKind::Analytics(sink(g)),
        Kind::Sink => ComponentKind::Sink(Sink {}),
    }
}

/// An extra delivery link `(from, to, bits)`: the ends are reduced modulo the number of
/// components and kept only when `from < to` (no cycles); `bits` choose a filter and,
/// from a bus or a topic, a per-target retry policy and dead-letter queue.
type Edge = (usize, usize, u8);

/// A component with no display name.
fn component(id: String, kind: ComponentKind) -> Component {
    Component {
        id,
        name: String::new(),
        kind,
    }
}

/// A 20 s scenario with two event types and `producers` (rate, Poisson or constant,
/// with partition keys or not), each feeding component `n0`.
fn with_producers(producers: &[(f64, bool, bool)]) -> Document {
    let mut d = Document {
        name: "random-aws".into(),
        ..Document::default()
    };
    d.scenario.duration = Duration::from_secs(20);
    for (name, weight) in [("A", 0.7), ("B", 0.3)] {
        d.event_types.push(EventType {
            name: name.into(),
            weight,
            ..EventType::default()
        });
    }
    for (j, &(rate_per_s, poisson, keyed)) in producers.iter().enumerate() {
        d.components.push(component(
            format!("p{j}"),
            ComponentKind::Producer(Producer {
                arrivals: if poisson {
                    Arrivals::Poisson { rate_per_s }
                } else {
                    Arrivals::Constant { rate_per_s }
                },
                keys: keyed.then_some(KeySpace {
                    cardinality: 20,
                    hot_share: 0.3,
                }),
                ..Producer::default()
            }),
        ));
        d.connections.push(Connection::new(&format!("p{j}"), "n0"));
    }
    d
}

/// A delivery link from `from` (of kind `kind`) to `to`; `bits` choose a filter and,
/// from a bus or a topic, a per-target retry policy and dead-letter queue.
fn delivery(from: &str, kind: &ComponentKind, to: &str, bits: u8) -> Connection {
    let mut c = Connection::new(from, to);
    if bits & 64 != 0 {
        c.filter = Some(Filter {
            event_types: vec!["A".into()],
            ..Filter::default()
        });
    }
    if bits & 128 != 0
        && matches!(
            kind,
            ComponentKind::EventBus(_) | ComponentKind::SnsTopic(_)
        )
    {
        c.retry = Some(retry(1 + u32::from(bits % 3), 50.0));
        c.max_event_age = Some(Duration::from_secs(60));
        c.dead_letter = Some("dlq".into());
    }
    c
}

/// A design of `producers` (see [`with_producers`]) and one component per gene, each
/// later component fed by an earlier one that sends on (or by the first producer), plus
/// `extra` forward links and dead-letter links.
fn design(producers: &[(f64, bool, bool)], genes: &[Gene], extra: &[Edge]) -> Document {
    let id = |i: usize| format!("n{i}");
    let lambda = genes.iter().position(|g| g.kind == Kind::Lambda).map(id);
    let queue = genes.iter().position(|g| g.kind == Kind::Queue).map(id);
    let mut d = with_producers(producers);
    let kinds: Vec<ComponentKind> = genes
        .iter()
        .enumerate()
        .map(|(i, g)| kind_of(g, &id(i), lambda.as_deref(), queue.as_deref()))
        .collect();
    d.components.push(component(
        "dlq".into(),
        ComponentKind::DeadLetterQueue(DeadLetterQueue {}),
    ));
    d.components.push(component(
        "dlq-q".into(),
        ComponentKind::SqsQueue(SqsQueue::default()),
    ));

    // delivery links: one into every later component, then the extra ones
    let mut links: Vec<Edge> = Vec::new();
    for (i, g) in genes.iter().enumerate().skip(1) {
        let senders: Vec<usize> = (0..i).filter(|&k| kinds[k].has_outputs()).collect();
        if senders.is_empty() {
            d.connections.push(Connection::new("p0", &id(i)));
        } else {
            links.push((senders[g.n.0 as usize % senders.len()], i, g.bits));
        }
    }
    for &(a, b, bits) in extra {
        let (a, b) = (a % genes.len(), b % genes.len());
        if a < b && kinds[a].has_outputs() && !links.iter().any(|l| (l.0, l.1) == (a, b)) {
            links.push((a, b, bits));
        }
    }
    for (a, b, bits) in links {
        d.connections
            .push(delivery(&id(a), &kinds[a], &id(b), bits));
    }

    // dead letters: to the dead-letter queue or to an SQS queue
    for (i, (g, kind)) in genes.iter().zip(&kinds).enumerate() {
        if kind.can_dead_letter() && on(g, 1) {
            let to = if on(g, 8) { "dlq-q" } else { "dlq" };
            d.connections.push(Connection {
                kind: LinkKind::DeadLetter,
                ..Connection::new(&id(i), to)
            });
        }
        if matches!(kind, ComponentKind::Lambda(_)) && on(g, 8) {
            d.connections.push(Connection {
                kind: LinkKind::OnFailure,
                ..Connection::new(&id(i), "dlq")
            });
        }
    }
    for (i, (g, mut kind)) in genes.iter().zip(kinds).enumerate() {
        if let ComponentKind::SqsQueue(q) = &mut kind
            && on(g, 1)
        {
            q.max_receive_count = Some(1 + g.n.2 % 5);
        }
        d.components.push(component(id(i), kind));
    }
    d
}

/// Run a design that validates: it must build, run without a panic, and balance its
/// ledger with no message leaked, mid-run and at the end.
fn builds_runs_and_balances(d: &Document) -> Result<Report, TestCaseError> {
    let mut sim = match Simulation::new(d) {
        Ok(sim) => sim,
        Err(e) => {
            return Err(TestCaseError::fail(format!(
                "a valid design does not build: {e}"
            )));
        }
    };
    sim.run_until(7 * NS_PER_S);
    let mid = sim.report();
    prop_assert!(mid.ledger.balanced, "mid-run: {:?}", mid.ledger);
    prop_assert!(
        mid.ledger.live_messages_accounted,
        "mid-run: a behaviour leaks messages"
    );
    sim.run();
    let r = sim.report();
    prop_assert!(r.ledger.balanced, "{:?}", r.ledger);
    prop_assert!(
        r.ledger.live_messages_accounted,
        "a behaviour leaks messages"
    );
    for row in r.ledger.producers.values() {
        prop_assert_eq!(row.produced + row.copies, row.accounted());
    }
    Ok(r)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn aws_designs_build_run_and_balance(
        producers in proptest::collection::vec((1.0f64..60.0, any::<bool>(), any::<bool>()), 1..3),
        genes in proptest::collection::vec(gene(), 1..9),
        extra in proptest::collection::vec((0usize..9, 0usize..9, any::<u8>()), 0..8),
        wild in (0usize..16, 0usize..16, 0u8..3),
        seed in any::<u64>(),
    ) {
        let mut d = design(&producers, &genes, &extra);
        d.scenario.seed = seed;
        let errors = errors_of(&validate(&d));
        prop_assert!(errors.is_empty(), "generated an invalid design: {errors:?}");
        let r = builds_runs_and_balances(&d)?;
        prop_assert!(r.components["n0"].counters.arrivals > 0, "nothing reached the first component");

        // one more link of any kind between any two components, backwards (a cycle)
        // or into a kind that cannot take it: what the validator lets through must
        // still build and balance
        let n = d.components.len();
        let mut link = Connection::new(&d.components[wild.0 % n].id, &d.components[wild.1 % n].id);
        link.kind = [LinkKind::Delivery, LinkKind::DeadLetter, LinkKind::OnFailure][usize::from(wild.2)];
        d.connections.push(link);
        if errors_of(&validate(&d)).is_empty() {
            builds_runs_and_balances(&d)?;
        }
    }
}

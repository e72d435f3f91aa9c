//! Property: for any valid graph, nothing panics and the conservation ledger balances.

use proptest::prelude::*;
use spillway::model::{
    Arrivals, Component, ComponentKind, Connection, DeadLetterQueue, Dist, Document, Duration,
    Jitter, LinkKind, Producer, Retry, Routing, Sink, Station, Throttle, validate,
};
use spillway::sim::Simulation;

use crate::common::errors_of;

#[derive(Debug, Clone)]
struct StationSpec {
    servers: u32,
    mean_ms: f64,
    dist: u8,
    fail_prob: f64,
    attempts: u32,
    backoff_ms: f64,
    capacity: Option<u64>,
    max_age_ms: Option<u64>,
    throttle: Option<(f64, f64)>,
    timeout_ms: Option<u64>,
    split: bool,
    dlq: bool,
}

fn station_spec() -> impl Strategy<Value = StationSpec> {
    (
        (
            1u32..5,
            1.0f64..80.0,
            0u8..4,
            0.0f64..0.6,
            1u32..5,
            prop_oneof![Just(0.0), 1.0f64..100.0],
        ),
        (
            proptest::option::of(0u64..20),
            proptest::option::of(10u64..2000),
            proptest::option::of((1.0f64..50.0, 1.0f64..20.0)),
            proptest::option::of(5u64..200),
            any::<bool>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (servers, mean_ms, dist, fail_prob, attempts, backoff_ms),
                (capacity, max_age_ms, throttle, timeout_ms, split, dlq),
            )| {
                StationSpec {
                    servers,
                    mean_ms,
                    dist,
                    fail_prob,
                    attempts,
                    backoff_ms,
                    capacity,
                    max_age_ms,
                    throttle,
                    timeout_ms,
                    split,
                    dlq,
                }
            },
        )
}

/// A service-time distribution of mean (or median) `mean_ms`; `shape` picks exponential,
/// constant, log-normal or uniform.
pub fn dist(shape: u8, mean_ms: f64) -> Dist {
    match shape % 4 {
        0 => Dist::Exponential { mean: mean_ms },
        1 => Dist::Constant(mean_ms),
        2 => Dist::LogNormal {
            p50: mean_ms,
            p99: mean_ms * 4.0,
        },
        _ => Dist::Uniform {
            min: 0.0,
            max: mean_ms * 2.0,
        },
    }
}

fn build(
    producers: &[(f64, bool)],
    stations: &[StationSpec],
    edges: &[(usize, usize)],
    sinks: usize,
) -> Document {
    let mut d = Document {
        name: "random".into(),
        ..Document::default()
    };
    d.scenario.duration = Duration::from_secs(30);
    for (i, (rate, poisson)) in producers.iter().enumerate() {
        let arrivals = if *poisson {
            Arrivals::Poisson { rate_per_s: *rate }
        } else {
            Arrivals::Constant { rate_per_s: *rate }
        };
        d.components.push(Component {
            id: format!("p{i}"),
            name: String::new(),
            kind: ComponentKind::Producer(Producer {
                arrivals,
                ..Producer::default()
            }),
        });
    }
    for (i, s) in stations.iter().enumerate() {
        let service_ms = dist(s.dist, s.mean_ms);
        d.components.push(Component {
            id: format!("s{i}"),
            name: String::new(),
            kind: ComponentKind::Station(Station {
                servers: s.servers,
                service_ms,
                queue_capacity: s.capacity,
                max_age: s.max_age_ms.map(Duration::from_ms),
                throttle: s
                    .throttle
                    .map(|(rate_per_s, burst)| Throttle { rate_per_s, burst }),
                fail_prob: s.fail_prob,
                timeout: s.timeout_ms.map(Duration::from_ms),
                retry: Retry {
                    max_attempts: s.attempts,
                    backoff_ms: s.backoff_ms,
                    jitter: Jitter::Equal,
                    ..Retry::default()
                },
                routing: if s.split {
                    Routing::Split
                } else {
                    Routing::FanOut
                },
            }),
        });
        if s.dlq {
            d.connections.push(Connection {
                kind: LinkKind::DeadLetter,
                ..Connection::new(&format!("s{i}"), "dlq")
            });
        }
    }
    d.components.push(Component {
        id: "dlq".into(),
        name: String::new(),
        kind: ComponentKind::DeadLetterQueue(DeadLetterQueue {}),
    });
    for k in 0..sinks {
        d.components.push(Component {
            id: format!("k{k}"),
            name: String::new(),
            kind: ComponentKind::Sink(Sink {}),
        });
    }
    // every producer feeds the first station; edges go forward only (no cycles)
    for i in 0..producers.len() {
        d.connections.push(Connection::new(&format!("p{i}"), "s0"));
    }
    for &(a, b) in edges {
        let (a, b) = (a % stations.len(), b % (stations.len() + sinks));
        if b < stations.len() {
            if a < b {
                d.connections
                    .push(Connection::new(&format!("s{a}"), &format!("s{b}")));
            }
        } else {
            d.connections.push(Connection::new(
                &format!("s{a}"),
                &format!("k{}", b - stations.len()),
            ));
        }
    }
    d
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn ledger_balances_on_random_graphs(
        producers in proptest::collection::vec((0.5f64..80.0, any::<bool>()), 1..3),
        stations in proptest::collection::vec(station_spec(), 1..6),
        edges in proptest::collection::vec((0usize..8, 0usize..10), 0..12),
        sinks in 0usize..3,
        seed in any::<u64>(),
    ) {
        let mut d = build(&producers, &stations, &edges, sinks);
        d.scenario.seed = seed;
        let errors = errors_of(&validate(&d));
        prop_assert!(errors.is_empty(), "generated an invalid design: {errors:?}");
        let mut sim = Simulation::new(&d).unwrap();
        sim.run_until(10 * spillway::model::NS_PER_S);
        let mid = sim.report();
        prop_assert!(mid.ledger.balanced, "mid-run: {:?}", mid.ledger);
        sim.run();
        let r = sim.report();
        prop_assert!(r.ledger.balanced, "{:?}", r.ledger);
        for row in r.ledger.producers.values() {
            prop_assert_eq!(row.produced + row.copies, row.accounted());
        }
    }
}

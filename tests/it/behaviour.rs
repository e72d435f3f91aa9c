//! Mechanisms: retries, throttling, fan-out and split, buffers, timeouts, warm-up,
//! determinism, stepping and cancellation.

use super::common::{close, comp, doc, example, run};
use spillway::model::{Duration, NS_PER_S};
use spillway::sim::{Combiner, Report, Simulation, Tally, run_replications};

fn retry_doc(fail_prob: f64, attempts: u32) -> spillway::model::Document {
    doc(&format!(
        r#"(
        scenario: (duration: "20000s", seed: 3),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 10.0))),
            (id: "s", kind: Station(servers: 4, service_ms: Exponential(mean: 20.0),
                fail_prob: {fail_prob}, retry: (max_attempts: {attempts}, backoff_ms: 50.0, jitter: Full))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "s"), (from: "s", to: "dlq", kind: DeadLetter)],
    )"#
    ))
}

#[test]
fn retries_follow_the_geometric_law() {
    // Unbounded-ish retries: expected retries per event p / (1 - p).
    let r = run(&retry_doc(0.3, 30));
    let s = comp(&r, "s");
    close(
        "retries per event",
        s.counters.retries as f64 / s.counters.arrivals as f64,
        0.3 / 0.7,
        0.02,
    );
    close(
        "attempts that failed",
        s.counters.failures as f64 / (s.counters.arrivals + s.counters.retries) as f64,
        0.3,
        0.02,
    );
    // Three attempts: p + p^2 retries per event, p^3 dead-lettered.
    let r = run(&retry_doc(0.3, 3));
    let s = comp(&r, "s");
    let n = s.counters.arrivals as f64;
    close(
        "retries per event (3 attempts)",
        s.counters.retries as f64 / n,
        0.3 + 0.09,
        0.02,
    );
    close(
        "dead-letter fraction (3 attempts)",
        s.counters.dead_lettered as f64 / n,
        0.027,
        0.05,
    );
    let dlq = comp(&r, "dlq");
    assert_eq!(dlq.counters.arrivals, s.counters.dead_lettered);
    assert_eq!(
        dlq.extra.get("reason_error"),
        Some(&(s.counters.dead_lettered as f64))
    );
}

#[test]
fn token_bucket_admits_rate_times_time_plus_burst() {
    let r = run(&doc(r#"(
        scenario: (duration: "60s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 100.0), retry: (max_attempts: 1))),
            (id: "gate", kind: Station(servers: 1000, service_ms: Constant(1.0), throttle: (rate_per_s: 10.0, burst: 50.0))),
        ],
        connections: [(from: "p", to: "gate")],
    )"#));
    let g = comp(&r, "gate");
    assert_eq!(g.counters.arrivals, 6000);
    let admitted = g.counters.arrivals - g.counters.rejected;
    assert!(
        (649..=650).contains(&admitted),
        "admitted {admitted}, expected 10/s x 60 s + 50"
    );
    assert_eq!(r.ledger.producers["p"].rejected, g.counters.rejected);
}

#[test]
fn producers_retry_refused_sends_with_backoff() {
    // 3 attempts: each refused event is sent up to twice more, 100 ms and 200 ms later
    // (no jitter), so arrivals at the gate = events + retries, and events refused on
    // all three attempts end as rejected in the ledger.
    let r = run(&doc(r#"(
        scenario: (duration: "60s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 100.0),
                retry: (max_attempts: 3, backoff_ms: 100.0, multiplier: 2.0, jitter: None))),
            (id: "gate", kind: Station(servers: 1000, service_ms: Constant(1.0), throttle: (rate_per_s: 10.0, burst: 50.0))),
        ],
        connections: [(from: "p", to: "gate")],
    )"#));
    let g = comp(&r, "gate");
    let p = comp(&r, "p");
    let row = &r.ledger.producers["p"];
    // resends still waiting out their backoff at the end have not arrived
    assert!(g.counters.arrivals <= 6000 + p.counters.retries);
    assert!(g.counters.arrivals + row.in_flight >= 6000 + p.counters.retries);
    // the throttle still admits rate x time + burst, however often it is asked
    let admitted = g.counters.arrivals - g.counters.rejected;
    assert!((649..=650).contains(&admitted), "admitted {admitted}");
    assert!(row.balanced);
    // an event is lost only after three refusals
    assert_eq!(g.counters.rejected, p.counters.retries + row.rejected);
    assert!(p.counters.retries <= 2 * 6000);
    assert!(row.rejected > 5000, "{}", row.rejected);
}

const MIX: &str = r#"(
    scenario: (duration: "2000s", seed: 5),
    event_types: [
        (name: "order", weight: 3.0, attributes: {"region": [("eu", 1.0), ("us", 1.0)]}),
        (name: "refund", weight: 1.0, payload_bytes: Uniform(min: 100.0, max: 200.0)),
    ],
    components: [
        (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 50.0))),
        (id: "bus", kind: Station(servers: 8, service_ms: Constant(1.0), routing: ROUTING)),
        (id: "all", kind: Sink()),
        (id: "orders", kind: Sink()),
        (id: "eu", kind: Sink()),
        (id: "not_eu", kind: Sink()),
    ],
    connections: [
        (from: "p", to: "bus"),
        (from: "bus", to: "all", weight: 1.0),
        (from: "bus", to: "orders", filter: (event_types: ["order"]), weight: 1.0),
        (from: "bus", to: "eu", filter: (attributes: {"region": Equals(["eu"])}), weight: 2.0),
        (from: "bus", to: "not_eu", filter: (attributes: {"region": AnythingBut(["eu"])}), weight: 0.0),
    ],
)"#;

#[test]
fn fan_out_copies_to_every_matching_link_and_conserves_counts() {
    let r = run(&doc(&MIX.replace("ROUTING", "FanOut")));
    let produced = r.ledger.producers["p"].produced;
    let n = |c: &str| comp(&r, c).counters.arrivals;
    assert_eq!(
        n("all"),
        produced,
        "an unfiltered subscription sees every event"
    );
    close(
        "orders share",
        n("orders") as f64 / produced as f64,
        0.75,
        0.02,
    );
    close("eu share", n("eu") as f64 / produced as f64, 0.375, 0.03);
    // AnythingBut requires the attribute to be present: refunds have no region
    assert_eq!(
        n("eu") + n("not_eu"),
        n("orders"),
        "every order has a region, refunds have none"
    );
    let ledger = &r.ledger.producers["p"];
    assert_eq!(
        ledger.produced + ledger.copies,
        n("all") + n("orders") + n("eu") + n("not_eu") + ledger.in_flight
    );
    assert_eq!(ledger.filtered, 0);
}

#[test]
fn split_routes_each_event_once_by_weight_among_matching_links() {
    let r = run(&doc(&MIX.replace("ROUTING", "Split")));
    let produced = r.ledger.producers["p"].produced as f64;
    let n = |c: &str| comp(&r, c).counters.arrivals as f64;
    assert_eq!(r.ledger.producers["p"].copies, 0);
    // orders match all, orders, eu-or-not: weights all 1, orders 1, eu 2, not_eu 0
    // eu orders (3/8 of events): all 1/4, orders 1/4, eu 1/2; us orders (3/8): all 1/2, orders 1/2
    // refunds (1/4): all only
    close(
        "all",
        n("all") / produced,
        0.375 / 4.0 + 0.375 / 2.0 + 0.25,
        0.03,
    );
    close("eu", n("eu") / produced, 0.375 / 2.0, 0.03);
    assert_eq!(n("not_eu"), 0.0, "zero weight is never chosen");
}

#[test]
fn bounded_buffers_drop_and_old_messages_expire() {
    let r = run(&doc(r#"(
        scenario: (duration: "1000s"),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 2.0))),
            (id: "small", kind: Station(servers: 1, service_ms: Exponential(mean: 1000.0), queue_capacity: 3)),
            (id: "stale", kind: Station(servers: 1, service_ms: Constant(1000.0), max_age: "5s")),
        ],
        connections: [(from: "p", to: "small"), (from: "p", to: "stale")],
    )"#));
    let small = comp(&r, "small");
    assert!(small.counters.dropped > 0);
    assert!(small.queue_depth.max <= 3);
    let stale = comp(&r, "stale");
    assert!(stale.counters.expired > 0);
    // nothing served waited longer than the age limit
    assert!(stale.wait_ms.as_ref().unwrap().max <= 5000.0);
    let l = &r.ledger.producers["p"];
    assert_eq!(l.dropped, small.counters.dropped);
    assert_eq!(l.expired, stale.counters.expired);
}

#[test]
fn timeouts_fail_attempts_and_dead_letter_with_the_reason() {
    let r = run(&doc(r#"(
        scenario: (duration: "100s500ms"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1.0))),
            (id: "slow", kind: Station(servers: 10, service_ms: Constant(100.0), timeout: "50ms", retry: (max_attempts: 2))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "slow"), (from: "slow", to: "dlq", kind: DeadLetter)],
    )"#));
    let s = comp(&r, "slow");
    assert_eq!(s.counters.arrivals, 100);
    assert_eq!(s.counters.timeouts, 200);
    assert_eq!(s.counters.dead_lettered, 100);
    assert_eq!(s.service_ms.as_ref().unwrap().max, 50.0);
    let dlq = comp(&r, "dlq");
    assert_eq!(dlq.extra.get("reason_timeout"), Some(&100.0));
    assert_eq!(dlq.extra.get("from_slow"), Some(&100.0));
    // the first event arrives at 1 s and is dead-lettered 100 ms later, after two
    // 50 ms attempts; the run ends at 100.5 s
    assert!((dlq.extra["oldest_age_s"] - 99.4).abs() < 1e-9);
    // the age gauge grows by about one second per second (buckets of 0.5 s)
    let age = &dlq.series.gauges["oldest_age_s"];
    let last = age[age.len() - 1];
    assert!((97.0..=99.5).contains(&last), "{last}");
    assert!(age[age.len() / 2] < last - 40.0);
}

#[test]
fn warm_up_discards_early_statistics_but_not_the_ledger() {
    let mut d = example("mm1.ron");
    d.scenario.duration = Duration::from_secs(20_000);
    d.scenario.warmup = Duration::from_secs(10_000);
    let r = run(&d);
    let arrivals = comp(&r, "server").counters.arrivals as f64;
    close("arrivals after warm-up", arrivals, 0.8 * 10_000.0, 0.05);
    let produced = r.ledger.producers["clients"].produced as f64;
    close(
        "produced over the whole run",
        produced,
        0.8 * 20_000.0,
        0.05,
    );
}

#[test]
fn same_seed_same_json_other_seed_other_json() {
    let mut d = example("bench-pipeline.ron");
    d.scenario.duration = Duration::from_secs(300);
    let json = |d: &spillway::model::Document| serde_json::to_string(&run(d)).unwrap();
    let a = json(&d);
    assert_eq!(a, json(&d));
    d.scenario.seed = 2;
    assert_ne!(a, json(&d));
}

#[test]
fn adding_an_unrelated_component_leaves_the_others_unchanged() {
    let mut d = example("bench-pipeline.ron");
    d.scenario.duration = Duration::from_secs(300);
    let before = run(&d);
    let extra = doc(r#"(components: [
        (id: "other", kind: Producer(arrivals: Poisson(rate_per_s: 5.0))),
        (id: "other_sink", kind: Sink()),
    ], connections: [(from: "other", to: "other_sink")])"#);
    d.components.extend(extra.components);
    d.connections.extend(extra.connections);
    let after = run(&d);
    for name in ["A", "B", "C", "DLQ"] {
        assert_eq!(
            serde_json::to_value(comp(&before, name)).unwrap(),
            serde_json::to_value(comp(&after, name)).unwrap(),
            "{name} changed"
        );
    }
}

#[test]
fn can_be_stepped_read_mid_run_and_cancelled() {
    let mut d = example("bench-pipeline.ron");
    d.scenario.duration = Duration::from_secs(600);
    let mut sim = Simulation::new(&d).unwrap();
    for _ in 0..1000 {
        assert!(sim.step());
    }
    assert_eq!(sim.events_processed(), 1000);
    sim.run_until(100 * NS_PER_S);
    let mid = sim.report();
    assert!(!mid.finished);
    assert_eq!(mid.simulated_s, 100.0);
    assert!(mid.ledger.balanced);
    let mut calls = 0;
    let finished = sim.run_with_progress(10, |_| {
        calls += 1;
        calls < 3
    });
    assert!(!finished);
    assert!(sim.now() < sim.end());
    sim.run();
    assert!(sim.is_finished());
    assert!(!sim.step(), "nothing left after the end");
    let end = sim.report();
    assert!(end.finished && end.ledger.balanced);
    assert!(end.components["A"].series.throughput_per_s.len() >= 100);
}

#[test]
fn replications_give_confidence_intervals() {
    let mut d = example("mm1.ron");
    d.scenario.duration = Duration::from_secs(20_000);
    d.scenario.replications = 4;
    let reports = run_replications(&d, None).unwrap();
    assert_eq!(reports.len(), 4);
    assert_ne!(reports[0].seed, reports[1].seed);
    assert_eq!(reports[0].seed, d.scenario.seed);
    let combine = |reports: &[Report]| {
        let mut c = Combiner::default();
        for r in reports {
            c.add(r.real());
        }
        c.finish().unwrap()
    };
    let v = combine(&reports);
    assert_eq!(v.mean.schema, "spillway.report/1");
    assert_eq!(v.count, 4);
    let sojourn = v
        .pair()
        .part(|r| r.components.get("server"))
        .and_then(|c| c.part(|c| c.sojourn_ms.as_ref()))
        .unwrap()
        .get(|l| l.mean);
    let (mean, half) = (sojourn.mean, sojourn.half_width.unwrap());
    assert!(half > 0.0 && half < mean);
    let each: Vec<f64> = reports
        .iter()
        .map(|r| r.components["server"].sojourn_ms.as_ref().unwrap().mean)
        .collect();
    close("combined mean", mean, each.iter().sum::<f64>() / 4.0, 1e-9);
    // the JSON edge writes the same numbers, the half-widths under `ci95`
    let book = spillway::cost::PriceBook::builtin().unwrap();
    let j = spillway::cost::report_json(&reports, &d.cost, &book).unwrap();
    assert_eq!(j["replications"], 4);
    assert_eq!(
        j["components"]["server"]["sojourn_ms"]["mean"].as_f64(),
        Some(mean)
    );
    assert_eq!(
        j["ci95"]["components"]["server"]["sojourn_ms"]["mean"].as_f64(),
        Some(half)
    );
    // the same replications again give the same combination
    let again = combine(&run_replications(&d, None).unwrap());
    let json = |x: &spillway::sim::Combined<Report<spillway::sim::Count>>| {
        serde_json::to_string(&(&x.mean, &x.ci95)).unwrap()
    };
    assert_eq!(json(&v), json(&again));
}

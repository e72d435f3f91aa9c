//! Runs that would never end stop themselves: loops that keep a message busy at one
//! simulated instant, loops that advance time slowly, fan-out loops. Each run ends with
//! a `halted` reason naming the loop, within a bounded number of events; designs without
//! such loops are untouched, and feedback that does end matches queueing theory.

use super::common::{close, comp, doc, example, run_ok};
use spillway::model::{Document, Duration, Severity, validate};
use spillway::sim::{MAX_EVENTS_AT_ONE_INSTANT, Simulation};

/// Build a run of `d`, let `setup` tighten its limits, run it to its end and return the
/// reason it halted and the events it processed.
fn halt_of(d: &Document, setup: impl FnOnce(&mut Simulation)) -> (String, u64) {
    let mut sim = Simulation::new(d).unwrap_or_else(|e| panic!("{e}"));
    setup(&mut sim);
    sim.run();
    let why = sim
        .halted()
        .unwrap_or_else(|| panic!("the run must stop itself: {:?}", sim.report().events))
        .to_owned();
    let r = sim.report();
    assert!(!r.finished);
    assert_eq!(r.halted.as_deref(), Some(why.as_str()));
    assert!(
        r.ledger.balanced,
        "the ledger balances when stopped: {:?}",
        r.ledger
    );
    assert!(!sim.step(), "a halted run stays halted");
    (why, sim.events_processed())
}

/// A design that may be refused by validation (a loop messages practically never
/// leave): either validation refuses it naming a component of the loop, or its run
/// stops by itself naming the loop. Returns the halt reason when it ran.
fn refused_or_halted(d: &Document, members: &[&str]) -> Option<String> {
    refused_or_halted_with(d, members, |_| {})
}

/// [`refused_or_halted`] with limits set by `setup`.
fn refused_or_halted_with(
    d: &Document,
    members: &[&str],
    setup: impl FnOnce(&mut Simulation),
) -> Option<String> {
    let errors: Vec<_> = validate(d)
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    if let Some(e) = errors.first() {
        let text = e.to_string();
        assert!(members.iter().any(|m| text.contains(m)), "{text}");
        return None;
    }
    let (why, events) = halt_of(d, setup);
    assert!(events < 5 * MAX_EVENTS_AT_ONE_INSTANT, "{events} events");
    Some(why)
}

/// Stations `a` and `b` in a cycle with no delay anywhere: `b` sends `back` of its
/// output to `a` and the rest to a sink.
fn two_station_loop(back: f64) -> Document {
    doc(&format!(
        r#"(
        scenario: (duration: "1h"),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 1.0))),
            (id: "a", kind: Station(servers: 1, service_ms: Constant(0.0))),
            (id: "b", kind: Station(servers: 1, service_ms: Constant(0.0), routing: Split)),
            (id: "out", kind: Sink()),
        ],
        connections: [
            (from: "p", to: "a"), (from: "a", to: "b"),
            (from: "b", to: "a", weight: {back}), (from: "b", to: "out", weight: {}),
        ],
    )"#,
        1.0 - back
    ))
}

#[test]
fn a_zero_delay_loop_stops_at_the_hop_limit_naming_the_loop() {
    // 0.999999 back: a message goes round about a million times, at one instant
    if let Some(why) = refused_or_halted(&two_station_loop(0.999_999), &["a", "b"]) {
        assert!(why.contains("handed on 100000 times"), "{why}");
        assert!(why.contains("the loop a -> b -> a with no delay"), "{why}");
    }
    // the engine guard itself, on a design every validation accepts: 0.9 back, the
    // limit lowered to 40 hand-offs (0.9^20 laps of two hops: within a few hundred
    // messages)
    let (why, events) = halt_of(&two_station_loop(0.9), |s| s.set_hop_limit(40));
    assert!(why.starts_with("stopped at "), "{why}");
    assert!(
        why.contains(
            "a message was handed on 40 times, going round the loop a -> b -> a with no delay"
        ),
        "{why}"
    );
    assert!(events < 1_000_000, "{events}");
}

#[test]
fn time_standing_still_stops_at_the_instant_limit() {
    // no hop limit: the cap on events at one simulated instant stops the loop
    let (why, events) = halt_of(&two_station_loop(0.99), |s| {
        s.set_hop_limit(u32::MAX);
        s.set_instant_limit(300);
    });
    assert!(
        why.contains("300 events at this one instant without the clock moving on"),
        "{why}"
    );
    assert!(why.contains("the loop a -> b -> a with no delay"), "{why}");
    assert!(events < 1_000_000, "{events}");
}

#[test]
fn a_station_splitting_into_itself_stops() {
    let d = |back: f64, service: &str| {
        doc(&format!(
            r#"(
            scenario: (duration: "1h"),
            components: [
                (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 10.0))),
                (id: "s", name: "Self", kind: Station(servers: 4, service_ms: {service}, routing: Split)),
                (id: "k", kind: Sink()),
            ],
            connections: [(from: "p", to: "s"), (from: "s", to: "s", weight: {back}), (from: "s", to: "k", weight: 1.0)],
        )"#
        ))
    };
    // 1e9:1 back at zero delay
    if let Some(why) = refused_or_halted(&d(1e9, "Constant(0.0)"), &["Self", "s"]) {
        assert!(
            why.contains("handed on 100000 times, going round the loop Self -> Self with no delay"),
            "{why}"
        );
    }
    // 9:1 back, time advancing a millisecond a lap
    let (why, _) = halt_of(&d(9.0, "Exponential(mean: 1.0)"), |s| s.set_hop_limit(30));
    assert!(
        why.contains("handed on 30 times, going round the loop Self -> Self in "),
        "{why}"
    );
}

#[test]
fn an_sqs_queue_consuming_into_itself_stops() {
    let d = doc(r#"(
        scenario: (duration: "10m"),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 5.0))),
            (id: "q", kind: SqsQueue()),
        ],
        connections: [(from: "p", to: "q"), (from: "q", to: "q")],
    )"#);
    if let Some(why) = refused_or_halted(&d, &["q"]) {
        assert!(why.contains("q -> q"), "{why}");
    }
}

#[test]
fn an_s3_bucket_notifying_itself_stops() {
    let d = doc(r#"(
        scenario: (duration: "10m"),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 5.0))),
            (id: "b", kind: S3Bucket()),
        ],
        connections: [(from: "p", to: "b"), (from: "b", to: "b")],
    )"#);
    if let Some(why) = refused_or_halted(&d, &["b"]) {
        assert!(why.contains("b -> b"), "{why}");
    }
}

#[test]
fn a_lambda_destination_loop_stops() {
    // the function sends nine in ten results on to `g`, which hands them back
    let d = |links: &str| {
        doc(&format!(
            r#"(
            scenario: (duration: "10m"),
            components: [
                (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 20.0))),
                (id: "f", kind: Lambda(duration_ms: Constant(20.0), routing: Split)),
                (id: "g", kind: Lambda(duration_ms: Constant(20.0))),
                (id: "k", kind: Sink()),
            ],
            connections: [(from: "p", to: "f"), {links}],
        )"#
        ))
    };
    let (why, events) = halt_of(
        &d(
            r#"(from: "f", to: "g", weight: 9.0), (from: "f", to: "k", weight: 1.0), (from: "g", to: "f")"#,
        ),
        |s| s.set_hop_limit(30),
    );
    assert!(why.contains("going round the loop f -> g -> f"), "{why}");
    assert!(events < 1_000_000, "{events}");
    // straight back into itself is refused before the run, naming the link
    let own = d(r#"(from: "f", to: "f", weight: 9.0), (from: "f", to: "k", weight: 1.0)"#);
    assert!(
        validate(&own)
            .iter()
            .any(|p| p.severity == Severity::Error
                && p.to_string().contains("`f` delivers to itself")),
        "{:?}",
        validate(&own)
    );
    // twice back to itself as a fan-out, with nowhere else to go: never ends
    let twice = doc(r#"(
        scenario: (duration: "10s"),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 20.0))),
            (id: "f", kind: Lambda(duration_ms: Constant(1.0))),
            (id: "k", kind: Sink()),
        ],
        connections: [(from: "p", to: "f"), (from: "f", to: "f"), (from: "f", to: "f"), (from: "f", to: "k")],
    )"#);
    // (left alone it ends by itself after 10 s, but with some 60 million events: the
    // copies' hand-offs are counted, so a lower hop limit stops it early)
    if let Some(why) = refused_or_halted_with(&twice, &["f"], |s| s.set_hop_limit(50)) {
        assert!(why.contains("f -> f"), "{why}");
    }
}

#[test]
fn fan_out_loops_stop_naming_the_loop() {
    // A copies every event to B1 and B2, and both send it back to A
    let d = doc(r#"(
        scenario: (duration: "1h"),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 1.0))),
            (id: "A", kind: Station(servers: 1000, service_ms: Constant(1.0))),
            (id: "B1", kind: Station(servers: 1000, service_ms: Constant(1.0))),
            (id: "B2", kind: Station(servers: 1000, service_ms: Constant(1.0))),
            (id: "out", kind: Sink()),
        ],
        connections: [
            (from: "p", to: "A"), (from: "A", to: "B1"), (from: "A", to: "B2"),
            (from: "B1", to: "A"), (from: "B2", to: "A"), (from: "B1", to: "out"),
        ],
    )"#);
    let warnings = validate(&d);
    assert!(
        warnings
            .iter()
            .any(|p| p.message.contains("multiplies events")),
        "{warnings:?}"
    );
    let (why, events) = halt_of(&d, |s| s.set_live_limit(10_000));
    assert!(why.contains("more than 10000 events in flight"), "{why}");
    // the shortest loop through the last component, and the rest of the tangle
    assert!(
        why.contains(
            "growing round the loop A -> B1 -> A (in a tangle of loops that also passes through B2)"
        ) || why.contains(
            "growing round the loop A -> B2 -> A (in a tangle of loops that also passes through B1)"
        ),
        "{why}"
    );
    assert!(events < 1_000_000, "{events}");
    // with zero delay the copies never let the clock move: the hop or instant guard
    let zero = doc(r#"(
        scenario: (duration: "1h"),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 1.0))),
            (id: "A", kind: Station(servers: 1000000, service_ms: Constant(0.0))),
            (id: "out", kind: Sink()),
        ],
        connections: [(from: "p", to: "A"), (from: "A", to: "A"), (from: "A", to: "out")],
    )"#);
    if let Some(why) = refused_or_halted(&zero, &["A"]) {
        assert!(why.contains("A -> A"), "{why}");
    }
}

#[test]
fn feedback_that_ends_matches_queueing_theory() {
    // M/M/1 with Bernoulli feedback: lambda = 1/s, mu = 10/s, p = 0.5 back. Visits per
    // event 1 / (1 - p) = 2; the station sees lambda / (1 - p) = 2/s, utilisation 0.2,
    // mean time per visit 1 / (mu - 2) = 125 ms.
    let mut d = doc(r#"(
        scenario: (duration: "1h", seed: 11),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 1.0))),
            (id: "s", kind: Station(servers: 1, service_ms: Exponential(mean: 100.0), routing: Split)),
            (id: "k", kind: Sink()),
        ],
        connections: [(from: "p", to: "s"), (from: "s", to: "s", weight: 0.5), (from: "s", to: "k", weight: 0.5)],
    )"#);
    d.scenario.duration = Duration::from_secs(20_000);
    let r = run_ok(&d);
    assert!(r.finished && r.halted.is_none());
    let produced = r.ledger.producers["p"].produced as f64;
    let s = comp(&r, "s");
    close(
        "visits per event",
        s.counters.arrivals as f64 / produced,
        2.0,
        0.03,
    );
    close("utilisation", s.utilisation.unwrap(), 0.2, 0.05);
    close(
        "time per visit",
        s.sojourn_ms.as_ref().unwrap().mean,
        125.0,
        0.06,
    );
}

#[test]
fn designs_without_runaway_loops_never_come_near_the_limits() {
    // every example, with limits a hundred times tighter than the defaults
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ron") {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap();
        let mut d = example(name);
        d.scenario.duration = d.scenario.duration.min(Duration::from_secs(300));
        d.scenario.warmup = Duration::ZERO;
        let mut sim = Simulation::new(&d).unwrap();
        sim.set_hop_limit(1000);
        sim.set_instant_limit(MAX_EVENTS_AT_ONE_INSTANT / 100);
        sim.run();
        assert_eq!(sim.halted(), None, "{name}");
        assert!(sim.report().finished, "{name}");
    }
}

//! What live runs in the editor rely on, without the GUI: a run advanced in slices of
//! simulated time gives exactly the report of a run in one go, the per-connection
//! counts, and the insight layer (Erlang C, Little's law, bottleneck text, deltas).

use std::collections::BTreeMap;

use spillway::cost::{self, PriceBook};
use spillway::insight::{analytic, bottleneck, delta};
use spillway::model::Duration;
use spillway::sim::Simulation;

use super::common::{close, doc, example};

fn capacities(sim: &Simulation, d: &spillway::model::Document) -> BTreeMap<String, u64> {
    d.components
        .iter()
        .zip(sim.capacities())
        .map(|(c, n)| (c.display_name().to_owned(), n))
        .collect()
}

#[test]
fn a_run_in_slices_gives_the_report_of_a_run_in_one_go() {
    let mut d = example("order-fanout.ron");
    d.scenario.duration = Duration::from_secs_f64(1200.0).unwrap();
    let mut whole = Simulation::new(&d).unwrap();
    whole.run();
    let want = serde_json::to_string(&whole.report()).unwrap();

    // one bucket at a time (fast mode), and uneven slices (paced mode)
    for slice_ns in [whole.bucket(), 7_300_000_000, 130_000_000] {
        let mut sim = Simulation::new(&d).unwrap();
        let mut t = 0;
        while !sim.is_finished() {
            t += slice_ns;
            sim.run_until(t);
            let _ = sim.report(); // reading mid-run changes nothing
        }
        assert_eq!(serde_json::to_string(&sim.report()).unwrap(), want);
    }
}

#[test]
fn connection_counts_follow_the_messages() {
    let mut d = example("bench-pipeline.ron");
    d.scenario.duration = Duration::from_secs_f64(600.0).unwrap();
    d.scenario.warmup = Duration::from_secs_f64(0.0).unwrap();
    let mut sim = Simulation::new(&d).unwrap();
    sim.run();
    let n = sim.connection_counts();
    let r = sim.report();
    // ingest -> A, A -> B, A -> C, B -> DLQ
    assert_eq!(n.len(), 4);
    assert_eq!(n[0], r.ledger.producers["ingest"].produced);
    assert_eq!(n[1], r.components["A"].counters.completions);
    assert_eq!(n[2], n[1]);
    assert_eq!(n[3], r.components["B"].counters.dead_lettered);
    assert!(n[3] > 0);
}

#[test]
fn erlang_c_and_littles_law_sit_beside_the_simulated_mmc() {
    let mut d = example("mmc.ron");
    d.scenario.duration = Duration::from_secs_f64(200_000.0).unwrap();
    let mut sim = Simulation::new(&d).unwrap();
    sim.run();
    let r = sim.report();
    let pools = analytic::pools(&d, &r, &capacities(&sim, &d));
    assert_eq!(pools.len(), 1);
    let p = &pools[0];
    assert_eq!(p.capacity, 4);
    let m = p
        .mmc
        .as_ref()
        .expect("an exponential station is M/M/c-like");
    close("offered load", p.offered_load, 3.0, 0.02);
    close(
        "Erlang C sojourn",
        p.sojourn_ms.unwrap(),
        m.sojourn_ms,
        0.04,
    );
    close("utilisation", p.utilisation, p.offered_utilisation, 0.02);
    assert!(
        p.little_error().abs() < 0.02,
        "Little: {}",
        p.little_error()
    );
}

#[test]
fn the_bottleneck_is_named_with_its_limit_and_a_remedy() {
    // 10 servers of 100 ms take 100/s; the load steps from 50/s to 140/s at 10 min
    let d = doc(r#"(
        name: "Overload",
        scenario: (duration: "20m", seed: 3, bucket: "10s"),
        components: [
            (id: "in", kind: Producer(arrivals: Profile(points: [
                (at: "0s", rate_per_s: 50.0), (at: "10m", rate_per_s: 140.0)]))),
            (id: "order-worker", kind: Station(servers: 10, service_ms: Exponential(mean: 100.0))),
            (id: "out", kind: Sink()),
        ],
        connections: [(from: "in", to: "order-worker"), (from: "order-worker", to: "out")],
    )"#);
    let mut sim = Simulation::new(&d).unwrap();
    sim.run();
    let r = sim.report();
    let c = cost::estimate(&r, &d.cost, &PriceBook::builtin().unwrap());
    let f = bottleneck::explain(&d, &r, &capacities(&sim, &d), &c);
    let first = &f[0];
    assert_eq!(first.component.as_deref(), Some("order-worker"));
    let at = first.at_s.unwrap();
    assert!((600.0..=640.0).contains(&at), "saturated at {at}");
    assert!(
        first.text.contains("reached its server count of 10 at 10:"),
        "{}",
        first.text
    );
    // 140/s x 100 ms at 85% needs 17 servers (18 with a minute's noise above 140/s)
    let need: u32 = first
        .text
        .split("raise servers to >= ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no remedy in: {}", first.text));
    assert!((17..=18).contains(&need), "{}", first.text);
    assert!(
        first.text.contains("backlog at order-worker grew at"),
        "{}",
        first.text
    );
    let h = bottleneck::headline(&r, &c);
    assert!(h.starts_with("p99 end to end"), "{h}");
}

#[test]
fn the_delta_of_a_run_with_more_servers_shows_a_lower_p99() {
    let mut d = example("bench-pipeline.ron");
    d.scenario.duration = Duration::from_secs_f64(1800.0).unwrap();
    let book = PriceBook::builtin().unwrap();
    let run = |d: &spillway::model::Document| {
        let mut sim = Simulation::new(d).unwrap();
        sim.run();
        let r = sim.report();
        spillway::cost::RunResult::single(&r, &spillway::cost::estimate(&r, &d.cost, &book))
    };
    let before = run(&d);
    if let spillway::model::ComponentKind::Station(s) = &mut d.components[2].kind {
        s.servers = 2;
    }
    let after = run(&d);
    let rows = delta::compare(&before, &after);
    let b_p99 = rows
        .iter()
        .find(|r| r.subject == "B" && r.quantity == "p99 ms")
        .unwrap();
    assert!(b_p99.change().unwrap() < -0.5, "{b_p99:?}");
}

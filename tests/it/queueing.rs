//! The engine against queueing theory, with fixed seeds and stated tolerances.
//!
//! Tolerances: the standard error of a mean waiting time from N customers of an M/M/1
//! queue at load rho is about sqrt(rho (2 + 5 rho - 4 rho^2 + rho^3) / N) / (1 - rho)^2
//! service times (Whitt 1989, "Planning queueing simulations"); at rho = 0.8 and 2M
//! arrivals that is 0.6% of the mean sojourn, so 2% is more than three standard errors.

use super::common::{close, comp, doc, example, lengthen, run};
use spillway::model::Duration;

#[test]
fn mm1_matches_analytic_means() {
    // lambda = 0.8/s, mu = 1/s: rho = 0.8, Wq = rho / (mu - lambda) = 4 s, W = 5 s, Lq = 3.2
    let mut d = example("mm1.ron");
    lengthen(&mut d, 2_000_000.0, 0.8);
    let r = run(&d);
    let s = comp(&r, "server");
    assert!(s.counters.arrivals > 1_900_000);
    close(
        "M/M/1 mean wait (ms)",
        s.wait_ms.as_ref().unwrap().mean,
        4000.0,
        0.02,
    );
    close(
        "M/M/1 mean sojourn (ms)",
        s.sojourn_ms.as_ref().unwrap().mean,
        5000.0,
        0.02,
    );
    close("M/M/1 utilisation", s.utilisation.unwrap(), 0.8, 0.01);
    close("M/M/1 mean queue length", s.queue_depth.mean, 3.2, 0.03);
    close(
        "M/M/1 mean service (ms)",
        s.service_ms.as_ref().unwrap().mean,
        1000.0,
        0.01,
    );
    // the sojourn time of M/M/1 FIFO is exponential with rate mu - lambda: p99 = ln(100) * 5 s
    close(
        "M/M/1 sojourn p99 (ms)",
        s.sojourn_ms.as_ref().unwrap().p99,
        100f64.ln() * 5000.0,
        0.03,
    );
}

#[test]
fn mmc_matches_erlang_c() {
    // M/M/4, lambda = 3, mu = 1: a = 3, rho = 0.75, P0 = 1/26.5, C(4, 3) = 13.5/26.5
    let c_wait = 13.5 / 26.5;
    let wq = c_wait / (4.0 - 3.0);
    let mut d = example("mmc.ron");
    // waits are zero for half the customers, so the mean wait is noisier than in M/M/1:
    // 6M arrivals put its standard error near 0.5%
    lengthen(&mut d, 6_000_000.0, 3.0);
    let r = run(&d);
    let s = comp(&r, "servers");
    close(
        "M/M/4 mean wait (ms)",
        s.wait_ms.as_ref().unwrap().mean,
        wq * 1000.0,
        0.02,
    );
    close(
        "M/M/4 mean sojourn (ms)",
        s.sojourn_ms.as_ref().unwrap().mean,
        (wq + 1.0) * 1000.0,
        0.02,
    );
    close("M/M/4 utilisation", s.utilisation.unwrap(), 0.75, 0.01);
    close("M/M/4 mean busy servers", s.in_flight.mean, 3.0, 0.01);
}

#[test]
fn md1_matches_pollaczek_khinchine() {
    // M/D/1, lambda = 0.8, D = 1 s: Wq = rho D / (2 (1 - rho)) = 2 s, W = 3 s
    let mut d = doc(r#"(
        scenario: (warmup: "1h", seed: 11),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 0.8))),
            (id: "server", kind: Station(servers: 1, service_ms: Constant(1000.0))),
        ],
        connections: [(from: "p", to: "server")],
    )"#);
    lengthen(&mut d, 2_000_000.0, 0.8);
    let r = run(&d);
    let s = comp(&r, "server");
    close(
        "M/D/1 mean wait (ms)",
        s.wait_ms.as_ref().unwrap().mean,
        2000.0,
        0.02,
    );
    close(
        "M/D/1 mean sojourn (ms)",
        s.sojourn_ms.as_ref().unwrap().mean,
        3000.0,
        0.02,
    );
    assert_eq!(s.service_ms.as_ref().unwrap().max, 1000.0);
}

#[test]
fn bench_pipeline_stages_match_jackson_network() {
    let mut d = example("bench-pipeline.ron");
    lengthen(&mut d, 2_000_000.0, 100.0);
    d.scenario.warmup = Duration::from_secs(60);
    let r = run(&d);
    // A: M/M/2, lambda 100, mu 66.67 -> W = 34.29 ms
    close(
        "A mean time in system (ms)",
        comp(&r, "A").sojourn_ms.as_ref().unwrap().mean,
        34.29,
        0.02,
    );
    // C: M/M/3, lambda 100, mu 40 -> W = 60.11 ms
    close(
        "C mean time in system (ms)",
        comp(&r, "C").sojourn_ms.as_ref().unwrap().mean,
        60.11,
        0.02,
    );
    // B: attempts arrive at 100 (1 + 0.1 + 0.01) = 111/s into mu = 125/s: 71.43 ms per
    // attempt and 1.11 attempts per event. The cap of three attempts makes the feedback
    // not quite Bernoulli, so the network is only approximately product-form; allow 3%.
    let b = comp(&r, "B");
    close(
        "B mean time per attempt (ms)",
        b.sojourn_ms.as_ref().unwrap().mean,
        71.43,
        0.03,
    );
    close(
        "B mean time per event over all attempts (ms)",
        b.residence_ms.as_ref().unwrap().mean,
        79.29,
        0.03,
    );
    let events = b.counters.arrivals as f64;
    close(
        "B retries per event",
        b.counters.retries as f64 / events,
        0.11,
        0.02,
    );
    // p^3 = 0.001 of events exhaust their attempts; ~2000 of 2M, binomial sd 2.2%
    close(
        "B dead-letter fraction",
        b.counters.dead_lettered as f64 / events,
        0.001,
        0.08,
    );
    assert_eq!(comp(&r, "DLQ").counters.arrivals, b.counters.dead_lettered);
}

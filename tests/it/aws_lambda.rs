//! AWS Lambda: asynchronous retries and their timing, throttling with reserved and
//! shared concurrency, expiry by event age, cold starts and warm reuse, idle expiry,
//! GB-second metering. (The synchronous path is covered by unit tests in
//! `src/sim/aws/lambda.rs`, which drive the function with a hand-made caller.)

use super::common::{close, comp, doc, run_ok};
use spillway::model::Document;

/// One event at t = 1 s into a function that always fails (handler 100 ms, cold start
/// 200 ms), with an on-failure queue; the run lasts `duration`.
fn always_failing(duration: &str) -> Document {
    doc(&format!(
        r#"(
        scenario: (duration: "{duration}"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1.0), max_events: 1)),
            (id: "f", kind: Lambda(fail_prob: 1.0, duration_ms: Constant(100.0), cold_start_ms: Constant(200.0))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "f"), (from: "f", to: "dlq", kind: OnFailure)],
    )"#
    ))
}

#[test]
fn async_failures_are_retried_after_one_then_two_minutes() {
    // Attempt 1: 1.0 s .. 1.3 s (cold). Retry 1 one minute later: 61.3 .. 61.4 s (warm).
    // Retry 2 two minutes after that: 181.4 .. 181.5 s. Then the on-failure link.
    let r = run_ok(&always_failing("181.5s"));
    let f = comp(&r, "f");
    assert_eq!(f.counters.arrivals, 1);
    assert_eq!(f.counters.failures, 3, "1 attempt + 2 retries");
    assert_eq!(f.counters.retries, 2);
    assert_eq!(f.counters.dead_lettered, 1);
    assert_eq!(f.extra["cold_starts"], 1.0);
    assert_eq!(f.extra["warm_starts"], 2.0);
    // from arrival (1 s) to giving up (181.5 s), exactly
    assert_eq!(f.residence_ms.as_ref().unwrap().max, 180_500.0);
    let dlq = comp(&r, "dlq");
    assert_eq!(dlq.counters.arrivals, 1);
    assert_eq!(dlq.extra.get("reason_error"), Some(&1.0));
    // 3 requests, 2 of them retries; 128 MB x (300 + 100 + 100 ms)
    let req = &f.usage["requests"];
    assert_eq!((req.amount, req.from_retries), (3.0, 2.0));
    let gb = &f.usage["gb_seconds"];
    assert!((gb.amount - 0.125 * 0.5).abs() < 1e-12, "{}", gb.amount);
    assert!((gb.from_retries - 0.125 * 0.2).abs() < 1e-12);

    // One millisecond earlier the second retry is still running: nothing given up yet.
    let r = run_ok(&always_failing("181.499s"));
    let f = comp(&r, "f");
    assert_eq!((f.counters.failures, f.counters.retries), (2, 2));
    assert_eq!(comp(&r, "dlq").counters.arrivals, 0);
    assert_eq!(r.ledger.producers["p"].in_flight, 1);
}

#[test]
fn async_retries_follow_the_error_probability() {
    // fail_prob 0.5, 2 retries: retries per event 0.5 + 0.25, on-failure share 0.125.
    let r = run_ok(&doc(r#"(
        scenario: (duration: "2000s", seed: 7),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 20.0), max_events: 36000)),
            (id: "f", kind: Lambda(fail_prob: 0.5)),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "f"), (from: "f", to: "dlq", kind: OnFailure)],
    )"#));
    let f = comp(&r, "f");
    // the producer stops after about 1,800 s, so every event has settled by the end
    let settled = (f.counters.completions + f.counters.dead_lettered) as f64;
    assert_eq!(settled, 36_000.0);
    close(
        "retries per event",
        f.counters.retries as f64 / f.counters.arrivals as f64,
        0.75,
        0.03,
    );
    close(
        "on-failure share",
        f.counters.dead_lettered as f64 / settled,
        0.125,
        0.05,
    );
    let dlq = comp(&r, "dlq");
    assert_eq!(
        dlq.extra.get("reason_error"),
        Some(&(f.counters.dead_lettered as f64))
    );
}

#[test]
fn poison_events_fail_every_attempt() {
    // A poison event fails its attempt and both retries; the rest succeed first time.
    let r = run_ok(&doc(r#"(
        scenario: (duration: "1000s", seed: 11),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 10.0), max_events: 5000)),
            (id: "f", kind: Lambda(poison_prob: 0.1)),
            (id: "dlq", kind: DeadLetterQueue()),
            (id: "out", kind: Sink()),
        ],
        connections: [(from: "p", to: "f"), (from: "f", to: "out"), (from: "f", to: "dlq", kind: OnFailure)],
    )"#));
    let f = comp(&r, "f");
    let dead = f.counters.dead_lettered;
    assert_eq!(f.counters.arrivals, 5000);
    assert_eq!(f.counters.completions + dead, 5000);
    assert_eq!(
        f.counters.failures,
        3 * dead,
        "every attempt of a poison event fails"
    );
    assert_eq!(f.counters.retries, 2 * dead);
    // binomial: 500 expected, sd 21; 15% is about 3.5 sd
    close("poison share", dead as f64 / 5000.0, 0.1, 0.15);
    assert_eq!(comp(&r, "out").counters.arrivals, 5000 - dead);
}

/// A burst of `n` events 1 ms apart into a function with reserved concurrency 1 and a
/// 100 ms handler.
fn burst(n: u32, max_event_age: &str, duration: &str) -> Document {
    doc(&format!(
        r#"(
        scenario: (duration: "{duration}", seed: 5),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1000.0), max_events: {n})),
            (id: "f", kind: Lambda(reserved_concurrency: Some(1), duration_ms: Constant(100.0),
                cold_start_ms: Constant(0.0), max_event_age: "{max_event_age}")),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "f"), (from: "f", to: "dlq", kind: OnFailure)],
    )"#
    ))
}

#[test]
fn throttled_async_events_wait_and_run_later() {
    // 20 events at once, one slot: the first runs, the others are throttled and retried
    // with backoff (1 s doubling to 5 min) until each finds the slot free.
    let r = run_ok(&burst(20, "6h", "3600s"));
    let f = comp(&r, "f");
    assert_eq!(f.counters.completions, 20, "every event runs in the end");
    assert_eq!(f.counters.dead_lettered + f.counters.failed, 0);
    assert_eq!(f.in_flight.max, 1, "reserved concurrency 1 caps executions");
    assert!(f.extra["throttles"] >= 19.0, "{:?}", f.extra);
    assert_eq!(f.counters.rejected as f64, f.extra["throttles"]);
    assert_eq!(f.queue_depth.max, 19, "the internal queue held the rest");
    // throttled events waited at least the first backoff (0.5..1 s with equal jitter)
    assert!(f.wait_ms.as_ref().unwrap().max >= 500.0);
    assert_eq!(f.utilisation.map(|u| u > 0.0), Some(true));
}

#[test]
fn throttled_async_events_expire_after_max_event_age() {
    // 2,000 events within 2 s, one slot of 100 ms: invocations can start only until
    // the last event's age limit (62 s), so at most 62 s / 0.1 s + 1 = 621 run; the
    // rest go to the on-failure link as expired.
    let r = run_ok(&burst(2000, "60s", "300s"));
    let f = comp(&r, "f");
    let done = f.counters.completions;
    assert!(done > 0 && done <= 621, "completions {done}");
    assert_eq!(f.counters.expired, 2000 - done);
    assert_eq!(f.counters.dead_lettered, 2000 - done);
    let dlq = comp(&r, "dlq");
    assert_eq!(
        dlq.extra.get("reason_expired"),
        Some(&((2000 - done) as f64))
    );
    // nothing stays longer than its age limit (plus the 100 ms of a last-moment run)
    assert!(f.residence_ms.as_ref().unwrap().max <= 60_100.0 + 1e-6);
}

/// 10 events per second, 1 per 100 ms, handler 250 ms, cold start 500 ms, idle expiry
/// 30 s.
fn steady(duration: &str, warmup: &str) -> Document {
    doc(&format!(
        r#"(
        scenario: (duration: "{duration}", warmup: "{warmup}"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0))),
            (id: "f", kind: Lambda(duration_ms: Constant(250.0), cold_start_ms: Constant(500.0), idle_expiry: "30s")),
        ],
        connections: [(from: "p", to: "f")],
    )"#
    ))
}

#[test]
fn cold_start_share_falls_as_environments_warm() {
    // Arrivals at 0.1, 0.2, ... s. The first 8 (0.1 .. 0.8 s) each need a new
    // environment (busy 750 ms: init + handler); from 0.9 s on the environment freed at
    // 0.85 s is idle, and in steady state 3 environments take turns (250 ms / 100 ms).
    let r = run_ok(&steady("60s", "0s"));
    let f = comp(&r, "f");
    assert_eq!(f.extra["cold_starts"], 8.0);
    assert_eq!(f.extra["warm_starts"], 592.0);
    close(
        "first-minute cold share",
        f.extra["cold_start_share"],
        8.0 / 600.0,
        1e-9,
    );
    // the 5 environments no longer needed expire 30 s after their last use (~1.5 s)
    let envs = &f.series.gauges["environments"];
    assert_eq!(envs[2], 8.0, "bucket 1.0 .. 1.5 s: {envs:?}");
    assert_eq!(*envs.last().unwrap(), 3.0);
    // billed when they end: 8 x (500 + 250) + 589 x 250 ms at 128 MB (the runs started
    // at 59.8, 59.9 and 60.0 s end after the run)
    let gb = f.usage["gb_seconds"].amount;
    close("GB-s", gb, 0.125 * (8.0 * 0.75 + 589.0 * 0.25), 1e-9);

    // Minutes 2 to 10 (starts at 60.0, 60.1, ... 600.0 s): every start is warm.
    let r = run_ok(&steady("600s", "60s"));
    let f = comp(&r, "f");
    assert_eq!(f.extra["cold_starts"], 0.0);
    assert_eq!(f.extra["warm_starts"], 5401.0);
    assert_eq!(f.extra["cold_start_share"], 0.0);
    close("concurrency", f.in_flight.mean, 2.5, 1e-3);
}

#[test]
fn idle_environments_expire() {
    // Poisson arrivals, one per minute, 2 min idle expiry: an invocation is cold when
    // the gap since the previous one ended exceeds 2 min, with probability e^-2 (the
    // 40 ms handler is negligible next to the gaps).
    let r = run_ok(&doc(r#"(
        scenario: (duration: "3000000s", seed: 2),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 0.016666666666666666))),
            (id: "f", kind: Lambda(idle_expiry: "2m")),
        ],
        connections: [(from: "p", to: "f")],
    )"#));
    let f = comp(&r, "f");
    assert!(f.counters.arrivals > 45_000);
    close(
        "cold start share",
        f.extra["cold_start_share"],
        (-2.0f64).exp(),
        0.04,
    );
}

#[test]
fn functions_share_the_account_pool() {
    // Account of 14: "r" reserves 4, so "a" and "b" share 10. Each alone would need
    // 30 (300/s x 100 ms); together they cannot exceed 10.
    let r = run_ok(&doc(r#"(
        scenario: (duration: "60s", seed: 9, bucket: "1s"),
        account: (lambda_concurrency: 14),
        components: [
            (id: "pa", kind: Producer(arrivals: Poisson(rate_per_s: 300.0))),
            (id: "pb", kind: Producer(arrivals: Poisson(rate_per_s: 300.0))),
            (id: "pr", kind: Producer(arrivals: Poisson(rate_per_s: 100.0))),
            (id: "a", kind: Lambda(duration_ms: Constant(100.0))),
            (id: "b", kind: Lambda(duration_ms: Constant(100.0))),
            (id: "r", kind: Lambda(duration_ms: Constant(100.0), reserved_concurrency: Some(4))),
        ],
        connections: [(from: "pa", to: "a"), (from: "pb", to: "b"), (from: "pr", to: "r")],
    )"#));
    let (a, b, rr) = (comp(&r, "a"), comp(&r, "b"), comp(&r, "r"));
    assert!(a.in_flight.max <= 10 && b.in_flight.max <= 10);
    assert!(a.in_flight.max > 0 && b.in_flight.max > 0);
    assert_eq!(rr.in_flight.max, 4, "reserved 4 is its own cap");
    for (i, (x, y)) in a
        .series
        .in_flight
        .iter()
        .zip(&b.series.in_flight)
        .enumerate()
    {
        assert!(x + y <= 10.0 + 1e-9, "bucket {i}: {x} + {y} > 10");
    }
    // demand exceeds the pool, so it stays (nearly) full
    assert!(
        a.in_flight.mean + b.in_flight.mean > 9.5,
        "{} + {}",
        a.in_flight.mean,
        b.in_flight.mean
    );
    assert!(a.counters.rejected > 0 && b.counters.rejected > 0);
    assert_eq!(a.utilisation.map(|u| u <= 1.0), Some(true));
}

#[test]
fn reserved_concurrency_zero_throttles_everything() {
    // Disabled: every try is throttled until the event is older than 60 s.
    let r = run_ok(&doc(r#"(
        scenario: (duration: "200s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1.0), max_events: 10)),
            (id: "f", kind: Lambda(reserved_concurrency: Some(0), max_event_age: "60s")),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "f"), (from: "f", to: "dlq", kind: OnFailure)],
    )"#));
    let f = comp(&r, "f");
    assert_eq!(f.counters.completions, 0);
    assert_eq!(f.counters.expired, 10);
    assert_eq!(
        f.usage["requests"].amount, 0.0,
        "nothing ran, nothing billed"
    );
    assert_eq!(comp(&r, "dlq").extra.get("reason_expired"), Some(&10.0));
}

/// 100 events, one per second, into a function with a constant 100.4 ms handler and a
/// 200 ms cold start.
fn metered(memory_mb: u32, arch: &str) -> Document {
    doc(&format!(
        r#"(
        scenario: (duration: "200s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1.0), max_events: 100)),
            (id: "f", kind: Lambda(memory_mb: {memory_mb}, architecture: {arch},
                duration_ms: Constant(100.4), cold_start_ms: Constant(200.0))),
        ],
        connections: [(from: "p", to: "f")],
    )"#
    ))
}

#[test]
fn gb_seconds_are_rounded_up_to_the_millisecond() {
    // The first invocation is cold: 200 + 100.4 = 300.4 ms -> 301 ms billed; the other
    // 99 are warm: 100.4 -> 101 ms. 301 + 99 x 101 = 10,300 ms.
    let r = run_ok(&metered(128, "X86"));
    let f = comp(&r, "f");
    assert_eq!(f.usage["requests"].amount, 100.0);
    let gb = f.usage["gb_seconds"].amount;
    assert!((gb - 0.125 * 10.3).abs() < 1e-9, "{gb}");
    assert_eq!(f.usage["gb_seconds"].from_retries, 0.0);
    assert!(!f.usage.contains_key("arm_gb_seconds"));

    // Arm at 1 GB: the same 10.3 s on the Arm meter.
    let r = run_ok(&metered(1024, "Arm"));
    let f = comp(&r, "f");
    let gb = f.usage["arm_gb_seconds"].amount;
    assert!((gb - 10.3).abs() < 1e-9, "{gb}");
    assert!(!f.usage.contains_key("gb_seconds"));
}

#[test]
fn timeouts_fail_and_bill_the_timeout() {
    // Handler 5 s against a 1 s timeout: every attempt times out after 1 s and is
    // billed 1 s (+ 200 ms init the first time); 3 attempts, then on-failure.
    let r = run_ok(&doc(r#"(
        scenario: (duration: "400s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1.0), max_events: 1)),
            (id: "f", kind: Lambda(timeout: "1s", duration_ms: Constant(5000.0), cold_start_ms: Constant(200.0))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "f"), (from: "f", to: "dlq", kind: OnFailure)],
    )"#));
    let f = comp(&r, "f");
    assert_eq!((f.counters.failures, f.counters.timeouts), (3, 3));
    assert_eq!(comp(&r, "dlq").extra.get("reason_timeout"), Some(&1.0));
    let gb = f.usage["gb_seconds"].amount;
    assert!((gb - 0.125 * 3.2).abs() < 1e-9, "{gb}");
}

#[test]
fn bad_parameters_are_reported_by_name() {
    let d = doc(r#"(
        components: [
            (id: "p", kind: Producer()),
            (id: "f", kind: Lambda(memory_mb: 20000, timeout: "16m", poison_prob: -0.1, async_retries: 5)),
        ],
        connections: [(from: "p", to: "f")],
    )"#);
    let all = spillway::model::validate(&d)
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    for want in [
        "component `f`: memory_mb must be between 128 and 10240, got 20000",
        "component `f`: timeout must be at most 15 min",
        "component `f`: poison_prob must be between 0 and 1",
        "component `f`: async_retries must be between 0 and 2, got 5",
    ] {
        assert!(all.contains(want), "missing `{want}` in:\n{all}");
    }
}

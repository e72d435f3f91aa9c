//! Consistency of the report: kind-specific extras cover the same window as the
//! counters (warm-up), SQS pollers for container fleets, SDK retries of refused sends
//! by Lambda functions, container services and Step Functions.

use spillway::sim::Report;

use crate::common::{comp, doc, extra, extra_or_0, run};

// ------------------------------------------------------------- extras and warm-up

/// 200 requests/s for 60 s, half of it warm-up: a throttled gateway in front of a
/// failing Lambda, a bus fanning out to a queue (poison messages, redrive to a DLQ)
/// and to a Firehose stream writing objects to S3.
fn warm_design() -> Report {
    let r = run(&doc(r#"(
        scenario: (duration: "60s", warmup: "30s", seed: 7),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 200.0), retry: (max_attempts: 1))),
            (id: "api", kind: ApiGateway(throttle: (rate_per_s: 150.0, burst: 20.0), overhead_ms: Constant(5.0))),
            (id: "front", kind: Lambda(duration_ms: Constant(20.0), fail_prob: 0.05)),
            (id: "bus", kind: EventBus()),
            (id: "q", kind: SqsQueue(batch_size: 1, visibility_timeout: "2s", max_receive_count: 2)),
            (id: "worker", kind: Lambda(duration_ms: Constant(30.0), poison_prob: 0.1)),
            (id: "dlq", kind: DeadLetterQueue()),
            (id: "fh", kind: Firehose(buffer_interval: "5s")),
            (id: "s3", kind: S3Bucket()),
        ],
        connections: [
            (from: "p", to: "api"),
            (from: "api", to: "front"),
            (from: "front", to: "bus"),
            (from: "bus", to: "q"),
            (from: "bus", to: "fh"),
            (from: "q", to: "worker"),
            (from: "q", to: "dlq", kind: DeadLetter),
            (from: "fh", to: "s3"),
        ],
    )"#));
    assert!(
        r.ledger.live_messages_accounted,
        "a behaviour leaks messages"
    );
    r
}

#[test]
fn extras_count_the_same_window_as_the_counters() {
    let r = warm_design();
    // API Gateway: each response is counted when it is given, like the counters
    let g = comp(&r, "api");
    assert!(g.counters.arrivals > 5_000, "{:?}", g.counters);
    assert_eq!(extra(g, "status_200"), g.counters.completions as f64);
    assert_eq!(extra(g, "status_429"), g.counters.rejected as f64);
    assert!(g.counters.rejected > 500, "{:?}", g.counters);
    assert_eq!(
        extra(g, "status_502") + extra(g, "status_504"),
        g.counters.failures as f64
    );
    assert!(g.counters.failures > 50, "{:?}", g.counters);
    // every request in the window got a response, but for the few in flight at either
    // end (200/s x 25 ms)
    let responses = ["status_200", "status_429", "status_502", "status_504"]
        .iter()
        .map(|k| extra(g, k))
        .sum::<f64>();
    let arrivals = g.counters.arrivals as f64;
    assert!(
        (responses - arrivals).abs() <= 20.0,
        "{responses} vs {arrivals}"
    );
    // EventBridge: every arrival matched a rule (no refusals at this rate)
    let b = comp(&r, "bus");
    assert_eq!(
        extra(b, "matched") + extra(b, "unmatched"),
        b.counters.arrivals as f64
    );
    // the dead-letter queue: by reason and by source, exactly its arrivals
    let d = comp(&r, "dlq");
    assert!(d.counters.arrivals > 100, "{:?}", d.counters);
    let reasons: f64 = [
        "reason_error",
        "reason_timeout",
        "reason_throttled",
        "reason_expired",
    ]
    .iter()
    .map(|k| extra_or_0(d, k))
    .sum();
    assert_eq!(reasons, d.counters.arrivals as f64);
    assert_eq!(extra(d, "from_q"), d.counters.arrivals as f64);
    // SQS: the queue's own dead letters; receives are the deleted plus the failed
    // receives, but for batches in flight at either end (200/s x 30 ms)
    let q = comp(&r, "q");
    assert_eq!(extra(q, "moved_to_dlq"), q.counters.dead_lettered as f64);
    let done = (q.counters.completions + q.counters.failures) as f64;
    let receives = extra(q, "receives");
    assert!(
        (receives - done).abs() <= 20.0,
        "receives {receives} vs {done}"
    );
    assert_eq!(extra(q, "batches"), receives, "batches of one");
    let redeliveries = extra(q, "redeliveries");
    assert!((redeliveries - q.counters.retries as f64).abs() < 1e-9);
    // Firehose flushes every 5 s: about 6 in the 30 s window, each one delivery and
    // one S3 object
    let f = comp(&r, "fh");
    let flushes = extra(f, "flushes_by_size") + extra(f, "flushes_by_interval");
    assert!((5.0..=7.0).contains(&flushes), "{flushes}");
    assert!((extra(f, "deliveries") - flushes).abs() <= 1.0);
    let s3 = comp(&r, "s3");
    assert!((extra(s3, "objects") - flushes).abs() <= 1.0);
    // Lambda: one start per invocation
    let w = comp(&r, "front");
    let starts = extra(w, "cold_starts") + extra(w, "warm_starts");
    let calls = (w.counters.completions + w.counters.failures) as f64;
    assert!((starts - calls).abs() <= 10.0, "{starts} vs {calls}");
}

// ------------------------------------------------------- SQS pollers for a fleet

fn fleet_behind_queue(queue_params: &str) -> Report {
    // 200 messages/s of 100 ms each, batches of one: 20 busy slots. The fleet starts
    // with 2 replicas x 4 slots and scales on the queue up to 20 replicas (80 slots).
    run(&doc(&format!(
        r#"(
        scenario: (duration: "120s", seed: 3),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 200.0))),
            (id: "q", kind: SqsQueue(batch_size: 1{queue_params})),
            (id: "fleet", kind: ContainerService(
                replicas: 2,
                concurrency_per_replica: 4,
                service_ms: Constant(100.0),
                autoscale: (
                    metric: QueueDepth(queue: "q"),
                    target_per_replica: 4.0,
                    min_replicas: 2,
                    max_replicas: 20,
                    polling_interval: "5s",
                    provisioning_delay: "10s",
                ),
            )),
        ],
        connections: [(from: "p", to: "q"), (from: "q", to: "fleet")],
    )"#
    )))
}

#[test]
fn a_queue_polls_an_autoscaled_fleet_with_a_poller_per_slot() {
    let r = fleet_behind_queue("");
    let f = comp(&r, "fleet");
    // the load needs 20 slots; the default pollers no longer stop at 10
    assert!(f.in_flight.max >= 18, "{:?}", f.in_flight);
    assert!(extra(f, "replicas_max") >= 5.0, "{:?}", f.extra);
    let q = comp(&r, "q");
    assert!(extra(q, "peak_batches_in_flight") >= 18.0, "{:?}", q.extra);
    // the fleet keeps up: all but the last few seconds' messages are done
    assert!(
        f.counters.completions as f64 >= 0.95 * 24_000.0,
        "{:?}",
        f.counters
    );
    // an explicit max_concurrency still caps the pollers
    let r = fleet_behind_queue(", max_concurrency: 10");
    let f = comp(&r, "fleet");
    assert!(f.in_flight.max <= 10, "{:?}", f.in_flight);
    assert!(
        (f.counters.completions as f64) < 0.55 * 24_000.0,
        "{:?}",
        f.counters
    );
}

// ------------------------------------------- SDK retries of what handlers send

/// Spikes of writes to one hot key, through `writer` (a Lambda function or a container
/// service, with `sdk` as its extra parameters) to a table taking the default 1,000
/// write units a second per key (1 KB items: one unit each). Every 2 s, 110 ms of
/// 22,000 writes/s, half of them to the hot key: about 1,210 writes against the 1,000
/// the key's bucket holds plus 110 refilled, so about 100 are throttled per spike; the
/// bucket refills 100 in the next 100 ms, so the SDK's resends (after 0-100 ms, then
/// 0-200 ms more) nearly all get in.
fn hot_key_writes(writer: &str, sdk: &str) -> Report {
    let writer = match writer {
        "lambda" => format!("Lambda(duration_ms: Constant(10.0){sdk})"),
        "sfn" => format!(
            "StepFunctions(workflow: Express, duration_ms: Constant(10.0), start_throttle: (rate_per_s: 100000.0, burst: 100000.0){sdk})"
        ),
        _ => format!(
            "ContainerService(replicas: 2, concurrency_per_replica: 150, service_ms: Constant(10.0){sdk})"
        ),
    };
    let r = run(&doc(&format!(
        r#"(
        scenario: (duration: "60s", seed: 5),
        event_types: [(name: "e", payload_bytes: Constant(1000.0))],
        components: [
            (id: "p", kind: Producer(
                arrivals: OnOff(on_rate_per_s: 22000.0, on: "110ms", off: "1890ms"),
                keys: (cardinality: 1000, hot_share: 0.5),
            )),
            (id: "writer", kind: {writer}),
            (id: "table", kind: DynamoDbTable()),
        ],
        connections: [(from: "p", to: "writer"), (from: "writer", to: "table")],
    )"#
    )));
    assert!(
        r.ledger.live_messages_accounted,
        "a behaviour leaks messages"
    );
    r
}

/// The writer's SDK retries each throttled write until its attempts run out: every
/// throttled attempt is either a retry or a lost write.
fn assert_refusals_retried_or_lost(r: &Report) {
    let t = comp(r, "table");
    let w = comp(r, "writer");
    let l = &r.ledger.producers["p"];
    assert_eq!(extra(t, "throttled_writes"), t.counters.rejected as f64);
    assert_eq!(
        t.counters.rejected,
        w.counters.retries + l.rejected,
        "{l:?}"
    );
    assert_eq!(w.counters.failed, l.rejected);
    assert_eq!(l.produced, l.delivered + l.rejected + l.in_flight, "{l:?}");
}

#[test]
fn a_lambda_function_retries_throttled_writes_like_the_sdk() {
    let r = hot_key_writes("lambda", "");
    let off = hot_key_writes("lambda", ", sdk_retry: (max_attempts: 1)");
    // without retries every throttled write is lost
    let lost_off = off.ledger.producers["p"].rejected;
    assert_eq!(lost_off, comp(&off, "table").counters.rejected);
    assert_eq!(comp(&off, "writer").counters.retries, 0);
    // about 100 a spike, 30 spikes
    assert!((2_000..3_500).contains(&lost_off), "{lost_off}");
    // with the SDK's three attempts, backoff 0-100 ms then 0-200 ms, most get in
    assert_refusals_retried_or_lost(&r);
    let lost = r.ledger.producers["p"].rejected;
    let retries = comp(&r, "writer").counters.retries;
    assert!(retries > lost_off, "{retries} retries");
    assert!(
        lost * 10 < lost_off,
        "lost {lost} with retries, {lost_off} without"
    );
}

#[test]
fn a_container_service_retries_throttled_writes_like_the_sdk() {
    let r = hot_key_writes("container", "");
    let off = hot_key_writes("container", ", sdk_retry: (max_attempts: 1)");
    let lost_off = off.ledger.producers["p"].rejected;
    assert_eq!(lost_off, comp(&off, "table").counters.rejected);
    assert!((2_000..3_500).contains(&lost_off), "{lost_off}");
    assert_refusals_retried_or_lost(&r);
    let lost = r.ledger.producers["p"].rejected;
    assert!(comp(&r, "writer").counters.retries > lost_off);
    assert!(
        lost * 10 < lost_off,
        "lost {lost} with retries, {lost_off} without"
    );
}

#[test]
fn step_functions_retry_throttled_writes_like_the_sdk() {
    let r = hot_key_writes("sfn", "");
    let off = hot_key_writes("sfn", ", sdk_retry: (max_attempts: 1)");
    let lost_off = off.ledger.producers["p"].rejected;
    assert!((2_000..3_500).contains(&lost_off), "{lost_off}");
    assert_refusals_retried_or_lost(&r);
    let lost = r.ledger.producers["p"].rejected;
    assert!(
        lost * 10 < lost_off,
        "lost {lost} with retries, {lost_off} without"
    );
}

#[test]
fn sdk_retry_is_validated() {
    for kind in ["Lambda", "ContainerService", "StepFunctions"] {
        let d = doc(&format!(
            r#"(
            components: [
                (id: "p", kind: Producer()),
                (id: "x", kind: {kind}(sdk_retry: (max_attempts: 0, multiplier: 0.5))),
            ],
            connections: [(from: "p", to: "x")],
        )"#
        ));
        let problems: Vec<String> = spillway::model::validate(&d)
            .into_iter()
            .map(|p| p.message)
            .collect();
        let all = problems.join("\n");
        assert!(
            all.contains("sdk_retry.max_attempts must be at least 1"),
            "{kind}: {all}"
        );
        assert!(
            all.contains("sdk_retry.multiplier must be >= 1"),
            "{kind}: {all}"
        );
    }
}

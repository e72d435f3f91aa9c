//! Amazon SQS queue: visibility timeout, redrive, retention, FIFO groups, batching,
//! throughput limit and cost meters, each against figures derived by hand.
//!
//! A consumer that always fails is a Station whose token bucket holds one token that
//! never refills (`rate_per_s: 0, burst: 1`): a "drain" producer spends that token
//! first, so every batch the queue hands over afterwards is refused (Throttled) and
//! counts as an unsuccessful receive.

use super::common::{close, comp, doc, extra, run, usage};
use spillway::sim::Report;

/// Three messages at t = 1, 2, 3 s into a queue whose consumer always fails.
fn always_failing(
    duration: &str,
    queue: &str,
    extra_components: &str,
    extra_links: &str,
) -> Report {
    run(&doc(&format!(
        r#"(
        scenario: (duration: "{duration}", seed: 1),
        components: [
            (id: "drain", kind: Producer(arrivals: Constant(rate_per_s: 2.0), max_events: 1)),
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1.0), max_events: 3, retry: (max_attempts: 1))),
            (id: "q", kind: SqsQueue({queue})),
            (id: "bad", kind: Station(servers: 10, service_ms: Constant(1.0), throttle: (rate_per_s: 0.0, burst: 1.0))),
            {extra_components}
        ],
        connections: [
            (from: "drain", to: "bad"),
            (from: "p", to: "q"),
            (from: "q", to: "bad"),
            {extra_links}
        ],
    )"#
    )))
}

#[test]
fn visibility_timeout_redelivers_exactly_that_long_after_each_receive() {
    // Message i (sent at i s) is received at i, i + 10, i + 20, ... s. Up to 91 s:
    // message 1 ten times (1..=91), messages 2 and 3 nine times each = 28 receives;
    // a millisecond earlier message 1's tenth receive has not happened yet (27).
    let r = always_failing("91s", "visibility_timeout: \"10s\"", "", "");
    let q = comp(&r, "q");
    assert_eq!(extra(comp(&r, "q"), "receives"), 28.0);
    assert_eq!(extra(comp(&r, "q"), "redeliveries"), 25.0);
    assert_eq!(q.counters.failures, 28, "every receive was unsuccessful");
    assert_eq!(q.counters.completions, 0);
    assert_eq!(comp(&r, "bad").counters.rejected, 28);
    assert_eq!(
        r.ledger.producers["p"].in_flight, 3,
        "nothing is lost without a redrive policy"
    );
    let r = always_failing("90.999s", "visibility_timeout: \"10s\"", "", "");
    assert_eq!(extra(comp(&r, "q"), "receives"), 27.0);

    // Cost of the 91 s run by hand (1 KiB messages, one ReceiveMessage per message):
    // 3 SendMessage + 28 receives (25 of them redeliveries, billed as retries) + no
    // deletes + empty receives: 10 pollers long-polling 20 s, ticks at 20, 40, 60 and
    // 80 s; one poller received in each of those spans, so 9 empty receives per tick.
    let r = always_failing("91s", "visibility_timeout: \"10s\"", "", "");
    assert_eq!(extra(comp(&r, "q"), "empty_receives"), 36.0);
    let (amount, retries) = usage(comp(&r, "q"), "requests");
    assert!(
        (amount - (3.0 + 28.0 + 36.0)).abs() < 1e-9,
        "requests {amount}"
    );
    assert!((retries - 25.0).abs() < 1e-9, "retry requests {retries}");
}

#[test]
fn max_receive_count_moves_to_the_dead_letter_queue_after_exactly_that_many_receives() {
    // 3 messages, maxReceiveCount 4, visibility 5 s: each is received 4 times and moved
    // 20 s after its first receive (by 23 s). The DLQ is itself an SQS queue without
    // consumers: it holds them, counted by reason and source, and is not billed for
    // the internal redrive.
    let r = always_failing(
        "60s",
        "visibility_timeout: \"5s\", max_receive_count: 4",
        r#"(id: "dlq", kind: SqsQueue()),"#,
        r#"(from: "q", to: "dlq", kind: DeadLetter),"#,
    );
    let q = comp(&r, "q");
    assert_eq!(
        extra(comp(&r, "q"), "receives"),
        12.0,
        "4 receives x 3 messages"
    );
    assert_eq!(extra(comp(&r, "q"), "moved_to_dlq"), 3.0);
    assert_eq!(q.counters.dead_lettered, 3);
    assert_eq!(q.counters.failures, 12);
    let d = comp(&r, "dlq");
    assert_eq!(d.counters.arrivals, 3);
    assert_eq!(extra(comp(&r, "dlq"), "dead_letters"), 3.0);
    assert_eq!(extra(comp(&r, "dlq"), "reason_throttled"), 3.0);
    assert_eq!(extra(comp(&r, "dlq"), "from_q"), 3.0);
    assert_eq!(
        d.queue_depth.max, 3,
        "the DLQ holds them as visible messages"
    );
    assert_eq!(usage(comp(&r, "dlq"), "requests").0, 0.0);
    assert_eq!(r.ledger.producers["p"].in_flight, 3);

    // With a DeadLetterQueue component instead, the ledger shows them dead-lettered,
    // and more messages: 20 messages, 3 receives each.
    let r = run(&doc(r#"(
        scenario: (duration: "120s", seed: 2),
        components: [
            (id: "drain", kind: Producer(arrivals: Constant(rate_per_s: 1000.0), max_events: 1)),
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 1.0), max_events: 20, retry: (max_attempts: 1))),
            (id: "q", kind: SqsQueue(visibility_timeout: "5s", max_receive_count: 3)),
            (id: "bad", kind: Station(throttle: (rate_per_s: 0.0, burst: 1.0))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [
            (from: "drain", to: "bad"), (from: "p", to: "q"), (from: "q", to: "bad"),
            (from: "q", to: "dlq", kind: DeadLetter),
        ],
    )"#));
    assert_eq!(extra(comp(&r, "q"), "receives"), 60.0);
    assert_eq!(r.ledger.producers["p"].dead_lettered, 20);
    assert_eq!(extra(comp(&r, "dlq"), "reason_throttled"), 20.0);
}

#[test]
fn retention_expiry_counts_as_lost() {
    // No consumer: one message per second at 1..=100 s, retention 60 s, run 130 s.
    // Messages sent at <= 70 s are deleted by 130 s: 70 expired, 30 still held. The
    // oldest message at the end was sent at 71 s: 59 s old.
    let r = run(&doc(r#"(
        scenario: (duration: "130s", seed: 1, bucket: "1s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1.0), max_events: 100)),
            (id: "q", kind: SqsQueue(retention: "60s")),
        ],
        connections: [(from: "p", to: "q")],
    )"#));
    let q = comp(&r, "q");
    assert_eq!(q.counters.expired, 70);
    assert_eq!(extra(comp(&r, "q"), "expired_retention"), 70.0);
    assert_eq!(r.ledger.producers["p"].expired, 70);
    assert_eq!(r.ledger.producers["p"].in_flight, 30);
    let age = q.series.gauges["oldest_age_s"].last().copied().unwrap();
    assert!((58.0..=60.0).contains(&age), "oldest age at the end {age}");
    assert!(
        (q.queue_depth.max as f64 - 60.0).abs() <= 1.0,
        "depth peaks at about 60"
    );
}

#[test]
fn fifo_poison_message_blocks_its_group_until_moved_to_the_dlq() {
    // The consumer's bucket refills one token per ms, and every call reaches it 2 ms
    // after the receive. Group B sends one message per second (1..=80 s), each taking
    // the token. The poison message A1 reaches the queue 0.5 ms after B's message of
    // 1 s, so each of its receives (1.0005, 31.0005, 61.0005 s; visibility 30 s) hits
    // an empty bucket; after its 3rd receive it moves to the DLQ at 91.0005 s. Group
    // A's later messages (1.5..5.5 s) wait behind it until then, and flow one by one
    // (batch size 1) afterwards, while group B never waits.
    let r = run(&doc(r#"(
        scenario: (duration: "120s", seed: 1),
        components: [
            (id: "b", kind: Producer(arrivals: Constant(rate_per_s: 1.0), max_events: 80,
                keys: (cardinality: 2, hot_share: 1e-12), retry: (max_attempts: 1))),
            (id: "poison", kind: Producer(arrivals: Constant(rate_per_s: 1.0), max_events: 1,
                keys: (cardinality: 1), retry: (max_attempts: 1))),
            (id: "a_later", kind: Producer(arrivals: Constant(rate_per_s: 1.0), max_events: 5,
                keys: (cardinality: 1), retry: (max_attempts: 1))),
            (id: "q", kind: SqsQueue(fifo: true, visibility_timeout: "30s", max_receive_count: 3, batch_size: 1)),
            (id: "worker", kind: Station(servers: 100, service_ms: Constant(1.0), throttle: (rate_per_s: 1000.0, burst: 1.0))),
            (id: "done", kind: Sink()),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [
            (from: "b", to: "q"),
            (from: "poison", to: "q", latency_ms: Constant(0.5)),
            (from: "a_later", to: "q", latency_ms: Constant(500.0)),
            (from: "q", to: "worker", latency_ms: Constant(2.0)),
            (from: "worker", to: "done"),
            (from: "q", to: "dlq", kind: DeadLetter),
        ],
    )"#));
    assert_eq!(extra(comp(&r, "q"), "receives"), 80.0 + 3.0 + 5.0);
    assert_eq!(extra(comp(&r, "q"), "moved_to_dlq"), 1.0);
    assert_eq!(r.ledger.producers["poison"].dead_lettered, 1);
    assert_eq!(r.ledger.producers["a_later"].delivered, 5);
    assert_eq!(r.ledger.producers["b"].delivered, 80);
    let e2e = |from: &str| {
        r.end_to_end
            .iter()
            .find(|e| e.from == from)
            .map(|e| e.latency_ms.clone())
            .unwrap()
    };
    let later = e2e("a_later");
    // created at 1..=5 s; A2 is received at 91.0005 s, reaches the worker 2 ms later
    // and is done 1 ms after that (91.0035 s); each next one follows 2 ms later.
    assert!((later.max - 90_003.5).abs() < 1e-6, "{later:?}");
    let mean_ms = (1..=5)
        .map(|k| 91_003.5 + 2.0 * f64::from(k - 1) - 1000.0 * f64::from(k))
        .sum::<f64>()
        / 5.0;
    assert!(
        (later.mean - mean_ms).abs() < 1e-6,
        "{later:?}, want mean {mean_ms}"
    );
    let b = e2e("b");
    assert!(b.max < 5.0, "group B never waits: {b:?}");
}

#[test]
fn batch_window_waits_for_a_full_batch_up_to_the_window() {
    // A trickle of one message every 2 s (2, 4, 6, ...) with a 5 s window and batch
    // size 10: each batch starts with a message, waits 5 s and takes 3 messages (2, 4,
    // 6 -> sent at 7 s). End-to-end latencies 5, 3 and 1 s: mean 3 s, max 5 s. Up to
    // 61 s: 10 batches of 3.
    let r = run(&doc(r#"(
        scenario: (duration: "61s", seed: 1),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 0.5), max_events: 30)),
            (id: "q", kind: SqsQueue(batch_window: "5s")),
            (id: "done", kind: Sink()),
        ],
        connections: [(from: "p", to: "q"), (from: "q", to: "done")],
    )"#));
    assert_eq!(extra(comp(&r, "q"), "batches"), 10.0);
    assert_eq!(r.ledger.producers["p"].delivered, 30);
    let lat = &r.end_to_end[0].latency_ms;
    assert!((lat.mean - 3000.0).abs() < 1e-6, "{lat:?}");
    assert!((lat.max - 5000.0).abs() < 1e-6, "{lat:?}");
    // A fast stream fills batches of 10 long before the window ends: 100/s, so the
    // first message of a batch waits 90 ms.
    let r = run(&doc(r#"(
        scenario: (duration: "10s", seed: 1),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 100.0))),
            (id: "q", kind: SqsQueue(batch_window: "5s")),
            (id: "done", kind: Sink()),
        ],
        connections: [(from: "p", to: "q"), (from: "q", to: "done")],
    )"#));
    assert_eq!(extra(comp(&r, "q"), "batches"), 100.0);
    let lat = &r.end_to_end[0].latency_ms;
    assert!(lat.max <= 90.0 + 1e-6, "{lat:?}");
}

#[test]
fn standard_queue_feeding_a_station_behaves_like_m_m_1() {
    // A Station takes what it is given at once, so the queue hands every message over
    // on arrival and the Station's own buffer does the waiting: M/M/1 with
    // rho = 0.8, Wq = rho / (mu - lambda) = 0.4 s.
    let r = run(&doc(r#"(
        scenario: (duration: "3000s", seed: 5),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 8.0))),
            (id: "q", kind: SqsQueue()),
            (id: "s", kind: Station(servers: 1, service_ms: Exponential(mean: 100.0))),
        ],
        connections: [(from: "p", to: "q"), (from: "q", to: "s")],
    )"#));
    let q = comp(&r, "q");
    let s = comp(&r, "s");
    assert_eq!(q.counters.completions, q.counters.arrivals);
    assert_eq!(extra(comp(&r, "q"), "redeliveries"), 0.0);
    assert_eq!(q.queue_depth.max, 0, "nothing waits in the queue");
    close(
        "station wait",
        s.wait_ms.as_ref().unwrap().mean / 1000.0,
        0.4,
        0.1,
    );
}

#[test]
fn fifo_throughput_limit_throttles_sends() {
    // 20 sends/s for 10 s against a limit of 10/s with one second's burst: 10 + 10 x 10
    // accepted (about 110), the rest refused back to a producer that does not retry.
    let r = run(&doc(r#"(
        scenario: (duration: "10s", seed: 1),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 20.0), retry: (max_attempts: 1))),
            (id: "q", kind: SqsQueue(fifo: true, fifo_throughput_per_s: 10.0)),
            (id: "done", kind: Sink()),
        ],
        connections: [(from: "p", to: "q"), (from: "q", to: "done")],
    )"#));
    let q = comp(&r, "q");
    assert_eq!(q.counters.arrivals, 200);
    let accepted = q.counters.arrivals - q.counters.rejected;
    assert!((109..=110).contains(&accepted), "accepted {accepted}");
    assert_eq!(r.ledger.producers["p"].rejected, q.counters.rejected);
}

#[test]
fn request_meter_counts_64_kib_chunks_deletes_and_empty_receives() {
    // FIFO queue, five 100 KiB messages at 1..=5 s, a Sink consumer, window 0:
    // 5 sends x 2 chunks + 5 receives x 2 chunks + 5 DeleteMessageBatch + empty
    // receives of 10 pollers at 20, 40, 60 s (one poller busy in the first span: 9,
    // then 10, 10) = 10 + 10 + 5 + 29 = 54 FIFO requests, none from retries.
    let r = run(&doc(r#"(
        scenario: (duration: "60s", seed: 1),
        event_types: [(name: "big", payload_bytes: Constant(102400.0))],
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1.0), max_events: 5)),
            (id: "q", kind: SqsQueue(fifo: true)),
            (id: "done", kind: Sink()),
        ],
        connections: [(from: "p", to: "q"), (from: "q", to: "done")],
    )"#));
    assert_eq!(extra(comp(&r, "q"), "empty_receives"), 29.0);
    assert_eq!(usage(comp(&r, "q"), "fifo_requests"), (54.0, 0.0));
    assert!(!comp(&r, "q").usage.contains_key("requests"));
}

#[test]
fn delivery_delay_holds_messages_invisible() {
    // Every message becomes visible 10 s after it is sent and is then received at once
    // by an idle poller: end-to-end latency exactly 10 s; while waiting it is neither
    // visible (depth 0) nor in flight.
    let r = run(&doc(r#"(
        scenario: (duration: "60s", seed: 1),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 2.0), max_events: 50)),
            (id: "q", kind: SqsQueue(delivery_delay: "10s")),
            (id: "done", kind: Sink()),
        ],
        connections: [(from: "p", to: "q"), (from: "q", to: "done")],
    )"#));
    assert_eq!(r.ledger.producers["p"].delivered, 50);
    let lat = &r.end_to_end[0].latency_ms;
    assert!(
        (lat.mean - 10_000.0).abs() < 1e-6 && (lat.max - 10_000.0).abs() < 1e-6,
        "{lat:?}"
    );
    assert_eq!(comp(&r, "q").queue_depth.max, 0);
}

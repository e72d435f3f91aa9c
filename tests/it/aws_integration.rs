//! Cloud components working together: the synchronous and asynchronous contracts between
//! real callers and real callees (each component's own tests use stand-ins), and the
//! cost of a small design checked by hand.

use super::common::{comp, doc, extra, extra_or_0, run};
use spillway::cost::{PriceBook, estimate};

#[test]
fn api_gateway_returns_504_while_a_slow_lambda_finishes_its_work() {
    // The function takes 35 s, the REST integration timeout is 29 s: every client gets a
    // 504 after exactly 29 s, and the function still completes and passes the event on.
    let r = run(&doc(r#"(
        scenario: (duration: "10m"),
        components: [
            (id: "client", kind: Producer(arrivals: Constant(rate_per_s: 0.1), max_events: 10, retry: (max_attempts: 1))),
            (id: "api", kind: ApiGateway(overhead_ms: Constant(0.0))),
            (id: "fn", kind: Lambda(duration_ms: Constant(35000.0), timeout: "60s", cold_start_ms: Constant(0.0))),
            (id: "out", kind: Sink()),
        ],
        connections: [(from: "client", to: "api"), (from: "api", to: "fn"), (from: "fn", to: "out")],
    )"#));
    assert_eq!(extra(comp(&r, "api"), "status_504"), 10.0);
    assert_eq!(extra(comp(&r, "api"), "status_200"), 0.0);
    let resp = comp(&r, "api").residence_ms.as_ref().unwrap();
    assert_eq!(resp.count, 10);
    assert!((resp.max - 29_000.0).abs() < 1.0, "{}", resp.max);
    assert_eq!(comp(&r, "out").counters.arrivals, 10);
    assert_eq!(r.ledger.producers["client"].delivered, 10);
}

#[test]
fn api_gateway_turns_lambda_throttles_into_client_429s() {
    // 20 requests at once against a function with 5 reserved: 5 run, 15 are throttled
    // and the gateway never retries, so the clients see 15 x 429.
    let r = run(&doc(r#"(
        scenario: (duration: "1m"),
        components: [
            (id: "client", kind: Producer(arrivals: Constant(rate_per_s: 10000.0), max_events: 20, retry: (max_attempts: 1))),
            (id: "api", kind: ApiGateway(overhead_ms: Constant(0.0))),
            (id: "fn", kind: Lambda(reserved_concurrency: 5, duration_ms: Constant(1000.0), cold_start_ms: Constant(100.0))),
        ],
        connections: [(from: "client", to: "api"), (from: "api", to: "fn")],
    )"#));
    assert_eq!(extra(comp(&r, "api"), "status_200"), 5.0);
    assert_eq!(extra(comp(&r, "api"), "status_429"), 15.0);
    assert_eq!(r.ledger.producers["client"].delivered, 5);
    assert_eq!(r.ledger.producers["client"].rejected, 15);
    // throttled invocations are not billed
    assert_eq!(comp(&r, "fn").usage["requests"].amount, 5.0);
}

#[test]
fn lambda_throttles_count_sqs_receives_and_can_dead_letter_healthy_messages() {
    // A function limited to 1 concurrent execution behind a queue: the event-source
    // mapping polls with 5 batches at once, 4 are throttled and go back after the
    // visibility timeout with their receive counted. With max_receive_count 2 some
    // healthy messages end in the DLQ although the function never fails.
    let r = run(&doc(r#"(
        scenario: (duration: "10m"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 100.0), max_events: 500)),
            (id: "q", kind: SqsQueue(visibility_timeout: "5s", max_receive_count: 2, batch_size: 1)),
            (id: "fn", kind: Lambda(reserved_concurrency: 1, duration_ms: Constant(200.0), cold_start_ms: Constant(0.0))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "q"), (from: "q", to: "fn"), (from: "q", to: "dlq", kind: DeadLetter)],
    )"#));
    let f = comp(&r, "fn");
    assert_eq!(f.counters.failures, 0);
    assert!(extra(comp(&r, "fn"), "throttles") > 0.0);
    let dlq = comp(&r, "dlq");
    assert!(
        dlq.counters.arrivals > 0,
        "no healthy message was dead-lettered"
    );
    assert_eq!(
        extra_or_0(dlq, "reason_throttled"),
        dlq.counters.arrivals as f64
    );
    let row = &r.ledger.producers["p"];
    assert_eq!(row.delivered + row.dead_lettered, 500);
    // the function processed what did not go to the DLQ
    assert_eq!(f.counters.completions, row.delivered);
}

fn poison(partial: bool) -> spillway::sim::Report {
    run(&doc(&format!(
        r#"(
        scenario: (duration: "30m", seed: 11),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 20.0), max_events: 4000)),
            (id: "q", kind: SqsQueue(visibility_timeout: "10s", max_receive_count: 3, batch_size: 10,
                batch_window: "1s", report_batch_item_failures: {partial})),
            (id: "fn", kind: Lambda(poison_prob: 0.02, duration_ms: Constant(50.0))),
            (id: "ok", kind: Sink()),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "q"), (from: "q", to: "fn"), (from: "fn", to: "ok"),
            (from: "q", to: "dlq", kind: DeadLetter)],
    )"#
    )))
}

#[test]
fn partial_batch_responses_keep_healthy_messages_out_of_the_dlq() {
    // 2% poison. Without partial batch responses a poison message fails its whole batch
    // every time, so its batch-mates share its fate when they keep meeting it; with
    // them, only the poison messages reach the DLQ.
    let whole = poison(false);
    let part = poison(true);
    for r in [&whole, &part] {
        let row = &r.ledger.producers["p"];
        assert_eq!(row.produced, 4000);
        assert_eq!(row.delivered + row.dead_lettered, 4000);
    }
    let dlq_part = comp(&part, "dlq").counters.arrivals as f64;
    let dlq_whole = comp(&whole, "dlq").counters.arrivals as f64;
    // partial: about 2% of 4000 = 80 (binomial sd about 9)
    assert!((50.0..=110.0).contains(&dlq_part), "{dlq_part}");
    assert!(
        dlq_whole > 2.0 * dlq_part,
        "whole-batch failures should dead-letter healthy messages too: {dlq_whole} vs {dlq_part}"
    );
    // every message in the DLQ was received exactly max_receive_count = 3 times
    let q = comp(&part, "q");
    let receives = q.extra["receives"];
    let delivered = part.ledger.producers["p"].delivered as f64;
    assert!(receives >= delivered + 3.0 * dlq_part, "{receives}");
    // redeliveries cost extra requests, and more without partial responses
    let retry_share = |r: &spillway::sim::Report| {
        comp(r, "q").usage["requests"].from_retries / comp(r, "q").usage["requests"].amount
    };
    assert!(retry_share(&whole) > retry_share(&part));
}

#[test]
fn sqs_waits_for_a_busy_container_service_instead_of_losing_receives() {
    // 1 replica x 2 slots, 100 ms per message, batches of 1: at most 20 messages/s.
    // 600 messages arrive in the first 6 s; ten pollers (more than the two slots, which
    // the default would give) make the service answer Busy when full, the pollers wait
    // for a free slot, no receive is wasted and nothing is dead-lettered.
    let r = run(&doc(r#"(
        scenario: (duration: "2m"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 100.0), max_events: 600)),
            (id: "q", kind: SqsQueue(batch_size: 1, max_receive_count: 1, max_concurrency: 10)),
            (id: "svc", kind: ContainerService(replicas: 1, concurrency_per_replica: 2, service_ms: Constant(100.0))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "q"), (from: "q", to: "svc"), (from: "q", to: "dlq", kind: DeadLetter)],
    )"#));
    assert_eq!(r.ledger.producers["p"].delivered, 600);
    assert_eq!(comp(&r, "dlq").counters.arrivals, 0);
    assert_eq!(extra(comp(&r, "q"), "receives"), 600.0);
    assert!(extra(comp(&r, "svc"), "busy_replies") > 0.0);
    // 600 messages at 20/s take 30 s, so the last completion is at about 30 s; a
    // standard queue's order is best-effort, so the longest wait is between 24 s (FIFO
    // order) and 30 s (the first message served last)
    let e2e = r.end_to_end.iter().find(|e| e.to == "svc").unwrap();
    assert!(
        (23_500.0..=30_100.0).contains(&e2e.latency_ms.max),
        "{}",
        e2e.latency_ms.max
    );
}

#[test]
fn firehose_transforms_each_flush_with_one_lambda_call_and_writes_one_object() {
    // 10 records/s of 1 KB with a 60 s interval and a large size buffer: one flush per
    // minute, one transform invocation and one S3 object per flush.
    let r = run(&doc(r#"(
        scenario: (duration: "10m"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0))),
            (id: "fh", kind: Firehose(buffer_interval: "60s", transform: "tx", delivery_latency_ms: Constant(0.0))),
            (id: "tx", kind: Lambda(duration_ms: Constant(500.0))),
            (id: "s3", kind: S3Bucket()),
        ],
        connections: [(from: "p", to: "fh"), (from: "fh", to: "s3")],
    )"#));
    let flushes =
        extra(comp(&r, "fh"), "flushes_by_interval") + extra(comp(&r, "fh"), "flushes_by_size");
    assert!((9.0..=10.0).contains(&flushes), "{flushes}");
    assert_eq!(comp(&r, "tx").usage["requests"].amount, flushes);
    assert_eq!(comp(&r, "s3").usage["put_requests"].amount, flushes);
    // records wait up to the interval in the buffer
    let e2e = r.end_to_end.iter().find(|e| e.to == "s3").unwrap();
    assert!(e2e.latency_ms.max > 59_000.0 && e2e.latency_ms.max < 62_000.0);
}

#[test]
fn eventbridge_hands_lambda_targets_over_asynchronously() {
    // A failing function behind a bus: the bus does not retry (the invocation was
    // accepted), Lambda's own async retries run (2 per event) and its on-failure
    // destination receives every event.
    let r = run(&doc(r#"(
        scenario: (duration: "20m"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 0.1), max_events: 10)),
            (id: "bus", kind: EventBus(latency_ms: Constant(0.0))),
            (id: "fn", kind: Lambda(fail_prob: 1.0, duration_ms: Constant(100.0))),
            (id: "failed", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "bus"), (from: "bus", to: "fn"), (from: "fn", to: "failed", kind: OnFailure)],
    )"#));
    assert_eq!(comp(&r, "bus").counters.retries, 0);
    assert_eq!(comp(&r, "fn").counters.failures, 30);
    assert_eq!(comp(&r, "failed").counters.arrivals, 10);
    assert_eq!(comp(&r, "fn").usage["requests"].from_retries, 20.0);
}

#[test]
fn cost_of_a_small_design_matches_a_hand_calculation() {
    // 10 events/s for one hour into a 128 MB function that runs exactly 100 ms with no
    // cold-start time: 36,000 invocations (the one started at the very end is still
    // running and not billed yet) at 0.125 GB x 0.1 s = 0.0125 GB-s each.
    // Window cost = n x 0.0000002 + n x 0.0125 x 0.0000166667 (about 0.0072 + 0.0075
    // USD); a month (730 h) at the same load costs 730 times that.
    let r = run(&doc(r#"(
        scenario: (duration: "1h"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0))),
            (id: "fn", kind: Lambda(memory_mb: 128, duration_ms: Constant(100.0), cold_start_ms: Constant(0.0))),
        ],
        connections: [(from: "p", to: "fn")],
    )"#));
    let book = PriceBook::builtin().unwrap();
    let mut settings = spillway::model::CostSettings::default();
    let c = estimate(&r, &settings, &book);
    let n = comp(&r, "fn").usage["requests"].amount;
    assert!((35_999.0..=36_000.0).contains(&n), "{n}");
    let gbs = comp(&r, "fn").usage["gb_seconds"].amount;
    assert!((gbs - n * 0.0125).abs() < 1e-9, "{gbs}");
    let want = n * 0.000_000_2 + n * 0.0125 * 0.000_016_666_7;
    assert!(
        (c.total_usd - want).abs() < 1e-9,
        "{} vs {want}",
        c.total_usd
    );
    assert!((c.per_month_usd - want * 730.0).abs() < 1e-6);
    assert!((c.per_million_events_usd - want / 36_000.0 * 1e6).abs() < 1e-9);
    assert_eq!(c.retry_share, 0.0);
    // the cost series: 10 events/s all the time, so every bucket costs the same rate
    let per_hour = want;
    for x in &c.series_usd_per_hour {
        assert!((x - per_hour).abs() / per_hour < 0.01, "{x}");
    }
    // with the free tier, 730 x 36,000 = 26.28 M requests less 1 M free, and
    // 328,500 GB-s per month is under the 400,000 GB-s free
    settings.free_tier = true;
    let c = estimate(&r, &settings, &book);
    let month = (n * 730.0 - 1_000_000.0) * 0.000_000_2;
    assert!(
        (c.per_month_usd - month).abs() < 1e-6,
        "{}",
        c.per_month_usd
    );
    // a price override replaces the book's price
    settings.free_tier = false;
    settings.prices.insert("lambda.requests".into(), 0.000_001);
    let c = estimate(&r, &settings, &book);
    let want = n * 0.000_001 + n * 0.0125 * 0.000_016_666_7;
    assert!((c.total_usd - want).abs() < 1e-9);
}

//! The Kinesis pipeline and insurance quotes examples: each runs with a balanced ledger
//! and shows the behaviour its header comment documents. Also: a Lambda invoked again
//! for a retried batch (stream retry, SQS redelivery) bills that invocation as retry
//! cost.

use super::common::{comp, doc, run};
use spillway::sim::ComponentReport;

fn extra(c: &ComponentReport, k: &str) -> f64 {
    c.extra
        .get(k)
        .copied()
        .unwrap_or_else(|| panic!("no extra {k}: {:?}", c.extra))
}

fn usage(c: &ComponentReport, k: &str) -> (f64, f64) {
    let u = c
        .usage
        .get(k)
        .unwrap_or_else(|| panic!("no meter {k}: {:?}", c.usage.keys()));
    (u.amount, u.from_retries)
}

// ------------------------------------------------- retried batches are retry cost

#[test]
fn lambda_bills_a_retried_stream_batch_as_retry() {
    // One record, a function that always fails, two retries: three invocations of
    // 100 ms at 1,024 MB; the second and third are retries of the same batch.
    let r = run(&doc(r#"(
        scenario: (duration: "60s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1.0), max_events: 1)),
            (id: "ks", kind: KinesisStream(shards: 1, max_retry_attempts: Some(2))),
            (id: "fn", kind: Lambda(memory_mb: 1024, duration_ms: Constant(100.0),
                fail_prob: 1.0, cold_start_ms: Constant(0.0))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "ks"), (from: "ks", to: "fn"),
            (from: "ks", to: "dlq", kind: OnFailure)],
    )"#));
    assert_eq!(comp(&r, "ks").counters.retries, 2);
    assert_eq!(comp(&r, "ks").counters.dead_lettered, 1);
    let f = comp(&r, "fn");
    assert_eq!(usage(f, "requests"), (3.0, 2.0));
    let (gb, gb_retry) = usage(f, "gb_seconds");
    assert!(
        (gb - 0.3).abs() < 1e-9 && (gb_retry - 0.2).abs() < 1e-9,
        "{gb} {gb_retry}"
    );
}

#[test]
fn lambda_bills_an_sqs_redelivery_as_retry() {
    // One message received three times (maxReceiveCount 3) by a function that always
    // fails: the first invocation is fresh, the two redeliveries are retries.
    let r = run(&doc(r#"(
        scenario: (duration: "5m"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1.0), max_events: 1)),
            (id: "q", kind: SqsQueue(visibility_timeout: "10s", max_receive_count: Some(3))),
            (id: "fn", kind: Lambda(duration_ms: Constant(10.0), fail_prob: 1.0)),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "q"), (from: "q", to: "fn"),
            (from: "q", to: "dlq", kind: DeadLetter)],
    )"#));
    assert_eq!(comp(&r, "q").counters.dead_lettered, 1);
    assert_eq!(usage(comp(&r, "fn"), "requests"), (3.0, 2.0));
}

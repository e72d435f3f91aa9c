//! The Kinesis pipeline and insurance quotes examples: each runs with a balanced ledger
//! and shows the behaviour its header comment documents. Also: a Lambda invoked again
//! for a retried batch (stream retry, SQS redelivery) bills that invocation as retry
//! cost.

use super::common::{comp, doc, example, extra, run, usage};
use spillway::cost::{CostReport, PriceBook, estimate};
use spillway::model::{Document, Duration, validate};
use spillway::sim::Report;

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

// ------------------------------------------------------------------- examples

/// Load an example, check it validates without warnings, and shorten its run.
fn load(name: &str, duration_s: u64, warmup_s: u64) -> Document {
    let mut d = example(name);
    // `spillway check` must say ok with no warnings
    let problems = validate(&d);
    assert!(problems.is_empty(), "{name}: {problems:?}");
    d.scenario.duration = Duration::from_secs(duration_s);
    d.scenario.warmup = Duration::from_secs(warmup_s);
    d
}

fn cost(d: &Document, r: &Report) -> CostReport {
    estimate(r, &d.cost, &PriceBook::builtin().unwrap())
}

fn e2e_p99(r: &Report, to: &str) -> f64 {
    r.end_to_end
        .iter()
        .find(|e| e.to == to)
        .unwrap_or_else(|| panic!("no end-to-end row to {to}"))
        .latency_ms
        .p99
}

#[test]
fn kinesis_pipeline_example() {
    // 200 s at ~2,300 records/s (~460,000 records), statistics after 10 s
    let d = load("kinesis-pipeline.ron", 200, 10);
    let r = run(&d);
    assert!(r.ledger.live_messages_accounted);
    let s = comp(&r, "events stream");

    // a log, not a queue: each consumer reads every record (1 % for records still in
    // flight at the window's edges)
    for c in [
        "anomaly detector",
        "sessionizer (ECS)",
        "archive (Firehose)",
    ] {
        let got = comp(&r, c).counters.arrivals as f64;
        let want = s.counters.arrivals as f64;
        assert!((got / want - 1.0).abs() < 0.01, "{c}: {got} of {want}");
    }

    // the hot key (10 % of the telemetry, 150/s) loads one shard: (150 + 2,150 / 4) /
    // (2,150 / 4) = 1.28 busiest over quietest (+-0.12 for Poisson noise and hashing);
    // near but under the 1,000 records/s limit, so (almost) no throttled writes
    let ratio = extra(s, "writes_busiest_shard") / extra(s, "writes_quietest_shard");
    assert!(
        (1.16..1.40).contains(&ratio),
        "busiest / quietest shard {ratio}"
    );
    assert!(
        extra(s, "throttled_writes") <= 0.001 * s.counters.arrivals as f64,
        "throttled {}",
        extra(s, "throttled_writes")
    );

    // Firehose flushes by size (5 MiB fill in ~2.8 s, long before the 60 s interval):
    // one S3 object per flush (the last one may still be on its way at the end), each
    // between 5 MiB and 5 MiB plus one record
    let f = comp(&r, "archive (Firehose)");
    assert_eq!(extra(f, "flushes_by_interval"), 0.0);
    let flushes = extra(f, "flushes_by_size");
    let lake = comp(&r, "data lake (S3)");
    let objects = extra(lake, "objects");
    assert!(flushes >= 60.0 && (flushes - 1.0..=flushes).contains(&objects));
    let mib = extra(lake, "bytes_stored") / objects / 1_048_576.0;
    assert!((5.0..5.01).contains(&mib), "mean object {mib} MiB");

    // poison records (1 in 100,000: ~4.4 expected here, Poisson: 1..=10) reach the
    // on-failure queue with reason error and nothing else does; their retried batches
    // are a small, non-zero share of the detector's bill
    let failed = comp(&r, "failed records (SQS)");
    let n = s.counters.dead_lettered;
    assert!((1..=10).contains(&n), "{n} dead-lettered");
    assert_eq!(failed.counters.arrivals, n);
    assert_eq!(extra(failed, "reason_error"), n as f64);
    let (req, req_retry) = usage(comp(&r, "anomaly detector"), "requests");
    assert!(s.counters.retries > 0 && req_retry > 0.0 && req_retry < 0.05 * req);

    // every AWS component but the (near-empty) failed-records queue has a positive
    // cost; Firehose's 5 KB record rounding makes it the biggest line; the month is in
    // the documented range (~1,170 USD, +-30 %)
    let c = cost(&d, &r);
    for name in [
        "events stream",
        "archive (Firehose)",
        "enrich (transform)",
        "data lake (S3)",
        "anomaly detector",
        "sessionizer (ECS)",
        "warehouse (Athena)",
    ] {
        let cc = c
            .components
            .get(name)
            .unwrap_or_else(|| panic!("no cost for {name}"));
        assert!(cc.usd > 0.0, "{name} costs nothing");
    }
    let firehose = c.components["archive (Firehose)"].per_month_usd;
    assert!(c.components.values().all(|cc| cc.per_month_usd <= firehose));
    assert!(
        (820.0..1520.0).contains(&c.per_month_usd),
        "{} USD/month",
        c.per_month_usd
    );
}

#[test]
fn insurance_quotes_example() {
    // 30 minutes at 8 quotes/s (~14,400), no warm-up so the window is the whole run
    let d = load("insurance-quotes.ron", 1800, 0);
    let r = run(&d);
    assert!(r.ledger.live_messages_accounted);
    let bus = comp(&r, "quotes bus");
    let n = bus.counters.arrivals as f64;

    // each rule's target receives only its product: 75 / 20 / 5 % of the events (+-10 %
    // relative, +-25 % for the 5 % boat share), together exactly what the bus matched
    let auto = comp(&r, "auto quote").counters.arrivals as f64;
    let home = comp(&r, "home underwriting").counters.arrivals as f64;
    let boat = comp(&r, "boat quote").counters.arrivals as f64;
    assert!((auto / n / 0.75 - 1.0).abs() < 0.1, "auto {auto} of {n}");
    assert!((home / n / 0.20 - 1.0).abs() < 0.1, "home {home} of {n}");
    assert!((boat / n / 0.05 - 1.0).abs() < 0.25, "boat {boat} of {n}");
    assert_eq!(extra(bus, "unmatched"), 0.0);
    assert_eq!(extra(bus, "matched"), extra(bus, "invocations"));
    assert!((auto + home + boat - extra(bus, "matched")).abs() <= 3.0);

    // the per-target DLQ gets nothing (Lambda and Step Functions accept every
    // delivery); function errors go to the on-failure queue only after Lambda's own
    // retries (8 % ^ 3 for boat quotes: ~0.4 expected here, at most a few)
    assert_eq!(comp(&r, "bus target DLQ").counters.arrivals, 0);
    assert_eq!(bus.counters.dead_lettered, 0);
    assert!(comp(&r, "failed quotes").counters.arrivals <= 3);

    // boat quotes: 8 % of invocations fail and are retried a minute later, so ~8 % of
    // the function's requests are retry cost (+-35 %: ~750 invocations) and the p99
    // end-to-end is over a minute, while auto quotes (0.2 % failing) stay under 2 s
    let (req, req_retry) = usage(comp(&r, "boat quote"), "requests");
    assert!(
        (req_retry / req / 0.08 - 1.0).abs() < 0.35,
        "{req_retry} of {req}"
    );
    assert!(e2e_p99(&r, "boat quote") > 60_000.0);
    assert!(e2e_p99(&r, "auto quote") < 2_000.0);

    // Step Functions Standard: 8 transitions per execution plus one per retry, all
    // of the retries billed as retry cost; it is the biggest line of a bill of about
    // 960 USD/month (+-30 %), with no 429s at the API
    let sf = comp(&r, "home underwriting");
    let (tr, tr_retry) = usage(sf, "transitions");
    assert_eq!(
        tr,
        8.0 * sf.counters.arrivals as f64 + sf.counters.retries as f64
    );
    assert_eq!(tr_retry, sf.counters.retries as f64);
    assert_eq!(extra(comp(&r, "quote API"), "status_429"), 0.0);
    let c = cost(&d, &r);
    let sfn = c.components["home underwriting"].per_month_usd;
    assert!(c.components.values().all(|cc| cc.per_month_usd <= sfn));
    assert!(
        (670.0..1250.0).contains(&c.per_month_usd),
        "{} USD/month",
        c.per_month_usd
    );
}

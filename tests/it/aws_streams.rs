//! Kinesis streams, Kafka topics, DynamoDB tables and Firehose: per-shard write limits,
//! hot keys, ordered consumption that blocks on failure, per-key throttling, buffer
//! flushes and the billable usage they report.

use super::common::{close, comp, doc, extra, run, usage};

const GB: f64 = 1_073_741_824.0;

#[test]
fn kinesis_shard_accepts_1000_records_per_second_and_refuses_the_rest() {
    // One shard offered 1,500 records/s of 500 bytes for 60 s: the record limit binds
    // (500 KB/s is under the 1 MiB/s limit). A token bucket of one second admits
    // 1,000/s x 60 s + 1,000 = 61,000; the rest is refused and retried by the producer
    // (SDK standard mode: 3 attempts), which gives up on what is still refused.
    let r = run(&doc(r#"(
        scenario: (duration: "60s", seed: 7),
        event_types: [(name: "e", payload_bytes: Constant(500.0))],
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1500.0))),
            (id: "ks", kind: KinesisStream(shards: 1)),
            (id: "sink", kind: Sink()),
        ],
        connections: [(from: "p", to: "ks"), (from: "ks", to: "sink")],
    )"#));
    let ks = comp(&r, "ks");
    let accepted = ks.counters.completions;
    assert!(
        (60_990..=61_001).contains(&accepted),
        "accepted {accepted}, expected 1,000/s x 60 s + 1,000"
    );
    let p = comp(&r, "p");
    let row = &r.ledger.producers["p"];
    assert_eq!(row.produced, 90_000);
    // every arrival at the stream is a first send or a producer retry (some retries
    // are still backing off at the end)
    let sends = row.produced + p.counters.retries;
    assert!(ks.counters.arrivals <= sends && ks.counters.arrivals + row.in_flight >= sends);
    assert_eq!(ks.counters.rejected, ks.counters.arrivals - accepted);
    assert_eq!(extra(ks, "throttled_writes"), ks.counters.rejected as f64);
    // refused three times = rejected for good; the rest of the 29,000 excess is still
    // backing off at the end
    assert!(row.rejected > 25_000, "{row:?}");
    // the consumer reads everything accepted except the last partial batch
    let sink = comp(&r, "sink").counters.arrivals;
    assert!(sink + 100 >= accepted && sink <= accepted, "sink {sink}");
    assert_eq!(extra(ks, "records_consumed"), sink as f64);
}

#[test]
fn a_hot_key_saturates_one_shard_while_the_others_idle() {
    // 4 shards, 1,500 records/s, 90% of them with one partition key: that key's shard
    // is capped at 1,000/s (61,000 in 60 s with the burst); the other 99 keys share
    // 150/s over all four shards, far below their limits.
    let r = run(&doc(r#"(
        scenario: (duration: "60s", seed: 11),
        event_types: [(name: "e", payload_bytes: Constant(500.0))],
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1500.0),
                keys: (cardinality: 100, hot_share: 0.9), retry: (max_attempts: 1))),
            (id: "ks", kind: KinesisStream(shards: 4)),
        ],
        connections: [(from: "p", to: "ks")],
    )"#));
    let ks = comp(&r, "ks");
    assert_eq!(extra(ks, "shards_throttled"), 1.0);
    let busiest = extra(ks, "writes_busiest_shard");
    assert!(
        (60_990.0..=61_001.0).contains(&busiest),
        "busiest {busiest}"
    );
    let quietest = extra(ks, "writes_quietest_shard");
    assert!(
        quietest < 0.1 * busiest,
        "quietest shard {quietest} vs {busiest}"
    );
    // the hot key alone offers its shard 1,350/s = 81,000, 20,000 more than it takes;
    // the other keys add 150/s x 60 s = 9,000 over all shards, about a quarter of it
    // to the hot shard
    let rejected = ks.counters.rejected;
    assert_eq!(rejected, 90_000 - ks.counters.completions);
    assert!(
        (20_000..=24_500).contains(&rejected),
        "throttled writes {rejected}"
    );
    let elsewhere = ks.counters.completions as f64 - busiest;
    assert!(
        (4_500.0..=9_000.0).contains(&elsewhere),
        "writes on the other shards {elsewhere}"
    );
    // with no consumer the stream is where records end
    assert_eq!(r.ledger.producers["p"].delivered, ks.counters.completions);
}

/// A stream read by a consumer that takes one record and then throttles every call
/// (a station whose token bucket holds one token and never refills).
fn blocked_doc(max_record_age: &str) -> spillway::model::Document {
    doc(&format!(
        r#"(
        scenario: (duration: "120s", seed: 5, bucket: "10s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0))),
            (id: "ks", kind: KinesisStream(shards: 1 {max_record_age})),
            (id: "bad", kind: Station(service_ms: Constant(1.0),
                throttle: (rate_per_s: 0.0, burst: 1.0))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [
            (from: "p", to: "ks"),
            (from: "ks", to: "bad"),
            (from: "ks", to: "dlq", kind: OnFailure),
        ],
    )"#
    ))
}

#[test]
fn a_failing_batch_blocks_its_shard_and_the_iterator_age_grows() {
    // Throttled calls are retried until the records expire (24 h here), so nothing
    // after the first record gets through in two minutes: the shard is blocked and the
    // oldest unfinished record (at 0.1 s) ages with the clock.
    let r = run(&blocked_doc(""));
    let ks = comp(&r, "ks");
    let bad = comp(&r, "bad");
    assert_eq!(bad.counters.completions, 1);
    assert_eq!(extra(ks, "records_consumed"), 1.0);
    assert_eq!(comp(&r, "dlq").counters.arrivals, 0);
    assert!(extra(ks, "retried_batches") >= 5.0);
    let row = &r.ledger.producers["p"];
    assert_eq!(row.produced, 1200);
    assert_eq!(row.delivered, 1);
    assert_eq!(row.in_flight, 1199);
    // iterator age: sampled each second, averaged per 10 s bucket; rises every bucket
    let age = &ks.series.gauges["iterator_age_s"];
    assert_eq!(age.len(), 12);
    for w in age.windows(2) {
        assert!(w[1] > w[0] + 9.0, "iterator age does not grow: {age:?}");
    }
    let last = age[age.len() - 1];
    assert!((108.0..=115.0).contains(&last), "last bucket {last}");
    let max = extra(ks, "iterator_age_max_s");
    assert!((119.0..=120.0).contains(&max), "max age {max}");
}

#[test]
fn records_older_than_max_record_age_go_to_the_on_failure_link() {
    // Same blocked consumer with max_record_age 30 s: each blocked batch is given up
    // when its oldest record turns 30 s old, its records go to the dead-letter queue
    // (reason expired) and the lane moves on; the iterator age never passes 30 s.
    let r = run(&blocked_doc(", max_record_age: \"30s\""));
    let ks = comp(&r, "ks");
    let dlq = comp(&r, "dlq");
    let row = &r.ledger.producers["p"];
    assert_eq!(row.delivered, 1);
    assert_eq!(row.dead_lettered, dlq.counters.arrivals);
    assert_eq!(extra(dlq, "reason_expired"), dlq.counters.arrivals as f64);
    assert_eq!(ks.counters.dead_lettered, dlq.counters.arrivals);
    // at the end at most the last 30 s (300 records) are still in the stream
    assert!(row.in_flight <= 301, "{row:?}");
    assert!(dlq.counters.arrivals >= 1200 - 1 - 301);
    let max = extra(ks, "iterator_age_max_s");
    assert!((29.0..=30.0).contains(&max), "max age {max}");
}

#[test]
fn every_consumer_reads_every_record() {
    // A stream is a log, not a queue: two consumers each get all records (the second
    // one a copy), in batches of up to 100 per shard.
    let r = run(&doc(r#"(
        scenario: (duration: "30s", seed: 2),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 200.0), max_events: 5000,
                keys: (cardinality: 50))),
            (id: "ks", kind: KinesisStream(shards: 2)),
            (id: "a", kind: Sink()),
            (id: "b", kind: Sink()),
        ],
        connections: [(from: "p", to: "ks"), (from: "ks", to: "a"), (from: "ks", to: "b")],
    )"#));
    let row = &r.ledger.producers["p"];
    assert_eq!(row.produced, 5000);
    assert_eq!(row.copies, 5000);
    assert_eq!(comp(&r, "a").counters.arrivals, 5000);
    assert_eq!(comp(&r, "b").counters.arrivals, 5000);
    let ks = comp(&r, "ks");
    assert_eq!(extra(ks, "records_consumed"), 10_000.0);
    assert_eq!(extra(ks, "retried_batches"), 0.0);
    // 200/s over 2 shards: about 100/s per shard, read about once a second per shard
    // and consumer, so batches of about 100: at least 10,000 / 100 calls
    assert!(extra(ks, "batches") >= 100.0);
}

#[test]
fn the_batch_window_gathers_records_before_invoking() {
    // 10 records/s on one shard with a 5 s batching window: one call every ~5 s with
    // ~50 records, i.e. about 60 s / 5 s = 12 calls.
    let r = run(&doc(r#"(
        scenario: (duration: "60s", seed: 4),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0))),
            (id: "ks", kind: KinesisStream(shards: 1, batch_window: "5s")),
            (id: "sink", kind: Sink()),
        ],
        connections: [(from: "p", to: "ks"), (from: "ks", to: "sink")],
    )"#));
    let batches = extra(comp(&r, "ks"), "batches");
    assert!((10.0..=12.0).contains(&batches), "batches {batches}");
}

#[test]
fn dynamodb_throttles_a_hot_partition_key_at_1000_wcu() {
    // 2,000 writes/s of 1 KB (1 WRU each) for 30 s, 90% on one key: that key takes
    // 1,000 WRU/s (31,000 with one second of burst), the other 9 keys (~22/s each)
    // and the table (40,000 WRU/s) are far from their limits.
    let r = run(&doc(r#"(
        scenario: (duration: "30s", seed: 9),
        event_types: [(name: "e", payload_bytes: Constant(1000.0))],
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 2000.0),
                keys: (cardinality: 10, hot_share: 0.9), retry: (max_attempts: 1))),
            (id: "t", kind: DynamoDbTable()),
            (id: "sink", kind: Sink()),
        ],
        connections: [(from: "p", to: "t"), (from: "t", to: "sink")],
    )"#));
    let t = comp(&r, "t");
    assert_eq!(t.counters.arrivals, 60_000);
    let accepted = t.counters.arrivals - t.counters.rejected;
    // hot key offered 54,000 +- 73 (binomial), 31,000 accepted; others 6,000 +- 73
    close("accepted writes", accepted as f64, 37_000.0, 0.01);
    close(
        "throttled writes",
        extra(t, "throttled_writes"),
        23_000.0,
        0.02,
    );
    assert_eq!(usage(t, "wru").0, accepted as f64);
    // every accepted write goes on to the sink after single-digit milliseconds
    let sink = comp(&r, "sink").counters.arrivals;
    assert!(sink <= accepted && sink + 50 >= accepted, "sink {sink}");
}

#[test]
fn dynamodb_provisioned_table_bills_capacity_hours_and_caps_writes() {
    // 2 KB items cost 2 WCU: a 500-WCU table takes 250 items/s (+ one second of burst)
    let r = run(&doc(r#"(
        scenario: (duration: "60s", seed: 1),
        event_types: [(name: "e", payload_bytes: Constant(2000.0))],
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 400.0), retry: (max_attempts: 1))),
            (id: "t", kind: DynamoDbTable(mode: Provisioned(wcu: 500, rcu: 100))),
        ],
        connections: [(from: "p", to: "t")],
    )"#));
    let t = comp(&r, "t");
    let accepted = t.counters.arrivals - t.counters.rejected;
    assert!(
        (15_249..=15_250).contains(&accepted),
        "accepted {accepted}, expected 250/s x 60 s + 250"
    );
    close("wcu_hours", usage(t, "wcu_hours").0, 500.0 / 60.0, 1e-9);
    close("rcu_hours", usage(t, "rcu_hours").0, 100.0 / 60.0, 1e-9);
    assert!(!t.usage.contains_key("wru"));
}

#[test]
fn dynamodb_stream_consumers_read_every_write_in_order_per_shard() {
    let r = run(&doc(r#"(
        scenario: (duration: "20s", seed: 3),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 100.0), max_events: 1000,
                keys: (cardinality: 20))),
            (id: "t", kind: DynamoDbTable(stream: true, consumer: (batch_size: 10))),
            (id: "a", kind: Sink()),
            (id: "b", kind: Sink()),
        ],
        connections: [(from: "p", to: "t"), (from: "t", to: "a"), (from: "t", to: "b")],
    )"#));
    assert_eq!(comp(&r, "a").counters.arrivals, 1000);
    assert_eq!(comp(&r, "b").counters.arrivals, 1000);
    let t = comp(&r, "t");
    assert_eq!(extra(t, "records_consumed"), 2000.0);
    // batches of at most 10 records
    assert!(extra(t, "batches") >= 200.0);
    assert!(
        r.components["t"]
            .series
            .gauges
            .contains_key("iterator_age_s")
    );
}

#[test]
fn firehose_flushes_on_size_at_high_rate() {
    // 1,000 records/s of 10 KiB: the 5 MiB buffer fills with exactly 512 records, so
    // 5,120 records make 10 flushes by size and none by interval; each flush is one
    // call to the bucket.
    let r = run(&doc(r#"(
        scenario: (duration: "60s", seed: 1),
        event_types: [(name: "e", payload_bytes: Constant(10240.0))],
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1000.0), max_events: 5120)),
            (id: "fh", kind: Firehose()),
            (id: "s3", kind: Sink()),
        ],
        connections: [(from: "p", to: "fh"), (from: "fh", to: "s3")],
    )"#));
    let fh = comp(&r, "fh");
    assert_eq!(extra(fh, "flushes_by_size"), 10.0);
    assert_eq!(extra(fh, "flushes_by_interval"), 0.0);
    assert_eq!(extra(fh, "deliveries"), 10.0);
    assert_eq!(comp(&r, "s3").counters.arrivals, 5120);
    assert_eq!(fh.counters.completions, 5120);
    // 10 KiB is two 5 KB steps: billed exactly
    close(
        "gb_ingested",
        usage(fh, "gb_ingested").0,
        5120.0 * 10240.0 / GB,
        1e-12,
    );
}

#[test]
fn firehose_flushes_on_interval_at_low_rate() {
    // One 1 KB record per second (first at 1 s) with a 60 s interval: the buffer opened
    // at 1 s flushes at 61 s, the next opened at 61 s flushes at 121 s, ... 9 flushes
    // by 541 s; the records from 541 s on are still buffered at 600 s.
    let r = run(&doc(r#"(
        scenario: (duration: "600s", seed: 1),
        event_types: [(name: "e", payload_bytes: Constant(1000.0))],
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1.0))),
            (id: "fh", kind: Firehose(buffer_interval: "60s")),
            (id: "s3", kind: Sink()),
        ],
        connections: [(from: "p", to: "fh"), (from: "fh", to: "s3")],
    )"#));
    let fh = comp(&r, "fh");
    assert_eq!(extra(fh, "flushes_by_interval"), 9.0);
    assert_eq!(extra(fh, "flushes_by_size"), 0.0);
    assert_eq!(comp(&r, "s3").counters.arrivals, 540);
    assert_eq!(r.ledger.producers["p"].in_flight, 60);
    // each 1,000-byte record is billed as 5 KB (5,120 bytes)
    close(
        "gb_ingested",
        usage(fh, "gb_ingested").0,
        600.0 * 5120.0 / GB,
        1e-12,
    );
}

#[test]
fn firehose_retries_a_failing_destination_then_gives_up() {
    // The destination throttles everything after its first record; with a 10 s retry
    // duration, a flushed batch is retried at 1, 2, 4 s ... and given up to the
    // on-failure queue once the next retry would pass 10 s after the flush.
    let r = run(&doc(r#"(
        scenario: (duration: "120s", seed: 1),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 100)),
            (id: "fh", kind: Firehose(buffer_interval: "5s", retry_duration: "10s",
                delivery_latency_ms: Constant(0.0))),
            (id: "s3", kind: Station(service_ms: Constant(1.0), throttle: (rate_per_s: 0.0, burst: 1.0))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "fh"), (from: "fh", to: "s3"),
            (from: "fh", to: "dlq", kind: OnFailure)],
    )"#));
    let row = &r.ledger.producers["p"];
    assert_eq!(row.produced, 100);
    assert_eq!(row.delivered, 1);
    assert_eq!(row.dead_lettered, 99);
    let dlq = comp(&r, "dlq");
    assert_eq!(extra(dlq, "reason_throttled"), 99.0);
    // records 1..=50 flush at 5.1 s, 51..=100 at 10.1 s: each batch is tried at 0, 1,
    // 3, 7 s after its flush (the next retry, at 15 s, would pass 10 s)
    assert_eq!(comp(&r, "fh").counters.retries, 6);
}

#[test]
fn stream_costs_by_hand() {
    // Provisioned: 100 records of 30,000 bytes are 2 PUT units each (25 KB units);
    // 2 shards for 12 s are 2 x 12 / 3600 shard-hours.
    let kinesis = |mode: &str, size: f64| {
        doc(&format!(
            r#"(
            scenario: (duration: "12s", seed: 1),
            event_types: [(name: "e", payload_bytes: Constant({size}))],
            components: [
                (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 100)),
                (id: "ks", kind: {mode}),
                (id: "sink", kind: Sink()),
            ],
            connections: [(from: "p", to: "ks"), (from: "ks", to: "sink")],
        )"#
        ))
    };
    let r = run(&kinesis("KinesisStream(shards: 2)", 30_000.0));
    let ks = comp(&r, "ks");
    assert_eq!(usage(ks, "put_units").0, 200.0);
    close(
        "shard_hours",
        usage(ks, "shard_hours").0,
        2.0 * 12.0 / 3600.0,
        1e-9,
    );
    assert!(!ks.usage.contains_key("gb_in"));
    // On-demand: 1,500-byte records are billed in as 2 KiB; out as read (1,500 bytes
    // once, by the one consumer); one stream-hour per hour.
    let r = run(&kinesis("KinesisStream(on_demand: true)", 1500.0));
    let ks = comp(&r, "ks");
    close("gb_in", usage(ks, "gb_in").0, 100.0 * 2048.0 / GB, 1e-12);
    close("gb_out", usage(ks, "gb_out").0, 100.0 * 1500.0 / GB, 1e-12);
    close(
        "stream_hours",
        usage(ks, "stream_hours").0,
        12.0 / 3600.0,
        1e-9,
    );
    assert!(!ks.usage.contains_key("put_units"));
    // Kafka: brokers x hours, and no per-partition write limit by default
    let r = run(&doc(r#"(
        scenario: (duration: "12s", seed: 1),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 5000.0), retry: (max_attempts: 1))),
            (id: "topic", kind: KafkaTopic(shards: 1)),
        ],
        connections: [(from: "p", to: "topic")],
    )"#));
    let t = comp(&r, "topic");
    assert_eq!(t.counters.rejected, 0);
    assert_eq!(t.counters.completions, 60_000);
    close(
        "broker_hours",
        usage(t, "broker_hours").0,
        3.0 * 12.0 / 3600.0,
        1e-9,
    );
}

#[test]
fn bad_parameters_are_reported_by_name() {
    use spillway::model::validate;
    let d = doc(r#"(
        components: [
            (id: "ks", kind: KinesisStream(shards: 0, parallelization_factor: 11, batch_size: 0)),
            (id: "t", kind: DynamoDbTable(partition_wcu_per_s: 0.0, stream: true,
                consumer: (batch_size: 5000))),
            (id: "fh", kind: Firehose(buffer_mb: 200.0, buffer_interval: "20m")),
        ],
    )"#);
    let text: Vec<String> = validate(&d).iter().map(ToString::to_string).collect();
    let all = text.join("\n");
    for needle in [
        "shards must be at least 1",
        "parallelization_factor must be between 1 and 10",
        "batch_size must be between 1 and 10000",
        "partition_wcu_per_s must be a finite rate above zero",
        "consumer.batch_size must be at most 1000",
        "buffer_mb must be between 1 and 128",
        "buffer_interval must be at most 900s",
    ] {
        assert!(all.contains(needle), "missing `{needle}` in:\n{all}");
    }
}

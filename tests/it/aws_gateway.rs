//! API Gateway, EventBridge, SNS and Step Functions: throttles, synchronous
//! integrations, filter policies, retry policies and dead-letter queues, billing
//! arithmetic. Expected numbers are derived by hand in the comments.

use super::common::{comp, doc, extra, run_ok, usage};
use spillway::model::Document;
use spillway::sim::{Report, Simulation};

// ---------------------------------------------------------------- API Gateway

#[test]
fn api_gateway_429s_at_rate_times_time_plus_burst() {
    // 100 requests/s for 60 s against a bucket of 10/s with burst 50, clients that do
    // not retry: 10 x 60 + 50 = 650 admitted (649 when the last refill lands just after
    // the last request), the rest 429. Every admitted request reaches the Sink
    // integration (200) and is billed; throttled ones are not billed.
    let r = run_ok(&doc(r#"(
        scenario: (duration: "60s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 100.0), retry: (max_attempts: 1))),
            (id: "api", kind: ApiGateway(throttle: (rate_per_s: 10.0, burst: 50.0), overhead_ms: Constant(0.0))),
            (id: "backend", kind: Sink()),
        ],
        connections: [(from: "p", to: "api"), (from: "api", to: "backend")],
    )"#));
    let g = comp(&r, "api");
    assert_eq!(g.counters.arrivals, 6000);
    let admitted = extra(g, "status_200");
    assert!((649.0..=650.0).contains(&admitted), "admitted {admitted}");
    assert_eq!(extra(g, "status_429"), 6000.0 - admitted);
    assert_eq!(g.counters.rejected as f64, 6000.0 - admitted);
    assert_eq!(usage(g, "rest_requests").0, admitted);
    assert_eq!(comp(&r, "backend").counters.arrivals as f64, admitted);
    // one client-visible response latency per admitted request
    assert_eq!(g.residence_ms.as_ref().unwrap().count as f64, admitted);
    let row = &r.ledger.producers["p"];
    assert_eq!(row.rejected as f64, 6000.0 - admitted);
    assert_eq!(row.delivered as f64, admitted);
}

#[test]
fn api_gateway_http_api_bills_512_kib_slices_and_clients_retry_429s() {
    // HTTP API, payload 600 KiB = 2 slices of 512 KiB per request. The bucket admits 5
    // at once and 1/s after; 20 requests arrive within 0.2 s, clients retry 429s up to
    // 10 attempts with backoff from 1 s: all 20 get through in the end, each billed once
    // (2 units), refusals are not billed.
    let r = run_ok(&doc(r#"(
        scenario: (duration: "300s"),
        event_types: [(name: "upload", payload_bytes: Constant(614400.0))],
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 100.0), max_events: 20,
                retry: (max_attempts: 30, backoff_ms: 1000.0, multiplier: 1.5, max_backoff_ms: 10000.0, jitter: Full))),
            (id: "api", kind: ApiGateway(api: Http, throttle: (rate_per_s: 1.0, burst: 5.0))),
            (id: "backend", kind: Sink()),
        ],
        connections: [(from: "p", to: "api"), (from: "api", to: "backend")],
    )"#));
    let g = comp(&r, "api");
    assert_eq!(extra(g, "status_200"), 20.0);
    assert_eq!(usage(g, "http_requests").0, 40.0);
    assert!(
        extra(g, "status_429") >= 15.0,
        "at least 15 first tries refused"
    );
    assert_eq!(g.counters.arrivals, 20 + g.counters.rejected);
    assert_eq!(r.ledger.producers["p"].delivered, 20);
}

#[test]
fn api_gateway_integration_throttle_is_a_client_visible_429() {
    // The integration (a Station with 10 tokens and no refill, standing in for a Lambda
    // out of concurrency) takes the first 10 requests; the other 90 come back Throttled
    // and the client, which does not retry, sees 429s. They were admitted by the
    // gateway's own bucket, so all 100 are billed.
    let r = run_ok(&doc(r#"(
        scenario: (duration: "30s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 100, retry: (max_attempts: 1))),
            (id: "api", kind: ApiGateway()),
            (id: "fn", kind: Station(servers: 100, service_ms: Constant(5.0), throttle: (rate_per_s: 0.0, burst: 10.0))),
        ],
        connections: [(from: "p", to: "api"), (from: "api", to: "fn")],
    )"#));
    let g = comp(&r, "api");
    assert_eq!(extra(g, "status_200"), 10.0);
    assert_eq!(extra(g, "status_429"), 90.0);
    assert_eq!(extra(g, "status_502") + extra(g, "status_504"), 0.0);
    assert_eq!(usage(g, "rest_requests").0, 100.0);
    assert_eq!(comp(&r, "fn").counters.rejected, 90);
    let row = &r.ledger.producers["p"];
    assert_eq!((row.delivered, row.rejected), (10, 90));
}

#[test]
fn api_gateway_routes_to_the_first_matching_integration() {
    // Two routes by event type; a third type matches no route (404, filtered). Step
    // Functions answers a service integration at once.
    let r = run_ok(&doc(r#"(
        scenario: (duration: "60s"),
        event_types: [(name: "quote", weight: 1.0), (name: "claim", weight: 1.0), (name: "spam", weight: 1.0)],
        components: [
            (id: "pq", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 30, event_types: ["quote"])),
            (id: "pc", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 20, event_types: ["claim"])),
            (id: "ps", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 5, event_types: ["spam"])),
            (id: "api", kind: ApiGateway()),
            (id: "quotes", kind: Sink()),
            (id: "claims", kind: StepFunctions(duration_ms: Constant(100.0))),
        ],
        connections: [
            (from: "pq", to: "api"), (from: "pc", to: "api"), (from: "ps", to: "api"),
            (from: "api", to: "quotes", filter: (event_types: ["quote"])),
            (from: "api", to: "claims", filter: (event_types: ["claim"])),
        ],
    )"#));
    let g = comp(&r, "api");
    assert_eq!(extra(g, "status_200"), 50.0);
    assert_eq!(extra(g, "status_404"), 5.0);
    assert_eq!(comp(&r, "quotes").counters.arrivals, 30);
    assert_eq!(comp(&r, "claims").counters.completions, 20);
    assert_eq!(r.ledger.producers["ps"].filtered, 5);
}

// ---------------------------------------------------------------- SNS

#[test]
fn sns_filter_policies_deliver_only_matching_subscriptions() {
    // 100 order_eu (region eu, priority high), 60 order_us (region us, priority low),
    // 40 refund (region eu, 100,000 bytes = 2 chunks of 64 KiB), 10 audit (no attributes).
    // all_orders takes the order types: 160; eu takes region eu: 100 + 40 = 140;
    // urgent takes priority high: 100 (refund has no priority). Audit matches nothing
    // (filtered at the topic). Non-matching subscriptions per publish: order_us 2,
    // refund 2, audit 3: 120 + 80 + 30 = 230 filtered out, none a failure.
    // Publishes: 100 + 60 + 40 x 2 + 10 = 250 billed chunks; deliveries to these
    // (HTTP) endpoints: 160 + 140 + 100 = 400.
    let r = run_ok(&doc(r#"(
        scenario: (duration: "60s"),
        event_types: [
            (name: "order_eu", attributes: {"region": [("eu", 1.0)], "priority": [("high", 1.0)]}),
            (name: "order_us", attributes: {"region": [("us", 1.0)], "priority": [("low", 1.0)]}),
            (name: "refund", payload_bytes: Constant(100000.0), attributes: {"region": [("eu", 1.0)]}),
            (name: "audit"),
        ],
        components: [
            (id: "p1", kind: Producer(arrivals: Constant(rate_per_s: 20.0), max_events: 100, event_types: ["order_eu"])),
            (id: "p2", kind: Producer(arrivals: Constant(rate_per_s: 20.0), max_events: 60, event_types: ["order_us"])),
            (id: "p3", kind: Producer(arrivals: Constant(rate_per_s: 20.0), max_events: 40, event_types: ["refund"])),
            (id: "p4", kind: Producer(arrivals: Constant(rate_per_s: 20.0), max_events: 10, event_types: ["audit"])),
            (id: "topic", kind: SnsTopic()),
            (id: "all_orders", kind: Sink()),
            (id: "eu", kind: Sink()),
            (id: "urgent", kind: Sink()),
        ],
        connections: [
            (from: "p1", to: "topic"), (from: "p2", to: "topic"), (from: "p3", to: "topic"), (from: "p4", to: "topic"),
            (from: "topic", to: "all_orders", filter: (event_types: ["order_eu", "order_us"])),
            (from: "topic", to: "eu", filter: (attributes: {"region": Equals(["eu"])})),
            (from: "topic", to: "urgent", filter: (attributes: {"priority": Equals(["high"])})),
        ],
    )"#));
    assert_eq!(comp(&r, "all_orders").counters.arrivals, 160);
    assert_eq!(comp(&r, "eu").counters.arrivals, 140);
    assert_eq!(comp(&r, "urgent").counters.arrivals, 100);
    let t = comp(&r, "topic");
    assert_eq!(extra(t, "filtered_out"), 230.0);
    assert_eq!(t.counters.filtered, 10);
    assert_eq!(
        t.counters.failures + t.counters.failed + t.counters.retries,
        0
    );
    assert_eq!(usage(t, "publishes").0, 250.0);
    assert_eq!(usage(t, "http_deliveries"), (400.0, 0.0));
    assert_eq!(r.ledger.producers["p4"].filtered, 10);
    assert_eq!(r.ledger.producers["p1"].copies, 200);
}

#[test]
fn sns_http_retry_policy_then_subscription_dlq() {
    // The endpoint (a Station with one token and no refill) accepts the first delivery
    // and refuses everything after. HTTP/S default policy: 3 retries 20 s apart, so each
    // of the other 4 events is attempted 4 times (60 s), then goes to the subscription's
    // DLQ with reason throttled. Deliveries billed: 1 + 4 x 4 = 17, of which 12 retries.
    let r = run_ok(&doc(r#"(
        scenario: (duration: "120s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 5)),
            (id: "topic", kind: SnsTopic(latency_ms: Constant(10.0))),
            (id: "hook", kind: Station(servers: 10, service_ms: Constant(1.0), throttle: (rate_per_s: 0.0, burst: 1.0))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "topic"), (from: "topic", to: "hook", dead_letter: "dlq")],
    )"#));
    let t = comp(&r, "topic");
    assert_eq!(t.counters.retries, 12);
    assert_eq!(t.counters.failures, 16);
    assert_eq!(t.counters.dead_lettered, 4);
    assert_eq!(usage(t, "http_deliveries"), (17.0, 12.0));
    let d = comp(&r, "dlq");
    assert_eq!(extra(d, "reason_throttled"), 4.0);
    // the last dead letter arrived after 3 x 20 s of retries
    assert!(extra(d, "oldest_age_s") < 120.0 - 60.0);
    assert_eq!(comp(&r, "hook").counters.rejected, 16);
}

fn fifo_blocking(fifo: bool) -> Report {
    // One message group, 10 messages at 10/s; the subscriber takes 3 then refuses all;
    // the link retries once after 1 s, then dead-letters.
    run_ok(&doc(&format!(
        r#"(
        scenario: (duration: "5s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 10, keys: (cardinality: 1))),
            (id: "topic", kind: SnsTopic(fifo: {fifo}, latency_ms: Constant(10.0))),
            (id: "q", kind: Station(servers: 10, service_ms: Constant(1.0), throttle: (rate_per_s: 0.0, burst: 3.0))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "topic"),
            (from: "topic", to: "q", dead_letter: "dlq",
             retry: (max_attempts: 2, backoff_ms: 1000.0))],
    )"#
    )))
}

#[test]
fn sns_fifo_keeps_group_order_so_a_failing_message_blocks_its_group() {
    // Standard: the 7 refused messages retry in parallel and are all dead-lettered
    // about 1 s after they arrived (by 2.1 s). FIFO: each waits for the one before it,
    // 1 s each: dead letters at about 1.4, 2.4, 3.4, 4.4 s; 3 still held at 5 s.
    let std = fifo_blocking(false);
    assert_eq!(comp(&std, "dlq").counters.arrivals, 7);
    assert_eq!(std.ledger.producers["p"].in_flight, 0);
    let fifo = fifo_blocking(true);
    assert_eq!(comp(&fifo, "dlq").counters.arrivals, 4);
    assert_eq!(
        comp(&fifo, "q").counters.arrivals - comp(&fifo, "q").counters.rejected,
        3
    );
    assert_eq!(fifo.ledger.producers["p"].in_flight, 3);
    let t = comp(&fifo, "topic");
    // FIFO meters: 10 publishes; deliveries 3 + 4 x 2 + the 5th of the blocked ones in
    // transit... counted per attempt made: 3 accepted + 4 x 2 refused + 1 first try of
    // the next = 12
    assert_eq!(usage(t, "fifo_publishes").0, 10.0);
    assert_eq!(usage(t, "fifo_deliveries").0, 12.0);
    let gb = usage(t, "fifo_delivery_gb").0;
    assert!(
        (gb - 12.0 * 1024.0 / (1u64 << 30) as f64).abs() < 1e-15,
        "{gb}"
    );
}

#[test]
fn sns_fifo_group_throughput_is_capped() {
    // One group at 1,000/s for 10 s against 300/s per group (bucket of one second):
    // 300 x 10 + 300 = 3,300 admitted, the rest refused (clients do not retry).
    let r = run_ok(&doc(r#"(
        scenario: (duration: "10s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1000.0), keys: (cardinality: 1), retry: (max_attempts: 1))),
            (id: "topic", kind: SnsTopic(fifo: true, latency_ms: Constant(5.0))),
            (id: "q", kind: Sink()),
        ],
        connections: [(from: "p", to: "topic"), (from: "topic", to: "q")],
    )"#));
    let t = comp(&r, "topic");
    let admitted = t.counters.arrivals - t.counters.rejected;
    assert!((3299..=3300).contains(&admitted), "admitted {admitted}");
    assert_eq!(usage(t, "fifo_publishes").0, admitted as f64);
}

// ---------------------------------------------------------------- EventBridge

fn bus_retry_doc(max_event_age: &str, backoff_ms: f64) -> Document {
    doc(&format!(
        r#"(
        scenario: (duration: "60s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 10)),
            (id: "bus", kind: EventBus(latency_ms: Constant(10.0))),
            (id: "target", kind: Station(servers: 10, service_ms: Constant(1.0), throttle: (rate_per_s: 0.0, burst: 1.0))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "bus"),
            (from: "bus", to: "target", dead_letter: "dlq", max_event_age: "{max_event_age}",
             retry: (max_attempts: 3, backoff_ms: {backoff_ms:?}, multiplier: 2.0))],
    )"#
    ))
}

#[test]
fn eventbridge_retries_per_target_policy_then_target_dlq() {
    // The target takes the first event and refuses the rest. Each of the other 9 is
    // attempted 3 times (retries after 1 s and 2 s), then goes to the link's DLQ with
    // reason throttled: 18 retries, 27 refusals, 1 + 27 invocations.
    let r = run_ok(&bus_retry_doc("1h", 1000.0));
    let b = comp(&r, "bus");
    assert_eq!(b.counters.retries, 18);
    assert_eq!(b.counters.failures, 27);
    assert_eq!(b.counters.dead_lettered, 9);
    assert_eq!(extra(b, "invocations"), 28.0);
    assert_eq!(usage(b, "events").0, 10.0);
    assert_eq!(comp(&r, "target").counters.rejected, 27);
    assert_eq!(extra(comp(&r, "dlq"), "reason_throttled"), 9.0);
    assert_eq!(r.ledger.producers["p"].dead_lettered, 9);
}

#[test]
fn eventbridge_max_event_age_cuts_retries_short() {
    // With a maximum age of 60 s (the least EventBridge allows) the first retry (61 s
    // later) would be too late: each refused event is dead-lettered at once, reason
    // expired, no retries.
    let r = run_ok(&bus_retry_doc("60s", 61_000.0));
    let b = comp(&r, "bus");
    assert_eq!(b.counters.retries, 0);
    assert_eq!(b.counters.failures, 9);
    assert_eq!(b.counters.dead_lettered, 9);
    assert_eq!(extra(comp(&r, "dlq"), "reason_expired"), 9.0);
}

#[test]
fn eventbridge_rules_fan_out_to_their_targets() {
    // Rule "orders" (pattern: order) has two targets, rule "known" (order or refund)
    // one, and an unnamed rule (refund) one. 30 orders, 20 refunds, 10 audits:
    // audit1 and audit2 get 30 each, everything gets 50, refunds 20; audits match no
    // rule (10 unmatched). Billed events: 60 (deliveries are free).
    let r = run_ok(&doc(r#"(
        scenario: (duration: "60s"),
        event_types: [(name: "order"), (name: "refund"), (name: "audit")],
        components: [
            (id: "po", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 30, event_types: ["order"])),
            (id: "pr", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 20, event_types: ["refund"])),
            (id: "pa", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 10, event_types: ["audit"])),
            (id: "bus", kind: EventBus()),
            (id: "fulfil", kind: Sink()),
            (id: "invoice", kind: Sink()),
            (id: "everything", kind: Sink()),
            (id: "refunds", kind: Sink()),
        ],
        connections: [
            (from: "po", to: "bus"), (from: "pr", to: "bus"), (from: "pa", to: "bus"),
            (from: "bus", to: "fulfil", rule: "orders", filter: (event_types: ["order"])),
            (from: "bus", to: "invoice", rule: "orders"),
            (from: "bus", to: "everything", rule: "known", filter: (event_types: ["order", "refund"])),
            (from: "bus", to: "refunds", filter: (event_types: ["refund"])),
        ],
    )"#));
    assert_eq!(comp(&r, "fulfil").counters.arrivals, 30);
    assert_eq!(comp(&r, "invoice").counters.arrivals, 30);
    assert_eq!(comp(&r, "everything").counters.arrivals, 50);
    assert_eq!(comp(&r, "refunds").counters.arrivals, 20);
    let b = comp(&r, "bus");
    assert_eq!(extra(b, "matched"), 50.0);
    assert_eq!(extra(b, "unmatched"), 10.0);
    assert_eq!(usage(b, "events").0, 60.0);
    assert_eq!(r.ledger.producers["pa"].filtered, 10);
}

#[test]
fn eventbridge_rejects_a_rule_with_more_than_five_targets() {
    let mut text = String::from(
        r#"(components: [(id: "p", kind: Producer()), (id: "bus", kind: EventBus()),"#,
    );
    for i in 0..6 {
        text.push_str(&format!(r#"(id: "t{i}", kind: Sink()),"#));
    }
    text.push_str(r#"], connections: [(from: "p", to: "bus"),"#);
    for i in 0..6 {
        text.push_str(&format!(r#"(from: "bus", to: "t{i}", rule: "big"),"#));
    }
    text.push_str("])");
    let err = Simulation::new(&doc(&text))
        .err()
        .expect("must not build")
        .to_string();
    assert!(err.contains("rule `big` has 6 targets"), "{err}");
}

#[test]
fn eventbridge_paces_invocations_over_the_limit_instead_of_dropping() {
    // 50 events within 50 ms against 10 invocations/s (burst 10): 10 go at once, the
    // other 40 are delayed 100 ms apart; all arrive, none are lost.
    let d = |dur: &str| {
        doc(&format!(
            r#"(
            scenario: (duration: "{dur}"),
            components: [
                (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1000.0), max_events: 50)),
                (id: "bus", kind: EventBus(invocations_per_s: 10.0, latency_ms: Constant(0.0))),
                (id: "t", kind: Sink()),
            ],
            connections: [(from: "p", to: "bus"), (from: "bus", to: "t")],
        )"#
        ))
    };
    let r = run_ok(&d("10s"));
    assert_eq!(extra(comp(&r, "bus"), "delayed_invocations"), 40.0);
    assert_eq!(comp(&r, "t").counters.arrivals, 50);
    // after 2 s: the 10 of the burst plus about 19 paced ones
    let r = run_ok(&d("2s"));
    let got = comp(&r, "t").counters.arrivals;
    assert!((28..=30).contains(&got), "{got}");
}

// ---------------------------------------------------------------- Step Functions

#[test]
fn step_functions_standard_bills_transitions_plus_retries() {
    // 100 executions x 5 transitions = 500, plus one transition per retry. With
    // fail_prob 0.3 and the default retrier (3 retries), retries per execution are
    // p + p^2 + p^3 = 0.417 in expectation.
    let r = run_ok(&doc(r#"(
        scenario: (duration: "120s", seed: 7),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 100)),
            (id: "wf", kind: StepFunctions(duration_ms: Constant(1000.0), transitions: 5, fail_prob: 0.3)),
            (id: "done", kind: Sink()),
        ],
        connections: [(from: "p", to: "wf"), (from: "wf", to: "done")],
    )"#));
    let w = comp(&r, "wf");
    let retries = w.counters.retries as f64;
    assert_eq!(usage(w, "transitions"), (500.0 + retries, retries));
    assert!((20.0..65.0).contains(&retries), "{retries}");
    assert_eq!(w.counters.completions + w.counters.failed, 100);
    // an execution fails only after 4 failed attempts
    assert_eq!(w.counters.failures, w.counters.retries + w.counters.failed);
}

#[test]
fn step_functions_express_bills_rounded_gb_seconds_and_times_out_at_5_minutes() {
    // 40 executions of 250 ms -> billed 300 ms each, 100 MB -> 128 MB = 1/8 GB:
    // 40 x 0.3 x 0.125 = 1.5 GB-s, 40 requests.
    let r = run_ok(&doc(r#"(
        scenario: (duration: "60s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 40)),
            (id: "wf", kind: StepFunctions(workflow: Express, duration_ms: Constant(250.0), memory_mb: 100)),
        ],
        connections: [(from: "p", to: "wf")],
    )"#));
    let w = comp(&r, "wf");
    assert_eq!(usage(w, "requests").0, 40.0);
    assert!((usage(w, "gb_seconds").0 - 1.5).abs() < 1e-9);
    assert_eq!(w.counters.completions, 40);
    // 400 s executions stop at 300 s: timeout, dead-lettered; 300 s x 1/16 GB = 18.75
    // GB-s each
    let r = run_ok(&doc(r#"(
        scenario: (duration: "600s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 2)),
            (id: "wf", kind: StepFunctions(workflow: Express, duration_ms: Constant(400000.0))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "wf"), (from: "wf", to: "dlq", kind: DeadLetter)],
    )"#));
    let w = comp(&r, "wf");
    assert_eq!(w.counters.timeouts, 2);
    assert!((usage(w, "gb_seconds").0 - 37.5).abs() < 1e-9);
    assert_eq!(extra(comp(&r, "dlq"), "reason_timeout"), 2.0);
}

#[test]
fn step_functions_start_execution_bucket() {
    // Standard: bucket 1,300 refilled at 300/s. 2,000/s offered for 2 s, no client
    // retries: 1,300 + 300 x 2 = 1,900 started.
    let r = run_ok(&doc(r#"(
        scenario: (duration: "2s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 2000.0), retry: (max_attempts: 1))),
            (id: "wf", kind: StepFunctions(duration_ms: Constant(10.0))),
        ],
        connections: [(from: "p", to: "wf")],
    )"#));
    let w = comp(&r, "wf");
    let started = w.counters.arrivals - w.counters.rejected;
    assert!((1899..=1900).contains(&started), "{started}");
    assert_eq!(usage(w, "transitions").0, started as f64 * 5.0);
}

//! Container services (fixed fleets and KEDA/HPA-like autoscaling) and service sinks
//! (S3, SES, CloudWatch Logs, analytics). Every expectation is derived by hand in the
//! comments; synchronous (polled) calls are covered by unit tests in
//! `src/sim/aws/container.rs`, since their callers are other kinds.

use super::common::{close, comp, doc, run, usage};
use spillway::sim::Report;

/// The `replicas` gauge of a component: time-average per bucket.
fn replicas(r: &Report, name: &str) -> Vec<f64> {
    comp(r, name).series.gauges["replicas"].clone()
}

#[track_caller]
fn exact(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{what}: got {got}, want {want}"
    );
}

#[test]
fn keda_scales_up_after_polling_stabilisation_and_provisioning_then_down_after_cooldown() {
    // 1 replica x 1 slot x 100 ms = 10 msg/s against 50 msg/s for 180 s (9,000 events).
    // Scaling on its own backlog (buffer + busy), 5 per replica, max 10:
    //  - poll 30 s: backlog ~1,200 -> 10, but the 30 s scale-up window still holds the
    //    initial 1 (t = 0);  poll 60 s: both 10 -> scale up, ready at 60 + 60 = 120 s;
    //  - backlog at 120 s: 6,000 - 1,200 = 4,800; at 180 s: 4,800 + 3,000 - 6,000 =
    //    1,800; empty at 198 s, so polls from 210 s recommend 1;
    //  - the 300 s scale-down window holds the 10 of the poll at 180 s until 480 s
    //    (inclusive): down to 1 at 510 s.
    let r = run(&doc(r#"(
        scenario: (duration: "600s", bucket: "10s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 50.0), max_events: 9000)),
            (id: "svc", kind: ContainerService(replicas: 1, concurrency_per_replica: 1,
                service_ms: Constant(100.0),
                autoscale: (metric: QueueDepth(queue: "svc"), target_per_replica: 5.0,
                    min_replicas: 1, max_replicas: 10, polling_interval: "30s",
                    scale_up_delay: "30s", scale_down_delay: "300s",
                    provisioning_delay: "60s"))),
        ],
        connections: [(from: "p", to: "svc")],
    )"#));
    let g = replicas(&r, "svc");
    // buckets are 10 s wide: [110, 120) still 1 replica, [120, 130) ten
    assert_eq!(g[11], 1.0, "{g:?}");
    assert_eq!(g[12], 10.0, "{g:?}");
    assert!(g[..12].iter().all(|&x| x == 1.0), "{g:?}");
    // [500, 510) still ten, [510, 520) one
    assert_eq!(g[50], 10.0, "{g:?}");
    assert_eq!(g[51], 1.0, "{g:?}");
    assert!(g[12..51].iter().all(|&x| x == 10.0), "{g:?}");
    let s = comp(&r, "svc");
    assert_eq!(s.extra["scale_ups"], 1.0);
    assert_eq!(s.extra["scale_downs"], 1.0);
    assert_eq!(s.extra["replicas_max"], 10.0);
    assert_eq!(s.counters.completions, 9000);
    assert_eq!(r.ledger.producers["p"].delivered, 9000);
    // billed from the scale-up decision: 1 x 60 s + 10 x 450 s + 1 x 90 s = 4,650
    // replica-seconds; 0.25 vCPU and 0.5 GB each
    exact(
        "vcpu_hours",
        usage(comp(&r, "svc"), "vcpu_hours").0,
        4650.0 * 0.25 / 3600.0,
    );
    exact(
        "gb_hours",
        usage(comp(&r, "svc"), "gb_hours").0,
        4650.0 * 0.5 / 3600.0,
    );
    close(
        "replicas_mean",
        s.extra["replicas_mean"],
        (120.0 + 10.0 * 390.0 + 90.0) / 600.0,
        1e-9,
    );
}

#[test]
fn utilisation_scaling_grows_geometrically_to_max_replicas_under_heavy_load() {
    // 200 msg/s against 10 msg/s per replica: every ready slot is always busy
    // (utilisation 1.0, target 0.5, so each poll asks for twice the replicas).
    //  - 30 s: 1 -> 2 (ready 90 s);  60 s: 4 asked, but counting the provisioning
    //    replica as idle gives 2 -> hold (HPA);  90 s: 2 -> 4 (ready 150 s);
    //  - 120 s: hold;  150 s: 8 -> clamped to max 5 (ready 210 s).
    let r = run(&doc(r#"(
        scenario: (duration: "300s", bucket: "10s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 200.0))),
            (id: "svc", kind: ContainerService(replicas: 1, concurrency_per_replica: 1,
                service_ms: Constant(100.0), queue_capacity: 500,
                autoscale: (metric: Utilisation(target: 0.5), min_replicas: 1,
                    max_replicas: 5, polling_interval: "30s", scale_up_delay: "0s",
                    scale_down_delay: "300s", provisioning_delay: "60s"))),
        ],
        connections: [(from: "p", to: "svc")],
    )"#));
    let g = replicas(&r, "svc");
    let want = |i: usize| match i {
        0..=8 => 1.0,
        9..=14 => 2.0,
        15..=20 => 4.0,
        _ => 5.0,
    };
    for (i, &x) in g.iter().enumerate() {
        assert_eq!(x, want(i), "bucket {i}: {g:?}");
    }
    let s = comp(&r, "svc");
    assert_eq!(s.extra["scale_ups"], 3.0);
    assert_eq!(s.extra["replicas_max"], 5.0);
    // slots busy back to back from when they are ready, 100 ms per message:
    // 2,999 (first from 5 ms) + 2,100 + 2 x 1,500 + 900 = 8,999
    assert!(
        (8990..=9000).contains(&s.counters.completions),
        "{}",
        s.counters.completions
    );
    // the rest overflows the 500-message buffer
    assert!(s.counters.dropped > 50_000, "{}", s.counters.dropped);
    // billed: 1 x 30 + 2 x 60 + 4 x 60 + 5 x 150 = 1,140 replica-seconds
    exact(
        "vcpu_hours",
        usage(comp(&r, "svc"), "vcpu_hours").0,
        1140.0 * 0.25 / 3600.0,
    );
}

#[test]
fn keda_scales_from_zero_on_the_first_message_and_back_to_zero() {
    // min 0 replicas: ten messages (one a second) wait until the poll at 30 s activates
    // the service (ceil(10 / 5) = 2 replicas), which takes them at 30 + 60 = 90 s;
    // polls from 120 s see nothing, the last 2 was at 90 s, so back to 0 at 420 s.
    let r = run(&doc(r#"(
        scenario: (duration: "600s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 1.0), max_events: 10)),
            (id: "svc", kind: ContainerService(replicas: 0, concurrency_per_replica: 10,
                service_ms: Constant(100.0),
                autoscale: (metric: QueueDepth(queue: "svc"), target_per_replica: 5.0,
                    min_replicas: 0, max_replicas: 4))),
        ],
        connections: [(from: "p", to: "svc")],
    )"#));
    let s = comp(&r, "svc");
    assert_eq!(s.counters.completions, 10);
    assert_eq!(s.extra["replicas_max"], 2.0);
    assert_eq!(s.extra["scale_ups"], 1.0);
    assert_eq!(s.extra["scale_downs"], 1.0);
    // the first message (t = 1 s) waits until 90 s, then 100 ms of service
    let res = s.residence_ms.as_ref().unwrap();
    close("longest residence", res.max, 89_100.0, 1e-6);
    // two replicas billed from 30 s to 420 s
    exact(
        "vcpu_hours",
        usage(comp(&r, "svc"), "vcpu_hours").0,
        2.0 * 390.0 * 0.25 / 3600.0,
    );
}

#[test]
fn fixed_fleet_bills_replicas_times_size_times_hours() {
    // 2 replicas x 0.25 vCPU x 1 h = 0.5 vCPU-hours; x 0.5 GB = 1.0 GB-hours
    let r = run(&doc(r#"(
        scenario: (duration: "1h"),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 1.0))),
            (id: "svc", kind: ContainerService()),
        ],
        connections: [(from: "p", to: "svc")],
    )"#));
    exact("vcpu_hours", usage(comp(&r, "svc"), "vcpu_hours").0, 0.5);
    exact("gb_hours", usage(comp(&r, "svc"), "gb_hours").0, 1.0);
    let s = comp(&r, "svc");
    assert_eq!(s.extra["scale_ups"], 0.0);
    assert_eq!(replicas(&r, "svc").iter().copied().fold(0.0, f64::max), 2.0);
}

#[test]
fn saturated_fleet_serves_replicas_times_concurrency_over_service_time() {
    // 3 replicas x 4 slots / 50 ms = 240 msg/s against 400/s offered: an M/M/12/62
    // queue this far over capacity keeps every slot busy (the chance of an idle slot is
    // about 0.6^50), so throughput = 240/s and utilisation = 1.
    let r = run(&doc(r#"(
        scenario: (duration: "300s", seed: 5),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 400.0))),
            (id: "svc", kind: ContainerService(replicas: 3, concurrency_per_replica: 4,
                service_ms: Exponential(mean: 50.0), queue_capacity: 50)),
        ],
        connections: [(from: "p", to: "svc")],
    )"#));
    let s = comp(&r, "svc");
    close("throughput", s.throughput_per_s, 240.0, 0.02);
    close("utilisation", s.utilisation.unwrap(), 1.0, 0.005);
    close(
        "dropped share",
        s.counters.dropped as f64 / s.counters.arrivals as f64,
        1.0 - 240.0 / 400.0,
        0.03,
    );
    exact(
        "vcpu_hours",
        usage(comp(&r, "svc"), "vcpu_hours").0,
        3.0 * 0.25 * 300.0 / 3600.0,
    );
}

#[test]
fn pushed_work_is_retried_then_dead_lettered() {
    // fail 0.3, 3 attempts: p + p^2 = 0.39 retries per message, p^3 = 0.027 dead-lettered
    let r = run(&doc(r#"(
        scenario: (duration: "100s", seed: 9),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 500.0))),
            (id: "svc", kind: ContainerService(service_ms: Exponential(mean: 10.0),
                fail_prob: 0.3, retry: (max_attempts: 3, backoff_ms: 100.0))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [(from: "p", to: "svc"), (from: "svc", to: "dlq", kind: DeadLetter)],
    )"#));
    let s = comp(&r, "svc");
    let n = s.counters.arrivals as f64;
    close(
        "retries per message",
        s.counters.retries as f64 / n,
        0.39,
        0.03,
    );
    close(
        "dead-lettered share",
        s.counters.dead_lettered as f64 / n,
        0.027,
        0.1,
    );
    assert_eq!(comp(&r, "dlq").counters.arrivals, s.counters.dead_lettered);
}

#[test]
fn s3_bills_one_put_per_object_and_notifies_downstream() {
    // 10 msg/s for 100 s = 1,000 objects of 1,024 bytes in each bucket; the bucket with
    // an event notification sends every object on, the other stores them as delivered.
    let r = run(&doc(r#"(
        scenario: (duration: "101s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 1000)),
            (id: "raw", kind: S3Bucket()),
            (id: "notified", kind: S3Bucket(latency_ms: Constant(50.0))),
            (id: "handler", kind: Sink()),
        ],
        connections: [(from: "p", to: "raw"), (from: "p", to: "notified"),
            (from: "notified", to: "handler")],
    )"#));
    for b in ["raw", "notified"] {
        exact("put_requests", usage(comp(&r, b), "put_requests").0, 1000.0);
        let c = comp(&r, b);
        assert_eq!(c.extra["objects"], 1000.0);
        assert_eq!(c.extra["bytes_stored"], 1_024_000.0);
    }
    assert_eq!(comp(&r, "handler").counters.arrivals, 1000);
    let n = comp(&r, "notified");
    // each write takes 50 ms: Little's law gives 10/s x 0.05 s = 0.5 writes in flight
    // (sinks report no latency of their own: it shows end to end)
    let e2e = r.end_to_end.iter().find(|e| e.to == "handler").unwrap();
    close("write latency", e2e.latency_ms.mean, 50.0, 1e-9);
    close(
        "writes in flight",
        n.in_flight.mean,
        0.5 * 100.0 / 101.0,
        0.01,
    );
    let row = &r.ledger.producers["p"];
    assert_eq!(
        (row.produced, row.copies, row.delivered),
        (1000, 1000, 2000)
    );
}

#[test]
fn ses_logs_and_analytics_meter_emails_and_gigabytes() {
    let r = run(&doc(r#"(
        scenario: (duration: "100s"),
        event_types: [(name: "e", payload_bytes: Constant(2048.0))],
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0))),
            (id: "mail", kind: Ses()),
            (id: "logs", kind: LogGroup()),
            (id: "lake", kind: Analytics()),
        ],
        connections: [(from: "p", to: "mail"), (from: "p", to: "logs"), (from: "p", to: "lake")],
    )"#));
    exact("emails", usage(comp(&r, "mail"), "emails").0, 1000.0);
    let gb = 1000.0 * 2048.0 / 1_073_741_824.0;
    exact("gb_ingested", usage(comp(&r, "logs"), "gb_ingested").0, gb);
    exact("gb_scanned", usage(comp(&r, "lake"), "gb_scanned").0, gb);
    assert_eq!(comp(&r, "logs").extra["bytes_stored"], 2_048_000.0);
    assert!(!comp(&r, "logs").extra.contains_key("objects"));
    assert_eq!(r.ledger.producers["p"].delivered, 3000);
}

#[test]
fn ses_sending_rate_refuses_above_rate_times_time_plus_burst() {
    // sandbox: 1 email/s, burst 1; 10 sends/s for 60 s without SDK retries: at most
    // 1 x 60 + 1 = 61 accepted; here 60 (the burst at 0.1 s, then one at 1.1 s, 2.1 s,
    // ..., 59.1 s), the rest refused
    let r = run(&doc(r#"(
        scenario: (duration: "60s"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0), retry: (max_attempts: 1))),
            (id: "mail", kind: Ses(rate_limit: (rate_per_s: 1.0, burst: 1.0))),
        ],
        connections: [(from: "p", to: "mail")],
    )"#));
    let m = comp(&r, "mail");
    assert_eq!(m.counters.arrivals, 600);
    let accepted = m.counters.completions;
    assert!((60..=61).contains(&accepted), "accepted {accepted}");
    assert_eq!(m.counters.rejected, 600 - accepted);
    exact(
        "emails",
        usage(comp(&r, "mail"), "emails").0,
        accepted as f64,
    );
    assert_eq!(r.ledger.producers["p"].rejected, 600 - accepted);
}

#[test]
fn failed_sink_writes_are_retried_by_the_producer() {
    // fail 0.3, the SDK tries 5 times: attempts per event (1 - p^5) / (1 - p) = 1.4251,
    // p^5 = 0.243% of 20,000 = 48.6 lost (sd 7); only accepted writes are billed
    let r = run(&doc(r#"(
        scenario: (duration: "200s", seed: 11),
        components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 100.0),
                retry: (max_attempts: 5, backoff_ms: 100.0, jitter: Full))),
            (id: "logs", kind: LogGroup(fail_prob: 0.3)),
        ],
        connections: [(from: "p", to: "logs")],
    )"#));
    let row = &r.ledger.producers["p"];
    let l = comp(&r, "logs");
    let n = row.produced as f64;
    let p: f64 = 0.3;
    close(
        "attempts per event",
        l.counters.arrivals as f64 / n,
        (1.0 - p.powi(5)) / (1.0 - p),
        0.01,
    );
    assert_eq!(l.counters.rejected, l.counters.failures);
    assert_eq!(
        l.counters.arrivals,
        l.counters.completions + l.counters.rejected
    );
    assert!((28..=70).contains(&row.rejected), "lost {}", row.rejected);
    assert_eq!(row.delivered + row.rejected + row.in_flight, row.produced);
    exact(
        "gb_ingested",
        usage(comp(&r, "logs"), "gb_ingested").0,
        row.delivered as f64 * 1024.0 / 1_073_741_824.0,
    );
}

#[test]
fn bad_parameters_are_reported_by_name() {
    let d = doc(r#"(
        components: [
            (id: "p", kind: Producer()),
            (id: "svc", kind: ContainerService(concurrency_per_replica: 0, fail_prob: 2.0,
                autoscale: (metric: Utilisation(target: 1.5), min_replicas: 5, max_replicas: 2,
                    polling_interval: "0s"))),
            (id: "mail", kind: Ses(rate_limit: (rate_per_s: -1.0, burst: 0.0))),
        ],
        connections: [(from: "p", to: "svc"), (from: "p", to: "mail")],
    )"#);
    let text: Vec<String> = spillway::model::validate(&d)
        .iter()
        .map(ToString::to_string)
        .collect();
    let all = text.join("\n");
    for needle in [
        "concurrency_per_replica must be at least 1",
        "fail_prob must be between 0 and 1",
        "Utilisation target must be above 0 and at most 1",
        "min_replicas (5) must not exceed max_replicas (2)",
        "polling_interval must be longer than zero",
        "rate_limit.rate_per_s must be finite and >= 0",
        "rate_limit.burst must be at least 1",
    ] {
        assert!(all.contains(needle), "missing `{needle}` in:\n{all}");
    }
    // an autoscaler reading a queue that is not there is refused at build, by name
    let d = doc(r#"(
        components: [
            (id: "p", kind: Producer()),
            (id: "svc", kind: ContainerService(autoscale: (metric: QueueDepth(queue: "orders")))),
        ],
        connections: [(from: "p", to: "svc")],
    )"#);
    let err = spillway::sim::Simulation::new(&d)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("`orders`") && err.contains("svc"), "{err}");
}

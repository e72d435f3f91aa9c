//! The order fan-out, inventory and poison-message examples do what their headers say.
//! Shares and counts are compared with the design's own figures (binomial spread over
//! the run's events gives the tolerances); the examples' seeds are kept.

use spillway::model::{ComponentKind, Dist, Document, Duration};
use spillway::sim::Report;

use crate::common::{close, comp, doc, example, extra, run};

fn producer_mut<'a>(d: &'a mut Document, id: &str) -> &'a mut spillway::model::Producer {
    let c = d.components.iter_mut().find(|c| c.id == id).unwrap();
    match &mut c.kind {
        ComponentKind::Producer(p) => p,
        other => panic!("{id} is a {}", other.kind_name()),
    }
}

fn e2e<'a>(r: &'a Report, from: &str, to: &str) -> &'a spillway::sim::LatencySummary {
    &r.end_to_end
        .iter()
        .find(|e| e.from == from && e.to == to)
        .unwrap_or_else(|| panic!("no end-to-end {from} -> {to}"))
        .latency_ms
}

// ---- order fan-out

#[test]
fn order_fanout_filter_policies_route_by_type_and_attribute() {
    let mut d = example("order-fanout.ron");
    // the first 30 minutes are the steady night load; enough for the shares
    d.scenario.duration = Duration::from_secs(1800);
    d.scenario.warmup = Duration::ZERO;
    let r = run(&d);
    let published = comp(&r, "orders").counters.arrivals as f64;
    assert!(published > 60_000.0, "{published}");
    // billing: OrderPlaced .70 + OrderCancelled .10 + PaymentRefunded .05
    let billing = comp(&r, "billing-q").counters.arrivals as f64 / published;
    // fulfilment: physical (.8) x (OrderPlaced .70 + OrderCancelled .10 + OrderUpdated .15)
    let fulfil = comp(&r, "fulfilment-q").counters.arrivals as f64 / published;
    // nobody: digital OrderUpdated, .2 x .15
    let nobody = comp(&r, "orders").counters.filtered as f64 / published;
    // binomial standard deviations over ~72,000 events are below 0.002
    assert!((billing - 0.85).abs() < 0.007, "billing share {billing}");
    assert!((fulfil - 0.76).abs() < 0.007, "fulfilment share {fulfil}");
    assert!((nobody - 0.03).abs() < 0.004, "filtered share {nobody}");
    // every published event went to at least one queue or was filtered, copies included
    let l = &r.ledger.producers["web shop"];
    assert_eq!(l.filtered, comp(&r, "orders").counters.filtered);
}

#[test]
fn order_fanout_keda_scales_up_for_the_sale_and_back_down() {
    let r = run(&example("order-fanout.ron"));
    let g = &comp(&r, "warehouse").series.gauges["replicas"];
    assert_eq!(r.bucket_s, 60.0);
    assert_eq!(g.len(), 120, "{g:?}");
    let mean = |a: usize, b: usize| g[a..b].iter().sum::<f64>() / (b - a) as f64;
    // night load (3 busy slots of 8): at the minimum, with the odd poll wanting 3
    assert!(
        mean(0, 30) <= 3.0 && g[..30].iter().all(|&x| x <= 4.0),
        "{g:?}"
    );
    // the sale (23 busy slots, metric about 50 messages / 6 per replica)
    assert!(g[45..70].iter().all(|&x| x >= 8.0), "{g:?}");
    assert!(mean(45, 70) >= 9.0 && mean(45, 70) <= 16.0, "{g:?}");
    // the ramp starts at minute 30; polling 30 s + provisioning 60 s
    assert!(g[31] < 8.0 && g[35] >= 8.0, "{g:?}");
    // back down once the cooldowns after the ramp-down (minutes 70-80) have passed
    assert!(mean(95, 120) <= 3.0, "{g:?}");
    assert!(g[95..].contains(&2.0), "{g:?}");
    let w = comp(&r, "warehouse");
    assert!(w.extra["replicas_max"] <= 20.0);
    assert!(w.extra["scale_ups"] >= 2.0 && w.extra["scale_downs"] >= 2.0);
    // the sale's backlog is served: nothing waits long in the queue besides redeliveries
    assert!(
        e2e(&r, "web shop", "warehouse").p99 < 2_000.0,
        "{:?}",
        e2e(&r, "web shop", "warehouse")
    );
}

#[test]
fn order_fanout_poison_orders_reach_the_billing_dlq_after_five_receives() {
    let mut d = example("order-fanout.ron");
    d.scenario.warmup = Duration::ZERO;
    let r = run(&d);
    let q = "billing-q";
    let moved = extra(comp(&r, q), "moved_to_dlq");
    let received = comp(&r, q).counters.arrivals as f64;
    // 0.05% poison: about 390 of 780,000, Poisson spread about 20
    close("billing dead letters", moved, 0.0005 * received, 0.2);
    assert_eq!(extra(comp(&r, "billing-dlq"), "dead_letters"), moved);
    assert_eq!(extra(comp(&r, "billing-dlq"), "reason_error"), moved);
    // the function only fails on poison: each dead letter was received 5 times (4
    // redeliveries); poison still in the queue at the end (under 0.06/s x 300 s) adds
    // at most 4 redeliveries each
    let redelivered = extra(comp(&r, q), "redeliveries");
    assert!(
        redelivered >= 4.0 * moved && redelivered <= 4.0 * moved + 4.0 * 20.0,
        "redeliveries {redelivered}, dead letters {moved}"
    );
    // warehouse failures are random: a message retried five times in a row is 1e-13
    assert_eq!(comp(&r, "fulfilment-dlq").counters.arrivals, 0);
    assert!(extra(comp(&r, "fulfilment-q"), "redeliveries") > 0.0);
}

// ---- inventory

/// E[ceil(size / 1 KiB)] of the design's mix: .75 x LogNormal(2200, 5000) (2.7871)
/// + .15 x LogNormal(3000, 8000) (3.7020) + .10 x 1500 bytes (2), summed numerically.
const WRU_PER_WRITE: f64 = 2.8456;

#[test]
fn inventory_writes_every_event_once_with_the_hot_sku_under_its_limit() {
    let mut d = example("inventory.ron");
    d.scenario.duration = Duration::from_secs(900); // the first half wave, with its peak
    let r = run(&d);
    let t = comp(&r, "inventory");
    assert_eq!(extra(comp(&r, "inventory"), "throttled_writes"), 0.0);
    assert_eq!(t.counters.rejected, 0);
    let l = &r.ledger.producers["stores and DCs"];
    assert_eq!(l.produced, l.delivered + l.in_flight, "{l:?}");
    // write units: ceil(size / 1 KB) per accepted write
    let wru = t.usage["wru"].amount;
    close(
        "wru per write",
        wru / t.counters.arrivals as f64,
        WRU_PER_WRITE,
        0.01,
    );
    // fixed fleets: busy slots = rate x mean service; sales 600/s (mean over the
    // half wave is 800 x (1 + .4 x 2/pi) x .75 = 752.8/s) x 7.62 ms of 12 slots
    let sales_rate = 800.0 * (1.0 + 0.4 * 2.0 / std::f64::consts::PI) * 0.75;
    let mean_service = 6.0 * (0.5 * (5.0f64.ln() / 2.326_348).powi(2)).exp();
    let s = comp(&r, "sales-writer");
    close(
        "sales-writer busy slots",
        s.in_flight.mean,
        sales_rate * mean_service / 1000.0,
        0.04,
    );
    assert_eq!(s.extra["replicas_max"], 3.0);
}

#[test]
fn inventory_wru_equals_accepted_writes_for_one_kb_items() {
    let mut d = example("inventory.ron");
    d.scenario.duration = Duration::from_secs(300);
    for t in &mut d.event_types {
        t.payload_bytes = Dist::Constant(1000.0);
    }
    let r = run(&d);
    let t = comp(&r, "inventory");
    assert!(t.counters.arrivals > 100_000);
    assert_eq!(t.usage["wru"].amount, t.counters.arrivals as f64);
}

#[test]
fn inventory_hotter_sku_is_throttled_near_the_peak_and_the_writers_retry() {
    // 40% of 1,120/s x 2.85 WRU = 1,275 WRU/s at the peak, over the 1,000 a key takes
    let mut d = example("inventory.ron");
    d.scenario.duration = Duration::from_secs(900);
    d.scenario.warmup = Duration::ZERO;
    producer_mut(&mut d, "stores")
        .keys
        .as_mut()
        .unwrap()
        .hot_share = 0.40;
    let r = run(&d);
    let writers = ["sales-writer", "replenish-writer"];
    let sum = |r: &Report, f: fn(&spillway::sim::ComponentReport) -> u64| -> u64 {
        writers.iter().map(|w| f(comp(r, w))).sum()
    };
    let throttled = extra(comp(&r, "inventory"), "throttled_writes");
    assert_eq!(comp(&r, "inventory").counters.rejected as f64, throttled);
    // the writers' SDKs resend a throttled write up to twice (3 attempts, backoff
    // 0-100 ms, then 0-200 ms): every throttled attempt is a retry or a lost write
    let lost = r.ledger.producers["stores and DCs"].rejected;
    let retries = sum(&r, |c| c.counters.retries);
    assert_eq!(throttled as u64, retries + lost);
    assert_eq!(sum(&r, |c| c.counters.failed), lost);
    // fluid estimate: the hot key's excess over 1,000 WRU/s, integrated over the half
    // wave where 0.4 x 800 (1 + 0.4 sin) x 2.8456 > 1,000, in writes of average size:
    // 47,300. Refused writes are the larger ones (a small write still fits when a large
    // one does not) and Poisson bursts add some: 0.6-1.1 of it. Resending cannot add
    // capacity in a sustained overload, but it fills the gaps between bursts.
    assert!(
        (28_400..52_000).contains(&lost),
        "{lost} lost writes, fluid estimate 47,300"
    );
    // without the SDK's resends every throttled write is lost, and more are
    for c in &mut d.components {
        if let ComponentKind::ContainerService(s) = &mut c.kind {
            s.sdk_retry.max_attempts = 1;
        }
    }
    let off = run(&d);
    let lost_off = off.ledger.producers["stores and DCs"].rejected;
    assert_eq!(comp(&off, "inventory").counters.rejected, lost_off);
    assert_eq!(sum(&off, |c| c.counters.retries), 0);
    assert!(
        lost < lost_off && lost_off < 52_000,
        "lost {lost} with resends, {lost_off} without"
    );
}

// ---- poison messages

#[test]
fn poison_dead_letters_five_percent_after_three_receives_and_blocks_fifo_groups() {
    let mut d = example("poison-messages.ron");
    d.scenario.warmup = Duration::ZERO;
    let r = run(&d);
    for (q, dlq, worker) in [
        ("std-q", "std-dlq", "worker-std"),
        ("fifo-q", "fifo-dlq", "worker-fifo"),
    ] {
        let sent = comp(&r, q).counters.arrivals as f64;
        let moved = extra(comp(&r, q), "moved_to_dlq");
        // 5% of ~72,000: binomial sd 0.0008; the last 90 s of poison is still queued
        let share = moved / sent;
        assert!((share - 0.05).abs() < 0.004, "{q}: DLQ share {share}");
        assert_eq!(extra(comp(&r, dlq), "dead_letters"), moved, "{dlq}");
        assert_eq!(extra(comp(&r, dlq), &format!("from_{q}")), moved, "{dlq}");
        // exactly 3 receives each: 2 redeliveries per dead letter, plus at most 2 for
        // each poison message still in the queue (1/s x 90 s)
        let again = extra(comp(&r, q), "redeliveries");
        assert!(
            again >= 2.0 * moved && again <= 2.0 * moved + 2.0 * 130.0,
            "{q}: redeliveries {again}, dead letters {moved}"
        );
        assert_eq!(
            extra(comp(&r, q), "receives"),
            comp(&r, worker).counters.arrivals as f64
        );
        // batch size 1: each redelivery is one invocation billed as a retry
        let req = &comp(&r, worker).usage["requests"];
        assert!(
            (req.from_retries - again).abs() <= 5.0,
            "{worker}: retry requests {}, redeliveries {again}",
            req.from_retries
        );
        close(
            &format!("{worker} retry share"),
            req.from_retries / req.amount,
            0.1 / 1.1,
            0.06,
        );
    }
    let std = e2e(&r, "clients-std", "worker-std");
    let fifo = e2e(&r, "clients-fifo", "worker-fifo");
    // standard: the function's own p99 (200 ms); FIFO: stuck behind a poison message
    // for up to 90 s
    assert!(std.p99 < 400.0 && std.max < 2_000.0, "{std:?}");
    assert!(fifo.p50 < 100.0, "{fifo:?}");
    assert!(fifo.p99 > 30_000.0 && fifo.p99 < 180_000.0, "{fifo:?}");
    // the blocked groups' messages are the visible backlog of the FIFO queue
    assert!(comp(&r, "std-q").queue_depth.mean < 1.0);
    assert!(comp(&r, "fifo-q").queue_depth.mean > 30.0);
}

#[test]
fn lambda_bills_invocations_of_sqs_redeliveries_as_retries() {
    // 100 messages, all poison, 3 receives each: 300 invocations, 200 of them of
    // messages received before; batches of 1 so each invocation is one message
    let r = run(&doc(r#"(
        scenario: (duration: "10m"),
        components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0), max_events: 100)),
            (id: "q", kind: SqsQueue(visibility_timeout: "30s", max_receive_count: 3,
                batch_size: 1)),
            (id: "f", kind: Lambda(poison_prob: 1.0, duration_ms: Constant(10.0),
                cold_start_ms: Constant(0.0))),
            (id: "dlq", kind: DeadLetterQueue()),
        ],
        connections: [
            (from: "p", to: "q"),
            (from: "q", to: "f"),
            (from: "q", to: "dlq", kind: DeadLetter),
        ],
    )"#));
    assert_eq!(comp(&r, "dlq").counters.arrivals, 100);
    let f = comp(&r, "f");
    let req = &f.usage["requests"];
    assert_eq!(req.amount, 300.0);
    assert!((req.from_retries - 200.0).abs() < 1e-9, "{req:?}");
    let gb = &f.usage["gb_seconds"];
    // 128 MB x 10 ms per invocation
    close("gb-seconds", gb.amount, 300.0 * 0.125 * 0.01, 1e-9);
    close(
        "retry gb-seconds",
        gb.from_retries,
        200.0 * 0.125 * 0.01,
        1e-9,
    );
}

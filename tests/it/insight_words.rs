//! The words of insight: a dead-letter queue collecting dead letters is told as dead
//! letters (never as a backlog), spans of time read in one human format, counts take
//! their singular, and a latency percentile made of messages that waited out an SQS
//! visibility timeout is explained as such - only when the share of redelivered
//! messages reaches into that percentile.

use std::collections::BTreeMap;

use spillway::cost::{self, PriceBook};
use spillway::insight::bottleneck::{self, Finding};
use spillway::model::Document;
use spillway::sim::{Report, Simulation};

use super::common::{doc, example};

/// Run `d` to its end (one replication) and explain it: the findings and the headline.
fn insight(d: &Document) -> (Report, Vec<Finding>, String) {
    let mut sim = Simulation::new(d).unwrap();
    sim.run();
    let r = sim.report();
    let capacities: BTreeMap<String, u64> = d
        .components
        .iter()
        .map(|c| c.display_name().to_owned())
        .zip(sim.capacities())
        .collect();
    let c = cost::estimate(&r, &d.cost, &PriceBook::builtin().unwrap());
    let f = bottleneck::explain(d, &r, &capacities, &c);
    let h = bottleneck::headline(&r, &c);
    (r, f, h)
}

fn texts(f: &[Finding]) -> String {
    f.iter()
        .map(|f| f.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Spans of time written as raw seconds or milliseconds where a person would read
/// minutes or seconds: `6839.5 s`, `75 s`, `1500 ms`.
fn raw_spans(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = Vec::new();
    for w in words.windows(2) {
        let unit = w[1].trim_end_matches([',', ';', ')', ':', '.']);
        let Ok(x) = w[0].trim_start_matches(['(', '$']).parse::<f64>() else {
            continue;
        };
        let raw = match unit {
            "s" => x >= 60.0 || (x >= 10.0 && w[0].contains('.')),
            "ms" => x >= 1000.0,
            _ => false,
        };
        if raw {
            out.push(format!("{} {}", w[0], w[1]));
        }
    }
    out
}

#[test]
fn the_raw_span_detector_finds_what_it_should() {
    assert_eq!(
        raw_spans("the oldest message then 6839.5 s old"),
        ["6839.5 s"]
    );
    assert_eq!(
        raw_spans("waited 75 s; p99 1500 ms)"),
        ["75 s;", "1500 ms)"]
    );
    assert!(raw_spans("waited 1 h 54 min, 3.2 s, 57 s and 250 ms").is_empty());
}

#[test]
fn a_dead_letter_queue_collects_dead_letters_it_has_no_backlog() {
    let d = example("order-fanout.ron");
    let (r, f, _) = insight(&d);
    let dlq = &r.components["billing-dlq"];
    let got = dlq.counters.arrivals;
    assert!(got > 0, "the example dead-letters some orders");
    let from = r.components["billing-q"].counters.arrivals;
    let about_dlq: Vec<&Finding> = f
        .iter()
        .filter(|f| f.text.contains("billing-dlq"))
        .collect();
    assert_eq!(about_dlq.len(), 1, "{}", texts(&f));
    let t = &about_dlq[0].text;
    assert_eq!(about_dlq[0].component.as_deref(), Some("billing-dlq"));
    assert!(
        t.starts_with(&format!(
            "billing-dlq collected {got} dead letters from billing-q ("
        )),
        "{t}"
    );
    // the share of billing-q's messages, to two digits
    let share = got as f64 / from as f64 * 100.0;
    let said: f64 = t
        .split(" from billing-q (")
        .nth(1)
        .and_then(|s| s.split('%').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no share in {t}"));
    assert!(
        (said - share).abs() <= share * 0.05,
        "{said} vs {share}: {t}"
    );
    // the oldest has waited since the first dead letter: the age at the end of the run
    let age = *dlq.series.gauges["oldest_age_s"].last().unwrap();
    assert!(age > 3600.0, "{age}");
    assert!(
        t.contains(&format!(
            "the oldest has waited {}",
            spillway::units::elapsed(age)
        )),
        "{t}"
    );
    assert!(t.ends_with("nothing consumes it"), "{t}");
    // never a backlog, and billing-q's dead letters are told once, by the DLQ
    let all = texts(&f);
    assert!(!all.contains("backlog built at billing-dlq"), "{all}");
    assert!(!all.contains("billing-q dead-lettered"), "{all}");
}

#[test]
fn poison_messages_fill_their_dead_letter_queues_as_dead_letters() {
    let d = example("poison-messages.ron");
    let (r, f, _) = insight(&d);
    let all = texts(&f);
    for (dlq, q) in [("std-dlq", "std-q"), ("fifo-dlq", "fifo-q")] {
        let got = r.components[dlq].counters.arrivals;
        assert!(got > 1, "{dlq}");
        assert!(
            all.contains(&format!("{dlq} collected {got} dead letters from {q} (")),
            "{all}"
        );
        assert!(!all.contains(&format!("backlog built at {dlq}")), "{all}");
    }
    // std-q redelivered only poison messages, which were dead-lettered and never
    // reached the end: its p99 is the function's, and no timeout takes the blame
    let std = &r.end_to_end.iter().find(|e| e.to == "worker-std").unwrap();
    assert!(std.latency_ms.p99 < 1000.0, "{}", std.latency_ms.p99);
    assert!(!all.contains("std-q's delivered messages"), "{all}");
    // on fifo-q the later messages of a poison message's group wait behind it
    let fifo = &r.end_to_end.iter().find(|e| e.to == "worker-fifo").unwrap();
    assert!(fifo.latency_ms.p99 > 30_000.0, "{}", fifo.latency_ms.p99);
    let b = blamed(&f).unwrap_or_else(|| panic!("fifo-q's wait not explained:\n{all}"));
    assert_eq!(b.component.as_deref(), Some("fifo-q"));
    assert!(
        b.text
            .contains("on a FIFO queue the later messages of their group wait behind them"),
        "{}",
        b.text
    );
}

#[test]
fn no_example_writes_a_span_of_time_in_raw_seconds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ron") {
            continue;
        }
        seen += 1;
        let d = spillway::model::load(&path).unwrap();
        let (_, f, h) = insight(&d);
        // the Markdown export's findings read the combined result
        let book = PriceBook::builtin().unwrap();
        let result = spillway::export::simulate(&d, &book, None).unwrap();
        let md = spillway::export::markdown::findings(&d, &result).join("\n");
        let text = format!("{h}\n{}\n{md}", texts(&f));
        assert!(
            raw_spans(&text).is_empty(),
            "{}: {:?} in\n{text}",
            path.display(),
            raw_spans(&text)
        );
        for bad in [
            " 1 errors",
            " 1 events",
            " 1 attempts",
            " 1 dead letters",
            ".0 dead letters",
        ] {
            assert!(!text.contains(bad), "{}: {bad} in\n{text}", path.display());
        }
    }
    assert!(seen >= 8, "expected the examples, found {seen}");
}

/// A queue with a 30 s visibility timeout and a consumer failing each receive with
/// probability `fail` (batches of one, so a failure hands back only its message).
fn flaky(fail: f64) -> Document {
    doc(&format!(
        r#"(
        name: "flaky",
        scenario: (duration: "40m", warmup: "2m", seed: 11),
        components: [
            (id: "web", kind: Producer(arrivals: Poisson(rate_per_s: 20.0))),
            (id: "q", kind: SqsQueue(visibility_timeout: "30s", max_receive_count: 5, batch_size: 1)),
            (id: "worker", kind: Lambda(duration_ms: Constant(50.0), fail_prob: {fail})),
        ],
        connections: [(from: "web", to: "q"), (from: "q", to: "worker")],
    )"#
    ))
}

/// The finding that blames the visibility timeout, if any.
fn blamed(f: &[Finding]) -> Option<&Finding> {
    f.iter().find(|f| f.text.contains("visibility timeout"))
}

#[test]
fn a_p99_made_of_visibility_timeouts_is_explained() {
    let (r, f, _) = insight(&flaky(0.02));
    let q = &r.components["q"].counters;
    let share = q.retries as f64 / q.arrivals as f64;
    // about 2% of the messages were received again: more than the 1% above p99
    assert!((0.012..0.03).contains(&share), "{share}");
    let p99 = r.end_to_end[0].latency_ms.p99;
    assert!(p99 >= 30_000.0, "the p99 waited out the timeout: {p99} ms");
    let b = blamed(&f).unwrap_or_else(|| panic!("not explained:\n{}", texts(&f)));
    assert_eq!(b.component.as_deref(), Some("q"));
    let t = &b.text;
    assert!(
        t.starts_with(&format!(
            "p99 end to end of {} (web -> worker): ",
            spillway::units::elapsed(p99 / 1000.0)
        )),
        "{t}"
    );
    assert!(t.contains("after its 30 s visibility timeout"), "{t}");
    assert!(t.contains("consumer failures at worker"), "{t}");
    // every percentile above 1 - share includes the wait
    let above: f64 = t
        .split("every percentile above p")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no threshold in {t}"));
    assert!(
        (above - (100.0 - share * 100.0)).abs() < 0.05,
        "{above} vs {share}"
    );
    assert!(above < 99.0, "{t}");
}

#[test]
fn rare_redeliveries_do_not_take_the_blame_for_the_p99() {
    let (r, f, _) = insight(&flaky(0.003));
    let q = &r.components["q"].counters;
    assert!(q.retries > 0, "some messages were received again");
    let share = q.retries as f64 / q.arrivals as f64;
    // fewer than the 1% above p99, more than the 0.1% above p99.9
    assert!((0.001..0.005).contains(&share), "{share}");
    let e = &r.end_to_end[0].latency_ms;
    assert!(e.p99 < 1000.0, "the p99 did not wait: {} ms", e.p99);
    assert!(e.p999 >= 30_000.0, "the p99.9 did: {} ms", e.p999);
    let all = texts(&f);
    assert!(!all.contains("p99 end to end of"), "{all}");
    let b = blamed(&f).unwrap_or_else(|| panic!("p99.9 not explained:\n{all}"));
    assert!(b.text.starts_with("p99.9 end to end of"), "{}", b.text);

    // a consumer that never fails: no redelivery, nothing to explain
    let (_, f, _) = insight(&flaky(0.0));
    assert!(blamed(&f).is_none(), "{}", texts(&f));
}

#[test]
fn the_command_line_writes_spans_and_counts_for_people() {
    let path = format!("{}/examples/mm1.ron", env!("CARGO_MANIFEST_DIR"));
    let out =
        super::common::succeed(&["run", &path, "--duration", "1h30m", "--warmup", "84s", "-q"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("M/M/1: 1 h 30 min simulated (warm-up 1 min 24 s), seed "),
        "{first}"
    );
    assert!(raw_spans(first).is_empty(), "{first}");
    let out = super::common::succeed(&["run", &path, "--duration", "10m", "--warmup", "0s", "-q"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(": 10 min simulated (no warm-up), "), "{text}");

    let out = super::common::succeed(&["check", &path]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ok (3 components, 2 connections, 0 warnings)"),
        "{text}"
    );
    // one broken link: one error, in the singular
    let bad = super::common::temp_file(
        "words",
        "one-error.ron",
        r#"(name: "one", components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 1.0))),
            (id: "s", kind: Sink()),
        ], connections: [(from: "p", to: "s"), (from: "p", to: "nowhere")])"#,
    );
    let err = super::common::stderr_of(&["check", bad.to_str().unwrap()], 1);
    assert!(err.contains(": 1 error, "), "{err}");
    assert!(!err.contains("(s)"), "{err}");
}

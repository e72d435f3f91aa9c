//! Per-component random streams: changing a parameter of one component leaves every
//! component it cannot influence with a byte-identical report.
//!
//! A change at X may reach, and only may reach (the influence graph below):
//! - what X sends to: the targets of its connections (delivery, dead-letter, on-failure)
//!   and of EventBridge targets' dead-letter queues, and so on downstream;
//! - what sends to X, when X can push back on it: X refuses (a throttle, a FIFO queue's
//!   throughput limit, a table's capacity) or X is called and answers (a Lambda or a
//!   container fleet behind a queue's pollers, an API's integration, S3 behind
//!   Firehose). A standard SQS queue, a dead-letter queue and a sink take everything
//!   at once and answer nothing; a Lambda's asynchronous invocations (from a topic, a
//!   bus) wait in its own queue. What such a sender then does differently
//!   may reach its other targets too, so they count as reached (one exception: a
//!   Kinesis stream's consumers read their own lanes, so a slow consumer changes the
//!   stream but not the other consumers);
//! - components named in X's parameters or naming X in theirs (a Firehose transform
//!   Lambda, a KEDA queue-depth metric), both ways;
//! - Lambdas sharing the account's unreserved concurrency, all of them with each other.
//!
//! Everything else must not change at all: before the fix a Lambda's poison messages
//! were chosen by a hash of the message's slab slot, a number that depends on every
//! other message alive, so editing the warehouse of order-fanout moved billing-dlq.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::process::Command;

use serde_json::Value;
use spillway::model::{ComponentKind, Document, Duration, load};
use spillway::sim::Report;

use crate::common::run;

/// One perturbation: component id, path of the parameter inside the kind's parameters
/// (variant names included, as the document serializes), new value as JSON, and a component
/// (X itself or one downstream) whose report the change must alter.
type Case = (&'static str, &'static str, &'static str, &'static str);

/// Per example: how long to run it in the test (the interesting phases kept) and the
/// perturbations.
fn cases() -> BTreeMap<&'static str, (u64, Vec<Case>)> {
    BTreeMap::from([
        (
            "bench-pipeline",
            (
                1200,
                vec![
                    ("B", "service_ms.Exponential.mean", "9.0", "DLQ"),
                    ("C", "servers", "4", "C"),
                    ("A", "servers", "3", "B"),
                ],
            ),
        ),
        (
            "mm1",
            (
                40 * 3600,
                vec![("server", "service_ms.Exponential.mean", "900.0", "done")],
            ),
        ),
        (
            "mmc",
            (10 * 3600, vec![("servers", "servers", "5", "done")]),
        ),
        (
            "order-fanout",
            (
                3600,
                vec![
                    (
                        "warehouse",
                        "autoscale.target_per_replica",
                        "8.0",
                        "warehouse",
                    ),
                    (
                        "fulfilment-q",
                        "visibility_timeout",
                        r#""45s""#,
                        "warehouse",
                    ),
                    ("billing", "duration_ms.LogNormal.p50", "70.0", "billing"),
                    ("billing-q", "max_receive_count", "3", "billing-dlq"),
                ],
            ),
        ),
        (
            "poison-messages",
            (
                1800,
                vec![
                    ("std-q", "visibility_timeout", r#""45s""#, "std-dlq"),
                    (
                        "worker-fifo",
                        "duration_ms.LogNormal.p50",
                        "60.0",
                        "worker-fifo",
                    ),
                    (
                        "clients-std",
                        "arrivals.Poisson.rate_per_s",
                        "25.0",
                        "std-dlq",
                    ),
                ],
            ),
        ),
        (
            "insurance-quotes",
            (
                3600,
                vec![
                    (
                        "home-underwriting",
                        "transitions",
                        "10",
                        "home-underwriting",
                    ),
                    ("boat-quote", "fail_prob", "0.1", "failed-quotes"),
                    (
                        "auto-quote",
                        "duration_ms.LogNormal.p50",
                        "150.0",
                        "auto-quote",
                    ),
                ],
            ),
        ),
        (
            "inventory",
            (
                360,
                vec![
                    (
                        "replenish-q",
                        "visibility_timeout",
                        r#""45s""#,
                        "replenish-writer",
                    ),
                    ("sales-writer", "replicas", "4", "sales-writer"),
                    ("sales-q", "max_concurrency", "8", "sales-q"),
                ],
            ),
        ),
        (
            "kinesis-pipeline",
            (
                90,
                vec![
                    ("sessionizer", "replicas", "3", "sessionizer"),
                    ("anomaly-detector", "memory_mb", "1024", "anomaly-detector"),
                    ("lake", "latency_ms.LogNormal.p50", "80.0", "lake"),
                    ("warehouse", "latency_ms.Constant", "9.0", "warehouse"),
                ],
            ),
        ),
    ])
}

/// The document with one parameter of component `id` set to `value`. The parameter's
/// parent must exist (the path is checked, so a typo fails instead of doing nothing).
fn with(doc: &Document, id: &str, path: &str, value: Value) -> Document {
    let i = doc
        .components
        .iter()
        .position(|c| c.id == id)
        .unwrap_or_else(|| panic!("no component {id}"));
    let mut tree = serde_json::to_value(doc).unwrap();
    let kind = tree["components"][i]["kind"].as_object_mut().unwrap();
    let mut slot = kind.values_mut().next().unwrap();
    let segs: Vec<&str> = path.split('.').collect();
    for s in &segs[..segs.len() - 1] {
        slot = slot
            .get_mut(*s)
            .unwrap_or_else(|| panic!("{id} has no {path} (at {s})"));
    }
    let last = segs[segs.len() - 1];
    let obj = slot
        .as_object_mut()
        .unwrap_or_else(|| panic!("{id}: {path} does not name a field"));
    obj.insert(last.to_owned(), value);
    let changed: Document = serde_json::from_value(tree).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(&changed, doc, "{id}.{path}: the value did not change");
    changed
}

/// Whether the sender calls its target and waits for the answer (pollers, integrations,
/// stream consumers, a Firehose delivery) rather than handing a message over.
fn calls(sender: &ComponentKind) -> bool {
    matches!(
        sender,
        ComponentKind::SqsQueue(_)
            | ComponentKind::KinesisStream(_)
            | ComponentKind::KafkaTopic(_)
            | ComponentKind::ApiGateway(_)
            | ComponentKind::Firehose(_)
            | ComponentKind::DynamoDbTable(_)
    )
}

/// Whether a component can push back on what sends to it: it refuses (a throttle, a
/// limit) or it answers a call. A Lambda's asynchronous invocations and a container
/// fleet's deliveries wait in their own queues.
fn pushes_back(sender: &ComponentKind, target: &ComponentKind) -> bool {
    match target {
        ComponentKind::SqsQueue(q) => q.fifo,
        ComponentKind::Station(s) => s.throttle.is_some(),
        ComponentKind::DeadLetterQueue(_) | ComponentKind::Sink(_) => false,
        ComponentKind::Lambda(_) | ComponentKind::ContainerService(_) => calls(sender),
        _ => true,
    }
}

/// String leaves of a JSON tree.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// The ids of the components a change of parameter `param` at `x` may reach (`x`
/// included), by the rules in the module comment.
fn reach(doc: &Document, x: &str, param: &str) -> BTreeSet<String> {
    let kind_of = |id: &str| {
        &doc.components
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("no component {id}"))
            .kind
    };
    // (from, to, reached by back-pressure)
    let mut edges: Vec<(String, String, bool)> = Vec::new();
    for c in &doc.connections {
        edges.push((c.from.clone(), c.to.clone(), false));
        if pushes_back(kind_of(&c.from), kind_of(&c.to)) {
            edges.push((c.to.clone(), c.from.clone(), true));
        }
        if let Some(d) = &c.dead_letter {
            edges.push((c.from.clone(), d.clone(), false));
        }
    }
    let ids: BTreeSet<&str> = doc.components.iter().map(|c| c.id.as_str()).collect();
    for c in &doc.components {
        let mut named = Vec::new();
        strings(&serde_json::to_value(&c.kind).unwrap(), &mut named);
        for n in named
            .iter()
            .filter(|n| ids.contains(n.as_str()) && **n != c.id)
        {
            edges.push((c.id.clone(), n.clone(), false));
            edges.push((n.clone(), c.id.clone(), false));
        }
    }
    let unreserved: Vec<&str> = doc
        .components
        .iter()
        .filter(|c| matches!(&c.kind, ComponentKind::Lambda(l) if l.reserved_concurrency.is_none()))
        .map(|c| c.id.as_str())
        .collect();
    for a in &unreserved {
        for b in &unreserved {
            if a != b {
                edges.push(((*a).to_owned(), (*b).to_owned(), false));
            }
        }
    }
    let mut reached = BTreeSet::from([x.to_owned()]);
    if param.starts_with("reserved_concurrency") {
        reached.extend(unreserved.iter().map(|s| (*s).to_owned()));
    }
    let mut queue: VecDeque<String> = reached.iter().cloned().collect();
    while let Some(at) = queue.pop_front() {
        for (from, to, back) in &edges {
            if *from != at || reached.contains(to) {
                continue;
            }
            reached.insert(to.clone());
            // a stream's consumers read their own lanes: back-pressure stops at it
            let lanes = *back && matches!(kind_of(to), ComponentKind::KinesisStream(_));
            if !lanes {
                queue.push_back(to.clone());
            }
        }
    }
    reached
}

fn name_of<'a>(doc: &'a Document, id: &str) -> &'a str {
    doc.components
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.display_name())
        .unwrap()
}

/// The fields of two reports that differ, with their values, shortened.
fn difference(a: &str, b: &str) -> String {
    let (a, b): (Value, Value) = (
        serde_json::from_str(a).unwrap(),
        serde_json::from_str(b).unwrap(),
    );
    let mut out = Vec::new();
    for (k, v) in a.as_object().unwrap() {
        if b.get(k) != Some(v) {
            let short = |x: Option<&Value>| {
                let t = x.map_or_else(|| "-".to_owned(), ToString::to_string);
                t.chars().take(160).collect::<String>()
            };
            out.push(format!("{k}: {} -> {}", short(Some(v)), short(b.get(k))));
        }
    }
    out.join("; ")
}

/// Each component's report and each end-to-end row, as JSON text, by component name.
fn texts(r: &Report) -> (BTreeMap<String, String>, BTreeMap<(String, String), String>) {
    let comps = r
        .components
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::to_string(v).unwrap()))
        .collect();
    let e2e = r
        .end_to_end
        .iter()
        .map(|e| {
            (
                (e.from.clone(), e.to.clone()),
                serde_json::to_string(e).unwrap(),
            )
        })
        .collect();
    (comps, e2e)
}

/// Every example has cases; for each case the components out of reach keep their
/// reports (and the end-to-end rows into them) byte for byte, and the component named
/// to change does change.
#[test]
fn a_change_reaches_only_what_it_can_influence() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let table = cases();
    let mut examples = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ron") {
            examples.push(path);
        }
    }
    examples.sort();
    assert!(examples.len() >= 8);
    for path in examples {
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let (secs, list) = table
            .get(stem.as_str())
            .unwrap_or_else(|| panic!("examples/{stem}.ron has no cases in streams.rs"));
        let mut doc = load(&path).unwrap();
        doc.scenario.duration = Duration::from_secs(*secs);
        doc.scenario.warmup = doc.scenario.warmup.min(Duration::from_secs(secs / 10));
        doc.scenario.replications = 1;
        let (base, base_e2e) = texts(&run(&doc));
        let mut kept_somewhere = 0;
        for (id, param, value, must_change) in list {
            let changed = with(&doc, id, param, serde_json::from_str(value).unwrap());
            let (after, after_e2e) = texts(&run(&changed));
            let reached = reach(&doc, id, param);
            let reached_names: BTreeSet<&str> = reached.iter().map(|r| name_of(&doc, r)).collect();
            assert!(
                reached.contains(*must_change),
                "{stem}: {must_change} is out of reach of {id}"
            );
            let name = name_of(&doc, must_change);
            assert!(
                base[name] != after[name],
                "{stem}: {id}.{param} left {must_change} unchanged"
            );
            for (comp, text) in &base {
                if !reached_names.contains(comp.as_str()) {
                    kept_somewhere += 1;
                    assert!(
                        *text == after[comp],
                        "{stem}: {id}.{param} changed {comp}, which it cannot influence: {}",
                        difference(text, &after[comp])
                    );
                }
            }
            for ((from, to), text) in &base_e2e {
                if !reached_names.contains(to.as_str()) {
                    assert_eq!(
                        Some(text),
                        after_e2e.get(&(from.clone(), to.clone())),
                        "{stem}: {id}.{param} changed the latency {from} -> {to}"
                    );
                }
            }
        }
        assert!(
            kept_somewhere > 0,
            "{stem}: no case leaves any component out of reach; the test checks nothing"
        );
    }
}

/// The influence graph itself, on order-fanout: the two branches after the topic are
/// apart; back-pressure from the warehouse reaches its queue but not the topic.
#[test]
fn the_influence_graph_of_order_fanout() {
    let doc = crate::common::example("order-fanout.ron");
    let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
    assert_eq!(
        reach(&doc, "warehouse", "replicas"),
        ids(&["warehouse", "fulfilment-q", "fulfilment-dlq"])
    );
    assert_eq!(
        reach(&doc, "billing", "memory_mb"),
        ids(&["billing", "billing-q", "billing-dlq"])
    );
    assert_eq!(
        reach(&doc, "shop", "arrivals").len(),
        doc.components.len(),
        "the producer reaches everything"
    );
}

/// The issue's case, through the command line's `--set` and the JSON report: a whole
/// order-fanout run with the warehouse's KEDA target changed leaves the billing branch,
/// the topic and the shop exactly as they were.
#[test]
fn editing_the_warehouse_leaves_billing_alone_on_the_command_line() {
    let file = format!("{}/examples/order-fanout.ron", env!("CARGO_MANIFEST_DIR"));
    let json = |extra: &[&str]| -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_spillway"))
            .args(["run", &file, "-q", "--json"])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let a = json(&[]);
    let b = json(&["--set", "warehouse.target_per_replica=8"]);
    for c in ["web shop", "orders", "billing-q", "billing", "billing-dlq"] {
        assert_eq!(a["components"][c], b["components"][c], "{c}");
    }
    assert_ne!(
        a["components"]["warehouse"], b["components"]["warehouse"],
        "the change reached the warehouse"
    );
    assert!(a["components"]["billing-dlq"]["arrivals"].as_u64().unwrap() > 0);
}

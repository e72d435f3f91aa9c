//! AsyncAPI 3.0.0 documents, one per application of a design.
//!
//! An *application* is a component that runs code: a producer, a Lambda function, a
//! container service, a Step Functions workflow or a generic station. Its *channels* are
//! the components it exchanges messages with: the queue, topic, stream or bus it sends to
//! or receives from, or, for a direct invocation, the application called. Each link
//! becomes a `send` operation (application to channel) or a `receive` operation (channel
//! to application); dead-letter and on-failure links are sends marked with
//! `x-spillway-link-kind`. Messages are the document's event types that can travel the
//! link (after the filters upstream of it): payload size as `x-spillway-payload-bytes`
//! and a note in the payload schema, attributes as a headers schema. SQS (0.2.0), SNS
//! (0.1.0) and Kafka (0.5.0) channels carry their official bindings; every channel also
//! has `x-spillway-kind` and `x-spillway-parameters` (EventBridge, Kinesis, Firehose and
//! the others have no official binding). With a report, `x-spillway-simulated` holds
//! each component's simulated KPIs.
//!
//! Documents are `serde_json::Value`s in a fixed key order (serde_json's map is sorted),
//! so the output is deterministic.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::cost::RunResult;
use crate::sim::Count;

use crate::diagram;
use crate::model::{
    Cap, Component, ComponentKind, Connection, Document, EventType, Filter, LinkKind,
};

/// Whether a component runs application code (and so gets its own document).
#[must_use]
pub fn is_application(kind: &ComponentKind) -> bool {
    kind.kind().can(Cap::Application)
}

/// The event types of a document; a single anonymous `event` type when it declares none.
fn event_types(doc: &Document) -> Vec<EventType> {
    if doc.event_types.is_empty() {
        vec![EventType::default()]
    } else {
        doc.event_types.clone()
    }
}

/// Whether events of type `t` can pass `filter` (attribute conditions hold for at least
/// one declared value, or for the attribute's absence).
fn type_passes(t: &EventType, filter: &Filter) -> bool {
    if !filter.event_types.is_empty() && !filter.event_types.contains(&t.name) {
        return false;
    }
    filter
        .attributes
        .iter()
        .all(|(name, cond)| match t.attributes.get(name) {
            Some(values) => values.iter().any(|(v, _)| cond.matches_value(v)),
            None => cond.matches_absent(),
        })
}

/// The event types that can travel each connection (by index), found by propagating the
/// producers' types along the links and through their filters until nothing changes.
#[must_use]
pub fn link_types(doc: &Document) -> Vec<BTreeSet<String>> {
    let types = event_types(doc);
    let mut at: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for c in &doc.components {
        if let ComponentKind::Producer(p) = &c.kind {
            let set = types
                .iter()
                .filter(|t| p.event_types.is_empty() || p.event_types.contains(&t.name))
                .map(|t| t.name.clone())
                .collect();
            at.insert(c.id.as_str(), set);
        }
    }
    let pass = |c: &Connection, name: &str| -> bool {
        match (&c.filter, c.kind) {
            (Some(f), LinkKind::Delivery) => types
                .iter()
                .find(|t| t.name == name)
                .is_some_and(|t| type_passes(t, f)),
            _ => true,
        }
    };
    for _ in 0..=doc.components.len() {
        let mut changed = false;
        for c in &doc.connections {
            let from: Vec<String> = at
                .get(c.from.as_str())
                .map(|s| s.iter().filter(|n| pass(c, n)).cloned().collect())
                .unwrap_or_default();
            let to = at.entry(c.to.as_str()).or_default();
            for n in from {
                changed |= to.insert(n);
            }
            // a dead-letter target named on the link receives what the link gives up on
            if let Some(dlq) = &c.dead_letter {
                let from: Vec<String> = at
                    .get(c.from.as_str())
                    .map(|s| s.iter().cloned().collect())
                    .unwrap_or_default();
                let to = at.entry(dlq.as_str()).or_default();
                for n in from {
                    changed |= to.insert(n);
                }
            }
        }
        if !changed {
            break;
        }
    }
    doc.connections
        .iter()
        .map(|c| {
            at.get(c.from.as_str())
                .map(|s| s.iter().filter(|n| pass(c, n)).cloned().collect())
                .unwrap_or_default()
        })
        .collect()
}

/// A key usable in `components/messages` (`[A-Za-z0-9_.-]`, other characters as `_`).
#[must_use]
pub fn message_key(name: &str) -> String {
    let k: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if k.is_empty() { "event".to_owned() } else { k }
}

/// Escape a JSON-pointer segment (`~` and `/`).
fn pointer(seg: &str) -> String {
    seg.replace('~', "~0").replace('/', "~1")
}

fn message_object(t: &EventType) -> Value {
    let mut headers = Map::new();
    for (name, values) in &t.attributes {
        let vals: Vec<&str> = values.iter().map(|(v, _)| v.as_str()).collect();
        headers.insert(
            name.clone(),
            json!({"type": "string", "enum": vals, "description": "message attribute"}),
        );
    }
    let size = diagram::dist_text(&t.payload_bytes, "bytes");
    let mut m = json!({
        "name": t.name,
        "title": t.name,
        "contentType": "application/json",
        "payload": {
            "type": "object",
            "description": format!("Payload of {size} (mean {} bytes). Its fields are not modelled by Spillway.", diagram::num(t.payload_bytes.mean().round())),
        },
        "x-spillway-payload-bytes": serde_json::to_value(&t.payload_bytes).unwrap_or(Value::Null),
        "x-spillway-weight": t.weight,
    });
    if !headers.is_empty() {
        m["headers"] = json!({"type": "object", "properties": headers});
    }
    m
}

fn channel_bindings(doc: &Document, comp: &Component) -> Option<Value> {
    match &comp.kind {
        ComponentKind::SqsQueue(q) => {
            let mut queue = json!({
                "name": comp.id,
                "fifoQueue": q.fifo,
                "visibilityTimeout": (q.visibility_timeout.as_secs_f64().round() as i64).clamp(0, 43_200),
                "deliveryDelay": (q.delivery_delay.as_secs_f64().round() as i64).clamp(0, 900),
                "receiveMessageWaitTime": (q.long_poll.as_secs_f64().round() as i64).clamp(0, 20),
                "messageRetentionPeriod": (q.retention.as_secs_f64().round() as i64).clamp(60, 1_209_600),
            });
            let dlq = doc
                .connections
                .iter()
                .find(|c| c.from == comp.id && c.kind == LinkKind::DeadLetter)
                .map(|c| c.to.clone());
            if let Some(dlq) = &dlq {
                let mut redrive = json!({"deadLetterQueue": {"name": dlq}});
                if let Some(n) = q.max_receive_count {
                    redrive["maxReceiveCount"] = json!(n);
                }
                queue["redrivePolicy"] = redrive;
            }
            let mut b = json!({"queue": queue, "bindingVersion": "0.2.0"});
            if let Some(dlq) = dlq {
                let fifo = doc
                    .component(&dlq)
                    .is_some_and(|d| matches!(&d.kind, ComponentKind::SqsQueue(q) if q.fifo));
                b["deadLetterQueue"] = json!({"name": dlq, "fifoQueue": fifo});
            }
            Some(json!({"sqs": b}))
        }
        ComponentKind::SnsTopic(t) => Some(json!({"sns": {
            "name": comp.id,
            "ordering": {"type": if t.fifo { "FIFO" } else { "standard" }},
            "bindingVersion": "0.1.0",
        }})),
        ComponentKind::KafkaTopic(s) => Some(json!({"kafka": {
            "topic": comp.id,
            "partitions": s.shards.max(1),
            "replicas": s.brokers.clamp(1, 3),
            "topicConfiguration": {"retention.ms": (s.retention.as_ms_f64().round() as i64).max(-1)},
            "bindingVersion": "0.5.0",
        }})),
        _ => None,
    }
}

/// KPIs of a component from the results, numbers as the JSON report writes them.
fn simulated(report: Option<&RunResult>, comp: &Component) -> Option<Value> {
    let r = report?;
    let c = r.mean.report.components.get(comp.display_name())?;
    let real = |x: f64| r.json_number(x);
    let count = |x: Count| serde_json::to_value(x).unwrap_or(Value::Null);
    let mut m = Map::new();
    let k = &c.counters;
    for (key, v) in [
        ("arrival_rate_per_s", Some(real(c.arrival_rate_per_s))),
        ("throughput_per_s", Some(real(c.throughput_per_s))),
        ("utilisation", c.utilisation.map(real)),
        ("retries", Some(count(k.retries))),
        ("dead_lettered", Some(count(k.dead_lettered))),
        ("rejected", Some(count(k.rejected))),
        ("dropped", Some(count(k.dropped))),
        ("expired", Some(count(k.expired))),
        ("failed", Some(count(k.failed))),
    ] {
        if let Some(v) = v.filter(Value::is_number) {
            m.insert(key.to_owned(), v);
        }
    }
    for (key, l) in [
        ("sojourn_ms", &c.sojourn_ms),
        ("residence_ms", &c.residence_ms),
        ("service_ms", &c.service_ms),
    ] {
        if let Some(l) = l {
            m.insert(
                key.to_owned(),
                json!({"mean": real(l.mean), "p50": real(l.p50), "p99": real(l.p99)}),
            );
        }
    }
    if let Some(cost) = r.mean.cost.components.get(comp.display_name()) {
        m.insert("per_month_usd".to_owned(), real(cost.per_month_usd));
    }
    Some(Value::Object(m))
}

struct Op {
    action: &'static str,
    channel: String,
    messages: BTreeSet<String>,
    kinds: BTreeSet<&'static str>,
    filters: Vec<Value>,
}

fn link_kind_name(k: LinkKind) -> &'static str {
    match k {
        LinkKind::Delivery => "delivery",
        LinkKind::DeadLetter => "dead-letter",
        LinkKind::OnFailure => "on-failure",
    }
}

/// One AsyncAPI document for the application `app`.
#[must_use]
pub fn document_for(doc: &Document, app: &Component, report: Option<&RunResult>) -> Value {
    document_with(doc, app, report, &link_types(doc))
}

/// [`document_for`] with the design's [`link_types`] computed once for all applications
/// (computing them per application made an export of a large design cubic).
fn document_with(
    doc: &Document,
    app: &Component,
    report: Option<&RunResult>,
    flows: &[BTreeSet<String>],
) -> Value {
    let types = event_types(doc);
    let by_name: BTreeMap<&str, &EventType> = types.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut ops: BTreeMap<String, Op> = BTreeMap::new();
    for (c, carried) in doc.connections.iter().zip(flows) {
        // only the application's own links (before any lookup by id)
        if c.from != app.id && c.to != app.id {
            continue;
        }
        let (Some(from), Some(to)) = (doc.component(&c.from), doc.component(&c.to)) else {
            continue;
        };
        let (action, channel) = if c.from == app.id {
            ("send", to)
        } else if c.to == app.id {
            if is_application(&from.kind) {
                ("receive", app)
            } else {
                ("receive", from)
            }
        } else {
            continue;
        };
        let id = format!("{action}_{}", message_key(&channel.id));
        let op = ops.entry(id).or_insert_with(|| Op {
            action,
            channel: channel.id.clone(),
            messages: BTreeSet::new(),
            kinds: BTreeSet::new(),
            filters: Vec::new(),
        });
        op.messages.extend(carried.iter().cloned());
        op.kinds.insert(link_kind_name(c.kind));
        if let Some(f) = c.filter.as_ref().filter(|_| c.kind == LinkKind::Delivery) {
            let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
            if !c.rule.is_empty() {
                v = json!({"rule": c.rule, "filter": v});
            }
            op.filters.push(v);
        }
    }
    let mut channels = Map::new();
    let mut messages = Map::new();
    let mut channel_msgs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for op in ops.values() {
        channel_msgs
            .entry(op.channel.clone())
            .or_default()
            .extend(op.messages.iter().cloned());
    }
    for (ch, msgs) in &channel_msgs {
        let Some(comp) = doc.component(ch) else {
            continue;
        };
        let style = diagram::component_style(doc, comp);
        let mut m = Map::new();
        for name in msgs {
            let key = message_key(name);
            if let Some(t) = by_name.get(name.as_str()) {
                messages.insert(key.clone(), message_object(t));
            }
            m.insert(
                key.clone(),
                json!({"$ref": format!("#/components/messages/{}", pointer(&key))}),
            );
        }
        let mut channel = json!({
            "address": comp.id,
            "title": comp.display_name(),
            "description": format!("{} ({})", style.kind_label, diagram::summary(&comp.kind)),
            "messages": m,
            "x-spillway-kind": comp.kind.kind_name(),
            "x-spillway-parameters": serde_json::to_value(&comp.kind).unwrap_or(Value::Null),
        });
        if let Some(b) = channel_bindings(doc, comp) {
            channel["bindings"] = b;
        }
        if let Some(s) = simulated(report, comp) {
            channel["x-spillway-simulated"] = s;
        }
        channels.insert(ch.clone(), channel);
    }
    let mut operations = Map::new();
    for (id, op) in &ops {
        let ch = pointer(&op.channel);
        let msgs: Vec<Value> = op
            .messages
            .iter()
            .map(|n| {
                json!({"$ref": format!("#/channels/{ch}/messages/{}", pointer(&message_key(n)))})
            })
            .collect();
        let channel_name = doc
            .component(&op.channel)
            .map_or(op.channel.as_str(), Component::display_name);
        let mut o = json!({
            "action": op.action,
            "channel": {"$ref": format!("#/channels/{ch}")},
            "messages": msgs,
            "x-spillway-link-kind": op.kinds.iter().copied().collect::<Vec<_>>().join(", "),
        });
        o["summary"] = json!(format!(
            "{} {channel_name}",
            if op.action == "send" {
                "Sends to"
            } else {
                "Receives from"
            }
        ));
        if !op.filters.is_empty() {
            o["x-spillway-filters"] = Value::Array(op.filters.clone());
        }
        if op.action == "receive"
            && doc
                .component(&op.channel)
                .is_some_and(|c| matches!(c.kind, ComponentKind::KafkaTopic(_)))
        {
            o["bindings"] = json!({"kafka": {
                "groupId": {"type": "string", "enum": [app.id]},
                "bindingVersion": "0.5.0",
            }});
        }
        operations.insert(id.clone(), o);
    }
    let style = diagram::component_style(doc, app);
    let mut info = json!({
        "title": app.display_name(),
        "version": "1.0.0",
        "description": format!(
            "{} `{}` of the design \"{}\" ({}). Generated by Spillway.{}",
            style.kind_label,
            app.id,
            doc.name,
            diagram::summary(&app.kind),
            if doc.description.is_empty() { String::new() } else { format!("\n\n{}", doc.description) }
        ),
        "x-spillway-kind": app.kind.kind_name(),
        "x-spillway-design": doc.name,
    });
    if let Some(s) = simulated(report, app) {
        info["x-spillway-simulated"] = s;
    }
    json!({
        "asyncapi": "3.0.0",
        "info": info,
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    })
}

/// One document per application, in document order: (component id, document).
#[must_use]
pub fn documents(doc: &Document, report: Option<&RunResult>) -> Vec<(String, Value)> {
    let flows = link_types(doc);
    doc.components
        .iter()
        .filter(|c| is_application(&c.kind))
        .map(|c| (c.id.clone(), document_with(doc, c, report, &flows)))
        .collect()
}

/// Every application's document as one pretty JSON array (for standard output).
#[must_use]
pub fn render_all(doc: &Document, report: Option<&RunResult>) -> String {
    let docs: Vec<Value> = documents(doc, report).into_iter().map(|(_, d)| d).collect();
    super::json_pretty(&Value::Array(docs)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::from_ron_str;

    #[test]
    fn filters_narrow_the_messages_on_a_link() {
        let doc = from_ron_str(
            r#"(event_types: [
                (name: "a", attributes: {"r": [("eu", 1.0), ("us", 1.0)]}),
                (name: "b"),
            ], components: [
                (id: "p", kind: Producer()), (id: "t", kind: SnsTopic()),
                (id: "q1", kind: SqsQueue()), (id: "q2", kind: SqsQueue()),
            ], connections: [
                (from: "p", to: "t"),
                (from: "t", to: "q1", filter: (event_types: ["a"])),
                (from: "t", to: "q2", filter: (attributes: {"r": Exists(true)})),
            ])"#,
        )
        .unwrap();
        let flows = link_types(&doc);
        assert_eq!(flows[0].len(), 2);
        assert_eq!(flows[1].iter().collect::<Vec<_>>(), ["a"]);
        assert_eq!(
            flows[2].iter().collect::<Vec<_>>(),
            ["a"],
            "b has no attribute r"
        );
    }

    #[test]
    fn message_keys_and_pointers_are_safe() {
        assert_eq!(message_key("order placed/v1"), "order_placed_v1");
        assert_eq!(pointer("a/b~c"), "a~1b~0c");
    }
}

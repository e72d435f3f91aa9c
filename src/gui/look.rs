//! How components and connections look on the canvas: the group and colour of each
//! kind, its glyph and human label, the one-line summary of its parameters ("2 x 15 ms",
//! "FIFO, visibility 30 s") and the short label of a connection's filter or rule.
//!
//! The text functions are pure (unit-tested below); the colour functions only pick
//! colours, the drawing itself is in `canvas`.

use egui::Color32;

use crate::model::aws::{ApiType, CapacityMode, Workflow};
use crate::model::{Account, Arrivals, ComponentKind, Condition, Connection, Duration, LinkKind};

/// Width of a node on the canvas, in graph units (pixels at zoom 1).
pub const NODE_W: f32 = 186.0;
/// Height of a node on the canvas, in graph units.
pub const NODE_H: f32 = 64.0;

/// The family a kind belongs to; each has its own shape and colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// Event sources (producers): a pill.
    Producer,
    /// Routers and entry points (API Gateway, EventBridge, SNS): a hexagon.
    Router,
    /// Queues and streams (SQS, Kinesis, Kafka, Firehose): a box with queue slots.
    Queue,
    /// Compute (stations, Lambda, containers, Step Functions): a rounded box.
    Compute,
    /// Storage and terminal services (sinks, DynamoDB, S3, SES, logs, analytics): a
    /// cylinder.
    Storage,
    /// Dead-letter queues: a box with a red frame.
    DeadLetter,
}

/// The group of a kind.
#[must_use]
pub fn group(kind: &ComponentKind) -> Group {
    use ComponentKind as K;
    match kind {
        K::Producer(_) => Group::Producer,
        K::ApiGateway(_) | K::EventBus(_) | K::SnsTopic(_) => Group::Router,
        K::SqsQueue(_) | K::KinesisStream(_) | K::KafkaTopic(_) | K::Firehose(_) => Group::Queue,
        K::Station(_) | K::Lambda(_) | K::ContainerService(_) | K::StepFunctions(_) => {
            Group::Compute
        }
        K::Sink(_)
        | K::DynamoDbTable(_)
        | K::S3Bucket(_)
        | K::Ses(_)
        | K::LogGroup(_)
        | K::Analytics(_) => Group::Storage,
        K::DeadLetterQueue(_) => Group::DeadLetter,
    }
}

/// A short glyph drawn in the node's badge ("SQS", "λ").
#[must_use]
pub fn glyph(kind: &ComponentKind) -> &'static str {
    use ComponentKind as K;
    match kind {
        K::Producer(_) => "▶",
        K::Station(_) => "⚙",
        K::Sink(_) => "■",
        K::DeadLetterQueue(_) => "DLQ",
        K::ApiGateway(_) => "API",
        K::EventBus(_) => "EB",
        K::SnsTopic(_) => "SNS",
        K::SqsQueue(_) => "SQS",
        K::Lambda(_) => "λ",
        K::KinesisStream(_) => "KDS",
        K::KafkaTopic(_) => "MSK",
        K::ContainerService(_) => "ECS",
        K::StepFunctions(_) => "SFN",
        K::DynamoDbTable(_) => "DDB",
        K::Firehose(_) => "FH",
        K::S3Bucket(_) => "S3",
        K::Ses(_) => "SES",
        K::LogGroup(_) => "LOG",
        K::Analytics(_) => "ATH",
    }
}

/// What the kind is, in words ("SQS queue").
#[must_use]
pub fn kind_label(kind: &ComponentKind) -> &'static str {
    use ComponentKind as K;
    match kind {
        K::Producer(_) => "Producer",
        K::Station(_) => "Station",
        K::Sink(_) => "Sink",
        K::DeadLetterQueue(_) => "Dead-letter queue",
        K::ApiGateway(_) => "API Gateway",
        K::EventBus(_) => "EventBridge bus",
        K::SnsTopic(_) => "SNS topic",
        K::SqsQueue(_) => "SQS queue",
        K::Lambda(_) => "Lambda function",
        K::KinesisStream(_) => "Kinesis stream",
        K::KafkaTopic(_) => "Kafka topic (MSK)",
        K::ContainerService(_) => "Container service",
        K::StepFunctions(_) => "Step Functions",
        K::DynamoDbTable(_) => "DynamoDB table",
        K::Firehose(_) => "Firehose",
        K::S3Bucket(_) => "S3 bucket",
        K::Ses(_) => "SES email",
        K::LogGroup(_) => "CloudWatch Logs",
        K::Analytics(_) => "Analytics",
    }
}

/// A number without needless decimals: `100`, `2.5`, `0.25`.
#[must_use]
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "?".to_owned();
    }
    if (v - v.round()).abs() < 1e-9 || v.abs() >= 100.0 {
        format!("{}", v.round() as i64)
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// A duration in the largest unit that keeps it short: `250 ms`, `30 s`, `5 min`, `2 h`.
#[must_use]
pub fn duration(d: Duration) -> String {
    let ms = d.as_ms_f64();
    if ms < 1000.0 {
        format!("{} ms", num(ms))
    } else if ms < 120_000.0 {
        format!("{} s", num(ms / 1000.0))
    } else if ms < 2.0 * 3_600_000.0 {
        format!("{} min", num(ms / 60_000.0))
    } else if ms < 2.0 * 86_400_000.0 {
        format!("{} h", num(ms / 3_600_000.0))
    } else {
        format!("{} d", num(ms / 86_400_000.0))
    }
}

fn arrivals(a: &Arrivals) -> String {
    match a {
        Arrivals::Poisson { rate_per_s } => format!("Poisson {}/s", num(*rate_per_s)),
        Arrivals::Constant { rate_per_s } => format!("steady {}/s", num(*rate_per_s)),
        Arrivals::OnOff { on_rate_per_s, .. } => format!("on/off {}/s", num(*on_rate_per_s)),
        Arrivals::Profile { .. } => format!("profile, peak {}/s", num(a.peak_rate_per_s())),
        Arrivals::Sinusoid {
            mean_rate_per_s,
            amplitude,
            ..
        } => format!(
            "wave {}/s ±{}%",
            num(*mean_rate_per_s),
            num(amplitude * 100.0)
        ),
        Arrivals::Renewal { interarrival_ms } => {
            format!("gaps {} ms", num(interarrival_ms.mean()))
        }
    }
}

/// One line describing a component's main parameters, as shown under its name
/// ("2 x 15 ms", "FIFO, visibility 30 s", "128 MB, 1000 conc.").
#[must_use]
pub fn summary(kind: &ComponentKind, account: &Account) -> String {
    use ComponentKind as K;
    match kind {
        K::Producer(p) => arrivals(&p.arrivals),
        K::Station(s) => format!("{} x {} ms", s.servers, num(s.service_ms.mean())),
        K::Sink(_) => "end of the line".to_owned(),
        K::DeadLetterQueue(_) => "keeps what failed".to_owned(),
        K::ApiGateway(g) => {
            let api = match g.api {
                ApiType::Rest => "REST",
                ApiType::Http => "HTTP",
            };
            format!("{api} {}/s", num(g.throttle.rate_per_s))
        }
        K::EventBus(b) => format!("{} events/s", num(b.put_events_per_s)),
        K::SnsTopic(t) => {
            if t.fifo {
                format!("FIFO, {}/s", num(t.fifo_topic_per_s))
            } else {
                format!("{}/s", num(t.publish_per_s))
            }
        }
        K::SqsQueue(q) => {
            let vis = format!("visibility {}", duration(q.visibility_timeout));
            if q.fifo { format!("FIFO, {vis}") } else { vis }
        }
        K::Lambda(l) => match l.reserved_concurrency {
            Some(r) => format!("{} MB, reserved {r}", l.memory_mb),
            None => format!("{} MB, {} conc.", l.memory_mb, account.lambda_concurrency),
        },
        K::KinesisStream(s) => {
            let shards = plural(s.shards, "shard", "shards");
            if s.on_demand {
                format!("{shards}, on-demand")
            } else {
                shards
            }
        }
        K::KafkaTopic(s) => format!(
            "{}, {}",
            plural(s.shards, "partition", "partitions"),
            plural(s.brokers, "broker", "brokers")
        ),
        K::ContainerService(c) => {
            let slots = plural(c.concurrency_per_replica, "slot", "slots");
            match &c.autoscale {
                Some(a) => format!("{}-{} x {slots}", a.min_replicas, a.max_replicas),
                None => format!("{} x {slots}", c.replicas),
            }
        }
        K::StepFunctions(s) => {
            let w = match s.workflow {
                Workflow::Standard => "standard",
                Workflow::Express => "express",
            };
            format!("{w}, {} ms", num(s.duration_ms.mean()))
        }
        K::DynamoDbTable(t) => {
            let mode = match &t.mode {
                CapacityMode::OnDemand => "on-demand".to_owned(),
                CapacityMode::Provisioned { wcu, .. } => format!("{wcu} WCU"),
            };
            if t.stream {
                format!("{mode}, stream")
            } else {
                mode
            }
        }
        K::Firehose(f) => format!(
            "buffer {} MB / {}",
            num(f.buffer_mb),
            duration(f.buffer_interval)
        ),
        K::S3Bucket(s) | K::Ses(s) | K::LogGroup(s) | K::Analytics(s) => {
            let ms = s.latency_ms.mean();
            match (&s.rate_limit, ms > 0.0) {
                (Some(t), true) => format!("{} ms, max {}/s", num(ms), num(t.rate_per_s)),
                (Some(t), false) => format!("max {}/s", num(t.rate_per_s)),
                (None, true) => format!("{} ms", num(ms)),
                (None, false) => "no limit".to_owned(),
            }
        }
    }
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Longest connection label, in characters, before it is cut with an ellipsis.
pub const LABEL_MAX_CHARS: usize = 30;

/// The small label drawn on a connection: its filter, rule, split weight and per-target
/// dead-letter queue, if any (`OrderPlaced, region=eu`). `None` for a plain link.
#[must_use]
pub fn connection_label(conn: &Connection) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if !conn.rule.is_empty() {
        parts.push(format!("rule {}", conn.rule));
    }
    if let Some(f) = &conn.filter {
        if !f.event_types.is_empty() {
            parts.push(f.event_types.join(", "));
        }
        for (name, cond) in &f.attributes {
            parts.push(match cond {
                Condition::Equals(vs) => format!("{name}={}", vs.join("|")),
                Condition::AnythingBut(vs) => format!("{name}≠{}", vs.join("|")),
                Condition::Prefix(p) => format!("{name}={p}*"),
                Condition::Exists(true) => format!("has {name}"),
                Condition::Exists(false) => format!("no {name}"),
            });
        }
    }
    if (conn.weight - 1.0).abs() > 1e-12 && conn.kind == LinkKind::Delivery {
        parts.push(format!("w {}", num(conn.weight)));
    }
    if let Some(d) = &conn.dead_letter {
        parts.push(format!("DLQ {d}"));
    }
    if parts.is_empty() {
        return None;
    }
    Some(truncate(&parts.join(" · "), LABEL_MAX_CHARS))
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
#[must_use]
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// The accent colour of a group (badge, frame).
#[must_use]
pub fn accent(group: Group) -> Color32 {
    match group {
        Group::Producer => Color32::from_rgb(0x3f, 0xa3, 0x4d),
        Group::Router => Color32::from_rgb(0xb0, 0x4f, 0xc8),
        Group::Queue => Color32::from_rgb(0xe0, 0x8a, 0x1e),
        Group::Compute => Color32::from_rgb(0x2f, 0x7f, 0xd8),
        Group::Storage => Color32::from_rgb(0x1f, 0x9e, 0x9a),
        Group::DeadLetter => Color32::from_rgb(0xd6, 0x3b, 0x3b),
    }
}

/// The fill of a node body of `group`: its accent faded into the background, so the
/// text stays readable in dark and light themes.
#[must_use]
pub fn body_fill(group: Group, dark: bool) -> Color32 {
    let a = accent(group);
    let (base, t) = if dark {
        (Color32::from_rgb(0x26, 0x28, 0x2c), 0.22)
    } else {
        (Color32::from_rgb(0xfb, 0xfb, 0xfc), 0.13)
    };
    lerp(base, a, t)
}

/// Linear blend of two opaque colours, `t` in 0..=1.
#[must_use]
pub fn lerp(a: Color32, b: Color32, t: f32) -> Color32 {
    let t = t.clamp(0.0, 1.0);
    let mix = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    Color32::from_rgb(mix(a.r(), b.r()), mix(a.g(), b.g()), mix(a.b(), b.b()))
}

/// How a connection's line is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinePattern {
    /// A continuous line.
    Solid,
    /// Dashes.
    Dashed,
    /// Dots.
    Dotted,
}

/// Colour and pattern of a link kind: delivery solid grey, dead-letter dashed red,
/// on-failure dotted orange.
#[must_use]
pub fn link_style(kind: LinkKind, dark: bool) -> (Color32, LinePattern) {
    match kind {
        LinkKind::Delivery => (
            if dark {
                Color32::from_gray(0xb4)
            } else {
                Color32::from_gray(0x5a)
            },
            LinePattern::Solid,
        ),
        LinkKind::DeadLetter => (Color32::from_rgb(0xe0, 0x40, 0x40), LinePattern::Dashed),
        LinkKind::OnFailure => (Color32::from_rgb(0xf0, 0x90, 0x20), LinePattern::Dotted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::aws::{
        ApiGateway, Autoscale, ContainerService, LambdaFunction, SqsQueue, Stream,
    };
    use crate::model::{Dist, Filter, Producer, Station};

    fn s(kind: &ComponentKind) -> String {
        summary(kind, &Account::default())
    }

    #[test]
    fn summaries_name_the_main_parameters() {
        let st = ComponentKind::Station(Station {
            servers: 2,
            service_ms: Dist::Exponential { mean: 15.0 },
            ..Station::default()
        });
        assert_eq!(s(&st), "2 x 15 ms");
        assert_eq!(
            s(&ComponentKind::SqsQueue(SqsQueue::default())),
            "visibility 30 s"
        );
        let fifo = SqsQueue {
            fifo: true,
            ..SqsQueue::default()
        };
        assert_eq!(s(&ComponentKind::SqsQueue(fifo)), "FIFO, visibility 30 s");
        assert_eq!(
            s(&ComponentKind::Lambda(LambdaFunction::default())),
            "128 MB, 1000 conc."
        );
        let reserved = LambdaFunction {
            reserved_concurrency: Some(10),
            ..LambdaFunction::default()
        };
        assert_eq!(s(&ComponentKind::Lambda(reserved)), "128 MB, reserved 10");
        assert_eq!(
            s(&ComponentKind::KinesisStream(Stream::default())),
            "4 shards"
        );
        let svc = ContainerService {
            concurrency_per_replica: 10,
            autoscale: Some(Autoscale {
                min_replicas: 2,
                max_replicas: 10,
                ..Autoscale::default()
            }),
            ..ContainerService::default()
        };
        assert_eq!(s(&ComponentKind::ContainerService(svc)), "2-10 x 10 slots");
        let p = Producer {
            arrivals: Arrivals::Poisson { rate_per_s: 100.0 },
            ..Producer::default()
        };
        assert_eq!(s(&ComponentKind::Producer(p)), "Poisson 100/s");
        assert_eq!(
            s(&ComponentKind::ApiGateway(ApiGateway::default())),
            "REST 10000/s"
        );
    }

    #[test]
    fn every_kind_has_a_short_summary_and_glyph() {
        // all kinds, as the palette offers them, parse from their default RON form
        for name in [
            "Producer",
            "Station",
            "Sink",
            "DeadLetterQueue",
            "ApiGateway",
            "EventBus",
            "SnsTopic",
            "SqsQueue",
            "Lambda",
            "KinesisStream",
            "KafkaTopic",
            "ContainerService",
            "StepFunctions",
            "DynamoDbTable",
            "Firehose",
            "S3Bucket",
            "Ses",
            "LogGroup",
            "Analytics",
        ] {
            let doc =
                crate::model::from_ron_str(&format!("(components: [(id: \"x\", kind: {name}())])"))
                    .unwrap();
            let k = &doc.components[0].kind;
            let text = s(k);
            assert!(
                !text.is_empty() && text.chars().count() <= 26,
                "{name}: {text}"
            );
            assert!(!glyph(k).is_empty() && glyph(k).chars().count() <= 3);
            assert!(!kind_label(k).is_empty());
        }
    }

    #[test]
    fn numbers_and_durations_are_short() {
        assert_eq!(num(100.0), "100");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(0.25), "0.25");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(672.6), "673");
        assert_eq!(duration(Duration::from_secs(30)), "30 s");
        assert_eq!(duration(Duration::from_ms(250)), "250 ms");
        assert_eq!(duration(Duration::from_secs(300)), "5 min");
        assert_eq!(duration(Duration::from_secs(4 * 86_400)), "4 d");
    }

    #[test]
    fn connection_labels_show_filters_and_rules() {
        let mut c = Connection::new("a", "b");
        assert_eq!(connection_label(&c), None);
        c.filter = Some(Filter {
            event_types: vec!["OrderPlaced".into()],
            attributes: [("region".to_owned(), Condition::Equals(vec!["eu".into()]))]
                .into_iter()
                .collect(),
        });
        assert_eq!(
            connection_label(&c).as_deref(),
            Some("OrderPlaced · region=eu")
        );
        c.filter = None;
        c.rule = "orders".into();
        assert_eq!(connection_label(&c).as_deref(), Some("rule orders"));
        c.rule = "a-very-long-rule-name-that-goes-on-and-on".into();
        let l = connection_label(&c).unwrap();
        assert!(l.ends_with('…') && l.chars().count() == LABEL_MAX_CHARS);
    }
}

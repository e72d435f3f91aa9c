//! How each component kind and link kind looks: group, fill, shape, glyph, summary line,
//! stroke. One table, used by the canvas and every exporter, so a design looks the same
//! on screen, in SVG/PNG, in Mermaid and in DOT.

use crate::model::aws::{ApiType, CapacityMode, Workflow};
use crate::model::{
    Arrivals, Component, ComponentKind, Condition, Connection, Dist, Document, Kind, LinkKind,
    Source,
};

/// A colour as 8-bit red, green, blue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`, as SVG, DOT and Mermaid write colours.
    #[must_use]
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Text colour on every fill (all fills are light tints, so dark text stays readable).
pub const INK: Rgb = Rgb(0x1f, 0x23, 0x28);
/// Outline colour of the boxes.
pub const OUTLINE: Rgb = Rgb(0x3c, 0x42, 0x4a);

/// The family a component belongs to; the diagram clusters and colours by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// Producers: clients, IoT fleets, schedules, change streams.
    Producers,
    /// Routers: API Gateway, EventBridge buses, SNS topics.
    Routers,
    /// Queues and streams: SQS, Kinesis, Kafka, Firehose.
    QueuesStreams,
    /// Compute: Lambda, containers, Step Functions, generic stations.
    Compute,
    /// Storage and terminal services: DynamoDB, S3, SES, logs, analytics, sinks.
    Storage,
    /// Dead-letter queues (including SQS queues used only as one).
    DeadLetter,
}

impl Group {
    /// Every group, in diagram order (left to right in a typical design).
    pub const ALL: [Group; 6] = [
        Group::Producers,
        Group::Routers,
        Group::QueuesStreams,
        Group::Compute,
        Group::Storage,
        Group::DeadLetter,
    ];

    /// Human name, e.g. "Queues & streams".
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Group::Producers => "Producers",
            Group::Routers => "Routers",
            Group::QueuesStreams => "Queues & streams",
            Group::Compute => "Compute",
            Group::Storage => "Storage",
            Group::DeadLetter => "Dead-letter queues",
        }
    }

    /// Identifier-safe name (`queues_streams`), for DOT clusters and Mermaid classes.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Group::Producers => "producers",
            Group::Routers => "routers",
            Group::QueuesStreams => "queues_streams",
            Group::Compute => "compute",
            Group::Storage => "storage",
            Group::DeadLetter => "dead_letter",
        }
    }

    /// Outline of the group's boxes.
    #[must_use]
    pub fn shape(self) -> Shape {
        group_shape(self)
    }

    /// The group's colour: the canvas's badges and frames, and the hue of its fill.
    #[must_use]
    pub fn accent(self) -> Rgb {
        match self {
            Group::Producers => Rgb(0x3f, 0xa3, 0x4d),
            Group::Routers => Rgb(0xb0, 0x4f, 0xc8),
            Group::QueuesStreams => Rgb(0xe0, 0x8a, 0x1e),
            Group::Compute => Rgb(0x2f, 0x7f, 0xd8),
            Group::Storage => Rgb(0x1f, 0x9e, 0x9a),
            Group::DeadLetter => Rgb(0xd6, 0x3b, 0x3b),
        }
    }

    /// Fill colour of the group's boxes: a light tint of [`Group::accent`] (one part
    /// accent to four parts white), so dark text reads on it, on paper too.
    #[must_use]
    pub fn fill(self) -> Rgb {
        let Rgb(r, g, b) = self.accent();
        let tint = |c: u8| u8::try_from((u16::from(c) + 4 * 255) / 5).unwrap_or(u8::MAX);
        Rgb(tint(r), tint(g), tint(b))
    }
}

/// Outline of a component's box. Each group has its own, so kinds stay apart in black
/// and white.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Slanted box: producers.
    Parallelogram,
    /// Pointed ends: routers.
    Hexagon,
    /// Cylinder lying on its side: queues and streams.
    Pipe,
    /// Box with round corners: compute.
    RoundedBox,
    /// Upright cylinder: storage.
    Cylinder,
    /// Box with cut corners: dead-letter queues.
    Octagon,
}

/// How a component looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindStyle {
    /// Its family.
    pub group: Group,
    /// Outline.
    pub shape: Shape,
    /// Fill colour.
    pub fill: Rgb,
    /// Short text drawn in the box, e.g. `SQS`, `λ`.
    pub glyph: &'static str,
    /// Human kind name, e.g. "SQS queue".
    pub kind_label: &'static str,
}

impl KindStyle {
    /// The kind label without a leading repeat of the glyph: `queue` for glyph `SQS` and
    /// label `SQS queue`, so that `glyph + " " + kind_rest` reads "SQS queue".
    #[must_use]
    pub fn kind_rest(&self) -> &'static str {
        let label: &'static str = self.kind_label;
        match label.strip_prefix(self.glyph) {
            Some(r) if r.starts_with(' ') => r.trim_start(),
            _ => label,
        }
    }
}

fn group_shape(group: Group) -> Shape {
    match group {
        Group::Producers => Shape::Parallelogram,
        Group::Routers => Shape::Hexagon,
        Group::QueuesStreams => Shape::Pipe,
        Group::Compute => Shape::RoundedBox,
        Group::Storage => Shape::Cylinder,
        Group::DeadLetter => Shape::Octagon,
    }
}

/// The group and glyph of each kind (a producer's glyph then depends on its source,
/// see [`kind_style`]); the compiler checks that every kind has one.
#[must_use]
pub fn group_and_glyph(kind: Kind) -> (Group, &'static str) {
    match kind {
        Kind::Producer => (Group::Producers, "CLI"),
        Kind::ApiGateway => (Group::Routers, "API"),
        Kind::EventBus => (Group::Routers, "EB"),
        Kind::SnsTopic => (Group::Routers, "SNS"),
        Kind::SqsQueue => (Group::QueuesStreams, "SQS"),
        Kind::KinesisStream => (Group::QueuesStreams, "KDS"),
        Kind::KafkaTopic => (Group::QueuesStreams, "MSK"),
        Kind::Firehose => (Group::QueuesStreams, "KDF"),
        Kind::Lambda => (Group::Compute, "λ"),
        Kind::ContainerService => (Group::Compute, "ECS"),
        Kind::StepFunctions => (Group::Compute, "SFN"),
        Kind::Station => (Group::Compute, "ST"),
        Kind::DynamoDbTable => (Group::Storage, "DDB"),
        Kind::S3Bucket => (Group::Storage, "S3"),
        Kind::Ses => (Group::Storage, "SES"),
        Kind::LogGroup => (Group::Storage, "LOG"),
        Kind::Analytics => (Group::Storage, "ATH"),
        Kind::Sink => (Group::Storage, "END"),
        Kind::DeadLetterQueue => (Group::DeadLetter, "DLQ"),
    }
}

/// The style of a kind, whatever role the component plays in a design.
#[must_use]
pub fn kind_style(kind: &ComponentKind) -> KindStyle {
    let (group, glyph) = group_and_glyph(kind.kind());
    let glyph = match kind {
        ComponentKind::Producer(p) => match p.source {
            Source::Client => "CLI",
            Source::IotFleet => "IoT",
            Source::Schedule => "CRON",
            Source::S3Notification => "S3N",
            Source::DynamoDbStream => "DDBS",
        },
        _ => glyph,
    };
    let kind_label = kind.kind().info().label;
    KindStyle {
        group,
        shape: group_shape(group),
        fill: group.fill(),
        glyph,
        kind_label,
    }
}

/// Whether a component serves only as a dead-letter queue in this design: an SQS queue
/// that receives nothing but dead-letter / on-failure links (or is named as a target's
/// `dead_letter`) and sends nothing on.
#[must_use]
pub fn is_dead_letter_role(doc: &Document, comp: &Component) -> bool {
    if !matches!(comp.kind, ComponentKind::SqsQueue(_)) {
        return false;
    }
    let named = doc
        .connections
        .iter()
        .any(|c| c.dead_letter.as_deref() == Some(comp.id.as_str()));
    let mut incoming = doc
        .connections
        .iter()
        .filter(|c| c.to == comp.id)
        .peekable();
    let only_failures = incoming.peek().is_some() && incoming.all(|c| c.kind != LinkKind::Delivery);
    let sends = doc.connections.iter().any(|c| c.from == comp.id);
    (named || only_failures) && !sends
}

/// The style of every component of a design, in document order: [`component_style`] for
/// each, in one pass over the connections (calling it per component would scan them once
/// per component).
#[must_use]
pub fn component_styles(doc: &Document) -> Vec<KindStyle> {
    use std::collections::{BTreeMap, BTreeSet};
    let named: BTreeSet<&str> = doc
        .connections
        .iter()
        .filter_map(|c| c.dead_letter.as_deref())
        .collect();
    let senders: BTreeSet<&str> = doc.connections.iter().map(|c| c.from.as_str()).collect();
    // per target: whether anything arrives, and whether a delivery does
    let mut incoming: BTreeMap<&str, bool> = BTreeMap::new();
    for c in &doc.connections {
        *incoming.entry(c.to.as_str()).or_insert(false) |= c.kind == LinkKind::Delivery;
    }
    doc.components
        .iter()
        .map(|comp| {
            let id = comp.id.as_str();
            let only_failures = incoming.get(id).is_some_and(|delivery| !delivery);
            let role = matches!(comp.kind, ComponentKind::SqsQueue(_))
                && (named.contains(id) || only_failures)
                && !senders.contains(id);
            if role {
                dead_letter_style(&comp.kind)
            } else {
                kind_style(&comp.kind)
            }
        })
        .collect()
}

/// The style of a queue that serves as a dead-letter queue.
fn dead_letter_style(kind: &ComponentKind) -> KindStyle {
    KindStyle {
        group: Group::DeadLetter,
        shape: group_shape(Group::DeadLetter),
        fill: Group::DeadLetter.fill(),
        glyph: "DLQ",
        kind_label: kind_style(kind).kind_label,
    }
}

/// The style of a component in its design: its kind's style, except that an SQS queue
/// used only as a dead-letter queue is drawn as one (octagon, `DLQ`).
#[must_use]
pub fn component_style(doc: &Document, comp: &Component) -> KindStyle {
    if is_dead_letter_role(doc, comp) {
        dead_letter_style(&comp.kind)
    } else {
        kind_style(&comp.kind)
    }
}

pub use crate::units::{human_duration, num};

/// A distribution in a few characters: `15 ms` (constant), `exp 15 ms`, `p50 120 ms`.
#[must_use]
pub fn dist_text(d: &Dist, unit: &str) -> String {
    match d {
        Dist::Constant(v) => format!("{} {unit}", num(*v)),
        Dist::Exponential { mean } => format!("exp {} {unit}", num(*mean)),
        Dist::LogNormal { p50, .. } => format!("p50 {} {unit}", num(*p50)),
        other => format!("~{} {unit}", num(other.mean())),
    }
}

fn arrivals_text(a: &Arrivals) -> String {
    match a {
        Arrivals::Poisson { rate_per_s } => format!("Poisson {}/s", num(*rate_per_s)),
        Arrivals::Constant { rate_per_s } => format!("every {}/s", num(*rate_per_s)),
        Arrivals::OnOff {
            on_rate_per_s,
            on,
            off,
        } => format!(
            "bursts {}/s ({} on, {} off)",
            num(*on_rate_per_s),
            human_duration(*on),
            human_duration(*off)
        ),
        Arrivals::Profile { points } => {
            let lo = points
                .iter()
                .map(|p| p.rate_per_s)
                .fold(f64::INFINITY, f64::min);
            let hi = points.iter().map(|p| p.rate_per_s).fold(0.0, f64::max);
            if points.is_empty() {
                "profile".to_owned()
            } else if (hi - lo).abs() < f64::EPSILON {
                format!("profile {}/s", num(hi))
            } else {
                format!("profile {}-{}/s", num(lo), num(hi))
            }
        }
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
            format!("gaps {}", dist_text(interarrival_ms, "ms"))
        }
    }
}

/// One line saying what matters most about a component's parameters, e.g.
/// `2 x 15 ms`, `FIFO, visibility 30 s`, `128 MB, reserved 10`, `4 shards`.
#[must_use]
pub fn summary(kind: &ComponentKind) -> String {
    use ComponentKind as K;
    match kind {
        K::Producer(p) => arrivals_text(&p.arrivals),
        K::Station(s) => format!("{} x {} ms", s.servers, num(s.service_ms.mean())),
        K::Sink(_) => "terminal".to_owned(),
        K::DeadLetterQueue(_) => "holds dead letters".to_owned(),
        K::ApiGateway(a) => format!(
            "{} {}/s",
            match a.api {
                ApiType::Rest => "REST",
                ApiType::Http => "HTTP",
            },
            num(a.throttle.rate_per_s)
        ),
        K::EventBus(b) => format!("PutEvents {}/s", num(b.put_events_per_s)),
        K::SnsTopic(t) => {
            if t.fifo {
                format!("FIFO, {}/s", num(t.fifo_topic_per_s))
            } else {
                format!("standard, {}/s", num(t.publish_per_s))
            }
        }
        K::SqsQueue(q) => {
            let mut s = String::new();
            if q.fifo {
                s.push_str("FIFO, ");
            }
            s.push_str("visibility ");
            s.push_str(&human_duration(q.visibility_timeout));
            s
        }
        K::Lambda(l) => {
            let mut s = format!("{} MB", l.memory_mb);
            if let Some(r) = l.reserved_concurrency {
                s.push_str(&format!(", reserved {r}"));
            }
            s
        }
        K::KinesisStream(st) => {
            if st.on_demand {
                "on demand".to_owned()
            } else {
                format!(
                    "{} shard{}",
                    st.shards,
                    if st.shards == 1 { "" } else { "s" }
                )
            }
        }
        K::KafkaTopic(st) => format!(
            "{} partition{}, {} brokers",
            st.shards,
            if st.shards == 1 { "" } else { "s" },
            st.brokers
        ),
        K::ContainerService(c) => match &c.autoscale {
            Some(a) => format!(
                "{}-{} x {} slots",
                a.min_replicas, a.max_replicas, c.concurrency_per_replica
            ),
            None => format!("{} x {} slots", c.replicas, c.concurrency_per_replica),
        },
        K::StepFunctions(f) => format!(
            "{}, {} transitions",
            match f.workflow {
                Workflow::Standard => "Standard",
                Workflow::Express => "Express",
            },
            f.transitions
        ),
        K::DynamoDbTable(t) => {
            let mut s = match &t.mode {
                CapacityMode::OnDemand => "on demand".to_owned(),
                CapacityMode::Provisioned { wcu, .. } => format!("{wcu} WCU"),
            };
            if t.stream {
                s.push_str(", stream");
            }
            s
        }
        K::Firehose(f) => format!(
            "buffer {} MB, {}",
            num(f.buffer_mb),
            human_duration(f.buffer_interval)
        ),
        K::S3Bucket(s) | K::Ses(s) | K::LogGroup(s) | K::Analytics(s) => match &s.rate_limit {
            Some(t) => format!("{}/s", num(t.rate_per_s)),
            None => dist_text(&s.latency_ms, "ms"),
        },
    }
}

/// How a line is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stroke {
    /// A continuous line.
    Solid,
    /// Long dashes.
    Dashed,
    /// Dots.
    Dotted,
}

/// How a connection is drawn: line pattern, colour and width.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkStyle {
    /// Line pattern (tells kinds apart without colour).
    pub stroke: Stroke,
    /// SVG `stroke-dasharray`, in px; empty for solid.
    pub dash_px: &'static [f32],
    /// Line colour.
    pub colour: Rgb,
    /// Line width in px.
    pub width_px: f32,
    /// Name for legends, e.g. "dead-letter".
    pub label: &'static str,
}

/// The style of a link kind: delivery solid, dead-letter dashed, on-failure dotted.
#[must_use]
pub fn link_style(kind: LinkKind) -> LinkStyle {
    match kind {
        LinkKind::Delivery => LinkStyle {
            stroke: Stroke::Solid,
            dash_px: &[],
            colour: Rgb(0x33, 0x3a, 0x44),
            width_px: 1.6,
            label: "delivery",
        },
        LinkKind::DeadLetter => LinkStyle {
            stroke: Stroke::Dashed,
            dash_px: &[7.0, 4.0],
            colour: Rgb(0xa3, 0x24, 0x1c),
            width_px: 1.6,
            label: "dead-letter",
        },
        LinkKind::OnFailure => LinkStyle {
            stroke: Stroke::Dotted,
            dash_px: &[1.5, 3.5],
            colour: Rgb(0xb0, 0x5a, 0x00),
            width_px: 2.0,
            label: "on-failure",
        },
    }
}

fn condition_text(name: &str, c: &Condition) -> String {
    match c {
        Condition::Equals(vs) => format!("{name}={}", vs.join("|")),
        Condition::AnythingBut(vs) => format!("{name}≠{}", vs.join("|")),
        Condition::Prefix(p) => format!("{name}^={p}"),
        Condition::Exists(true) => format!("{name} exists"),
        Condition::Exists(false) => format!("no {name}"),
    }
}

/// The label of a connection: its rule name and filter (`auto-quotes: auto`,
/// `OrderPlaced, OrderUpdated; fulfilment=physical`), a split weight, or nothing.
#[must_use]
pub fn connection_label(c: &Connection) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(f) = &c.filter
        && c.kind == LinkKind::Delivery
    {
        if !f.event_types.is_empty() {
            parts.push(f.event_types.join(", "));
        }
        let conds: Vec<String> = f
            .attributes
            .iter()
            .map(|(k, v)| condition_text(k, v))
            .collect();
        if !conds.is_empty() {
            parts.push(conds.join(", "));
        }
    }
    let mut text = parts.join("; ");
    if !c.rule.is_empty() {
        text = if text.is_empty() {
            c.rule.clone()
        } else {
            format!("{}: {text}", c.rule)
        };
    }
    if c.weight != 1.0 && c.kind == LinkKind::Delivery {
        let w = format!("weight {}", num(c.weight));
        text = if text.is_empty() {
            w
        } else {
            format!("{text} ({w})")
        };
    }
    text
}

/// A line of the picture: a connection, or a link a connection or component implies (an
/// EventBridge target's or SNS subscription's `dead_letter` queue, a Firehose transform
/// function).
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// Source component id.
    pub from: String,
    /// Target component id.
    pub to: String,
    /// Line style.
    pub kind: LinkKind,
    /// Label (rule, filter, weight; or what an implied link is).
    pub label: String,
    /// Index of the connection it draws; `None` for an implied link.
    pub connection: Option<usize>,
}

/// Every line to draw, in document order: the connections, then the implied links
/// (each (from, to) pair once).
#[must_use]
pub fn links(doc: &Document) -> Vec<Link> {
    let mut out: Vec<Link> = doc
        .connections
        .iter()
        .enumerate()
        .map(|(i, c)| Link {
            from: c.from.clone(),
            to: c.to.clone(),
            kind: c.kind,
            label: connection_label(c),
            connection: Some(i),
        })
        .collect();
    let mut implied: Vec<Link> = Vec::new();
    let mut pairs: std::collections::BTreeSet<(&str, &str)> = std::collections::BTreeSet::new();
    for c in &doc.connections {
        if let Some(d) = &c.dead_letter
            && pairs.insert((c.from.as_str(), d.as_str()))
        {
            implied.push(Link {
                from: c.from.clone(),
                to: d.clone(),
                kind: LinkKind::DeadLetter,
                label: "target DLQ".to_owned(),
                connection: None,
            });
        }
    }
    for comp in &doc.components {
        if let ComponentKind::Firehose(f) = &comp.kind
            && let Some(t) = &f.transform
        {
            implied.push(Link {
                from: comp.id.clone(),
                to: t.clone(),
                kind: LinkKind::Delivery,
                label: "transform (call)".to_owned(),
                connection: None,
            });
        }
    }
    out.extend(implied);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_glyph_and_a_label() {
        let mut glyphs = std::collections::BTreeSet::new();
        for k in Kind::ALL {
            let (group, glyph) = group_and_glyph(k);
            assert!(glyphs.insert(glyph), "{k}: glyph {glyph} is taken");
            let c: ComponentKind = crate::model::ron_options()
                .from_str(&format!("{}()", k.name()))
                .unwrap();
            let style = kind_style(&c);
            assert_eq!(style.group, group, "{k}");
            assert_eq!(style.shape, group_shape(group), "{k}");
            assert!(!style.kind_label.is_empty(), "{k}");
        }
    }
    use crate::model::from_ron_str;

    fn kind(ron: &str) -> ComponentKind {
        let doc = from_ron_str(&format!("(components: [(id: \"x\", kind: {ron})])")).unwrap();
        doc.components[0].kind.clone()
    }

    #[test]
    fn summaries_name_the_key_parameters() {
        let cases = [
            (
                "Station(servers: 2, service_ms: Exponential(mean: 15.0))",
                "2 x 15 ms",
            ),
            ("SqsQueue()", "visibility 30 s"),
            (
                "SqsQueue(max_receive_count: 5, visibility_timeout: \"60s\")",
                "visibility 1 min",
            ),
            ("SqsQueue(fifo: true)", "FIFO, visibility 30 s"),
            (
                "Lambda(memory_mb: 128, reserved_concurrency: 10)",
                "128 MB, reserved 10",
            ),
            ("KinesisStream(shards: 4)", "4 shards"),
            (
                "ContainerService(replicas: 2, concurrency_per_replica: 10, autoscale: (min_replicas: 2, max_replicas: 10))",
                "2-10 x 10 slots",
            ),
            (
                "Producer(arrivals: Poisson(rate_per_s: 100.0))",
                "Poisson 100/s",
            ),
            ("ApiGateway()", "REST 10000/s"),
        ];
        for (ron, want) in cases {
            assert_eq!(summary(&kind(ron)), want, "{ron}");
        }
    }

    #[test]
    fn groups_have_distinct_shapes_and_fills() {
        for (i, a) in Group::ALL.iter().enumerate() {
            for b in &Group::ALL[i + 1..] {
                assert_ne!(group_shape(*a), group_shape(*b));
                assert_ne!(a.fill(), b.fill());
            }
        }
        let kinds: Vec<_> = [
            LinkKind::Delivery,
            LinkKind::DeadLetter,
            LinkKind::OnFailure,
        ]
        .map(|k| link_style(k).stroke)
        .to_vec();
        assert_eq!(kinds, [Stroke::Solid, Stroke::Dashed, Stroke::Dotted]);
    }
}

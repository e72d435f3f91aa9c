//! The palette: every component kind, grouped and searchable. A click adds one next to
//! the design; a drag starts an egui drag-and-drop with the [`Component`] as payload,
//! which the canvas accepts (see [`super::commands`]).

use egui::{RichText, Sense, Ui};

use super::clip::right_of;
use super::commands::{Command, unique_id};
use crate::diagram::Group;
use crate::diagram::style::group_and_glyph;
use crate::model::aws::{
    ApiGateway, ContainerService, DynamoDbTable, EventBus, Firehose, KafkaTopic, KinesisStream,
    LambdaFunction, ServiceSink, SnsTopic, SqsQueue, StepFunctions,
};
use crate::model::{
    Arrivals, Component, ComponentKind, DeadLetterQueue, Document, KeySpace, Kind, Producer, Sink,
    Source, Station,
};

/// One palette entry.
pub struct Entry {
    /// The kind it adds (with the defaults of `make`).
    pub kind: Kind,
    /// Label (also the accessible name of its button).
    pub label: &'static str,
    /// Base of the new component's id.
    pub id: &'static str,
    /// Tooltip.
    pub tooltip: &'static str,
    /// The kind with its defaults.
    pub make: fn() -> ComponentKind,
}

impl Entry {
    /// Group heading: the diagram group of its kind, as the palette names it.
    #[must_use]
    pub fn group(&self) -> &'static str {
        match group_and_glyph(self.kind).0 {
            Group::Producers => "Producers",
            Group::Routers => "Routers",
            Group::QueuesStreams => "Queues & streams",
            Group::Compute => "Compute",
            Group::Storage => "Storage & sinks",
            Group::DeadLetter => "Dead letters",
        }
    }
}

fn producer(source: Source, arrivals: Arrivals, keys: Option<KeySpace>) -> ComponentKind {
    ComponentKind::Producer(Producer {
        source,
        arrivals,
        keys,
        ..Producer::default()
    })
}

/// Every entry, in display order.
pub const ENTRIES: &[Entry] = &[
    Entry {
        kind: Kind::Producer,
        label: "Client app",
        id: "client",
        tooltip: "Producer: a client application or upstream service calling in (Poisson, 10/s)",
        make: || producer(Source::Client, Arrivals::default(), None),
    },
    Entry {
        kind: Kind::Producer,
        label: "IoT fleet",
        id: "devices",
        tooltip: "Producer: a fleet of devices sending telemetry (Poisson, 100/s, 10,000 device keys)",
        make: || {
            producer(
                Source::IotFleet,
                Arrivals::Poisson { rate_per_s: 100.0 },
                Some(KeySpace {
                    cardinality: 10_000,
                    hot_share: 0.0,
                }),
            )
        },
    },
    Entry {
        kind: Kind::Producer,
        label: "Schedule",
        id: "schedule",
        tooltip: "Producer: a scheduled job (EventBridge Scheduler, cron): one event a minute",
        make: || {
            producer(
                Source::Schedule,
                Arrivals::Constant {
                    rate_per_s: 1.0 / 60.0,
                },
                None,
            )
        },
    },
    Entry {
        kind: Kind::Producer,
        label: "S3 notification",
        id: "s3-events",
        tooltip: "Producer: S3 event notifications for created objects (Poisson, 5/s)",
        make: || {
            producer(
                Source::S3Notification,
                Arrivals::Poisson { rate_per_s: 5.0 },
                None,
            )
        },
    },
    Entry {
        kind: Kind::Producer,
        label: "DynamoDB stream",
        id: "ddb-stream",
        tooltip: "Producer: a DynamoDB stream of item changes (Poisson, 50/s, keyed by item)",
        make: || {
            producer(
                Source::DynamoDbStream,
                Arrivals::Poisson { rate_per_s: 50.0 },
                Some(KeySpace::default()),
            )
        },
    },
    Entry {
        kind: Kind::ApiGateway,
        label: "API Gateway",
        id: "api",
        tooltip: "Amazon API Gateway: throttled front door calling its integration synchronously",
        make: || ComponentKind::ApiGateway(ApiGateway::default()),
    },
    Entry {
        kind: Kind::EventBus,
        label: "EventBridge bus",
        id: "bus",
        tooltip: "Amazon EventBridge: rules (link filters) route copies to up to 5 targets each",
        make: || ComponentKind::EventBus(EventBus::default()),
    },
    Entry {
        kind: Kind::SnsTopic,
        label: "SNS topic",
        id: "topic",
        tooltip: "Amazon SNS: every matching subscription (link) gets a copy",
        make: || ComponentKind::SnsTopic(SnsTopic::default()),
    },
    Entry {
        kind: Kind::SqsQueue,
        label: "SQS queue",
        id: "queue",
        tooltip: "Amazon SQS standard queue: consumers (links) compete; visibility timeout, redrive to a DLQ",
        make: || ComponentKind::SqsQueue(SqsQueue::default()),
    },
    Entry {
        kind: Kind::SqsQueue,
        label: "SQS FIFO queue",
        id: "fifo-queue",
        tooltip: "Amazon SQS FIFO queue: strict order per message group, 3,000 msg/s",
        make: || {
            ComponentKind::SqsQueue(SqsQueue {
                fifo: true,
                ..SqsQueue::default()
            })
        },
    },
    Entry {
        kind: Kind::KinesisStream,
        label: "Kinesis stream",
        id: "stream",
        tooltip: "Amazon Kinesis data stream: a sharded log every consumer reads in full",
        make: || ComponentKind::KinesisStream(KinesisStream::default()),
    },
    Entry {
        kind: Kind::KafkaTopic,
        label: "Kafka topic",
        id: "kafka",
        tooltip: "Apache Kafka topic (Amazon MSK): partitions, brokers billed per hour",
        make: || ComponentKind::KafkaTopic(KafkaTopic::default()),
    },
    Entry {
        kind: Kind::Firehose,
        label: "Firehose",
        id: "firehose",
        tooltip: "Amazon Data Firehose: buffers records and flushes batches to its destinations",
        make: || ComponentKind::Firehose(Firehose::default()),
    },
    Entry {
        kind: Kind::Lambda,
        label: "Lambda function",
        id: "function",
        tooltip: "AWS Lambda: concurrency, cold starts, async retries, batch consumers",
        make: || ComponentKind::Lambda(LambdaFunction::default()),
    },
    Entry {
        kind: Kind::ContainerService,
        label: "Container service",
        id: "service",
        tooltip: "ECS / EKS / EC2 containers: replicas x slots, optional KEDA-like autoscaling",
        make: || ComponentKind::ContainerService(ContainerService::default()),
    },
    Entry {
        kind: Kind::StepFunctions,
        label: "Step Functions",
        id: "workflow",
        tooltip: "AWS Step Functions state machine (standard or express)",
        make: || ComponentKind::StepFunctions(StepFunctions::default()),
    },
    Entry {
        kind: Kind::Station,
        label: "Station",
        id: "station",
        tooltip: "Generic queueing station: servers, buffer, throttle, retries (queueing theory)",
        make: || ComponentKind::Station(Station::default()),
    },
    Entry {
        kind: Kind::DynamoDbTable,
        label: "DynamoDB table",
        id: "table",
        tooltip: "Amazon DynamoDB: write units per table and per partition key, optional stream",
        make: || ComponentKind::DynamoDbTable(DynamoDbTable::default()),
    },
    Entry {
        kind: Kind::S3Bucket,
        label: "S3 bucket",
        id: "bucket",
        tooltip: "Amazon S3 bucket: stores objects, may notify onward",
        make: || ComponentKind::S3Bucket(ServiceSink::default()),
    },
    Entry {
        kind: Kind::Ses,
        label: "SES",
        id: "email",
        tooltip: "Amazon SES: sends emails (rate-limited in the sandbox)",
        make: || ComponentKind::Ses(ServiceSink::default()),
    },
    Entry {
        kind: Kind::LogGroup,
        label: "Log group",
        id: "logs",
        tooltip: "Amazon CloudWatch Logs log group: billed per GB ingested",
        make: || ComponentKind::LogGroup(ServiceSink::default()),
    },
    Entry {
        kind: Kind::Analytics,
        label: "Analytics",
        id: "analytics",
        tooltip: "Analytics sink (Glue / Athena over S3): billed per GB scanned",
        make: || ComponentKind::Analytics(ServiceSink::default()),
    },
    Entry {
        kind: Kind::Sink,
        label: "Sink",
        id: "sink",
        tooltip: "Generic terminal consumer: accepts everything at once",
        make: || ComponentKind::Sink(Sink {}),
    },
    Entry {
        kind: Kind::DeadLetterQueue,
        label: "Dead-letter queue",
        id: "dlq",
        tooltip: "Holds what others dead-letter to it, counted by reason and source",
        make: || ComponentKind::DeadLetterQueue(DeadLetterQueue {}),
    },
];

/// The palette panel.
#[derive(Default)]
pub struct Palette {
    /// Search text.
    pub search: String,
}

impl Palette {
    /// A new palette with an empty search.
    #[must_use]
    pub fn new() -> Self {
        Palette::default()
    }

    /// Draw the palette; a clicked entry becomes a [`Command::Add`] right of the design.
    pub fn ui(&mut self, ui: &mut Ui, doc: &Document) -> Vec<Command> {
        let mut out = Vec::new();
        ui.add(
            egui::TextEdit::singleline(&mut self.search)
                .hint_text("Search components")
                .desired_width(f32::INFINITY),
        );
        ui.add_space(4.0);
        let needle = self.search.to_lowercase();
        // a solid bar, always shown: the last entries are below the fold on a small
        // window and a bar that appears only on hover hides that
        ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
        egui::ScrollArea::vertical()
            .id_salt("palette-scroll")
            .auto_shrink([false, false])
            .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::AlwaysVisible)
            .show(ui, |ui| {
                let mut group = "";
                for e in ENTRIES {
                    if !needle.is_empty()
                        && !e.label.to_lowercase().contains(&needle)
                        && !e.group().to_lowercase().contains(&needle)
                        && !e.tooltip.to_lowercase().contains(&needle)
                    {
                        continue;
                    }
                    if e.group() != group {
                        group = e.group();
                        ui.add_space(3.0);
                        ui.label(RichText::new(group).strong().small());
                    }
                    if let Some(cmd) = entry_ui(ui, e, doc) {
                        out.push(cmd);
                    }
                }
            });
        out
    }
}

/// A new component for `e` with an id not yet used in `doc`.
#[must_use]
pub fn new_component(e: &Entry, doc: &Document) -> Component {
    Component {
        id: unique_id(doc, e.id),
        name: String::new(),
        kind: (e.make)(),
    }
}

fn entry_ui(ui: &mut Ui, e: &Entry, doc: &Document) -> Option<Command> {
    let button = egui::Button::new(e.label)
        .sense(Sense::click_and_drag())
        .min_size(egui::vec2(ui.available_width(), 0.0));
    let r = ui.add(button).on_hover_text(format!(
        "{}\nClick to add, or drag onto the canvas.",
        e.tooltip
    ));
    if r.drag_started() || r.dragged() {
        r.dnd_set_drag_payload(new_component(e, doc));
        if let Some(p) = ui.ctx().pointer_interact_pos() {
            egui::Area::new(egui::Id::new(("palette-drag", e.label)))
                .order(egui::Order::Tooltip)
                .fixed_pos(p + egui::vec2(12.0, 12.0))
                .interactable(false)
                .show(ui.ctx(), |ui| {
                    egui::Frame::popup(ui.style()).show(ui, |ui| ui.label(e.label));
                });
        }
        ui.ctx().set_cursor_icon(egui::CursorIcon::Grabbing);
    }
    if r.clicked() {
        let c = new_component(e, doc);
        return Some(Command::Add {
            components: vec![(c, right_of(doc))],
            connections: Vec::new(),
            label: format!("Add {}", e.label),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_in_the_palette() {
        for k in Kind::ALL {
            assert!(
                ENTRIES.iter().any(|e| e.kind == k),
                "{k} is not in the palette"
            );
        }
        for e in ENTRIES {
            assert_eq!((e.make)().kind(), e.kind, "{}", e.label);
        }
    }

    #[test]
    fn groups_appear_once_each_in_order() {
        let mut seen: Vec<&str> = Vec::new();
        for e in ENTRIES {
            if seen.last() != Some(&e.group()) {
                assert!(!seen.contains(&e.group()), "{} splits its group", e.label);
                seen.push(e.group());
            }
        }
        assert_eq!(seen.len(), Group::ALL.len());
    }
}

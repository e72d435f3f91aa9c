//! The seed patterns of event-driven designs, inserted from the Insert menu as a group
//! (fresh ids, placed below the existing design) by [`super::clip::insert_group`].

use crate::model::{self, Document};

/// A template: menu label, tooltip and the group as RON.
pub struct Template {
    /// Menu label.
    pub label: &'static str,
    /// What it is.
    pub tooltip: &'static str,
    /// The group, as a small design.
    pub ron: &'static str,
}

/// Every template, in menu order.
pub const TEMPLATES: &[Template] = &[
    Template {
        label: "SNS → SQS fan-out",
        tooltip: "A topic copying each event to two queues, each with its own consumer",
        ron: r#"(
    components: [
        (id: "topic", kind: SnsTopic()),
        (id: "queue-a", kind: SqsQueue()),
        (id: "queue-b", kind: SqsQueue()),
        (id: "consumer-a", kind: Lambda()),
        (id: "consumer-b", kind: Lambda()),
    ],
    connections: [
        (from: "topic", to: "queue-a"),
        (from: "topic", to: "queue-b"),
        (from: "queue-a", to: "consumer-a"),
        (from: "queue-b", to: "consumer-b"),
    ],
    layout: {
        "topic": (0.0, 80.0),
        "queue-a": (220.0, 0.0),
        "queue-b": (220.0, 160.0),
        "consumer-a": (440.0, 0.0),
        "consumer-b": (440.0, 160.0),
    },
)"#,
    },
    Template {
        label: "SQS → Lambda with DLQ",
        tooltip: "A queue with a redrive policy (5 receives) feeding a function; poison goes to the DLQ",
        ron: r#"(
    components: [
        (id: "queue", kind: SqsQueue(max_receive_count: 5, report_batch_item_failures: true)),
        (id: "worker", kind: Lambda()),
        (id: "dlq", kind: DeadLetterQueue()),
    ],
    connections: [
        (from: "queue", to: "worker"),
        (from: "queue", to: "dlq", kind: DeadLetter),
    ],
    layout: {
        "queue": (0.0, 0.0),
        "worker": (220.0, 0.0),
        "dlq": (220.0, 140.0),
    },
)"#,
    },
    Template {
        label: "API Gateway → EventBridge rules",
        tooltip: "An API publishing to a bus whose two rules route to a function and a workflow",
        ron: r#"(
    components: [
        (id: "api", kind: ApiGateway()),
        (id: "bus", kind: EventBus()),
        (id: "handler", kind: Lambda()),
        (id: "workflow", kind: StepFunctions()),
    ],
    connections: [
        (from: "api", to: "bus"),
        (from: "bus", to: "handler", rule: "rule-a"),
        (from: "bus", to: "workflow", rule: "rule-b"),
    ],
    layout: {
        "api": (0.0, 80.0),
        "bus": (220.0, 80.0),
        "handler": (440.0, 0.0),
        "workflow": (440.0, 160.0),
    },
)"#,
    },
    Template {
        label: "Kinesis → Firehose → S3",
        tooltip: "A stream read by a delivery stream that buffers into a bucket",
        ron: r#"(
    components: [
        (id: "stream", kind: KinesisStream()),
        (id: "firehose", kind: Firehose()),
        (id: "bucket", kind: S3Bucket()),
    ],
    connections: [
        (from: "stream", to: "firehose"),
        (from: "firehose", to: "bucket"),
    ],
    layout: {
        "stream": (0.0, 0.0),
        "firehose": (220.0, 0.0),
        "bucket": (440.0, 0.0),
    },
)"#,
    },
    Template {
        label: "Autoscaled service on a queue",
        tooltip: "A queue consumed by a container service that scales on the queue's depth (KEDA-like)",
        ron: r#"(
    components: [
        (id: "jobs", kind: SqsQueue()),
        (id: "service", kind: ContainerService(
            replicas: 1,
            autoscale: (metric: QueueDepth(queue: "jobs"), min_replicas: 1, max_replicas: 10),
        )),
    ],
    connections: [
        (from: "jobs", to: "service"),
    ],
    layout: {
        "jobs": (0.0, 0.0),
        "service": (220.0, 0.0),
    },
)"#,
    },
];

/// The template's group.
///
/// # Errors
/// When its RON does not parse (a bug, caught by the tests).
pub fn group(t: &Template) -> Result<Document, String> {
    model::from_ron_str(t.ron).map_err(|e| format!("template {}: {e}", t.label))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::clip::{below, insert_group};
    use crate::gui::commands::Editor;
    use crate::gui::files;

    #[test]
    fn every_template_parses_and_inserts_into_an_example_without_clashes() {
        let doc = files::example("order-fanout.ron").unwrap();
        for t in TEMPLATES {
            let g = group(t).unwrap();
            let mut e = Editor::new(doc.clone(), None);
            // twice, so the second insertion must rename everything
            for _ in 0..2 {
                let cmd = insert_group(e.doc(), &g, Some(below(e.doc())), [0.0, 0.0], t.label);
                e.apply(&cmd);
            }
            assert_eq!(
                e.doc().components.len(),
                doc.components.len() + 2 * g.components.len(),
                "{}",
                t.label
            );
            // no template introduces an error of its own (dangling warnings are fine)
            let errors: Vec<_> = model::validate(e.doc())
                .into_iter()
                .filter(|p| p.severity == model::Severity::Error)
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", t.label);
        }
    }
}

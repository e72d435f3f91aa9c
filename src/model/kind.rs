//! The table of component kinds: one row per kind with its names, its price-book
//! service and what it can do.
//!
//! [`Kind`] is the plain tag of a [`super::ComponentKind`] (which also carries the
//! parameters). Everything that is decided per kind without looking at the parameters
//! reads this table, so adding a kind is one row here (and the compiler points at every
//! `match` on [`Kind`] that must learn about it: the diagram style, the palette, the
//! simulation builder).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The kind of a component, without its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Generates events.
    Producer,
    /// A generic queueing station.
    Station,
    /// A terminal consumer.
    Sink,
    /// Holds dead letters.
    DeadLetterQueue,
    /// Amazon API Gateway.
    ApiGateway,
    /// Amazon EventBridge event bus.
    EventBus,
    /// Amazon SNS topic.
    SnsTopic,
    /// Amazon SQS queue.
    SqsQueue,
    /// AWS Lambda function.
    Lambda,
    /// Amazon Kinesis data stream.
    KinesisStream,
    /// Apache Kafka topic (Amazon MSK).
    KafkaTopic,
    /// Containers on ECS, EKS or EC2.
    ContainerService,
    /// AWS Step Functions state machine.
    StepFunctions,
    /// Amazon DynamoDB table.
    DynamoDbTable,
    /// Amazon Data Firehose delivery stream.
    Firehose,
    /// Amazon S3 bucket.
    S3Bucket,
    /// Amazon SES.
    Ses,
    /// Amazon CloudWatch Logs log group.
    LogGroup,
    /// Analytics sink (Glue / Athena over S3).
    Analytics,
}

/// Something a kind can do, listed in its row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cap {
    /// Creates events, so it needs (and accepts) no input.
    Source,
    /// Sends events on along delivery links.
    Outputs,
    /// Can hand failed work to dead-letter or on-failure links.
    DeadLetters,
    /// Can hold dead letters (be the target of a dead-letter link).
    HoldsDeadLetters,
    /// Its consumers poll it (an event-source mapping or a KEDA-like scaler reads it),
    /// rather than it pushing to them.
    Polled,
    /// Runs application code, so AsyncAPI gives it a document of its own.
    Application,
}

/// One row of the kind table.
#[derive(Clone, Copy, Debug)]
pub struct KindInfo {
    /// The name as files write it (`SqsQueue`), also the report's `kind`.
    pub name: &'static str,
    /// The indefinite article read before `name` ("an SqsQueue": initialisms are read
    /// letter by letter).
    pub article: &'static str,
    /// What it is, in words a person reads ("SQS queue", "Kafka topic (MSK)").
    pub title: &'static str,
    /// Short label under a diagram's glyph ("SQS queue", "producer").
    pub label: &'static str,
    /// Price-book service (`sqs` prices `sqs.requests`); `None` for the generic kinds,
    /// which cost nothing.
    pub service: Option<&'static str>,
    /// What it can do.
    pub caps: &'static [Cap],
}

use Cap::{Application, DeadLetters, HoldsDeadLetters, Outputs, Polled, Source};

impl Kind {
    /// Every kind, in the order of [`super::ComponentKind`]'s variants.
    pub const ALL: [Kind; 19] = [
        Kind::Producer,
        Kind::Station,
        Kind::Sink,
        Kind::DeadLetterQueue,
        Kind::ApiGateway,
        Kind::EventBus,
        Kind::SnsTopic,
        Kind::SqsQueue,
        Kind::Lambda,
        Kind::KinesisStream,
        Kind::KafkaTopic,
        Kind::ContainerService,
        Kind::StepFunctions,
        Kind::DynamoDbTable,
        Kind::Firehose,
        Kind::S3Bucket,
        Kind::Ses,
        Kind::LogGroup,
        Kind::Analytics,
    ];

    /// This kind's row of the table.
    #[must_use]
    #[expect(
        clippy::too_many_lines,
        reason = "one row per kind, on purpose in one place"
    )]
    pub const fn info(self) -> KindInfo {
        const fn row(
            name: &'static str,
            article: &'static str,
            title: &'static str,
            label: &'static str,
            service: Option<&'static str>,
            caps: &'static [Cap],
        ) -> KindInfo {
            KindInfo {
                name,
                article,
                title,
                label,
                service,
                caps,
            }
        }
        match self {
            Kind::Producer => row(
                "Producer",
                "a",
                "Producer",
                "producer",
                None,
                &[Source, Outputs, Application],
            ),
            Kind::Station => row(
                "Station",
                "a",
                "Station",
                "station",
                None,
                &[Outputs, DeadLetters, Application],
            ),
            Kind::Sink => row("Sink", "a", "Sink", "sink", None, &[]),
            Kind::DeadLetterQueue => row(
                "DeadLetterQueue",
                "a",
                "Dead-letter queue",
                "dead-letter queue",
                None,
                &[HoldsDeadLetters],
            ),
            Kind::ApiGateway => row(
                "ApiGateway",
                "an",
                "API Gateway",
                "API Gateway",
                Some("api_gateway"),
                &[Outputs],
            ),
            Kind::EventBus => row(
                "EventBus",
                "an",
                "EventBridge bus",
                "EventBridge",
                Some("eventbridge"),
                &[Outputs, DeadLetters],
            ),
            Kind::SnsTopic => row(
                "SnsTopic",
                "an",
                "SNS topic",
                "SNS topic",
                Some("sns"),
                &[Outputs, DeadLetters],
            ),
            Kind::SqsQueue => row(
                "SqsQueue",
                "an",
                "SQS queue",
                "SQS queue",
                Some("sqs"),
                &[Outputs, DeadLetters, HoldsDeadLetters, Polled],
            ),
            Kind::Lambda => row(
                "Lambda",
                "a",
                "Lambda function",
                "Lambda",
                Some("lambda"),
                &[Outputs, DeadLetters, Application],
            ),
            Kind::KinesisStream => row(
                "KinesisStream",
                "a",
                "Kinesis stream",
                "Kinesis",
                Some("kinesis"),
                &[Outputs, DeadLetters, Polled],
            ),
            Kind::KafkaTopic => row(
                "KafkaTopic",
                "a",
                "Kafka topic (MSK)",
                "Kafka topic",
                Some("msk"),
                &[Outputs, DeadLetters, Polled],
            ),
            Kind::ContainerService => row(
                "ContainerService",
                "a",
                "Container service",
                "containers",
                Some("fargate"),
                &[Outputs, DeadLetters, Application],
            ),
            Kind::StepFunctions => row(
                "StepFunctions",
                "a",
                "Step Functions",
                "Step Functions",
                Some("step_functions"),
                &[Outputs, DeadLetters, Application],
            ),
            Kind::DynamoDbTable => row(
                "DynamoDbTable",
                "a",
                "DynamoDB table",
                "DynamoDB",
                Some("dynamodb"),
                &[Outputs, DeadLetters, Polled],
            ),
            Kind::Firehose => row(
                "Firehose",
                "a",
                "Firehose",
                "Firehose",
                Some("firehose"),
                &[Outputs, DeadLetters],
            ),
            Kind::S3Bucket => row(
                "S3Bucket",
                "an",
                "S3 bucket",
                "S3 bucket",
                Some("s3"),
                &[Outputs],
            ),
            Kind::Ses => row("Ses", "an", "SES email", "SES", Some("ses"), &[]),
            Kind::LogGroup => row(
                "LogGroup",
                "a",
                "CloudWatch Logs",
                "log group",
                Some("logs"),
                &[],
            ),
            Kind::Analytics => row(
                "Analytics",
                "an",
                "Analytics",
                "analytics",
                Some("athena"),
                &[],
            ),
        }
    }

    /// The name as files write it (`SqsQueue`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        self.info().name
    }

    /// The kind whose file name is `name` (`None` for an unknown name).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The name with its indefinite article: "a Sink", "an SqsQueue".
    #[must_use]
    pub fn with_article(self) -> String {
        format!("{} {}", self.info().article, self.name())
    }

    /// Price-book service (`None`: not an AWS service, free).
    #[must_use]
    pub const fn service(self) -> Option<&'static str> {
        self.info().service
    }

    /// Whether this kind can do `cap`.
    #[must_use]
    pub fn can(self, cap: Cap) -> bool {
        self.info().caps.contains(&cap)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Kind::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown component kind `{name}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ComponentKind;

    /// The kind of a component with default parameters, through serde: `Kind(...)`.
    fn default_of(kind: Kind) -> ComponentKind {
        crate::model::ron_options()
            .from_str(&format!("{}()", kind.name()))
            .unwrap()
    }

    #[test]
    fn every_row_names_its_own_serde_variant() {
        for k in Kind::ALL {
            let c = default_of(k);
            assert_eq!(c.kind(), k, "{k}");
            let text = ron::to_string(&c).unwrap();
            assert!(text.starts_with(&format!("{}(", k.name())), "{text}");
        }
    }

    #[test]
    fn names_are_unique_and_parse_back() {
        let mut seen = std::collections::BTreeSet::new();
        for k in Kind::ALL {
            assert!(seen.insert(k.name()), "{k} twice");
            assert_eq!(Kind::from_name(k.name()), Some(k));
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(serde_json::from_str::<Kind>(&json).unwrap(), k);
        }
        assert_eq!(Kind::from_name("Teleporter"), None);
    }

    #[test]
    fn articles_follow_how_the_name_is_read() {
        assert_eq!(Kind::EventBus.with_article(), "an EventBus");
        assert_eq!(Kind::Sink.with_article(), "a Sink");
        assert_eq!(Kind::SqsQueue.with_article(), "an SqsQueue");
        assert_eq!(Kind::StepFunctions.with_article(), "a StepFunctions");
        for k in Kind::ALL {
            assert!(matches!(k.info().article, "a" | "an"), "{k}");
        }
    }

    #[test]
    fn capabilities_are_consistent() {
        for k in Kind::ALL {
            // a source takes no input; the kinds that poll or hold dead letters take some
            if k.can(Cap::Source) {
                assert!(!k.can(Cap::Polled) && !k.can(Cap::HoldsDeadLetters), "{k}");
            }
            // polled kinds hand records on to consumers
            if k.can(Cap::Polled) {
                assert!(k.can(Cap::Outputs), "{k}");
            }
            assert!(!k.info().title.is_empty() && !k.info().label.is_empty());
        }
        assert!(Kind::SqsQueue.can(Cap::Polled));
        assert!(!Kind::SnsTopic.can(Cap::Polled));
        assert_eq!(Kind::KafkaTopic.service(), Some("msk"));
        assert_eq!(Kind::Station.service(), None);
    }
}

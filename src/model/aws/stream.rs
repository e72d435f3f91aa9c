//! Kinesis data stream or Kafka topic.

use serde::{Deserialize, Serialize};

use crate::model::Severity;

/// Kinesis data stream or Kafka topic.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Stream {}

impl Stream {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        Vec::new()
    }
}

//! Amazon SQS queue.

use serde::{Deserialize, Serialize};

use crate::model::Severity;

/// Amazon SQS queue.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SqsQueue {}

impl SqsQueue {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        Vec::new()
    }
}

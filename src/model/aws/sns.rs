//! Amazon SNS topic.

use serde::{Deserialize, Serialize};

use crate::model::Severity;

/// Amazon SNS topic.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SnsTopic {}

impl SnsTopic {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        Vec::new()
    }
}

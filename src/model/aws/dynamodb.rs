//! Amazon DynamoDB table.

use serde::{Deserialize, Serialize};

use crate::model::Severity;

/// Amazon DynamoDB table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DynamoDbTable {}

impl DynamoDbTable {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        Vec::new()
    }
}

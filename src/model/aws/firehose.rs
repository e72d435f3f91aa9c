//! Amazon Data Firehose delivery stream.

use serde::{Deserialize, Serialize};

use crate::model::Severity;

/// Amazon Data Firehose delivery stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Firehose {}

impl Firehose {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        Vec::new()
    }
}

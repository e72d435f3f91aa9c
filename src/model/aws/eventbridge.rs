//! Amazon EventBridge event bus.

use serde::{Deserialize, Serialize};

use crate::model::Severity;

/// Amazon EventBridge event bus.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventBus {}

impl EventBus {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        Vec::new()
    }
}

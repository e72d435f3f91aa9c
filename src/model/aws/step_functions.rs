//! AWS Step Functions state machine.

use serde::{Deserialize, Serialize};

use crate::model::Severity;

/// AWS Step Functions state machine.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StepFunctions {}

impl StepFunctions {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        Vec::new()
    }
}

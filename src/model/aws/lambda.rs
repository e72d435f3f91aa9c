//! AWS Lambda function.

use serde::{Deserialize, Serialize};

use crate::model::Severity;

/// AWS Lambda function.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LambdaFunction {}

impl LambdaFunction {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        Vec::new()
    }
}

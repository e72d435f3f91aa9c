//! A storage or delivery service at the end of a flow (S3, SES, CloudWatch Logs, analytics).

use serde::{Deserialize, Serialize};

use crate::model::Severity;

/// A storage or delivery service at the end of a flow (S3, SES, CloudWatch Logs, analytics).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceSink {}

impl ServiceSink {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        Vec::new()
    }
}

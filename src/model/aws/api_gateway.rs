//! Amazon API Gateway (REST or HTTP API).

use serde::{Deserialize, Serialize};

use crate::model::Severity;

/// Amazon API Gateway (REST or HTTP API).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiGateway {}

impl ApiGateway {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        Vec::new()
    }
}

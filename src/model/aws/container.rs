//! Container service (ECS/EKS/EC2).

use serde::{Deserialize, Serialize};

use crate::model::Severity;

/// Container service (ECS/EKS/EC2).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContainerService {}

impl ContainerService {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        Vec::new()
    }
}

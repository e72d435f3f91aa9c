//! Behaviour of ContainerService.

use crate::model::aws::ContainerService;
use crate::sim::build::{BuildEnv, Built};

/// Build the behaviour.
pub(crate) fn build(p: &ContainerService, env: &mut BuildEnv) -> Result<Built, String> {
    let _ = (p, env);
    Err("this component kind is not implemented yet".to_owned())
}

//! Behaviour of ApiGateway.

use crate::model::aws::ApiGateway;
use crate::sim::build::{BuildEnv, Built};

/// Build the behaviour.
pub(crate) fn build(p: &ApiGateway, env: &mut BuildEnv) -> Result<Built, String> {
    let _ = (p, env);
    Err("this component kind is not implemented yet".to_owned())
}

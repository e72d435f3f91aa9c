//! Behaviour of ServiceSink.

use crate::model::aws::ServiceSink;
use crate::sim::build::{BuildEnv, Built};

/// Build a service sink of the given kind (`S3Bucket`, `Ses`, `LogGroup`, `Analytics`).
pub(crate) fn build(
    p: &ServiceSink,
    kind: &'static str,
    env: &mut BuildEnv,
) -> Result<Built, String> {
    let _ = (p, kind, env);
    Err("this component kind is not implemented yet".to_owned())
}

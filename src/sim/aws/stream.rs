//! Behaviour of Stream.

use crate::model::aws::Stream;
use crate::sim::build::{BuildEnv, Built};

/// Build a Kinesis stream (`kafka` false) or a Kafka topic (`kafka` true).
pub(crate) fn build(p: &Stream, kafka: bool, env: &mut BuildEnv) -> Result<Built, String> {
    let _ = (p, kafka, env);
    Err("this component kind is not implemented yet".to_owned())
}

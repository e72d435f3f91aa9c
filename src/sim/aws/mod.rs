//! Behaviours of the AWS components. Each file compiles one kind's parameters
//! (`model::aws`) into a [`Behaviour`](super::Behaviour) built on the engine's
//! mechanisms: deliveries and refusals, synchronous calls, shared pools and timers.

pub(crate) mod api_gateway;
pub(crate) mod container;
pub(crate) mod delivery;
pub(crate) mod dynamodb;
pub(crate) mod eventbridge;
pub(crate) mod firehose;
pub(crate) mod lambda;
pub(crate) mod shard;
pub(crate) mod sinks;
pub(crate) mod sns;
pub(crate) mod sqs;
pub(crate) mod step_functions;
pub(crate) mod stream;
#[cfg(test)]
pub(crate) mod testkit;

//! Parameters of the AWS components, with defaults from the AWS documentation and price
//! pages (each default cites its row in `shared/reference/aws-services.md` by URL).
//!
//! One file per service; each struct has `problems()` listing what is wrong with its
//! values (errors and warnings), which `validate` reports under the component's name.

mod api_gateway;
mod container;
mod dynamodb;
mod eventbridge;
mod firehose;
mod lambda;
mod sinks;
mod sns;
mod sqs;
mod step_functions;
mod stream;

pub use api_gateway::*;
pub use container::*;
pub use dynamodb::*;
pub use eventbridge::*;
pub use firehose::*;
pub use lambda::*;
pub use sinks::*;
pub use sns::*;
pub use sqs::*;
pub use step_functions::*;
pub use stream::*;

//! Amazon SQS queue: visibility timeout, redrive, retention, FIFO groups, batching, cost.

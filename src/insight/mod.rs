//! Reading results: the tables `spillway run` prints (shared with the editor so both
//! show the same numbers), queueing theory beside the measured values, the bottleneck
//! in words, and the comparison of two runs.
//!
//! This layer sits above `sim` and `cost` and below `cli` and `gui`; it names no GUI
//! crate, so all of it is tested with `--no-default-features`.

pub mod analytic;
pub mod bottleneck;
pub mod causes;
pub mod delta;
pub mod run;
pub mod table;

//! The discrete-event engine.
//!
//! Lifecycle: build once from a validated document ([`Simulation::new`], which returns a
//! [`BuildError`] naming the component at fault), then advance it with
//! [`Simulation::step`], [`Simulation::run_until`] or [`Simulation::run`], reading
//! [`Simulation::report`] at any time. The engine knows nothing of frames, threads or
//! wall-clock time, so a GUI can run it in slices and a CLI can run replications in
//! parallel, combining them as they finish in bounded memory ([`run_combined`]).
//!
//! Determinism: time is an integer number of nanoseconds; the calendar orders events by
//! (time, sequence number); every component draws from its own ChaCha8 stream seeded by
//! the run seed and a hash of the component's id, so adding a component leaves the
//! others' samples unchanged. What belongs to an event rather than to a component (whether
//! a Lambda chokes on it as poison) is a hash of the event's identity ([`Ctx::ident`]: its
//! producer's stream id and its number among that producer's events, shared by its copies),
//! never of its message slot, which is reused and so depends on every other message alive.
//! So a change to one component moves only what it can influence: its downstream, what it
//! pushes back on, and what shares a pool or names it (`tests/it/streams.rs`). The same
//! document and seed give a byte-identical report on any machine.

mod aws;
mod basic;
pub(crate) mod build;
mod build_env;
mod calendar;
pub mod combine;
mod ctx;
mod engine;
mod ids;
mod metrics;
mod report;
mod resend;
pub mod sample;
mod station;
mod timer;

pub use crate::model::work::MAX_MESSAGE_HOPS;
pub use build::BuildError;
pub use combine::{Combined, Combiner, Count, Estimate, Pair, Tally, Walk};
pub use engine::{
    Behaviour, CallMode, CallStatus, Ctx, DEFAULT_LIVE_LIMIT, FailReason, LedgerRow,
    MAX_EVENTS_AT_ONE_INSTANT, Message, NO_KEY, Outcome, Reply, Simulation, stream_id,
};
pub use ids::{CallId, CompId, LinkId, MsgId};
pub use metrics::{
    ComponentMetrics, Counters, LatencyStat, LatencySummary, Meter, Series, TimeWeighted,
};
pub use report::{
    ComponentReport, EndToEndReport, LedgerReport, Level, Progress, Report, SCHEMA, UsageReport,
    for_each_replication, replication_seed, run_combined, run_replications, t975,
};
pub use station::{TokenBucket, backoff_ns};
pub use timer::{Fired, SHARED_TAGS, Timer};

/// Simulated time in nanoseconds since the start of the run.
pub type SimTime = u64;

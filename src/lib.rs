//! Spillway: design and simulate event-driven architectures.
//!
//! Layers depend one way only; nothing below `gui` names egui:
//!
//! ```text
//!   model  (Document, RON load/save, validation)
//!     ^
//!   sim    (deterministic discrete-event engine, metrics, Report, typed Combiner)
//!     ^
//!   cost   (price book, usage -> USD per component, month, million events; RunResult)
//!     ^
//!   insight (running a design, result tables, queueing theory, bottleneck text,
//!            run comparison)
//!     ^
//!   cli / gui
//! ```
//!
//! Data flow: RON file -> [`model::load`] -> [`model::Document`] -> [`model::validate`]
//! -> [`sim::Simulation::new`] -> `step` / `run_until` / `run` -> [`sim::Report`]
//! -> [`cost::estimate`] -> [`cost::CostReport`]. Running a design's replications and
//! combining them is [`insight::run::Runnable`], giving a [`cost::RunResult`] that every
//! reader of results reads by field (JSON only at its edge, [`cost::RunResult::to_json`]).
//! Numbers are written for people by [`units`], which any layer may use.

pub mod cli;
pub mod cost;
pub mod diagram;
pub mod export;
#[cfg(feature = "gui")]
pub mod gui;
pub mod insight;
pub mod model;
pub mod sim;
pub mod units;

//! Integration tests, one binary (faster to link than one per file).
#![allow(clippy::unwrap_used, missing_docs)]

mod aws_examples_a;
mod aws_examples_b;
mod aws_gateway;
mod aws_integration;
mod aws_lambda;
mod aws_services;
mod aws_sqs;
mod aws_streams;
mod behaviour;
mod cli;
mod cli_export;
mod cli_loading;
mod common;
mod consistency;
mod examples;
mod exports;
#[cfg(feature = "gui")]
mod gui;
#[cfg(feature = "gui")]
mod gui_canvas;
#[cfg(feature = "gui")]
mod gui_canvas_lod;
#[cfg(feature = "gui")]
mod gui_common;
#[cfg(feature = "gui")]
mod gui_contrast;
#[cfg(feature = "gui")]
mod gui_export;
#[cfg(feature = "gui")]
mod gui_run;
mod hostile;
mod insight_words;
mod layering;
mod live;
mod mutation;
mod property;
mod property_aws;
mod queueing;
mod runaway;
mod streams;
mod validate_builds;

//! The desktop editor: palette, canvas, inspector and problems around one
//! [`commands::Editor`], the only place the document changes.
//!
//! Each frame, panels (structs with a `ui` method) draw the document and return
//! [`commands::Command`]s; the menu and keyboard return [`app::Action`]s (the keys come
//! from one table, [`app::keyboard::SHORTCUTS`]). Both are carried out after the frame
//! is drawn, in [`app::SpillwayApp::frame_ui`]; undo/redo, the dirty flag and the
//! revision live in the [`commands::Editor`], autosave in the app.

pub mod app;
pub mod canvas;
pub mod charts;
pub mod clip;
pub mod commands;
pub mod export;
pub mod fields;
pub mod files;
pub mod inspector;
pub mod look;
pub mod palette;
pub mod param_help;
pub mod problems;
pub mod results;
pub mod run;
pub mod templates;

pub use app::{Action, AppOptions, SpillwayApp, run};

//! The node-graph canvas: the document drawn with egui_graphs, and the gestures that
//! turn into [`Command`]s (move, wire, select, delete). The egui_graphs graph is a view
//! rebuilt from the document when its revision changes; it is never the source of
//! truth.

use egui::Ui;

use super::commands::{Command, Selection};
use crate::model::Document;

/// View state of the canvas (pan, zoom, the graph cache, a wiring in progress).
#[derive(Default)]
pub struct Canvas {
    /// A message for the status line (e.g. why a wiring was refused).
    pub status: Option<String>,
    fit_requested: bool,
}

impl Canvas {
    /// An empty canvas.
    #[must_use]
    pub fn new() -> Self {
        Canvas::default()
    }

    /// Zoom to fit the whole design on the next frame.
    pub fn request_fit(&mut self) {
        self.fit_requested = true;
    }

    /// Draw `doc` (at `revision`), update `selection`, and return the commands the
    /// user's gestures produced this frame.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        doc: &Document,
        revision: u64,
        selection: &mut Selection,
    ) -> Vec<Command> {
        let _ = (revision, selection);
        ui.label(format!(
            "{} components, {} connections (canvas under construction)",
            doc.components.len(),
            doc.connections.len()
        ));
        Vec::new()
    }
}

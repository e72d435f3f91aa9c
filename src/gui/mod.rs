//! The desktop app: the editor (palette, canvas, inspector, problems) around one
//! [`commands::Editor`], the only place the document changes.

pub mod canvas;
pub mod commands;
pub mod layout;
pub mod look;

use std::path::PathBuf;

use crate::model::{self, Document, Problem};

/// The example opened when no file is given.
pub const DEFAULT_EXAMPLE: &str = include_str!("../../examples/bench-pipeline.ron");

/// What the window shows.
pub struct SpillwayApp {
    /// Where the design came from.
    pub source: String,
    /// The design, if it loaded.
    pub doc: Option<Document>,
    /// Load error, if it did not.
    pub error: Option<String>,
    /// Validation problems of the loaded design.
    pub problems: Vec<Problem>,
}

impl SpillwayApp {
    /// Load `file`, or the built-in example when `None`. A file that fails to load is
    /// reported in the window, not by a crash.
    #[must_use]
    pub fn new(file: Option<PathBuf>) -> Self {
        let (source, loaded) = match &file {
            Some(p) => (p.display().to_string(), model::load(p)),
            None => (
                "examples/bench-pipeline.ron (built-in)".to_owned(),
                model::from_ron_str(DEFAULT_EXAMPLE),
            ),
        };
        match loaded {
            Ok(doc) => SpillwayApp {
                source,
                problems: model::validate(&doc),
                doc: Some(doc),
                error: None,
            },
            Err(e) => SpillwayApp {
                source,
                doc: None,
                error: Some(e.to_string()),
                problems: Vec::new(),
            },
        }
    }

    /// Draw the window's contents.
    pub fn contents_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Spillway");
        ui.label(format!("Loaded: {}", self.source));
        ui.separator();
        if let Some(e) = &self.error {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("Could not open the design: {e}"),
            );
            return;
        }
        let Some(doc) = &self.doc else { return };
        ui.label(egui::RichText::new(&doc.name).strong());
        if !doc.description.is_empty() {
            ui.label(&doc.description);
        }
        ui.label(format!(
            "{} components, {} connections; run for {} (warm-up {}), seed {}",
            doc.components.len(),
            doc.connections.len(),
            doc.scenario.duration,
            doc.scenario.warmup,
            doc.scenario.seed
        ));
        egui::Grid::new("components").striped(true).show(ui, |ui| {
            ui.strong("component");
            ui.strong("kind");
            ui.end_row();
            for c in &doc.components {
                ui.label(c.display_name());
                ui.label(c.kind.kind_name());
                ui.end_row();
            }
        });
        ui.separator();
        if self.problems.is_empty() {
            ui.label("No problems found.");
        }
        for p in &self.problems {
            ui.label(p.to_string());
        }
    }
}

impl eframe::App for SpillwayApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| self.contents_ui(ui));
    }
}

/// Open the window and block until it is closed.
///
/// # Errors
/// When no window can be created (no display, no graphics driver).
pub fn run(file: Option<PathBuf>) -> Result<(), String> {
    let app = SpillwayApp::new(file);
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([900.0, 600.0])
            .with_title("Spillway"),
        ..Default::default()
    };
    eframe::run_native("Spillway", options, Box::new(|_cc| Ok(Box::new(app))))
        .map_err(|e| e.to_string())
}

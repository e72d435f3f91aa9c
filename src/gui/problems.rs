//! The problems panel: `model::validate` of the whole design (the same checks as
//! `spillway check`), refreshed when the editor's revision changes; clicking a problem
//! selects what it is about.

use egui::{RichText, Ui};

use super::commands::Selection;
use crate::model::{self, Document, Problem, Severity, Subject};
use crate::units::counted;

/// What the panel says of a design with no components.
pub const EMPTY_DESIGN: &str = "the design is empty: add a producer from the palette on the left, then what it sends to (a queue, a function), and drag from one to the other to connect them";

/// Cached validation of the open design.
#[derive(Default)]
pub struct ProblemsPanel {
    /// The problems of the design at `revision`.
    pub problems: Vec<Problem>,
    revision: Option<u64>,
}

impl ProblemsPanel {
    /// An empty panel (validates on first draw).
    #[must_use]
    pub fn new() -> Self {
        ProblemsPanel::default()
    }

    /// Re-validate if the document changed since last time.
    pub fn refresh(&mut self, doc: &Document, revision: u64) {
        if self.revision != Some(revision) {
            self.problems = model::validate(doc);
            self.revision = Some(revision);
        }
    }

    /// Counts of errors and warnings.
    #[must_use]
    pub fn counts(&self) -> (usize, usize) {
        let e = self
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        (e, self.problems.len() - e)
    }

    /// Draw the list; a click selects the problem's component or connection.
    pub fn ui(&mut self, ui: &mut Ui, doc: &Document, revision: u64, selection: &mut Selection) {
        self.refresh(doc, revision);
        let (e, w) = self.counts();
        ui.horizontal_wrapped(|ui| {
            ui.strong("Problems");
            if doc.components.is_empty() {
                ui.label(RichText::new(EMPTY_DESIGN).weak());
            } else if self.problems.is_empty() {
                ui.label(RichText::new("none: the design is ready to run").weak());
            } else {
                ui.label(format!(
                    "{}, {}",
                    counted(e as u64, "error", "errors"),
                    counted(w as u64, "warning", "warnings")
                ));
            }
        });
        egui::ScrollArea::vertical()
            .id_salt("problems-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for p in &self.problems {
                    let (icon, color) = match p.severity {
                        Severity::Error => ("error", ui.visuals().error_fg_color),
                        Severity::Warning => ("warning", ui.visuals().warn_fg_color),
                    };
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(icon).color(color).strong());
                        let text = format!("{}: {}", p.subject, p.message);
                        if ui
                            .add(egui::Button::new(text).frame(false).wrap())
                            .on_hover_text("Click to select it")
                            .clicked()
                        {
                            select_subject(doc, &p.subject, selection);
                        }
                    });
                }
            });
    }
}

/// Select what a problem is about (components are named by display name).
pub fn select_subject(doc: &Document, subject: &Subject, selection: &mut Selection) {
    match subject {
        Subject::Component(name) => {
            if let Some(c) = doc.component_by_name(name) {
                selection.only_component(&c.id);
            }
        }
        Subject::Connection(i, _) if *i < doc.connections.len() => selection.only_connection(*i),
        _ => {
            selection.components.clear();
            selection.connections.clear();
        }
    }
}

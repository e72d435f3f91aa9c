//! The dialogs that block the window: unsaved changes, errors, crash recovery, a typed
//! path when there is no file dialog, and Help > Keyboard shortcuts (drawn from the
//! shortcut table).

use std::path::PathBuf;

use egui::{Key, RichText};

use super::action::Action;
use super::keyboard::{SHORTCUTS, Scope, keys_text};
use super::state::{Modal, SpillwayApp, Then};
use crate::model::Document;

impl SpillwayApp {
    /// Draw the open dialog, if any, and carry out what its buttons say.
    pub(super) fn modal_ui(&mut self, ctx: &egui::Context) {
        let Some(modal) = self.modal.take() else {
            return;
        };
        let keep = match modal.clone() {
            Modal::Discard(then) => self.discard_ui(ctx, then),
            Modal::Error(text) => error_ui(ctx, &text),
            Modal::Recovery(doc) => self.recovery_ui(ctx, *doc),
            Modal::Path { save, text } => {
                self.path_ui(ctx, save, text);
                return;
            }
            Modal::Shortcuts => shortcuts_ui(ctx),
        };
        if keep && self.modal.is_none() {
            self.modal = Some(modal);
        }
    }

    /// Unsaved changes: Save, Discard or Cancel; returns whether it stays open.
    fn discard_ui(&mut self, ctx: &egui::Context, then: Then) -> bool {
        let mut choice = None;
        egui::Modal::new(egui::Id::new("discard")).show(ctx, |ui| {
            ui.heading("Unsaved changes");
            ui.label(format!(
                "\"{}\" has changes that are not saved.",
                self.editor.doc().name
            ));
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                for (i, label) in ["Save", "Discard", "Cancel"].into_iter().enumerate() {
                    if ui.button(label).clicked() {
                        choice = Some(i);
                    }
                }
            });
        });
        match choice {
            Some(0) => {
                if self.save_or_ask() {
                    self.continue_with(ctx, then);
                } else if self.modal.is_none() {
                    self.status = "Not saved: nothing was discarded".to_owned();
                }
                false
            }
            Some(1) => {
                self.editor.discard_changes();
                self.clear_recovery();
                self.continue_with(ctx, then);
                false
            }
            Some(_) => false,
            None => true,
        }
    }

    /// Work left by a crash: Recover or Discard; returns whether it stays open.
    fn recovery_ui(&mut self, ctx: &egui::Context, doc: Document) -> bool {
        let mut choice = None;
        egui::Modal::new(egui::Id::new("recovery")).show(ctx, |ui| {
            ui.heading("Recover unsaved work?");
            ui.label(format!(
                "Spillway did not close cleanly last time. Unsaved work on \"{}\" ({} components) was kept.",
                doc.name,
                doc.components.len()
            ));
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button("Recover").clicked() {
                    choice = Some(true);
                }
                if ui.button("Discard").clicked() {
                    choice = Some(false);
                }
            });
        });
        match choice {
            Some(true) => {
                self.recover(doc);
                false
            }
            Some(false) => {
                self.clear_recovery();
                false
            }
            None => true,
        }
    }

    /// No file dialog: the path typed by hand, then Open or Save.
    fn path_ui(&mut self, ctx: &egui::Context, save: bool, mut text: String) {
        let mut done = None;
        egui::Modal::new(egui::Id::new("path")).show(ctx, |ui| {
            ui.heading(if save { "Save as" } else { "Open" });
            ui.label("No file dialog is available: type the path of the design file.");
            let r = ui.add(
                egui::TextEdit::singleline(&mut text)
                    .desired_width(460.0)
                    .hint_text("/path/to/design.ron"),
            );
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            ui.horizontal(|ui| {
                if ui.button(if save { "Save" } else { "Open" }).clicked() || enter {
                    done = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    done = Some(false);
                }
            });
        });
        match done {
            Some(true) if !text.trim().is_empty() => {
                let p = PathBuf::from(text.trim());
                if save {
                    self.save_to(&p);
                } else {
                    self.open_path(&p);
                }
            }
            Some(false) => {}
            _ => {
                if self.modal.is_none() {
                    self.modal = Some(Modal::Path { save, text });
                }
            }
        }
    }

    /// Go on with what the unsaved-changes question interrupted.
    fn continue_with(&mut self, ctx: &egui::Context, then: Then) {
        match then {
            Then::Act(a) => self.perform_now(ctx, a),
            Then::Close => self.perform_now(ctx, Action::Quit),
        }
    }
}

/// A file could not be opened or saved: OK; returns whether it stays open.
fn error_ui(ctx: &egui::Context, text: &str) -> bool {
    let mut keep = true;
    egui::Modal::new(egui::Id::new("error")).show(ctx, |ui| {
        ui.set_max_width(520.0);
        ui.heading("Problem");
        ui.label(text);
        ui.add_space(8.0);
        if ui.button("OK").clicked() {
            keep = false;
        }
    });
    keep
}

/// Help > Keyboard shortcuts: every row of the shortcut table; returns whether it
/// stays open.
fn shortcuts_ui(ctx: &egui::Context) -> bool {
    let mac = ctx.os() == egui::os::OperatingSystem::Mac;
    let mut keep = true;
    egui::Modal::new(egui::Id::new("shortcuts")).show(ctx, |ui| {
        ui.heading("Keyboard shortcuts");
        egui::Grid::new("shortcut-grid")
            .striped(true)
            .show(ui, |ui| {
                for s in SHORTCUTS {
                    ui.label(s.what);
                    ui.monospace(keys_text(s, mac));
                    ui.end_row();
                }
            });
        let anywhere: Vec<String> = SHORTCUTS
            .iter()
            .filter(|s| s.scope == Scope::Anywhere)
            .map(|s| keys_text(s, mac))
            .collect();
        ui.label(
            RichText::new(format!(
                "While a text field has the keyboard only {} work.",
                anywhere.join(", ")
            ))
            .weak(),
        );
        if ui.button("Close").clicked() {
            keep = false;
        }
    });
    keep
}

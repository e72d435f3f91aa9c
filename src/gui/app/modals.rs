//! The dialogs that block the window: unsaved changes, errors, crash recovery, a typed
//! path when there is no file dialog, and Help > Keyboard shortcuts (drawn from the
//! shortcut table).

use egui::{Key, RichText};

use super::action::Action;
use super::keyboard::{SHORTCUTS, Scope, keys_text};
use super::open_save::{typed_path, typed_path_problem};
use super::state::{Modal, PathBox, SpillwayApp, Then};
use crate::gui::files::Recovered;
use crate::units::counted;

/// The label of the typed-path box (its text field's accessible name).
pub const PATH_LABEL: &str = "No file dialog is available: type the path of the design file.";

impl SpillwayApp {
    /// Draw the open dialog, if any, and carry out what its buttons say.
    pub(super) fn modal_ui(&mut self, ctx: &egui::Context) {
        let Some(modal) = self.modal.take() else {
            return;
        };
        let keep = match modal.clone() {
            Modal::Discard(then) => self.discard_ui(ctx, then),
            Modal::Error(text) => error_ui(ctx, &text),
            Modal::Recovery(r) => self.recovery_ui(ctx, *r),
            Modal::Path(b) => {
                self.path_ui(ctx, *b);
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
                self.save_then(ctx, then);
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

    /// Save (asking where for an untitled design), then carry on with `then`; when
    /// the save fails or the user cancels, nothing goes on and nothing is lost. The
    /// typed-path box, when there is no file dialog, carries `then` with it.
    fn save_then(&mut self, ctx: &egui::Context, then: Then) {
        let path = match self.editor.path() {
            Some(p) => Some(p.to_path_buf()),
            None => self.pick_then(true, Some(then.clone())),
        };
        match path {
            Some(p) if self.save_to(&p) => self.saved_then(ctx, then),
            Some(_) => {}
            // the typed-path box is open, or the dialog was cancelled
            None if self.modal.is_some() => {}
            None => self.status = "Not saved: nothing was discarded".to_owned(),
        }
    }

    /// Work left by a crash: Recover or Discard; returns whether it stays open.
    fn recovery_ui(&mut self, ctx: &egui::Context, r: Recovered) -> bool {
        let mut choice = None;
        egui::Modal::new(egui::Id::new("recovery")).show(ctx, |ui| {
            ui.set_max_width(560.0);
            ui.heading("Recover unsaved work?");
            ui.label(format!(
                "Spillway did not close cleanly last time. Unsaved work on \"{}\" ({}) was kept.",
                crate::model::printable(&r.doc.name),
                counted(r.doc.components.len() as u64, "component", "components")
            ));
            match &r.path {
                Some(p) => ui.label(format!(
                    "It was being edited from {}. Recover reopens it as that file, with the changes unsaved: Save (Ctrl+S) writes them there.",
                    p.display()
                )),
                None => ui.label("It had not been saved to a file: Recover reopens it untitled, and Save asks where."),
            };
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
                self.recover(r);
                false
            }
            Some(false) => {
                self.clear_recovery();
                false
            }
            None => true,
        }
    }

    /// No file dialog: the path typed by hand, then Open or Save (and, for a save the
    /// unsaved-changes prompt asked for, what was interrupted). A path that cannot be
    /// used is named under the box, which stays open.
    fn path_ui(&mut self, ctx: &egui::Context, mut b: PathBox) {
        let mut done = None;
        let save = b.save;
        egui::Modal::new(egui::Id::new("path")).show(ctx, |ui| {
            ui.set_max_width(560.0);
            ui.heading(if save { "Save as" } else { "Open" });
            let l = ui.label(PATH_LABEL);
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut b.text)
                        .desired_width(520.0)
                        .hint_text("/path/to/design.ron"),
                )
                .labelled_by(l.id);
            // the keyboard goes to the path at once, the cursor after it
            if !b.focused {
                b.focused = true;
                r.request_focus();
                let mut state = egui::TextEdit::load_state(ui.ctx(), r.id).unwrap_or_default();
                let end = egui::text::CCursor::new(b.text.chars().count());
                state
                    .cursor
                    .set_char_range(Some(egui::text::CCursorRange::one(end)));
                state.store(ui.ctx(), r.id);
            }
            if r.changed() {
                b.error = None;
                b.replace = None;
            }
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            if let Some(e) = &b.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            if !b.nearby.is_empty() {
                ui.label(RichText::new("Design files in this folder:").weak());
                for p in &b.nearby {
                    let name = p.file_name().map_or_else(
                        || p.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    );
                    if ui
                        .link(name)
                        .on_hover_text(p.display().to_string())
                        .clicked()
                    {
                        b.text = p.display().to_string();
                        b.error = None;
                    }
                }
            }
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
            Some(true) => {
                let p = typed_path(&b.text);
                if let Some(why) = typed_path_problem(&p, save) {
                    self.status.clone_from(&why);
                    b.error = Some(why);
                    self.modal = Some(Modal::Path(Box::new(b)));
                } else if save && self.replaces_another(&p, &b) {
                    let abs = std::path::absolute(&p).unwrap_or_else(|_| p.clone());
                    let why = format!(
                        "{} already exists: press Save again to replace it",
                        abs.display()
                    );
                    self.status.clone_from(&why);
                    b.error = Some(why);
                    b.replace = Some(abs);
                    self.modal = Some(Modal::Path(Box::new(b)));
                } else if save {
                    if self.save_to(&p)
                        && let Some(then) = b.then
                    {
                        self.saved_then(ctx, then);
                    }
                } else {
                    self.open_path(&p);
                }
            }
            Some(false) => {
                self.status = if b.then.is_some() {
                    "Cancelled: nothing was saved or discarded".to_owned()
                } else {
                    "Cancelled".to_owned()
                };
            }
            None => {
                if self.modal.is_none() {
                    self.modal = Some(Modal::Path(Box::new(b)));
                }
            }
        }
    }

    /// Whether saving to `p` would replace a file other than the design's own, not yet
    /// confirmed (a second Save on the same path confirms).
    fn replaces_another(&self, p: &std::path::Path, b: &PathBox) -> bool {
        let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        abs.is_file()
            && self.editor.path() != Some(abs.as_path())
            && b.replace.as_deref() != Some(abs.as_path())
    }

    /// The design was saved: go on with `then`, and say both in the status line.
    fn saved_then(&mut self, ctx: &egui::Context, then: Then) {
        let saved = std::mem::take(&mut self.status);
        self.continue_with(ctx, then);
        self.status = if self.status.is_empty() {
            saved
        } else {
            format!("{saved}. {}", self.status)
        };
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

//! The menu bar and the status line. Menu items request [`Action`]s; their key hints
//! come from the shortcut table ([`shortcut_text`]).

use egui::{RichText, Ui};

use super::action::Action;
use super::keyboard::shortcut_text;
use super::state::{Modal, SpillwayApp};
use crate::export::Format;
use crate::gui::export as export_ui;
use crate::gui::files::EXAMPLES;
use crate::gui::templates::TEMPLATES;
use crate::units::counted;

/// A menu button showing the shortcut of its action; returns the action when clicked.
fn item(ui: &mut Ui, label: &str, action: Action, enabled: bool) -> Option<Action> {
    let hint = shortcut_text(ui.ctx(), &action);
    ui.add_enabled(enabled, egui::Button::new(label).shortcut_text(hint))
        .clicked()
        .then_some(action)
}

impl SpillwayApp {
    /// The menu bar: File, Edit, View, Run, Insert, Help.
    pub(super) fn menu_ui(&mut self, ui: &mut Ui) {
        let mut asked = Vec::new();
        ui.menu_button("File", |ui| self.file_menu(ui, &mut asked));
        ui.menu_button("Edit", |ui| self.edit_menu(ui, &mut asked));
        ui.menu_button("View", |ui| {
            asked.extend(item(ui, "Zoom to fit", Action::Fit, true));
            if ui
                .button("Auto-layout")
                .on_hover_text("Lay the design out left to right in flow order (one undo step)")
                .clicked()
            {
                asked.push(Action::AutoLayout);
            }
            ui.separator();
            let label = if self.settings.light {
                "Dark theme"
            } else {
                "Light theme"
            };
            if ui.button(label).clicked() {
                asked.push(Action::ToggleTheme);
            }
            ui.checkbox(&mut self.dots, "Moving dots on links during a run")
                .on_hover_text(
                    "Dots flow along each connection, denser where the event rate is higher",
                );
        });
        let active = self.runner.phase.is_active();
        let paused = self.runner.phase == crate::gui::run::Phase::Paused;
        ui.menu_button("Run", |ui| {
            asked.extend(item(ui, "Run", Action::Run, true));
            let pause = if paused { "Resume" } else { "Pause" };
            asked.extend(item(ui, pause, Action::PauseResume, active));
            asked.extend(item(ui, "Step", Action::Step, active));
            asked.extend(item(ui, "Stop", Action::Stop, active));
        });
        ui.menu_button("Insert", |ui| {
            for (i, t) in TEMPLATES.iter().enumerate() {
                if ui.button(t.label).on_hover_text(t.tooltip).clicked() {
                    asked.push(Action::Template(i));
                }
            }
        });
        ui.menu_button("Help", |ui| {
            if ui.button("Keyboard shortcuts").clicked() {
                self.modal = Some(Modal::Shortcuts);
            }
            if ui.button("Start screen").clicked() {
                self.show_start = true;
            }
        });
        self.actions.extend(asked);
    }

    fn file_menu(&mut self, ui: &mut Ui, asked: &mut Vec<Action>) {
        asked.extend(item(ui, "New", Action::New, true));
        asked.extend(item(ui, "Open...", Action::Open, true));
        ui.menu_button("Open recent", |ui| {
            if self.settings.recent.is_empty() {
                ui.label(RichText::new("No recent files").weak());
            }
            for p in &self.settings.recent {
                if ui.button(p.display().to_string()).clicked() {
                    asked.push(Action::OpenPath(p.clone()));
                }
            }
        });
        ui.menu_button("Examples", |ui| {
            for (name, _) in EXAMPLES {
                if ui.button(*name).clicked() {
                    asked.push(Action::OpenExample(name));
                }
            }
        });
        ui.separator();
        asked.extend(item(ui, "Save", Action::Save, true));
        asked.extend(item(ui, "Save As...", Action::SaveAs, true));
        ui.separator();
        asked.extend(item(ui, "Export...", Action::Export(None), true));
        ui.menu_button("Export as", |ui| {
            for f in Format::ALL {
                if ui
                    .button(format!("{}...", export_ui::title(f)))
                    .on_hover_text(export_ui::describe(f))
                    .clicked()
                {
                    asked.push(Action::Export(Some(f)));
                }
            }
        });
        ui.separator();
        if ui.button("Start screen").clicked() {
            self.show_start = true;
        }
        if ui.button("Quit").clicked() {
            asked.push(Action::Quit);
        }
    }

    fn edit_menu(&self, ui: &mut Ui, asked: &mut Vec<Action>) {
        // "Undo Move component", greyed out when there is no step
        for (what, action, step) in [
            ("Undo", Action::Undo, self.editor.undo_label()),
            ("Redo", Action::Redo, self.editor.redo_label()),
        ] {
            let label = step.map_or_else(|| what.to_owned(), |l| format!("{what} {l}"));
            asked.extend(item(ui, &label, action, step.is_some()));
        }
        ui.separator();
        let any = !self.selection.components.is_empty();
        asked.extend(item(ui, "Cut", Action::Cut, any));
        asked.extend(item(ui, "Copy", Action::Copy, any));
        asked.extend(item(ui, "Duplicate", Action::Duplicate, any));
        asked.extend(item(
            ui,
            "Delete",
            Action::Delete,
            !self.selection.is_empty(),
        ));
        // from the menu only the editor's own clipboard is readable
        asked.extend(item(ui, "Paste", Action::PasteCopied, true));
        ui.separator();
        asked.extend(item(ui, "Select all", Action::SelectAll, true));
    }

    /// The status line: size of the design, problem counts, unsaved changes, and the
    /// last message.
    pub(super) fn status_ui(&self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            let doc = self.editor.doc();
            ui.label(format!(
                "{}, {}",
                counted(doc.components.len() as u64, "component", "components"),
                counted(doc.connections.len() as u64, "connection", "connections")
            ));
            ui.separator();
            let (e, w) = self.problems.counts();
            ui.label(format!(
                "{}, {}",
                counted(e as u64, "error", "errors"),
                counted(w as u64, "warning", "warnings")
            ));
            ui.separator();
            if self.editor.is_dirty() {
                ui.label(RichText::new("unsaved changes").italics());
                ui.separator();
            }
            ui.label(&self.status);
        });
    }
}

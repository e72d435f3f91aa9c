//! Carrying out [`Action`]s at the end of the frame ([`SpillwayApp::perform`]):
//! refused while a run locks the design, asked about first when they would throw away
//! unsaved work. Document changes go through [`SpillwayApp::apply`], the one path to
//! the editor's commands.

use std::collections::BTreeMap;

use super::action::Action;
use super::state::{BottomTab, LOCKED, Modal, SpillwayApp, Then};
use crate::gui::clip;
use crate::gui::commands::Command;
use crate::gui::run;
use crate::gui::templates::{self, TEMPLATES};
use crate::model::Document;
use crate::units::counted;

impl SpillwayApp {
    /// Apply a command now (the one place the document changes) and select what it
    /// added.
    pub fn apply(&mut self, cmd: &Command) {
        self.editor.apply(cmd);
        if let Command::Add { components, .. } = cmd
            && !components.is_empty()
        {
            self.selection.components = components.iter().map(|(c, _)| c.id.clone()).collect();
            self.selection.connections.clear();
            self.canvas.request_reveal(&components[0].0.id);
        }
        self.selection.retain_existing(self.editor.doc());
        self.status = cmd.label();
    }

    /// Carry out one action: refused while a run locks the design, and asks first
    /// when it would throw away unsaved work.
    pub fn perform(&mut self, ctx: &egui::Context, a: Action) {
        if self.runner.phase.is_active() && a.edits() {
            self.status = LOCKED.to_owned();
            return;
        }
        if a.discards() && self.editor.is_dirty() {
            let then = if a == Action::Quit {
                Then::Close
            } else {
                Then::Act(a)
            };
            self.modal = Some(Modal::Discard(then));
            return;
        }
        self.perform_now(ctx, a);
    }

    /// Carry out an action, no questions asked.
    pub(super) fn perform_now(&mut self, ctx: &egui::Context, a: Action) {
        match a {
            Action::New => {
                self.editor.replace(Document::default(), None);
                self.origin = "new design".to_owned();
                self.after_replace();
                self.status = "New design: add components from the palette".to_owned();
            }
            Action::Open => {
                if let Some(p) = self.pick(false) {
                    self.open_path(&p);
                }
            }
            Action::OpenPath(p) => self.open_path(&p),
            Action::OpenExample(n) => self.open_example(n),
            Action::Save => {
                self.save_or_ask();
            }
            Action::SaveAs => {
                if let Some(p) = self.pick(true) {
                    self.save_to(&p);
                }
            }
            Action::SaveTo(p) => {
                self.save_to(&p);
            }
            Action::Export(f) => {
                self.export.dialogs = self.dialogs;
                self.export.show(f, self.editor.doc(), self.editor.path());
            }
            Action::Undo => {
                self.status = match self.editor.undo() {
                    Some(l) => format!("Undid {l}"),
                    None => "Nothing to undo".to_owned(),
                };
            }
            Action::Redo => {
                self.status = match self.editor.redo() {
                    Some(l) => format!("Redid {l}"),
                    None => "Nothing to redo".to_owned(),
                };
            }
            Action::Copy | Action::Cut => self.copy(ctx, a == Action::Cut),
            Action::Paste(text) => self.paste(&text),
            Action::PasteCopied => match self.clipboard.clone() {
                Some(t) => self.paste(&t),
                None => self.status = "Copy components first (or press Ctrl+V)".to_owned(),
            },
            Action::Delete | Action::Duplicate | Action::SelectAll | Action::Nudge(..) => {
                self.selection_action(&a);
            }
            Action::Fit => self.canvas.request_fit(),
            Action::AutoLayout => {
                let mut doc = self.editor.doc().clone();
                doc.layout = auto_layout(&doc);
                self.apply(&Command::SetDocument(
                    Box::new(doc),
                    "Auto-layout".to_owned(),
                ));
                self.canvas.request_fit();
            }
            Action::Template(i) => self.insert_template(i),
            Action::ToggleTheme => {
                self.settings.light = !self.settings.light;
                self.save_settings();
            }
            Action::ToggleBottomPanel => {
                if self.bottom_floating {
                    self.bottom_floating = false;
                    self.bottom_collapsed = false;
                } else {
                    self.bottom_collapsed = !self.bottom_collapsed;
                }
            }
            Action::Run => self.start_run(ctx),
            Action::PauseResume => match self.runner.phase {
                run::Phase::Running => self.runner.pause(),
                run::Phase::Paused => self.runner.resume(),
                _ => self.status = "No run to pause: press F5 to run the design".to_owned(),
            },
            Action::Step => {
                if self.runner.phase.is_active() {
                    self.runner.step();
                } else {
                    self.status = "No run to step: press F5 to run the design".to_owned();
                }
            }
            Action::Stop => self.runner.stop(),
            Action::Quit => {
                self.close_confirmed = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
        self.selection.retain_existing(self.editor.doc());
    }

    /// Copy the selection as text (to the system clipboard and the editor's own);
    /// `cut` deletes it after.
    fn copy(&mut self, ctx: &egui::Context, cut: bool) {
        match clip::copy_text(self.editor.doc(), &self.selection) {
            Some(text) => {
                ctx.copy_text(text.clone());
                self.clipboard = Some(text);
                self.status = format!(
                    "Copied {}",
                    counted(
                        self.selection.components.len() as u64,
                        "component",
                        "components"
                    )
                );
                if cut {
                    self.perform_now(ctx, Action::Delete);
                }
            }
            None => self.status = "Select components to copy".to_owned(),
        }
    }

    /// Insert the components a copy made, offset, with fresh ids.
    fn paste(&mut self, text: &str) {
        match clip::parse_group(text) {
            Some(group) => {
                let n = group.components.len();
                let cmd = clip::insert_group(
                    self.editor.doc(),
                    &group,
                    None,
                    [40.0, 40.0],
                    &format!("Paste {}", counted(n as u64, "component", "components")),
                );
                self.apply(&cmd);
            }
            None => self.status = "The clipboard holds no Spillway components".to_owned(),
        }
    }

    /// Delete, Duplicate, Select all and Nudge: the actions on the selection.
    fn selection_action(&mut self, a: &Action) {
        let doc = self.editor.doc();
        match *a {
            Action::Delete if !self.selection.is_empty() => {
                let cmd = Command::Remove {
                    components: self.selection.components.iter().cloned().collect(),
                    connections: self.selection.connections.iter().copied().collect(),
                };
                self.apply(&cmd);
            }
            Action::Duplicate => {
                if let Some(group) = clip::selected_group(doc, &self.selection) {
                    let n = group.components.len();
                    let cmd = clip::insert_group(
                        doc,
                        &group,
                        None,
                        [40.0, 40.0],
                        &format!("Duplicate {}", counted(n as u64, "component", "components")),
                    );
                    self.apply(&cmd);
                } else {
                    self.status = "Select components to duplicate".to_owned();
                }
            }
            Action::SelectAll => {
                self.selection.components = doc.components.iter().map(|c| c.id.clone()).collect();
                self.selection.connections.clear();
            }
            Action::Nudge(dx, dy) => {
                let moves: Vec<(String, [f32; 2])> = self
                    .selection
                    .components
                    .iter()
                    .map(|id| {
                        let p = doc.layout.get(id).copied().unwrap_or([0.0, 0.0]);
                        (id.clone(), [p[0] + dx, p[1] + dy])
                    })
                    .collect();
                if !moves.is_empty() {
                    self.apply(&Command::Move(moves));
                }
            }
            _ => {}
        }
    }

    /// Insert template number `i` below the design.
    fn insert_template(&mut self, i: usize) {
        let Some(t) = TEMPLATES.get(i) else {
            return;
        };
        match templates::group(t) {
            Ok(g) => {
                let doc = self.editor.doc();
                let cmd = clip::insert_group(
                    doc,
                    &g,
                    Some(clip::below(doc)),
                    [0.0, 0.0],
                    &format!("Insert {}", t.label),
                );
                self.apply(&cmd);
                self.canvas.request_fit();
            }
            Err(e) => self.modal = Some(Modal::Error(e)),
        }
    }

    /// Start a run of the design (stopping one that is going).
    fn start_run(&mut self, ctx: &egui::Context) {
        if self.runner.phase.is_active() {
            self.runner.stop();
        }
        match self
            .runner
            .start(self.editor.doc(), self.editor.revision(), ctx)
        {
            Ok(()) => {
                self.phase_seen = self.runner.phase.clone();
                self.status = run::phase_status(&self.runner.phase).unwrap_or_default();
                if matches!(self.bottom, BottomTab::Problems) {
                    self.bottom = BottomTab::Charts;
                }
            }
            Err(e) => self.status = format!("Cannot run: {e}"),
        }
    }
}

/// Left-to-right layered layout (the canvas's).
fn auto_layout(doc: &Document) -> BTreeMap<String, [f32; 2]> {
    crate::diagram::auto_layout(doc)
}

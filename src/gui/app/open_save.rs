//! Opening and saving designs (file dialogs, or a typed path where there are none),
//! the recent-files settings, the crash-recovery autosave and the clean exit.

use std::path::{Path, PathBuf};

use super::state::{AUTOSAVE_INTERVAL_S, BottomTab, Modal, SpillwayApp};
use crate::gui::commands::Selection;
use crate::gui::files::{self, file_stem};
use crate::gui::inspector::Inspector;
use crate::gui::run;
use crate::model;

impl SpillwayApp {
    /// Open `path` now (no unsaved-work prompt); an error is shown in a dialog and the
    /// current design is kept.
    pub fn open_path(&mut self, path: &Path) {
        let path = &std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        match model::load(path) {
            Ok(doc) => {
                self.editor.replace(doc, Some(path.to_path_buf()));
                self.after_replace();
                self.status = format!("Opened {}", path.display());
                self.remember(path);
            }
            Err(e) => {
                self.status = format!("Could not open {}", path.display());
                self.modal = Some(Modal::Error(format!("Could not open the design:\n\n{e}")));
            }
        }
    }

    /// Open a built-in example (unsaved: Save asks for a file).
    pub fn open_example(&mut self, name: &'static str) {
        match files::example(name) {
            Ok(doc) => {
                self.editor.replace(doc, None);
                self.origin = format!("example {name}");
                self.after_replace();
                self.status = format!("Opened the example {name}");
            }
            Err(e) => self.modal = Some(Modal::Error(e)),
        }
    }

    /// Work recovered after a crash replaces the design, unsaved.
    pub(super) fn recover(&mut self, doc: model::Document) {
        self.editor.recover(doc);
        self.origin = "recovered".to_owned();
        self.after_replace();
        self.status = "Recovered unsaved work: save it to keep it".to_owned();
    }

    /// Forget what belonged to the previous design.
    pub(super) fn after_replace(&mut self) {
        // a run and its baseline belong to the design they ran
        self.runner.stop();
        self.runner.current = None;
        self.runner.baseline = None;
        self.runner.phase = run::Phase::Idle;
        self.canvas.live = None;
        self.bottom = BottomTab::Problems;
        self.selection = Selection::default();
        self.inspector = Inspector::new();
        self.canvas.request_fit();
        self.autosaved_revision = self.editor.revision();
    }

    /// Save to `path` (atomically); errors are shown and the work stays in memory.
    /// Returns whether it was saved.
    pub fn save_to(&mut self, path: &Path) -> bool {
        let path = &std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        match model::save(self.editor.doc(), path) {
            Ok(()) => {
                self.editor.saved(path.to_path_buf());
                self.status = format!("Saved {}", path.display());
                self.remember(path);
                self.clear_recovery();
                true
            }
            Err(e) => {
                self.status = "Not saved".to_owned();
                self.modal = Some(Modal::Error(format!(
                    "Could not save; your design is still open and unchanged:\n\n{e}"
                )));
                false
            }
        }
    }

    /// Save where the design came from, else ask where; returns whether it was saved.
    pub(super) fn save_or_ask(&mut self) -> bool {
        match self.editor.path().map(Path::to_path_buf) {
            Some(p) => self.save_to(&p),
            None => self.pick(true).is_some_and(|p| self.save_to(&p)),
        }
    }

    /// A file from a dialog; without a dialog (none available, or tests) a typed path.
    pub(super) fn pick(&mut self, save: bool) -> Option<PathBuf> {
        let suggested = format!("{}.ron", file_stem(&self.editor.doc().name));
        if self.dialogs {
            let started = std::time::Instant::now();
            let dialog = rfd::FileDialog::new().add_filter("Spillway design", &["ron"]);
            let dialog = match self.editor.path().and_then(Path::parent) {
                Some(dir) => dialog.set_directory(dir),
                None => dialog,
            };
            let picked = if save {
                dialog.set_file_name(&suggested).save_file()
            } else {
                dialog.pick_file()
            };
            if picked.is_some() {
                return picked;
            }
            // a dialog the user cancelled took a while; one that could not be shown
            // returns at once
            if started.elapsed().as_millis() > 500 {
                self.status = "Cancelled".to_owned();
                return None;
            }
        }
        self.status = "No file dialog is available here: type the file's path instead".to_owned();
        let text = self.editor.path().map_or_else(
            || {
                std::env::current_dir()
                    .unwrap_or_default()
                    .join(&suggested)
                    .display()
                    .to_string()
            },
            |p| p.display().to_string(),
        );
        self.modal = Some(Modal::Path { save, text });
        None
    }

    fn remember(&mut self, path: &Path) {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        self.settings.touch(&path);
        self.save_settings();
    }

    /// Write the settings (theme, recent files) to the config directory.
    pub(super) fn save_settings(&mut self) {
        if let Some(c) = &self.config
            && let Err(e) = c.save_settings(&self.settings)
        {
            self.status = format!("could not save settings: {e}");
        }
    }

    /// Copy unsaved work to the recovery file every [`AUTOSAVE_INTERVAL_S`].
    pub fn autosave(&mut self, now_s: f64) {
        if !self.editor.is_dirty() || self.editor.revision() == self.autosaved_revision {
            return;
        }
        if now_s - self.last_autosave_s < AUTOSAVE_INTERVAL_S {
            return;
        }
        self.last_autosave_s = now_s;
        self.autosaved_revision = self.editor.revision();
        if let Some(c) = &self.config
            && let Err(e) = c.write_recovery(self.editor.doc())
        {
            self.status = format!("autosave failed: {e}");
        }
    }

    /// Drop the recovery file: the work in it was saved or thrown away on purpose.
    pub(super) fn clear_recovery(&self) {
        if let Some(c) = &self.config {
            c.clear_recovery();
        }
    }

    /// Clean exit: remember the design and drop the recovery file.
    pub fn exit(&mut self) {
        if let Some(p) = self.editor.path() {
            self.settings.last = Some(p.to_path_buf());
        }
        self.save_settings();
        self.clear_recovery();
    }
}

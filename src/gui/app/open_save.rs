//! Opening and saving designs (file dialogs, or a typed path where there are none),
//! the recent-files settings, the crash-recovery autosave and the clean exit.

use std::path::{Path, PathBuf};

use super::state::{AUTOSAVE_INTERVAL_S, BottomTab, Modal, PathBox, SpillwayApp, Then};
use crate::gui::commands::Selection;
use crate::gui::files::{self, Recovered, Reopen, file_stem};
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
                self.example = Some(name);
                self.remember_open();
                self.status = format!("Opened the example {name}");
            }
            Err(e) => self.modal = Some(Modal::Error(e)),
        }
    }

    /// A new, empty design (no unsaved-work prompt).
    pub fn new_design(&mut self) {
        self.editor.replace(model::Document::default(), None);
        self.origin = "new design".to_owned();
        self.after_replace();
        self.status = "New design: add components from the palette".to_owned();
    }

    /// Work recovered after a crash replaces the design, unsaved, as the file it was
    /// being edited from (if it had one): Save writes that file.
    pub(super) fn recover(&mut self, r: Recovered) {
        let path = r.path.map(|p| std::path::absolute(&p).unwrap_or(p));
        self.editor.recover(r.doc, path.clone());
        self.origin = r.origin.unwrap_or_else(|| "new design".to_owned());
        self.after_replace();
        self.status = match &path {
            Some(p) => format!(
                "Recovered unsaved work on {}: Save (Ctrl+S) writes it there",
                p.display()
            ),
            None => "Recovered unsaved work: save it to keep it".to_owned(),
        };
    }

    /// What a restart would reopen now: the file, else the example, else a new design.
    pub(super) fn open_now(&self) -> Reopen {
        match (self.editor.path(), self.example) {
            (Some(p), _) => Reopen::File(p.to_path_buf()),
            (None, Some(e)) => Reopen::Example(e.to_owned()),
            (None, None) => Reopen::New,
        }
    }

    /// Keep the settings' record of the open design up to date (so a restart, even
    /// after a crash, reopens it).
    fn remember_open(&mut self) {
        let now = Some(self.open_now());
        if self.settings.open != now {
            self.settings.open = now;
            self.save_settings();
        }
    }

    /// Forget what belonged to the previous design.
    pub(super) fn after_replace(&mut self) {
        self.example = None;
        self.remember_open();
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
                self.example = None;
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
        self.pick_then(save, None)
    }

    /// A file from a dialog, or `None`: cancelled, or the typed-path box is shown
    /// instead, which carries on with `then` once the design is saved.
    pub(super) fn pick_then(&mut self, save: bool, then: Option<Then>) -> Option<PathBuf> {
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
                self.status = if then.is_some() {
                    "Cancelled: nothing was saved or discarded".to_owned()
                } else {
                    "Cancelled".to_owned()
                };
                return None;
            }
        }
        self.status = "No file dialog is available here: type the file's path instead".to_owned();
        let folder = self.start_folder();
        // Save: a file in that folder; Open: the folder itself, which exists, and the
        // design files in it to pick from
        let text = match (save, self.editor.path()) {
            (true, Some(p)) => p.display().to_string(),
            (true, None) => folder.join(&suggested).display().to_string(),
            (false, _) => with_separator(&folder),
        };
        self.modal = Some(Modal::Path(Box::new(PathBox {
            save,
            text,
            error: None,
            nearby: if save {
                Vec::new()
            } else {
                designs_in(&folder)
            },
            then,
            focused: false,
            replace: None,
        })));
        None
    }

    /// The folder a typed path starts in: the open file's, else the most recent
    /// file's, else the working directory (each only if it exists).
    fn start_folder(&self) -> PathBuf {
        self.editor
            .path()
            .into_iter()
            .chain(self.settings.recent.iter().map(PathBuf::as_path))
            .filter_map(Path::parent)
            .find(|d| d.is_dir())
            .map(Path::to_path_buf)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default()
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

    /// Copy unsaved work to the recovery file every [`AUTOSAVE_INTERVAL_S`]. Returns
    /// how many seconds from `now_s` the next copy is due while there is work not yet
    /// copied (the window asks for a frame then: an idle editor draws none, and the
    /// copy must not wait for the next key press).
    pub fn autosave(&mut self, now_s: f64) -> Option<f64> {
        if !self.editor.is_dirty() || self.editor.revision() == self.autosaved_revision {
            return None;
        }
        let due = self.last_autosave_s + AUTOSAVE_INTERVAL_S - now_s;
        if due > 0.0 {
            return Some(due);
        }
        self.last_autosave_s = now_s;
        self.autosaved_revision = self.editor.revision();
        let origin = self.editor.path().is_none().then_some(self.origin.as_str());
        if let Some(c) = &self.config
            && let Err(e) = c.write_recovery(self.editor.doc(), self.editor.path(), origin)
        {
            self.status = format!("autosave failed: {e}");
        }
        None
    }

    /// Drop the recovery file: the work in it was saved or thrown away on purpose.
    pub(super) fn clear_recovery(&self) {
        if let Some(c) = &self.config {
            c.clear_recovery();
        }
    }

    /// Clean exit: remember the design that is open (the next start reopens it) and
    /// drop the recovery file.
    pub fn exit(&mut self) {
        self.settings.open = Some(self.open_now());
        if let Some(p) = self.editor.path() {
            self.settings.last = Some(p.to_path_buf());
        }
        self.save_settings();
        self.clear_recovery();
    }
}

/// `dir` as text ending in a path separator, ready for a file name to be typed after it.
fn with_separator(dir: &Path) -> String {
    let mut t = dir.display().to_string();
    if !t.is_empty() && !t.ends_with(std::path::MAIN_SEPARATOR) {
        t.push(std::path::MAIN_SEPARATOR);
    }
    t
}

/// Most design files listed under the typed-path box.
const NEARBY: usize = 12;

/// The `.ron` files in `dir`, sorted by name (at most [`NEARBY`]).
fn designs_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|it| {
            it.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "ron"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v.truncate(NEARBY);
    v
}

/// A typed path as a path: surrounding blanks dropped, `~/` is the home folder.
#[must_use]
pub(super) fn typed_path(text: &str) -> PathBuf {
    let t = text.trim();
    match (t.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) if !home.is_empty() => PathBuf::from(home).join(rest),
        _ => PathBuf::from(t),
    }
}

/// Why a typed path cannot be opened (`save`: saved to), naming it; `None` when it can
/// be tried.
#[must_use]
pub(super) fn typed_path_problem(p: &Path, save: bool) -> Option<String> {
    let shown = p.display();
    if p.as_os_str().is_empty() {
        return Some("Type the path of a design file (.ron)".to_owned());
    }
    if p.is_dir() {
        return Some(format!(
            "{shown} is a folder: type a design file's name after it"
        ));
    }
    if save {
        let parent = std::path::absolute(p)
            .ok()
            .and_then(|a| a.parent().map(Path::to_path_buf));
        return match parent {
            Some(dir) if !dir.is_dir() => Some(format!("There is no folder {}", dir.display())),
            _ => None,
        };
    }
    (!p.exists()).then(|| format!("There is no file at {shown}"))
}

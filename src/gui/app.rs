//! The editor window: menu bar, palette (left), inspector (right), problems and status
//! (bottom), canvas (centre). Panels return [`Command`]s and the menu and keyboard
//! return [`Action`]s; both are carried out after the frame is drawn, commands by the
//! one [`Editor::apply`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use egui::{Key, KeyboardShortcut, Modifiers, RichText, Ui};

use super::canvas::Canvas;
use super::charts::{self, ChartsPanel};
use super::clip;
use super::commands::{Command, Editor, Selection};
use super::export::{self as export_ui, ExportDialog};
use super::files::{self, ConfigDir, EXAMPLES, Settings};
use super::inspector::Inspector;
use super::palette::Palette;
use super::problems::ProblemsPanel;
use super::results::ResultsPanel;
use super::run::{self, Runner};
use super::shortcuts::{SHORTCUTS, shortcut_text};
use super::templates::{self, TEMPLATES};
use crate::export::Format;
use crate::model::{self, Document};

/// How often unsaved work is copied to the recovery file, in seconds.
pub const AUTOSAVE_INTERVAL_S: f64 = 30.0;

/// The status line when an edit is refused during a run.
pub const LOCKED: &str =
    "The design is running: stop the run (⏹ Stop) to change it. Moving components is allowed.";

/// Grid step of an arrow-key nudge, in canvas units.
pub const NUDGE: f32 = 10.0;

/// How the app is started (the command line, or a test).
#[derive(Clone, Debug, Default)]
pub struct AppOptions {
    /// Design to open (`spillway FILE.ron`).
    pub file: Option<PathBuf>,
    /// Where settings and the recovery file live; `None`: remember nothing.
    pub config: Option<ConfigDir>,
    /// Use native file dialogs (off in tests: they would block).
    pub dialogs: bool,
}

/// Something the user asked for from the menu or the keyboard.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// New empty design.
    New,
    /// Open a design (dialog).
    Open,
    /// Open this file.
    OpenPath(PathBuf),
    /// Open a built-in example by file name.
    OpenExample(&'static str),
    /// Save (Save As when it has no file yet).
    Save,
    /// Save under a new name (dialog).
    SaveAs,
    /// Save to this file.
    SaveTo(PathBuf),
    /// Open the export dialog (for this format; None: the last one).
    Export(Option<Format>),
    /// Undo the last step.
    Undo,
    /// Redo the last undone step.
    Redo,
    /// Delete the selection.
    Delete,
    /// Copy the selection to the clipboard.
    Copy,
    /// Copy and delete the selection.
    Cut,
    /// Paste a group from text.
    Paste(String),
    /// Copy and paste the selection in place (offset).
    Duplicate,
    /// Select every component.
    SelectAll,
    /// Move the selection by this much.
    Nudge(f32, f32),
    /// Zoom to fit.
    Fit,
    /// Lay the design out left to right.
    AutoLayout,
    /// Insert template number n.
    Template(usize),
    /// Switch between dark and light.
    ToggleTheme,
    /// Start a run (or restart one).
    Run,
    /// Close the window (asks about unsaved work).
    Quit,
}

/// What to do once unsaved work has been dealt with.
#[derive(Clone, Debug, PartialEq)]
enum Then {
    Act(Action),
    Close,
}

/// A modal dialog.
#[derive(Clone, Debug)]
enum Modal {
    /// Unsaved changes: Save / Discard / Cancel, then continue.
    Discard(Then),
    /// A file could not be opened or saved.
    Error(String),
    /// Unsaved work from a previous run was found.
    Recovery(Box<Document>),
    /// No file dialog: type a path.
    Path { save: bool, text: String },
    /// The keyboard shortcuts.
    Shortcuts,
}

/// What the bottom panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BottomTab {
    /// Validation problems.
    Problems,
    /// Charts of the run.
    Charts,
    /// The results table.
    Results,
    /// Bottleneck explanation and queueing theory.
    Insight,
    /// This run against the baseline.
    Compare,
}

/// The whole editor.
pub struct SpillwayApp {
    /// Live runs: run bar, worker, snapshots, baseline.
    pub runner: Runner,
    /// The charts of the run.
    pub charts: ChartsPanel,
    /// Results, insight and comparison views.
    pub results: ResultsPanel,
    /// What the bottom panel shows.
    pub bottom: BottomTab,
    /// Animate dots along the links during a run.
    pub dots: bool,
    overlay_of: Option<(usize, bool)>,
    live_panel_shown: bool,
    /// The open design and its history.
    pub editor: Editor,
    /// What is selected (GUI state, not saved).
    pub selection: Selection,
    /// The node-graph view.
    pub canvas: Canvas,
    /// Left panel.
    pub palette: Palette,
    /// Right panel.
    pub inspector: Inspector,
    /// Bottom panel.
    pub problems: ProblemsPanel,
    /// Remembered between runs.
    pub settings: Settings,
    /// The status line.
    pub status: String,
    /// The last text copied (also sent to the system clipboard).
    pub clipboard: Option<String>,
    /// Show the start window (examples and recent files).
    pub show_start: bool,
    /// Where the design came from when it has no file (an example's name).
    pub origin: String,
    /// File > Export.
    pub export: ExportDialog,
    config: Option<ConfigDir>,
    dialogs: bool,
    modal: Option<Modal>,
    actions: Vec<Action>,
    commands: Vec<Command>,
    autosaved_revision: u64,
    last_autosave_s: f64,
    title: String,
    close_confirmed: bool,
    theme_applied: Option<bool>,
}

impl SpillwayApp {
    /// Start: the file given, else the last design, else (first time) an example; a
    /// recovery file from a crash is offered; load errors are shown, not fatal.
    #[must_use]
    pub fn new(opts: AppOptions) -> Self {
        let settings = opts
            .config
            .as_ref()
            .map(ConfigDir::load_settings)
            .unwrap_or_default();
        let first_time = settings.recent.is_empty() && settings.last.is_none();
        let mut app = SpillwayApp {
            runner: Runner::new(),
            charts: ChartsPanel::new(),
            results: ResultsPanel::new(),
            bottom: BottomTab::Problems,
            dots: true,
            overlay_of: None,
            live_panel_shown: false,
            editor: Editor::new(Document::default(), None),
            selection: Selection::default(),
            canvas: Canvas::new(),
            palette: Palette::new(),
            inspector: Inspector::new(),
            problems: ProblemsPanel::new(),
            settings,
            status: String::new(),
            clipboard: None,
            show_start: false,
            origin: "new design".to_owned(),
            export: ExportDialog::default(),
            config: opts.config,
            dialogs: opts.dialogs,
            modal: None,
            actions: Vec::new(),
            commands: Vec::new(),
            autosaved_revision: 0,
            last_autosave_s: 0.0,
            title: String::new(),
            close_confirmed: false,
            theme_applied: None,
        };
        let last = app.settings.last.clone().filter(|p| p.exists());
        if let Some(f) = opts.file {
            app.open_path(&f);
        } else if let Some(p) = last {
            app.open_path(&p);
        } else {
            app.open_example(files::FIRST_EXAMPLE);
            app.show_start = first_time;
        }
        if let Some(doc) = app.config.as_ref().and_then(ConfigDir::read_recovery) {
            app.modal = Some(Modal::Recovery(Box::new(doc)));
        }
        app
    }

    /// The window title: design name, file, and `*` when there are unsaved changes.
    #[must_use]
    pub fn title(&self) -> String {
        let place = self.editor.path.as_ref().map_or_else(
            || self.origin.clone(),
            |p| {
                p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                )
            },
        );
        format!(
            "{}{} ({}) - Spillway",
            if self.editor.dirty { "* " } else { "" },
            crate::model::printable(&self.editor.doc.name),
            crate::model::printable(&place)
        )
    }

    /// Queue an action, carried out at the end of the frame.
    pub fn request(&mut self, a: Action) {
        self.actions.push(a);
    }

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
        self.selection.retain_existing(&self.editor.doc);
        self.status = cmd.label();
    }

    fn remember(&mut self, path: &Path) {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        self.settings.touch(&path);
        self.save_settings();
    }

    fn save_settings(&mut self) {
        if let Some(c) = &self.config
            && let Err(e) = c.save_settings(&self.settings)
        {
            self.status = format!("could not save settings: {e}");
        }
    }

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

    fn after_replace(&mut self) {
        // a run and its baseline belong to the design they ran
        self.runner.stop();
        self.runner.current = None;
        self.runner.baseline = None;
        self.runner.phase = run::Phase::Idle;
        self.canvas.live = None;
        if self.bottom != BottomTab::Problems {
            self.bottom = BottomTab::Problems;
        }
        self.selection = Selection::default();
        self.inspector = Inspector::new();
        self.canvas.request_fit();
        self.autosaved_revision = self.editor.revision;
    }

    /// Save to `path` (atomically); errors are shown and the work stays in memory.
    /// Returns whether it was saved.
    pub fn save_to(&mut self, path: &Path) -> bool {
        let path = &std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        match model::save(&self.editor.doc, path) {
            Ok(()) => {
                self.editor.saved(path.to_path_buf());
                self.status = format!("Saved {}", path.display());
                self.remember(path);
                if let Some(c) = &self.config {
                    c.clear_recovery();
                }
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

    /// Whether an action changes what is simulated (refused while a run is going).
    fn edits(a: &Action) -> bool {
        matches!(
            a,
            Action::Undo
                | Action::Redo
                | Action::Delete
                | Action::Cut
                | Action::Paste(_)
                | Action::Duplicate
                | Action::Template(_)
        )
    }

    /// Whether an action would throw away unsaved work.
    fn discards(a: &Action) -> bool {
        matches!(
            a,
            Action::New
                | Action::Open
                | Action::OpenPath(_)
                | Action::OpenExample(_)
                | Action::Quit
        )
    }

    /// Carry out one action.
    pub fn perform(&mut self, ctx: &egui::Context, a: Action) {
        if self.runner.phase.is_active() && Self::edits(&a) {
            self.status = LOCKED.to_owned();
            return;
        }
        if Self::discards(&a) && self.editor.dirty {
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

    #[allow(clippy::too_many_lines)]
    fn perform_now(&mut self, ctx: &egui::Context, a: Action) {
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
            Action::Save => match self.editor.path.clone() {
                Some(p) => {
                    self.save_to(&p);
                }
                None => self.perform_now(ctx, Action::SaveAs),
            },
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
                self.export
                    .show(f, &self.editor.doc, self.editor.path.as_deref());
            }
            Action::Undo => {
                self.status = match self.editor.undo() {
                    Some(l) => format!("Undid {l}"),
                    None => "Nothing to undo".to_owned(),
                };
                self.selection.retain_existing(&self.editor.doc);
            }
            Action::Redo => {
                self.status = match self.editor.redo() {
                    Some(l) => format!("Redid {l}"),
                    None => "Nothing to redo".to_owned(),
                };
                self.selection.retain_existing(&self.editor.doc);
            }
            Action::Delete => {
                if !self.selection.is_empty() {
                    let cmd = Command::Remove {
                        components: self.selection.components.iter().cloned().collect(),
                        connections: self.selection.connections.iter().copied().collect(),
                    };
                    self.apply(&cmd);
                }
            }
            Action::Copy | Action::Cut => {
                match clip::copy_text(&self.editor.doc, &self.selection) {
                    Some(text) => {
                        ctx.copy_text(text.clone());
                        self.clipboard = Some(text);
                        self.status =
                            format!("Copied {} components", self.selection.components.len());
                        if a == Action::Cut {
                            self.perform_now(ctx, Action::Delete);
                        }
                    }
                    None => self.status = "Select components to copy".to_owned(),
                }
            }
            Action::Paste(text) => match clip::parse_group(&text) {
                Some(group) => {
                    let n = group.components.len();
                    let cmd = clip::insert_group(
                        &self.editor.doc,
                        &group,
                        None,
                        [40.0, 40.0],
                        &format!("Paste {n} components"),
                    );
                    self.apply(&cmd);
                }
                None => self.status = "The clipboard holds no Spillway components".to_owned(),
            },
            Action::Duplicate => {
                if let Some(group) = clip::selected_group(&self.editor.doc, &self.selection) {
                    let n = group.components.len();
                    let cmd = clip::insert_group(
                        &self.editor.doc,
                        &group,
                        None,
                        [40.0, 40.0],
                        &format!("Duplicate {n} components"),
                    );
                    self.apply(&cmd);
                } else {
                    self.status = "Select components to duplicate".to_owned();
                }
            }
            Action::SelectAll => {
                self.selection.components = self
                    .editor
                    .doc
                    .components
                    .iter()
                    .map(|c| c.id.clone())
                    .collect();
                self.selection.connections.clear();
            }
            Action::Nudge(dx, dy) => {
                let moves: Vec<(String, [f32; 2])> = self
                    .selection
                    .components
                    .iter()
                    .map(|id| {
                        let p = self
                            .editor
                            .doc
                            .layout
                            .get(id)
                            .copied()
                            .unwrap_or([0.0, 0.0]);
                        (id.clone(), [p[0] + dx, p[1] + dy])
                    })
                    .collect();
                if !moves.is_empty() {
                    self.apply(&Command::Move(moves));
                }
            }
            Action::Fit => self.canvas.request_fit(),
            Action::AutoLayout => {
                let layout = auto_layout(&self.editor.doc);
                let mut doc = self.editor.doc.clone();
                doc.layout = layout;
                self.apply(&Command::SetDocument(
                    Box::new(doc),
                    "Auto-layout".to_owned(),
                ));
                self.canvas.request_fit();
            }
            Action::Template(i) => {
                if let Some(t) = TEMPLATES.get(i) {
                    match templates::group(t) {
                        Ok(g) => {
                            let at = clip::below(&self.editor.doc);
                            let cmd = clip::insert_group(
                                &self.editor.doc,
                                &g,
                                Some(at),
                                [0.0, 0.0],
                                &format!("Insert {}", t.label),
                            );
                            self.apply(&cmd);
                            self.canvas.request_fit();
                        }
                        Err(e) => self.modal = Some(Modal::Error(e)),
                    }
                }
            }
            Action::ToggleTheme => {
                self.settings.light = !self.settings.light;
                self.save_settings();
            }
            Action::Run => {
                if self.runner.phase.is_active() {
                    self.runner.stop();
                }
                match self
                    .runner
                    .start(&self.editor.doc, self.editor.revision, ctx)
                {
                    Ok(()) => {
                        self.status =
                            "Running: the design is locked until the run ends or is stopped"
                                .to_owned();
                        if matches!(self.bottom, BottomTab::Problems) {
                            self.bottom = BottomTab::Charts;
                        }
                    }
                    Err(e) => self.status = format!("Cannot run: {e}"),
                }
            }
            Action::Quit => {
                self.close_confirmed = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }

    /// A file from a dialog; without a dialog (none available, or tests) a typed path.
    fn pick(&mut self, save: bool) -> Option<PathBuf> {
        if self.dialogs {
            let started = std::time::Instant::now();
            let dialog = rfd::FileDialog::new().add_filter("Spillway design", &["ron"]);
            let dialog = match self.editor.path.as_ref().and_then(|p| p.parent()) {
                Some(dir) => dialog.set_directory(dir),
                None => dialog,
            };
            let picked = if save {
                dialog
                    .set_file_name(format!("{}.ron", file_stem(&self.editor.doc.name)))
                    .save_file()
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
        let text = self
            .editor
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| {
                std::env::current_dir()
                    .unwrap_or_default()
                    .join(format!("{}.ron", file_stem(&self.editor.doc.name)))
                    .display()
                    .to_string()
            });
        self.modal = Some(Modal::Path { save, text });
        None
    }

    /// Keyboard shortcuts and clipboard events, unless a text field has the keyboard.
    fn keyboard(&mut self, ctx: &egui::Context) {
        let command = Modifiers::COMMAND;
        let cmd_shift = Modifiers::COMMAND | Modifiers::SHIFT;
        let mut acts = Vec::new();
        // file shortcuts work everywhere
        ctx.input_mut(|i| {
            for (m, k, a) in [
                (cmd_shift, Key::S, Action::SaveAs),
                (command, Key::S, Action::Save),
                (command, Key::N, Action::New),
                (command, Key::O, Action::Open),
                (command, Key::E, Action::Export(None)),
            ] {
                if i.consume_shortcut(&KeyboardShortcut::new(m, k)) {
                    acts.push(a);
                }
            }
        });
        if !self.modal_open() && !ctx.egui_wants_keyboard_input() {
            ctx.input_mut(|i| {
                for (m, k, a) in [
                    (cmd_shift, Key::Z, Action::Redo),
                    (command, Key::Z, Action::Undo),
                    (command, Key::Y, Action::Redo),
                    (command, Key::D, Action::Duplicate),
                    (command, Key::A, Action::SelectAll),
                    (command, Key::C, Action::Copy),
                    (command, Key::X, Action::Cut),
                    (Modifiers::NONE, Key::Delete, Action::Delete),
                    (Modifiers::NONE, Key::Backspace, Action::Delete),
                    (Modifiers::NONE, Key::F, Action::Fit),
                    (Modifiers::NONE, Key::ArrowLeft, Action::Nudge(-NUDGE, 0.0)),
                    (Modifiers::NONE, Key::ArrowRight, Action::Nudge(NUDGE, 0.0)),
                    (Modifiers::NONE, Key::ArrowUp, Action::Nudge(0.0, -NUDGE)),
                    (Modifiers::NONE, Key::ArrowDown, Action::Nudge(0.0, NUDGE)),
                ] {
                    if i.consume_shortcut(&KeyboardShortcut::new(m, k)) {
                        acts.push(a);
                    }
                }
                for e in &i.events {
                    match e {
                        egui::Event::Copy => acts.push(Action::Copy),
                        egui::Event::Cut => acts.push(Action::Cut),
                        egui::Event::Paste(t) => acts.push(Action::Paste(t.clone())),
                        _ => {}
                    }
                }
            });
        }
        self.actions.extend(acts);
    }

    /// Draw the whole window into `ui` (the eframe root, or a test harness).
    pub fn frame_ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        if self.theme_applied != Some(self.settings.light) {
            ctx.set_theme(if self.settings.light {
                egui::Theme::Light
            } else {
                egui::Theme::Dark
            });
            self.theme_applied = Some(self.settings.light);
        }
        self.keyboard(&ctx);

        if !self.runner.phase.is_active() {
            self.runner.follow(&self.editor.doc);
        }
        let was = self.runner.phase.clone();
        self.runner.poll();
        if was != self.runner.phase {
            match &self.runner.phase {
                run::Phase::Finished => {
                    self.status = "Run finished: see the Results, Insight and Compare tabs; the design can be edited again".to_owned();
                }
                run::Phase::Failed(why) => self.status = format!("The run failed: {why}"),
                run::Phase::Stopped => {
                    self.status =
                        "Run stopped: its figures so far stay; the design can be edited again"
                            .to_owned()
                }
                _ => {}
            }
        }
        let active = self.runner.phase.is_active();

        egui::Panel::top("menu").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| self.menu_ui(ui));
        });
        egui::Panel::top("runbar").show(ui, |ui| {
            ui.add_space(2.0);
            if self.runner.bar_ui(ui) {
                self.request(Action::Run);
            }
            ui.add_space(2.0);
        });
        egui::Panel::bottom("status")
            .resizable(false)
            .show(ui, |ui| self.status_ui(ui));
        let tab_row = |ui: &mut Ui, tab: &mut BottomTab, has_run: bool| {
            ui.horizontal(|ui| {
                for (t, label) in [
                    (BottomTab::Problems, "Problems"),
                    (BottomTab::Charts, "Charts"),
                    (BottomTab::Results, "Results"),
                    (BottomTab::Insight, "Insight"),
                    (BottomTab::Compare, "Compare"),
                ] {
                    let enabled = has_run || t == BottomTab::Problems;
                    if ui
                        .add_enabled(enabled, egui::Button::selectable(*tab == t, label))
                        .clicked()
                    {
                        *tab = t;
                    }
                }
            });
        };
        let has_run = self.runner.current.is_some();
        let live_panel = self.bottom != BottomTab::Problems;
        if live_panel != self.live_panel_shown {
            // the canvas changes size: show the whole design again
            self.live_panel_shown = live_panel;
            self.canvas.request_fit();
        }
        if self.bottom == BottomTab::Problems {
            egui::Panel::bottom("problems")
                .resizable(true)
                .default_size(110.0)
                .min_size(60.0)
                .show(ui, |ui| {
                    tab_row(ui, &mut self.bottom, has_run);
                    self.problems.ui(
                        ui,
                        &self.editor.doc,
                        self.editor.revision,
                        &mut self.selection,
                    );
                });
        } else {
            egui::Panel::bottom("live-panel")
                .resizable(true)
                .default_size(340.0)
                .min_size(160.0)
                .show(ui, |ui| {
                    tab_row(ui, &mut self.bottom, has_run);
                    ui.separator();
                    match self.bottom {
                        BottomTab::Charts => self.charts.ui(ui, &self.runner, &self.selection),
                        BottomTab::Results => self.results.table_ui(ui, &self.runner),
                        BottomTab::Insight => {
                            ResultsPanel::insight_ui(ui, &self.runner, &mut self.selection);
                        }
                        BottomTab::Compare => self.results.compare_ui(ui, &mut self.runner),
                        BottomTab::Problems => {}
                    }
                });
        }
        egui::Panel::left("palette")
            .resizable(true)
            .default_size(190.0)
            .min_size(150.0)
            .show(ui, |ui| {
                ui.add_space(4.0);
                ui.add_enabled_ui(!active, |ui| {
                    let cmds = self.palette.ui(ui, &self.editor.doc);
                    self.commands.extend(cmds);
                });
            });
        egui::Panel::right("inspector")
            .resizable(true)
            .default_size(340.0)
            .min_size(260.0)
            .show(ui, |ui| {
                ui.add_space(4.0);
                let one = (self.selection.components.len() == 1)
                    .then(|| self.selection.components.iter().next().cloned())
                    .flatten();
                if let Some(id) = one
                    && self.runner.snapshot().is_some()
                {
                    egui::CollapsingHeader::new(RichText::new("Live figures").strong())
                        .id_salt("live-figures")
                        .default_open(true)
                        .show(ui, |ui| {
                            egui::ScrollArea::vertical()
                                .id_salt("live-figures-scroll")
                                .max_height(ui.available_height() * 0.6)
                                .show(ui, |ui| charts::component_ui(ui, &self.runner, &id));
                        });
                    ui.separator();
                }
                if active {
                    ui.label(
                        RichText::new("Locked while the design runs: stop the run to edit it.")
                            .color(ui.visuals().warn_fg_color),
                    );
                }
                ui.add_enabled_ui(!active, |ui| {
                    let cmds = self.inspector.ui(ui, &self.editor.doc, &self.selection);
                    self.commands.extend(cmds);
                });
            });
        // the overlay is rebuilt only when a new snapshot arrives; the dots move only
        // while the engine runs (they would otherwise repaint a finished, stopped or
        // paused run 30 times a second for nothing)
        let dots = self.dots && self.runner.phase == run::Phase::Running;
        let key = self
            .runner
            .snapshot()
            .map(|s| (std::sync::Arc::as_ptr(s) as usize, dots));
        if key != self.overlay_of {
            self.overlay_of = key;
            self.canvas.live = self.runner.snapshot().map(|s| {
                run::overlay(
                    s,
                    self.runner
                        .current
                        .as_ref()
                        .map_or(&self.editor.doc, |r| &r.doc),
                    dots,
                )
            });
        }
        self.canvas.running = self.runner.phase.is_active();
        egui::CentralPanel::default().show(ui, |ui| {
            let cmds = self.canvas.ui(
                ui,
                &self.editor.doc,
                self.editor.revision,
                &mut self.selection,
            );
            self.commands.extend(cmds);
        });
        if let Some(s) = self.canvas.status.take() {
            self.status = s;
        }
        self.start_ui(&ctx);
        self.modal_ui(&ctx);
        if let Some(s) = self.export.ui(
            &ctx,
            &self.editor.doc,
            self.editor.revision,
            self.editor.path.as_deref(),
        ) {
            self.status = s;
        }

        for cmd in std::mem::take(&mut self.commands) {
            // during a run only positions may change: they are not simulated
            if self.runner.phase.is_active() && !matches!(cmd, Command::Move(_)) {
                self.status = LOCKED.to_owned();
                continue;
            }
            self.apply(&cmd);
        }
        for a in std::mem::take(&mut self.actions) {
            self.perform(&ctx, a);
        }
        self.selection.retain_existing(&self.editor.doc);

        // window close: ask about unsaved work first
        if ctx.input(|i| i.viewport().close_requested()) && !self.close_confirmed {
            if self.editor.dirty {
                ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
                self.modal = Some(Modal::Discard(Then::Close));
            } else {
                self.close_confirmed = true;
            }
        }
        let title = self.title();
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
        self.autosave(ctx.input(|i| i.time));
    }

    /// Copy unsaved work to the recovery file every [`AUTOSAVE_INTERVAL_S`].
    pub fn autosave(&mut self, now_s: f64) {
        if !self.editor.dirty || self.editor.revision == self.autosaved_revision {
            return;
        }
        if now_s - self.last_autosave_s < AUTOSAVE_INTERVAL_S {
            return;
        }
        self.last_autosave_s = now_s;
        self.autosaved_revision = self.editor.revision;
        if let Some(c) = &self.config
            && let Err(e) = c.write_recovery(&self.editor.doc)
        {
            self.status = format!("autosave failed: {e}");
        }
    }

    /// Clean exit: remember the design and drop the recovery file.
    pub fn exit(&mut self) {
        if let Some(p) = self.editor.path.clone() {
            self.settings.last = Some(p);
        }
        self.save_settings();
        if let Some(c) = &self.config {
            c.clear_recovery();
        }
    }

    /// "Undo Move component" (or "Redo ..."), greyed out when there is no step.
    fn history_item(ui: &mut Ui, what: &str, step: Option<&str>) -> bool {
        let label = step.map_or_else(|| what.to_owned(), |l| format!("{what} {l}"));
        ui.add_enabled(
            step.is_some(),
            egui::Button::new(label).shortcut_text(shortcut_text(ui.ctx(), what)),
        )
        .clicked()
    }

    fn item(ui: &mut Ui, label: &str, shortcut: &str) -> bool {
        ui.add(egui::Button::new(label).shortcut_text(shortcut))
            .clicked()
    }

    fn menu_ui(&mut self, ui: &mut Ui) {
        ui.menu_button("File", |ui| {
            if Self::item(ui, "New", &shortcut_text(ui.ctx(), "New")) {
                self.request(Action::New);
            }
            if Self::item(ui, "Open...", &shortcut_text(ui.ctx(), "Open...")) {
                self.request(Action::Open);
            }
            ui.menu_button("Open recent", |ui| {
                if self.settings.recent.is_empty() {
                    ui.label(RichText::new("No recent files").weak());
                }
                for p in self.settings.recent.clone() {
                    if ui.button(p.display().to_string()).clicked() {
                        self.request(Action::OpenPath(p));
                    }
                }
            });
            ui.menu_button("Examples", |ui| {
                for (name, _) in EXAMPLES {
                    if ui.button(*name).clicked() {
                        self.request(Action::OpenExample(name));
                    }
                }
            });
            ui.separator();
            if Self::item(ui, "Save", &shortcut_text(ui.ctx(), "Save")) {
                self.request(Action::Save);
            }
            if Self::item(ui, "Save As...", &shortcut_text(ui.ctx(), "Save As...")) {
                self.request(Action::SaveAs);
            }
            ui.separator();
            if Self::item(ui, "Export...", &shortcut_text(ui.ctx(), "Export...")) {
                self.request(Action::Export(None));
            }
            ui.menu_button("Export as", |ui| {
                for f in Format::ALL {
                    if ui
                        .button(format!("{}...", export_ui::title(f)))
                        .on_hover_text(export_ui::describe(f))
                        .clicked()
                    {
                        self.request(Action::Export(Some(f)));
                    }
                }
            });
            ui.separator();
            if ui.button("Start screen").clicked() {
                self.show_start = true;
            }
            if ui.button("Quit").clicked() {
                self.request(Action::Quit);
            }
        });
        ui.menu_button("Edit", |ui| {
            if Self::history_item(ui, "Undo", self.editor.undo_label()) {
                self.request(Action::Undo);
            }
            if Self::history_item(ui, "Redo", self.editor.redo_label()) {
                self.request(Action::Redo);
            }
            ui.separator();
            let any = !self.selection.components.is_empty();
            for (label, a, enabled) in [
                ("Cut", Action::Cut, any),
                ("Copy", Action::Copy, any),
                ("Duplicate", Action::Duplicate, any),
                ("Delete", Action::Delete, !self.selection.is_empty()),
            ] {
                if ui
                    .add_enabled(
                        enabled,
                        egui::Button::new(label).shortcut_text(shortcut_text(ui.ctx(), label)),
                    )
                    .clicked()
                {
                    self.request(a);
                }
            }
            if Self::item(ui, "Paste", &shortcut_text(ui.ctx(), "Paste")) {
                // from the menu only our own clipboard is readable
                match self.clipboard.clone() {
                    Some(t) => self.request(Action::Paste(t)),
                    None => self.status = "Copy components first (or press Ctrl+V)".to_owned(),
                }
            }
            ui.separator();
            if Self::item(ui, "Select all", &shortcut_text(ui.ctx(), "Select all")) {
                self.request(Action::SelectAll);
            }
        });
        ui.menu_button("View", |ui| {
            if Self::item(ui, "Zoom to fit", &shortcut_text(ui.ctx(), "Zoom to fit")) {
                self.request(Action::Fit);
            }
            if ui
                .button("Auto-layout")
                .on_hover_text("Lay the design out left to right in flow order (one undo step)")
                .clicked()
            {
                self.request(Action::AutoLayout);
            }
            ui.separator();
            let label = if self.settings.light {
                "Dark theme"
            } else {
                "Light theme"
            };
            if ui.button(label).clicked() {
                self.request(Action::ToggleTheme);
            }
            ui.checkbox(&mut self.dots, "Moving dots on links during a run")
                .on_hover_text(
                    "Dots flow along each connection, denser where the event rate is higher",
                );
        });
        ui.menu_button("Insert", |ui| {
            for (i, t) in TEMPLATES.iter().enumerate() {
                if ui.button(t.label).on_hover_text(t.tooltip).clicked() {
                    self.request(Action::Template(i));
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
    }

    fn status_ui(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            let doc = &self.editor.doc;
            ui.label(format!(
                "{} components, {} connections",
                doc.components.len(),
                doc.connections.len()
            ));
            ui.separator();
            let (e, w) = self.problems.counts();
            ui.label(format!("{e} errors, {w} warnings"));
            ui.separator();
            if self.editor.dirty {
                ui.label(RichText::new("unsaved changes").italics());
                ui.separator();
            }
            ui.label(&self.status);
        });
    }

    fn start_ui(&mut self, ctx: &egui::Context) {
        if !self.show_start {
            return;
        }
        let mut open = true;
        let mut act = None;
        egui::Window::new("Start")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label("Open an example, a recent design, or start from an empty canvas.");
                ui.add_space(6.0);
                ui.columns(2, |cols| {
                    cols[0].strong("Examples");
                    for (name, text) in EXAMPLES {
                        let desc = model::from_ron_str(text)
                            .map(|d| d.description)
                            .unwrap_or_default();
                        if cols[0].link(*name).on_hover_text(desc).clicked() {
                            act = Some(Action::OpenExample(name));
                        }
                    }
                    cols[1].strong("Recent");
                    if self.settings.recent.is_empty() {
                        cols[1].label(RichText::new("none yet").weak());
                    }
                    for p in &self.settings.recent {
                        let name = p.file_name().map_or_else(
                            || p.display().to_string(),
                            |n| n.to_string_lossy().into_owned(),
                        );
                        if cols[1]
                            .link(name)
                            .on_hover_text(p.display().to_string())
                            .clicked()
                        {
                            act = Some(Action::OpenPath(p.clone()));
                        }
                    }
                });
                ui.add_space(6.0);
                ui.horizontal(|ui| {
                    if ui.button("New empty design").clicked() {
                        act = Some(Action::New);
                    }
                    if ui.button("Open...").clicked() {
                        act = Some(Action::Open);
                    }
                });
            });
        if let Some(a) = act {
            self.request(a);
            open = false;
        }
        self.show_start = open;
    }

    #[allow(clippy::too_many_lines)]
    fn modal_ui(&mut self, ctx: &egui::Context) {
        let Some(modal) = self.modal.take() else {
            return;
        };
        let mut keep = true;
        match modal.clone() {
            Modal::Discard(then) => {
                let mut choice = None;
                egui::Modal::new(egui::Id::new("discard")).show(ctx, |ui| {
                    ui.heading("Unsaved changes");
                    ui.label(format!(
                        "\"{}\" has changes that are not saved.",
                        self.editor.doc.name
                    ));
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        if ui.button("Save").clicked() {
                            choice = Some(0);
                        }
                        if ui.button("Discard").clicked() {
                            choice = Some(1);
                        }
                        if ui.button("Cancel").clicked() {
                            choice = Some(2);
                        }
                    });
                });
                match choice {
                    Some(0) => {
                        keep = false;
                        let saved = match self.editor.path.clone() {
                            Some(p) => self.save_to(&p),
                            None => self.pick(true).is_some_and(|p| self.save_to(&p)),
                        };
                        if saved {
                            self.continue_with(ctx, then);
                        } else if self.modal.is_none() {
                            self.status = "Not saved: nothing was discarded".to_owned();
                        }
                    }
                    Some(1) => {
                        keep = false;
                        self.editor.dirty = false;
                        if let Some(c) = &self.config {
                            c.clear_recovery();
                        }
                        self.continue_with(ctx, then);
                    }
                    Some(_) => keep = false,
                    None => {}
                }
            }
            Modal::Error(text) => {
                egui::Modal::new(egui::Id::new("error")).show(ctx, |ui| {
                    ui.set_max_width(520.0);
                    ui.heading("Problem");
                    ui.label(&text);
                    ui.add_space(8.0);
                    if ui.button("OK").clicked() {
                        keep = false;
                    }
                });
            }
            Modal::Recovery(doc) => {
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
                            self.editor.replace(*doc.clone(), None);
                            self.editor.dirty = true;
                            self.origin = "recovered".to_owned();
                            self.after_replace();
                            self.status = "Recovered unsaved work: save it to keep it".to_owned();
                            keep = false;
                        }
                        if ui.button("Discard").clicked() {
                            if let Some(c) = &self.config {
                                c.clear_recovery();
                            }
                            keep = false;
                        }
                    });
                });
            }
            Modal::Path { save, mut text } => {
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
                        keep = false;
                        let p = PathBuf::from(text.trim());
                        if save {
                            self.save_to(&p);
                        } else {
                            self.open_path(&p);
                        }
                    }
                    Some(false) => keep = false,
                    _ => {}
                }
                if keep {
                    self.modal = Some(Modal::Path { save, text });
                    return;
                }
            }
            Modal::Shortcuts => {
                egui::Modal::new(egui::Id::new("shortcuts")).show(ctx, |ui| {
                    ui.heading("Keyboard shortcuts");
                    egui::Grid::new("shortcut-grid").striped(true).show(ui, |ui| {
                        for (what, keys) in SHORTCUTS {
                            ui.label(*what);
                            ui.monospace(*keys);
                            ui.end_row();
                        }
                    });
                    ui.label(
                        RichText::new("Shortcuts other than Ctrl+N/O/S are ignored while a text field has focus.")
                            .weak(),
                    );
                    if ui.button("Close").clicked() {
                        keep = false;
                    }
                });
            }
        }
        if keep && self.modal.is_none() {
            self.modal = Some(modal);
        }
    }

    fn continue_with(&mut self, ctx: &egui::Context, then: Then) {
        match then {
            Then::Act(a) => self.perform_now(ctx, a),
            Then::Close => self.perform_now(ctx, Action::Quit),
        }
    }

    /// Whether a modal dialog is open.
    #[must_use]
    pub fn modal_open(&self) -> bool {
        self.modal.is_some() || self.export.open
    }
}

impl eframe::App for SpillwayApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    fn on_exit(&mut self) {
        self.exit();
    }
}

/// A file name stem for a design's name: lowercase letters and digits, `-` between.
pub(crate) fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() { "design".to_owned() } else { s }
}

/// Left-to-right layered layout (the canvas's).
fn auto_layout(doc: &Document) -> BTreeMap<String, [f32; 2]> {
    crate::diagram::auto_layout(doc)
}

/// Keep the memory that frames free for the next frames, instead of giving it back to
/// the system at the end of each: call once, first thing.
///
/// Every frame the tessellator builds meshes of a few megabytes and frees them. With
/// glibc's default thresholds those pages went back to the system at the end of the
/// frame and were faulted in (and zeroed) again in the next: about half of a frame's
/// CPU time with a 200-component design during a run (`examples/live_bench.rs`).
/// glibc raises its mmap threshold to the size of the largest block it has freed from
/// mmap (up to 32 MiB) and its trim threshold to twice that, so allocating and
/// freeing one 31 MiB block, never touched, has the effect of `mallopt` without unsafe
/// code: up to about 62 MiB of freed memory stays in the process. With other
/// allocators it is a harmless allocation.
pub fn keep_freed_memory() {
    let block: Vec<u8> = Vec::with_capacity(31 << 20);
    drop(std::hint::black_box(block));
}

/// Open the editor window and block until it is closed.
///
/// # Errors
/// When no window can be created (no display, no graphics driver).
pub fn run(file: Option<PathBuf>) -> Result<(), String> {
    keep_freed_memory();
    let app = SpillwayApp::new(AppOptions {
        file,
        config: ConfigDir::user(),
        dialogs: true,
    });
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([900.0, 560.0])
            .with_title("Spillway"),
        ..Default::default()
    };
    eframe::run_native(
        "Spillway",
        options,
        Box::new(|cc| {
            super::look::install_fonts(&cc.egui_ctx);
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| e.to_string())
}

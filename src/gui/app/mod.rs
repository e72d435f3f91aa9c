//! The editor window: the [`SpillwayApp`] state and the order of one frame.
//!
//! A frame reads the keyboard ([`keyboard`]: the one shortcut table), draws the menu
//! bar and status line ([`menus`]), the docked panels ([`panels`]), the start window
//! ([`start`]) and any dialog ([`modals`]). Panels return [`Command`]s and the menu and
//! keyboard return [`Action`]s; both are carried out after the frame is drawn, commands
//! by the one [`crate::gui::commands::Editor::apply`] and actions by
//! [`SpillwayApp::perform`] ([`actions`]). Opening, saving, autosave and settings live
//! in [`open_save`].

mod actions;
pub mod keyboard;
mod menus;
mod modals;
mod open_save;
mod panels;
mod start;

use std::collections::BTreeMap;
use std::path::PathBuf;

use egui::Ui;

pub use actions::Action;
pub use panels::BottomTab;

use self::modals::{Modal, Then};
use super::canvas::Canvas;
use super::charts::ChartsPanel;
use super::commands::{Command, Editor, Selection};
use super::export::ExportDialog;
use super::files::{self, ConfigDir, Settings};
use super::inspector::Inspector;
use super::palette::Palette;
use super::problems::ProblemsPanel;
use super::results::ResultsPanel;
use super::run::{self, Runner};
use crate::model::Document;

/// How often unsaved work is copied to the recovery file, in seconds.
pub const AUTOSAVE_INTERVAL_S: f64 = 30.0;

/// The status line when an edit is refused during a run.
pub const LOCKED: &str =
    "The design is running: stop the run (⏹ Stop) to change it. Moving components is allowed.";

/// How many of the last actions [`SpillwayApp::recent_actions`] keeps.
pub const RECENT_ACTIONS: usize = 64;

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
    /// The open design and its history (read it with `editor.doc()`; change it with
    /// [`SpillwayApp::apply`]).
    pub editor: Editor,
    /// What is selected (GUI state, not saved).
    pub selection: Selection,
    /// The node-graph view.
    pub canvas: Canvas,
    /// Left panel.
    pub palette: Palette,
    /// Right panel.
    pub inspector: Inspector,
    /// Validation of the design, refreshed once per revision whatever the bottom panel
    /// shows (the status line counts its problems).
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
    recent_actions: Vec<Action>,
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
            recent_actions: Vec::new(),
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
        let place = self.editor.path().map_or_else(
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
            if self.editor.is_dirty() { "* " } else { "" },
            crate::model::printable(&self.editor.doc().name),
            crate::model::printable(&place)
        )
    }

    /// Queue an action, carried out at the end of the frame.
    pub fn request(&mut self, a: Action) {
        self.actions.push(a);
    }

    /// The last [`RECENT_ACTIONS`] actions asked for (from the menu, the keyboard or
    /// [`SpillwayApp::request`]), oldest first, whether they were carried out or
    /// refused (during a run, or pending an unsaved-changes question).
    #[must_use]
    pub fn recent_actions(&self) -> &[Action] {
        &self.recent_actions
    }

    /// Whether a modal dialog is open.
    #[must_use]
    pub fn modal_open(&self) -> bool {
        self.modal.is_some() || self.export.open
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
        self.follow_run();
        // before anything shows problems or counts them, whichever tab is open
        self.problems
            .refresh(self.editor.doc(), self.editor.revision());

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
        self.panels_ui(ui);
        self.start_ui(&ctx);
        self.modal_ui(&ctx);
        if let Some(s) = self.export.ui(
            &ctx,
            self.editor.doc(),
            self.editor.revision(),
            self.editor.path(),
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
        let actions = std::mem::take(&mut self.actions);
        for a in &actions {
            self.perform(&ctx, a.clone());
        }
        self.recent_actions.extend(actions);
        let over = self.recent_actions.len().saturating_sub(RECENT_ACTIONS);
        self.recent_actions.drain(..over);
        self.selection.retain_existing(self.editor.doc());

        // window close: ask about unsaved work first
        if ctx.input(|i| i.viewport().close_requested()) && !self.close_confirmed {
            if self.editor.is_dirty() {
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

    /// Pick up the run's progress and say in the status line when it ends.
    fn follow_run(&mut self) {
        if !self.runner.phase.is_active() {
            self.runner.follow(self.editor.doc());
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
                            .to_owned();
                }
                _ => {}
            }
        }
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

/// Left-to-right layered layout (the canvas's).
fn auto_layout(doc: &Document) -> BTreeMap<String, [f32; 2]> {
    crate::gui::layout::auto_layout(doc)
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

//! The editor's state: [`SpillwayApp`] (the document's [`Editor`], the panels, the
//! run, the dialog that is open and the actions queued for the end of the frame),
//! how it is started ([`AppOptions`]) and the constants of its behaviour.

use std::path::PathBuf;

use super::action::Action;
use crate::gui::canvas::Canvas;
use crate::gui::charts::ChartsPanel;
use crate::gui::commands::{Command, Editor, Selection};
use crate::gui::export::ExportDialog;
use crate::gui::files::{self, ConfigDir, Recovered, Reopen, Settings};
use crate::gui::inspector::Inspector;
use crate::gui::palette::Palette;
use crate::gui::problems::ProblemsPanel;
use crate::gui::results::ResultsPanel;
use crate::gui::run::Runner;
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
    pub(super) overlay_of: Option<(usize, bool)>,
    pub(super) live_panel_shown: bool,
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
    /// The built-in example that is open, unsaved (what a restart reopens).
    pub(super) example: Option<&'static str>,
    /// File > Export.
    pub export: ExportDialog,
    pub(super) config: Option<ConfigDir>,
    pub(super) dialogs: bool,
    pub(super) modal: Option<Modal>,
    pub(super) actions: Vec<Action>,
    pub(super) recent_actions: Vec<Action>,
    pub(super) commands: Vec<Command>,
    pub(super) autosaved_revision: u64,
    pub(super) last_autosave_s: f64,
    pub(super) title: String,
    pub(super) close_confirmed: bool,
    pub(super) theme_applied: Option<bool>,
    /// The bottom panel is shrunk to its tab row (Ctrl+J).
    pub bottom_collapsed: bool,
    /// The bottom panel floats in a window of its own.
    pub bottom_floating: bool,
    /// The bottom panel's height last frame (0 when floating), to fit the canvas again
    /// when it changes.
    pub(super) bottom_height: f32,
    /// Whether the run's results are of another version of the design (see
    /// [`SpillwayApp::results_stale`]), and what it was worked out for.
    pub(super) stale: bool,
    pub(super) stale_of: Option<(u64, usize)>,
    /// The run's phase the status line last described.
    pub(super) phase_seen: crate::gui::run::Phase,
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
            example: None,
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
            bottom_collapsed: false,
            bottom_floating: false,
            bottom_height: 0.0,
            stale: false,
            stale_of: None,
            phase_seen: crate::gui::run::Phase::Idle,
        };
        match opts.file {
            Some(f) => app.open_path(&f),
            None => app.reopen(first_time),
        }
        if let Some(r) = app.config.as_ref().and_then(ConfigDir::read_recovery) {
            app.modal = Some(Modal::Recovery(Box::new(r)));
        }
        app
    }

    /// A start without a file argument: the design open when the editor last closed
    /// (a file; an example, as built in; a new empty design, with the start window),
    /// else (the first time) the first example.
    fn reopen(&mut self, first_time: bool) {
        match self.settings.reopen() {
            Some(Reopen::File(p)) if p.is_file() => self.open_path(&p),
            Some(Reopen::File(p)) => {
                self.open_example(files::FIRST_EXAMPLE);
                self.status = format!(
                    "{} is no longer there: opened the example {}",
                    p.display(),
                    files::FIRST_EXAMPLE
                );
            }
            Some(Reopen::Example(name)) => {
                let known = files::EXAMPLES.iter().find(|(n, _)| *n == name);
                self.open_example(known.map_or(files::FIRST_EXAMPLE, |(n, _)| n));
            }
            Some(Reopen::New) => {
                self.new_design();
                self.show_start = true;
            }
            None => {
                self.open_example(files::FIRST_EXAMPLE);
                self.show_start = first_time;
            }
        }
    }

    /// The window title: design name, file (or origin), `recovered` for work recovered
    /// after a crash and not saved since, and `*` when there are unsaved changes.
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
            "{}{} ({}{}) - Spillway",
            if self.editor.is_dirty() { "* " } else { "" },
            crate::model::printable(&self.editor.doc().name),
            crate::model::printable(&place),
            if self.editor.is_recovered() {
                ", recovered"
            } else {
                ""
            }
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

/// What to do once unsaved work has been dealt with.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Then {
    /// Carry out this action.
    Act(Action),
    /// Close the window.
    Close,
}

/// A modal dialog.
#[derive(Clone, Debug)]
pub(super) enum Modal {
    /// Unsaved changes: Save / Discard / Cancel, then continue.
    Discard(Then),
    /// A file could not be opened or saved.
    Error(String),
    /// Unsaved work from a previous run was found.
    Recovery(Box<Recovered>),
    /// No file dialog: type a path.
    Path(Box<PathBox>),
    /// The keyboard shortcuts.
    Shortcuts,
}

/// The typed-path dialog (no file dialog available): Open or Save As.
#[derive(Clone, Debug, Default)]
pub(super) struct PathBox {
    /// Save (else Open).
    pub save: bool,
    /// The path as typed.
    pub text: String,
    /// Why the last try failed (the path named), shown under the box.
    pub error: Option<String>,
    /// The design files in the folder the box started in, to pick from.
    pub nearby: Vec<PathBuf>,
    /// What to carry on with once the design is saved (Save in the unsaved-changes
    /// prompt of an untitled design).
    pub then: Option<Then>,
    /// The text field was given the keyboard (once, when the box opened).
    pub focused: bool,
    /// An existing file the user was told Save would replace: a second Save does.
    pub replace: Option<PathBuf>,
}

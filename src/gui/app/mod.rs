//! The editor window, one concern a file:
//!
//! - `state.rs`: the [`SpillwayApp`] state, how it starts, its constants;
//! - `action.rs`: what the user can ask for ([`Action`]); `perform.rs` carries it out;
//! - [`keyboard`]: the one shortcut table, which binds the keys and feeds Help and the
//!   menus' key hints;
//! - `menus.rs`: the menu bar and the status line; `modals.rs`: the dialogs;
//! - `panels.rs`: the docked panels around the canvas; `start.rs`: the start window;
//! - `open_save.rs`: opening, saving, autosave and settings;
//! - this file: the order of one frame ([`SpillwayApp::frame_ui`]) and the window.
//!
//! Panels return [`Command`]s and the menu and keyboard return [`Action`]s; both are
//! carried out after the frame is drawn, commands by the one
//! [`crate::gui::commands::Editor::apply`] and actions by [`SpillwayApp::perform`].
//! Files import from `state.rs` and `action.rs`, never from this one, so there is no
//! cycle between them.

mod action;
pub mod keyboard;
mod menus;
mod modals;
mod open_save;
mod panels;
mod perform;
mod start;
mod state;

use std::path::PathBuf;

use egui::Ui;

pub use action::Action;
pub use modals::PATH_LABEL;
pub use state::{
    AUTOSAVE_INTERVAL_S, AppOptions, BottomTab, LOCKED, NUDGE, RECENT_ACTIONS, SpillwayApp,
};

use self::state::{Modal, Then};
use super::commands::Command;
use super::files::ConfigDir;
use super::run::Phase;

impl SpillwayApp {
    /// Draw the whole window into `ui` (the eframe root, or a test harness).
    pub fn frame_ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        if self.theme_applied != Some(self.settings.light) {
            super::look::apply_theme(&ctx, self.settings.light);
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
        if let Some(why) = self.inspector.take_refused() {
            self.status = why;
        }
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
        if let Some(due) = self.autosave(ctx.input(|i| i.time)) {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(due.max(0.05)));
        }
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
                Phase::Finished => {
                    self.status = "Run finished: see the Results, Insight and Compare tabs; the design can be edited again".to_owned();
                }
                Phase::Failed(why) => self.status = format!("The run failed: {why}"),
                Phase::Stopped => {
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

//! The docked panels around the canvas: the bottom tabs (problems, or the run's
//! charts, results, insight and comparison), the palette (left), the inspector (right)
//! and the canvas (centre) with the run's overlay. Their edits come back as commands,
//! queued for the end of the frame.

use std::sync::Arc;

use egui::{RichText, Ui};

use super::action::Action;
use super::state::{BottomTab, SpillwayApp};
use crate::gui::charts;
use crate::gui::results::ResultsPanel;
use crate::gui::run;
use crate::model::Document;

/// The note above the run's tabs when the design changed since the run.
pub const STALE_NOTE: &str =
    "⚠ Results of the previous version of the design: run again (F5) to update them";

/// The row of bottom tabs (those about a run are greyed out until there is one), then
/// at the right the buttons that hide the panel to this row or float it in a window.
fn tab_row(ui: &mut Ui, tab: &mut BottomTab, has_run: bool, dock: &mut Dock<'_>) {
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
                // picking a tab of a hidden panel shows it
                *dock.collapsed = false;
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let (float_label, float_hover) = if *dock.floating {
                ("⬇ Dock", "Put the panel back below the canvas")
            } else {
                (
                    "⬈ Float",
                    "Show the panel in a window of its own, over the canvas",
                )
            };
            if ui.button(float_label).on_hover_text(float_hover).clicked() {
                *dock.floating = !*dock.floating;
                *dock.collapsed = false;
            }
            if !*dock.floating {
                let (label, hover) = if *dock.collapsed {
                    ("⏶ Show", "Show the panel again (Ctrl+J)")
                } else {
                    (
                        "⏷ Hide",
                        "Shrink the panel to this row: more room for the canvas (Ctrl+J)",
                    )
                };
                if ui.button(label).on_hover_text(hover).clicked() {
                    *dock.collapsed = !*dock.collapsed;
                }
            }
        });
    });
}

/// Where the bottom panel is: docked below the canvas (open, or hidden to its tab row),
/// or floating in a window (the app's `bottom_collapsed` and `bottom_floating`).
struct Dock<'a> {
    collapsed: &'a mut bool,
    floating: &'a mut bool,
}

/// The bottom panel's first height before any run, when it shows only the problems
/// (about five lines of them; it scrolls beyond).
pub const EDITING_BOTTOM_HEIGHT: f32 = 130.0;

/// The bottom panel's first height during and after a run, for a window `window_h`
/// points high: the canvas keeps at least half of the window.
#[must_use]
pub fn default_bottom_height(window_h: f32) -> f32 {
    (window_h * 0.3).clamp(150.0, 380.0)
}

impl SpillwayApp {
    /// Bottom, left, right and central panels.
    pub(super) fn panels_ui(&mut self, ui: &mut Ui) {
        self.status_follows_run();
        self.refresh_stale();
        self.bottom_ui(ui);
        let active = self.runner.phase.is_active();
        egui::Panel::left("palette")
            .resizable(true)
            .default_size(190.0)
            .min_size(150.0)
            .show(ui, |ui| {
                ui.add_space(4.0);
                ui.add_enabled_ui(!active, |ui| {
                    let cmds = self.palette.ui(ui, self.editor.doc());
                    self.commands.extend(cmds);
                });
            });
        egui::Panel::right("inspector")
            .resizable(true)
            .default_size(340.0)
            .min_size(260.0)
            .show(ui, |ui| self.inspector_ui(ui, active));
        self.canvas_ui(ui);
    }

    /// Whether the run's results (badges, charts, tables) are of another version of the
    /// design than the one open: it was edited since the run started, and is not back
    /// to what was run (an undo back to it is not stale). Moving components, renaming
    /// the design or editing its description do not count: they change no figure.
    #[must_use]
    pub fn results_stale(&self) -> bool {
        if self.stale_of == self.stale_key() {
            self.stale
        } else {
            self.stale_now()
        }
    }

    /// What [`SpillwayApp::results_stale`] is worked out for: the editor's revision
    /// and the run's document.
    fn stale_key(&self) -> Option<(u64, usize)> {
        let run = self.runner.current.as_ref()?;
        Some((self.editor.revision(), Arc::as_ptr(&run.doc) as usize))
    }

    fn stale_now(&self) -> bool {
        let Some(run) = &self.runner.current else {
            return false;
        };
        if run.revision == self.editor.revision() {
            return false;
        }
        let simulated = |d: &Document| {
            let mut d = d.clone();
            d.layout.clear();
            d.name.clear();
            d.description.clear();
            d
        };
        simulated(&run.settings.apply(self.editor.doc())) != simulated(&run.doc)
    }

    /// Work out once per revision (or new run) whether the results are stale.
    fn refresh_stale(&mut self) {
        let key = self.stale_key();
        if key != self.stale_of {
            self.stale = self.stale_now();
            self.stale_of = key;
        }
    }

    /// The status line follows the run: running, paused, stopped, finished or failed,
    /// whichever button (or the worker) changed it.
    fn status_follows_run(&mut self) {
        if self.runner.phase != self.phase_seen {
            self.phase_seen = self.runner.phase.clone();
            if let Some(s) = run::phase_status(&self.runner.phase) {
                self.status = s;
            }
        }
    }

    /// The bottom panel: one panel for every tab, so it keeps one height whichever is
    /// shown; its content scrolls (with a visible bar) rather than stretching or
    /// clipping it. It can shrink to its tab row (Ctrl+J) or float in a window. When its
    /// height changes the canvas fits the design to the room left.
    fn bottom_ui(&mut self, ui: &mut Ui) {
        let has_run = self.runner.current.is_some();
        let window_h = ui.ctx().content_rect().height();
        let height = if self.bottom_floating {
            let mut open = true;
            let screen = ui.ctx().content_rect();
            egui::Window::new("Problems, charts and results")
                .id(egui::Id::new("bottom-window"))
                .open(&mut open)
                .pivot(egui::Align2::CENTER_BOTTOM)
                .default_pos([screen.center().x, screen.bottom() - 40.0])
                .default_size([
                    (screen.width() * 0.7).max(600.0),
                    default_bottom_height(window_h) + 60.0,
                ])
                .resizable(true)
                .show(ui.ctx(), |ui| {
                    ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
                    self.dock_row(ui, has_run);
                    ui.separator();
                    self.bottom_content(ui);
                });
            if !open {
                self.bottom_floating = false;
            }
            0.0
        } else if self.bottom_collapsed {
            egui::Panel::bottom("bottom-collapsed")
                .resizable(false)
                .show(ui, |ui| self.dock_row(ui, has_run))
                .response
                .rect
                .height()
        } else {
            // one height for every tab; but before the first run the panel holds only
            // the problems, so it starts low and keeps a height of its own (the user's,
            // once dragged), and the run's panel takes over when a run starts
            let (id, first, min) = if has_run {
                ("bottom", default_bottom_height(window_h), 120.0)
            } else {
                ("bottom-editing", EDITING_BOTTOM_HEIGHT, 70.0)
            };
            egui::Panel::bottom(id)
                .resizable(true)
                .default_size(first)
                .size_range(min..=(window_h * 0.75).max(160.0))
                .show(ui, |ui| {
                    // fill the panel whatever the tab holds: egui keeps a panel's
                    // height from its content, which would shrink it on a short tab
                    ui.set_min_height(ui.max_rect().height());
                    ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
                    self.dock_row(ui, has_run);
                    ui.separator();
                    self.bottom_content(ui);
                })
                .response
                .rect
                .height()
        };
        self.live_panel_shown = !self.bottom_floating && !self.bottom_collapsed;
        if (height - self.bottom_height).abs() > 0.5 {
            // the canvas changed size: show the whole design again
            self.bottom_height = height;
            self.canvas.request_fit();
        }
    }

    fn dock_row(&mut self, ui: &mut Ui, has_run: bool) {
        let mut dock = Dock {
            collapsed: &mut self.bottom_collapsed,
            floating: &mut self.bottom_floating,
        };
        tab_row(ui, &mut self.bottom, has_run, &mut dock);
    }

    /// What the bottom tab shows; the run's tabs say so first when the design changed
    /// since the run, and dim what follows.
    fn bottom_content(&mut self, ui: &mut Ui) {
        if self.bottom != BottomTab::Problems && self.stale {
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(STALE_NOTE)
                        .color(ui.visuals().warn_fg_color)
                        .strong(),
                );
                if !self.runner.phase.is_active()
                    && ui
                        .button("▶ Run again")
                        .on_hover_text("Run the design as it is now")
                        .clicked()
                {
                    self.request(Action::Run);
                }
            });
            ui.multiply_opacity(0.5);
        }
        match self.bottom {
            BottomTab::Problems => self.problems.ui(
                ui,
                self.editor.doc(),
                self.editor.revision(),
                &mut self.selection,
            ),
            BottomTab::Charts => self.charts.ui(ui, &self.runner, &self.selection),
            BottomTab::Results => {
                if let Some(s) = self.results.table_ui(ui, &self.runner) {
                    self.status = s;
                }
            }
            BottomTab::Insight => {
                ResultsPanel::insight_ui(ui, &self.runner, &mut self.selection);
            }
            BottomTab::Compare => self.results.compare_ui(ui, &mut self.runner),
        }
    }

    /// The selected component's live figures during a run, then its parameters (or
    /// the connection's, or the design's settings), locked during a run.
    fn inspector_ui(&mut self, ui: &mut Ui, active: bool) {
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
                    if self.stale {
                        ui.label(
                            RichText::new("Of the previous version of the design: run again")
                                .color(ui.visuals().warn_fg_color),
                        );
                        ui.multiply_opacity(0.5);
                    }
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
            let cmds = self.inspector.ui(ui, self.editor.doc(), &self.selection);
            self.commands.extend(cmds);
        });
    }

    fn canvas_ui(&mut self, ui: &mut Ui) {
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
                        .map_or(self.editor.doc(), |r| &r.doc),
                    dots,
                )
            });
        }
        self.canvas.running = self.runner.phase.is_active();
        // every frame: the overlay is rebuilt only with a new snapshot, but an edit can
        // make the figures stale (or an undo fresh again) between two snapshots
        let stale = self.results_stale();
        if let Some(live) = self.canvas.live.as_mut() {
            live.stale = stale;
        }
        egui::CentralPanel::default().show(ui, |ui| {
            let cmds = self.canvas.ui(
                ui,
                self.editor.doc(),
                self.editor.revision(),
                &mut self.selection,
            );
            self.commands.extend(cmds);
        });
        if let Some(s) = self.canvas.status.take() {
            self.status = s;
        }
    }
}

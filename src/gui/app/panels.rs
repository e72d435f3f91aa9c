//! The docked panels around the canvas: the bottom tabs (problems, or the run's
//! charts, results, insight and comparison), the palette (left), the inspector (right)
//! and the canvas (centre) with the run's overlay. Their edits come back as commands,
//! queued for the end of the frame.

use egui::{RichText, Ui};

use super::state::{BottomTab, SpillwayApp};
use crate::gui::charts;
use crate::gui::results::ResultsPanel;
use crate::gui::run;

/// The row of bottom tabs; those about a run are greyed out until there is one.
fn tab_row(ui: &mut Ui, tab: &mut BottomTab, has_run: bool) {
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
}

impl SpillwayApp {
    /// Bottom, left, right and central panels.
    pub(super) fn panels_ui(&mut self, ui: &mut Ui) {
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

    fn bottom_ui(&mut self, ui: &mut Ui) {
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
                        self.editor.doc(),
                        self.editor.revision(),
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

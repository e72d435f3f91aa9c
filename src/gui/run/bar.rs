//! The run bar: start, pause, step and stop, the run settings, and the progress of the
//! run and of its replications.

use egui::{RichText, Ui};

use super::{Phase, Runner, SPEEDS};
use crate::model::Duration;
use crate::units::si;

impl Runner {
    /// The run bar: controls, settings and progress. Returns true when Run was pressed
    /// (the caller starts the run with the current document).
    pub fn bar_ui(&mut self, ui: &mut Ui) -> bool {
        let mut start = false;
        ui.horizontal_wrapped(|ui| {
            let active = self.phase.is_active();
            let run_label = if matches!(self.phase, Phase::Idle) {
                "▶ Run"
            } else {
                "⟲ Restart"
            };
            match self.phase {
                Phase::Running => {
                    if ui
                        .button("⏸ Pause")
                        .on_hover_text("Pause the run")
                        .clicked()
                    {
                        self.pause();
                    }
                }
                Phase::Paused => {
                    if ui.button("▶ Resume").clicked() {
                        self.resume();
                    }
                }
                _ => {
                    if ui
                        .button(run_label)
                        .on_hover_text("Simulate the design with these settings")
                        .clicked()
                    {
                        start = true;
                    }
                }
            }
            if ui
                .add_enabled(active, egui::Button::new("⏭ Step"))
                .on_hover_text("Advance one time bucket, then pause")
                .clicked()
            {
                self.step();
            }
            if ui
                .add_enabled(active, egui::Button::new("⏹ Stop"))
                .on_hover_text("Stop the run; its figures so far stay")
                .clicked()
            {
                self.stop();
            }
            if active
                && ui
                    .button("⟲ Restart")
                    .on_hover_text("Stop and run again from the start")
                    .clicked()
            {
                self.stop();
                start = true;
            }
            ui.separator();
            ui.add_enabled_ui(!active, |ui| {
                ui.label("duration");
                duration_edit(ui, &mut self.duration_text, &mut self.settings.duration);
                ui.label("warm-up");
                duration_edit(ui, &mut self.warmup_text, &mut self.settings.warmup);
                ui.label("seed");
                ui.add(egui::DragValue::new(&mut self.settings.seed).speed(1));
                ui.label("replications");
                ui.add(
                    egui::DragValue::new(&mut self.settings.replications)
                        .range(1..=1000)
                        .speed(0.1),
                );
            });
            let mut speed = self.settings.speed;
            let label = SPEEDS
                .iter()
                .find(|(s, _)| (*s - speed).abs() < 1e-9)
                .map_or("custom", |(_, l)| l);
            egui::ComboBox::from_id_salt("run-speed")
                .selected_text(label)
                .show_ui(ui, |ui| {
                    for (s, l) in SPEEDS {
                        ui.selectable_value(&mut speed, s, l);
                    }
                });
            if (speed - self.settings.speed).abs() > 1e-12 {
                self.set_speed(speed);
            }
        });
        self.progress_ui(ui);
        start
    }

    fn progress_ui(&self, ui: &mut Ui) {
        let Some(run) = &self.current else {
            ui.label(
                RichText::new("Press Run to simulate the design: badges, charts and results appear as it goes.")
                    .weak(),
            );
            return;
        };
        ui.horizontal(|ui| {
            let (now, end, wall, eps) = run.snapshot.as_ref().map_or(
                (0.0, run.doc.scenario.duration.as_secs_f64(), 0.0, 0.0),
                |s| (s.now_s, s.end_s, s.wall_s, s.events_per_s),
            );
            let frac = if end > 0.0 { now / end } else { 0.0 };
            let state = match &self.phase {
                Phase::Idle => "idle".to_owned(),
                Phase::Running => "running".to_owned(),
                Phase::Paused => "paused".to_owned(),
                Phase::Finished => "finished".to_owned(),
                Phase::Stopped => "stopped".to_owned(),
                Phase::Failed(_) => "failed".to_owned(),
            };
            let reps = self
                .reps_progress()
                .filter(|_| run.results.is_none() && run.snapshot.as_ref().is_some_and(|s| s.done))
                .map(|p| {
                    format!(
                        " · replications 2-{}: {:.0}%",
                        run.settings.replications,
                        p * 100.0
                    )
                })
                .unwrap_or_default();
            ui.add(
                egui::ProgressBar::new(frac as f32)
                    .desired_width(220.0)
                    .text(format!("{:.0}%", frac * 100.0)),
            );
            ui.label(format!(
                "{state} · simulated {} of {} · wall {:.1} s · {} events/s{reps}",
                crate::units::clock(now),
                crate::units::clock(end),
                wall,
                si(eps)
            ));
            if let Phase::Failed(why) = &self.phase {
                ui.colored_label(ui.visuals().error_fg_color, why);
            }
            if let Some(r) = &run.results {
                ui.separator();
                ui.label(RichText::new(&r.headline).strong());
            }
        });
    }
}

/// A duration text field: red while it does not parse; applied when it does.
fn duration_edit(ui: &mut Ui, text: &mut String, value: &mut Duration) {
    let ok = text.trim().parse::<Duration>();
    let mut edit = egui::TextEdit::singleline(text).desired_width(56.0);
    if ok.is_err() {
        edit = edit.text_color(ui.visuals().error_fg_color);
    }
    let r = ui.add(edit);
    if r.changed()
        && let Ok(d) = text.trim().parse::<Duration>()
    {
        *value = d;
    }
    if r.lost_focus() {
        *text = value.to_string();
    }
}

//! The run bar: start, pause, step and stop, the run settings, and the progress of the
//! run and of its replications.

use egui::{RichText, Ui};

use super::{Phase, Runner, SPEEDS};
use crate::model::Duration;
use crate::units::{elapsed, si};

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
                RichText::new("Press Run (F5) to simulate the design: badges, charts and results appear as it goes.")
                    .weak(),
            );
            return;
        };
        ui.horizontal(|ui| {
            let (now, end) = run
                .snapshot
                .as_ref()
                .map_or((0.0, run.doc.scenario.duration.as_secs_f64()), |s| {
                    (s.now_s, s.end_s)
                });
            let frac = if end > 0.0 { now / end } else { 0.0 };
            ui.add(
                egui::ProgressBar::new(frac as f32)
                    .desired_width(160.0)
                    .text(format!("{:.0}%", frac * 100.0)),
            );
            if let Phase::Failed(why) = &self.phase {
                ui.add(
                    egui::Label::new(
                        RichText::new(format!("failed: {why}")).color(ui.visuals().error_fg_color),
                    )
                    .wrap(),
                );
                return;
            }
            let parts = self.summary_parts(run, now, end);
            let font = egui::TextStyle::Body.resolve(ui.style());
            let color = ui.visuals().text_color();
            let room = ui.available_width() - 4.0;
            let fits = |text: &str| {
                ui.painter()
                    .layout_no_wrap(text.to_owned(), font.clone(), color)
                    .size()
                    .x
                    <= room
            };
            let text = fit_summary(&parts, fits);
            let full = join(&parts, usize::MAX);
            let r = ui.add(egui::Label::new(text.clone()).wrap());
            if text != full {
                r.on_hover_text(full);
            }
        });
    }

    /// The run's summary, most important first: (importance, text); the lower the
    /// number the later a part is dropped when the bar is narrow.
    fn summary_parts(&self, run: &super::Run, now: f64, end: f64) -> Vec<(u8, String)> {
        let state = match &self.phase {
            Phase::Idle => "idle",
            Phase::Running => "running",
            Phase::Paused => "paused",
            Phase::Finished => "finished",
            Phase::Stopped => "stopped",
            Phase::Failed(_) => "failed",
        };
        let mut parts = vec![
            (0, state.to_owned()),
            (
                0,
                format!(
                    "simulated {} of {}",
                    crate::units::clock(now),
                    crate::units::clock(end)
                ),
            ),
        ];
        if let Some(p) = self
            .reps_progress()
            .filter(|_| run.results.is_none() && run.snapshot.as_ref().is_some_and(|s| s.done))
        {
            parts.push((
                1,
                format!(
                    "replications 2-{}: {:.0}%",
                    run.settings.replications,
                    p * 100.0
                ),
            ));
        }
        if let Some(r) = &run.results {
            parts.push((2, r.headline.clone()));
        }
        if let Some(s) = &run.snapshot {
            parts.push((4, format!("wall {}", elapsed(s.wall_s))));
            // a rate only while the engine runs, measured over enough running time
            if let Some(eps) = s.events_per_s
                && self.phase == Phase::Running
            {
                parts.push((3, format!("{} events/s", si(eps))));
            }
        }
        parts
    }
}

/// The parts joined with " · ", keeping those of importance up to `max` only.
fn join(parts: &[(u8, String)], max: usize) -> String {
    parts
        .iter()
        .filter(|(imp, _)| usize::from(*imp) <= max)
        .map(|(_, t)| t.as_str())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The longest summary that `fits`: drop the least important parts first; the most
/// important ones are kept even when they do not fit (they wrap then, never cut).
fn fit_summary(parts: &[(u8, String)], fits: impl Fn(&str) -> bool) -> String {
    let most = parts
        .iter()
        .map(|(i, _)| usize::from(*i))
        .max()
        .unwrap_or(0);
    for max in (0..=most).rev() {
        let text = join(parts, max);
        if fits(&text) {
            return text;
        }
    }
    join(parts, 0)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_narrow_bar_drops_the_least_important_parts_first() {
        let parts = vec![
            (0, "running".to_owned()),
            (0, "simulated 01:00 of 10:00".to_owned()),
            (3, "1.2M events/s".to_owned()),
            (4, "wall 2.0 s".to_owned()),
            (2, "p99 12 ms · $3 a month".to_owned()),
        ];
        let all = fit_summary(&parts, |_| true);
        assert_eq!(
            all,
            "running · simulated 01:00 of 10:00 · 1.2M events/s · wall 2.0 s · p99 12 ms · $3 a month"
        );
        // a little narrower: the wall time goes first, then the rate, then the headline
        let no_wall = "running · simulated 01:00 of 10:00 · 1.2M events/s · p99 12 ms · $3 a month";
        assert_eq!(fit_summary(&parts, |t| t.len() <= no_wall.len()), no_wall);
        let no_rate = "running · simulated 01:00 of 10:00 · p99 12 ms · $3 a month";
        assert_eq!(fit_summary(&parts, |t| t.len() <= no_rate.len()), no_rate);
        let shorter = fit_summary(&parts, |t| t.len() < no_rate.len());
        assert_eq!(shorter, "running · simulated 01:00 of 10:00");
        // nothing fits: the most important parts stay (the label wraps them)
        assert_eq!(fit_summary(&parts, |_| false), shorter);
    }
}

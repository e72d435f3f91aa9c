//! The start window: the built-in examples (with their descriptions, parsed once),
//! the recent designs, and New or Open.

use egui::RichText;

use super::action::Action;
use super::state::SpillwayApp;
use crate::gui::files::{EXAMPLES, example_descriptions};

impl SpillwayApp {
    /// Draw the start window while [`SpillwayApp::show_start`] is on.
    pub(super) fn start_ui(&mut self, ctx: &egui::Context) {
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
                    for ((name, _), desc) in EXAMPLES.iter().zip(example_descriptions()) {
                        if cols[0].link(*name).on_hover_text(desc.as_str()).clicked() {
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
}

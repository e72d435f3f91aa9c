//! What the GUI tests share: the real app on an example in a headless harness, and
//! stepping frames until the run (on its worker thread) gets somewhere.

use std::time::Duration as WallDuration;

use egui_kittest::Harness;
use spillway::gui::{AppOptions, SpillwayApp};

/// The app on `examples/<example>` in a window of `size`, in the light or dark theme,
/// remembering nothing, after its first frames.
pub fn example_app(example: &str, size: [f32; 2], light: bool) -> Harness<'static, SpillwayApp> {
    let path = format!("{}/examples/{example}", env!("CARGO_MANIFEST_DIR"));
    let mut app = SpillwayApp::new(AppOptions {
        file: Some(path.into()),
        config: None,
        dialogs: false,
    });
    app.settings.light = light;
    let mut h = Harness::builder()
        .with_size(size)
        .build_ui_state(|ui, app: &mut SpillwayApp| app.frame_ui(ui), app);
    h.run_steps(3);
    h
}

/// Step frames until `done` holds (at most about a minute of waiting).
pub fn step_until(
    h: &mut Harness<'static, SpillwayApp>,
    what: &str,
    done: impl Fn(&SpillwayApp) -> bool,
) {
    for _ in 0..6000 {
        h.step();
        if done(h.state()) {
            return;
        }
        std::thread::sleep(WallDuration::from_millis(10));
    }
    panic!(
        "gave up waiting for: {what} (phase {:?})",
        h.state().runner.phase
    );
}

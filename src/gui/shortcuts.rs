//! The keyboard shortcuts, listed once for the Help dialog and the menus.

/// (what, keys) for every shortcut, as shown in Help > Keyboard shortcuts.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("New", "Ctrl+N"),
    ("Open...", "Ctrl+O"),
    ("Save", "Ctrl+S"),
    ("Save As...", "Ctrl+Shift+S"),
    ("Export...", "Ctrl+E"),
    ("Undo", "Ctrl+Z"),
    ("Redo", "Ctrl+Shift+Z / Ctrl+Y"),
    ("Cut", "Ctrl+X"),
    ("Copy", "Ctrl+C"),
    ("Paste", "Ctrl+V"),
    ("Duplicate", "Ctrl+D"),
    ("Delete", "Delete"),
    ("Select all", "Ctrl+A"),
    ("Zoom to fit", "F"),
    ("Nudge the selection", "Arrow keys"),
];

/// The keys of the shortcut for menu item `what` (`Cmd` instead of `Ctrl` on macOS),
/// empty when it has none.
#[must_use]
pub fn shortcut_text(ctx: &egui::Context, what: &str) -> String {
    let keys = SHORTCUTS
        .iter()
        .find(|(w, _)| *w == what)
        .map_or("", |(_, k)| *k);
    let keys = keys.split(" / ").next().unwrap_or_default();
    if ctx.os() == egui::os::OperatingSystem::Mac {
        keys.replace("Ctrl", "Cmd")
    } else {
        keys.to_owned()
    }
}

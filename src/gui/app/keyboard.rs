//! The keyboard shortcuts: one table, [`SHORTCUTS`], that both binds the keys
//! ([`pressed`]) and feeds Help > Keyboard shortcuts and the menus' key hints
//! ([`keys_text`], [`shortcut_text`]). A shortcut cannot work without being listed,
//! nor be listed without working.

use egui::{Event, InputState, Key, KeyboardShortcut, ModifierNames, Modifiers};

use super::action::Action;
use super::state::{NUDGE, SpillwayApp};

/// Where a shortcut works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Always, even while a text field has the keyboard or a dialog is open.
    Anywhere,
    /// On the design: not while a text field has the keyboard or a dialog is open.
    Design,
}

/// A clipboard event that also triggers a shortcut: desktops turn Ctrl+C, Ctrl+X and
/// Ctrl+V into these instead of key presses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clipboard {
    /// [`Event::Copy`].
    Copy,
    /// [`Event::Cut`].
    Cut,
    /// [`Event::Paste`]: becomes [`Action::Paste`] with the pasted text.
    Paste,
}

/// One shortcut: what Help calls it, its keys, and the action they trigger.
#[derive(Clone, Debug, PartialEq)]
pub struct Shortcut {
    /// What it does, as Help lists it.
    pub what: &'static str,
    /// The key combinations (the first one is shown in the menus).
    pub keys: &'static [KeyboardShortcut],
    /// The clipboard event that triggers it too, if any.
    pub clipboard: Option<Clipboard>,
    /// Where it works.
    pub scope: Scope,
    /// What it does.
    pub action: Action,
}

const fn ctrl(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::COMMAND, key)
}

const fn ctrl_shift(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(
        Modifiers {
            shift: true,
            ..Modifiers::COMMAND
        },
        key,
    )
}

const fn shift(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::SHIFT, key)
}

const fn plain(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::NONE, key)
}

const fn entry(
    what: &'static str,
    keys: &'static [KeyboardShortcut],
    scope: Scope,
    action: Action,
) -> Shortcut {
    Shortcut {
        what,
        keys,
        clipboard: None,
        scope,
        action,
    }
}

const fn clip_entry(
    what: &'static str,
    keys: &'static [KeyboardShortcut],
    clipboard: Clipboard,
    action: Action,
) -> Shortcut {
    Shortcut {
        what,
        keys,
        clipboard: Some(clipboard),
        scope: Scope::Design,
        action,
    }
}

/// Every shortcut, in the order Help lists them. `Ctrl` is `Cmd` on macOS.
pub const SHORTCUTS: &[Shortcut] = &[
    entry("New", &[ctrl(Key::N)], Scope::Anywhere, Action::New),
    entry("Open...", &[ctrl(Key::O)], Scope::Anywhere, Action::Open),
    entry("Save", &[ctrl(Key::S)], Scope::Anywhere, Action::Save),
    entry(
        "Save As...",
        &[ctrl_shift(Key::S)],
        Scope::Anywhere,
        Action::SaveAs,
    ),
    entry(
        "Export...",
        &[ctrl(Key::E)],
        Scope::Anywhere,
        Action::Export(None),
    ),
    entry("Undo", &[ctrl(Key::Z)], Scope::Design, Action::Undo),
    entry(
        "Redo",
        &[ctrl_shift(Key::Z), ctrl(Key::Y)],
        Scope::Design,
        Action::Redo,
    ),
    clip_entry("Cut", &[ctrl(Key::X)], Clipboard::Cut, Action::Cut),
    clip_entry("Copy", &[ctrl(Key::C)], Clipboard::Copy, Action::Copy),
    clip_entry(
        "Paste",
        &[ctrl(Key::V)],
        Clipboard::Paste,
        Action::PasteCopied,
    ),
    entry(
        "Duplicate",
        &[ctrl(Key::D)],
        Scope::Design,
        Action::Duplicate,
    ),
    entry(
        "Delete",
        &[plain(Key::Delete), plain(Key::Backspace)],
        Scope::Design,
        Action::Delete,
    ),
    entry(
        "Select all",
        &[ctrl(Key::A)],
        Scope::Design,
        Action::SelectAll,
    ),
    entry("Zoom to fit", &[plain(Key::F)], Scope::Design, Action::Fit),
    entry(
        "Run (or restart)",
        &[plain(Key::F5)],
        Scope::Anywhere,
        Action::Run,
    ),
    entry(
        "Pause or resume the run",
        &[plain(Key::F6)],
        Scope::Anywhere,
        Action::PauseResume,
    ),
    entry(
        "Step one time bucket",
        &[plain(Key::F10)],
        Scope::Anywhere,
        Action::Step,
    ),
    entry(
        "Stop the run",
        &[shift(Key::F5)],
        Scope::Anywhere,
        Action::Stop,
    ),
    entry(
        "Hide or show the bottom panel",
        &[ctrl(Key::J)],
        Scope::Design,
        Action::ToggleBottomPanel,
    ),
    entry(
        "Nudge left",
        &[plain(Key::ArrowLeft)],
        Scope::Design,
        Action::Nudge(-NUDGE, 0.0),
    ),
    entry(
        "Nudge right",
        &[plain(Key::ArrowRight)],
        Scope::Design,
        Action::Nudge(NUDGE, 0.0),
    ),
    entry(
        "Nudge up",
        &[plain(Key::ArrowUp)],
        Scope::Design,
        Action::Nudge(0.0, -NUDGE),
    ),
    entry(
        "Nudge down",
        &[plain(Key::ArrowDown)],
        Scope::Design,
        Action::Nudge(0.0, NUDGE),
    ),
];

/// How many modifier keys a shortcut needs (Ctrl and Cmd count once).
fn modifier_count(m: Modifiers) -> usize {
    usize::from(m.alt) + usize::from(m.shift) + usize::from(m.ctrl || m.command || m.mac_cmd)
}

/// The actions this frame's keys and clipboard events ask for, consumed from `input`;
/// with `design` false only the [`Scope::Anywhere`] shortcuts count.
pub fn pressed(input: &mut InputState, design: bool) -> Vec<Action> {
    let live = |s: &&Shortcut| design || s.scope == Scope::Anywhere;
    let mut keys: Vec<(&KeyboardShortcut, &Shortcut)> = SHORTCUTS
        .iter()
        .filter(live)
        .flat_map(|s| s.keys.iter().map(move |k| (k, s)))
        .collect();
    // the most modifiers first: Ctrl+Shift+Z must not be taken for Ctrl+Z
    keys.sort_by_key(|(k, _)| std::cmp::Reverse(modifier_count(k.modifiers)));
    let mut out = Vec::new();
    for (k, s) in keys {
        if input.consume_shortcut(k) {
            out.push(s.action.clone());
        }
    }
    for e in &input.events {
        let (clipboard, text) = match e {
            Event::Copy => (Clipboard::Copy, None),
            Event::Cut => (Clipboard::Cut, None),
            Event::Paste(t) => (Clipboard::Paste, Some(t)),
            _ => continue,
        };
        let Some(s) = SHORTCUTS
            .iter()
            .filter(live)
            .find(|s| s.clipboard == Some(clipboard))
        else {
            continue;
        };
        out.push(match text {
            Some(t) => Action::Paste(t.clone()),
            None => s.action.clone(),
        });
    }
    out
}

/// One key combination as people read it: `Ctrl+Shift+Z` (`Cmd+Shift+Z` on macOS).
#[must_use]
pub fn key_text(k: &KeyboardShortcut, mac: bool) -> String {
    let mods = ModifierNames::NAMES.format(&k.modifiers, mac);
    if mods.is_empty() {
        k.logical_key.name().to_owned()
    } else {
        format!("{mods}+{}", k.logical_key.name())
    }
}

/// Every key combination of a shortcut, as Help shows them: `Ctrl+Shift+Z / Ctrl+Y`.
#[must_use]
pub fn keys_text(s: &Shortcut, mac: bool) -> String {
    s.keys
        .iter()
        .map(|k| key_text(k, mac))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// The first key combination that triggers `action`, for a menu item's hint; empty
/// when none does.
#[must_use]
pub fn shortcut_text(ctx: &egui::Context, action: &Action) -> String {
    SHORTCUTS
        .iter()
        .find(|s| s.action == *action)
        .and_then(|s| s.keys.first())
        .map(|k| key_text(k, ctx.os() == egui::os::OperatingSystem::Mac))
        .unwrap_or_default()
}

impl SpillwayApp {
    /// Queue the actions of this frame's shortcuts; only the [`Scope::Anywhere`] ones
    /// while a text field has the keyboard or a dialog is open.
    pub(super) fn keyboard(&mut self, ctx: &egui::Context) {
        let design = !self.modal_open() && !ctx.egui_wants_keyboard_input();
        let acts = ctx.input_mut(|i| pressed(i, design));
        self.actions.extend(acts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_combination_is_bound_twice_and_every_shortcut_has_keys() {
        let mut seen = std::collections::BTreeSet::new();
        for s in SHORTCUTS {
            assert!(!s.keys.is_empty(), "{}", s.what);
            for k in s.keys {
                assert!(seen.insert(key_text(k, false)), "{} bound twice", s.what);
            }
        }
    }

    #[test]
    fn keys_read_as_people_write_them() {
        let redo = SHORTCUTS.iter().find(|s| s.what == "Redo").unwrap();
        assert_eq!(keys_text(redo, false), "Ctrl+Shift+Z / Ctrl+Y");
        assert_eq!(keys_text(redo, true), "Shift+Cmd+Z / Cmd+Y");
        assert_eq!(key_text(&plain(Key::ArrowLeft), false), "Left");
    }
}

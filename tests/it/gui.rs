//! The editor driven like a user would, headless with egui_kittest (no GPU): the real
//! app with a temporary config directory, queried by accessible labels.

use std::path::Path;

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use spillway::gui::app::BottomTab;
use spillway::gui::app::PATH_LABEL;
use spillway::gui::app::keyboard::{Clipboard, SHORTCUTS, keys_text};
use spillway::gui::files::{self, ConfigDir};
use spillway::gui::{Action, AppOptions, SpillwayApp};
use spillway::model::{self, ComponentKind, Duration};

use crate::common::TempDir;

fn app_in(dir: &Path, file: Option<std::path::PathBuf>) -> SpillwayApp {
    SpillwayApp::new(AppOptions {
        file,
        config: Some(ConfigDir::new(dir.join("config"))),
        dialogs: false,
    })
}

fn harness(app: SpillwayApp) -> Harness<'static, SpillwayApp> {
    let mut h = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut SpillwayApp| app.frame_ui(ui), app);
    h.run_steps(3);
    h
}

/// A harness on a new, empty design.
fn empty(dir: &Path) -> Harness<'static, SpillwayApp> {
    let mut h = harness(app_in(dir, None));
    h.state_mut().show_start = false;
    h.state_mut().request(Action::New);
    h.run_steps(3);
    assert!(h.state().editor.doc().components.is_empty());
    h
}

fn visibility_timeout(app: &SpillwayApp) -> Duration {
    match &app.editor.doc().components[0].kind {
        ComponentKind::SqsQueue(q) => q.visibility_timeout,
        k => panic!("not a queue: {k:?}"),
    }
}

/// Replace the "30s" of the inspector's visibility timeout field by `text`, without
/// leaving the field.
fn retype_visibility_timeout(h: &mut Harness<'static, SpillwayApp>, text: &str) {
    h.get_by_label("visibility timeout").focus();
    h.run_steps(2);
    for _ in 0..3 {
        h.key_press(Key::Backspace);
    }
    h.get_by_label("visibility timeout").type_text(text);
    h.run_steps(2);
}

fn add_queue(h: &mut Harness<'static, SpillwayApp>) {
    h.get_by_role_and_label(egui::accesskit::Role::Button, "SQS queue")
        .click();
    h.run_steps(3);
}

/// A new user adds parts one by one from the palette: each lands next to the design,
/// and the view keeps the whole design in sight while it fits.
#[test]
fn parts_added_from_the_palette_keep_the_whole_design_in_view() {
    let dir = TempDir::new("gui");
    let mut h = empty(dir.path());
    for entry in [
        "Client app",
        "SQS queue",
        "Lambda function",
        "DynamoDB table",
    ] {
        h.get_by_role_and_label(egui::accesskit::Role::Button, entry)
            .click();
        h.run_steps(4);
        let d = h.state().canvas.drawn_boxes().clone();
        let n = h.state().editor.doc().components.len();
        assert_eq!(d.nodes.len(), n, "after adding {entry}");
        for (id, r) in &d.nodes {
            assert!(
                d.canvas.contains_rect(*r),
                "after adding {entry}, {id} at {r:?} is out of the canvas {:?}",
                d.canvas
            );
        }
    }
}

#[test]
fn first_start_opens_an_example_and_offers_the_start_screen() {
    let dir = TempDir::new("gui");
    let h = harness(app_in(dir.path(), None));
    assert_eq!(
        h.state().editor.doc(),
        &files::example(files::FIRST_EXAMPLE).unwrap()
    );
    assert!(h.state().show_start);
    h.get_by_label("order-fanout.ron");
    assert!(h.state().title().contains("Order fan-out"));
}

#[test]
fn palette_click_adds_a_component_and_the_inspector_edits_it_with_undo_and_redo() {
    let dir = TempDir::new("gui");
    let mut h = empty(dir.path());
    add_queue(&mut h);
    let app = h.state();
    assert_eq!(app.editor.doc().components.len(), 1);
    assert_eq!(app.editor.doc().components[0].id, "queue");
    assert!(app.selection.components.contains("queue"));
    assert!(app.editor.is_dirty() && app.title().starts_with("* "));
    assert_eq!(visibility_timeout(app), Duration::from_secs(30));

    // type a new visibility timeout in the inspector: applied when the field is left
    retype_visibility_timeout(&mut h, "45s");
    assert_eq!(
        visibility_timeout(h.state()),
        Duration::from_secs(30),
        "not while typing"
    );
    h.key_press(Key::Enter);
    h.run_steps(3);
    assert_eq!(visibility_timeout(h.state()), Duration::from_secs(45));
    assert_eq!(h.state().editor.undo_label(), Some("Edit queue"));

    // undo and redo with the keyboard
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(3);
    assert_eq!(visibility_timeout(h.state()), Duration::from_secs(30));
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.run_steps(3);
    assert_eq!(visibility_timeout(h.state()), Duration::from_secs(45));
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Y);
    h.run_steps(3);
    assert_eq!(visibility_timeout(h.state()), Duration::from_secs(45));
}

/// The text in the inspector's visibility timeout field.
fn visibility_timeout_text(h: &Harness<'static, SpillwayApp>) -> String {
    h.get_by_label("visibility timeout")
        .value()
        .unwrap_or_default()
}

#[test]
fn an_invalid_duration_says_why_and_keeps_the_text_until_fixed_or_esc() {
    let dir = TempDir::new("gui");
    let mut h = empty(dir.path());
    add_queue(&mut h);
    retype_visibility_timeout(&mut h, "5 minutes");
    h.get_by_label("invalid");
    // the reason, under the field, while typing
    let why = "5 minutes".parse::<Duration>().unwrap_err().to_string();
    assert!(why.contains("minutes"), "{why}");
    h.get_by_label(&why);
    h.key_press(Key::Enter);
    h.run_steps(3);
    // not applied, not reverted: the text stays with its reason, and the status line
    // says which field and why
    assert_eq!(visibility_timeout(h.state()), Duration::from_secs(30));
    assert_eq!(h.state().editor.undo_label(), Some("Add SQS queue"));
    assert_eq!(visibility_timeout_text(&h), "5 minutes");
    h.get_by_label(&why);
    assert!(
        h.state()
            .status
            .starts_with("visibility timeout not changed: ")
            && h.state().status.contains(&why),
        "{}",
        h.state().status
    );
    // the keyboard stays in the field: fixing the text applies it
    for _ in 0.."minutes".len() {
        h.key_press(Key::Backspace);
    }
    h.get_by_label("visibility timeout").type_text("m");
    h.run_steps(2);
    assert!(h.query_by_label(&why).is_none());
    h.key_press(Key::Enter);
    h.run_steps(3);
    assert_eq!(visibility_timeout(h.state()), Duration::from_secs(300));
    assert_eq!(visibility_timeout_text(&h), "5m");

    // Esc puts the value back
    h.get_by_label("visibility timeout").focus();
    h.run_steps(2);
    for _ in 0..2 {
        h.key_press(Key::Backspace);
    }
    h.get_by_label("visibility timeout").type_text("soon");
    h.run_steps(2);
    h.key_press(Key::Escape);
    h.run_steps(3);
    assert_eq!(visibility_timeout_text(&h), "5m");
    assert!(h.query_by_label("invalid").is_none());
    assert_eq!(visibility_timeout(h.state()), Duration::from_secs(300));
}

#[test]
fn problems_panel_lists_a_dangling_component_and_selects_it_on_click() {
    let dir = TempDir::new("gui");
    let mut h = empty(dir.path());
    add_queue(&mut h);
    h.state_mut().selection = Default::default();
    h.run_steps(2);
    let problem = h.get_by_label_contains("receives nothing");
    problem.click();
    h.run_steps(2);
    assert!(h.state().selection.components.contains("queue"));
}

#[test]
fn save_and_reopen_give_the_identical_document_and_remember_the_file() {
    let dir = TempDir::new("gui");
    let file = dir.path().join("my design.ron");
    let mut h = empty(dir.path());
    add_queue(&mut h);
    h.get_by_label("Lambda function").click();
    h.run_steps(3);
    h.state_mut().request(Action::SaveTo(file.clone()));
    h.run_steps(2);
    let saved = h.state().editor.doc().clone();
    assert!(!h.state().editor.is_dirty());
    assert!(!h.state().title().starts_with('*'));
    assert_eq!(model::load(&file).unwrap(), saved);

    // reopen from the command line
    let h2 = harness(app_in(dir.path(), Some(file.clone())));
    assert_eq!(h2.state().editor.doc(), &saved);
    assert_eq!(h2.state().editor.path(), Some(file.as_path()));
    // and with no file given, the last design opens
    let h3 = harness(app_in(dir.path(), None));
    assert_eq!(h3.state().editor.doc(), &saved);
    assert_eq!(h3.state().settings.recent.first(), Some(&file));
}

#[test]
fn a_broken_file_shows_its_error_and_keeps_the_current_design() {
    let dir = TempDir::new("gui");
    let bad = dir.path().join("bad.ron");
    std::fs::write(
        &bad,
        "(name: \"x\", components: [(id: \"a\", kind: Nope())])",
    )
    .unwrap();
    let mut h = harness(app_in(dir.path(), None));
    h.state_mut().show_start = false;
    let before = h.state().editor.doc().clone();
    h.state_mut().request(Action::OpenPath(bad));
    h.run_steps(3);
    assert_eq!(h.state().editor.doc(), &before);
    h.get_by_label_contains("line 1");
    h.get_by_label("OK").click();
    h.run_steps(2);
    assert!(!h.state().modal_open());
}

#[test]
fn copy_and_paste_insert_the_components_with_fresh_ids() {
    let dir = TempDir::new("gui");
    let mut h = harness(app_in(dir.path(), None));
    h.state_mut().show_start = false;
    let n = h.state().editor.doc().components.len();
    let m = h.state().editor.doc().connections.len();
    // select the two billing components, which are connected
    h.state_mut().selection.components = ["billing-q".to_owned(), "billing".to_owned()]
        .into_iter()
        .collect();
    h.run_steps(1);
    h.event(egui::Event::Copy);
    h.run_steps(2);
    let text = h.state().clipboard.clone().expect("copied");
    h.event(egui::Event::Paste(text));
    h.run_steps(3);
    let doc = &h.state().editor.doc();
    assert_eq!(doc.components.len(), n + 2);
    assert_eq!(doc.connections.len(), m + 1);
    assert!(doc.component("billing-q-2").is_some() && doc.component("billing-2").is_some());
    assert_eq!(h.state().editor.undo_label(), Some("Paste 2 components"));
    // the pasted copy is selected; Ctrl+D duplicates it once more
    h.key_press_modifiers(Modifiers::COMMAND, Key::D);
    h.run_steps(3);
    assert_eq!(h.state().editor.doc().components.len(), n + 4);
    // Delete removes the selection
    h.key_press(Key::Delete);
    h.run_steps(3);
    assert_eq!(h.state().editor.doc().components.len(), n + 2);
}

#[test]
fn unsaved_work_is_not_discarded_without_asking() {
    let dir = TempDir::new("gui");
    let mut h = empty(dir.path());
    add_queue(&mut h);
    h.key_press_modifiers(Modifiers::COMMAND, Key::N);
    h.run_steps(3);
    h.get_by_label("Unsaved changes");
    h.get_by_label("Cancel").click();
    h.run_steps(3);
    assert_eq!(h.state().editor.doc().components.len(), 1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::N);
    h.run_steps(3);
    h.get_by_label("Discard").click();
    h.run_steps(3);
    assert!(h.state().editor.doc().components.is_empty());
    assert!(!h.state().editor.is_dirty());
}

#[test]
fn autosaved_work_is_offered_at_the_next_start() {
    let dir = TempDir::new("gui");
    let config = ConfigDir::new(dir.path().join("config"));
    let mut h = empty(dir.path());
    add_queue(&mut h);
    // an idle window draws no frames: one with work not yet copied asks for a frame
    // when the copy is due
    h.run();
    let delay = h.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay;
    assert!(
        delay.as_secs_f64() <= spillway::gui::app::AUTOSAVE_INTERVAL_S,
        "{delay:?}"
    );
    let now = h.ctx.input(|i| i.time);
    let due = h.state_mut().autosave(now).expect("work not yet copied");
    assert!(due > 0.0 && due <= spillway::gui::app::AUTOSAVE_INTERVAL_S);
    assert!(config.read_recovery().is_none(), "not before it is due");
    assert_eq!(h.state_mut().autosave(now + due), None);
    assert!(config.read_recovery().is_some());
    let work = h.state().editor.doc().clone();
    drop(h); // a crash: no clean exit
    let mut h2 = harness(app_in(dir.path(), None));
    h2.get_by_label("Recover unsaved work?");
    h2.get_by_label("Recover").click();
    h2.run_steps(3);
    assert_eq!(h2.state().editor.doc(), &work);
    assert!(h2.state().editor.is_dirty());
    // a clean exit removes the recovery file
    h2.state_mut().exit();
    assert!(
        ConfigDir::new(dir.path().join("config"))
            .read_recovery()
            .is_none()
    );
}

#[test]
fn templates_and_nudges_are_one_undo_step_each() {
    let dir = TempDir::new("gui");
    let mut h = empty(dir.path());
    h.state_mut().request(Action::Template(1));
    h.run_steps(3);
    assert_eq!(h.state().editor.doc().components.len(), 3);
    assert_eq!(h.state().editor.doc().connections.len(), 2);
    let before = h.state().editor.doc().layout.clone();
    h.key_press(Key::ArrowRight);
    h.run_steps(2);
    let after = &h.state().editor.doc().layout;
    for (id, p) in &before {
        assert!((after[id][0] - p[0] - 10.0).abs() < 1e-3);
    }
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(h.state().editor.doc().layout, before);
}

#[test]
fn every_example_round_trips_through_save_and_load() {
    let dir = TempDir::new("gui");
    for (name, _) in files::EXAMPLES {
        let doc = files::example(name).unwrap();
        let p = dir.path().join(name);
        model::save(&doc, &p).unwrap();
        assert_eq!(model::load(&p).unwrap(), doc, "{name}");
    }
}

#[test]
fn every_palette_kind_is_added_and_inspected_without_error() {
    let dir = TempDir::new("gui");
    let mut h = empty(dir.path());
    let entries = spillway::gui::palette::ENTRIES;
    for e in entries {
        // no tooltip of the previous entry over this one
        h.remove_cursor();
        let button = || egui::accesskit::Role::Button;
        h.run_steps(1);
        // the palette scrolls: bring the entry into view first
        h.get_by_role_and_label(button(), e.label).scroll_to_me();
        // (scrolling is animated: let it settle)
        h.run_steps(20);
        h.get_by_role_and_label(button(), e.label).click();
        // more than egui's double-click time between clicks
        h.run_steps(25);
        assert!(
            h.query_by_label_contains("not applied").is_none(),
            "{}",
            e.label
        );
        assert!(
            h.query_by_label_contains("cannot show").is_none(),
            "{}",
            e.label
        );
    }
    let ids: Vec<_> = h
        .state()
        .editor
        .doc()
        .components
        .iter()
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(ids.len(), entries.len(), "{ids:?}");
    // one click, one undo step
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(h.state().editor.doc().components.len(), entries.len() - 1);
}

#[test]
fn a_selected_connection_shows_its_fields_and_edits_them() {
    let dir = TempDir::new("gui");
    let mut h = harness(app_in(dir.path(), None));
    h.state_mut().show_start = false;
    // orders -> billing-q carries a filter policy in the example
    let i = h
        .state()
        .editor
        .doc()
        .connections
        .iter()
        .position(|k| k.from == "orders" && k.to == "billing-q")
        .unwrap();
    h.state_mut().selection.only_connection(i);
    h.run_steps(3);
    h.get_by_label("Connection");
    h.get_by_label("filter");
    // give the link a latency: "set" on latency ms
    let before = h.state().editor.doc().connections[i].clone();
    assert!(before.latency_ms.is_none());
    let rows = h.get_all_by_label("set").count();
    assert!(rows >= 1);
    h.get_all_by_label("set").next().unwrap().click();
    h.run_steps(3);
    let after = &h.state().editor.doc().connections[i];
    assert_ne!(after, &before);
    assert_eq!(after.filter, before.filter, "the filter is kept");
}

#[test]
fn a_half_typed_value_is_applied_when_another_component_is_clicked() {
    let dir = TempDir::new("gui");
    let mut h = empty(dir.path());
    add_queue(&mut h);
    add_queue(&mut h);
    let first = h.state().editor.doc().components[0].id.clone();
    let second = h.state().editor.doc().components[1].id.clone();
    assert!(h.state().selection.components.contains(&second));
    retype_visibility_timeout(&mut h, "45s");
    // no Enter: the user clicks the other queue on the canvas
    let p = h.state().canvas.screen_position(&first).unwrap();
    h.event(egui::Event::PointerMoved(p));
    h.step();
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: p,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        });
        h.step();
    }
    h.run_steps(3);
    let app = h.state();
    assert!(
        app.selection.components.contains(&first),
        "{:?}",
        app.selection
    );
    let timeout = |id: &str| match &app.editor.doc().component(id).unwrap().kind {
        ComponentKind::SqsQueue(q) => q.visibility_timeout,
        k => panic!("not a queue: {k:?}"),
    };
    assert_eq!(
        timeout(&second),
        Duration::from_secs(45),
        "typed value kept"
    );
    assert_eq!(
        timeout(&first),
        Duration::from_secs(30),
        "and not given to the other"
    );
}

/// The window's close button, for one frame; returns the viewport commands of that frame.
fn close_window(h: &mut Harness<'static, SpillwayApp>) -> Vec<egui::ViewportCommand> {
    let root = egui::ViewportId::ROOT;
    h.input_mut()
        .viewports
        .entry(root)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    h.step();
    if let Some(v) = h.input_mut().viewports.get_mut(&root) {
        v.events.clear();
    }
    let cmds = h
        .output()
        .viewport_output
        .get(&root)
        .map(|o| o.commands.clone())
        .unwrap_or_default();
    h.run_steps(2);
    cmds
}

#[test]
fn closing_the_window_with_unsaved_work_asks_first() {
    let dir = TempDir::new("gui");
    let mut h = empty(dir.path());
    // nothing to lose: the window closes
    assert!(!close_window(&mut h).contains(&egui::ViewportCommand::CancelClose));
    assert!(!h.state().modal_open());

    let mut h = empty(dir.path());
    add_queue(&mut h);
    assert!(h.state().editor.is_dirty());
    let cmds = close_window(&mut h);
    assert!(
        cmds.contains(&egui::ViewportCommand::CancelClose),
        "{cmds:?}"
    );
    h.get_by_label("Unsaved changes");
    // Cancel keeps the work and the window
    h.get_by_label("Cancel").click();
    h.run_steps(3);
    assert!(!h.state().modal_open());
    assert_eq!(h.state().editor.doc().components.len(), 1);
    // Discard closes
    close_window(&mut h);
    h.get_by_label("Discard").click();
    let mut closes = false;
    for _ in 0..3 {
        h.step();
        closes |= h
            .output()
            .viewport_output
            .get(&egui::ViewportId::ROOT)
            .is_some_and(|o| o.commands.contains(&egui::ViewportCommand::Close));
    }
    assert!(closes, "the window is closed after Discard");
    assert!(!h.state().editor.is_dirty(), "discarded on purpose");
}

/// The example design, start window closed.
fn on_example(dir: &Path) -> Harness<'static, SpillwayApp> {
    let mut h = harness(app_in(dir, None));
    h.state_mut().show_start = false;
    h.run_steps(1);
    h
}

#[test]
fn every_listed_shortcut_triggers_its_action() {
    let dir = TempDir::new("gui");
    for s in SHORTCUTS {
        for k in s.keys {
            // a fresh window each time: some actions open a dialog
            let mut h = on_example(dir.path());
            h.key_press_modifiers(k.modifiers, k.logical_key);
            h.run_steps(2);
            assert_eq!(
                h.state().recent_actions(),
                std::slice::from_ref(&s.action),
                "{} ({})",
                s.what,
                keys_text(s, false)
            );
        }
        if let Some(c) = s.clipboard {
            let mut h = on_example(dir.path());
            let (event, want) = match c {
                Clipboard::Copy => (egui::Event::Copy, s.action.clone()),
                Clipboard::Cut => (egui::Event::Cut, s.action.clone()),
                Clipboard::Paste => (
                    egui::Event::Paste("text".to_owned()),
                    Action::Paste("text".to_owned()),
                ),
            };
            h.event(event);
            h.run_steps(2);
            assert_eq!(h.state().recent_actions(), [want], "{} (clipboard)", s.what);
        }
    }
}

#[test]
fn keys_not_in_the_table_trigger_nothing() {
    let dir = TempDir::new("gui");
    let mut h = on_example(dir.path());
    let listed: Vec<_> = SHORTCUTS
        .iter()
        .flat_map(|s| s.keys.iter().copied())
        .collect();
    let mut tried = 0;
    for key in [
        Key::A,
        Key::B,
        Key::C,
        Key::D,
        Key::E,
        Key::F,
        Key::G,
        Key::H,
        Key::I,
        Key::J,
        Key::K,
        Key::L,
        Key::M,
        Key::N,
        Key::O,
        Key::P,
        Key::Q,
        Key::R,
        Key::S,
        Key::T,
        Key::U,
        Key::V,
        Key::W,
        Key::X,
        Key::Y,
        Key::Z,
        Key::Escape,
        Key::Tab,
        Key::Home,
        Key::End,
        Key::PageUp,
        Key::PageDown,
        Key::Insert,
    ] {
        for m in [Modifiers::COMMAND, Modifiers::NONE] {
            if listed
                .iter()
                .any(|k| k.logical_key == key && k.modifiers == m)
            {
                continue;
            }
            h.key_press_modifiers(m, key);
            h.step();
            assert!(
                h.state().recent_actions().is_empty(),
                "{m:?}+{key:?} is not listed but did {:?}",
                h.state().recent_actions()
            );
            tried += 1;
        }
    }
    assert!(tried > 40);
}

#[test]
fn help_lists_every_shortcut_with_its_keys() {
    let dir = TempDir::new("gui");
    let mut h = on_example(dir.path());
    h.get_by_label("Help").click();
    h.run_steps(2);
    h.get_by_label("Keyboard shortcuts").click();
    h.run_steps(2);
    h.get_by_label_contains("While a text field has the keyboard only Ctrl+N");
    for s in SHORTCUTS {
        assert!(h.query_all_by_label(s.what).next().is_some(), "{}", s.what);
        let keys = keys_text(s, false);
        assert!(h.query_all_by_label(&keys).next().is_some(), "{keys}");
    }
    h.get_by_label("Close").click();
    h.run_steps(2);
    assert!(!h.state().modal_open());
}

#[test]
fn the_status_line_counts_problems_while_another_tab_is_shown() {
    let dir = TempDir::new("gui");
    let mut h = empty(dir.path());
    let before = model::validate(h.state().editor.doc());
    // as after a run: the bottom panel shows the charts, not the problems
    h.state_mut().bottom = BottomTab::Charts;
    h.run_steps(2);
    add_queue(&mut h);
    assert_eq!(h.state().bottom, BottomTab::Charts);
    let problems = model::validate(h.state().editor.doc());
    let errors = problems
        .iter()
        .filter(|p| p.severity == model::Severity::Error)
        .count();
    let warnings = problems.len() - errors;
    assert_ne!(problems, before, "adding a lone queue changes the problems");
    h.get_by_label(&format!(
        "{}, {}",
        spillway::units::counted(errors as u64, "error", "errors"),
        spillway::units::counted(warnings as u64, "warning", "warnings")
    ));
    assert_eq!(h.state().problems.problems, problems);
}

/// The typed-path box's text field, emptied, then `text` typed into it.
fn type_path(h: &mut Harness<'static, SpillwayApp>, text: &str) {
    h.get_by_label(PATH_LABEL).focus();
    h.run_steps(1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.key_press(Key::Backspace);
    h.get_by_label(PATH_LABEL).type_text(text);
    h.run_steps(2);
}

#[test]
fn recovered_work_keeps_its_file_and_ctrl_s_saves_it_there() {
    let dir = TempDir::new("gui");
    let file = dir.path().join("order-fanout.ron");
    let mut h = on_example(dir.path());
    h.state_mut().request(Action::SaveTo(file.clone()));
    h.run_steps(2);
    let saved = model::load(&file).unwrap();
    // an edit, autosaved, then a crash (no clean exit)
    h.state_mut().selection.only_component("billing");
    h.run_steps(1);
    h.key_press(Key::Delete);
    h.run_steps(2);
    let work = h.state().editor.doc().clone();
    assert_ne!(work, saved);
    h.state_mut().autosave(1000.0);
    drop(h);

    let mut h = harness(app_in(dir.path(), None));
    h.get_by_label("Recover unsaved work?");
    h.get_by_label_contains(&format!("It was being edited from {}.", file.display()));
    h.get_by_label("Recover").click();
    h.run_steps(3);
    let app = h.state();
    assert_eq!(app.editor.doc(), &work);
    assert_eq!(app.editor.path(), Some(file.as_path()));
    assert!(app.editor.is_dirty());
    let title = app.title();
    assert!(
        title.starts_with("* ") && title.contains("(order-fanout.ron, recovered)"),
        "{title}"
    );
    assert_eq!(model::load(&file).unwrap(), saved, "not written yet");

    // Ctrl+S writes the file it came from, without asking where
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    h.run_steps(3);
    assert!(!h.state().modal_open(), "no Save As box");
    assert_eq!(model::load(&file).unwrap(), work);
    assert!(!h.state().editor.is_dirty());
    assert!(!h.state().title().contains("recovered"));
    assert!(
        ConfigDir::new(dir.path().join("config"))
            .read_recovery()
            .is_none()
    );
}

#[test]
fn an_old_recovery_file_without_a_path_still_recovers_untitled() {
    let dir = TempDir::new("gui");
    let config = ConfigDir::new(dir.path().join("config"));
    let doc = files::example("mm1.ron").unwrap();
    std::fs::create_dir_all(&config.dir).unwrap();
    // the format before the path was kept: the design alone
    model::save(&doc, &config.recovery_path()).unwrap();
    let mut h = harness(app_in(dir.path(), None));
    h.get_by_label("Recover").click();
    h.run_steps(3);
    assert_eq!(h.state().editor.doc(), &doc);
    assert_eq!(h.state().editor.path(), None);
    assert!(h.state().title().contains("recovered"));
}

#[test]
fn save_in_the_unsaved_changes_prompt_of_an_untitled_design_then_does_what_was_asked() {
    let dir = TempDir::new("gui");
    let file = dir.path().join("queue.ron");
    let mut h = empty(dir.path());
    add_queue(&mut h);
    let work = h.state().editor.doc().clone();

    // Cancel in the path box cancels the whole thing: nothing saved, nothing lost
    h.state_mut().request(Action::OpenExample("mm1.ron"));
    h.run_steps(3);
    h.get_by_label("Unsaved changes");
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Save")
        .click();
    h.run_steps(3);
    h.get_by_label("Save as");
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert!(!h.state().modal_open());
    assert_eq!(h.state().editor.doc(), &work);
    assert!(h.state().editor.is_dirty());
    assert!(!file.exists());

    // a folder that does not exist is named, and the box stays open
    h.state_mut().request(Action::OpenExample("mm1.ron"));
    h.run_steps(3);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Save")
        .click();
    h.run_steps(3);
    let nowhere = dir.path().join("no-such-folder").join("queue.ron");
    type_path(&mut h, &nowhere.display().to_string());
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Save")
        .click();
    h.run_steps(3);
    let why = format!(
        "There is no folder {}",
        dir.path().join("no-such-folder").display()
    );
    // under the box and in the status line
    assert_eq!(h.get_all_by_label(&why).count(), 2);
    assert_eq!(h.state().editor.doc(), &work);

    // a file that exists is not replaced without a second Save
    std::fs::write(&file, "someone else's").unwrap();
    type_path(&mut h, &file.display().to_string());
    h.key_press(Key::Enter);
    h.run_steps(3);
    let why = format!(
        "{} already exists: press Save again to replace it",
        file.display()
    );
    assert_eq!(h.get_all_by_label(&why).count(), 2);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "someone else's");
    assert_eq!(h.state().editor.doc(), &work);

    // Save again: the design is written, then the example opens
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Save")
        .click();
    h.run_steps(3);
    assert_eq!(model::load(&file).unwrap(), work);
    assert_eq!(
        h.state().editor.doc(),
        &files::example("mm1.ron").unwrap(),
        "carried on with opening the example"
    );
    assert!(!h.state().editor.is_dirty());
    assert!(!h.state().modal_open());
    assert_eq!(h.state().settings.recent.first(), Some(&file));
    assert_eq!(
        h.state().status,
        format!("Saved {}. Opened the example mm1.ron", file.display())
    );
}

#[test]
fn a_restart_reopens_the_design_that_was_open_at_quit() {
    let dir = TempDir::new("gui");
    let file = dir.path().join("mine.ron");
    let mut h = on_example(dir.path());
    h.state_mut().request(Action::SaveTo(file.clone()));
    h.run_steps(2);
    // a file, then an example opened after it: the example is what was open
    h.state_mut()
        .request(Action::OpenExample("bench-pipeline.ron"));
    h.run_steps(2);
    h.state_mut().exit();
    drop(h);
    let mut h = harness(app_in(dir.path(), None));
    assert_eq!(
        h.state().editor.doc(),
        &files::example("bench-pipeline.ron").unwrap()
    );
    assert_eq!(h.state().editor.path(), None);
    assert!(!h.state().show_start);

    // the file again
    h.state_mut().request(Action::OpenPath(file.clone()));
    h.run_steps(2);
    h.state_mut().exit();
    let h = harness(app_in(dir.path(), None));
    assert_eq!(h.state().editor.path(), Some(file.as_path()));
    drop(h);

    // a new design whose work was thrown away at quit: a new design, and the start
    // window to pick something else
    let mut h = harness(app_in(dir.path(), None));
    h.state_mut().request(Action::New);
    h.run_steps(2);
    add_queue(&mut h);
    close_window(&mut h);
    h.get_by_label("Discard").click();
    h.run_steps(2);
    h.state_mut().exit();
    let h = harness(app_in(dir.path(), None));
    assert!(h.state().editor.doc().components.is_empty());
    assert_eq!(h.state().editor.path(), None);
    assert!(h.state().show_start);

    // settings written before the open design was kept: the last file
    let config = ConfigDir::new(dir.path().join("config"));
    std::fs::write(
        config.settings_path(),
        format!("(recent: [{0:?}], last: Some({0:?}), light: false)", file),
    )
    .unwrap();
    let h = harness(app_in(dir.path(), None));
    assert_eq!(h.state().editor.path(), Some(file.as_path()));
}

#[test]
fn typed_open_starts_in_an_existing_folder_and_names_a_missing_file() {
    let dir = TempDir::new("gui");
    let file = dir.path().join("kept.ron");
    let mut h = on_example(dir.path());
    h.state_mut().request(Action::SaveTo(file.clone()));
    h.run_steps(2);
    h.state_mut().request(Action::Open);
    h.run_steps(3);
    assert!(h.state().modal_open());
    let prefill = h.get_by_label(PATH_LABEL).value().unwrap_or_default();
    assert!(
        Path::new(&prefill).is_dir(),
        "{prefill:?} is an existing folder"
    );
    assert_eq!(Path::new(&prefill), dir.path());
    // the designs in that folder are offered
    h.get_by_label("kept.ron");

    let missing = dir.path().join("kpet.ron");
    type_path(&mut h, &missing.display().to_string());
    h.key_press(Key::Enter);
    h.run_steps(2);
    let why = format!("There is no file at {}", missing.display());
    // under the box and in the status line
    assert_eq!(h.get_all_by_label(&why).count(), 2);
    assert!(h.state().modal_open(), "the box stays open to fix the path");
    assert_eq!(h.state().status, why);

    // picking the listed file and Open opens it
    h.get_by_label("kept.ron").click();
    h.run_steps(2);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Open")
        .click();
    h.run_steps(3);
    assert!(!h.state().modal_open());
    assert_eq!(h.state().editor.path(), Some(file.as_path()));
}

#[test]
fn the_status_line_writes_one_error_in_the_singular() {
    let dir = TempDir::new("gui");
    let mut h = empty(dir.path());
    add_queue(&mut h);
    let (e, w) = h.state().problems.counts();
    let expect = format!(
        "{}, {}",
        spillway::units::counted(e as u64, "error", "errors"),
        spillway::units::counted(w as u64, "warning", "warnings")
    );
    // in the status line and in the Problems panel's header
    assert_eq!(h.get_all_by_label(&expect).count(), 2, "{expect}");
    h.get_by_label("1 component, 0 connections");
}

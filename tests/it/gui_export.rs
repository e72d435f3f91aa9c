//! File > Export driven like a user would (egui_kittest, no GPU, no native dialogs): the
//! dialog writes the bytes `spillway export` writes, asks before replacing, simulates on
//! a worker thread for the formats with results, and names what is wrong with a path.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use spillway::cost::PriceBook;
use spillway::export::{self, Format, Options};
use spillway::gui::files::ConfigDir;
use spillway::gui::{Action, AppOptions, SpillwayApp};
use spillway::model;

use super::cli_export::SMALL;
use crate::common::TempDir;

/// The editor on `text` saved as `small.ron` in `dir`.
fn harness_on(dir: &Path, text: &str) -> (Harness<'static, SpillwayApp>, PathBuf) {
    let design = dir.join("small.ron");
    std::fs::write(&design, text).unwrap();
    let app = SpillwayApp::new(AppOptions {
        file: Some(design.clone()),
        config: Some(ConfigDir::new(dir.join("config"))),
        dialogs: false,
    });
    let mut h = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut SpillwayApp| app.frame_ui(ui), app);
    h.run_steps(3);
    (h, design)
}

fn click(h: &mut Harness<'static, SpillwayApp>, label: &str) {
    h.get_by_role_and_label(Role::Button, label).click();
    h.run_steps(3);
}

/// Step frames until the export's simulation is over (at most a minute).
fn until_simulated(h: &mut Harness<'static, SpillwayApp>) {
    let start = Instant::now();
    while h.state().export.simulating() {
        assert!(start.elapsed() < Duration::from_secs(60), "export hangs");
        std::thread::sleep(Duration::from_millis(20));
        h.run_steps(1);
    }
    h.run_steps(2);
}

#[test]
fn the_dialog_writes_the_bytes_of_the_library_and_asks_before_replacing() {
    let d = TempDir::new("gui-export-replace");
    let (mut h, design) = harness_on(d.path(), SMALL);
    let doc = model::load(&design).unwrap();

    // Ctrl+E opens the dialog, with a path beside the design
    h.key_press_modifiers(Modifiers::COMMAND, Key::E);
    h.run_steps(3);
    assert!(h.state().export.open);
    h.state_mut().export.set_format(Format::Svg);
    h.run_steps(2);
    let svg = d.path().join("small.svg");
    assert_eq!(h.state().export.path, svg.display().to_string());
    click(&mut h, "Export");
    let want = export::outputs(
        export::check_valid(&doc).unwrap(),
        Format::Svg,
        Some(&svg),
        None,
        &Options::default(),
    )
    .unwrap()
    .remove(0)
    .bytes;
    assert_eq!(std::fs::read(&svg).unwrap(), want);
    assert!(!h.state().export.open);
    assert!(
        h.state().status.starts_with("Exported SVG diagram to"),
        "{}",
        h.state().status
    );

    // the menu's format entries choose the format; the name follows it
    h.state_mut().request(Action::Export(Some(Format::Dot)));
    h.run_steps(3);
    let dot = d.path().join("small.dot");
    assert_eq!(h.state().export.path, dot.display().to_string());
    std::fs::write(&dot, "keep me").unwrap();
    click(&mut h, "Export");
    // an existing file is not replaced without asking
    assert!(h.state().export.confirming());
    h.get_by_label("This file exists already:");
    assert_eq!(std::fs::read_to_string(&dot).unwrap(), "keep me");
    click(&mut h, "Back");
    assert!(!h.state().export.confirming());
    assert_eq!(std::fs::read_to_string(&dot).unwrap(), "keep me");
    click(&mut h, "Export");
    click(&mut h, "Replace");
    assert_eq!(
        std::fs::read_to_string(&dot).unwrap(),
        export::dot::render(&doc)
    );
    assert!(!h.state().export.open);
}

#[test]
fn results_are_simulated_off_the_ui_thread_and_match_the_library() {
    let d = TempDir::new("gui-export-results");
    let (mut h, design) = harness_on(d.path(), SMALL);
    let doc = model::load(&design).unwrap();
    let report = export::simulate(&doc, &PriceBook::builtin().unwrap(), None).unwrap();
    assert_eq!(report.halted, None);

    h.state_mut()
        .request(Action::Export(Some(Format::Markdown)));
    h.run_steps(3);
    h.get_by_label("simulate the scenario and include the KPIs and cost")
        .click();
    h.run_steps(2);
    assert!(h.state().export.with_results);
    click(&mut h, "Simulate and export");
    until_simulated(&mut h);
    let spec = d.path().join("small.md");
    let want = export::outputs(
        export::check_valid(&doc).unwrap(),
        Format::Markdown,
        Some(&spec),
        Some(&report),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(want.len(), 4, "spec, diagram and two charts");
    for o in &want {
        let p = o.path.as_ref().unwrap();
        assert_eq!(&std::fs::read(p).unwrap(), &o.bytes, "{}", p.display());
    }
    assert!(
        h.state().status.contains("and 3 more files"),
        "{}",
        h.state().status
    );

    // CSV is made of results: always simulated
    h.state_mut().request(Action::Export(Some(Format::Csv)));
    h.run_steps(3);
    click(&mut h, "Simulate and export");
    until_simulated(&mut h);
    let csv = d.path().join("small.csv");
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        export::csv::tables(&report).series
    );
}

#[test]
fn a_long_simulation_can_be_cancelled_and_writes_nothing() {
    let d = TempDir::new("gui-export-cancel");
    let long = SMALL.replace("duration: \"2m\"", "duration: \"2000h\"");
    assert_ne!(long, SMALL);
    let (mut h, _) = harness_on(d.path(), &long);
    h.state_mut().request(Action::Export(Some(Format::Json)));
    h.run_steps(3);
    click(&mut h, "Simulate and export");
    assert!(h.state().export.simulating());
    // the window stays live while it runs
    h.get_by_label_contains("Simulating \"Small queue\"");
    click(&mut h, "Cancel");
    until_simulated(&mut h);
    assert_eq!(h.state().status, "Export cancelled");
    assert!(!d.path().join("small.json").exists());
}

#[test]
fn bad_paths_are_named_and_nothing_is_written() {
    let d = TempDir::new("gui-export-paths");
    let (mut h, _) = harness_on(d.path(), SMALL);
    h.state_mut().request(Action::Export(Some(Format::Svg)));
    h.run_steps(3);
    let missing = d.path().join("no-such-folder").join("x.svg");
    h.state_mut().export.path = missing.display().to_string();
    click(&mut h, "Export");
    h.get_by_label_contains("does not exist");
    assert!(h.state().export.open);
    assert!(!missing.exists());

    // AsyncAPI writes a folder: a file in the way is an error
    h.state_mut().export.set_format(Format::AsyncApi);
    let file = d.path().join("small.ron");
    h.state_mut().export.path = file.display().to_string();
    h.run_steps(2);
    click(&mut h, "Export");
    h.get_by_label_contains("is a file");

    // a folder of its own, made when missing, with one document per application
    let folder = d.path().join("small-asyncapi");
    h.state_mut().export.path = folder.display().to_string();
    h.run_steps(2);
    click(&mut h, "Export");
    assert!(!h.state().export.open, "{:?}", h.state().export.error);
    let mut names: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["f.asyncapi.json", "p.asyncapi.json"]);
}

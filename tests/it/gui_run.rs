//! Live runs in the editor, driven like a user would (egui_kittest, headless): Run on
//! an example until it finishes, and the results table holds the numbers `spillway run`
//! prints for the same seed; pause, step and resume; edits refused during a run; the
//! baseline comparison after a change.
//!
//! The engine runs on its own thread, so the tests step frames until the run reports
//! back; the step counts are generous caps, never expectations about speed.

use std::time::Duration as WallDuration;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use spillway::gui::app::{BottomTab, LOCKED};
use spillway::gui::commands::Command;
use spillway::gui::run::Phase;
use spillway::gui::{Action, SpillwayApp};
use spillway::model::{ComponentKind, Duration};

use super::gui_common::{example_app, step_until};

fn harness_on(example: &str) -> Harness<'static, SpillwayApp> {
    example_app(example, [1280.0, 800.0], false)
}

fn finished(app: &SpillwayApp) -> bool {
    app.runner.phase == Phase::Finished && app.runner.results().is_some()
}

fn now_s(app: &SpillwayApp) -> f64 {
    app.runner.snapshot().map_or(0.0, |s| s.now_s)
}

/// The CLI's component rows for a design, split into whitespace-separated words.
fn cli_lines(args: &[&str]) -> Vec<Vec<String>> {
    let out = crate::common::succeed(args);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

/// Every row of the editor's results table, split into words, is a line of the CLI's
/// output (`cli_lines`).
fn assert_lines_of_the_cli(rows: &[Vec<String>], cli: &[Vec<String>]) {
    for row in rows {
        let words: Vec<String> = row
            .iter()
            .flat_map(|c| c.split_whitespace().map(str::to_owned))
            .collect();
        assert!(
            cli.contains(&words),
            "the editor's row {words:?} is not a line of `spillway run`"
        );
    }
}

#[test]
fn run_on_an_example_shows_the_numbers_of_the_cli() {
    let mut h = harness_on("order-fanout.ron");
    h.state_mut().runner.settings.seed = 11;
    h.state_mut().runner.settings.duration = "20m".parse::<Duration>().unwrap();
    h.get_by_label("▶ Run").click();
    h.step();
    assert!(h.state().runner.phase.is_active() || finished(h.state()));
    step_until(&mut h, "the run to finish", finished);

    let cli = cli_lines(&[
        "run",
        "examples/order-fanout.ron",
        "--seed",
        "11",
        "--duration",
        "20m",
        "-q",
    ]);
    let rows = h.state().runner.results().unwrap().rows.clone();
    assert_eq!(rows.len(), 8);
    assert_lines_of_the_cli(&rows, &cli);
    // the table on screen holds them
    h.state_mut().bottom = BottomTab::Results;
    h.run_steps(2);
    let billing = rows.iter().find(|r| r[0] == "billing").unwrap();
    assert!(
        h.query_all_by_label(&billing[9]).count() >= 1,
        "p99 {} not shown",
        billing[9]
    );
    h.get_by_label("Copy as CSV");
    // the charts picked the components that carry the load, not the dead-letter queues
    // (whose backlog only grows)
    let picked = &h.state().charts.picked;
    assert!(
        picked.contains("fulfilment-q") && picked.contains("warehouse"),
        "{picked:?}"
    );
    assert!(!picked.iter().any(|p| p.ends_with("-dlq")), "{picked:?}");
    // badges on every component, rates on every link
    let live = h.state().canvas.live.clone().unwrap();
    assert_eq!(live.badges.len(), 8);
    // the run is over: the dots stand still
    assert!(!live.dots);
    assert!(live.badges["billing"].throughput > 0.0);
    assert!(live.links.iter().filter(|l| l.2 > 0.0).count() >= 5);
    // the insight names a component and the cost
    let res = h.state().runner.results().unwrap().clone();
    assert!(res.headline.contains("a month"), "{}", res.headline);
    assert!(!res.findings.is_empty());
    assert!(res.pools.iter().any(|p| p.name == "billing"));
}

#[test]
fn pause_step_and_resume_end_with_the_uninterrupted_result() {
    let mut h = harness_on("bench-pipeline.ron");
    {
        let app = h.state_mut();
        app.runner.settings.duration = "20m".parse::<Duration>().unwrap();
        app.runner.settings.speed = 60.0; // 60x real time: slow enough to pause
    }
    h.get_by_label("▶ Run").click();
    step_until(&mut h, "the first figures", |a| now_s(a) > 0.0);
    let dots = |h: &Harness<'static, SpillwayApp>| h.state().canvas.live.as_ref().unwrap().dots;
    assert!(dots(&h), "the dots move while the run goes");
    h.get_by_label("⏸ Pause").click();
    h.step();
    assert_eq!(h.state().runner.phase, Phase::Paused);
    // let the worker see the pause, then check that time stands still
    for _ in 0..20 {
        h.step();
        std::thread::sleep(WallDuration::from_millis(10));
    }
    let t = now_s(h.state());
    for _ in 0..20 {
        h.step();
        std::thread::sleep(WallDuration::from_millis(10));
    }
    assert_eq!(now_s(h.state()), t, "a paused run advanced");
    assert!(!dots(&h), "the dots stand still while paused");

    // Step goes to the end of the current bucket (6 s here) and pauses again
    let bucket = h.state().runner.snapshot().unwrap().report.bucket_s;
    h.get_by_label("⏭ Step").click();
    let next = ((t / bucket).floor() + 1.0) * bucket;
    step_until(&mut h, "the step", |a| now_s(a) >= next - 1e-9);
    assert!(
        (now_s(h.state()) - next).abs() < 1e-9,
        "stepped to {}",
        now_s(h.state())
    );
    assert_eq!(h.state().runner.phase, Phase::Paused);

    // editing is refused with a message while the run is going
    let before = h.state().editor.doc().clone();
    h.state_mut().selection.components = std::iter::once("B".to_owned()).collect();
    h.state_mut().request(Action::Delete);
    h.step();
    assert_eq!(h.state().editor.doc(), &before);
    assert_eq!(h.state().status, LOCKED);

    h.get_by_label("▶ Resume").click();
    h.state_mut().runner.set_speed(0.0);
    step_until(&mut h, "the run to finish", finished);
    let got = h.state().runner.results().unwrap().rows.clone();
    let cli = cli_lines(&[
        "run",
        "examples/bench-pipeline.ron",
        "--duration",
        "20m",
        "-q",
    ]);
    assert_lines_of_the_cli(&got, &cli);
}

/// Station B's sojourn p99 in the last run's results, ms.
fn b_sojourn_p99(h: &Harness<'_, SpillwayApp>) -> f64 {
    let result = &h.state().runner.results().unwrap().result;
    result.mean.report.components["B"]
        .sojourn_ms
        .as_ref()
        .unwrap()
        .p99
}

#[test]
fn a_second_run_is_compared_with_the_first_as_baseline() {
    let mut h = harness_on("bench-pipeline.ron");
    h.state_mut().runner.settings.duration = "30m".parse::<Duration>().unwrap();
    h.get_by_label("▶ Run").click();
    step_until(&mut h, "the first run", finished);
    let p99_before = b_sojourn_p99(&h);

    // the user gives B a second server (one command, as the inspector would) and reruns
    let mut b = h.state().editor.doc().component("B").unwrap().clone();
    if let ComponentKind::Station(s) = &mut b.kind {
        s.servers = 2;
    }
    h.state_mut()
        .apply(&Command::SetComponent("B".to_owned(), b));
    h.run_steps(2);
    h.get_by_label("⟲ Restart").click();
    step_until(&mut h, "the second run", finished);
    assert!(h.state().runner.baseline.is_some());
    let p99_after = b_sojourn_p99(&h);
    assert!(p99_after < p99_before / 2.0, "{p99_before} -> {p99_after}");

    h.state_mut().bottom = BottomTab::Compare;
    h.run_steps(3);
    h.get_by_label("Forget the baseline");
    // B's p99 row shows a fall of more than half
    let falls: Vec<String> = h
        .query_all_by_label_contains("%")
        .filter_map(|n| n.value().or_else(|| n.accesskit_node().label()))
        .filter(|l| l.starts_with('-'))
        .collect();
    assert!(
        falls.iter().any(|l| l
            .trim_end_matches('%')
            .parse::<f64>()
            .is_ok_and(|x| x < -50.0)),
        "{falls:?}"
    );
}

/// The note the run's tabs show when the design changed since the run.
const STALE: &str = "Results of the previous version of the design";

fn stale_note_shown(h: &Harness<'static, SpillwayApp>) -> bool {
    h.query_by_label_contains(STALE).is_some()
}

/// Give station B of bench-pipeline `servers` servers, as the inspector would.
fn set_b_servers(h: &mut Harness<'static, SpillwayApp>, servers: u32) {
    let mut b = h.state().editor.doc().component("B").unwrap().clone();
    if let ComponentKind::Station(s) = &mut b.kind {
        s.servers = servers;
    }
    h.state_mut()
        .apply(&Command::SetComponent("B".to_owned(), b));
    h.run_steps(2);
}

#[test]
fn the_status_line_follows_pause_and_stop() {
    let mut h = harness_on("bench-pipeline.ron");
    h.state_mut().runner.settings.speed = 60.0;
    h.get_by_label("▶ Run").click();
    step_until(&mut h, "the first figures", |a| now_s(a) > 0.0);
    assert!(
        h.state().status.starts_with("Running"),
        "{}",
        h.state().status
    );
    h.get_by_label("⏸ Pause").click();
    h.run_steps(2);
    assert!(
        h.state().status.starts_with("Paused"),
        "{}",
        h.state().status
    );
    h.get_by_label("▶ Resume").click();
    h.run_steps(2);
    assert!(
        h.state().status.starts_with("Running"),
        "{}",
        h.state().status
    );
    h.get_by_label("⏹ Stop").click();
    h.run_steps(2);
    assert_eq!(h.state().runner.phase, Phase::Stopped);
    let status = h.state().status.clone();
    assert!(status.starts_with("Run stopped"), "{status}");
    assert!(!status.contains("locked"), "{status}");
    // the run bar says it too
    h.get_by_label_contains("stopped · simulated");
}

/// The run keys work from anywhere: F5 runs, F6 pauses and resumes, F10 steps,
/// Shift+F5 stops; with no run, F6 says how to start one instead of doing nothing.
#[test]
fn the_run_keys_run_pause_step_and_stop() {
    let mut h = harness_on("bench-pipeline.ron");
    h.state_mut().runner.settings.speed = 60.0;
    h.key_press(egui::Key::F6);
    h.run_steps(2);
    assert_eq!(h.state().runner.phase, Phase::Idle);
    assert!(h.state().status.contains("F5"), "{}", h.state().status);
    h.key_press(egui::Key::F5);
    step_until(&mut h, "the first figures", |a| now_s(a) > 0.0);
    assert_eq!(h.state().runner.phase, Phase::Running);
    h.key_press(egui::Key::F6);
    h.run_steps(2);
    assert_eq!(h.state().runner.phase, Phase::Paused);
    h.key_press(egui::Key::F6);
    h.run_steps(2);
    assert_eq!(h.state().runner.phase, Phase::Running);
    h.key_press(egui::Key::F10);
    h.run_steps(2);
    assert_eq!(h.state().runner.phase, Phase::Paused);
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::F5);
    h.run_steps(2);
    assert_eq!(h.state().runner.phase, Phase::Stopped);
    // and the Run menu lists them with their keys
    h.get_by_label("Run").click();
    h.run_steps(3);
    h.get_by_label("Stop Shift+F5");
    h.get_by_label("Run F5");
}

#[test]
fn an_edit_marks_the_results_stale_until_an_undo_or_a_new_run() {
    let mut h = harness_on("bench-pipeline.ron");
    h.state_mut().runner.settings.duration = "20m".parse::<Duration>().unwrap();
    h.get_by_label("▶ Run").click();
    step_until(&mut h, "the run", finished);
    h.state_mut().bottom = BottomTab::Results;
    h.run_steps(2);
    assert!(!h.state().results_stale());
    assert!(!stale_note_shown(&h));

    // moving a component changes no figure
    let at = h.state().editor.doc().layout["B"];
    h.state_mut().apply(&Command::Move(vec![(
        "B".to_owned(),
        [at[0] + 30.0, at[1]],
    )]));
    h.run_steps(2);
    assert!(
        !h.state().results_stale(),
        "a move is not an edit of the run"
    );

    set_b_servers(&mut h, 3);
    assert!(h.state().results_stale());
    for tab in [
        BottomTab::Results,
        BottomTab::Charts,
        BottomTab::Insight,
        BottomTab::Compare,
    ] {
        h.state_mut().bottom = tab;
        h.run_steps(2);
        assert!(stale_note_shown(&h), "no stale note on {tab:?}");
    }
    h.state_mut().bottom = BottomTab::Problems;
    h.run_steps(2);
    assert!(!stale_note_shown(&h), "problems are of the design as it is");
    assert_eq!(
        h.state().canvas.live.as_ref().map(|l| l.stale),
        Some(true),
        "the canvas' badges follow the results"
    );

    // undo back to what was run: not stale
    h.state_mut().request(Action::Undo);
    h.run_steps(2);
    assert!(!h.state().results_stale());
    assert_eq!(
        h.state().canvas.live.as_ref().map(|l| l.stale),
        Some(false),
        "the canvas' badges follow the results"
    );
    h.state_mut().request(Action::Redo);
    h.run_steps(2);
    assert!(h.state().results_stale());

    // a new run of the edited design: current again
    h.state_mut().bottom = BottomTab::Results;
    h.run_steps(2);
    h.get_by_label("▶ Run again").click();
    step_until(&mut h, "the second run", finished);
    h.run_steps(2);
    assert!(!h.state().results_stale());
    assert!(!stale_note_shown(&h));
    assert_eq!(
        h.state().canvas.live.as_ref().map(|l| l.stale),
        Some(false),
        "the canvas' badges follow the results"
    );
}

/// The top of the bottom panel: where its tab row is.
fn panel_top(h: &Harness<'static, SpillwayApp>) -> f32 {
    h.get_by_label("Compare").rect().top()
}

#[test]
fn the_bottom_panel_keeps_one_height_and_hides_to_its_tab_row() {
    let mut h = harness_on("order-fanout.ron");
    h.state_mut().runner.settings.duration = "10m".parse::<Duration>().unwrap();
    let empty_canvas_top = panel_top(&h);
    // the canvas (between the run bar and the panel) keeps at least half the window
    let run_bar_bottom = h
        .get_by_label_contains("to simulate the design")
        .rect()
        .bottom();
    assert!(
        empty_canvas_top - run_bar_bottom >= 400.0,
        "the canvas is {} high",
        empty_canvas_top - run_bar_bottom
    );
    h.get_by_label("▶ Run").click();
    step_until(&mut h, "the run", finished);
    let mut tops = Vec::new();
    for tab in [
        "Problems", "Charts", "Results", "Insight", "Compare", "Charts",
    ] {
        h.get_by_label(tab).click();
        h.run_steps(3);
        tops.push(panel_top(&h));
    }
    let run_top = tops[0];
    assert!(
        tops.iter().all(|t| (t - run_top).abs() < 0.5),
        "the panel's top moved between tabs: {tops:?}"
    );
    // before the first run the panel holds only the problems, and is lower
    assert!(
        empty_canvas_top > run_top + 50.0,
        "editing {empty_canvas_top}, run {run_top}"
    );

    // Ctrl+J hides the panel to its tab row, and shows it again
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::J);
    h.run_steps(3);
    assert!(h.state().bottom_collapsed);
    let hidden = panel_top(&h);
    assert!(hidden > run_top + 100.0, "{hidden}");
    h.get_by_label("⏶ Show").click();
    h.run_steps(3);
    assert!((panel_top(&h) - run_top).abs() < 0.5);

    // floating: the tabs are in a window, the dock takes no room
    h.get_by_label("⬈ Float").click();
    h.run_steps(3);
    assert!(h.state().bottom_floating);
    h.get_by_label("⬇ Dock").click();
    h.run_steps(3);
    assert!((panel_top(&h) - run_top).abs() < 0.5);
}

#[test]
fn copy_as_csv_says_how_many_rows_it_copied() {
    let mut h = harness_on("order-fanout.ron");
    h.state_mut().runner.settings.duration = "10m".parse::<Duration>().unwrap();
    h.get_by_label("▶ Run").click();
    step_until(&mut h, "the run", finished);
    h.state_mut().bottom = BottomTab::Results;
    h.run_steps(2);
    let rows = h.state().runner.results().unwrap().rows.len();
    assert!(rows > 1);
    h.get_by_label("Copy as CSV").click();
    h.run_steps(2);
    assert!(
        h.state()
            .status
            .starts_with(&format!("Copied {rows} rows as CSV")),
        "{}",
        h.state().status
    );
}

#[test]
fn an_empty_design_says_what_to_add_and_does_not_run() {
    let mut h = harness_on("bench-pipeline.ron");
    h.state_mut().request(Action::New);
    h.run_steps(2);
    assert!(h.state().editor.doc().components.is_empty());
    h.get_by_label_contains("the design is empty: add a producer");
    assert!(h.query_by_label_contains("ready to run").is_none());
    h.get_by_label("▶ Run").click();
    h.run_steps(2);
    assert_eq!(h.state().runner.phase, Phase::Idle);
    assert!(
        h.state().status.contains("the design is empty"),
        "{}",
        h.state().status
    );
}

#[test]
fn during_a_second_run_compare_sets_it_beside_the_baseline() {
    let mut h = harness_on("bench-pipeline.ron");
    h.state_mut().runner.settings.duration = "20m".parse::<Duration>().unwrap();
    h.get_by_label("▶ Run").click();
    step_until(&mut h, "the first run", finished);
    h.state_mut().bottom = BottomTab::Compare;
    h.run_steps(2);
    // one run: Compare says what it waits for
    h.get_by_label_contains("This run is the first");

    set_b_servers(&mut h, 2);
    h.state_mut().runner.settings.speed = 60.0; // slow enough to look at it going
    h.get_by_label("⟲ Restart").click();
    step_until(&mut h, "the second run's figures", |a| {
        a.runner.phase == Phase::Running && now_s(a) > 60.0
    });
    h.run_steps(2);
    assert!(h.query_by_label_contains("Run twice").is_none());
    assert!(h.query_by_label_contains("This run is the first").is_none());
    h.get_by_label_contains("this run: running, at");
    h.get_by_label("Forget the baseline");
    // the table compares B's figures so far with the baseline's
    assert!(h.query_all_by_label("B").count() >= 1);
    h.get_by_label("this run");
    h.state_mut().runner.stop();
    h.run_steps(2);
}

#[test]
fn the_latency_chart_gives_the_baseline_its_own_legend_entry() {
    let mut h = harness_on("bench-pipeline.ron");
    h.state_mut().runner.settings.duration = "10m".parse::<Duration>().unwrap();
    h.get_by_label("▶ Run").click();
    step_until(&mut h, "the first run", finished);
    set_b_servers(&mut h, 2);
    h.get_by_label("⟲ Restart").click();
    step_until(&mut h, "the second run", finished);
    {
        let app = h.state_mut();
        app.bottom = BottomTab::Charts;
        app.charts.legends = true;
        app.selection.components = std::iter::once("B".to_owned()).collect();
    }
    h.run_steps(3);
    // this run's percentiles and the baseline's p99, each with its own entry
    for entry in ["B p99", "B p95", "B p50", "B p99 (baseline)"] {
        assert_eq!(
            h.query_all_by_label(entry).count(),
            1,
            "legend entry {entry:?}"
        );
    }
    // and the key above the charts names the baseline's style
    h.get_by_label_contains("baseline (previous run)");
}

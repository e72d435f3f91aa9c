//! The canvas during a run, on every example, in the real app (egui_kittest, headless):
//! at 1280x800 and 1600x1000, in both themes, with the Charts tab open (the canvas at
//! its smallest), no badge or link label covers a node, another badge or label, or the
//! hint line; the hint line fits the canvas; the links the model implies are drawn;
//! stale results are drawn dimmed under a caption.
//!
//! The engine runs on its own thread, so the tests step frames until the run reports
//! back; the step counts are generous caps, never expectations about speed.

use std::time::Duration as WallDuration;

use egui::Rect;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use spillway::gui::SpillwayApp;
use spillway::gui::app::BottomTab;
use spillway::gui::canvas::DrawnBoxes;
use spillway::gui::canvas::lod::overlap;
use spillway::gui::commands::Command;
use spillway::gui::run::Phase;

use super::gui_common::{example_app as app_on, step_until};
use spillway::model::ComponentKind;

fn examples() -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(format!("{}/examples", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .filter_map(|e| {
                let name = e.ok()?.file_name().into_string().ok()?;
                name.ends_with(".ron").then_some(name)
            })
            .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    names
}

/// Start a run at a pace that cannot finish within the test, wait for figures on a
/// fifth of the way, and pause it there (a run in progress, held still).
fn mid_run(h: &mut Harness<'static, SpillwayApp>) {
    let total = h.state().runner.settings.duration.as_secs_f64();
    h.state_mut().runner.settings.speed = total / 4.0; // the whole run in 4 s of wall time
    h.get_by_label("▶ Run").click();
    step_until(h, "figures a fifth of the way", |a| {
        a.runner.snapshot().is_some_and(|s| s.now_s >= total / 5.0)
    });
    h.get_by_label("⏸ Pause").click();
    step_until(h, "the pause", |a| a.runner.phase == Phase::Paused);
    h.state_mut().bottom = BottomTab::Charts;
    // the canvas shrinks under the charts and fits again
    h.run_steps(6);
}

/// Nothing the overlay drew covers a node, another badge or label, or the hint line,
/// and the hint line is inside the canvas.
fn assert_clear(d: &DrawnBoxes, what: &str) {
    let mut drawn: Vec<(String, Rect)> = d
        .badges
        .iter()
        .map(|(id, level, r)| (format!("badge of {id} ({level:?})"), *r))
        .collect();
    drawn.extend(d.labels.iter().map(|(t, r)| (format!("label {t:?}"), *r)));
    let (hint, hint_rect) = d.hint.clone().unwrap();
    for (i, (name, r)) in drawn.iter().enumerate() {
        for (id, n) in &d.nodes {
            assert!(
                !overlap(*r, *n),
                "{what}: the {name} at {r:?} covers node {id} at {n:?}"
            );
        }
        for (other, o) in &drawn[i + 1..] {
            assert!(
                !overlap(*r, *o),
                "{what}: the {name} at {r:?} covers the {other} at {o:?}"
            );
        }
        assert!(
            !overlap(*r, hint_rect),
            "{what}: the {name} covers the hint line"
        );
    }
    assert!(
        d.canvas.contains_rect(hint_rect),
        "{what}: the hint line {hint:?} ({hint_rect:?}) does not fit the canvas {:?}",
        d.canvas
    );
}

/// Every example, mid-run with the charts open, at `size` in both themes: nothing
/// drawn over anything, a badge for most components in view, the hint fits, and the
/// links the model implies (a target's dead-letter queue, a Firehose transform) drawn.
fn every_example_mid_run(size: [f32; 2]) {
    for example in examples() {
        for light in [false, true] {
            let what = format!("{example} at {size:?} (light: {light})");
            let mut h = app_on(&example, size, light);
            mid_run(&mut h);
            let d = h.state().canvas.drawn_boxes().clone();
            assert_clear(&d, &what);
            let in_view = d
                .nodes
                .iter()
                .filter(|(_, n)| d.canvas.contains_rect(*n))
                .count();
            assert!(in_view == d.nodes.len(), "{what}: the fit shows every node");
            assert!(
                2 * d.badges.len() >= in_view,
                "{what}: {} badges for {in_view} components",
                d.badges.len()
            );
            let hint = d.hint.as_ref().unwrap().0.clone();
            assert!(
                hint.starts_with("Running: the design is locked"),
                "{what}: {hint}"
            );
            // every link the model implies is drawn on the canvas, as in the export
            let doc = h.state().editor.doc().clone();
            let drawn = h.state().canvas.drawn_links();
            for link in spillway::diagram::links(&doc) {
                assert!(
                    drawn.iter().any(|(from, to, kind, c)| *from == link.from
                        && *to == link.to
                        && *kind == link.kind
                        && *c == link.connection),
                    "{what}: the link {} -> {} ({:?}) is not drawn",
                    link.from,
                    link.to,
                    link.connection
                );
            }
            h.get_by_label("⏹ Stop").click();
            step_until(&mut h, "the stop", |a| !a.runner.phase.is_active());
        }
    }
}

#[test]
fn mid_run_at_1280x800_nothing_covers_a_node_a_badge_or_a_label() {
    every_example_mid_run([1280.0, 800.0]);
}

#[test]
fn mid_run_at_1600x1000_nothing_covers_a_node_a_badge_or_a_label() {
    every_example_mid_run([1600.0, 1000.0]);
}

#[test]
fn implied_links_are_drawn_on_the_canvas() {
    // the examples that have them: an EventBridge target's dead-letter queue and a
    // Firehose transform Lambda
    for (example, from, to) in [
        ("insurance-quotes.ron", "quotes-bus", "target-dlq"),
        ("kinesis-pipeline.ron", "archive", "enrich"),
    ] {
        let h = app_on(example, [1280.0, 800.0], false);
        let drawn = h.state().canvas.drawn_links();
        assert!(
            drawn
                .iter()
                .any(|(f, t, _, c)| f == from && t == to && c.is_none()),
            "{example}: {from} -> {to} not drawn: {drawn:?}"
        );
    }
}

#[test]
fn the_editor_hint_fits_and_its_labels_cover_no_node() {
    for example in examples() {
        for size in [[1280.0, 800.0], [1600.0, 1000.0], [900.0, 600.0]] {
            let mut h = app_on(&example, size, false);
            h.state_mut().bottom = BottomTab::Charts;
            h.run_steps(4);
            let d = h.state().canvas.drawn_boxes().clone();
            let what = format!("{example} at {size:?}, editing");
            assert_clear(&d, &what);
            let hint = d.hint.as_ref().unwrap().0.clone();
            assert!(hint.starts_with("Drag: move"), "{what}: {hint}");
            for (text, _) in &d.labels {
                assert!(!text.contains('…'), "{what}: label cut: {text}");
            }
        }
    }
}

#[test]
fn stale_results_are_dimmed_under_a_caption_and_the_dots_stop() {
    let mut h = app_on("order-fanout.ron", [1280.0, 800.0], false);
    mid_run(&mut h);
    h.get_by_label("⏹ Stop").click();
    step_until(&mut h, "the stop", |a| !a.runner.phase.is_active());
    h.run_steps(2);
    let d = h.state().canvas.drawn_boxes().clone();
    assert!(d.caption.is_none(), "fresh results have no caption");
    assert!(
        !d.hint.as_ref().unwrap().0.starts_with("Running"),
        "after Stop the hint no longer says the design is locked"
    );
    let badges = d.badges.len();
    assert!(badges > 0);
    // moving dots are drawn over fresh results, not over stale ones
    // (the worker may still send its last snapshot after Stop, which rebuilds the
    // overlay without dots: set them again until that has happened)
    let mut dots = 0;
    for _ in 0..100 {
        h.state_mut().canvas.live.as_mut().unwrap().dots = true;
        h.run_steps(2);
        dots = h.state().canvas.drawn_boxes().dots;
        if dots > 0 {
            break;
        }
        std::thread::sleep(WallDuration::from_millis(20));
    }
    assert!(dots > 0, "the dots move");
    // an edit of a simulated parameter makes the figures stale
    let mut billing = h.state().editor.doc().component("billing").unwrap().clone();
    if let ComponentKind::Lambda(l) = &mut billing.kind {
        l.memory_mb = 1024;
    }
    h.state_mut()
        .apply(&Command::SetComponent("billing".to_owned(), billing));
    h.run_steps(2);
    assert!(h.state().canvas.live.as_ref().unwrap().stale);
    let d = h.state().canvas.drawn_boxes().clone();
    assert_eq!(d.dots, 0, "stale results do not animate");
    let caption = d.caption.unwrap(); // a caption over stale results
    assert!(d.canvas.contains_rect(caption));
    assert_eq!(d.badges.len(), badges, "the badges stay, dimmed");
    assert_clear(&d, "stale");
    for (_, r) in d.badges.iter().map(|(id, _, r)| (id, r)) {
        assert!(!overlap(*r, caption), "a badge under the caption");
    }
}

//! How much work one canvas frame is with a 200-component design: builds the view,
//! then times hover frames, frames without input (the graph's last picture painted
//! again), drag frames (links routed again each frame) and tessellation, headless.
//!
//! `cargo run --release --example canvas_bench`
#![allow(clippy::expect_used, reason = "a benchmark stops on a setup error")]

use std::time::Instant;

use spillway::gui::canvas::Canvas;
use spillway::gui::commands::Selection;
use spillway::model::from_ron_str;

fn design(n: usize) -> String {
    let kinds = [
        "SqsQueue()",
        "Lambda()",
        "Station(servers: 2)",
        "SnsTopic()",
        "KinesisStream()",
    ];
    let mut comps = Vec::new();
    let mut links = Vec::new();
    for i in 0..n {
        let kind = if i % 20 == 0 {
            "Producer()"
        } else if i % 20 == 19 {
            "Sink()"
        } else {
            kinds[i % kinds.len()]
        };
        comps.push(format!("(id: \"c{i}\", kind: {kind})"));
        if i % 20 != 0 {
            links.push(format!("(from: \"c{}\", to: \"c{i}\")", i - 1));
        }
        if i % 20 == 5 && i + 10 < n {
            links.push(format!("(from: \"c{i}\", to: \"c{}\")", i + 10));
        }
    }
    format!(
        "(components: [{}], connections: [{}])",
        comps.join(", "),
        links.join(", ")
    )
}

fn main() {
    let doc = from_ron_str(&design(200)).expect("the generated design parses");
    let t = Instant::now();
    let placed = spillway::diagram::auto_layout(&doc);
    println!(
        "auto_layout: {} components in {:.2} ms",
        placed.len(),
        t.elapsed().as_secs_f64() * 1e3
    );

    let ctx = egui::Context::default();
    let mut canvas = Canvas::new();
    let mut selection = Selection::default();
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 800.0));
    let mut frame = |time: f64, events: Vec<egui::Event>, canvas: &mut Canvas| {
        let input = egui::RawInput {
            screen_rect: Some(screen),
            time: Some(time),
            events,
            ..Default::default()
        };
        let t0 = Instant::now();
        let mut out = ctx.run_ui(input, |ui| {
            egui::CentralPanel::default().show(ui, |ui| {
                let _ = canvas.ui(ui, &doc, 1, &mut selection);
            });
        });
        let ui_ms = t0.elapsed().as_secs_f64() * 1e3;
        out.textures_delta.clear();
        let t1 = Instant::now();
        let prims = ctx.tessellate(out.shapes, out.pixels_per_point);
        let tess_ms = t1.elapsed().as_secs_f64() * 1e3;
        (ui_ms, tess_ms, prims.len())
    };
    let (ui_ms, tess_ms, _) = frame(0.0, vec![], &mut canvas);
    println!("first frame (view build, fit): ui {ui_ms:.2} ms, tessellate {tess_ms:.2} ms");
    let mut total = (0.0, 0.0);
    let n = 100;
    for k in 0..n {
        let p = egui::pos2(200.0 + k as f32 * 3.0, 300.0);
        let (u, t, _) = frame(
            0.016 * f64::from(k + 1),
            vec![egui::Event::PointerMoved(p)],
            &mut canvas,
        );
        total.0 += u;
        total.1 += t;
    }
    println!(
        "steady frame (hover): ui {:.2} ms, tessellate {:.2} ms (mean of {n})",
        total.0 / f64::from(n),
        total.1 / f64::from(n)
    );
    // frames without input (another panel animating): the last picture is painted again
    let drawn = canvas.graph_draws();
    let mut total = (0.0, 0.0);
    for k in 0..n {
        let (u, t, _) = frame(1.7 + 0.001 * f64::from(k), vec![], &mut canvas);
        total.0 += u;
        total.1 += t;
    }
    println!(
        "frame without input: ui {:.2} ms, tessellate {:.2} ms (mean of {n}; egui_graphs drew {} of them)",
        total.0 / f64::from(n),
        total.1 / f64::from(n),
        canvas.graph_draws() - drawn
    );
    // drag the first component around
    let start = canvas.screen_position("c0").expect("c0 is drawn");
    frame(2.0, vec![egui::Event::PointerMoved(start)], &mut canvas);
    frame(
        2.02,
        vec![egui::Event::PointerButton {
            pos: start,
            button: egui::PointerButton::Primary,
            pressed: true,
            modifiers: egui::Modifiers::NONE,
        }],
        &mut canvas,
    );
    let mut total = (0.0, 0.0);
    for k in 0..n {
        let p = start + egui::vec2(k as f32 * 2.0, k as f32);
        let (u, t, _) = frame(
            2.04 + 0.016 * f64::from(k),
            vec![egui::Event::PointerMoved(p)],
            &mut canvas,
        );
        total.0 += u;
        total.1 += t;
    }
    println!(
        "drag frame: ui {:.2} ms, tessellate {:.2} ms (mean of {n})",
        total.0 / f64::from(n),
        total.1 / f64::from(n)
    );
    // zoom in to 1:1, where every node draws its text
    frame(5.0, vec![egui::Event::Zoom(5.0)], &mut canvas);
    let mut total = (0.0, 0.0);
    for k in 0..n {
        let p = egui::pos2(300.0 + k as f32 * 3.0, 400.0);
        let (u, t, _) = frame(
            6.0 + 0.016 * f64::from(k),
            vec![egui::Event::PointerMoved(p)],
            &mut canvas,
        );
        total.0 += u;
        total.1 += t;
    }
    println!(
        "steady frame zoomed in (text drawn): ui {:.2} ms, tessellate {:.2} ms (mean of {n})",
        total.0 / f64::from(n),
        total.1 / f64::from(n)
    );
}

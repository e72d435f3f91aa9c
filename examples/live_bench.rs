//! Frame time of the whole editor while a run updates it: a 200-component design runs
//! paced (so the run lasts through the measurement) with the charts tab open, badges on
//! every node and dots on every link; each frame is timed (UI + tessellation, headless,
//! on the CPU; no GPU upload or present).
//!
//! `cargo run --release --example live_bench`

use std::time::{Duration, Instant};

use spillway::gui::app::BottomTab;
use spillway::gui::{Action, AppOptions, SpillwayApp};

/// Ten chains of twenty: producer, then SQS queues feeding Lambda functions and
/// stations, ending in a sink.
fn design(chains: usize) -> String {
    let mut comps = Vec::new();
    let mut links = Vec::new();
    let mut layout = Vec::new();
    for c in 0..chains {
        for k in 0..20 {
            let id = format!("c{c}-{k}");
            let kind = match k {
                0 => format!("Producer(arrivals: Poisson(rate_per_s: {}.0))", 20 + 10 * c),
                19 => "Sink()".to_owned(),
                k if k % 3 == 1 => "SqsQueue()".to_owned(),
                k if k % 3 == 2 => "Lambda(duration_ms: Exponential(mean: 40.0))".to_owned(),
                _ => format!(
                    "Station(servers: {}, service_ms: Exponential(mean: 20.0))",
                    2 + c % 3
                ),
            };
            comps.push(format!("(id: \"{id}\", kind: {kind})"));
            layout.push(format!("\"{id}\": ({}.0, {}.0)", k * 220, c * 140));
            if k > 0 {
                links.push(format!("(from: \"c{c}-{}\", to: \"{id}\")", k - 1));
            }
        }
    }
    format!(
        "(name: \"Bench 200\", scenario: (duration: \"2h\", seed: 1), components: [{}], connections: [{}], layout: {{{}}})",
        comps.join(", "),
        links.join(", "),
        layout.join(", ")
    )
}

fn main() {
    let dir = std::env::temp_dir().join(format!("spillway-live-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let path = dir.join("bench-200.ron");
    std::fs::write(&path, design(10)).expect("the design is written");
    let mut app = SpillwayApp::new(AppOptions {
        file: Some(path),
        config: None,
        dialogs: false,
    });
    assert_eq!(app.editor.doc.components.len(), 200);
    let ctx = egui::Context::default();
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1600.0, 1000.0));
    let mut t = 0.0;
    let frame = |app: &mut SpillwayApp, t: f64| {
        let input = egui::RawInput {
            screen_rect: Some(screen),
            time: Some(t),
            events: vec![egui::Event::PointerMoved(egui::pos2(700.0, 300.0))],
            ..Default::default()
        };
        let t0 = Instant::now();
        let mut out = ctx.run_ui(input, |ui| app.frame_ui(ui));
        out.textures_delta.clear();
        let _ = ctx.tessellate(out.shapes, out.pixels_per_point);
        t0.elapsed().as_secs_f64() * 1e3
    };
    for _ in 0..3 {
        frame(&mut app, t);
        t += 0.016;
    }
    // 2 simulated hours at 600x: 12 s of wall time, longer than the measurement
    app.runner.settings.speed = 600.0;
    app.request(Action::Run);
    frame(&mut app, t);
    app.bottom = BottomTab::Charts;
    // chart every component (the worst case for the charts)
    app.charts.picked = app
        .editor
        .doc
        .components
        .iter()
        .map(|c| c.display_name().to_owned())
        .collect();
    let mut times = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(8) {
        t += 0.016;
        times.push(frame(&mut app, t));
        std::thread::sleep(Duration::from_millis(4));
    }
    let sim_s = app.runner.snapshot().map_or(0.0, |s| s.now_s);
    times.sort_by(f64::total_cmp);
    let n = times.len();
    let mean = times.iter().sum::<f64>() / n as f64;
    println!(
        "{n} frames during a run of 200 components (simulated {sim_s:.0} s so far), all 200 charted: \
         mean {mean:.2} ms, median {:.2} ms, p95 {:.2} ms, max {:.2} ms per frame",
        times[n / 2],
        times[n * 95 / 100],
        times[n - 1]
    );
    // the more usual view: the five busiest components charted
    app.charts.picked.clear();
    app.charts.picked.extend((0..5).map(|c| format!("c{c}-3")));
    let mut times = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        t += 0.016;
        times.push(frame(&mut app, t));
        std::thread::sleep(Duration::from_millis(4));
    }
    times.sort_by(f64::total_cmp);
    let n = times.len();
    let mean = times.iter().sum::<f64>() / n as f64;
    println!(
        "{n} frames, 5 components charted: mean {mean:.2} ms, median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        times[n / 2],
        times[n * 95 / 100],
        times[n - 1]
    );
    let _ = std::fs::remove_dir_all(&dir);
    drop(app);

    // each AWS example at its default duration, from Run to the results table
    for name in [
        "order-fanout.ron",
        "kinesis-pipeline.ron",
        "insurance-quotes.ron",
        "inventory.ron",
        "poison-messages.ron",
    ] {
        let mut app = SpillwayApp::new(AppOptions::default());
        app.open_example(name);
        frame(&mut app, t);
        let started = Instant::now();
        app.request(Action::Run);
        while app.runner.results().is_none() && started.elapsed() < Duration::from_secs(120) {
            t += 0.016;
            frame(&mut app, t);
            std::thread::sleep(Duration::from_millis(10));
        }
        println!(
            "{name}: Run to results in {:.2} s of wall time ({:?})",
            started.elapsed().as_secs_f64(),
            app.runner.phase
        );
    }
}

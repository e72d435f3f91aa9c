//! Frame time of the whole editor while a run updates it: a 200-component design runs
//! paced (so the run lasts through the measurement) with the charts tab open, badges on
//! every node and dots on every link; each frame is timed (UI + tessellation, headless,
//! on the CPU; no GPU upload or present). The frames are measured with all 200
//! components charted, with five, and with the run paused (the UI without the engine
//! competing for the cores); on Linux the UI thread's own CPU time is shown beside the
//! wall time.
//!
//! `cargo run --release --example live_bench`
#![allow(clippy::expect_used, reason = "a benchmark stops on a setup error")]

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

/// CPU time this thread has used, ns (Linux: `/proc/thread-self/schedstat`), to tell the
/// frame's own work apart from time the thread spent waiting for a core.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// One measured frame, ms: wall time of the UI pass and of tessellation, and the CPU
/// time the UI thread used for both (when the OS tells).
struct FrameTime {
    ui: f64,
    tessellate: f64,
    cpu: Option<f64>,
}

impl FrameTime {
    fn wall(&self) -> f64 {
        self.ui + self.tessellate
    }
}

fn summary(label: &str, frames: &[FrameTime]) {
    let mut wall: Vec<f64> = frames.iter().map(FrameTime::wall).collect();
    wall.sort_by(f64::total_cmp);
    let n = wall.len();
    let mean = |f: &dyn Fn(&FrameTime) -> f64| frames.iter().map(f).sum::<f64>() / n as f64;
    let wall_mean = mean(&FrameTime::wall);
    println!(
        "{label}: {n} frames, mean {wall_mean:.2} ms, median {:.2} ms, p95 {:.2} ms, max {:.2} ms \
         per frame ({:.0} frames/s back to back); UI {:.2} ms + tessellation {:.2} ms on average",
        wall[n / 2],
        wall[n * 95 / 100],
        wall[n - 1],
        1000.0 / wall_mean,
        mean(&|f| f.ui),
        mean(&|f| f.tessellate),
    );
    if frames.iter().all(|f| f.cpu.is_some()) {
        let mut cpu: Vec<f64> = frames.iter().filter_map(|f| f.cpu).collect();
        cpu.sort_by(f64::total_cmp);
        println!(
            "    CPU time of the UI thread: mean {:.2} ms, median {:.2} ms, p95 {:.2} ms per frame \
             (the rest of the wall time it waited for a core)",
            cpu.iter().sum::<f64>() / n as f64,
            cpu[n / 2],
            cpu[n * 95 / 100]
        );
    }
}

fn main() {
    // as the editor does when it starts (`spillway::gui::run`); set
    // SPILLWAY_BENCH_TRIM=1 to measure with the allocator's defaults instead
    if std::env::var_os("SPILLWAY_BENCH_TRIM").is_none() {
        spillway::gui::app::keep_freed_memory();
    }
    let dir = std::env::temp_dir().join(format!("spillway-live-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let path = dir.join("bench-200.ron");
    std::fs::write(&path, design(10)).expect("the design is written");
    let mut app = SpillwayApp::new(AppOptions {
        file: Some(path),
        config: None,
        dialogs: false,
    });
    assert_eq!(app.editor.doc().components.len(), 200);
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
        let cpu0 = thread_cpu_ns();
        let t0 = Instant::now();
        let mut out = ctx.run_ui(input, |ui| app.frame_ui(ui));
        let t1 = Instant::now();
        out.textures_delta.clear();
        let _ = ctx.tessellate(out.shapes, out.pixels_per_point);
        let t2 = Instant::now();
        let cpu = cpu0
            .zip(thread_cpu_ns())
            .map(|(a, b)| b.saturating_sub(a) as f64 / 1e6);
        FrameTime {
            ui: (t1 - t0).as_secs_f64() * 1e3,
            tessellate: (t2 - t1).as_secs_f64() * 1e3,
            cpu,
        }
    };
    let measure = |app: &mut SpillwayApp, t: &mut f64, secs: u64| {
        let mut frames = Vec::new();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(secs) {
            *t += 0.016;
            frames.push(frame(app, *t));
            std::thread::sleep(Duration::from_millis(4));
        }
        frames
    };
    for _ in 0..3 {
        frame(&mut app, t);
        t += 0.016;
    }
    // 2 simulated hours at 600x: 12 s of wall time if the engine keeps the pace, longer
    // than the measurement
    app.runner.settings.speed = 600.0;
    app.request(Action::Run);
    let run_started = Instant::now();
    app.bottom = BottomTab::Charts;
    // the charts pick the busiest components once the first figures arrive; wait for
    // that, or it would replace the pick below
    while app.charts.picked.is_empty() && run_started.elapsed() < Duration::from_secs(10) {
        t += 0.016;
        frame(&mut app, t);
        std::thread::sleep(Duration::from_millis(10));
    }
    // chart every component (the worst case for the charts)
    let all: std::collections::BTreeSet<String> = app
        .editor
        .doc()
        .components
        .iter()
        .map(|c| c.display_name().to_owned())
        .collect();
    app.charts.picked = all.clone();
    let frames = measure(&mut app, &mut t, 8);
    assert_eq!(app.charts.picked.len(), 200, "all 200 stayed charted");
    summary("running, all 200 charted", &frames);

    // the more usual view: the five busiest components charted
    app.charts.picked.clear();
    app.charts.picked.extend((0..5).map(|c| format!("c{c}-3")));
    let frames = measure(&mut app, &mut t, 3);
    summary("running, 5 components charted", &frames);
    let (sim_s, wall_s) = app
        .runner
        .snapshot()
        .map_or((0.0, 0.0), |s| (s.now_s, s.wall_s));
    println!(
        "    the engine reached {sim_s:.0} simulated s in {wall_s:.1} s of wall time: {:.0}x real time \
         (600x asked; it keeps one core busy when it cannot keep the pace)",
        sim_s / wall_s.max(1e-9)
    );

    // the same frames with the engine paused: the UI alone on the machine
    app.runner.pause();
    app.charts.picked = all;
    for _ in 0..5 {
        t += 0.016;
        frame(&mut app, t);
        std::thread::sleep(Duration::from_millis(10));
    }
    let frames = measure(&mut app, &mut t, 3);
    summary("paused, all 200 charted", &frames);
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
        let _ = frame(&mut app, t);
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

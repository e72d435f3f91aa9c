//! Live runs: the engine on a named worker thread (`spillway-sim`), the run bar, and the
//! data the canvas, charts, inspector and results read.
//!
//! Lifecycle ([`Phase`]): Idle -> Running <-> Paused -> Finished (or Stopped, or Failed).
//! The worker owns the [`Simulation`] and advances it in slices of simulated time: one
//! time-series bucket per slice as fast as possible, or shorter slices paced to N x
//! real time. After each slice it publishes a [`Snapshot`] (an `Arc`, swapped under a
//! mutex held for a pointer copy) and appends the closed buckets to the [`ChartStore`]
//! (append-only, behind a `RwLock` that the UI reads and the worker holds only while
//! pushing a few points). A frame never waits for the engine: it takes the latest
//! snapshot and borrows the chart series in place. Pause, resume, step and stop travel
//! to the worker over a channel.
//!
//! When the first replication reaches its end the worker runs the others in parallel
//! (as `spillway run` does) and publishes [`Results`]: the same JSON value, hence the
//! same table, as the command line for the same seed, with the insight derived from it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration as WallDuration, Instant};

use egui::{Color32, RichText, Ui};
use egui_plot::PlotPoint;
use serde_json::Value;

use crate::cost::{self, CostReport, PriceBook};
use crate::insight::analytic::{self, PoolAnalysis};
use crate::insight::bottleneck::{self, Finding};
use crate::insight::table;
use crate::model::{Document, Duration};
use crate::sim::{Combiner, Report, SimTime, Simulation};

/// Wall time between paced slices, seconds (how smooth N x real time looks).
const PACE_SLICE_S: f64 = 0.05;

/// Points kept for a latency CDF.
const CDF_POINTS: usize = 160;

/// Wall time between CDF refreshes during a run, seconds.
const CDF_EVERY_S: f64 = 0.5;

/// Speeds offered in the run bar: 0 = as fast as possible, else N x real time.
pub const SPEEDS: [(f64, &str); 6] = [
    (0.0, "as fast as possible"),
    (1.0, "1× real time"),
    (10.0, "10× real time"),
    (60.0, "60× real time"),
    (600.0, "600× real time"),
    (3600.0, "3600× real time"),
];

/// Settings of the next run; start from the design's scenario and override it for
/// this run only (like `spillway run --duration --warmup --seed --replications`).
#[derive(Clone, Debug, PartialEq)]
pub struct RunSettings {
    /// Simulated time, warm-up included.
    pub duration: Duration,
    /// Statistics before this are discarded.
    pub warmup: Duration,
    /// Seed of the first replication.
    pub seed: u64,
    /// Independent runs (derived seeds), combined with 95% confidence intervals.
    pub replications: u32,
    /// 0 = as fast as possible, else simulated seconds per wall second.
    pub speed: f64,
}

impl RunSettings {
    /// The scenario's settings, as fast as possible.
    #[must_use]
    pub fn from_doc(doc: &Document) -> Self {
        RunSettings {
            duration: doc.scenario.duration,
            warmup: doc.scenario.warmup,
            seed: doc.scenario.seed,
            replications: doc.scenario.replications.max(1),
            speed: 0.0,
        }
    }

    /// `doc` with these settings in its scenario.
    #[must_use]
    pub fn apply(&self, doc: &Document) -> Document {
        let mut d = doc.clone();
        d.scenario.duration = self.duration;
        d.scenario.warmup = self.warmup;
        d.scenario.seed = self.seed;
        d.scenario.replications = self.replications.max(1);
        d
    }
}

/// Where a run is.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// No run yet.
    Idle,
    /// The engine is advancing.
    Running,
    /// Waiting for Resume or Step.
    Paused,
    /// Reached its end; results are in.
    Finished,
    /// Stopped by the user (or by a new design); the partial figures stay.
    Stopped,
    /// Could not be built, or halted as runaway.
    Failed(String),
}

impl Phase {
    /// Running or paused: the design must not change.
    #[must_use]
    pub fn is_active(&self) -> bool {
        matches!(self, Phase::Running | Phase::Paused)
    }
}

/// Messages from the UI to the worker.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Control {
    Pause,
    Resume,
    /// Advance to the end of the current bucket, then pause.
    Step,
    Stop,
    Speed(f64),
}

/// The state of a run after a slice.
pub struct Snapshot {
    /// The first replication's report at `now`.
    pub report: Report,
    /// Its cost so far.
    pub cost: CostReport,
    /// Component ids in document order.
    pub ids: Vec<String>,
    /// Display names in document order.
    pub names: Vec<String>,
    /// Capacity (servers, slots, concurrency) by display name; 0 where none.
    pub capacities: BTreeMap<String, u64>,
    /// Events per second along each document connection, over the last bucket.
    pub edge_rates: Vec<f64>,
    /// Simulated time reached, s.
    pub now_s: f64,
    /// End of the run, s.
    pub end_s: f64,
    /// Wall time since the start, s.
    pub wall_s: f64,
    /// Calendar events processed per wall second, recently.
    pub events_per_s: f64,
    /// The worker is done with the first replication (finished, stopped or halted).
    pub done: bool,
}

impl Snapshot {
    /// Index of a component by id.
    #[must_use]
    pub fn index(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|i| i == id)
    }
}

/// Time series of one component, plot-ready (x = simulated seconds at the middle of the
/// bucket), appended bucket by bucket.
#[derive(Clone, Debug, Default)]
pub struct ComponentSeries {
    /// Completions per second.
    pub throughput: Vec<PlotPoint>,
    /// Arrivals per second.
    pub arrivals: Vec<PlotPoint>,
    /// Time-average queue depth, events.
    pub depth: Vec<PlotPoint>,
    /// Time-average events in service.
    pub in_flight: Vec<PlotPoint>,
    /// Age of the oldest message, s (queues only).
    pub oldest_age: Vec<PlotPoint>,
    /// Latency percentiles of the bucket's completions, ms.
    pub p50: Vec<PlotPoint>,
    /// 95th percentile, ms.
    pub p95: Vec<PlotPoint>,
    /// 99th percentile, ms.
    pub p99: Vec<PlotPoint>,
    /// Errors (failed attempts, refusals, drops, expiries) per second.
    pub errors: Vec<PlotPoint>,
    /// Retries per second.
    pub retries: Vec<PlotPoint>,
    /// Refused attempts (throttled, full) per second.
    pub refused: Vec<PlotPoint>,
    /// Dead-lettered events per second.
    pub dead_letters: Vec<PlotPoint>,
    /// Cost rate, USD per hour.
    pub cost_rate: Vec<PlotPoint>,
    /// Top edge of this component's band in the stacked cost rate, USD per hour.
    pub cost_stack: Vec<PlotPoint>,
    /// Latency CDF `[ms, fraction]` of the time at the component.
    pub cdf: Vec<PlotPoint>,
}

/// Every chart series of a run, shared with the UI without copying.
#[derive(Clone, Debug, Default)]
pub struct ChartStore {
    /// Display names in document order.
    pub names: Vec<String>,
    /// Per component, document order.
    pub components: Vec<ComponentSeries>,
    /// Total cost rate, USD per hour.
    pub cost_rate: Vec<PlotPoint>,
    /// Cumulative cost since the start, USD (warm-up included).
    pub cost_cumulative: Vec<PlotPoint>,
    /// End-to-end latency CDFs: (`producer -> consumer`, points).
    pub e2e_cdf: Vec<(String, Vec<PlotPoint>)>,
    /// Buckets appended so far.
    pub buckets: usize,
    /// Bucket width, s.
    pub bucket_s: f64,
}

impl ChartStore {
    /// Series of a component by display name.
    #[must_use]
    pub fn component(&self, name: &str) -> Option<&ComponentSeries> {
        let i = self.names.iter().position(|n| n == name)?;
        self.components.get(i)
    }
}

/// The final figures of a run.
pub struct Results {
    /// Reports with cost, combined over replications (as `spillway run --json`).
    pub value: Value,
    /// The component table's rows, as `spillway run` prints them.
    pub rows: Vec<Vec<String>>,
    /// The end-to-end table's rows.
    pub e2e_rows: Vec<Vec<String>>,
    /// Replications combined.
    pub replications: u32,
    /// The worst end-to-end p99 and the monthly cost, in one line.
    pub headline: String,
    /// The bottleneck explained (first replication).
    pub findings: Vec<Finding>,
    /// Queueing theory beside the measured values (first replication).
    pub pools: Vec<PoolAnalysis>,
}

/// What the worker and the UI share.
#[derive(Default)]
struct Shared {
    snapshot: Mutex<Option<Arc<Snapshot>>>,
    charts: RwLock<ChartStore>,
    results: Mutex<Option<Result<Arc<Results>, String>>>,
    /// Simulated ns done over the extra replications (progress of the second phase).
    reps_done_ns: AtomicU64,
    cancel: AtomicBool,
}

/// One run: its document, its live data and its results.
pub struct Run {
    /// The document as run (with the run bar's settings applied).
    pub doc: Arc<Document>,
    /// The editor's revision when it started.
    pub revision: u64,
    /// Settings it ran with.
    pub settings: RunSettings,
    shared: Arc<Shared>,
    /// Latest snapshot the UI took.
    pub snapshot: Option<Arc<Snapshot>>,
    /// Final results, once in.
    pub results: Option<Arc<Results>>,
}

impl Run {
    /// Read access to the chart series (held for the frame's drawing only).
    ///
    /// # Panics
    /// Never: a poisoned lock (a panicked worker) still gives its data.
    pub fn charts(&self) -> std::sync::RwLockReadGuard<'_, ChartStore> {
        self.shared
            .charts
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The run bar's model: the next run's settings, the current run and the baseline.
pub struct Runner {
    /// Settings for the next run.
    pub settings: RunSettings,
    /// The scenario the settings were taken from (reloaded when the design's changes).
    loaded_from: Option<crate::model::Scenario>,
    /// Where the current run is.
    pub phase: Phase,
    /// The current (or last) run.
    pub current: Option<Run>,
    /// The run before it, for comparison.
    pub baseline: Option<Run>,
    tx: Option<Sender<Control>>,
    worker: Option<JoinHandle<()>>,
    /// Price book for cost (the built-in one).
    book: Option<Arc<PriceBook>>,
    /// Text in the duration fields (applied when they parse).
    duration_text: String,
    warmup_text: String,
}

impl Default for Runner {
    fn default() -> Self {
        Runner::new()
    }
}

impl Runner {
    /// No run yet.
    #[must_use]
    pub fn new() -> Self {
        Runner {
            settings: RunSettings::from_doc(&Document::default()),
            loaded_from: None,
            phase: Phase::Idle,
            current: None,
            baseline: None,
            tx: None,
            worker: None,
            book: PriceBook::builtin().ok().map(Arc::new),
            duration_text: String::new(),
            warmup_text: String::new(),
        }
    }

    /// Take the run settings from the design's scenario when it changed.
    pub fn follow(&mut self, doc: &Document) {
        if self.loaded_from.as_ref() != Some(&doc.scenario) {
            let speed = self.settings.speed;
            self.settings = RunSettings::from_doc(doc);
            self.settings.speed = speed;
            self.duration_text = self.settings.duration.to_string();
            self.warmup_text = self.settings.warmup.to_string();
            self.loaded_from = Some(doc.scenario.clone());
        }
    }

    /// Start a run of `doc` (at editor `revision`) with the current settings; a finished
    /// or stopped run becomes the baseline. Refused (with the reason) while a run is
    /// active, or when the settings are invalid.
    ///
    /// # Errors
    /// The reason, for the status line.
    pub fn start(
        &mut self,
        doc: &Document,
        revision: u64,
        ctx: &egui::Context,
    ) -> Result<(), String> {
        if self.phase.is_active() {
            return Err("a run is already going: stop it first".to_owned());
        }
        if self.settings.warmup.ns >= self.settings.duration.ns {
            return Err("the warm-up must be shorter than the duration".to_owned());
        }
        let doc = Arc::new(self.settings.apply(doc));
        let problems = crate::model::validate(&doc);
        if let Some(p) = problems
            .iter()
            .find(|p| p.severity == crate::model::Severity::Error)
        {
            return Err(format!("the design has errors and cannot run: {p}"));
        }
        let sim = Simulation::new(&doc).map_err(|e| format!("cannot run: {e}"))?;
        let book = self
            .book
            .clone()
            .ok_or_else(|| "the built-in price book does not load".to_owned())?;
        self.join();
        if let Some(prev) = self.current.take()
            && prev.snapshot.is_some()
        {
            self.baseline = Some(prev);
        }
        let shared = Arc::new(Shared::default());
        let (tx, rx) = mpsc::channel();
        if self.settings.speed > 0.0 {
            let _ = tx.send(Control::Speed(self.settings.speed));
        }
        let worker = {
            let shared = shared.clone();
            let doc = doc.clone();
            let ctx = ctx.clone();
            std::thread::Builder::new()
                .name("spillway-sim".to_owned())
                .spawn(move || work(sim, &doc, &book, &shared, &rx, &ctx))
                .map_err(|e| format!("cannot start the simulation thread: {e}"))?
        };
        self.current = Some(Run {
            doc,
            revision,
            settings: self.settings.clone(),
            shared,
            snapshot: None,
            results: None,
        });
        self.tx = Some(tx);
        self.worker = Some(worker);
        self.phase = Phase::Running;
        Ok(())
    }

    fn send(&self, c: Control) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(c);
        }
    }

    /// Pause a running run.
    pub fn pause(&mut self) {
        if self.phase == Phase::Running {
            self.send(Control::Pause);
            self.phase = Phase::Paused;
        }
    }

    /// Resume a paused run.
    pub fn resume(&mut self) {
        if self.phase == Phase::Paused {
            self.send(Control::Resume);
            self.phase = Phase::Running;
        }
    }

    /// Advance a paused (or running) run to the end of the current bucket and pause.
    pub fn step(&mut self) {
        if self.phase.is_active() {
            self.send(Control::Step);
            self.phase = Phase::Paused;
        }
    }

    /// Stop the run; its figures so far stay on screen.
    pub fn stop(&mut self) {
        if self.phase.is_active() {
            self.send(Control::Stop);
            if let Some(r) = &self.current {
                r.shared.cancel.store(true, Ordering::Relaxed);
            }
            self.phase = Phase::Stopped;
        }
    }

    /// Change the speed (also of a run in progress).
    pub fn set_speed(&mut self, speed: f64) {
        self.settings.speed = speed;
        self.send(Control::Speed(speed));
    }

    /// Drop the baseline.
    pub fn clear_baseline(&mut self) {
        self.baseline = None;
    }

    fn join(&mut self) {
        self.tx = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }

    /// Take the worker's latest snapshot and results; call once per frame.
    pub fn poll(&mut self) {
        let Some(run) = &mut self.current else {
            return;
        };
        if let Ok(slot) = run.shared.snapshot.lock()
            && let Some(s) = slot.as_ref()
            && !run.snapshot.as_ref().is_some_and(|o| Arc::ptr_eq(o, s))
        {
            run.snapshot = Some(s.clone());
        }
        if run.results.is_none()
            && let Ok(mut slot) = run.shared.results.lock()
            && let Some(r) = slot.take()
        {
            match r {
                Ok(r) => {
                    run.results = Some(r);
                    if self.phase != Phase::Stopped {
                        self.phase = Phase::Finished;
                    }
                }
                Err(e) => self.phase = Phase::Failed(e),
            }
        }
        if let Some(s) = &run.snapshot
            && s.done
            && self.phase.is_active()
            && let Some(why) = &s.report.halted
        {
            self.phase = Phase::Failed(why.clone());
        }
    }

    /// The price book runs are priced with.
    #[must_use]
    pub fn book(&self) -> Option<&PriceBook> {
        self.book.as_deref()
    }

    /// The latest snapshot of the current run.
    #[must_use]
    pub fn snapshot(&self) -> Option<&Arc<Snapshot>> {
        self.current.as_ref()?.snapshot.as_ref()
    }

    /// The current run's results, once in.
    #[must_use]
    pub fn results(&self) -> Option<&Arc<Results>> {
        self.current.as_ref()?.results.as_ref()
    }

    /// Progress of the extra replications, 0..1 (`None` with one replication).
    fn reps_progress(&self) -> Option<f64> {
        let run = self.current.as_ref()?;
        let extra = run.settings.replications.saturating_sub(1);
        if extra == 0 {
            return None;
        }
        let total = run.doc.scenario.duration.ns as f64 * f64::from(extra);
        Some(run.shared.reps_done_ns.load(Ordering::Relaxed) as f64 / total.max(1.0))
    }

    /// The run bar: controls, settings and progress. Returns true when Run was pressed
    /// (the caller starts the run with the current document).
    pub fn bar_ui(&mut self, ui: &mut Ui) -> bool {
        let mut start = false;
        ui.horizontal_wrapped(|ui| {
            let active = self.phase.is_active();
            let run_label = if matches!(self.phase, Phase::Idle) {
                "▶ Run"
            } else {
                "⟲ Restart"
            };
            match self.phase {
                Phase::Running => {
                    if ui
                        .button("⏸ Pause")
                        .on_hover_text("Pause the run")
                        .clicked()
                    {
                        self.pause();
                    }
                }
                Phase::Paused => {
                    if ui.button("▶ Resume").clicked() {
                        self.resume();
                    }
                }
                _ => {
                    if ui
                        .button(run_label)
                        .on_hover_text("Simulate the design with these settings")
                        .clicked()
                    {
                        start = true;
                    }
                }
            }
            if ui
                .add_enabled(active, egui::Button::new("⏭ Step"))
                .on_hover_text("Advance one time bucket, then pause")
                .clicked()
            {
                self.step();
            }
            if ui
                .add_enabled(active, egui::Button::new("⏹ Stop"))
                .on_hover_text("Stop the run; its figures so far stay")
                .clicked()
            {
                self.stop();
            }
            if active
                && ui
                    .button("⟲ Restart")
                    .on_hover_text("Stop and run again from the start")
                    .clicked()
            {
                self.stop();
                start = true;
            }
            ui.separator();
            ui.add_enabled_ui(!active, |ui| {
                ui.label("duration");
                duration_edit(ui, &mut self.duration_text, &mut self.settings.duration);
                ui.label("warm-up");
                duration_edit(ui, &mut self.warmup_text, &mut self.settings.warmup);
                ui.label("seed");
                ui.add(egui::DragValue::new(&mut self.settings.seed).speed(1));
                ui.label("replications");
                ui.add(
                    egui::DragValue::new(&mut self.settings.replications)
                        .range(1..=1000)
                        .speed(0.1),
                );
            });
            let mut speed = self.settings.speed;
            let label = SPEEDS
                .iter()
                .find(|(s, _)| (*s - speed).abs() < 1e-9)
                .map_or("custom", |(_, l)| l);
            egui::ComboBox::from_id_salt("run-speed")
                .selected_text(label)
                .show_ui(ui, |ui| {
                    for (s, l) in SPEEDS {
                        ui.selectable_value(&mut speed, s, l);
                    }
                });
            if (speed - self.settings.speed).abs() > 1e-12 {
                self.set_speed(speed);
            }
        });
        self.progress_ui(ui);
        start
    }

    fn progress_ui(&self, ui: &mut Ui) {
        let Some(run) = &self.current else {
            ui.label(
                RichText::new("Press Run to simulate the design: badges, charts and results appear as it goes.")
                    .weak(),
            );
            return;
        };
        ui.horizontal(|ui| {
            let (now, end, wall, eps) = run.snapshot.as_ref().map_or(
                (0.0, run.doc.scenario.duration.as_secs_f64(), 0.0, 0.0),
                |s| (s.now_s, s.end_s, s.wall_s, s.events_per_s),
            );
            let frac = if end > 0.0 { now / end } else { 0.0 };
            let state = match &self.phase {
                Phase::Idle => "idle".to_owned(),
                Phase::Running => "running".to_owned(),
                Phase::Paused => "paused".to_owned(),
                Phase::Finished => "finished".to_owned(),
                Phase::Stopped => "stopped".to_owned(),
                Phase::Failed(_) => "failed".to_owned(),
            };
            let reps = self
                .reps_progress()
                .filter(|_| run.results.is_none() && run.snapshot.as_ref().is_some_and(|s| s.done))
                .map(|p| {
                    format!(
                        " · replications 2-{}: {:.0}%",
                        run.settings.replications,
                        p * 100.0
                    )
                })
                .unwrap_or_default();
            ui.add(
                egui::ProgressBar::new(frac as f32)
                    .desired_width(220.0)
                    .text(format!("{:.0}%", frac * 100.0)),
            );
            ui.label(format!(
                "{state} · simulated {} of {} · wall {:.1} s · {} events/s{reps}",
                bottleneck::clock(now),
                bottleneck::clock(end),
                wall,
                si(eps)
            ));
            if let Phase::Failed(why) = &self.phase {
                ui.colored_label(ui.visuals().error_fg_color, why);
            }
            if let Some(r) = &run.results {
                ui.separator();
                ui.label(RichText::new(&r.headline).strong());
            }
        });
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let Some(r) = &self.current {
            r.shared.cancel.store(true, Ordering::Relaxed);
        }
        if let Some(tx) = &self.tx {
            let _ = tx.send(Control::Stop);
        }
        self.join();
    }
}

/// A number with k/M suffix.
#[must_use]
pub fn si(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if x >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else if x >= 1e3 {
        format!("{:.1}k", x / 1e3)
    } else if x >= 10.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// A duration text field: red while it does not parse; applied when it does.
fn duration_edit(ui: &mut Ui, text: &mut String, value: &mut Duration) {
    let ok = text.trim().parse::<Duration>();
    let mut edit = egui::TextEdit::singleline(text).desired_width(56.0);
    if ok.is_err() {
        edit = edit.text_color(ui.visuals().error_fg_color);
    }
    let r = ui.add(edit);
    if r.changed()
        && let Ok(d) = text.trim().parse::<Duration>()
    {
        *value = d;
    }
    if r.lost_focus() {
        *text = value.to_string();
    }
}

// ---------------------------------------------------------------------------------
// the worker

/// Counters sampled at the last bucket boundary, to turn totals into per-bucket rates.
#[derive(Clone, Copy, Default)]
struct Totals {
    retries: u64,
    refused: u64,
    dead_letters: u64,
}

struct Worker<'a> {
    doc: &'a Document,
    book: &'a PriceBook,
    shared: &'a Shared,
    ctx: &'a egui::Context,
    started: Instant,
    totals: Vec<Totals>,
    /// (simulated ns, per-connection counts) at recent slice ends, for edge rates.
    counts: std::collections::VecDeque<(SimTime, Vec<u64>)>,
    /// (wall s, events) at recent publications, for events per second.
    speed: std::collections::VecDeque<(f64, u64)>,
    last_cdf: f64,
}

fn work(
    mut sim: Simulation,
    doc: &Document,
    book: &PriceBook,
    shared: &Shared,
    rx: &Receiver<Control>,
    ctx: &egui::Context,
) {
    let n = doc.components.len();
    {
        let mut charts = shared
            .charts
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        charts.names = doc
            .components
            .iter()
            .map(|c| c.display_name().to_owned())
            .collect();
        charts.components = vec![ComponentSeries::default(); n];
        charts.bucket_s = sim.bucket() as f64 / 1e9;
    }
    let mut w = Worker {
        doc,
        book,
        shared,
        ctx,
        started: Instant::now(),
        totals: vec![Totals::default(); n],
        counts: std::collections::VecDeque::new(),
        speed: std::collections::VecDeque::new(),
        last_cdf: f64::NEG_INFINITY,
    };
    let bucket = sim.bucket().max(1);
    let end = sim.end();
    let mut paused = false;
    let mut step_to: Option<SimTime> = None;
    let mut speed = 0.0;
    // pacing anchor: (wall s, simulated ns) when the current speed took effect
    let mut anchor = (0.0, 0);
    let mut stopped = false;
    w.publish(&sim, false);
    loop {
        // controls; block while paused (and not stepping)
        loop {
            let msg = if paused && step_to.is_none() {
                match rx.recv() {
                    Ok(m) => m,
                    Err(_) => {
                        stopped = true;
                        break;
                    }
                }
            } else {
                match rx.try_recv() {
                    Ok(m) => m,
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        stopped = true;
                        break;
                    }
                }
            };
            match msg {
                Control::Stop => {
                    stopped = true;
                    break;
                }
                Control::Pause => paused = true,
                Control::Resume => {
                    paused = false;
                    anchor = (w.started.elapsed().as_secs_f64(), sim.now());
                }
                Control::Step => {
                    paused = true;
                    step_to = Some(((sim.now() / bucket) + 1).saturating_mul(bucket).min(end));
                }
                Control::Speed(s) => {
                    speed = s;
                    anchor = (w.started.elapsed().as_secs_f64(), sim.now());
                }
            }
        }
        if stopped || shared.cancel.load(Ordering::Relaxed) {
            stopped = true;
            break;
        }
        let now = sim.now();
        let next_bucket = ((now / bucket) + 1).saturating_mul(bucket);
        let mut target = next_bucket.min(end);
        if speed > 0.0 {
            let slice = (speed * PACE_SLICE_S * 1e9) as SimTime;
            target = target.min(now.saturating_add(slice.max(1)));
        }
        if let Some(s) = step_to {
            target = target.min(s);
        }
        sim.run_until(target);
        if step_to.is_some_and(|s| sim.now() >= s) {
            step_to = None;
        }
        if speed > 0.0 && !paused {
            let due = anchor.0 + (sim.now() - anchor.1) as f64 / 1e9 / speed;
            let wait = due - w.started.elapsed().as_secs_f64();
            if wait > 0.0 {
                std::thread::sleep(WallDuration::from_secs_f64(wait.min(1.0)));
            }
        }
        let done = sim.is_finished() || sim.halted().is_some();
        w.publish(&sim, done);
        if done {
            break;
        }
    }
    if stopped {
        w.publish(&sim, true);
        return;
    }
    if sim.halted().is_some() {
        return;
    }
    // the other replications, in parallel, then the results
    let result = w.results(&sim);
    if let Ok(mut slot) = shared.results.lock() {
        *slot = Some(result);
    }
    ctx.request_repaint();
}

impl Worker<'_> {
    /// Publish a snapshot and append closed buckets to the charts.
    fn publish(&mut self, sim: &Simulation, done: bool) {
        let report = sim.report();
        let cost = cost::estimate(&report, &self.doc.cost, self.book);
        let wall = self.started.elapsed().as_secs_f64();
        let names: Vec<String> = self
            .doc
            .components
            .iter()
            .map(|c| c.display_name().to_owned())
            .collect();
        let capacities: BTreeMap<String, u64> =
            names.iter().cloned().zip(sim.capacities()).collect();

        // edge rates over about the last bucket
        let now = sim.now();
        let counts = sim.connection_counts();
        self.counts.push_back((now, counts.clone()));
        while self.counts.len() > 2 && self.counts[1].0 + sim.bucket() <= now {
            self.counts.pop_front();
        }
        let edge_rates = match self.counts.front() {
            Some((t0, c0)) if *t0 < now => {
                let dt = (now - t0) as f64 / 1e9;
                counts
                    .iter()
                    .zip(c0)
                    .map(|(a, b)| a.saturating_sub(*b) as f64 / dt)
                    .collect()
            }
            _ => vec![0.0; counts.len()],
        };
        self.speed.push_back((wall, report.events));
        while self.speed.len() > 2 && self.speed[1].0 + 1.0 <= wall {
            self.speed.pop_front();
        }
        let events_per_s = match self.speed.front() {
            Some((w0, e0)) if *w0 < wall => (report.events - e0) as f64 / (wall - w0),
            _ => 0.0,
        };

        self.append_charts(
            sim,
            &report,
            &cost,
            done || wall - self.last_cdf >= CDF_EVERY_S,
        );
        if done || wall - self.last_cdf >= CDF_EVERY_S {
            self.last_cdf = wall;
        }
        let snap = Snapshot {
            now_s: now as f64 / 1e9,
            end_s: sim.end() as f64 / 1e9,
            wall_s: wall,
            events_per_s,
            report,
            cost,
            ids: self.doc.components.iter().map(|c| c.id.clone()).collect(),
            names,
            capacities,
            edge_rates,
            done,
        };
        if let Ok(mut slot) = self.shared.snapshot.lock() {
            *slot = Some(Arc::new(snap));
        }
        self.ctx.request_repaint();
    }

    fn append_charts(&mut self, sim: &Simulation, report: &Report, cost: &CostReport, cdf: bool) {
        let names: Vec<&str> = self
            .doc
            .components
            .iter()
            .map(crate::model::Component::display_name)
            .collect();
        // cost per component and bucket, rebuilt (the effective prices move with volume)
        let bucket_s = report.bucket_s;
        let bucket_h = bucket_s / 3600.0;
        let buckets = report
            .components
            .values()
            .map(|c| c.series.throughput_per_s.len())
            .max()
            .unwrap_or(0);
        let mid = |k: usize| (k as f64 + 0.5) * bucket_s;
        let mut cost_rates: Vec<Vec<PlotPoint>> = Vec::with_capacity(names.len());
        for name in &names {
            let mut v = vec![0.0; buckets];
            if let (Some(cc), Some(r)) = (cost.components.get(*name), report.components.get(*name))
            {
                for line in &cc.lines {
                    let meter = line
                        .key
                        .split_once('.')
                        .map_or(line.key.as_str(), |(_, m)| m);
                    if let Some(u) = r.usage.get(meter) {
                        for (k, a) in u.per_bucket.iter().enumerate().take(buckets) {
                            v[k] += a * line.usd_per_unit / bucket_h.max(1e-12);
                        }
                    }
                }
            }
            cost_rates.push(
                v.into_iter()
                    .enumerate()
                    .map(|(k, y)| PlotPoint::new(mid(k), y))
                    .collect(),
            );
        }
        let mut stack = vec![0.0; buckets];
        let mut stacks = Vec::with_capacity(names.len());
        for rates in &cost_rates {
            let mut s = Vec::with_capacity(buckets);
            for (k, p) in rates.iter().enumerate() {
                stack[k] += p.y;
                s.push(PlotPoint::new(p.x, stack[k]));
            }
            stacks.push(s);
        }
        let total_rate: Vec<PlotPoint> = stack
            .iter()
            .enumerate()
            .map(|(k, y)| PlotPoint::new(mid(k), *y))
            .collect();
        let mut cum = 0.0;
        let mut cumulative = vec![PlotPoint::new(0.0, 0.0)];
        for (k, y) in stack.iter().enumerate() {
            cum += y * bucket_h;
            cumulative.push(PlotPoint::new((k + 1) as f64 * bucket_s, cum));
        }

        // per-bucket counts of retries, refusals and dead letters since the last boundary
        let new_bucket = buckets > self.shared_buckets();
        let mut rates: Vec<[f64; 3]> = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let Some(r) = report.components.get(*name) else {
                rates.push([0.0; 3]);
                continue;
            };
            let c = &r.counters;
            let now = Totals {
                retries: c.retries,
                refused: c.rejected,
                dead_letters: c.dead_lettered,
            };
            let before = self.totals[i];
            // counters restart at the end of the warm-up
            let d = |a: u64, b: u64| (if a >= b { a - b } else { a }) as f64 / bucket_s;
            rates.push([
                d(now.retries, before.retries),
                d(now.refused, before.refused),
                d(now.dead_letters, before.dead_letters),
            ]);
            if new_bucket {
                self.totals[i] = now;
            }
        }

        let cdfs: Option<Cdfs> = cdf.then(|| {
            let per: Vec<Vec<PlotPoint>> = (0..names.len())
                .map(|i| {
                    sim.residence(i)
                        .map(|s| to_points(&s.cdf_ms(CDF_POINTS)))
                        .unwrap_or_default()
                })
                .collect();
            let e2e = sim
                .end_to_end()
                .into_iter()
                .map(|(from, to, s)| {
                    (
                        format!("{} -> {}", names[from], names[to]),
                        to_points(&s.cdf_ms(CDF_POINTS)),
                    )
                })
                .collect();
            (per, e2e)
        });

        let mut charts = self
            .shared
            .charts
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let from = charts.buckets;
        for (i, name) in names.iter().enumerate() {
            let Some(r) = report.components.get(*name) else {
                continue;
            };
            let s = &r.series;
            let cs = &mut charts.components[i];
            for k in from..buckets {
                let x = mid(k);
                let at = |v: &Vec<f64>| PlotPoint::new(x, v.get(k).copied().unwrap_or(0.0));
                cs.throughput.push(at(&s.throughput_per_s));
                cs.arrivals.push(at(&s.arrivals_per_s));
                cs.depth.push(at(&s.depth));
                cs.in_flight.push(at(&s.in_flight));
                if let Some(a) = s.gauges.get("oldest_age_s") {
                    cs.oldest_age.push(at(a));
                }
                cs.p50.push(at(&s.p50_ms));
                cs.p95.push(at(&s.p95_ms));
                cs.p99.push(at(&s.p99_ms));
                cs.errors.push(at(&s.errors_per_s));
                let [re, rf, dl] = rates[i];
                cs.retries.push(PlotPoint::new(x, re));
                cs.refused.push(PlotPoint::new(x, rf));
                cs.dead_letters.push(PlotPoint::new(x, dl));
            }
            cs.cost_rate = std::mem::take(&mut cost_rates[i]);
            cs.cost_stack = std::mem::take(&mut stacks[i]);
        }
        charts.cost_rate = total_rate;
        charts.cost_cumulative = cumulative;
        charts.buckets = buckets;
        if let Some((per, e2e)) = cdfs {
            for (cs, c) in charts.components.iter_mut().zip(per) {
                cs.cdf = c;
            }
            charts.e2e_cdf = e2e;
        }
    }

    fn shared_buckets(&self) -> usize {
        self.shared.charts.read().map_or(0, |c| c.buckets)
    }

    /// Run the remaining replications and build the results.
    fn results(&self, first: &Simulation) -> Result<Arc<Results>, String> {
        let doc = self.doc;
        let reps = doc.scenario.replications.max(1);
        let shared = self.shared;
        let report = first.report();
        let to_value = |r: &Report| cost::report_value(r, &doc.cost, self.book);
        let mut combiner = Combiner::default();
        combiner.add(to_value(&report).map_err(|e| e.to_string())?);
        let mut error = None;
        // the other replications, built as they start and combined as they finish
        crate::sim::for_each_replication(
            doc,
            1..reps,
            &|ns| {
                shared.reps_done_ns.fetch_add(ns, Ordering::Relaxed);
                !shared.cancel.load(Ordering::Relaxed)
            },
            |_, sim| to_value(&sim.report()),
            |_, v| match v {
                Ok(v) => combiner.add(v),
                Err(e) => error = error.take().or(Some(e.to_string())),
            },
        )
        .map_err(|e| e.to_string())?;
        if shared.cancel.load(Ordering::Relaxed) {
            return Err("stopped during the replications".to_owned());
        }
        if let Some(e) = error {
            return Err(e);
        }
        let value = combiner.finish();
        let capacities: BTreeMap<String, u64> = doc
            .components
            .iter()
            .map(|c| c.display_name().to_owned())
            .zip(first.capacities())
            .collect();
        let cost = cost::estimate(&report, &doc.cost, self.book);
        Ok(Arc::new(Results {
            rows: table::component_rows(&value),
            e2e_rows: table::end_to_end_rows(&value),
            value,
            replications: reps,
            headline: bottleneck::headline(&report, &cost),
            findings: bottleneck::explain(doc, &report, &capacities, &cost),
            pools: analytic::pools(doc, &report, &capacities),
        }))
    }
}

/// Per-component CDFs and the end-to-end ones.
type Cdfs = (Vec<Vec<PlotPoint>>, Vec<(String, Vec<PlotPoint>)>);

fn to_points(v: &[[f64; 2]]) -> Vec<PlotPoint> {
    v.iter().map(|p| PlotPoint::new(p[0], p[1])).collect()
}

/// The canvas overlay of a snapshot: a badge per component and a rate per connection.
#[must_use]
pub fn overlay(snap: &Snapshot, doc: &Document, dots: bool) -> crate::gui::canvas::LiveOverlay {
    use crate::gui::canvas::{Badge, LiveOverlay};
    let mut badges = BTreeMap::new();
    for (i, id) in snap.ids.iter().enumerate() {
        let name = &snap.names[i];
        let Some(r) = snap.report.components.get(name) else {
            continue;
        };
        let s = &r.series;
        let last = |v: &Vec<f64>, mean: f64| v.last().copied().unwrap_or(mean);
        let cap = snap.capacities.get(name).copied().unwrap_or(0);
        let in_flight = last(&s.in_flight, r.in_flight.mean);
        let c = &r.counters;
        badges.insert(
            id.clone(),
            Badge {
                throughput: last(&s.throughput_per_s, r.throughput_per_s),
                depth: (r.wait_ms.is_some() || r.queue_depth.max > 0)
                    .then(|| last(&s.depth, r.queue_depth.mean)),
                in_flight,
                capacity: cap,
                utilisation: (cap > 0).then(|| in_flight / cap as f64),
                oldest_age_s: s.gauges.get("oldest_age_s").and_then(|v| v.last().copied()),
                errors: c.failures + c.rejected + c.dropped + c.expired + c.failed,
                dead_letters: c.dead_lettered,
                dlq_held: (r.kind == "DeadLetterQueue"
                    || doc
                        .connections
                        .iter()
                        .any(|k| k.to == *id && k.kind != crate::model::LinkKind::Delivery))
                .then_some(c.arrivals),
            },
        );
    }
    let links = doc
        .connections
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                c.from.clone(),
                c.to.clone(),
                snap.edge_rates.get(i).copied().unwrap_or(0.0),
            )
        })
        .collect();
    LiveOverlay {
        badges,
        links,
        dots,
    }
}

/// Colour for a utilisation from idle (green) through busy (amber) to saturated (red).
#[must_use]
pub fn utilisation_color(u: f64) -> Color32 {
    let u = u.clamp(0.0, 1.0) as f32;
    let lerp = |a: Color32, b: Color32, t: f32| {
        let m = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
        Color32::from_rgb(m(a.r(), b.r()), m(a.g(), b.g()), m(a.b(), b.b()))
    };
    let green = Color32::from_rgb(46, 160, 67);
    let amber = Color32::from_rgb(230, 160, 20);
    let red = Color32::from_rgb(215, 48, 39);
    if u < 0.7 {
        lerp(green, amber, u / 0.7)
    } else {
        lerp(amber, red, ((u - 0.7) / 0.25).min(1.0))
    }
}

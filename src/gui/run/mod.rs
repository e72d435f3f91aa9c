//! Live runs: the engine on a named worker thread (`spillway-sim`), the run bar, and the
//! data the canvas, charts, inspector and results read.
//!
//! This file holds the state machine ([`Runner`], [`Run`], [`Phase`]) and the data the
//! worker publishes; `worker` is the thread that runs the engine, `bar` the run bar,
//! `overlay` the canvas badges drawn from a snapshot.
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
//! through the same function as `spillway run` ([`crate::insight::run`]) and publishes
//! [`Results`]: the same result, hence the same table, as the command line for the same
//! seed, with the insight derived from it.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use egui_plot::PlotPoint;

use crate::cost::{CostReport, PriceBook, RunResult};
use crate::insight::analytic::PoolAnalysis;
use crate::insight::bottleneck::Finding;
use crate::insight::run::{RunError, Runnable};
use crate::model::{Document, Duration};
use crate::sim::{Progress, Report, Simulation};

mod bar;
mod overlay;
mod worker;

pub use overlay::overlay;

/// Speeds offered in the run bar: 0 = as fast as possible, else N x real time.
pub const SPEEDS: [(f64, &str); 6] = [
    (0.0, "as fast as possible"),
    (1.0, "1× real time"),
    (10.0, "10× real time"),
    (60.0, "60× real time"),
    (600.0, "600× real time"),
    (3600.0, "3600× real time"),
];

/// The least wall time of running (not paused) over which the run bar gives a rate
/// of events per second, seconds.
pub const RATE_WALL_S: f64 = 0.5;

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

/// What the status line says when a run enters `phase` (`None`: nothing to say).
#[must_use]
pub fn phase_status(phase: &Phase) -> Option<String> {
    Some(match phase {
        Phase::Idle => return None,
        Phase::Running => "Running: the design is locked until the run ends or is stopped".to_owned(),
        Phase::Paused => {
            "Paused: Resume or Step to go on; Stop ends the run and unlocks the design".to_owned()
        }
        Phase::Finished => "Run finished: see the Results, Insight and Compare tabs; the design can be edited again".to_owned(),
        Phase::Stopped => {
            "Run stopped: its figures so far stay; the design can be edited again".to_owned()
        }
        Phase::Failed(why) => format!("The run failed: {why}"),
    })
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
    /// Calendar events processed per wall second, recently; `None` until it has been
    /// measured over [`RATE_WALL_S`] of running (a Step or a short run is no rate).
    pub events_per_s: Option<f64>,
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
    /// The result, combined over replications (as `spillway run` prints it).
    pub result: RunResult,
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
    /// Progress of the replications after the first (simulated ns done) and the flag
    /// that stops the run.
    reps: Progress,
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
        if doc.components.is_empty() {
            return Err(
                "the design is empty: add a producer from the palette, then what it sends to"
                    .to_owned(),
            );
        }
        if self.settings.warmup.ns >= self.settings.duration.ns {
            return Err("the warm-up must be shorter than the duration".to_owned());
        }
        let doc = Arc::new(self.settings.apply(doc));
        if let Err(e) = Runnable::check(&doc) {
            return Err(match e {
                RunError::Invalid(why) => format!("the design has errors and cannot run: {why}"),
                e => e.to_string(),
            });
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
                .spawn(move || worker::work(sim, &doc, &book, &shared, &rx, &ctx))
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
                r.shared.reps.cancel.store(true, Ordering::Relaxed);
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
        Some(run.shared.reps.done_ns.load(Ordering::Relaxed) as f64 / total.max(1.0))
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let Some(r) = &self.current {
            r.shared.reps.cancel.store(true, Ordering::Relaxed);
        }
        if let Some(tx) = &self.tx {
            let _ = tx.send(Control::Stop);
        }
        self.join();
    }
}

//! The report of a run (schema `spillway.report/1`) and the combination of replications
//! into means with 95% confidence half-widths.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use super::build::BuildError;
use super::engine::{LedgerRow, Simulation};
use super::metrics::{Counters, LatencySummary, Series};
use crate::model::Document;

/// Name and version of the JSON report format.
pub const SCHEMA: &str = "spillway.report/1";

/// Mean and maximum of a level over time.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Level {
    /// Time average.
    pub mean: f64,
    /// Largest value.
    pub max: u64,
}

/// Everything measured at one component.
#[derive(Clone, Debug, Serialize)]
pub struct ComponentReport {
    /// Kind name, e.g. `Station`.
    pub kind: String,
    /// Event counts.
    #[serde(flatten)]
    pub counters: Counters,
    /// Arrivals per second over the measured span.
    pub arrival_rate_per_s: f64,
    /// Completions per second over the measured span.
    pub throughput_per_s: f64,
    /// Events waiting in the buffer.
    pub queue_depth: Level,
    /// Events in service (concurrency).
    pub in_flight: Level,
    /// Busy servers / servers, time-averaged (stations only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utilisation: Option<f64>,
    /// Time waiting in the buffer per attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_ms: Option<LatencySummary>,
    /// Service time per attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_ms: Option<LatencySummary>,
    /// Wait + service per attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sojourn_ms: Option<LatencySummary>,
    /// Arrival to departure per event, over all its attempts (incl. backoff).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub residence_ms: Option<LatencySummary>,
    /// Kind-specific figures.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, f64>,
    /// Billable usage by meter name (the input of the cost model).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub usage: BTreeMap<String, UsageReport>,
    /// Per-bucket time series.
    pub series: Series,
}

/// How much of one billable quantity a component used.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct UsageReport {
    /// Amount over the measured span (requests, GB-seconds, shard-hours, ...).
    pub amount: f64,
    /// Part of it caused by retries and redeliveries.
    pub from_retries: f64,
    /// Amount in each time-series bucket (the whole run, warm-up included).
    pub per_bucket: Vec<f64>,
    /// Whether the meter integrates a level over time (unit: level-hours).
    pub hourly: bool,
}

/// Latency from one producer to one terminal consumer.
#[derive(Clone, Debug, Serialize)]
pub struct EndToEndReport {
    /// Producer name.
    pub from: String,
    /// Terminal component name.
    pub to: String,
    /// Creation to delivery.
    pub latency_ms: LatencySummary,
}

/// The conservation ledger.
#[derive(Clone, Debug, Serialize)]
pub struct LedgerReport {
    /// Every producer's row balances and no message leaked.
    pub balanced: bool,
    /// Messages alive at the end (slab) equal messages held by components plus in transit.
    pub live_messages_accounted: bool,
    /// Rows by producer name.
    pub producers: BTreeMap<String, LedgerRow>,
}

/// The result of one run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Name of the design.
    pub design: String,
    /// Seed of this run (of the first replication when combined).
    pub seed: u64,
    /// Number of runs combined into this report.
    pub replications: u32,
    /// Scenario duration in seconds.
    pub duration_s: f64,
    /// Warm-up in seconds.
    pub warmup_s: f64,
    /// Time-series bucket width in seconds.
    pub bucket_s: f64,
    /// Simulated time reached, in seconds.
    pub simulated_s: f64,
    /// Whether the run reached its end.
    pub finished: bool,
    /// Calendar events processed.
    pub events: u64,
    /// Why the run stopped before its end, if it did: runaway growth, a message going
    /// round a loop too many times, or time standing still; it names the loop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub halted: Option<String>,
    /// Metrics by component name.
    pub components: BTreeMap<String, ComponentReport>,
    /// Latency from each producer to each terminal consumer it reached.
    pub end_to_end: Vec<EndToEndReport>,
    /// Where every event went.
    pub ledger: LedgerReport,
}

fn opt(s: &super::metrics::LatencyStat, show: bool) -> Option<LatencySummary> {
    // stations always show their latencies; other kinds when they recorded some
    (show || s.count() > 0).then(|| s.summary())
}

impl Simulation {
    /// The report as of now (mid-run or at the end).
    #[must_use]
    pub fn report(&self) -> Report {
        let now = self.core.now;
        let span_s = (now.saturating_sub(self.warmup)) as f64 / 1e9;
        let rate = |n: u64| if span_s > 0.0 { n as f64 / span_s } else { 0.0 };
        let mut components = BTreeMap::new();
        for (i, m) in self.core.metrics.iter().enumerate() {
            let is_station = m.capacity > 0;
            components.insert(
                self.names[i].clone(),
                ComponentReport {
                    kind: self.kinds[i].to_owned(),
                    counters: m.counters.clone(),
                    arrival_rate_per_s: rate(m.counters.arrivals),
                    throughput_per_s: rate(m.counters.completions),
                    queue_depth: Level {
                        mean: m.depth.mean(now),
                        max: m.depth.max(),
                    },
                    in_flight: Level {
                        mean: m.busy.mean(now),
                        max: m.busy.max(),
                    },
                    utilisation: is_station.then(|| m.busy.mean(now) / m.capacity as f64),
                    wait_ms: opt(&m.wait, is_station),
                    service_ms: opt(&m.service, is_station),
                    sojourn_ms: opt(
                        if m.sojourn_is_residence {
                            &m.residence
                        } else {
                            &m.sojourn
                        },
                        is_station,
                    ),
                    residence_ms: opt(&m.residence, is_station),
                    extra: self.extra(i).into_iter().collect(),
                    usage: m
                        .usage
                        .iter()
                        .map(|u| {
                            (
                                u.name.to_owned(),
                                UsageReport {
                                    amount: u.total_at(now),
                                    from_retries: u.retry_total(),
                                    per_bucket: u.series.clone(),
                                    hourly: u.is_hourly(),
                                },
                            )
                        })
                        .collect(),
                    series: {
                        let mut s = m.series.clone();
                        for (name, _, values) in &m.gauges {
                            s.gauges.insert((*name).to_owned(), values.clone());
                        }
                        s
                    },
                },
            );
        }
        let mut end_to_end = Vec::new();
        for (t, list) in self.core.e2e.iter().enumerate() {
            for e in list {
                end_to_end.push(EndToEndReport {
                    from: self.names[e.origin.index()].clone(),
                    to: self.names[t].clone(),
                    latency_ms: e.stat.summary(),
                });
            }
        }
        end_to_end.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
        let rows = self.ledger();
        let live_ok = self.accounted_live() == self.live_messages();
        let producers: BTreeMap<String, LedgerRow> = rows
            .into_iter()
            .map(|(i, r)| (self.names[i].clone(), r))
            .collect();
        Report {
            schema: SCHEMA.to_owned(),
            design: self.doc_name.clone(),
            seed: self.seed,
            replications: 1,
            duration_s: self.core.end as f64 / 1e9,
            warmup_s: self.warmup as f64 / 1e9,
            bucket_s: self.bucket as f64 / 1e9,
            simulated_s: now as f64 / 1e9,
            finished: self.is_finished(),
            events: self.core.events,
            halted: self.halted.clone(),
            components,
            end_to_end,
            ledger: LedgerReport {
                balanced: live_ok && producers.values().all(|r| r.balanced),
                live_messages_accounted: live_ok,
                producers,
            },
        }
    }
}

/// Seed of replication `r` (0-based): the scenario seed itself for the first, then
/// SplitMix64 steps from it, so replications are independent and reproducible.
#[must_use]
pub fn replication_seed(seed: u64, r: u32) -> u64 {
    if r == 0 {
        return seed;
    }
    let mut z = seed.wrapping_add(u64::from(r).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Shared progress of a batch of runs: simulated nanoseconds completed over all
/// replications, and a flag that cancels them.
#[derive(Debug, Default)]
pub struct Progress {
    /// Simulated ns done, summed over replications.
    pub done_ns: AtomicU64,
    /// Set to stop every run at its next slice.
    pub cancel: AtomicBool,
}

/// Run replications `reps` of `doc` (each with its [`replication_seed`]), at most a few
/// at a time per thread: each simulation is built when it starts and dropped when
/// `finish` has turned it into a result, and `fold` receives the results on the
/// caller's thread in replication order, whatever the timing of the threads. Memory
/// therefore stays that of a few runs however many replications there are.
///
/// `tick(ns)` is called from the worker threads with the simulated nanoseconds a run
/// has just completed (and with 0 before each batch); when it returns false the runs
/// under way stop at their next slice (their partial results are still folded) and no
/// further replication starts. Returns whether every replication was run.
///
/// # Errors
/// As [`Simulation::new`].
pub fn for_each_replication<T: Send>(
    doc: &Document,
    reps: Range<u32>,
    tick: &(dyn Fn(u64) -> bool + Sync),
    finish: impl Fn(u32, Simulation) -> T + Sync,
    mut fold: impl FnMut(u32, T),
) -> Result<bool, BuildError> {
    let batch = u32::try_from(rayon::current_num_threads().max(1) * 2).unwrap_or(2);
    let mut start = reps.start;
    while start < reps.end {
        if !tick(0) {
            return Ok(false);
        }
        let end = start.saturating_add(batch).min(reps.end);
        let results = (start..end)
            .into_par_iter()
            .map(|r| {
                let mut sim = Simulation::with_seed(doc, replication_seed(doc.scenario.seed, r))?;
                let mut last = 0;
                sim.run_with_progress(200, |now| {
                    let go = tick(now - last);
                    last = now;
                    go
                });
                Ok(finish(r, sim))
            })
            .collect::<Result<Vec<T>, BuildError>>()?;
        for (r, t) in (start..end).zip(results) {
            fold(r, t);
        }
        start = end;
    }
    Ok(true)
}

/// The replications of a run combined as they finished.
#[derive(Clone, Debug)]
pub struct Combined {
    /// The combined JSON, as [`combine_json`] makes it.
    pub value: Value,
    /// Why the first replication that halted stopped, if one did.
    pub halted: Option<String>,
    /// Replications combined.
    pub replications: u32,
}

/// Run the scenario's replications ([`for_each_replication`]) and combine them as they
/// finish into the output of [`combine_json`]: `to_value` turns each report into its
/// JSON (e.g. with its cost added), on the worker threads. Memory does not grow with
/// the number of replications. Cancelled runs contribute partial reports.
///
/// # Errors
/// A [`BuildError`] (converted) as [`Simulation::new`], or the first error of `to_value`.
pub fn run_combined<E: From<BuildError> + Send>(
    doc: &Document,
    progress: Option<&Progress>,
    to_value: impl Fn(&Report) -> Result<Value, E> + Sync,
) -> Result<Combined, E> {
    let reps = doc.scenario.replications.max(1);
    let mut combiner = Combiner::default();
    let mut halted = None;
    let mut error = None;
    for_each_replication(
        doc,
        0..reps,
        &|ns| tick(progress, ns),
        |_, sim| {
            let r = sim.report();
            (r.halted.clone(), to_value(&r))
        },
        |_, (h, v)| {
            if halted.is_none() {
                halted = h;
            }
            match v {
                Ok(v) => combiner.add(v),
                Err(e) => {
                    if error.is_none() {
                        error = Some(e);
                    }
                }
            }
        },
    )?;
    if let Some(e) = error {
        return Err(e);
    }
    Ok(Combined {
        replications: u32::try_from(combiner.count()).unwrap_or(u32::MAX),
        value: combiner.finish(),
        halted,
    })
}

fn tick(progress: Option<&Progress>, ns: u64) -> bool {
    match progress {
        Some(p) => {
            p.done_ns.fetch_add(ns, Ordering::Relaxed);
            !p.cancel.load(Ordering::Relaxed)
        }
        None => true,
    }
}

/// Run the scenario's replications in parallel (rayon), each with its derived seed, and
/// return their reports in replication order. Cancelled runs return partial reports and
/// replications not started by then are left out. Every report is kept (about 300 KB
/// each for a mid-sized design): for many replications use [`run_combined`].
///
/// # Errors
/// As [`Simulation::new`].
pub fn run_replications(
    doc: &Document,
    progress: Option<&Progress>,
) -> Result<Vec<Report>, BuildError> {
    let reps = doc.scenario.replications.max(1);
    let mut reports = Vec::new();
    for_each_replication(
        doc,
        0..reps,
        &|ns| tick(progress, ns),
        |_, sim| sim.report(),
        |_, r| reports.push(r),
    )?;
    Ok(reports)
}

/// Two-sided 97.5% quantile of Student's t with `df` degrees of freedom.
#[must_use]
pub fn t975(df: u32) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    if df == 0 {
        return f64::INFINITY;
    }
    if let Some(t) = TABLE.get(df as usize - 1) {
        return *t;
    }
    // Cornish-Fisher expansion around the normal quantile; < 1e-4 off for df > 30.
    let z = 1.959_963_984_540_054_f64;
    let v = f64::from(df);
    z + (z.powi(3) + z) / (4.0 * v)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * v * v)
}

/// Combine replication reports into one JSON document: every number is the mean over
/// replications, `replications` is their count, and a `ci95` object mirrors the numeric
/// fields with their 95% confidence half-widths (Student t). A single report is returned
/// unchanged (without `ci95`).
#[must_use]
pub fn combine(reports: &[Report]) -> Value {
    let mut c = Combiner::default();
    for r in reports {
        c.add(serde_json::to_value(r).unwrap_or(Value::Null));
    }
    c.finish()
}

/// [`combine`] for reports already turned into JSON (and possibly extended, e.g. with
/// their cost).
#[must_use]
pub fn combine_json(values: Vec<Value>) -> Value {
    let mut c = Combiner::default();
    for v in values {
        c.add(v);
    }
    c.finish()
}

/// Combines JSON reports one at a time into the output of [`combine_json`], keeping
/// running sums (a sum and Welford's mean and squared deviations per number) instead of
/// the reports, so its memory is that of one report whatever the count. The shape
/// follows the first report: objects by its keys, arrays cut to the shortest length
/// seen, numbers averaged over the reports that have a number there, booleans and-ed,
/// anything else taken from the first.
#[derive(Debug, Default)]
pub struct Combiner {
    /// The first report, kept as it is until a second arrives.
    first: Option<Value>,
    /// The running sums, from the second report on.
    acc: Option<Acc>,
    /// The first report's `seed`.
    seed: Value,
    /// Reports added.
    count: usize,
}

impl Combiner {
    /// Add the next report.
    pub fn add(&mut self, v: Value) {
        self.count += 1;
        if let Some(acc) = &mut self.acc {
            acc.add(&v);
            return;
        }
        match self.first.take() {
            None => self.first = Some(v),
            Some(first) => {
                self.seed = first.get("seed").cloned().unwrap_or(Value::Null);
                let mut acc = Acc::new(&first);
                acc.add(&v);
                self.acc = Some(acc);
            }
        }
    }

    /// Reports added so far.
    #[must_use]
    pub fn count(&self) -> usize {
        self.count
    }

    /// The combined report: the only one unchanged, the means with a `ci95` object for
    /// several, `null` for none.
    #[must_use]
    pub fn finish(self) -> Value {
        let Some(acc) = self.acc else {
            return self.first.unwrap_or(Value::Null);
        };
        let (mut mean, ci) = acc.finish();
        if let Value::Object(m) = &mut mean {
            m.insert("replications".to_owned(), Value::from(self.count));
            m.insert("seed".to_owned(), self.seed);
            let mut ci = ci.unwrap_or(Value::Null);
            if let Value::Object(c) = &mut ci {
                // run settings are the same in every replication; seeds differ by design
                for k in [
                    "seed",
                    "replications",
                    "duration_s",
                    "warmup_s",
                    "bucket_s",
                    "simulated_s",
                ] {
                    c.remove(k);
                }
            }
            m.insert("ci95".to_owned(), ci);
        }
        mean
    }
}

/// Running combination of one place of the reports.
#[derive(Debug)]
enum Acc {
    /// Numbers: their count, sum (for the mean, added in order), and Welford's running
    /// mean and sum of squared deviations (for the variance).
    Number {
        n: u64,
        sum: f64,
        mean: f64,
        m2: f64,
    },
    /// An object, by the first report's keys.
    Object(Vec<(String, Acc)>),
    /// An array: its items and the shortest length seen.
    Array(Vec<Acc>, usize),
    /// Whether every report had `true` here.
    Bool(bool),
    /// Anything else: the first report's value.
    Other(Value),
}

impl Acc {
    fn new(first: &Value) -> Self {
        match first {
            Value::Number(x) => {
                let x = x.as_f64().unwrap_or(f64::NAN);
                Acc::Number {
                    n: 1,
                    sum: 0.0 + x,
                    mean: x,
                    m2: 0.0,
                }
            }
            Value::Object(m) => {
                Acc::Object(m.iter().map(|(k, v)| (k.clone(), Acc::new(v))).collect())
            }
            Value::Array(a) => Acc::Array(a.iter().map(Acc::new).collect(), a.len()),
            Value::Bool(b) => Acc::Bool(*b),
            other => Acc::Other(other.clone()),
        }
    }

    fn add(&mut self, v: &Value) {
        match self {
            Acc::Number { n, sum, mean, m2 } => {
                if let Some(x) = v.as_f64() {
                    *n += 1;
                    *sum += x;
                    let d = x - *mean;
                    *mean += d / *n as f64;
                    *m2 += d * (x - *mean);
                }
            }
            Acc::Object(fields) => {
                for (k, acc) in fields {
                    acc.add(v.get(k.as_str()).unwrap_or(&Value::Null));
                }
            }
            Acc::Array(items, len) => {
                *len = (*len).min(v.as_array().map_or(0, Vec::len));
                for (acc, x) in items
                    .iter_mut()
                    .zip(v.as_array().into_iter().flatten())
                    .take(*len)
                {
                    acc.add(x);
                }
            }
            Acc::Bool(all) => *all &= v.as_bool() == Some(true),
            Acc::Other(_) => {}
        }
    }

    /// Mean and confidence half-width; `None` half-width where there are no numbers.
    fn finish(self) -> (Value, Option<Value>) {
        match self {
            Acc::Number { n, sum, m2, .. } => {
                let nf = n as f64;
                let mean = sum / nf;
                let var = if n > 1 { m2 / (nf - 1.0) } else { 0.0 };
                let half = t975(u32::try_from(n.saturating_sub(1)).unwrap_or(u32::MAX))
                    * (var / nf).sqrt();
                (number(mean), Some(number(half)))
            }
            Acc::Object(fields) => {
                let mut m = serde_json::Map::new();
                let mut c = serde_json::Map::new();
                for (key, acc) in fields {
                    let (mv, cv) = acc.finish();
                    if let Some(cv) = cv {
                        c.insert(key.clone(), cv);
                    }
                    m.insert(key, mv);
                }
                (
                    Value::Object(m),
                    (!c.is_empty()).then_some(Value::Object(c)),
                )
            }
            Acc::Array(items, len) => {
                let mut out = Vec::with_capacity(len);
                let mut cis = Vec::with_capacity(len);
                let mut any_ci = false;
                for acc in items.into_iter().take(len) {
                    let (mv, cv) = acc.finish();
                    out.push(mv);
                    any_ci |= cv.is_some();
                    cis.push(cv.unwrap_or(Value::Null));
                }
                (Value::Array(out), any_ci.then_some(Value::Array(cis)))
            }
            Acc::Bool(b) => (Value::Bool(b), None),
            Acc::Other(v) => (v, None),
        }
    }
}

/// A JSON number, written as an integer when it is one (so counts stay integers).
fn number(x: f64) -> Value {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 9e15 {
        Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles() {
        assert!((t975(1) - 12.706).abs() < 1e-9);
        assert!((t975(9) - 2.262).abs() < 1e-9);
        assert!((t975(60) - 2.000).abs() < 1e-3);
        assert!((t975(1000) - 1.962).abs() < 1e-3);
    }

    #[test]
    fn combine_means_and_half_widths() {
        let a = serde_json::json!({"x": 1.0, "s": [1.0, 2.0], "ok": true, "name": "n"});
        let b = serde_json::json!({"x": 3.0, "s": [3.0, 4.0], "ok": true, "name": "n"});
        let mut acc = Acc::new(&a);
        acc.add(&b);
        let (m, c) = acc.finish();
        assert_eq!(m["x"], serde_json::json!(2));
        assert_eq!(m["s"], serde_json::json!([2, 3]));
        assert_eq!(m["ok"], serde_json::json!(true));
        let c = c.unwrap();
        // sd = sqrt(2), n = 2: 12.706 * sqrt(2) / sqrt(2)
        assert!((c["x"].as_f64().unwrap() - 12.706).abs() < 1e-9);
        assert!(c.get("name").is_none());
    }

    /// The two-pass combination the running one replaced (every report in memory).
    fn two_pass(vals: &[Value]) -> (Value, Option<Value>) {
        match &vals[0] {
            Value::Number(_) => {
                let xs: Vec<f64> = vals.iter().filter_map(Value::as_f64).collect();
                let n = xs.len() as f64;
                let mean = xs.iter().sum::<f64>() / n;
                let var = if xs.len() > 1 {
                    xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
                } else {
                    0.0
                };
                let half = t975(u32::try_from(xs.len() - 1).unwrap()) * (var / n).sqrt();
                (number(mean), Some(number(half)))
            }
            Value::Object(first) => {
                let mut m = serde_json::Map::new();
                let mut c = serde_json::Map::new();
                for key in first.keys() {
                    let column: Vec<Value> = vals
                        .iter()
                        .map(|v| v.get(key).cloned().unwrap_or(Value::Null))
                        .collect();
                    let (mv, cv) = two_pass(&column);
                    m.insert(key.clone(), mv);
                    if let Some(cv) = cv {
                        c.insert(key.clone(), cv);
                    }
                }
                (
                    Value::Object(m),
                    (!c.is_empty()).then_some(Value::Object(c)),
                )
            }
            Value::Array(first) => {
                let len = vals
                    .iter()
                    .map(|v| v.as_array().map_or(0, Vec::len))
                    .min()
                    .unwrap()
                    .min(first.len());
                let mut items = Vec::new();
                let mut cis = Vec::new();
                let mut any_ci = false;
                for i in 0..len {
                    let column: Vec<Value> = vals.iter().map(|v| v[i].clone()).collect();
                    let (mv, cv) = two_pass(&column);
                    items.push(mv);
                    any_ci |= cv.is_some();
                    cis.push(cv.unwrap_or(Value::Null));
                }
                (Value::Array(items), any_ci.then_some(Value::Array(cis)))
            }
            Value::Bool(_) => (
                Value::Bool(vals.iter().all(|v| v.as_bool() == Some(true))),
                None,
            ),
            other => (other.clone(), None),
        }
    }

    /// Whether two combined values agree: same shape and integers, floats within `rel`.
    fn agree(a: &Value, b: &Value, rel: f64) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => {
                let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                (x - y).abs() <= rel * x.abs().max(y.abs())
            }
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y)
                        .all(|((ka, va), (kb, vb))| ka == kb && agree(va, vb, rel))
            }
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| agree(p, q, rel))
            }
            _ => a == b,
        }
    }

    #[test]
    fn running_combination_matches_the_two_pass_one() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for n in [2usize, 3, 5, 17, 100] {
            let vals: Vec<Value> = (0..n)
                .map(|i| {
                    let series: Vec<f64> = (0..(40 - i % 3)).map(|_| rng.random::<f64>() * 1e3).collect();
                    serde_json::json!({
                        "events": 1_000_000 + rng.random_range(0..1000u64),
                        "same": 3.25,
                        "zero": 0,
                        "latency": {"p50": 12.5 + rng.random::<f64>(), "p99": 1e-9 * rng.random::<f64>()},
                        "series": series,
                        "ok": i != 1,
                        "name": format!("n{i}"),
                        "halted": if i == 0 { Value::Null } else { Value::from("x") },
                        "only_first": if i == 0 { Value::from(1.5) } else { Value::Null },
                    })
                })
                .collect();
            let mut c = Combiner::default();
            for v in vals.clone() {
                c.add(v);
            }
            let got = c.finish();
            let mut acc = Acc::new(&vals[0]);
            for v in &vals[1..] {
                acc.add(v);
            }
            let (m, ci) = acc.finish();
            let (want_m, want_ci) = two_pass(&vals);
            // means are summed in the same order: identical
            assert_eq!(m, want_m);
            assert!(
                agree(&ci.clone().unwrap(), &want_ci.clone().unwrap(), 1e-12),
                "{ci:?}\n{want_ci:?}"
            );
            assert_eq!(got["replications"], serde_json::json!(n));
            assert_eq!(got["ci95"]["same"], serde_json::json!(0));
            assert_eq!(got["ok"], serde_json::json!(n == 1));
            assert_eq!(got["name"], serde_json::json!("n0"));
            assert_eq!(
                got["series"].as_array().unwrap().len(),
                if n > 2 { 38 } else { 39 }
            );
        }
        // one report comes back unchanged
        let one = serde_json::json!({"x": 1.5, "seed": 3});
        assert_eq!(combine_json(vec![one.clone()]), one);
        assert_eq!(combine_json(Vec::new()), Value::Null);
    }

    #[test]
    fn replication_seeds_differ_and_repeat() {
        assert_eq!(replication_seed(42, 0), 42);
        assert_ne!(replication_seed(42, 1), replication_seed(42, 2));
        assert_eq!(replication_seed(42, 3), replication_seed(42, 3));
    }
}

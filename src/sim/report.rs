//! The report of a run (schema `spillway.report/1`) and the running of replications.
//!
//! The report types are generic over the type of a count: `u64` for one run,
//! [`Count`] for the means and half-widths of replications combined
//! ([`super::combine`]).

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;
use serde::Serialize;

use super::build::BuildError;
use super::combine::{Combiner, Walk, numbers};

use super::engine::{LedgerRow, Simulation};
use super::metrics::{Counters, LatencySummary, Series};
use crate::model::{Document, Kind};

/// Name and version of the JSON report format.
pub const SCHEMA: &str = "spillway.report/1";

/// Mean and maximum of a level over time.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Level<C = u64> {
    /// Time average.
    pub mean: f64,
    /// Largest value.
    pub max: C,
}

/// Everything measured at one component.
#[derive(Clone, Debug, Serialize)]
pub struct ComponentReport<C = u64> {
    /// Its kind (written as the kind's name, e.g. `Station`).
    pub kind: Kind,
    /// Event counts.
    #[serde(flatten)]
    pub counters: Counters<C>,
    /// Arrivals per second over the measured span.
    pub arrival_rate_per_s: f64,
    /// Completions per second over the measured span.
    pub throughput_per_s: f64,
    /// Events waiting in the buffer.
    pub queue_depth: Level<C>,
    /// Events in service (concurrency).
    pub in_flight: Level<C>,
    /// Busy servers / servers, time-averaged (stations only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utilisation: Option<f64>,
    /// Time waiting in the buffer per attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_ms: Option<LatencySummary<C>>,
    /// Service time per attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_ms: Option<LatencySummary<C>>,
    /// Wait + service per attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sojourn_ms: Option<LatencySummary<C>>,
    /// Arrival to departure per event, over all its attempts (incl. backoff).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub residence_ms: Option<LatencySummary<C>>,
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
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EndToEndReport<C = u64> {
    /// Producer name.
    pub from: String,
    /// Terminal component name.
    pub to: String,
    /// Creation to delivery.
    pub latency_ms: LatencySummary<C>,
}

/// The conservation ledger.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LedgerReport<C = u64> {
    /// Every producer's row balances and no message leaked.
    pub balanced: bool,
    /// Messages alive at the end (slab) equal messages held by components plus in transit.
    pub live_messages_accounted: bool,
    /// Rows by producer name.
    pub producers: BTreeMap<String, LedgerRow<C>>,
}

/// The result of one run (`C = u64`), or the means or half-widths of replications
/// combined (`C =` [`Count`]).
#[derive(Clone, Debug, Serialize)]
pub struct Report<C = u64> {
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
    pub events: C,
    /// Why the run stopped before its end, if it did: runaway growth, a message going
    /// round a loop too many times, or time standing still; it names the loop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub halted: Option<String>,
    /// Metrics by component name.
    pub components: BTreeMap<String, ComponentReport<C>>,
    /// Latency from each producer to each terminal consumer it reached.
    pub end_to_end: Vec<EndToEndReport<C>>,
    /// Where every event went.
    pub ledger: LedgerReport<C>,
}

numbers!(Level<Count> { mean, max });
numbers!(LatencySummary<Count> { count, mean, p50, p90, p95, p99, p999, max });
numbers!(Counters<Count> {
    arrivals, completions, failures, timeouts, retries, rejected, dropped, expired,
    dead_lettered, failed, filtered,
});
numbers!(LedgerRow<Count> {
    produced, copies, delivered, filtered, rejected, dropped, expired, failed,
    dead_lettered, in_flight, balanced,
});
numbers!(Series {
    arrivals_per_s,
    throughput_per_s,
    errors_per_s,
    depth,
    in_flight,
    p99_ms,
    p50_ms,
    p95_ms,
    gauges,
});
numbers!(UsageReport {
    amount,
    from_retries,
    per_bucket,
    hourly
});
numbers!(ComponentReport<Count> {
    kind, counters, arrival_rate_per_s, throughput_per_s, queue_depth, in_flight,
    utilisation, wait_ms, service_ms, sojourn_ms, residence_ms, extra, usage, series,
});
numbers!(EndToEndReport<Count> { from, to, latency_ms });
numbers!(LedgerReport<Count> { balanced, live_messages_accounted, producers });
numbers!(Report<Count> {
    schema, design, duration_s, warmup_s, bucket_s, simulated_s, finished, events, halted,
    components, end_to_end, ledger;
    keep seed, replications
});

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
                    kind: self.kinds[i],
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

/// Run replications `reps` of the scenario ([`for_each_replication`]) and add them to
/// `combiner` in replication order as they finish: `part` turns each report into what is
/// combined (e.g. with its cost), on the worker threads. Memory does not grow with the
/// number of replications. Cancelled runs contribute partial reports. Returns why the
/// first replication that halted itself stopped, if one did.
///
/// # Errors
/// A [`BuildError`] (converted) as [`Simulation::new`], or the first error of `part`.
pub fn run_combined<T: Walk + Clone + Send, E: From<BuildError> + Send>(
    doc: &Document,
    reps: Range<u32>,
    combiner: &mut Combiner<T>,
    progress: Option<&Progress>,
    part: impl Fn(&Report) -> Result<T, E> + Sync,
) -> Result<Option<String>, E> {
    let mut halted = None;
    let mut error = None;
    for_each_replication(
        doc,
        reps,
        &|ns| tick(progress, ns),
        |_, sim| {
            let r = sim.report();
            (r.halted.clone(), part(&r))
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
    match error {
        Some(e) => Err(e),
        None => Ok(halted),
    }
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
    fn replication_seeds_differ_and_repeat() {
        assert_eq!(replication_seed(42, 0), 42);
        assert_ne!(replication_seed(42, 1), replication_seed(42, 2));
        assert_eq!(replication_seed(42, 3), replication_seed(42, 3));
    }
}

//! The report of a run (schema `spillway.report/1`) and the combination of replications
//! into means with 95% confidence half-widths.

use std::collections::BTreeMap;
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
    /// Why the run stopped before its end (runaway growth), if it did.
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
                    from: self.names[e.origin as usize].clone(),
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

/// Run the scenario's replications in parallel (rayon), each with its derived seed, and
/// return their reports in replication order. Cancelled runs return partial reports.
///
/// # Errors
/// As [`Simulation::new`].
pub fn run_replications(
    doc: &Document,
    progress: Option<&Progress>,
) -> Result<Vec<Report>, BuildError> {
    let reps = doc.scenario.replications.max(1);
    let sims: Vec<Simulation> = (0..reps)
        .map(|r| Simulation::with_seed(doc, replication_seed(doc.scenario.seed, r)))
        .collect::<Result<_, _>>()?;
    let reports = sims
        .into_par_iter()
        .map(|mut sim| {
            let mut last = 0;
            sim.run_with_progress(200, |now| {
                if let Some(p) = progress {
                    p.done_ns.fetch_add(now - last, Ordering::Relaxed);
                    last = now;
                    !p.cancel.load(Ordering::Relaxed)
                } else {
                    true
                }
            });
            sim.report()
        })
        .collect();
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
    let values: Vec<Value> = reports
        .iter()
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .collect();
    combine_json(values)
}

/// [`combine`] for reports already turned into JSON (and possibly extended, e.g. with
/// their cost).
#[must_use]
pub fn combine_json(values: Vec<Value>) -> Value {
    if values.len() <= 1 {
        return values.into_iter().next().unwrap_or(Value::Null);
    }
    let (mut mean, ci) = combine_values(&values);
    if let Value::Object(m) = &mut mean {
        m.insert("replications".to_owned(), Value::from(values.len()));
        m.insert("seed".to_owned(), values[0]["seed"].clone());
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

/// Mean and confidence half-width of matching values; `None` half-width where there are
/// no numbers.
fn combine_values(vals: &[Value]) -> (Value, Option<Value>) {
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
            let half = t975(u32::try_from(xs.len().saturating_sub(1)).unwrap_or(u32::MAX))
                * (var / n).sqrt();
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
                let (mv, cv) = combine_values(&column);
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
                .unwrap_or(0)
                .min(first.len());
            let mut items = Vec::with_capacity(len);
            let mut cis = Vec::with_capacity(len);
            let mut any_ci = false;
            for i in 0..len {
                let column: Vec<Value> = vals.iter().map(|v| v[i].clone()).collect();
                let (mv, cv) = combine_values(&column);
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
        let (m, c) = combine_values(&[a, b]);
        assert_eq!(m["x"], serde_json::json!(2));
        assert_eq!(m["s"], serde_json::json!([2, 3]));
        assert_eq!(m["ok"], serde_json::json!(true));
        let c = c.unwrap();
        // sd = sqrt(2), n = 2: 12.706 * sqrt(2) / sqrt(2)
        assert!((c["x"].as_f64().unwrap() - 12.706).abs() < 1e-9);
        assert!(c.get("name").is_none());
    }

    #[test]
    fn replication_seeds_differ_and_repeat() {
        assert_eq!(replication_seed(42, 0), 42);
        assert_ne!(replication_seed(42, 1), replication_seed(42, 2));
        assert_eq!(replication_seed(42, 3), replication_seed(42, 3));
    }
}

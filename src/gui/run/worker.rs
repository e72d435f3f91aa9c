//! The worker thread of a live run: it owns the [`Simulation`], advances it in slices,
//! publishes snapshots and chart points, and at the end runs the other replications
//! through [`crate::insight::run`] and publishes the [`Results`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration as WallDuration, Instant};

use egui_plot::PlotPoint;

use super::{ComponentSeries, Control, Results, Shared, Snapshot};
use crate::cost::{self, CostReport, PriceBook};
use crate::insight::analytic;
use crate::insight::bottleneck;
use crate::insight::run::{RunError, Runnable};
use crate::insight::table;
use crate::model::Document;
use crate::sim::{Report, SimTime, Simulation};

/// Wall time between paced slices, seconds (how smooth N x real time looks).
const PACE_SLICE_S: f64 = 0.05;

/// Points kept for a latency CDF.
const CDF_POINTS: usize = 160;

/// Wall time between CDF refreshes during a run, seconds.
const CDF_EVERY_S: f64 = 0.5;

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
    /// (wall s, events) at recent publications, for events per second; emptied when
    /// the run pauses, so the rate counts running time only.
    speed: std::collections::VecDeque<(f64, u64)>,
    last_cdf: f64,
}

pub(super) fn work(
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
                Control::Pause => {
                    paused = true;
                    w.speed.clear();
                }
                Control::Resume => {
                    paused = false;
                    anchor = (w.started.elapsed().as_secs_f64(), sim.now());
                }
                Control::Step => {
                    paused = true;
                    w.speed.clear();
                    step_to = Some(((sim.now() / bucket) + 1).saturating_mul(bucket).min(end));
                }
                Control::Speed(s) => {
                    speed = s;
                    anchor = (w.started.elapsed().as_secs_f64(), sim.now());
                }
            }
        }
        if stopped || shared.reps.cancel.load(Ordering::Relaxed) {
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
            Some((w0, e0)) if wall - *w0 >= super::RATE_WALL_S => {
                Some((report.events - e0) as f64 / (wall - w0))
            }
            _ => None,
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
        let report = first.report();
        // `start` validated this very document
        let result = Runnable::checked_by_caller(doc)
            .finish(self.book, &report, Some(&self.shared.reps))
            .map_err(|e| match e {
                RunError::Cancelled => "stopped during the replications".to_owned(),
                e => e.to_string(),
            })?;
        let capacities: BTreeMap<String, u64> = doc
            .components
            .iter()
            .map(|c| c.display_name().to_owned())
            .zip(first.capacities())
            .collect();
        let cost = cost::estimate(&report, &doc.cost, self.book);
        Ok(Arc::new(Results {
            rows: table::component_rows(&result),
            e2e_rows: table::end_to_end_rows(&result),
            replications: result.replications,
            result,
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

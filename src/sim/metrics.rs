//! Metrics recorded while a run goes: counters, time-weighted levels, latency
//! histograms (HDR) and a fixed-width time series per component.
//!
//! Everything here is O(1) per event and bounded in memory: histograms have a fixed
//! precision, series grow by one row per bucket.

use hdrhistogram::Histogram;
use serde::Serialize;

use super::SimTime;

/// Nanoseconds per microsecond: histograms record microseconds.
const NS_PER_US: u64 = 1_000;

/// A latency distribution: exact count, sum and max plus an HDR histogram (3 significant
/// figures, microsecond resolution) for percentiles. Values below one microsecond (most
/// often zero waits) are counted apart, which is exact and saves a histogram update.
#[derive(Clone, Debug)]
pub struct LatencyStat {
    count: u64,
    zeros: u64,
    sum_ns: u128,
    max_ns: u64,
    hist: Histogram<u64>,
}

impl Default for LatencyStat {
    fn default() -> Self {
        LatencyStat::new()
    }
}

impl LatencyStat {
    /// Empty.
    #[must_use]
    pub fn new() -> Self {
        // 3 significant figures; auto-resizing so memory tracks the largest value seen.
        #[allow(clippy::expect_used)]
        let mut hist = Histogram::new(3).expect("3 significant figures is a valid precision");
        hist.auto(true);
        LatencyStat {
            count: 0,
            zeros: 0,
            sum_ns: 0,
            max_ns: 0,
            hist,
        }
    }

    /// Record one value in nanoseconds.
    #[inline]
    pub fn record(&mut self, ns: SimTime) {
        self.count += 1;
        self.sum_ns += u128::from(ns);
        self.max_ns = self.max_ns.max(ns);
        if ns < NS_PER_US {
            self.zeros += 1;
        } else {
            // With auto-resize, recording cannot fail for a u64 value.
            let _ = self.hist.record(ns / NS_PER_US);
        }
    }

    /// Forget everything.
    pub fn reset(&mut self) {
        self.count = 0;
        self.zeros = 0;
        self.sum_ns = 0;
        self.max_ns = 0;
        self.hist.reset();
    }

    /// Number of values.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Exact mean in ms (0 when empty).
    #[must_use]
    pub fn mean_ms(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_ns as f64 / self.count as f64 / 1e6
        }
    }

    /// Percentile `q` (0..=100) in ms, from the histogram (0 when empty).
    #[must_use]
    pub fn percentile_ms(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        // rank of the wanted value among all values, as the histogram counts it
        let rank = ((q / 100.0 * self.count as f64).ceil() as u64).max(1);
        if rank <= self.zeros {
            return 0.0;
        }
        let in_hist = self.count - self.zeros;
        let q_hist = ((rank - self.zeros) as f64 / in_hist as f64).min(1.0);
        // the histogram's value is the bucket's highest equivalent; cap at the true max
        let us = self.hist.value_at_quantile(q_hist);
        (us as f64 / 1e3).min(self.max_ns as f64 / 1e6)
    }

    /// The underlying histogram (microseconds).
    #[must_use]
    pub fn histogram(&self) -> &Histogram<u64> {
        &self.hist
    }

    /// The distribution as at most `max_points` points `[ms, fraction of values <= ms]`
    /// of its cumulative distribution function, in increasing order (empty when no value
    /// was recorded). One pass over the histogram's buckets.
    #[must_use]
    pub fn cdf_ms(&self, max_points: usize) -> Vec<[f64; 2]> {
        if self.count == 0 || max_points == 0 {
            return Vec::new();
        }
        let n = self.count as f64;
        let mut all = Vec::new();
        if self.zeros > 0 {
            all.push([0.0, self.zeros as f64 / n]);
        }
        let mut seen = self.zeros;
        for v in self.hist.iter_recorded() {
            seen += v.count_at_value();
            let ms = (v.value_iterated_to() as f64 / 1e3).min(self.max_ns as f64 / 1e6);
            all.push([ms, seen as f64 / n]);
        }
        if all.len() <= max_points {
            return all;
        }
        // keep evenly spaced points and always the last (the maximum)
        let step = all.len() as f64 / max_points as f64;
        let mut out: Vec<[f64; 2]> = (0..max_points - 1)
            .map(|i| all[(i as f64 * step) as usize])
            .collect();
        out.push(all[all.len() - 1]);
        out
    }

    /// Summary for the report.
    #[must_use]
    pub fn summary(&self) -> LatencySummary {
        LatencySummary {
            count: self.count,
            mean: self.mean_ms(),
            p50: self.percentile_ms(50.0),
            p90: self.percentile_ms(90.0),
            p95: self.percentile_ms(95.0),
            p99: self.percentile_ms(99.0),
            p999: self.percentile_ms(99.9),
            max: self.max_ns as f64 / 1e6,
        }
    }
}

/// Mean, percentiles and max of a latency, all in milliseconds. `C` is the type of
/// the count (`u64` for a run, [`super::Count`] for replications combined).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LatencySummary<C = u64> {
    /// Number of values.
    pub count: C,
    /// Exact mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest value.
    pub max: f64,
}

/// A level that changes at instants (queue depth, busy servers), averaged over time.
#[derive(Clone, Debug, Default)]
pub struct TimeWeighted {
    level: u64,
    last: SimTime,
    area: u128,
    max: u64,
    since: SimTime,
    bucket_area: u128,
}

impl TimeWeighted {
    #[inline]
    fn advance(&mut self, now: SimTime) {
        let dt = now.saturating_sub(self.last);
        if dt > 0 {
            let a = u128::from(self.level) * u128::from(dt);
            self.area += a;
            self.bucket_area += a;
            self.last = now;
        }
    }

    /// Change the level at `now`.
    #[inline]
    pub fn set(&mut self, now: SimTime, level: u64) {
        self.advance(now);
        self.level = level;
        self.max = self.max.max(level);
    }

    /// Current level.
    #[must_use]
    #[inline]
    pub fn level(&self) -> u64 {
        self.level
    }

    /// Restart averaging at `now`, keeping the current level.
    pub fn reset(&mut self, now: SimTime) {
        self.advance(now);
        self.area = 0;
        self.since = now;
        self.max = self.level;
    }

    /// Time average since the last reset, up to `now`.
    #[must_use]
    pub fn mean(&self, now: SimTime) -> f64 {
        let span = now.saturating_sub(self.since);
        if span == 0 {
            return self.level as f64;
        }
        let area = self.area + u128::from(self.level) * u128::from(now.saturating_sub(self.last));
        area as f64 / span as f64
    }

    /// Largest level since the last reset.
    #[must_use]
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Close a time-series bucket ending at `end` and return its time-average level.
    fn close_bucket(&mut self, end: SimTime, width: SimTime) -> f64 {
        self.advance(end);
        let avg = self.bucket_area as f64 / width as f64;
        self.bucket_area = 0;
        avg
    }
}

/// Per-bucket rows for one component, stored column-wise.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Series {
    /// Arrivals per second in each bucket.
    pub arrivals_per_s: Vec<f64>,
    /// Completions per second in each bucket.
    pub throughput_per_s: Vec<f64>,
    /// Errors (failed attempts, rejections, drops, expiries) per second.
    pub errors_per_s: Vec<f64>,
    /// Time-average queue depth over the bucket.
    pub depth: Vec<f64>,
    /// Time-average concurrency (busy servers) over the bucket.
    pub in_flight: Vec<f64>,
    /// 99th percentile of the time at the component, of completions in the bucket (ms).
    pub p99_ms: Vec<f64>,
    /// Median of the same values (ms); for live charts, not in the JSON report.
    #[serde(skip)]
    pub p50_ms: Vec<f64>,
    /// 95th percentile of the same values (ms); for live charts, not in the JSON report.
    #[serde(skip)]
    pub p95_ms: Vec<f64>,
    /// Kind-specific gauges (time average per bucket), e.g. `oldest_age_s`, `replicas`.
    #[serde(flatten)]
    pub gauges: std::collections::BTreeMap<String, Vec<f64>>,
}

/// Counters of what happened at a component. `C` is the type of a count (`u64` for a
/// run, [`super::Count`] for replications combined).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters<C = u64> {
    /// Events that reached the component (each retry is not a new arrival).
    pub arrivals: C,
    /// Events finished successfully.
    pub completions: C,
    /// Attempts that failed (error or timeout).
    pub failures: C,
    /// Of those, attempts that hit the timeout.
    pub timeouts: C,
    /// Attempts that were retries.
    pub retries: C,
    /// Refused by the throttle.
    pub rejected: C,
    /// Refused because the buffer was full.
    pub dropped: C,
    /// Expired in the buffer (max_age).
    pub expired: C,
    /// Sent to dead-letter / on-failure links after exhausting attempts.
    pub dead_lettered: C,
    /// Exhausted attempts with nowhere to dead-letter to: lost.
    pub failed: C,
    /// Completed but matched no outgoing link's filter.
    pub filtered: C,
}

/// A billable quantity a component consumes (requests, GB-seconds, shard-hours), the
/// input of the cost model. Counting meters are charged per use; hourly meters integrate
/// a level (shards, replicas) over time and read in level-hours.
#[derive(Clone, Debug)]
pub struct Meter {
    /// Name, as the price book knows it (`requests`, `gb_seconds`, ...).
    pub name: &'static str,
    /// Amount since the end of the warm-up (for hourly meters: up to the last change).
    total: f64,
    /// Part of `total` caused by retries and redeliveries.
    retry: f64,
    bucket: f64,
    hourly: bool,
    level: f64,
    last: SimTime,
    /// Amount in each closed bucket.
    pub series: Vec<f64>,
}

/// Nanoseconds per hour.
const NS_PER_HOUR: f64 = 3.6e12;

impl Meter {
    fn new(name: &'static str, hourly: bool) -> Self {
        Meter {
            name,
            total: 0.0,
            retry: 0.0,
            bucket: 0.0,
            hourly,
            level: 0.0,
            last: 0,
            series: Vec::new(),
        }
    }

    fn advance(&mut self, now: SimTime) {
        if self.hourly && now > self.last {
            let a = self.level * (now - self.last) as f64 / NS_PER_HOUR;
            self.total += a;
            self.bucket += a;
        }
        self.last = self.last.max(now);
    }

    /// Amount used up to `now`.
    #[must_use]
    pub fn total_at(&self, now: SimTime) -> f64 {
        if self.hourly && now > self.last {
            self.total + self.level * (now - self.last) as f64 / NS_PER_HOUR
        } else {
            self.total
        }
    }

    /// Part of the amount caused by retries and redeliveries.
    #[must_use]
    pub fn retry_total(&self) -> f64 {
        self.retry
    }

    /// Whether the meter integrates a level over time (unit: level-hours).
    #[must_use]
    pub fn is_hourly(&self) -> bool {
        self.hourly
    }
}

/// Everything recorded for one component.
#[derive(Clone, Debug)]
pub struct ComponentMetrics {
    /// Event counts.
    pub counters: Counters,
    /// Waiting in the buffer (events, not in service).
    pub depth: TimeWeighted,
    /// In service (busy servers).
    pub busy: TimeWeighted,
    /// Capacity for utilisation (servers); 0 = not meaningful.
    pub capacity: u64,
    /// Time from joining the buffer to starting service, per attempt.
    pub wait: LatencyStat,
    /// Service time, per attempt.
    pub service: LatencyStat,
    /// Wait + service, per attempt.
    pub sojourn: LatencyStat,
    /// First arrival to leaving (success or giving up), per event, over all attempts.
    pub residence: LatencyStat,
    /// Time series.
    pub series: Series,
    /// Every event makes exactly one attempt here (no retries), so per-attempt sojourn
    /// equals per-event residence and only the latter is recorded.
    pub sojourn_is_residence: bool,
    /// Billable usage, in the order the meters were added.
    pub usage: Vec<Meter>,
    /// Kind-specific levels sampled per bucket (e.g. `oldest_age_s`, `replicas`), shown
    /// in the report's series next to the standard columns.
    pub gauges: Vec<(&'static str, TimeWeighted, Vec<f64>)>,
    bucket_counts: [u64; 3],
    /// The residence histogram as it was when the current bucket opened; the bucket's
    /// percentiles come from the difference, so no second histogram is recorded into.
    bucket_start: Histogram<u64>,
    /// The current bucket's values from before the end of the warm-up, which reset the
    /// residence histogram part way through (or at the end of) the bucket.
    bucket_carry: Option<Histogram<u64>>,
}

impl ComponentMetrics {
    /// Empty metrics for a component with `capacity` servers.
    #[must_use]
    pub fn new(capacity: u64) -> Self {
        ComponentMetrics {
            counters: Counters::default(),
            depth: TimeWeighted::default(),
            busy: TimeWeighted::default(),
            capacity,
            wait: LatencyStat::new(),
            service: LatencyStat::new(),
            sojourn: LatencyStat::new(),
            residence: LatencyStat::new(),
            series: Series::default(),
            sojourn_is_residence: false,
            usage: Vec::new(),
            gauges: Vec::new(),
            bucket_counts: [0; 3],
            bucket_start: LatencyStat::new().hist,
            bucket_carry: None,
        }
    }

    /// Add a counting meter; returns its index for [`ComponentMetrics::charge`].
    pub fn add_meter(&mut self, name: &'static str) -> usize {
        self.usage.push(Meter::new(name, false));
        self.usage.len() - 1
    }

    /// Add an hourly meter (level x hours); returns its index for
    /// [`ComponentMetrics::set_level`].
    pub fn add_hourly_meter(&mut self, name: &'static str) -> usize {
        self.usage.push(Meter::new(name, true));
        self.usage.len() - 1
    }

    /// Add a gauge: a level recorded as a time average per bucket; returns its index
    /// for [`ComponentMetrics::set_gauge`].
    pub fn add_gauge(&mut self, name: &'static str) -> usize {
        self.gauges
            .push((name, TimeWeighted::default(), Vec::new()));
        self.gauges.len() - 1
    }

    /// Set gauge `i` to `level` from `now` on.
    #[inline]
    pub fn set_gauge(&mut self, i: usize, now: SimTime, level: u64) {
        if let Some(g) = self.gauges.get_mut(i) {
            g.1.set(now, level);
        }
    }

    /// Charge `amount` to counting meter `i`.
    #[inline]
    pub fn charge(&mut self, i: usize, amount: f64) {
        let m = &mut self.usage[i];
        m.total += amount;
        m.bucket += amount;
    }

    /// Charge `amount` to counting meter `i`, caused by a retry or redelivery.
    #[inline]
    pub fn charge_retry(&mut self, i: usize, amount: f64) {
        let m = &mut self.usage[i];
        m.total += amount;
        m.bucket += amount;
        m.retry += amount;
    }

    /// Set the level of hourly meter `i` (shards, replicas) from `now` on.
    #[inline]
    pub fn set_level(&mut self, i: usize, now: SimTime, level: f64) {
        let m = &mut self.usage[i];
        m.advance(now);
        m.level = level;
    }

    /// Count `n` arrivals, in the counter and in the time series. The engine calls it
    /// for every message delivered or called in, before the behaviour sees it.
    #[inline]
    pub fn arrive(&mut self, n: u64) {
        self.counters.arrivals += n;
        self.bucket_counts[0] += n;
    }

    /// Count a completion for the series (its latency is taken from `residence`).
    #[inline]
    pub fn bucket_completion(&mut self) {
        self.bucket_counts[1] += 1;
    }

    /// Count an error for the series.
    #[inline]
    pub fn bucket_error(&mut self) {
        self.bucket_counts[2] += 1;
    }

    /// Close the bucket `[end - width, end)`.
    pub fn close_bucket(&mut self, end: SimTime, width: SimTime) {
        let w_s = width as f64 / 1e9;
        let s = &mut self.series;
        s.arrivals_per_s.push(self.bucket_counts[0] as f64 / w_s);
        s.throughput_per_s.push(self.bucket_counts[1] as f64 / w_s);
        s.errors_per_s.push(self.bucket_counts[2] as f64 / w_s);
        s.depth.push(self.depth.close_bucket(end, width));
        s.in_flight.push(self.busy.close_bucket(end, width));
        let [p50, p95, p99] = bucket_percentiles_ms(
            &self.residence.hist,
            &mut self.bucket_start,
            self.bucket_carry.take(),
        );
        s.p50_ms.push(p50);
        s.p95_ms.push(p95);
        s.p99_ms.push(p99);
        self.bucket_counts = [0; 3];
        for m in &mut self.usage {
            m.advance(end);
            m.series.push(m.bucket);
            m.bucket = 0.0;
        }
        for (_, tw, series) in &mut self.gauges {
            series.push(tw.close_bucket(end, width));
        }
    }

    /// Discard statistics at the end of the warm-up (the series is kept).
    pub fn reset(&mut self, now: SimTime) {
        self.counters = Counters::default();
        self.depth.reset(now);
        self.busy.reset(now);
        self.wait.reset();
        self.service.reset();
        self.sojourn.reset();
        // the open bucket keeps what it has seen: its percentiles span the warm-up's end
        let mut carry = self.residence.hist.clone();
        if carry.subtract(&self.bucket_start).is_ok() && !carry.is_empty() {
            if let Some(c) = self.bucket_carry.as_mut() {
                let _ = c.add(&carry);
            } else {
                self.bucket_carry = Some(carry);
            }
        }
        self.residence.reset();
        self.bucket_start.reset();
        for m in &mut self.usage {
            m.advance(now);
            m.total = 0.0;
            m.retry = 0.0;
        }
        for (_, tw, _) in &mut self.gauges {
            tw.reset(now);
        }
    }
}

/// 50th, 95th and 99th percentiles (ms) of the values recorded into `now` since `start`
/// was taken, together with `carry` (the bucket's values from before a reset); then
/// `start` becomes a copy of `now`.
fn bucket_percentiles_ms(
    now: &Histogram<u64>,
    start: &mut Histogram<u64>,
    carry: Option<Histogram<u64>>,
) -> [f64; 3] {
    if now.len() == start.len() && carry.is_none() {
        return [0.0; 3];
    }
    let mut diff = now.clone();
    let mut ok = diff.subtract(&*start).is_ok();
    if let Some(c) = &carry {
        ok = ok && diff.add(c).is_ok();
    }
    start.clone_from(now);
    if !ok || diff.is_empty() {
        return [0.0; 3];
    }
    [0.5, 0.95, 0.99].map(|q| diff.value_at_quantile(q) as f64 / 1e3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_percentiles_are_accurate() {
        let mut s = LatencyStat::new();
        for ms in 1..=1000u64 {
            s.record(ms * 1_000_000);
        }
        let sum = s.summary();
        assert_eq!(sum.count, 1000);
        assert!((sum.mean - 500.5).abs() < 1e-9);
        assert!((sum.p50 - 500.0).abs() <= 0.5, "{}", sum.p50);
        assert!((sum.p99 - 990.0).abs() <= 1.0, "{}", sum.p99);
        assert_eq!(sum.max, 1000.0);
    }

    #[test]
    fn the_cdf_rises_to_one_at_the_maximum() {
        let mut s = LatencyStat::new();
        assert!(s.cdf_ms(10).is_empty());
        for _ in 0..50 {
            s.record(0);
        }
        for ms in 1..=50u64 {
            s.record(ms * 1_000_000);
        }
        let all = s.cdf_ms(1000);
        assert_eq!(all[0], [0.0, 0.5]);
        assert!(
            all.windows(2)
                .all(|w| w[0][0] < w[1][0] && w[0][1] < w[1][1])
        );
        let last = all[all.len() - 1];
        assert!((last[0] - 50.0).abs() < 1e-9 && (last[1] - 1.0).abs() < 1e-12);
        let few = s.cdf_ms(5);
        assert_eq!(few.len(), 5);
        assert_eq!(few[4], last);
    }

    #[test]
    fn the_bucket_that_ends_the_warm_up_keeps_its_percentiles() {
        let ms = |v: u64| v * 1_000_000;
        let mut m = ComponentMetrics::new(1);
        for v in 1..=100 {
            m.residence.record(ms(v));
        }
        m.close_bucket(ms(60_000), ms(60_000));
        // the second bucket: values before and after a warm-up that ends part way
        for v in 1..=50 {
            m.residence.record(ms(10 * v));
        }
        m.reset(ms(90_000));
        for v in 51..=100 {
            m.residence.record(ms(10 * v));
        }
        m.close_bucket(ms(120_000), ms(60_000));
        // and one more, whose values all come after the reset
        m.residence.record(ms(7));
        m.close_bucket(ms(180_000), ms(60_000));
        let s = &m.series;
        assert!((s.p50_ms[0] - 50.0).abs() <= 0.1, "{:?}", s.p50_ms);
        assert!((s.p50_ms[1] - 500.0).abs() <= 0.5, "{:?}", s.p50_ms);
        assert!((s.p99_ms[1] - 990.0).abs() <= 1.0, "{:?}", s.p99_ms);
        assert!((s.p99_ms[2] - 7.0).abs() <= 0.01, "{:?}", s.p99_ms);
        // the statistics themselves start afresh at the reset
        assert_eq!(m.residence.count(), 51);
        // at the end of a bucket exactly, as in the examples (warm-up 5m, bucket 1m)
        let mut m = ComponentMetrics::new(1);
        m.residence.record(ms(40));
        m.reset(ms(60_000));
        m.close_bucket(ms(60_000), ms(60_000));
        assert!(
            (m.series.p99_ms[0] - 40.0).abs() <= 0.05,
            "{:?}",
            m.series.p99_ms
        );
    }

    #[test]
    fn zeros_count_in_percentiles() {
        let mut s = LatencyStat::new();
        for _ in 0..60 {
            s.record(0);
        }
        for _ in 0..40 {
            s.record(10_000_000);
        }
        assert_eq!(s.percentile_ms(50.0), 0.0);
        assert_eq!(s.percentile_ms(60.0), 0.0);
        assert!((s.percentile_ms(61.0) - 10.0).abs() < 0.01);
        assert!((s.percentile_ms(99.0) - 10.0).abs() < 0.01);
        assert!((s.mean_ms() - 4.0).abs() < 1e-12);
    }

    #[test]
    fn time_weighted_mean() {
        let mut t = TimeWeighted::default();
        t.set(0, 2);
        t.set(10, 4);
        assert!((t.mean(20) - 3.0).abs() < 1e-12);
        assert_eq!(t.max(), 4);
        t.reset(20);
        assert!((t.mean(30) - 4.0).abs() < 1e-12);
    }
}

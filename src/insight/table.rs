//! The numbers of the results tables, formatted once for both the command line
//! (`spillway run`) and the editor's results table, so the two always agree.
//!
//! Everything reads a typed [`RunResult`] (a single run's, or replications combined with
//! their 95% half-widths).

use crate::cost::RunResult;
use crate::sim::{Count, Estimate, LatencySummary, Pair};
use crate::units::{count, figure};

/// A value with its 95% half-width when it has one: `12.34 ±0.05`.
#[must_use]
pub fn with_ci(e: Estimate) -> String {
    match e.half_width {
        Some(h) => format!("{} ±{}", figure(e.mean), figure(h)),
        None => figure(e.mean),
    }
}

/// Column titles of the component table.
pub const COMPONENT_COLUMNS: [&str; 17] = [
    "component",
    "kind",
    "arrivals",
    "done/s",
    "util",
    "queue",
    "wait ms",
    "sojourn ms",
    "p50",
    "p99",
    "p99.9",
    "residence ms",
    "retries",
    "refused",
    "lost",
    "dead-lettered",
    "filtered",
];

/// One row per component (in the report's order: byte order of names), cells as
/// [`COMPONENT_COLUMNS`].
#[must_use]
pub fn component_rows(r: &RunResult) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for (name, c) in &r.mean.report.components {
        let Some(p) = r.component(name) else {
            continue;
        };
        type Lat = LatencySummary<Count>;
        let lat = |l: Option<Pair<'_, Lat>>, q: fn(&Lat) -> f64| {
            l.map_or("-".to_owned(), |l| with_ci(l.get(q)))
        };
        let sojourn = p.part(|c| c.sojourn_ms.as_ref());
        // refusals are counted per attempt (the sender may retry them); filtered
        // events were not wanted: neither is a loss here
        let k = &c.counters;
        let lost = k.dropped.0 + k.expired.0 + k.failed.0;
        rows.push(vec![
            name.clone(),
            c.kind.to_string(),
            count(k.arrivals.0),
            with_ci(p.get(|c| c.throughput_per_s)),
            c.utilisation.map_or("-".to_owned(), |_| {
                with_ci(p.get(|c| c.utilisation.unwrap_or(f64::NAN)))
            }),
            if c.wait_ms.is_some() {
                figure(c.queue_depth.mean)
            } else {
                "-".to_owned()
            },
            lat(p.part(|c| c.wait_ms.as_ref()), |l| l.mean),
            lat(sojourn, |l| l.mean),
            lat(sojourn, |l| l.p50),
            lat(sojourn, |l| l.p99),
            lat(sojourn, |l| l.p999),
            lat(p.part(|c| c.residence_ms.as_ref()), |l| l.mean),
            count(k.retries.0),
            count(k.rejected.0),
            count(lost),
            count(k.dead_lettered.0),
            count(k.filtered.0),
        ]);
    }
    rows
}

/// Column titles of the end-to-end table.
pub const END_TO_END_COLUMNS: [&str; 9] = [
    "from", "to", "count", "mean", "p50", "p90", "p99", "p99.9", "max",
];

/// One row per (producer, terminal component) pair, cells as [`END_TO_END_COLUMNS`]
/// (latencies in ms).
#[must_use]
pub fn end_to_end_rows(r: &RunResult) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let report = r.report();
    for (i, e) in report.mean.end_to_end.iter().enumerate() {
        let Some(l) = report.part(|r| r.end_to_end.get(i).map(|e| &e.latency_ms)) else {
            continue;
        };
        rows.push(vec![
            e.from.clone(),
            e.to.clone(),
            count(e.latency_ms.count.0),
            with_ci(l.get(|l| l.mean)),
            with_ci(l.get(|l| l.p50)),
            with_ci(l.get(|l| l.p90)),
            with_ci(l.get(|l| l.p99)),
            with_ci(l.get(|l| l.p999)),
            figure(e.latency_ms.max),
        ]);
    }
    rows
}

/// A CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break.
#[must_use]
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Rows as CSV text (RFC 4180 quoting), with a header line.
#[must_use]
pub fn to_csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = header
        .iter()
        .map(|h| csv_field(h))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for r in rows {
        out.push_str(&r.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_widths_follow_the_value() {
        let e = Estimate {
            mean: 2.0,
            half_width: Some(0.5),
        };
        assert_eq!(with_ci(e), "2.00 ±0.500");
        let e = Estimate {
            mean: 2.0,
            half_width: None,
        };
        assert_eq!(with_ci(e), "2.00");
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let text = to_csv(
            &["a", "b"],
            &[vec!["x,y".to_owned(), "say \"hi\"".to_owned()]],
        );
        assert_eq!(text, "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n");
    }
}

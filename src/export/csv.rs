//! The CSV tables of a report (`spillway.report/1` with its `cost`): one row per
//! component, one per component and time bucket, one per priced meter. `spillway run
//! --csv DIR` writes all three; `spillway export --format csv` writes the time series.

use std::fmt::Write as _;

use crate::cost::RunResult;
use crate::model::printable;
use crate::sim::{ComponentReport, Count, LatencySummary};

/// A CSV field (RFC 4180 quoting) on one line: line breaks, control and bidirectional
/// characters in names become visible escapes (`\n`, `\u{1b}`).
fn field(s: &str) -> String {
    crate::insight::table::csv_field(&printable(s))
}

/// A number as the JSON report holds it (0 where JSON cannot hold it: NaN).
fn raw(x: f64) -> String {
    if x.is_finite() { x } else { 0.0 }.to_string()
}

/// An optional number: empty where absent (or not finite).
fn opt(x: Option<f64>) -> String {
    x.filter(|x| x.is_finite())
        .map(|x| x.to_string())
        .unwrap_or_default()
}

/// The three CSV tables of a report.
pub struct CsvTexts {
    /// One row per component.
    pub components: String,
    /// One row per component and time bucket.
    pub series: String,
    /// One row per priced meter.
    pub cost: String,
}

/// The CSV tables of a result, as text.
#[must_use]
pub fn tables(r: &RunResult) -> CsvTexts {
    type C = ComponentReport<Count>;
    type L = LatencySummary<Count>;
    /// A column: its title and how to read it.
    type Column<T, V> = (&'static str, fn(&T) -> V);
    type LatencyOf = for<'a> fn(&'a C) -> Option<&'a L>;
    let counters: [Column<C, Count>; 11] = [
        ("arrivals", |c| c.counters.arrivals),
        ("completions", |c| c.counters.completions),
        ("failures", |c| c.counters.failures),
        ("timeouts", |c| c.counters.timeouts),
        ("retries", |c| c.counters.retries),
        ("rejected", |c| c.counters.rejected),
        ("dropped", |c| c.counters.dropped),
        ("expired", |c| c.counters.expired),
        ("dead_lettered", |c| c.counters.dead_lettered),
        ("failed", |c| c.counters.failed),
        ("filtered", |c| c.counters.filtered),
    ];
    let figures: [Column<C, Option<f64>>; 7] = [
        ("arrival_rate_per_s", |c| Some(c.arrival_rate_per_s)),
        ("throughput_per_s", |c| Some(c.throughput_per_s)),
        ("utilisation", |c| c.utilisation),
        ("queue_depth_mean", |c| Some(c.queue_depth.mean)),
        ("queue_depth_max", |c| Some(c.queue_depth.max.0)),
        ("in_flight_mean", |c| Some(c.in_flight.mean)),
        ("in_flight_max", |c| Some(c.in_flight.max.0)),
    ];
    let lats: [(&str, LatencyOf); 4] = [
        ("wait_ms", |c| c.wait_ms.as_ref()),
        ("service_ms", |c| c.service_ms.as_ref()),
        ("sojourn_ms", |c| c.sojourn_ms.as_ref()),
        ("residence_ms", |c| c.residence_ms.as_ref()),
    ];
    let qs: [Column<L, f64>; 7] = [
        ("mean", |l| l.mean),
        ("p50", |l| l.p50),
        ("p90", |l| l.p90),
        ("p95", |l| l.p95),
        ("p99", |l| l.p99),
        ("p999", |l| l.p999),
        ("max", |l| l.max),
    ];
    let mut head = vec!["component".to_owned(), "kind".to_owned()];
    head.extend(counters.iter().map(|(k, _)| (*k).to_owned()));
    head.extend(figures.iter().map(|(k, _)| (*k).to_owned()));
    for (l, _) in lats {
        for (q, _) in qs {
            head.push(format!("{l}_{q}"));
        }
    }
    let mut text = head.join(",") + "\n";
    let mut series = String::from(
        "component,bucket_start_s,arrivals_per_s,throughput_per_s,errors_per_s,depth,in_flight,p99_ms\n",
    );
    let report = &r.mean.report;
    let bucket = report.bucket_s;
    for (name, c) in &report.components {
        let mut row = vec![field(name), field(c.kind.name())];
        row.extend(counters.iter().map(|(_, k)| raw(k(c).0)));
        row.extend(figures.iter().map(|(_, f)| opt(f(c))));
        for (_, l) in lats {
            for (_, q) in qs {
                row.push(opt(l(c).map(q)));
            }
        }
        text.push_str(&row.join(","));
        text.push('\n');
        let s = &c.series;
        let columns = [
            &s.arrivals_per_s,
            &s.throughput_per_s,
            &s.errors_per_s,
            &s.depth,
            &s.in_flight,
            &s.p99_ms,
        ];
        for i in 0..s.throughput_per_s.len() {
            let _ = write!(series, "{},{}", field(name), bucket * i as f64);
            for v in columns {
                let _ = write!(series, ",{}", raw(v.get(i).copied().unwrap_or(0.0)));
            }
            series.push('\n');
        }
    }
    let mut cost = String::from(
        "component,key,unit,amount,from_retries,usd_per_unit,usd,retry_usd,per_month_usd,status\n",
    );
    for (name, c) in &r.mean.cost.components {
        for l in &c.lines {
            let mut row = vec![field(name), field(&l.key), field(&l.unit)];
            for x in [
                l.amount,
                l.from_retries,
                l.usd_per_unit,
                l.usd,
                l.retry_usd,
                l.per_month_usd,
            ] {
                row.push(raw(x));
            }
            row.push(field(&l.status));
            cost.push_str(&row.join(","));
            cost.push('\n');
        }
    }
    CsvTexts {
        components: text,
        series,
        cost,
    }
}

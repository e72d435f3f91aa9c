//! The numbers of the results tables, formatted once for both the command line
//! (`spillway run`) and the editor's results table, so the two always agree.
//!
//! Everything reads a report as `spillway.report/1` JSON (a single run's, or
//! replications combined by [`crate::sim::combine_json`] with their `ci95`).

use serde_json::Value;

use crate::cost::{self, PriceBook};
use crate::model::Document;
use crate::sim::Report;

/// A JSON number as f64 (0 when missing).
#[must_use]
pub fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

/// Format a value with about four significant digits.
#[must_use]
pub fn fmt(x: f64) -> String {
    if x == 0.0 {
        "0".to_owned()
    } else if x.abs() >= 1000.0 {
        format!("{x:.0}")
    } else if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

/// A count, or a mean count (one decimal) when combined from replications.
#[must_use]
pub fn fmt_count(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// A dollar amount with about four significant digits.
#[must_use]
pub fn usd(x: f64) -> String {
    if x == 0.0 {
        "$0".to_owned()
    } else if x.abs() >= 100.0 {
        format!("${x:.0}")
    } else if x.abs() >= 0.01 {
        format!("${x:.2}")
    } else {
        // small amounts keep four significant digits
        let digits = (3 - x.abs().log10().floor() as i32).clamp(2, 12) as usize;
        format!("${x:.digits$}")
    }
}

/// The value at `path` with its 95% half-width when the report has one: `12.34 ±0.05`.
#[must_use]
pub fn with_ci(root: &Value, path: &[&str]) -> String {
    let mut v = root;
    let mut c = root.get("ci95");
    for p in path {
        match p.parse::<usize>() {
            Ok(i) => {
                v = &v[i];
                c = c.and_then(|c| c.get(i));
            }
            Err(_) => {
                v = &v[*p];
                c = c.and_then(|c| c.get(*p));
            }
        }
    }
    match c.and_then(Value::as_f64) {
        Some(h) if root.get("ci95").is_some() => format!("{} ±{}", fmt(num(v)), fmt(h)),
        _ => fmt(num(v)),
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
pub fn component_rows(r: &Value) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let Some(comps) = r["components"].as_object() else {
        return rows;
    };
    for (name, c) in comps {
        let p = |k: &'static str| ["components", name.as_str(), k];
        let lat = |k: &str, q: &str| {
            if c.get(k).is_some() {
                with_ci(r, &["components", name.as_str(), k, q])
            } else {
                "-".to_owned()
            }
        };
        // refusals are counted per attempt (the sender may retry them); filtered
        // events were not wanted: neither is a loss here
        let lost = num(&c["dropped"]) + num(&c["expired"]) + num(&c["failed"]);
        rows.push(vec![
            name.clone(),
            c["kind"].as_str().unwrap_or("").to_owned(),
            fmt_count(num(&c["arrivals"])),
            with_ci(r, &p("throughput_per_s")),
            c.get("utilisation")
                .map_or("-".to_owned(), |_| with_ci(r, &p("utilisation"))),
            if c.get("wait_ms").is_some() {
                fmt(num(&c["queue_depth"]["mean"]))
            } else {
                "-".to_owned()
            },
            lat("wait_ms", "mean"),
            lat("sojourn_ms", "mean"),
            lat("sojourn_ms", "p50"),
            lat("sojourn_ms", "p99"),
            lat("sojourn_ms", "p999"),
            lat("residence_ms", "mean"),
            fmt_count(num(&c["retries"])),
            fmt_count(num(&c["rejected"])),
            fmt_count(lost),
            fmt_count(num(&c["dead_lettered"])),
            fmt_count(num(&c["filtered"])),
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
pub fn end_to_end_rows(r: &Value) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for (i, e) in r["end_to_end"].as_array().into_iter().flatten().enumerate() {
        let is = i.to_string();
        let q = |k: &str| with_ci(r, &["end_to_end", is.as_str(), "latency_ms", k]);
        rows.push(vec![
            e["from"].as_str().unwrap_or("").to_owned(),
            e["to"].as_str().unwrap_or("").to_owned(),
            fmt_count(num(&e["latency_ms"]["count"])),
            q("mean"),
            q("p50"),
            q("p90"),
            q("p99"),
            q("p999"),
            fmt(num(&e["latency_ms"]["max"])),
        ]);
    }
    rows
}

/// The result of a batch of replications as `spillway run` prints it: each report as
/// JSON with its `cost` priced by `book` under the document's cost settings, combined
/// into means and 95% half-widths when there are several.
///
/// # Errors
/// When a report cannot be turned into JSON (a non-finite number).
pub fn results_value(
    reports: &[Report],
    doc: &Document,
    book: &PriceBook,
) -> Result<Value, serde_json::Error> {
    cost::report_json(reports, &doc.cost, book)
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
    fn numbers_keep_about_four_digits() {
        assert_eq!(fmt(0.0), "0");
        assert_eq!(fmt(0.12345), "0.123");
        assert_eq!(fmt(12.345), "12.35");
        assert_eq!(fmt(123.45), "123.5");
        assert_eq!(fmt(12345.6), "12346");
        assert_eq!(fmt_count(3.0), "3");
        assert_eq!(fmt_count(3.25), "3.2");
        assert_eq!(usd(1234.5), "$1234");
        assert_eq!(usd(0.001234), "$0.001234");
    }

    #[test]
    fn half_widths_follow_the_value() {
        let r = serde_json::json!({"x": 2.0, "ci95": {"x": 0.5}});
        assert_eq!(with_ci(&r, &["x"]), "2.00 ±0.500");
        let r = serde_json::json!({"x": 2.0});
        assert_eq!(with_ci(&r, &["x"]), "2.00");
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

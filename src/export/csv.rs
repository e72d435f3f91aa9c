//! The CSV tables of a report (`spillway.report/1` with its `cost`): one row per
//! component, one per component and time bucket, one per priced meter. `spillway run
//! --csv DIR` writes all three; `spillway export --format csv` writes the time series.

use std::fmt::Write as _;

use serde_json::Value;

use crate::model::printable;

/// A CSV field (RFC 4180 quoting) on one line: line breaks, control and bidirectional
/// characters in names become visible escapes (`\n`, `\u{1b}`).
fn field(s: &str) -> String {
    crate::insight::table::csv_field(&printable(s))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
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

/// The CSV tables of a report, as text.
#[must_use]
pub fn tables(r: &Value) -> CsvTexts {
    let counters = [
        "arrivals",
        "completions",
        "failures",
        "timeouts",
        "retries",
        "rejected",
        "dropped",
        "expired",
        "dead_lettered",
        "failed",
        "filtered",
    ];
    let lats = ["wait_ms", "service_ms", "sojourn_ms", "residence_ms"];
    let qs = ["mean", "p50", "p90", "p95", "p99", "p999", "max"];
    let mut head = vec!["component".to_owned(), "kind".to_owned()];
    head.extend(counters.iter().map(|s| (*s).to_owned()));
    head.extend(
        [
            "arrival_rate_per_s",
            "throughput_per_s",
            "utilisation",
            "queue_depth_mean",
            "queue_depth_max",
            "in_flight_mean",
            "in_flight_max",
        ]
        .map(str::to_owned),
    );
    for l in lats {
        for q in qs {
            head.push(format!("{l}_{q}"));
        }
    }
    let mut text = head.join(",") + "\n";
    let mut series = String::from(
        "component,bucket_start_s,arrivals_per_s,throughput_per_s,errors_per_s,depth,in_flight,p99_ms\n",
    );
    let bucket = num(&r["bucket_s"]);
    if let Some(comps) = r["components"].as_object() {
        for (name, c) in comps {
            let mut row = vec![field(name), field(c["kind"].as_str().unwrap_or(""))];
            row.extend(counters.iter().map(|k| num(&c[*k]).to_string()));
            for v in [
                &c["arrival_rate_per_s"],
                &c["throughput_per_s"],
                &c["utilisation"],
                &c["queue_depth"]["mean"],
                &c["queue_depth"]["max"],
                &c["in_flight"]["mean"],
                &c["in_flight"]["max"],
            ] {
                row.push(v.as_f64().map(|x| x.to_string()).unwrap_or_default());
            }
            for l in lats {
                for q in qs {
                    row.push(c[l][q].as_f64().map(|x| x.to_string()).unwrap_or_default());
                }
            }
            text.push_str(&row.join(","));
            text.push('\n');
            let s = &c["series"];
            let n = s["throughput_per_s"].as_array().map_or(0, Vec::len);
            for i in 0..n {
                let _ = write!(series, "{},{}", field(name), bucket * i as f64);
                for k in [
                    "arrivals_per_s",
                    "throughput_per_s",
                    "errors_per_s",
                    "depth",
                    "in_flight",
                    "p99_ms",
                ] {
                    let _ = write!(series, ",{}", num(&s[k][i]));
                }
                series.push('\n');
            }
        }
    }
    let mut cost = String::from(
        "component,key,unit,amount,from_retries,usd_per_unit,usd,retry_usd,per_month_usd,status\n",
    );
    if let Some(comps) = r["cost"]["components"].as_object() {
        for (name, c) in comps {
            for l in c["lines"].as_array().into_iter().flatten() {
                let mut row = vec![
                    field(name),
                    field(l["key"].as_str().unwrap_or("")),
                    field(l["unit"].as_str().unwrap_or("")),
                ];
                for k in [
                    "amount",
                    "from_retries",
                    "usd_per_unit",
                    "usd",
                    "retry_usd",
                    "per_month_usd",
                ] {
                    row.push(num(&l[k]).to_string());
                }
                row.push(field(l["status"].as_str().unwrap_or("")));
                cost.push_str(&row.join(","));
                cost.push('\n');
            }
        }
    }
    CsvTexts {
        components: text,
        series,
        cost,
    }
}

//! Plain-text tables and CSV files from a report (a single run's or combined replications',
//! both as `spillway.report/1` JSON values).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::insight::table::{
    COMPONENT_COLUMNS, END_TO_END_COLUMNS, component_rows, end_to_end_rows, fmt, fmt_count, num,
    usd,
};
use crate::model::{printable, write_atomic};

/// A table with aligned columns; every cell made [`printable`] first, so a name from the
/// design cannot drive the terminal (or break the row with a line break).
fn render_table(rows: &[Vec<String>], right_from: usize) -> String {
    let rows: Vec<Vec<Cow<'_, str>>> = rows
        .iter()
        .map(|r| r.iter().map(|c| printable(c)).collect())
        .collect();
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (ri, r) in rows.iter().enumerate() {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c > 0 {
                line.push_str("  ");
            }
            if c >= right_from {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
        if ri == 0 {
            out.push_str(
                &widths
                    .iter()
                    .map(|w| "-".repeat(*w))
                    .collect::<Vec<_>>()
                    .join("  "),
            );
            out.push('\n');
        }
    }
    out
}

/// The human-readable report.
#[must_use]
pub fn render(r: &Value) -> String {
    let mut out = String::new();
    let reps = num(&r["replications"]) as u64;
    let _ = writeln!(
        out,
        "{}: {} s simulated (warm-up {} s), seed {}, {} replication{}, {} events{}",
        printable(r["design"].as_str().unwrap_or("design")),
        fmt(num(&r["simulated_s"])),
        fmt(num(&r["warmup_s"])),
        r["seed"],
        reps,
        if reps == 1 { "" } else { "s (mean ±95% CI)" },
        fmt_count(num(&r["events"])),
        if r["finished"].as_bool() == Some(false) {
            " — stopped early"
        } else {
            ""
        },
    );
    out.push('\n');

    let mut rows = vec![COMPONENT_COLUMNS.map(str::to_owned).to_vec()];
    rows.extend(component_rows(r));
    out.push_str(&render_table(&rows, 2));

    if r["end_to_end"].as_array().is_some_and(|a| !a.is_empty()) {
        out.push_str("\nend to end (ms)\n");
        let mut rows = vec![END_TO_END_COLUMNS.map(str::to_owned).to_vec()];
        rows.extend(end_to_end_rows(r));
        out.push_str(&render_table(&rows, 2));
    }

    if let Some(cost) = r.get("cost").filter(|c| c.is_object()) {
        render_cost(r, cost, &mut out);
    }

    out.push_str("\nconservation ledger (per producer, whole run)\n");
    const LEDGER: [(&str, &str); 10] = [
        ("produced", "produced"),
        ("copies", "copies"),
        ("delivered", "delivered"),
        ("filtered", "filtered"),
        ("rejected", "rejected"),
        ("dropped", "dropped"),
        ("expired", "expired"),
        ("failed", "failed"),
        ("dead_lettered", "dead-lettered"),
        ("in_flight", "in flight"),
    ];
    let mut header = vec!["producer".to_owned()];
    header.extend(LEDGER.iter().map(|(_, h)| (*h).to_owned()));
    header.push("balanced".to_owned());
    let mut rows = vec![header];
    if let Some(prods) = r["ledger"]["producers"].as_object() {
        for (name, l) in prods {
            let mut row = vec![name.clone()];
            for (k, _) in LEDGER {
                row.push(fmt_count(num(&l[k])));
            }
            row.push(
                if l["balanced"].as_bool() == Some(true) {
                    "yes"
                } else {
                    "NO"
                }
                .to_owned(),
            );
            rows.push(row);
        }
    }
    out.push_str(&render_table(&rows, 1));
    let _ = writeln!(
        out,
        "ledger {}",
        if r["ledger"]["balanced"].as_bool() == Some(true) {
            "balances"
        } else {
            "DOES NOT BALANCE"
        }
    );
    out
}

fn render_cost(r: &Value, cost: &Value, out: &mut String) {
    if cost["components"]
        .as_object()
        .is_none_or(serde_json::Map::is_empty)
    {
        out.push_str("\ncost: nothing priced (only generic components, which have no price)\n");
        return;
    }
    let window_h = num(&cost["window_s"]) / 3600.0;
    let _ = writeln!(
        out,
        "\ncost ({}, {} list prices, free tier {}; window {} h, month = 730 h at the same load)",
        cost["currency"].as_str().unwrap_or("USD"),
        cost["region"].as_str().unwrap_or(""),
        if cost["free_tier"].as_bool() == Some(true) {
            "included"
        } else {
            "not included"
        },
        fmt(window_h),
    );
    let mut rows = vec![
        [
            "component",
            "meter",
            "amount",
            "unit price",
            "window",
            "per month",
            "from retries",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    if let Some(comps) = cost["components"].as_object() {
        for (name, c) in comps {
            if let Some(lines) = c["lines"].as_array() {
                for l in lines {
                    let share = if num(&l["usd"]) > 0.0 {
                        format!("{:.1}%", num(&l["retry_usd"]) / num(&l["usd"]) * 100.0)
                    } else {
                        "-".to_owned()
                    };
                    rows.push(vec![
                        name.clone(),
                        l["key"].as_str().unwrap_or("").to_owned(),
                        fmt(num(&l["amount"])),
                        usd(num(&l["usd_per_unit"])),
                        usd(num(&l["usd"])),
                        usd(num(&l["per_month_usd"])),
                        share,
                    ]);
                }
            }
        }
    }
    out.push_str(&render_table(&rows, 2));
    let ci = |k: &str| -> String {
        match r.get("ci95").and_then(|c| c["cost"][k].as_f64()) {
            Some(h) => format!("{} ±{}", usd(num(&cost[k])), usd(h)),
            None => usd(num(&cost[k])),
        }
    };
    let _ = writeln!(
        out,
        "total {} in the window, {} per month, {} per million events; {:.1}% of it from retries and redeliveries",
        ci("total_usd"),
        ci("per_month_usd"),
        ci("per_million_events_usd"),
        num(&cost["retry_share"]) * 100.0,
    );
    if let Some(u) = cost["unpriced"].as_array().filter(|u| !u.is_empty()) {
        let names: Vec<Cow<'_, str>> = u.iter().filter_map(Value::as_str).map(printable).collect();
        let _ = writeln!(
            out,
            "not priced (no price in the book): {}",
            names.join(", ")
        );
    }
}

/// Write `components.csv` (one row per component), `series.csv` (one row per component
/// and bucket) and `cost.csv` (one row per priced meter) into `dir`, creating it if
/// needed.
///
/// # Errors
/// When the directory or files cannot be written.
pub fn write_csv(r: &Value, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let texts = crate::export::csv::tables(r);
    write_atomic(&dir.join("components.csv"), texts.components.as_bytes())?;
    write_atomic(&dir.join("series.csv"), texts.series.as_bytes())?;
    write_atomic(&dir.join("cost.csv"), texts.cost.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_printable_in_every_table() {
        let doc = crate::model::from_ron_str(
            r#"(name: "PLAIN0", scenario: (duration: "20s", warmup: "0s"), components: [
                (id: "p", name: "PLAIN1", kind: Producer(arrivals: Poisson(rate_per_s: 5.0))),
                (id: "q", name: "PLAIN2", kind: SqsQueue()),
                (id: "f", name: "PLAIN3", kind: Lambda()),
            ], connections: [(from: "p", to: "q"), (from: "q", to: "f")])"#,
        )
        .unwrap();
        let book = crate::cost::PriceBook::builtin().unwrap();
        let (report, _) = crate::export::simulate(&doc, &book, None).unwrap();
        let hostile = [
            "red\u{1b}[31m",
            "t\u{1b}]0;owned\u{7}",
            "abc\u{202e}fed",
            "two\nlines|\"<",
        ];
        let mut text = serde_json::to_string(&report).unwrap();
        for (i, h) in hostile.iter().enumerate() {
            let json = serde_json::to_string(h).unwrap();
            text = text.replace(&format!("PLAIN{i}"), &json[1..json.len() - 1]);
        }
        let report: Value = serde_json::from_str(&text).unwrap();
        let out = render(&report);
        assert!(
            !out.chars()
                .any(|c| crate::model::text::is_unsafe_char(c) && c != '\n'),
            "{out}"
        );
        assert!(out.contains("red\\u{1b}[31m"), "{out}");
        assert!(
            out.contains("two\\nlines|\"<"),
            "a name stays on its row: {out}"
        );
    }
}

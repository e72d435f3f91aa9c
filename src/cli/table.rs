//! Plain-text tables and CSV files from the result of a run (a single run's or combined
//! replications').

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use crate::cost::RunResult;
use crate::insight::table::{
    COMPONENT_COLUMNS, END_TO_END_COLUMNS, component_rows, end_to_end_rows,
};
use crate::model::{printable, write_atomic};
use crate::sim::{Count, Estimate, LedgerRow};
use crate::units::{count, elapsed, figure, usd};

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
pub fn render(r: &RunResult) -> String {
    let mut out = String::new();
    let m = &r.mean.report;
    let reps = r.replications;
    let _ = writeln!(
        out,
        "{}: {} simulated ({}), seed {}, {} replication{}, {} events{}",
        printable(&m.design),
        elapsed(m.simulated_s),
        if m.warmup_s > 0.0 {
            format!("warm-up {}", elapsed(m.warmup_s))
        } else {
            "no warm-up".to_owned()
        },
        m.seed,
        reps,
        if reps == 1 { "" } else { "s (mean ±95% CI)" },
        count(m.events.0),
        if m.finished { "" } else { " — stopped early" },
    );
    out.push('\n');

    let mut rows = vec![COMPONENT_COLUMNS.map(str::to_owned).to_vec()];
    rows.extend(component_rows(r));
    out.push_str(&render_table(&rows, 2));

    if !m.end_to_end.is_empty() {
        out.push_str("\nend to end (ms)\n");
        let mut rows = vec![END_TO_END_COLUMNS.map(str::to_owned).to_vec()];
        rows.extend(end_to_end_rows(r));
        out.push_str(&render_table(&rows, 2));
    }

    render_cost(r, &mut out);

    out.push_str("\nconservation ledger (per producer, whole run)\n");
    type Row = LedgerRow<Count>;
    type Column = (fn(&Row) -> Count, &'static str);
    let ledger: [Column; 10] = [
        (|l| l.produced, "produced"),
        (|l| l.copies, "copies"),
        (|l| l.delivered, "delivered"),
        (|l| l.filtered, "filtered"),
        (|l| l.rejected, "rejected"),
        (|l| l.dropped, "dropped"),
        (|l| l.expired, "expired"),
        (|l| l.failed, "failed"),
        (|l| l.dead_lettered, "dead-lettered"),
        (|l| l.in_flight, "in flight"),
    ];
    let mut header = vec!["producer".to_owned()];
    header.extend(ledger.iter().map(|(_, h)| (*h).to_owned()));
    header.push("balanced".to_owned());
    let mut rows = vec![header];
    for (name, l) in &m.ledger.producers {
        let mut row = vec![name.clone()];
        for (k, _) in ledger {
            row.push(count(k(l).0));
        }
        row.push(if l.balanced { "yes" } else { "NO" }.to_owned());
        rows.push(row);
    }
    out.push_str(&render_table(&rows, 1));
    let _ = writeln!(
        out,
        "ledger {}",
        if m.ledger.balanced {
            "balances"
        } else {
            "DOES NOT BALANCE"
        }
    );
    out
}

fn render_cost(r: &RunResult, out: &mut String) {
    let cost = &r.mean.cost;
    if cost.components.is_empty() {
        out.push_str("\ncost: nothing priced (only generic components, which have no price)\n");
        return;
    }
    let _ = writeln!(
        out,
        "\ncost ({}, {} list prices, free tier {}; window {}, month = 730 h at the same load)",
        cost.currency,
        cost.region,
        if cost.free_tier {
            "included"
        } else {
            "not included"
        },
        elapsed(cost.window_s),
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
    for (name, c) in &cost.components {
        for l in &c.lines {
            let share = if l.usd > 0.0 {
                format!("{:.1}%", l.retry_usd / l.usd * 100.0)
            } else {
                "-".to_owned()
            };
            rows.push(vec![
                name.clone(),
                l.key.clone(),
                figure(l.amount),
                usd(l.usd_per_unit),
                usd(l.usd),
                usd(l.per_month_usd),
                share,
            ]);
        }
    }
    out.push_str(&render_table(&rows, 2));
    let ci = |e: Estimate| -> String {
        match e.half_width {
            Some(h) => format!("{} ±{}", usd(e.mean), usd(h)),
            None => usd(e.mean),
        }
    };
    let c = r.cost();
    let _ = writeln!(
        out,
        "total {} in the window, {} per month, {} per million events; {:.1}% of it from retries and redeliveries",
        ci(c.get(|c| c.total_usd)),
        ci(c.get(|c| c.per_month_usd)),
        ci(c.get(|c| c.per_million_events_usd)),
        cost.retry_share * 100.0,
    );
    if !cost.unpriced.is_empty() {
        let names: Vec<Cow<'_, str>> = cost.unpriced.iter().map(|u| printable(u)).collect();
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
pub fn write_csv(r: &RunResult, dir: &Path) -> Result<()> {
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
        let hostile = [
            "red\u{1b}[31m",
            "t\u{1b}]0;owned\u{7}",
            "abc\u{202e}fed",
            "two\nlines|\"<",
        ];
        let mut report = crate::export::simulate(&doc, &book, None).unwrap();
        report.rename(&|s| {
            let mut s = s.to_owned();
            for (i, h) in hostile.iter().enumerate() {
                s = s.replace(&format!("PLAIN{i}"), h);
            }
            s
        });
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

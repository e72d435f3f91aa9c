//! The results of a run: the component table of `spillway run` (sortable, copyable as
//! CSV, with 95% confidence half-widths over replications), the insight (headline,
//! bottleneck in words, queueing theory beside the measured values) and the comparison
//! with the baseline run.

use std::sync::Arc;

use egui::{RichText, Ui};

use super::commands::Selection;
use super::run::{Phase, Run, Runner, Snapshot};
use crate::insight::delta::{self, DeltaRow};
use crate::insight::table::{self, COMPONENT_COLUMNS, END_TO_END_COLUMNS};
use crate::units::{clock, counted, figure, usd};

/// Rows for a run that has no final results (stopped, or still going): the snapshot's
/// report through the same formatting.
struct Partial {
    of: Arc<Snapshot>,
    rows: Vec<Vec<String>>,
    e2e: Vec<Vec<String>>,
}

/// Component rows, end-to-end rows, and whether they are final.
pub type Rows<'a> = (&'a [Vec<String>], &'a [Vec<String>], bool);

/// State of the results views.
#[derive(Default)]
pub struct ResultsPanel {
    /// Sort column and direction (true = descending).
    pub sort: Option<(usize, bool)>,
    partial: Option<Partial>,
    /// The delta table, cached by the two runs' results.
    delta: Option<(usize, usize, Vec<DeltaRow>)>,
}

/// A number for sorting: the leading number of a cell (`12.3 ±0.4` -> 12.3); text
/// sorts after numbers.
fn sort_key(cell: &str) -> Option<f64> {
    cell.split_whitespace().next()?.parse::<f64>().ok()
}

fn grid_ui(
    ui: &mut Ui,
    id: &str,
    header: &[&str],
    rows: &[Vec<String>],
    sort: &mut Option<(usize, bool)>,
) {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    if let Some((col, desc)) = *sort {
        order.sort_by(|&a, &b| {
            let (x, y) = (rows[a].get(col), rows[b].get(col));
            let kx = x.and_then(|s| sort_key(s));
            let ky = y.and_then(|s| sort_key(s));
            let o = match (kx, ky) {
                (Some(p), Some(q)) => p.total_cmp(&q),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => x.cmp(&y),
            };
            if desc { o.reverse() } else { o }
        });
    }
    egui::Grid::new(id)
        .striped(true)
        .min_col_width(36.0)
        .show(ui, |ui| {
            for (c, h) in header.iter().enumerate() {
                let arrow = match *sort {
                    Some((sc, true)) if sc == c => " ⏷",
                    Some((sc, false)) if sc == c => " ⏶",
                    _ => "",
                };
                if ui
                    .add(
                        egui::Button::new(RichText::new(format!("{h}{arrow}")).strong())
                            .frame(false),
                    )
                    .on_hover_text("Sort by this column")
                    .clicked()
                {
                    *sort = match *sort {
                        Some((sc, desc)) if sc == c => Some((c, !desc)),
                        _ => Some((c, c > 1)),
                    };
                }
            }
            ui.end_row();
            for &r in &order {
                for (c, cell) in rows[r].iter().enumerate() {
                    if c >= 2 {
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            ui.monospace(cell);
                        });
                    } else {
                        ui.label(cell);
                    }
                }
                ui.end_row();
            }
        });
}

/// What a run's side of the comparison is worked out from: its final results, else its
/// latest snapshot (`None` before its first figures).
fn side_key(run: &Run) -> Option<usize> {
    match (&run.results, &run.snapshot) {
        (Some(r), _) => Some(Arc::as_ptr(r) as usize),
        (None, Some(s)) => Some(Arc::as_ptr(s) as usize),
        (None, None) => None,
    }
}

/// A run's result for the comparison: the final one, else its figures so far.
fn side_result(run: &Run, book: &crate::cost::PriceBook) -> Option<crate::cost::RunResult> {
    if let Some(r) = &run.results {
        return Some(r.result.clone());
    }
    let snap = run.snapshot.as_ref()?;
    let cost = crate::cost::estimate(&snap.report, &run.doc.cost, book);
    Some(crate::cost::RunResult::single(&snap.report, &cost))
}

/// A run's line above the comparison: its headline, or how far its figures go.
fn side_line(run: &Run) -> String {
    match (&run.results, &run.snapshot) {
        (Some(r), _) => r.headline.clone(),
        (None, Some(s)) if s.done && s.now_s >= s.end_s => format!(
            "the first replication has finished ({}); the others are running",
            clock(s.end_s)
        ),
        (None, Some(s)) if s.done => format!(
            "stopped at {} of {}: its figures up to then (one replication)",
            clock(s.now_s),
            clock(s.end_s)
        ),
        (None, Some(s)) => format!(
            "running, at {} of {}: figures so far, final when the run ends",
            clock(s.now_s),
            clock(s.end_s)
        ),
        (None, None) => "no figures yet".to_owned(),
    }
}

impl ResultsPanel {
    /// A new panel.
    #[must_use]
    pub fn new() -> Self {
        ResultsPanel::default()
    }

    /// The component rows shown now: the final results, else the live snapshot's.
    pub fn rows<'a>(&'a mut self, run: &'a Run, book: &crate::cost::PriceBook) -> Option<Rows<'a>> {
        if let Some(r) = &run.results {
            return Some((&r.rows, &r.e2e_rows, true));
        }
        let snap = run.snapshot.as_ref()?;
        if !self
            .partial
            .as_ref()
            .is_some_and(|p| Arc::ptr_eq(&p.of, snap))
        {
            let cost = crate::cost::estimate(&snap.report, &run.doc.cost, book);
            let result = crate::cost::RunResult::single(&snap.report, &cost);
            self.partial = Some(Partial {
                of: snap.clone(),
                rows: table::component_rows(&result),
                e2e: table::end_to_end_rows(&result),
            });
        }
        let p = self.partial.as_ref()?;
        Some((&p.rows, &p.e2e, false))
    }

    /// The results table. Returns a line for the status bar when something was done
    /// (the table copied as CSV).
    pub fn table_ui(&mut self, ui: &mut Ui, runner: &Runner) -> Option<String> {
        let Some(run) = &runner.current else {
            ui.label(RichText::new("No run yet: press Run in the run bar.").weak());
            return None;
        };
        let reps = run.results.as_ref().map_or(1, |r| r.replications);
        let headline = run.results.as_ref().map(|r| r.headline.clone());
        let cost_line = run.results.as_ref().map(|r| {
            let c = &r.result.mean.cost;
            format!(
                "cost: {} in the window, {} a month at this load, {} per million events; {:.1}% from retries",
                usd(c.total_usd),
                usd(c.per_month_usd),
                usd(c.per_million_events_usd),
                c.retry_share * 100.0
            )
        });
        let mut sort = self.sort;
        let book = runner.book()?;
        let Some((rows, e2e, fin)) = self.rows(run, book) else {
            ui.label(RichText::new("Waiting for the first figures…").weak());
            return None;
        };
        let mut said = None;
        let rows = rows.to_vec();
        let e2e = e2e.to_vec();
        ui.horizontal_wrapped(|ui| {
            if let Some(h) = &headline {
                ui.label(RichText::new(h).strong());
                ui.separator();
            }
            ui.label(if fin {
                if reps > 1 {
                    format!(
                        "mean ±95% CI over {reps} replications; the same figures as `spillway run`"
                    )
                } else {
                    "the same figures as `spillway run` with this seed".to_owned()
                }
            } else {
                match runner.phase {
                    Phase::Stopped => "partial: the figures up to the stop".to_owned(),
                    _ => "partial: figures so far (the run has not finished)".to_owned(),
                }
            });
            if ui
                .button("Copy as CSV")
                .on_hover_text("The component table, for a spreadsheet")
                .clicked()
            {
                ui.ctx().copy_text(table::to_csv(&COMPONENT_COLUMNS, &rows));
                said = Some(format!(
                    "Copied {} as CSV (the component table, with its header)",
                    counted(rows.len() as u64, "row", "rows")
                ));
            }
        });
        if let Some(c) = cost_line {
            ui.label(c);
        }
        egui::ScrollArea::both()
            .id_salt("results-scroll")
            .show(ui, |ui| {
                grid_ui(ui, "results-grid", &COMPONENT_COLUMNS, &rows, &mut sort);
                if !e2e.is_empty() {
                    ui.add_space(6.0);
                    ui.label(RichText::new("End to end (ms)").strong());
                    let mut none = None;
                    grid_ui(ui, "e2e-grid", &END_TO_END_COLUMNS, &e2e, &mut none);
                }
            });
        self.sort = sort;
        said
    }

    /// The insight: headline, findings, queueing theory.
    pub fn insight_ui(ui: &mut Ui, runner: &Runner, selection: &mut Selection) {
        let Some(run) = &runner.current else {
            ui.label(RichText::new("No run yet.").weak());
            return;
        };
        let Some(res) = &run.results else {
            ui.label(RichText::new("The explanation appears when the run has finished.").weak());
            return;
        };
        egui::ScrollArea::both().id_salt("insight-scroll").show(ui, |ui| {
            ui.label(RichText::new(&res.headline).strong().size(15.0));
            ui.add_space(4.0);
            for f in &res.findings {
                ui.horizontal_wrapped(|ui| {
                    ui.label("•");
                    if let Some(at) = f.at_s {
                        ui.monospace(clock(at));
                    }
                    let r = ui.add(egui::Label::new(&f.text).sense(egui::Sense::click()));
                    if let Some(name) = &f.component
                        && let Some(c) = run.doc.components.iter().find(|c| c.display_name() == name)
                        && r.on_hover_text("Click to select it on the canvas").clicked()
                    {
                        selection.components = std::iter::once(c.id.clone()).collect();
                        selection.connections.clear();
                    }
                });
            }
            if res.replications > 1 {
                ui.label(RichText::new("Explained from the first replication.").weak());
            }
            ui.add_space(8.0);
            ui.label(RichText::new("Queueing theory beside the simulation (pools)").strong());
            egui::Grid::new("pools").striped(true).show(ui, |ui| {
                for h in [
                    "component",
                    "capacity",
                    "attempts/s",
                    "service ms",
                    "offered load",
                    "offered util",
                    "measured util",
                    "Erlang C wait ms",
                    "measured wait ms",
                    "Erlang C sojourn ms",
                    "measured sojourn ms",
                    "L (measured)",
                    "λW",
                ] {
                    ui.label(RichText::new(h).strong());
                }
                ui.end_row();
                for p in &res.pools {
                    ui.label(&p.name);
                    ui.monospace(p.capacity.to_string());
                    ui.monospace(figure(p.attempts_per_s));
                    ui.monospace(figure(p.service_ms));
                    ui.monospace(figure(p.offered_load));
                    let over = p.offered_utilisation >= 1.0;
                    ui.label(
                        RichText::new(format!("{:.1}%", p.offered_utilisation * 100.0))
                            .monospace()
                            .color(if over { ui.visuals().error_fg_color } else { ui.visuals().text_color() }),
                    );
                    ui.monospace(format!("{:.1}%", p.utilisation * 100.0));
                    let m = p.mmc.as_ref();
                    ui.monospace(m.map_or("-".to_owned(), |m| figure(m.wait_ms)));
                    ui.monospace(p.wait_ms.map_or("-".to_owned(), figure));
                    ui.monospace(m.map_or("-".to_owned(), |m| figure(m.sojourn_ms)));
                    ui.monospace(p.sojourn_ms.map_or("-".to_owned(), figure));
                    ui.monospace(figure(p.little_l));
                    let off = p.little_error().abs() > 0.05;
                    ui.label(
                        RichText::new(format!("{} ({:+.1}%)", figure(p.little_lambda_w), p.little_error() * 100.0))
                            .monospace()
                            .color(if off { ui.visuals().warn_fg_color } else { ui.visuals().text_color() }),
                    )
                    .on_hover_text(
                        "Little's law L = λW with λ the attempts per second and W the mean sojourn per attempt. \
                         It holds for any queue in steady state; a gap means the component is not in steady \
                         state over the window (a growing backlog, autoscaling), or holds events outside its \
                         wait + service (batching, visibility timeouts).",
                    );
                    ui.end_row();
                }
            });
            ui.label(
                RichText::new(
                    "Erlang C is shown for stations with exponential service and no throttle, buffer limit, expiry or timeout (M/M/c).",
                )
                .weak(),
            );
        });
    }

    /// The comparison with the baseline: this run's final results, or its figures so
    /// far while it goes (or after a stop), beside the baseline's.
    pub fn compare_ui(&mut self, ui: &mut Ui, runner: &mut Runner) {
        let Some(cur) = &runner.current else {
            ui.label(RichText::new("No run yet: run the design, change it, and run it again; the first run is kept as the baseline and compared here.").weak());
            return;
        };
        let Some(base) = &runner.baseline else {
            ui.label(
                RichText::new(
                    "This run is the first: change the design and run it again, and this run becomes the baseline, drawn faded on the charts and compared here.",
                )
                .weak(),
            );
            return;
        };
        let (Some(cur_key), Some(base_key)) = (side_key(cur), side_key(base)) else {
            ui.label(RichText::new("Waiting for the first figures of this run…").weak());
            return;
        };
        let key = (cur_key, base_key);
        if self.delta.as_ref().is_none_or(|(a, b, _)| (*a, *b) != key)
            && let Some(book) = runner.book()
            && let (Some(c), Some(b)) = (side_result(cur, book), side_result(base, book))
        {
            self.delta = Some((key.0, key.1, delta::compare(&b, &c)));
        }
        let (base_line, cur_line) = (side_line(base), side_line(cur));
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("baseline: {base_line}"));
            if ui.button("Forget the baseline").clicked() {
                runner.clear_baseline();
            }
        });
        ui.label(format!("this run: {cur_line}"));
        let Some((_, _, rows)) = &self.delta else {
            return;
        };
        egui::ScrollArea::both()
            .id_salt("delta-scroll")
            .show(ui, |ui| {
                egui::Grid::new("delta").striped(true).show(ui, |ui| {
                    for h in ["subject", "quantity", "baseline", "this run", "change"] {
                        ui.label(RichText::new(h).strong());
                    }
                    ui.end_row();
                    for r in rows {
                        let v = |x: Option<f64>| {
                            x.map_or("-".to_owned(), |x| {
                                if r.quantity == "$/month" {
                                    usd(x)
                                } else if r.quantity == "util" {
                                    format!("{:.1}%", x * 100.0)
                                } else {
                                    figure(x)
                                }
                            })
                        };
                        ui.label(&r.subject);
                        ui.label(r.quantity);
                        ui.monospace(v(r.baseline));
                        ui.monospace(v(r.current));
                        match r.change() {
                            Some(c) if c.abs() >= 0.005 => {
                                // lower is better for latency and cost, higher for throughput
                                let better = if r.quantity == "done/s" {
                                    c > 0.0
                                } else {
                                    c < 0.0
                                };
                                let col = if r.quantity == "util" {
                                    ui.visuals().text_color()
                                } else if better {
                                    crate::gui::look::Ink::of(ui.visuals().dark_mode).good
                                } else {
                                    ui.visuals().error_fg_color
                                };
                                ui.label(
                                    RichText::new(format!("{:+.1}%", c * 100.0))
                                        .monospace()
                                        .color(col),
                                );
                            }
                            Some(_) => {
                                ui.monospace("=");
                            }
                            None => {
                                ui.monospace("-");
                            }
                        }
                        ui.end_row();
                    }
                });
            });
    }
}

//! Charts of a run (egui_plot), drawn from the run's [`ChartStore`] without copying it:
//! every line borrows its points in place for the frame.
//!
//! The charts panel shows throughput, backlog, oldest-message age, latency percentiles,
//! errors / retries / refusals / dead letters, cost (stacked by component, with the
//! cumulative cost and the monthly projection) and latency CDFs, for the components
//! picked in its list (or selected on the canvas). The previous run, if kept as the
//! baseline, is drawn thin and faded behind the current one (never dashed: dashes and
//! dots are p95 and p50, retries and refusals); a key above the charts shows each
//! style. Charts follow the run; drag to pan,
//! scroll to zoom, double-click to follow again. Legends toggle their series.

use std::collections::BTreeSet;

use egui::{Color32, RichText, Ui};
use egui_plot::{
    Corner, GridInput, HoverPosition, Legend, Line, LineStyle, Plot, PlotPoint, PlotUi,
    uniform_grid_spacer,
};

use super::commands::Selection;
use super::look::utilisation_color;
use super::run::{ChartStore, ComponentSeries, Run, Runner};
use crate::model::{Cap, Kind};
use crate::units::{clock, count, figure, usd};

/// Series colours, by component index.
const PALETTE: [Color32; 10] = [
    Color32::from_rgb(31, 119, 180),
    Color32::from_rgb(255, 127, 14),
    Color32::from_rgb(44, 160, 44),
    Color32::from_rgb(214, 39, 40),
    Color32::from_rgb(148, 103, 189),
    Color32::from_rgb(140, 86, 75),
    Color32::from_rgb(227, 119, 194),
    Color32::from_rgb(127, 127, 127),
    Color32::from_rgb(188, 189, 34),
    Color32::from_rgb(23, 190, 207),
];

/// The colour of component number `i` in every chart.
#[must_use]
pub fn color(i: usize) -> Color32 {
    PALETTE[i % PALETTE.len()]
}

/// Height of one chart in the panel, points.
const CHART_H: f32 = 125.0;

/// The charts panel's own state: which components are picked.
#[derive(Default)]
pub struct ChartsPanel {
    /// Show legends in the charts (click an entry to hide its series).
    pub legends: bool,
    /// Components (display names) whose series are drawn.
    pub picked: BTreeSet<String>,
    /// The run the default pick was made for (its document name and size).
    picked_for: Option<(String, usize)>,
}

/// Steps of a time axis, seconds: what a clock's ticks fall on.
const TIME_STEPS: [f64; 17] = [
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
    10800.0, 21600.0, 43200.0,
];

/// The smallest step of `TIME_STEPS` (then whole days) at least `min` and a multiple of
/// `of`.
fn time_step(min: f64, of: f64) -> f64 {
    TIME_STEPS
        .iter()
        .copied()
        .find(|&s| s >= min && (s / of - (s / of).round()).abs() < 1e-9)
        .unwrap_or_else(|| (min / 86400.0).ceil().max(1.0) * 86400.0)
}

/// Grid steps of a time axis (fine, medium, coarse) on round clock values (10 s, 1 min,
/// 5 min, 30 min, 1 h, ...) rather than powers of ten of seconds.
#[must_use]
pub fn time_grid_steps(input: &GridInput) -> [f64; 3] {
    let fine = time_step(input.base_step_size.max(1e-3), 1.0);
    let medium = time_step(fine * 4.0, fine);
    let coarse = time_step(medium * 4.0, medium);
    [fine, medium, coarse]
}

/// Grid steps of a value axis (fine, medium, coarse) on 1, 2 and 5 times a power of
/// ten, so a short chart still gets a few labelled lines (egui_plot's default steps
/// by powers of ten only, which can leave a 100-point-high chart with just its 0).
#[must_use]
pub fn value_grid_steps(input: &GridInput) -> [f64; 3] {
    // the smallest 1, 2 or 5 times a power of ten at least `min` (and a multiple of `of`)
    let nice = |min: f64, of: Option<f64>| {
        let min = min.max(1e-12);
        let mut e = min.log10().floor() as i32 - 1;
        loop {
            for m in [1.0, 2.0, 5.0] {
                let s = m * 10f64.powi(e);
                let multiple = of.is_none_or(|of| ((s / of).round() - s / of).abs() < 1e-6);
                if s >= min * (1.0 - 1e-9) && multiple {
                    return s;
                }
            }
            e += 1;
        }
    };
    let fine = nice(input.base_step_size, None);
    let medium = nice(fine * 2.0, Some(fine));
    let coarse = nice(medium * 2.0, Some(medium));
    [fine, medium, coarse]
}

/// A plot over simulated time, x axis as a clock, linked with the other time plots.
fn time_plot<'a>(id: &str, y_unit: &'a str, width: f32, legend: bool) -> Plot<'a> {
    let p = Plot::new(id);
    let p = if legend {
        p.legend(
            Legend::default()
                .position(Corner::LeftTop)
                .text_style(egui::TextStyle::Small)
                .background_alpha(0.6),
        )
    } else {
        p
    };
    p.width(width)
        .height(CHART_H)
        .link_axis("live-time", [true, false])
        .link_cursor("live-time", [true, false])
        .x_grid_spacer(uniform_grid_spacer(|i| time_grid_steps(&i)))
        .y_grid_spacer(uniform_grid_spacer(|i| value_grid_steps(&i)))
        .x_axis_formatter(|m, _| clock(m.value))
        .y_axis_label(y_unit)
        .include_y(0.0)
        .label_formatter(move |h| {
            Some(match h {
                HoverPosition::NearDataPoint {
                    plot_name,
                    position: p,
                    ..
                } => format!("{plot_name}\n{}  {} {y_unit}", clock(p.x), figure(p.y)),
                HoverPosition::Elsewhere { position: p } => {
                    format!("{}  {} {y_unit}", clock(p.x), figure(p.y))
                }
            })
        })
}

fn line<'a>(name: String, pts: &'a [PlotPoint], c: Color32, baseline: bool) -> Line<'a> {
    Series {
        name,
        pts,
        color: c,
        stroke: if baseline {
            Stroke::Baseline
        } else {
            Stroke::Solid
        },
    }
    .line()
}

fn any_nonzero(pts: &[PlotPoint]) -> bool {
    pts.iter().any(|p| p.y != 0.0)
}

/// Draw one series family for the picked components of the current run and the
/// baseline.
fn lines<'a>(
    p: &mut PlotUi<'a>,
    store: &'a ChartStore,
    base: Option<&'a ChartStore>,
    picked: &[(usize, &'a str)],
    pick: impl Fn(&'a ComponentSeries) -> &'a [PlotPoint],
    only_nonzero: bool,
) {
    for &(i, name) in picked {
        if let Some(b) = base.and_then(|b| b.component(name)) {
            let pts = pick(b);
            if !only_nonzero || any_nonzero(pts) {
                p.line(line(format!("{name} (baseline)"), pts, color(i), true));
            }
        }
        if let Some(cs) = store.components.get(i) {
            let pts = pick(cs);
            if !only_nonzero || any_nonzero(pts) {
                p.line(line(name.to_owned(), pts, color(i), false));
            }
        }
    }
}

impl ChartsPanel {
    /// A new panel.
    #[must_use]
    pub fn new() -> Self {
        ChartsPanel::default()
    }

    /// The components drawn: the canvas selection when it has components, else the
    /// picked ones.
    fn shown<'a>(
        &self,
        store: &'a ChartStore,
        selection: &Selection,
        ids: &[String],
    ) -> Vec<(usize, &'a str)> {
        let selected: Vec<(usize, &str)> = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| selection.components.contains(*id))
            .filter_map(|(i, _)| store.names.get(i).map(|n| (i, n.as_str())))
            .collect();
        if !selected.is_empty() {
            return selected;
        }
        store
            .names
            .iter()
            .enumerate()
            .filter(|(_, n)| self.picked.contains(*n))
            .map(|(i, n)| (i, n.as_str()))
            .collect()
    }

    /// Pick the busiest few components when a new design is run.
    fn default_pick(&mut self, run: &Run) {
        let key = (run.doc.name.clone(), run.doc.components.len());
        if self.picked_for.as_ref() == Some(&key) {
            return;
        }
        let Some(snap) = &run.snapshot else {
            return;
        };
        if snap
            .report
            .components
            .values()
            .all(|c| c.counters.arrivals == 0)
        {
            return;
        }
        self.picked_for = Some(key);
        // dead-letter queues come last: nobody reads them, so their backlog grows, but
        // the load is elsewhere
        let dead_ends: BTreeSet<&str> = run
            .doc
            .components
            .iter()
            .filter(|c| {
                run.doc
                    .connections
                    .iter()
                    .any(|k| k.to == c.id && k.kind != crate::model::LinkKind::Delivery)
            })
            .map(|c| c.display_name())
            .collect();
        let mut by_load: Vec<(&String, bool, f64)> = snap
            .report
            .components
            .iter()
            .filter(|(_, c)| !c.kind.can(Cap::Source))
            .map(|(n, c)| {
                let depth = c.queue_depth.mean;
                (
                    n,
                    c.kind != Kind::DeadLetterQueue && !dead_ends.contains(n.as_str()),
                    c.utilisation.unwrap_or(0.0) * 100.0 + depth + c.throughput_per_s.min(1.0),
                )
            })
            .collect();
        by_load.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.total_cmp(&a.2)));
        self.picked = by_load.iter().take(5).map(|(n, ..)| (*n).clone()).collect();
    }

    /// The panel: component list on the left, charts on the right.
    pub fn ui(&mut self, ui: &mut Ui, runner: &Runner, selection: &Selection) {
        let Some(run) = &runner.current else {
            ui.label(RichText::new("No run yet: press Run in the run bar.").weak());
            return;
        };
        self.default_pick(run);
        let ids: Vec<String> = run.doc.components.iter().map(|c| c.id.clone()).collect();
        let store = run.charts();
        let base_guard = runner.baseline.as_ref().map(Run::charts);
        let base = base_guard.as_deref();
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(170.0);
                ui.horizontal(|ui| {
                    ui.label(RichText::new("Components").strong());
                    ui.checkbox(&mut self.legends, "legends")
                        .on_hover_text("Legends in the charts; click an entry to hide its series");
                });
                ui.label(
                    RichText::new("Selecting on the canvas overrides this list")
                        .weak()
                        .small(),
                );
                egui::ScrollArea::vertical()
                    .id_salt("chart-picks")
                    .max_height(ui.available_height())
                    .show(ui, |ui| {
                        for (i, name) in store.names.iter().enumerate() {
                            let mut on = self.picked.contains(name);
                            let text = RichText::new(name).color(crate::gui::look::legible(
                                color(i),
                                ui.visuals().panel_fill,
                            ));
                            if ui.checkbox(&mut on, text).changed() {
                                if on {
                                    self.picked.insert(name.clone());
                                } else {
                                    self.picked.remove(name);
                                }
                            }
                        }
                    });
            });
            ui.separator();
            let shown = self.shown(&store, selection, &ids);
            egui::ScrollArea::vertical()
                .id_salt("charts")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    ui.vertical(|ui| self.charts_ui(ui, run, &store, base, &shown));
                });
        });
    }

    /// The key of the line styles, then the charts, in as many columns as fit.
    fn charts_ui(
        &self,
        ui: &mut Ui,
        run: &Run,
        store: &ChartStore,
        base: Option<&ChartStore>,
        shown: &[(usize, &str)],
    ) {
        if shown.is_empty() {
            ui.label(
                RichText::new("Pick components on the left (or select them on the canvas).").weak(),
            );
            return;
        }
        if store.buckets == 0 {
            ui.label(RichText::new("Waiting for the first time bucket of the run…").weak());
            return;
        }
        key_ui(ui, base.is_some());
        let spacing = ui.spacing().item_spacing.x;
        // leave room for the vertical scroll bar; charts at least MIN_CHART_W wide
        let room = ui.available_width() - 16.0;
        let columns = (1..=3)
            .rev()
            .find(|&n| room >= n as f32 * MIN_CHART_W + (n - 1) as f32 * spacing)
            .unwrap_or(1);
        let w = ((room - (columns - 1) as f32 * spacing) / columns as f32).max(MIN_CHART_W);
        let at = ChartAt {
            run,
            store,
            base,
            shown,
            w,
            legends: self.legends,
        };
        egui::Grid::new("chart-grid")
            .num_columns(columns)
            .spacing([spacing, 6.0])
            .show(ui, |ui| {
                for (k, chart) in CHARTS.iter().enumerate() {
                    ui.vertical(|ui| at.chart_ui(ui, *chart));
                    if (k + 1) % columns == 0 {
                        ui.end_row();
                    }
                }
            });
    }
}

/// The narrowest a chart of the panel gets, points.
const MIN_CHART_W: f32 = 240.0;

/// The charts of the panel, in the order they appear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chart {
    Throughput,
    Backlog,
    Age,
    Latency,
    Errors,
    CostRate,
    Cumulative,
    Cdf,
    Busy,
}

const CHARTS: [Chart; 9] = [
    Chart::Throughput,
    Chart::Backlog,
    Chart::Age,
    Chart::Latency,
    Chart::Errors,
    Chart::CostRate,
    Chart::Cumulative,
    Chart::Cdf,
    Chart::Busy,
];

/// How a line is drawn; the key above the charts shows each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stroke {
    /// This run's main figure (p99, errors, a component's series).
    Solid,
    /// p95; retries.
    Dashed,
    /// p50; refusals.
    Dotted,
    /// Dead letters.
    LooseDashed,
    /// The baseline (previous) run: thin and faded, never dashed, so it is not read as
    /// one of this run's dashed series.
    Baseline,
}

impl Stroke {
    fn style(self) -> LineStyle {
        match self {
            Stroke::Solid | Stroke::Baseline => LineStyle::Solid,
            Stroke::Dashed => LineStyle::dashed_dense(),
            Stroke::Dotted => LineStyle::dotted_dense(),
            Stroke::LooseDashed => LineStyle::dashed_loose(),
        }
    }

    fn width(self) -> f32 {
        match self {
            Stroke::Solid => 1.8,
            Stroke::Dashed | Stroke::Dotted | Stroke::LooseDashed => 1.3,
            Stroke::Baseline => 1.0,
        }
    }

    fn color(self, c: Color32) -> Color32 {
        if self == Stroke::Baseline {
            c.gamma_multiply(0.45)
        } else {
            c
        }
    }
}

/// One line of a chart.
struct Series<'a> {
    name: String,
    pts: &'a [PlotPoint],
    color: Color32,
    stroke: Stroke,
}

impl<'a> Series<'a> {
    fn line(&self) -> Line<'a> {
        Line::new(self.name.clone(), self.pts)
            .color(self.stroke.color(self.color))
            .style(self.stroke.style())
            .width(self.stroke.width())
    }
}

/// The latency chart's lines: per shown component its p99 (solid), and with at most
/// two components shown its p95 (dashed) and p50 (dotted); the baseline's p99 in the
/// baseline's own style, named "(baseline)" in the legend.
fn latency_series<'a>(
    store: &'a ChartStore,
    base: Option<&'a ChartStore>,
    shown: &[(usize, &str)],
) -> Vec<Series<'a>> {
    let mut out = Vec::new();
    for &(i, name) in shown {
        let color = color(i);
        if let Some(b) = base.and_then(|b| b.component(name)) {
            out.push(Series {
                name: format!("{name} p99 (baseline)"),
                pts: &b.p99,
                color,
                stroke: Stroke::Baseline,
            });
        }
        let Some(cs) = store.components.get(i) else {
            continue;
        };
        out.push(Series {
            name: format!("{name} p99"),
            pts: &cs.p99,
            color,
            stroke: Stroke::Solid,
        });
        if shown.len() <= 2 {
            out.push(Series {
                name: format!("{name} p95"),
                pts: &cs.p95,
                color,
                stroke: Stroke::Dashed,
            });
            out.push(Series {
                name: format!("{name} p50"),
                pts: &cs.p50,
                color,
                stroke: Stroke::Dotted,
            });
        }
    }
    out
}

/// The key of the line styles, one row above the charts.
fn key_ui(ui: &mut Ui, baseline: bool) {
    let sample = |ui: &mut Ui, stroke: Stroke, label: &str| {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(22.0, 10.0), egui::Sense::hover());
        let c = stroke.color(ui.visuals().text_color());
        let y = rect.center().y;
        let pts = [egui::pos2(rect.left(), y), egui::pos2(rect.right(), y)];
        let s = egui::Stroke::new(stroke.width(), c);
        match stroke {
            Stroke::Solid | Stroke::Baseline => {
                ui.painter().line_segment(pts, s);
            }
            Stroke::Dashed => {
                ui.painter()
                    .extend(egui::Shape::dashed_line(&pts, s, 4.0, 2.0));
            }
            Stroke::Dotted => {
                ui.painter()
                    .extend(egui::Shape::dotted_line(&pts, c, 3.0, 0.8));
            }
            Stroke::LooseDashed => {
                ui.painter()
                    .extend(egui::Shape::dashed_line(&pts, s, 6.0, 5.0));
            }
        }
        ui.label(RichText::new(label).small());
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Latency:").small().strong());
        sample(ui, Stroke::Solid, "p99");
        sample(ui, Stroke::Dashed, "p95");
        sample(ui, Stroke::Dotted, "p50");
        ui.separator();
        ui.label(RichText::new("Errors:").small().strong());
        sample(ui, Stroke::Solid, "errors");
        sample(ui, Stroke::Dashed, "retries");
        sample(ui, Stroke::Dotted, "refused");
        sample(ui, Stroke::LooseDashed, "dead letters");
        if baseline {
            ui.separator();
            sample(ui, Stroke::Baseline, "baseline (previous run), faded");
        }
    });
}

/// What every chart of the panel is drawn from.
struct ChartAt<'a> {
    run: &'a Run,
    store: &'a ChartStore,
    base: Option<&'a ChartStore>,
    shown: &'a [(usize, &'a str)],
    w: f32,
    legends: bool,
}

impl<'a> ChartAt<'a> {
    /// Whether any shown component has a point off zero in this series.
    fn any<'p>(&'p self, pick: impl Fn(&'p ComponentSeries) -> &'p [PlotPoint]) -> bool {
        self.shown.iter().any(|&(i, _)| {
            self.store
                .components
                .get(i)
                .is_some_and(|cs| any_nonzero(pick(cs)))
        })
    }

    /// A time plot of this panel; one with nothing to draw gets a 0..1 axis and says so.
    fn plot<'p>(&self, id: &'p str, unit: &'p str, empty: bool) -> Plot<'p> {
        let p = time_plot(id, unit, self.w, self.legends);
        if empty { p.include_y(1.0) } else { p }
    }

    /// "none so far" in the middle of an empty plot.
    fn none_so_far(&self, p: &mut PlotUi<'_>, what: &str) {
        let x = self.store.buckets as f64 * self.store.bucket_s / 2.0;
        p.text(egui_plot::Text::new(
            "none",
            PlotPoint::new(x, 0.5),
            RichText::new(what).weak(),
        ));
    }

    fn chart_ui(&self, ui: &mut Ui, chart: Chart) {
        let (store, base, shown) = (self.store, self.base, self.shown);
        let (t, hover) = self.title(chart);
        ui.scope(|ui| {
            ui.set_max_width(self.w);
            ui.add(egui::Label::new(RichText::new(&t).strong()).truncate())
                .on_hover_text(hover);
        });
        match chart {
            Chart::Throughput => self.family(ui, "thr", "events/s", |c| &c.throughput, false),
            Chart::Backlog => self.family(ui, "depth", "events", |c| &c.depth, false),
            Chart::Age => self.family(ui, "age", "s", |c| &c.oldest_age, false),
            Chart::Busy => self.family(ui, "busy", "in service", |c| &c.in_flight, true),
            Chart::Latency => {
                let series = latency_series(store, base, shown);
                let empty = !series.iter().any(|s| any_nonzero(s.pts));
                self.plot("lat", "ms", empty).show(ui, move |p| {
                    for s in &series {
                        p.line(s.line());
                    }
                    if empty {
                        self.none_so_far(p, "no completions yet");
                    }
                });
            }
            Chart::Errors => {
                let empty = !self.any(|c| &c.errors)
                    && !self.any(|c| &c.retries)
                    && !self.any(|c| &c.refused)
                    && !self.any(|c| &c.dead_letters);
                self.plot("err", "per s", empty).show(ui, move |p| {
                    for &(i, name) in shown {
                        let Some(cs) = store.components.get(i) else {
                            continue;
                        };
                        for (what, pts, stroke) in [
                            ("errors", &cs.errors, Stroke::Solid),
                            ("retries", &cs.retries, Stroke::Dashed),
                            ("refused", &cs.refused, Stroke::Dotted),
                            ("dead letters", &cs.dead_letters, Stroke::LooseDashed),
                        ] {
                            if any_nonzero(pts) {
                                let s = Series {
                                    name: format!("{name} {what}"),
                                    pts,
                                    color: color(i),
                                    stroke,
                                };
                                p.line(s.line());
                            }
                        }
                    }
                    if empty {
                        self.none_so_far(p, "none so far");
                    }
                });
            }
            Chart::CostRate => {
                let empty = store.components.iter().all(|c| !any_nonzero(&c.cost_rate));
                self.plot("cost", "USD/h", empty).show(ui, move |p| {
                    // draw the top band first so lower bands paint over it
                    for (i, cs) in store.components.iter().enumerate().rev() {
                        if any_nonzero(&cs.cost_rate) {
                            p.line(
                                Line::new(store.names[i].clone(), &cs.cost_stack[..])
                                    .color(color(i))
                                    .fill(0.0)
                                    .width(1.0),
                            );
                        }
                    }
                    if let Some(b) = base {
                        p.line(line(
                            "total (baseline)".to_owned(),
                            &b.cost_rate,
                            Color32::GRAY,
                            true,
                        ));
                    }
                    if empty {
                        self.none_so_far(p, "nothing priced so far");
                    }
                });
            }
            Chart::Cumulative => {
                let empty = !any_nonzero(&store.cost_cumulative);
                self.plot("cum", "USD", empty).show(ui, move |p| {
                    if let Some(b) = base {
                        p.line(line(
                            "baseline".to_owned(),
                            &b.cost_cumulative,
                            Color32::GRAY,
                            true,
                        ));
                    }
                    p.line(line(
                        "this run".to_owned(),
                        &store.cost_cumulative,
                        Color32::from_rgb(31, 119, 180),
                        false,
                    ));
                    if empty {
                        self.none_so_far(p, "nothing priced so far");
                    }
                });
            }
            Chart::Cdf => {
                cdf_plot("cdf", self.w, self.legends).show(ui, move |p| {
                    for (k, (name, pts)) in store.e2e_cdf.iter().enumerate() {
                        if let Some(b) = base
                            && let Some((_, bp)) = b.e2e_cdf.iter().find(|(n, _)| n == name)
                        {
                            p.line(line(format!("{name} (baseline)"), bp, color(k + 5), true));
                        }
                        p.line(
                            Line::new(name.clone(), &pts[..])
                                .color(color(k + 5))
                                .width(2.5),
                        );
                    }
                    for &(i, name) in shown {
                        if let Some(cs) = store.components.get(i) {
                            p.line(line(name.to_owned(), &cs.cdf, color(i), false));
                        }
                    }
                });
            }
        }
    }

    /// One series family of the shown components (and the baseline's).
    fn family<'p>(
        &'p self,
        ui: &mut Ui,
        id: &'p str,
        unit: &'p str,
        pick: impl Fn(&'p ComponentSeries) -> &'p [PlotPoint] + Copy + 'p,
        only_nonzero: bool,
    ) {
        let empty = !self.any(pick);
        self.plot(id, unit, empty).show(ui, move |p| {
            lines(p, self.store, self.base, self.shown, pick, only_nonzero);
            if empty {
                self.none_so_far(p, "none so far");
            }
        });
    }

    /// A chart's title, short enough for its width, and its hover text with the detail.
    fn title(&self, chart: Chart) -> (String, String) {
        let few = self.shown.len() <= 2;
        match chart {
            Chart::Throughput => (
                "Throughput (done/s)".to_owned(),
                "Completions per second, per time bucket".to_owned(),
            ),
            Chart::Backlog => (
                "Backlog (events waiting)".to_owned(),
                "Events waiting: the time-average per bucket".to_owned(),
            ),
            Chart::Age => (
                "Oldest message age (s)".to_owned(),
                "Age of the oldest message waiting, for queues".to_owned(),
            ),
            Chart::Latency => (
                if few {
                    "Latency p99, p95, p50 (ms)".to_owned()
                } else {
                    "Latency p99 (ms)".to_owned()
                },
                "Time at the component per bucket's completions: p99 solid, p95 dashed, p50 \
                 dotted (p95 and p50 with at most two components shown); the baseline's p99 \
                 thin and faded"
                    .to_owned(),
            ),
            Chart::Errors => (
                "Errors and retries (per s)".to_owned(),
                "Per second: errors solid, retries dashed, refused dotted, dead letters \
                 loosely dashed; only what happened is drawn"
                    .to_owned(),
            ),
            Chart::CostRate => {
                let monthly = self
                    .run
                    .snapshot
                    .as_ref()
                    .map_or(0.0, |s| s.cost.per_month_usd);
                (
                    format!("Cost rate · {}/month", usd(monthly)),
                    format!(
                        "Cost rate by component, stacked, USD per hour; {} a month projected at this load",
                        usd(monthly)
                    ),
                )
            }
            Chart::Cumulative => {
                let total = self.store.cost_cumulative.last().map_or(0.0, |p| p.y);
                (
                    format!("Cost so far · {}", usd(total)),
                    "Cumulative cost since the start, warm-up included".to_owned(),
                )
            }
            Chart::Cdf => (
                "Latency CDF".to_owned(),
                "Fraction of events within a latency: end to end (thick) and at the shown \
                 components"
                    .to_owned(),
            ),
            Chart::Busy => (
                "Busy servers / concurrency".to_owned(),
                "Events in service: busy servers, slots or concurrency in use".to_owned(),
            ),
        }
    }
}

/// A CDF plot: latency in ms across, fraction of events up.
fn cdf_plot(id: &str, width: f32, legend: bool) -> Plot<'_> {
    let p = Plot::new(id);
    let p = if legend {
        p.legend(
            Legend::default()
                .position(Corner::RightBottom)
                .text_style(egui::TextStyle::Small)
                .background_alpha(0.6),
        )
    } else {
        p
    };
    p.width(width)
        .height(CHART_H)
        .x_axis_label("ms")
        .y_axis_label("fraction")
        .include_y(0.0)
        .include_y(1.0)
        .label_formatter(|h| match h {
            HoverPosition::NearDataPoint {
                plot_name,
                position: p,
                ..
            } => Some(format!(
                "{plot_name}\n{:.1}% within {} ms",
                p.y * 100.0,
                figure(p.x)
            )),
            HoverPosition::Elsewhere { .. } => None,
        })
}

/// The selected component's live figures and charts, for the inspector.
#[expect(
    clippy::too_many_lines,
    reason = "the figures are laid out in the order they appear"
)]
pub fn component_ui(ui: &mut Ui, runner: &Runner, id: &str) {
    let Some(run) = &runner.current else {
        return;
    };
    let Some(snap) = &run.snapshot else {
        return;
    };
    let Some(i) = snap.index(id) else {
        ui.label(RichText::new("Not in the run (added after it started).").weak());
        return;
    };
    let name = &snap.names[i];
    let Some(r) = snap.report.components.get(name) else {
        return;
    };
    let cap = snap.capacities.get(name).copied().unwrap_or(0);
    let c = &r.counters;
    egui::Grid::new("live-stats")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let mut row = |k: &str, v: String| {
                ui.label(k);
                ui.label(v);
                ui.end_row();
            };
            row("arrivals", c.arrivals.to_string());
            // means since the warm-up (the badge shows the last bucket)
            row("completions / s (mean)", figure(r.throughput_per_s));
            if let Some(u) = r.utilisation {
                row("utilisation (mean)", format!("{:.1}% of {cap}", u * 100.0));
            }
            row(
                "queue depth (mean / max)",
                format!("{} / {}", figure(r.queue_depth.mean), r.queue_depth.max),
            );
            row(
                "in service (mean / max)",
                format!("{} / {}", figure(r.in_flight.mean), r.in_flight.max),
            );
            row("retries", c.retries.to_string());
            row(
                "failed attempts (timeouts)",
                format!("{} ({})", c.failures, c.timeouts),
            );
            row("refused", c.rejected.to_string());
            row(
                "dropped / expired / failed",
                format!("{} / {} / {}", c.dropped, c.expired, c.failed),
            );
            row("dead-lettered", c.dead_lettered.to_string());
            row("filtered", c.filtered.to_string());
            for (k, v) in &r.extra {
                // counts (dead letters, batches) are whole numbers: no ".0"
                let v = if v.fract() == 0.0 {
                    count(*v)
                } else {
                    figure(*v)
                };
                row(&k.replace('_', " "), v);
            }
            if let Some(cc) = snap.cost.components.get(name) {
                row("cost so far", usd(cc.usd));
                row(
                    "cost a month",
                    format!(
                        "{} ({:.1}% from retries)",
                        usd(cc.per_month_usd),
                        if cc.usd > 0.0 {
                            cc.retry_usd / cc.usd * 100.0
                        } else {
                            0.0
                        }
                    ),
                );
            }
        });
    // latencies as a small table, narrow enough for the inspector
    let latencies: Vec<(&str, &crate::sim::LatencySummary)> = [
        ("wait", &r.wait_ms),
        ("service", &r.service_ms),
        ("sojourn", &r.sojourn_ms),
        ("residence", &r.residence_ms),
    ]
    .into_iter()
    .filter_map(|(label, s)| Some((label, s.as_ref()?)))
    .collect();
    if !latencies.is_empty() {
        ui.add_space(4.0);
        egui::Grid::new("live-latency")
            .num_columns(6)
            .striped(true)
            .show(ui, |ui| {
                ui.label(RichText::new("ms").weak());
                for h in ["mean", "p50", "p99", "p99.9", "max"] {
                    ui.label(RichText::new(h).weak());
                }
                ui.end_row();
                for (label, s) in latencies {
                    ui.label(label);
                    for v in [s.mean, s.p50, s.p99, s.p999, s.max] {
                        ui.label(figure(v));
                    }
                    ui.end_row();
                }
            });
    }
    if let Some(res) = &run.results
        && let Some(p) = res.pools.iter().find(|p| &p.name == name)
    {
        ui.add_space(4.0);
        ui.label(RichText::new("Queueing theory").strong());
        ui.label(format!(
            "offered load {:.2} Erlangs ({} attempts/s × {} ms) on {}: {:.1}% (measured {:.1}%)",
            p.offered_load,
            figure(p.attempts_per_s),
            figure(p.service_ms),
            p.capacity,
            p.offered_utilisation * 100.0,
            p.utilisation * 100.0
        ));
        if let Some(m) = &p.mmc {
            ui.label(format!(
                "M/M/{}: Erlang C P(wait) {:.3}, wait {} ms, sojourn {} ms (measured {} / {})",
                m.servers,
                m.p_wait,
                figure(m.wait_ms),
                figure(m.sojourn_ms),
                p.wait_ms.map_or("-".to_owned(), figure),
                p.sojourn_ms.map_or("-".to_owned(), figure)
            ));
        }
        ui.label(format!(
            "Little's law: L = {} in the component, λW = {} ({:+.1}%)",
            figure(p.little_l),
            figure(p.little_lambda_w),
            p.little_error() * 100.0
        ));
    }
    let store = run.charts();
    let Some(cs) = store.components.get(i) else {
        return;
    };
    let base_guard = runner.baseline.as_ref().map(Run::charts);
    let base = base_guard.as_deref().and_then(|b| b.component(name));
    let w = ui.available_width().max(200.0);
    let col = color(i);
    ui.add_space(4.0);
    ui.label(RichText::new("Throughput and arrivals").strong());
    time_plot("insp-thr", "events/s", w, true)
        .height(120.0)
        .show(ui, |p| {
            if let Some(b) = base {
                p.line(line(
                    "done/s (baseline)".to_owned(),
                    &b.throughput,
                    col,
                    true,
                ));
            }
            p.line(line("done/s".to_owned(), &cs.throughput, col, false));
            p.line(
                Line::new("arrivals/s", &cs.arrivals[..])
                    .color(Color32::GRAY)
                    .width(1.0),
            );
        });
    ui.label(RichText::new("Latency p50 / p95 / p99").strong());
    time_plot("insp-lat", "ms", w, true)
        .height(120.0)
        .show(ui, |p| {
            if let Some(b) = base {
                p.line(line("p99 (baseline)".to_owned(), &b.p99, col, true));
            }
            p.line(line("p99".to_owned(), &cs.p99, col, false));
            p.line(
                Line::new("p95", &cs.p95[..])
                    .color(col)
                    .style(LineStyle::dashed_dense()),
            );
            p.line(
                Line::new("p50", &cs.p50[..])
                    .color(col)
                    .style(LineStyle::dotted_dense()),
            );
        });
    ui.label(RichText::new("Backlog and concurrency").strong());
    time_plot("insp-depth", "events", w, true)
        .height(120.0)
        .show(ui, |p| {
            if let Some(b) = base {
                p.line(line("waiting (baseline)".to_owned(), &b.depth, col, true));
            }
            p.line(line("waiting".to_owned(), &cs.depth, col, false));
            p.line(
                Line::new("in service", &cs.in_flight[..])
                    .color(utilisation_color(0.8))
                    .width(1.2),
            );
        });
    if !cs.cdf.is_empty() {
        ui.label(RichText::new("Latency CDF at this component").strong());
        cdf_plot("insp-cdf", w, true).height(120.0).show(ui, |p| {
            if let Some(b) = base {
                p.line(line("baseline".to_owned(), &b.cdf, col, true));
            }
            p.line(line("this run".to_owned(), &cs.cdf, col, false));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(base: f64) -> [f64; 3] {
        time_grid_steps(&GridInput {
            bounds: (0.0, 7200.0),
            base_step_size: base,
        })
    }

    #[test]
    fn value_axes_step_on_one_two_five() {
        let v = |base: f64| {
            value_grid_steps(&GridInput {
                bounds: (0.0, 100.0),
                base_step_size: base,
            })
        };
        let close = |got: [f64; 3], want: [f64; 3]| {
            assert!(
                got.iter().zip(want).all(|(g, w)| (g - w).abs() <= 1e-9 * w),
                "{got:?} != {want:?}"
            );
        };
        close(v(3.5), [5.0, 10.0, 20.0]);
        close(v(1.5), [2.0, 10.0, 20.0]);
        close(v(0.3), [0.5, 1.0, 2.0]);
        close(v(120.0), [200.0, 1000.0, 2000.0]);
        for base in [0.004, 0.7, 3.0, 45.0, 999.0] {
            let [f, m, c] = v(base);
            assert!(f >= base && m > f && c > m, "{base}: {f} {m} {c}");
            assert!(((m / f).round() - m / f).abs() < 1e-9, "{base}");
            assert!(((c / m).round() - c / m).abs() < 1e-9, "{base}");
        }
    }

    #[test]
    fn the_baseline_latency_has_its_own_style_and_legend_entry() {
        let series = ComponentSeries {
            p99: vec![PlotPoint::new(1.0, 30.0)],
            p95: vec![PlotPoint::new(1.0, 20.0)],
            p50: vec![PlotPoint::new(1.0, 10.0)],
            ..ComponentSeries::default()
        };
        let store = ChartStore {
            names: vec!["B".to_owned()],
            components: vec![series],
            ..ChartStore::default()
        };
        let base = store.clone();
        let got = latency_series(&store, Some(&base), &[(0, "B")]);
        let names: Vec<&str> = got.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["B p99 (baseline)", "B p99", "B p95", "B p50"]);
        let look = |s: &Series<'_>| {
            (
                format!("{:?}", s.stroke.style()),
                s.stroke.width().to_bits(),
                s.stroke.color(s.color),
            )
        };
        // no two lines of the chart look alike: the baseline is not read as p95
        for (i, a) in got.iter().enumerate() {
            for b in &got[i + 1..] {
                assert_ne!(look(a), look(b), "{} and {} look alike", a.name, b.name);
            }
        }
        let baseline = &got[0];
        assert_eq!(baseline.stroke.style(), LineStyle::Solid, "never dashed");
        assert!(baseline.stroke.color(baseline.color).a() < baseline.color.a());
        // with three components shown only the p99s are drawn, each with its baseline
        let three = latency_series(&store, Some(&base), &[(0, "B"), (0, "B"), (0, "B")]);
        assert!(three.iter().all(|s| s.name.contains("p99")));
    }

    #[test]
    fn time_axes_step_on_round_clock_values() {
        assert_eq!(steps(100.0), [120.0, 600.0, 3600.0]);
        assert_eq!(steps(0.3), [1.0, 5.0, 30.0]);
        assert_eq!(steps(250.0), [300.0, 1800.0, 7200.0]);
        // beyond half a day: whole days
        assert_eq!(steps(50_000.0), [86_400.0, 345_600.0, 1_382_400.0]);
        for base in [0.01, 0.7, 3.0, 45.0, 170.0, 1000.0, 5000.0, 30_000.0] {
            let [f, m, c] = steps(base);
            assert!(f >= base && m > f && c > m, "{base}: {f} {m} {c}");
            // a coarser line is always on a finer one
            assert!((m / f).fract() == 0.0 && (c / m).fract() == 0.0, "{base}");
        }
    }
}

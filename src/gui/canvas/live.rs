//! The live overlay of a run: a badge of figures under every node, and rates (with
//! moving dots) along the links, at the level of detail the room allows ([`lod`]).
//!
//! A badge has three levels: two lines (the figures, then errors and dead letters in
//! the error colour) with a utilisation bar along the top; one line (the single most
//! important figure) with the bar; and the bar alone (or the figure in small type for a
//! component without a capacity). A link's label is its own label with its rate beside
//! it, else the rate alone, else nothing. After an edit the results are stale
//! ([`LiveOverlay::stale`]): the overlay is dimmed, the dots stand still and a caption
//! says so.

use std::collections::BTreeMap;
use std::sync::Arc;

use egui::text::LayoutJob;
use egui::{Color32, FontId, Galley, Painter, Pos2, Rect, Stroke, StrokeKind, Ui, pos2, vec2};

use super::lod::{self, BadgeAsk, LabelAsk};
use super::overlay::fit_parts;
use super::paint::curve;
use super::view::Xform;
use super::{Canvas, DrawnBoxes, EDGE_LABEL_MIN_ZOOM, EDGE_LABEL_SIZE, Level, screen_rect};
use crate::gui::look;
use crate::units;

/// A badge is at most this many node widths wide (the examples' columns are 220 units
/// apart, nodes 180 wide), so neighbours' badges do not run into each other...
const BADGE_MAX_W: f32 = 1.12;
/// ... but at least this wide (points), to stay useful when zoomed far out.
const BADGE_MIN_W: f32 = 110.0;
/// Height of the utilisation bar, points.
const BAR_H: f32 = 4.0;
/// What the canvas says over stale results.
pub const STALE_CAPTION: &str =
    "Results of the previous version: the design changed since. Run again (F5) to update them.";

/// Live figures of one component, drawn as a badge under its node during and after a
/// run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Badge {
    /// Completions per second in the last bucket.
    pub throughput: f64,
    /// Events waiting (last bucket's time average), for components with a buffer.
    pub depth: Option<f64>,
    /// Events in service (last bucket's time average).
    pub in_flight: f64,
    /// Servers, slots or concurrency (0: none).
    pub capacity: u64,
    /// `in_flight / capacity`, when there is a capacity.
    pub utilisation: Option<f64>,
    /// Age of the oldest message, s (queues).
    pub oldest_age_s: Option<f64>,
    /// Failed attempts, refusals, drops, expiries and losses so far.
    pub errors: u64,
    /// Events this component dead-lettered so far.
    pub dead_letters: u64,
    /// Events held, for dead-letter queues.
    pub dlq_held: Option<u64>,
}

/// What a run draws over the canvas.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveOverlay {
    /// Badges by component id.
    pub badges: BTreeMap<String, Badge>,
    /// Per document connection: (from id, to id, events per second).
    pub links: Vec<(String, String, f64)>,
    /// Animate dots along the links, denser for higher rates.
    pub dots: bool,
    /// The figures are those of an earlier version of the design (it was edited since
    /// the run): drawn dimmed, without dots, under a caption that says so.
    pub stale: bool,
}

/// A whole number, shortened from ten thousand on: `6`, `9845`, `12k`.
fn whole(n: u64) -> String {
    if n < 10_000 {
        n.to_string()
    } else {
        units::si(n as f64)
    }
}

/// A count with its noun, the number shortened from ten thousand on: `1 error`,
/// `5 dead letters`, `12k errors` (counts are whole numbers).
fn tally(n: u64, one: &str, many: &str) -> String {
    if n < 10_000 {
        units::counted(n, one, many)
    } else {
        format!("{} {many}", units::si(n as f64))
    }
}

/// A badge's figures in words, most important first: the first line (throughput,
/// load, backlog, age) and the warnings (errors, dead letters).
#[must_use]
pub fn badge_words(b: &Badge) -> (Vec<String>, Vec<String>) {
    let mut figures = vec![format!("{}/s", units::si(b.throughput))];
    if b.capacity > 0 {
        figures.push(format!("{:.0}/{} busy", b.in_flight, b.capacity));
    } else if b.oldest_age_s.is_some() && b.in_flight >= 0.5 {
        // a queue: messages received by consumers and not yet deleted
        figures.push(format!("{} in flight", units::si(b.in_flight)));
    }
    if let Some(d) = b.depth.filter(|d| *d >= 0.05) {
        figures.push(format!("{} waiting", units::si(d)));
    }
    if let Some(a) = b.oldest_age_s.filter(|a| *a >= 0.05) {
        figures.push(format!("oldest {}", units::elapsed(a)));
    }
    let mut warnings = Vec::new();
    if b.errors > 0 {
        warnings.push(tally(b.errors, "error", "errors"));
    }
    if b.dead_letters > 0 {
        warnings.push(format!("{} to DLQ", whole(b.dead_letters)));
    }
    if let Some(h) = b.dlq_held.filter(|h| *h > 0) {
        warnings.push(tally(h, "dead letter", "dead letters"));
    }
    (figures, warnings)
}

/// The single most important figure of a badge, for its one-line level: what a
/// dead-letter queue holds, else the throughput; and whether it is a warning.
#[must_use]
pub fn headline(b: &Badge) -> (String, bool) {
    match b.dlq_held.filter(|h| *h > 0) {
        Some(h) => (tally(h, "dead letter", "dead letters"), true),
        None => (format!("{}/s", units::si(b.throughput)), false),
    }
}

/// One badge's levels, laid out.
struct BadgeLook {
    id: String,
    utilisation: Option<f64>,
    /// Two lines: figures, then warnings.
    full: (Arc<Galley>, Option<Arc<Galley>>),
    /// One line.
    compact: (Arc<Galley>, bool),
    /// The figure in small type, for a badge without a bar.
    number: Arc<Galley>,
}

impl BadgeLook {
    fn bar_h(&self) -> f32 {
        if self.utilisation.is_some() {
            BAR_H
        } else {
            0.0
        }
    }

    fn sizes(&self, node: Rect) -> Vec<egui::Vec2> {
        let (g1, g2) = &self.full;
        let w = g1.size().x.max(g2.as_ref().map_or(0.0, |g| g.size().x));
        let h = g1.size().y + g2.as_ref().map_or(0.0, |g| g.size().y);
        let full = vec2(w + 8.0, h + self.bar_h() + 4.0);
        let c = &self.compact.0;
        let compact = vec2(c.size().x + 8.0, c.size().y + self.bar_h() + 4.0);
        let small = if self.utilisation.is_some() {
            vec2((node.width() * 0.8).clamp(16.0, 90.0), BAR_H + 2.0)
        } else {
            self.number.size() + vec2(4.0, 1.0)
        };
        vec![full, compact, small]
    }
}

/// The colours the overlay draws with (dimmed when the results are stale).
#[derive(Clone, Copy)]
struct Palette {
    text: Color32,
    own: Color32,
    warn: Color32,
    bg: Color32,
    border: Color32,
    track: Color32,
    /// Multiplier of the utilisation colours.
    fade: f32,
}

impl Canvas {
    /// Rates along the links (with moving dots) and a badge under every node, placed by
    /// [`lod::place`] so that none covers a node, another badge or a label; the labels
    /// and badges drawn are kept for [`Canvas::drawn_boxes`].
    #[expect(
        clippy::too_many_lines,
        reason = "badges and link labels are laid out, placed and painted in one pass"
    )]
    pub(super) fn live_ui(&mut self, ui: &Ui, rect: Rect, x: Xform, time: f64, keep: &[Rect]) {
        let Some(live) = &self.live else {
            return;
        };
        let painter = ui.painter_at(rect);
        let vis = ui.visuals();
        let z = x.zoom;
        let font = FontId::proportional((11.5 * z).clamp(9.5, 13.0));
        let stale = live.stale;
        let pal = if stale {
            Palette {
                text: vis.weak_text_color(),
                own: vis.weak_text_color(),
                warn: vis.error_fg_color.gamma_multiply(0.6),
                bg: vis.extreme_bg_color.gamma_multiply(0.75),
                border: vis.widgets.noninteractive.bg_stroke.color,
                track: vis.faint_bg_color,
                fade: 0.4,
            }
        } else {
            Palette {
                text: vis.strong_text_color(),
                own: vis.text_color(),
                warn: vis.error_fg_color,
                bg: vis.extreme_bg_color.gamma_multiply(0.92),
                border: vis.widgets.noninteractive.bg_stroke.color,
                track: vis.faint_bg_color,
                fade: 1.0,
            }
        };

        // the nodes in view, and each badge's levels
        let nodes: Vec<(String, Rect)> = self
            .order
            .iter()
            .filter_map(|id| Some((id.clone(), screen_rect(x, self.location(id)?))))
            .collect();
        let node_rects: Vec<Rect> = nodes
            .iter()
            .map(|(_, r)| *r)
            .filter(|r| rect.intersects(r.expand(60.0)))
            .collect();
        let mut looks = Vec::new();
        let mut badge_asks = Vec::new();
        for (id, b) in &live.badges {
            let Some(c) = self.location(id) else {
                continue;
            };
            let nr = screen_rect(x, c);
            if !rect.intersects(nr.expand(60.0)) {
                continue;
            }
            let (figures, warnings) = badge_words(b);
            let max_w = (nr.width() * BADGE_MAX_W).max(BADGE_MIN_W);
            let g1 = painter.layout_no_wrap(
                fitted(&painter, &figures, &font, pal.text, max_w),
                font.clone(),
                pal.text,
            );
            let g2 = (!warnings.is_empty()).then(|| {
                let text = fitted(&painter, &warnings, &font, pal.warn, max_w);
                painter.layout_no_wrap(text, font.clone(), pal.warn)
            });
            let (head, warn) = headline(b);
            let head_col = if warn { pal.warn } else { pal.text };
            let compact = painter.layout_no_wrap(head.clone(), font.clone(), head_col);
            let number = painter.layout_no_wrap(head, FontId::proportional(8.5), head_col);
            let look = BadgeLook {
                id: id.clone(),
                utilisation: b.utilisation,
                full: (g1, g2),
                compact: (compact, warn),
                number,
            };
            badge_asks.push(BadgeAsk {
                node: nr,
                gap: (3.0 * z).max(lod::MARGIN + 1.0),
                sizes: look.sizes(nr),
            });
            looks.push(look);
        }

        // the links: their curves on the screen, and their labels' spots and sizes
        let mut links = Vec::new();
        let mut label_asks = Vec::new();
        for (_, e) in &self.wires {
            let Some(edge) = self.graph.edge(*e) else {
                continue;
            };
            let data = edge.payload();
            let Some(route) = data.route.as_deref() else {
                continue;
            };
            let pts: Vec<Pos2> = curve(route)
                .into_iter()
                .map(|p| x.pos_in_screen(p))
                .collect();
            let len: f32 = pts.windows(2).map(|w| w[0].distance(w[1])).sum();
            if len < 1.0 {
                continue;
            }
            let rate = data.connection.and_then(|i| live.links.get(i)).map(|l| l.2);
            let own = data.label.clone().filter(|_| z >= EDGE_LABEL_MIN_ZOOM);
            let f = FontId::proportional(font.size.max(EDGE_LABEL_SIZE * z));
            let rate_text = rate.map(|r| format!("{}/s", units::si(r)));
            let mut galleys = Vec::new();
            if let Some(own) = &own {
                let mut job = LayoutJob::default();
                job.append(own, 0.0, egui::TextFormat::simple(f.clone(), pal.own));
                let mut text = own.to_string();
                if let Some(r) = &rate_text {
                    let tail = format!("  {r}");
                    job.append(&tail, 0.0, egui::TextFormat::simple(f.clone(), pal.text));
                    text.push_str(&tail);
                }
                galleys.push((text, painter.layout_job(job)));
            }
            if let Some(r) = rate_text {
                galleys.push((r.clone(), painter.layout_no_wrap(r, font.clone(), pal.text)));
            }
            if galleys.is_empty() {
                links.push((pts, rate, Vec::new()));
                continue;
            }
            // the middle of the link first, then further out, then just off it
            let last = (pts.len() - 1) as f32;
            let along = |t: f32| pts[(t * last).round() as usize];
            let mut spots: Vec<Pos2> = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]
                .iter()
                .map(|t| along(*t))
                .collect();
            let h = galleys[0].1.size().y;
            spots.extend([along(0.5) + vec2(0.0, -h), along(0.5) + vec2(0.0, h)]);
            label_asks.push(LabelAsk {
                spots,
                sizes: galleys
                    .iter()
                    .map(|(_, g)| g.size() + vec2(4.0, 4.0))
                    .collect(),
            });
            links.push((pts, rate, galleys));
        }

        let placed = lod::place(&node_rects, keep, &badge_asks, &label_asks);

        // dots flowing at a fixed speed, spaced by rate (not over stale results)
        let mut dot_count = 0;
        if live.dots && !stale {
            for (pts, rate, _) in &links {
                let Some(rate) = rate.filter(|r| *r > 0.0) else {
                    continue;
                };
                dot_count += dots(&painter, pts, rate, z, time);
            }
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(33));
        }
        let mut drawn = DrawnBoxes {
            canvas: rect,
            nodes,
            dots: dot_count,
            ..DrawnBoxes::default()
        };
        let with_label = links.into_iter().filter(|l| !l.2.is_empty());
        for ((_, _, galleys), spot) in with_label.zip(&placed.labels) {
            let Some((level, r)) = *spot else {
                continue;
            };
            let (text, g) = galleys[level].clone();
            painter.rect_filled(r, 3.0, pal.bg);
            painter.galley(r.min + vec2(2.0, 2.0), g, pal.text);
            drawn.labels.push((text, r));
        }
        for (look, spot) in looks.into_iter().zip(&placed.badges) {
            let Some((level, r)) = *spot else {
                continue;
            };
            let level = [Level::Full, Level::Compact, Level::Small][level];
            paint_badge(&painter, &look, level, r, pal);
            drawn.badges.push((look.id, level, r));
        }
        self.last_drawn = drawn;
    }
}

/// Dots along a link's points, moving at a fixed speed and spaced by the rate; how
/// many were drawn.
fn dots(painter: &Painter, pts: &[Pos2], rate: f64, z: f32, time: f64) -> usize {
    let mut count = 0;
    let spacing = (220.0 / rate.sqrt() as f32).clamp(9.0, 160.0) * z.max(0.4);
    let speed = 70.0 * z.max(0.4);
    let phase = (time as f32 * speed) % spacing;
    let dot = Color32::from_rgb(255, 196, 0);
    // walk the pieces, a dot every `spacing` points
    let mut next = phase;
    let mut walked = 0.0;
    for w in pts.windows(2) {
        let piece = w[0].distance(w[1]);
        while next < walked + piece {
            let p = w[0] + (w[1] - w[0]) * ((next - walked) / piece.max(1e-3));
            painter.circle_filled(p, (2.6 * z).clamp(1.5, 3.5), dot);
            count += 1;
            next += spacing;
        }
        walked += piece;
    }
    count
}

/// A utilisation bar filled to `u` inside `full`.
fn bar(painter: &Painter, full: Rect, u: f64, pal: Palette) {
    painter.rect_filled(full, 1.0, pal.track);
    let filled = Rect::from_min_size(
        full.min,
        vec2(full.width() * u.clamp(0.0, 1.0) as f32, full.height()),
    );
    painter.rect_filled(
        filled,
        1.0,
        look::utilisation_color(u).gamma_multiply(pal.fade),
    );
}

fn paint_badge(painter: &Painter, look: &BadgeLook, level: Level, r: Rect, pal: Palette) {
    if level == Level::Small {
        match look.utilisation {
            Some(u) => bar(painter, r.shrink2(vec2(0.0, 1.0)), u, pal),
            None => {
                painter.rect_filled(r, 2.0, pal.bg);
                let g = look.number.clone();
                painter.galley(r.center() - g.size() / 2.0, g, pal.text);
            }
        }
        return;
    }
    let border = look.utilisation.map_or(pal.border, |u| {
        look::utilisation_color(u).gamma_multiply(pal.fade)
    });
    painter.rect_filled(r, 4.0, pal.bg);
    painter.rect_stroke(r, 4.0, Stroke::new(1.2, border), StrokeKind::Inside);
    let bar_h = look.bar_h();
    if let Some(u) = look.utilisation {
        // a bar along the top, filled to the utilisation, in its colour
        let full = Rect::from_min_size(r.min + vec2(3.0, 2.0), vec2(r.width() - 6.0, bar_h - 1.0));
        bar(painter, full, u, pal);
    }
    let y = r.min.y + 2.0 + bar_h;
    let centred = |g: &Arc<Galley>, y: f32| pos2(r.center().x - g.size().x / 2.0, y);
    if level == Level::Full {
        let (g1, g2) = &look.full;
        painter.galley(centred(g1, y), g1.clone(), pal.text);
        if let Some(g2) = g2 {
            painter.galley(centred(g2, y + g1.size().y), g2.clone(), pal.warn);
        }
    } else {
        let (g, warn) = &look.compact;
        let col = if *warn { pal.warn } else { pal.text };
        painter.galley(centred(g, y), g.clone(), col);
    }
}

/// The badge's `parts` that fit in `max_w` points with its padding (the first always:
/// a badge says at least its most important figure).
fn fitted(
    painter: &Painter,
    parts: &[String],
    font: &FontId,
    color: Color32,
    max_w: f32,
) -> String {
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let text = fit_parts(painter, &parts, font, color, max_w - 8.0);
    if text.is_empty() {
        parts.first().map_or_else(String::new, |p| (*p).to_owned())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badge_words_are_counted_and_ages_are_spans() {
        let b = Badge {
            throughput: 254.0,
            oldest_age_s: Some(6839.5),
            errors: 1,
            dlq_held: Some(5),
            ..Badge::default()
        };
        let (figures, warnings) = badge_words(&b);
        assert_eq!(figures, ["254/s", "oldest 1 h 54 min"]);
        assert_eq!(warnings, ["1 error", "5 dead letters"]);
        assert_eq!(headline(&b), ("5 dead letters".to_owned(), true));
        let b = Badge {
            throughput: 3.0,
            errors: 12_345,
            dead_letters: 6,
            ..Badge::default()
        };
        assert_eq!(badge_words(&b).1, ["12k errors", "6 to DLQ"]);
        assert_eq!(headline(&b), ("3.0/s".to_owned(), false));
    }
}

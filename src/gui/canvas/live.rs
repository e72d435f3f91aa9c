//! The live overlay of a run: a badge of figures under every node, and rates (with
//! moving dots) along the links.

use std::collections::BTreeMap;

use egui::text::LayoutJob;
use egui::{Color32, FontId, Pos2, Rect, Stroke, StrokeKind, Ui, pos2, vec2};

use super::paint::curve;
use super::view::Xform;
use super::{Canvas, EDGE_LABEL_MIN_ZOOM, EDGE_LABEL_SIZE, screen_rect};
use crate::gui::look;

/// A badge is at most this many node widths wide (the examples' columns are 220 units
/// apart, nodes 186 wide), so neighbours' badges do not run into each other...
const BADGE_MAX_W: f32 = 1.12;
/// ... but at least this wide (points), to stay useful when zoomed far out.
const BADGE_MIN_W: f32 = 110.0;

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
}

impl Canvas {
    /// Rates along the links (with moving dots) and a badge under every node. The
    /// badges are laid out first, so that each link's label (its own, such as a filter
    /// or "dead-letter", with the rate beside it) can slide along the link to a place
    /// clear of the badges and nodes; the badges are drawn last.
    #[expect(
        clippy::too_many_lines,
        reason = "badges and link rates are painted in one pass over the overlay"
    )]
    pub(super) fn live_ui(&self, ui: &Ui, rect: Rect, x: Xform, time: f64) {
        let Some(live) = &self.live else {
            return;
        };
        let painter = ui.painter_at(rect);
        let vis = ui.visuals();
        let z = x.zoom;
        let font = FontId::proportional((11.5 * z).clamp(9.5, 13.0));
        let text_col = vis.strong_text_color();
        let bg = vis.extreme_bg_color.gamma_multiply(0.92);
        let warn = vis.error_fg_color;

        // badges under the nodes: laid out now, drawn at the end
        let mut badges = Vec::new();
        for (id, b) in &live.badges {
            let Some(c) = self.location(id) else {
                continue;
            };
            let nr = screen_rect(x, c);
            if !rect.intersects(nr.expand(40.0)) {
                continue;
            }
            // most important first; what does not fit beside the neighbours is left out
            // (the inspector has every figure)
            let mut parts1 = vec![format!("{}/s", crate::units::si(b.throughput))];
            if b.capacity > 0 {
                parts1.push(format!("{:.0}/{} busy", b.in_flight, b.capacity));
            } else if b.oldest_age_s.is_some() && b.in_flight >= 0.5 {
                // a queue: messages received by consumers and not yet deleted
                parts1.push(format!("{} in flight", crate::units::si(b.in_flight)));
            }
            if let Some(d) = b.depth.filter(|d| *d >= 0.05) {
                parts1.push(format!("{} waiting", crate::units::si(d)));
            }
            if let Some(a) = b.oldest_age_s.filter(|a| *a >= 0.05) {
                parts1.push(format!("oldest {}", age(a)));
            }
            let mut parts2 = Vec::new();
            if b.errors > 0 {
                parts2.push(format!("{} errors", crate::units::si(b.errors as f64)));
            }
            if b.dead_letters > 0 {
                parts2.push(format!(
                    "{} to DLQ",
                    crate::units::si(b.dead_letters as f64)
                ));
            }
            if let Some(h) = b.dlq_held.filter(|h| *h > 0) {
                parts2.push(format!("{} dead letters", crate::units::si(h as f64)));
            }
            let max_w = (nr.width() * BADGE_MAX_W).max(BADGE_MIN_W);
            let g1 = painter.layout_no_wrap(
                fitted(&painter, &parts1, &font, text_col, max_w),
                font.clone(),
                text_col,
            );
            let g2 = (!parts2.is_empty()).then(|| {
                let text = fitted(&painter, &parts2, &font, warn, max_w);
                painter.layout_no_wrap(text, font.clone(), warn)
            });
            let w = g1.size().x.max(g2.as_ref().map_or(0.0, |g| g.size().x));
            let h = g1.size().y + g2.as_ref().map_or(0.0, |g| g.size().y);
            let bar_h = if b.utilisation.is_some() { 4.0 } else { 0.0 };
            let top = nr.center_bottom() + vec2(0.0, 3.0 * z.max(0.5));
            let br = Rect::from_min_size(
                pos2(top.x - w / 2.0 - 4.0, top.y),
                vec2(w + 8.0, h + bar_h + 4.0),
            );
            badges.push((br, bar_h, b.utilisation, g1, g2));
        }

        // links: dots flowing at a fixed speed, spaced by rate, and the label
        let obstacles: Vec<Rect> = badges
            .iter()
            .map(|b| b.0)
            .chain(
                self.nodes
                    .keys()
                    .filter_map(|id| Some(screen_rect(x, self.location(id)?))),
            )
            .filter(|r| rect.intersects(*r))
            .collect();
        for (i, (_, _, rate)) in live.links.iter().enumerate() {
            // along the link as drawn: the diagram's route
            let Some(route) = self.route_of(i) else {
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
            if live.dots && *rate > 0.0 {
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
                        next += spacing;
                    }
                    walked += piece;
                }
            }
            let rate_text = format!("{}/s", crate::units::si(*rate));
            // the link's own label (drawn here, not by the link, during a run)
            let own = self
                .edges
                .get(&i)
                .and_then(|&e| self.graph.edge(e))
                .and_then(|e| e.payload().label.clone())
                .filter(|_| z >= EDGE_LABEL_MIN_ZOOM);
            let g = match own {
                Some(own) => {
                    let f = FontId::proportional(font.size.max(EDGE_LABEL_SIZE * z));
                    let mut job = LayoutJob::default();
                    job.append(
                        &format!("{own}  "),
                        0.0,
                        egui::TextFormat::simple(f.clone(), vis.text_color()),
                    );
                    job.append(&rate_text, 0.0, egui::TextFormat::simple(f, text_col));
                    painter.layout_job(job)
                }
                None => painter.layout_no_wrap(rate_text, font.clone(), text_col),
            };
            // the middle of the link, else the nearest place along it that is clear
            let size = g.size() + vec2(4.0, 4.0);
            let last = (pts.len() - 1) as f32;
            let at = |t: f32| Rect::from_center_size(pts[(t * last).round() as usize], size);
            let span = pts
                .iter()
                .fold(Rect::NOTHING, |r, p| r.union(Rect::from_pos(*p)))
                .expand2(size / 2.0);
            let near: Vec<Rect> = obstacles
                .iter()
                .copied()
                .filter(|o| o.intersects(span))
                .collect();
            // the area of the label covered by badges and nodes; the first candidate
            // (nearest the middle) with the least wins
            let covered = |r: Rect| -> f32 {
                near.iter()
                    .map(|o| o.intersect(r))
                    .filter(|c| c.is_positive())
                    .map(|c| c.area())
                    .sum()
            };
            let mut r = at(0.5);
            let mut least = covered(r);
            for t in [0.4, 0.6, 0.3, 0.7, 0.2, 0.8] {
                if least <= 0.0 {
                    break;
                }
                let c = at(t);
                let a = covered(c);
                if a < least {
                    (r, least) = (c, a);
                }
            }
            painter.rect_filled(r, 3.0, bg);
            painter.galley(r.min + vec2(2.0, 2.0), g, text_col);
        }

        for (br, bar_h, utilisation, g1, g2) in badges {
            let border = utilisation.map_or(
                vis.widgets.noninteractive.bg_stroke.color,
                look::utilisation_color,
            );
            painter.rect_filled(br, 4.0, bg);
            painter.rect_stroke(br, 4.0, Stroke::new(1.2, border), StrokeKind::Inside);
            if let Some(u) = utilisation {
                // a bar along the top, filled to the utilisation, in its colour
                let full = Rect::from_min_size(
                    br.min + vec2(3.0, 2.0),
                    vec2(br.width() - 6.0, bar_h - 1.0),
                );
                painter.rect_filled(full, 1.0, vis.faint_bg_color);
                let filled = Rect::from_min_size(
                    full.min,
                    vec2(full.width() * u.clamp(0.0, 1.0) as f32, full.height()),
                );
                painter.rect_filled(filled, 1.0, look::utilisation_color(u));
            }
            let y = br.min.y + 2.0 + bar_h;
            let g1h = g1.size().y;
            painter.galley(pos2(br.center().x - g1.size().x / 2.0, y), g1, text_col);
            if let Some(g2) = g2 {
                painter.galley(pos2(br.center().x - g2.size().x / 2.0, y + g1h), g2, warn);
            }
        }
        if live.dots {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(33));
        }
    }
}

/// `parts` joined by " · ", as many as fit in `max_w` points with the badge's padding
/// (the first always, and none after the first that does not fit, so the most
/// important figures are the ones shown).
fn fitted(
    painter: &egui::Painter,
    parts: &[String],
    font: &FontId,
    color: Color32,
    max_w: f32,
) -> String {
    let mut out = String::new();
    for p in parts {
        if out.is_empty() {
            out.clone_from(p);
            continue;
        }
        let candidate = format!("{out} · {p}");
        let w = painter
            .layout_no_wrap(candidate.clone(), font.clone(), color)
            .size()
            .x;
        if w + 8.0 > max_w {
            break;
        }
        out = candidate;
    }
    out
}

/// The age of a message for a badge: seconds, then minutes, then hours.
fn age(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 60.0 {
        format!("{s:.0} s")
    } else if s < 3600.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badge_ages_read_as_seconds_minutes_or_hours() {
        assert_eq!(age(3.24), "3.2 s");
        assert_eq!(age(57.2), "57 s");
        assert_eq!(age(1571.9), "26 min");
        assert_eq!(age(5400.0), "1.5 h");
    }
}

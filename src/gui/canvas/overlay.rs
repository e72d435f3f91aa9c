//! What the editor draws over the graph: the wiring preview, the selection box, the
//! hint line, a refused wiring's reason and the caption over stale results. Text is
//! never cut: the hint line keeps the hints that fit the canvas' width (the first,
//! most useful ones), and the longer messages wrap between words.

use std::sync::Arc;

use egui::{
    Align2, Color32, CursorIcon, FontId, Galley, Painter, Pos2, Rect, Stroke, StrokeKind, Ui, pos2,
    vec2,
};

use super::gestures::{Gesture, Input};
use super::paint::{line_shapes, rect_boundary};
use super::view::Xform;
use super::{
    Canvas, DrawnBoxes, EDGE_LABEL_MIN_ZOOM, HANDLE_R, STALE_CAPTION, handle_point, screen_rect,
};
use crate::gui::look;
use crate::model::LinkKind;

/// Seconds a refusal stays on the canvas.
pub(super) const FLASH_S: f64 = 6.0;
/// Space between the canvas' edge and the hint line or caption, points.
const INSET: f32 = 8.0;
/// Font size of the hint line.
const HINT_PX: f32 = 12.0;

/// The hints of the hint line, most useful first, while a run goes (or is paused).
pub const RUNNING_HINTS: &[&str] = &[
    "Running: the design is locked",
    "drag: move",
    "drag empty space or scroll: pan",
    "Ctrl+scroll: zoom",
    "F: fit",
];
/// The hints of the hint line in the editor.
pub const EDITING_HINTS: &[&str] = &[
    "Drag: move",
    "drag from a node's right-edge dot or Alt+drag: connect",
    "Shift+drag: box select",
    "drag empty space or scroll: pan",
    "Ctrl+scroll: zoom",
    "F: fit",
];
/// The hints while a link is being drawn.
const WIRING_HINTS: &[&str] = &[
    "Release over a component to connect",
    "hold Shift for a dead-letter link, Ctrl for on-failure",
    "Esc cancels",
];

/// The leading `parts`, joined by " · ", that fit in `max_w` points: the ones that do
/// not fit are left out whole, never cut (nothing when even the first does not fit).
pub(super) fn fit_parts(
    painter: &Painter,
    parts: &[&str],
    font: &FontId,
    color: Color32,
    max_w: f32,
) -> String {
    let mut out = String::new();
    for p in parts {
        let candidate = if out.is_empty() {
            (*p).to_owned()
        } else {
            format!("{out} · {p}")
        };
        let w = painter
            .layout_no_wrap(candidate.clone(), font.clone(), color)
            .size()
            .x;
        if w > max_w {
            break;
        }
        out = candidate;
    }
    out
}

/// The canvas' bottom line, laid out: the hints, and the caption over stale results.
pub(super) struct BottomLine {
    pub(super) hint: (Arc<Galley>, Rect),
    pub(super) caption: Option<(Arc<Galley>, Rect)>,
}

impl Canvas {
    /// The bottom line of this frame: the caption over stale results (if they are),
    /// then the hints that fit the rest of the canvas' width; each with where it goes.
    pub(super) fn bottom_line(&self, ui: &Ui, rect: Rect) -> BottomLine {
        let painter = ui.painter_at(rect);
        let vis = ui.visuals();
        let caption = self.live.as_ref().is_some_and(|l| l.stale).then(|| {
            // wrapped between words if the canvas is narrower than the caption
            let g = painter.layout(
                STALE_CAPTION.to_owned(),
                FontId::proportional(13.0),
                vis.text_color(),
                (rect.width() - 2.0 * INSET - 8.0).max(40.0),
            );
            let at = pos2(
                rect.min.x + INSET + 4.0,
                rect.max.y - 6.0 - 4.0 - g.size().y,
            );
            let r = Rect::from_min_size(at, g.size()).expand(4.0);
            (g, r)
        });
        let left = caption
            .as_ref()
            .map_or(rect.min.x + INSET, |(_, r)| r.max.x + 10.0);
        let color = vis.weak_text_color();
        let parts = match (&self.gesture, self.running) {
            (Gesture::Wire { .. }, _) => WIRING_HINTS,
            (_, true) => RUNNING_HINTS,
            (_, false) => EDITING_HINTS,
        };
        let font = FontId::proportional(HINT_PX);
        let text = fit_parts(
            &painter,
            parts,
            &font,
            color,
            rect.max.x - INSET - 6.0 - left,
        );
        let galley = painter.layout_no_wrap(text, font, color);
        let at = pos2(left, rect.max.y - 6.0 - galley.size().y);
        let r = Rect::from_min_size(at, galley.size()).expand(3.0);
        BottomLine {
            hint: (galley, r),
            caption,
        }
    }

    /// What the plain editor drew: the nodes, and the links' labels (drawn by the
    /// links, where the diagram placed them).
    pub(super) fn record_static(&mut self, rect: Rect, x: Xform) {
        let nodes = self
            .order
            .iter()
            .filter_map(|id| Some((id.clone(), screen_rect(x, self.location(id)?))))
            .collect();
        let mut labels = Vec::new();
        if x.zoom >= EDGE_LABEL_MIN_ZOOM {
            for (_, e) in &self.wires {
                let Some(route) = self.graph.edge(*e).and_then(|e| e.payload().route.clone())
                else {
                    continue;
                };
                if route.label.is_empty() {
                    continue;
                }
                let [w, h] = route.label_size();
                let c = x.pos_in_screen(pos2(route.label_center[0], route.label_center[1]));
                let r = Rect::from_center_size(c, vec2(w, h) * x.zoom);
                labels.push((route.label.join(" "), r));
            }
        }
        self.last_drawn = DrawnBoxes {
            canvas: rect,
            nodes,
            labels,
            ..DrawnBoxes::default()
        };
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn overlays(
        &mut self,
        ui: &Ui,
        rect: Rect,
        x: Xform,
        pointer: Option<Pos2>,
        input: Input,
        hovering_payload: bool,
        empty: bool,
        bottom: BottomLine,
    ) {
        let BottomLine { hint, caption } = bottom;
        // a refusal goes above the bottom line
        let line_top = caption
            .as_ref()
            .map_or(hint.1.min.y, |c| c.1.min.y.min(hint.1.min.y));
        let painter = ui.painter_at(rect);
        let vis = ui.visuals().clone();
        if empty {
            painter.text(
                rect.center(),
                Align2::CENTER_CENTER,
                "Drag components here from the palette",
                FontId::proportional(16.0),
                vis.weak_text_color(),
            );
        }
        if hovering_payload {
            painter.rect_stroke(
                rect.shrink(2.0),
                6.0,
                Stroke::new(2.0, vis.selection.bg_fill),
                StrokeKind::Inside,
            );
        }
        match &self.gesture {
            Gesture::Wire { from } => {
                if let (Some(p), Some(c)) = (pointer, self.location(from)) {
                    let start = x.pos_in_screen(handle_point(c));
                    let target = self.node_at(x.pos_in_graph(p), 4.0 / x.zoom);
                    let end = match target.as_deref().and_then(|t| self.location(t)) {
                        Some(tc) if target.as_deref() != Some(from.as_str()) => {
                            let r = screen_rect(x, tc);
                            painter.rect_stroke(
                                r.expand(3.0),
                                6.0,
                                Stroke::new(2.0, vis.selection.bg_fill),
                                StrokeKind::Outside,
                            );
                            x.pos_in_screen(rect_boundary(tc, c - tc))
                        }
                        _ => p,
                    };
                    let kind = if input.modifiers.shift {
                        LinkKind::DeadLetter
                    } else if input.modifiers.command {
                        LinkKind::OnFailure
                    } else {
                        LinkKind::Delivery
                    };
                    let (color, pattern) = look::link_style(kind, vis.dark_mode);
                    let mut shapes = Vec::new();
                    line_shapes(&mut shapes, start, end, color, 2.0, pattern, 1.0);
                    for s in shapes {
                        painter.add(s);
                    }
                    painter.circle_filled(start, HANDLE_R, color);
                }
            }
            Gesture::Box { origin } => {
                if let Some(p) = pointer {
                    let r = Rect::from_two_pos(*origin, p);
                    painter.rect_filled(r, 0.0, vis.selection.bg_fill.gamma_multiply(0.15));
                    painter.rect_stroke(
                        r,
                        0.0,
                        Stroke::new(1.0, vis.selection.bg_fill),
                        StrokeKind::Inside,
                    );
                }
            }
            Gesture::Move { .. } | Gesture::Pan { moved: true, .. } => {
                ui.ctx().set_cursor_icon(CursorIcon::Grabbing);
            }
            _ => {
                if let Some(p) = pointer
                    && rect.contains(p)
                    && self.handle_at(p, x).is_some()
                {
                    ui.ctx().set_cursor_icon(CursorIcon::Crosshair);
                }
            }
        }
        // the caption over stale results, the hint line, and a refusal above the hint
        if let Some((g, r)) = caption {
            painter.rect_filled(r, 4.0, vis.panel_fill);
            painter.rect_stroke(
                r,
                4.0,
                Stroke::new(1.0, vis.widgets.noninteractive.bg_stroke.color),
                StrokeKind::Inside,
            );
            painter.galley(r.min + vec2(4.0, 4.0), g, vis.text_color());
            self.last_drawn.caption = Some(r);
        }
        let (galley, bg) = hint;
        if !galley.is_empty() {
            painter.rect_filled(bg, 3.0, vis.panel_fill.gamma_multiply(0.85));
            let text = galley.text().to_owned();
            painter.galley(bg.min + vec2(3.0, 3.0), galley, vis.weak_text_color());
            self.last_drawn.hint = Some((text, bg));
        }
        if let Some((msg, t)) = &self.flash {
            if input.time - t < FLASH_S {
                // no input may come to end the message: ask for the frame that does
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_secs_f64(
                        FLASH_S - (input.time - t),
                    ));
                // wrapped between words to the canvas' width, never cut
                let g = painter.layout(
                    msg.clone(),
                    FontId::proportional(14.0),
                    vis.error_fg_color,
                    (rect.width() - 2.0 * INSET - 8.0).max(40.0),
                );
                let at = pos2(rect.min.x + INSET, line_top - 8.0 - g.size().y);
                let r = Rect::from_min_size(at, g.size()).expand(4.0);
                painter.rect_filled(r, 4.0, vis.panel_fill);
                painter.galley(at, g, vis.error_fg_color);
                self.last_drawn.flash = Some(r);
            } else {
                self.flash = None;
            }
        }
    }
}

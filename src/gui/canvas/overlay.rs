//! What the editor draws over the graph: the wiring preview, the selection box, the
//! hint line and a refused wiring's reason.

use egui::{Align2, CursorIcon, FontId, Pos2, Rect, Stroke, StrokeKind, Ui, pos2, vec2};

use super::gestures::{Gesture, Input};
use super::paint::{line_shapes, rect_boundary};
use super::view::Xform;
use super::{Canvas, HANDLE_R, handle_point, screen_rect};
use crate::gui::look;
use crate::model::LinkKind;

/// Seconds a refusal stays on the canvas.
pub(super) const FLASH_S: f64 = 6.0;

impl Canvas {
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
    ) {
        let painter = ui.painter_at(rect);
        let vis = ui.visuals().clone();
        let small = FontId::proportional(12.0);
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
        let mut hint = if self.running {
            "Running: the design is locked · drag: move · drag empty space or scroll: pan · \
             Ctrl+scroll: zoom · F: fit"
        } else {
            "Drag: move · drag from a node's right-edge dot or Alt+drag: connect · Shift+drag: box select · \
             drag empty space or scroll: pan · Ctrl+scroll: zoom"
        }
        .to_owned();
        match &self.gesture {
            Gesture::Wire { from } => {
                hint = "Release over a component to connect · hold Shift for a dead-letter \
                        link, Ctrl for on-failure · Esc cancels"
                    .to_owned();
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
        // the hint line, and a refusal in red above it for a few seconds
        let hint_pos = pos2(rect.min.x + 8.0, rect.max.y - 6.0);
        let galley = painter.layout_no_wrap(hint, small.clone(), vis.weak_text_color());
        let bg = galley
            .rect
            .translate(hint_pos.to_vec2() - vec2(0.0, galley.size().y));
        painter.rect_filled(bg.expand(3.0), 3.0, vis.panel_fill.gamma_multiply(0.85));
        painter.galley(bg.min, galley, vis.weak_text_color());
        if let Some((msg, t)) = &self.flash {
            if input.time - t < FLASH_S {
                // no input may come to end the message: ask for the frame that does
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_secs_f64(
                        FLASH_S - (input.time - t),
                    ));
                let g = painter.layout_no_wrap(
                    msg.clone(),
                    FontId::proportional(14.0),
                    vis.error_fg_color,
                );
                let at = pos2(rect.min.x + 8.0, bg.min.y - 8.0 - g.size().y);
                painter.rect_filled(
                    Rect::from_min_size(at, g.size()).expand(4.0),
                    4.0,
                    vis.panel_fill,
                );
                painter.galley(at, g, vis.error_fg_color);
            } else {
                self.flash = None;
            }
        }
    }
}

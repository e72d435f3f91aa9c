//! The view transform between graph units and the screen, zoom to fit, and the
//! background grid.

use egui::{Color32, Pos2, Rect, Ui, Vec2, pos2, vec2};
use egui_graphs::MetadataFrame;

use super::{Canvas, GRID, node_rect};

/// Smallest and largest zoom factors.
pub(super) const ZOOM_RANGE: (f32, f32) = (0.1, 3.0);
/// Zoom to fit keeps this much (points) free at the bottom for the hint line (and the
/// caption over stale results).
const FIT_HINT_ROOM: f32 = 30.0;
/// And this much more under the lowest nodes for the badges of a run (two lines of
/// text and a bar, which do not scale with the zoom).
const FIT_BADGE_ROOM: f32 = 40.0;

/// The transform between graph and screen coordinates.
#[derive(Clone, Copy, Debug)]
pub(super) struct Xform {
    pub(super) origin: Pos2,
    pub(super) pan: Vec2,
    pub(super) zoom: f32,
}

impl Xform {
    pub(super) fn pos_in_graph(self, pos_in_screen: Pos2) -> Pos2 {
        ((pos_in_screen - self.origin - self.pan) / self.zoom).to_pos2()
    }

    pub(super) fn pos_in_screen(self, pos_in_graph: Pos2) -> Pos2 {
        self.origin + self.pan + pos_in_graph.to_vec2() * self.zoom
    }
}

pub(super) fn xform(rect: Rect, meta: &MetadataFrame) -> Xform {
    Xform {
        origin: rect.min,
        pan: meta.pan,
        zoom: meta.zoom,
    }
}

impl Canvas {
    /// Pan and zoom that show every node in a canvas of `size`, clear of the hint line
    /// at the bottom and, during or after a run, with room for the badges under the
    /// lowest nodes (their text does not scale with the zoom).
    pub(super) fn fit(&self, size: Vec2) -> (Vec2, f32) {
        let mut b = Rect::NOTHING;
        for &idx in self.nodes.values() {
            if let Some(n) = self.graph.node(idx) {
                b = b.union(node_rect(n.location()));
            }
        }
        if !b.is_positive() {
            return (size / 2.0, 1.0);
        }
        let b = b.expand(24.0);
        // screen margins, points: sides, top, bottom (hint line, badges)
        let badges = if self.badge_room() {
            FIT_BADGE_ROOM
        } else {
            0.0
        };
        let (side, top, bottom) = (12.0, 8.0, FIT_HINT_ROOM + badges);
        let room = vec2(size.x - 2.0 * side, size.y - top - bottom).max(size * 0.5);
        let zoom = (room.x / b.width())
            .min(room.y / b.height())
            .clamp(ZOOM_RANGE.0, 1.25);
        let middle = vec2(size.x / 2.0, top + room.y / 2.0);
        (middle - b.center().to_vec2() * zoom, zoom)
    }

    /// Whether zoom to fit leaves room for a run's badges under the lowest nodes.
    pub(super) fn badge_room(&self) -> bool {
        self.live.is_some() || self.running
    }

    pub(super) fn paint_grid(&self, ui: &Ui, rect: Rect, x: Xform) {
        let painter = ui.painter_at(rect);
        let dark = ui.visuals().dark_mode;
        let (minor, major) = if dark {
            (Color32::from_white_alpha(6), Color32::from_white_alpha(12))
        } else {
            (Color32::from_black_alpha(8), Color32::from_black_alpha(16))
        };
        let lines = |step: f32, color: Color32| {
            let s = step * x.zoom;
            if s < 8.0 {
                return;
            }
            let g0 = x.pos_in_graph(rect.min);
            let mut gx = (g0.x / step).floor() * step;
            while x.pos_in_screen(pos2(gx, 0.0)).x <= rect.max.x {
                let sx = x.pos_in_screen(pos2(gx, 0.0)).x;
                painter.line_segment([pos2(sx, rect.min.y), pos2(sx, rect.max.y)], (1.0, color));
                gx += step;
            }
            let mut gy = (g0.y / step).floor() * step;
            while x.pos_in_screen(pos2(0.0, gy)).y <= rect.max.y {
                let sy = x.pos_in_screen(pos2(0.0, gy)).y;
                painter.line_segment([pos2(rect.min.x, sy), pos2(rect.max.x, sy)], (1.0, color));
                gy += step;
            }
        };
        if self.snap {
            lines(GRID, minor);
        }
        lines(GRID * 5.0, major);
    }
}

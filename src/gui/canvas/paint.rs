//! How nodes and links look: the shapes egui_graphs draws for each node ([`NodeShape`],
//! in the exported diagram's outline) and each link ([`EdgeShape`], the exported
//! diagram's route and label).

use std::sync::Arc;

use egui::text::{LayoutJob, TextWrapping};
use egui::{Color32, FontId, Id, Pos2, Rect, Shape, Stroke, StrokeKind, Vec2, pos2, vec2};
use egui_graphs::{DisplayEdge, DisplayNode, DrawContext, EdgeProps, Node, NodeProps};
use petgraph::Directed;
use petgraph::stable_graph::DefaultIx;

use super::{
    EDGE_LABEL_MIN_ZOOM, EdgeData, HANDLE_R, LIVE_LABELS_ID, NodeData, NodeLook, node_rect,
};
use crate::diagram::{self, PathOp};
use crate::gui::look::{self, Group, LinePattern, NODE_H, NODE_W};

// ---------------------------------------------------------------- node drawing

/// How a node is drawn (egui_graphs display state).
#[derive(Clone, Debug)]
pub struct NodeShape {
    look: Arc<NodeLook>,
    loc: Pos2,
    selected: bool,
    hovered: bool,
}

impl From<NodeProps<NodeData>> for NodeShape {
    fn from(p: NodeProps<NodeData>) -> Self {
        NodeShape {
            look: p.payload.0.clone(),
            loc: p.location(),
            selected: p.selected,
            hovered: p.hovered,
        }
    }
}

impl DisplayNode<NodeData, EdgeData, Directed, DefaultIx> for NodeShape {
    fn closest_boundary_point(&self, dir: Vec2) -> Pos2 {
        rect_boundary(self.loc, dir)
    }

    fn shapes(&mut self, ctx: &DrawContext) -> Vec<Shape> {
        node_shapes(&self.look, self.loc, self.selected, self.hovered, ctx)
    }

    fn update(&mut self, p: &NodeProps<NodeData>) {
        self.loc = p.location();
        self.selected = p.selected;
        self.hovered = p.hovered;
    }

    fn is_inside(&self, pos: Pos2) -> bool {
        node_rect(self.loc).contains(pos)
    }
}

/// The diagram's outline of `shape` around `center` (graph units) with `size`, mapped to
/// the screen by `to_screen`: the filled body first, then decoration lines (a rim).
fn outline_shapes(
    shape: diagram::Shape,
    center: Pos2,
    size: Vec2,
    to_screen: impl Fn(Pos2) -> Pos2,
    fill: Color32,
    stroke: Stroke,
) -> Vec<Shape> {
    let (min, max) = (center - size / 2.0, center + size / 2.0);
    diagram::outline(shape, [min.x, min.y], [max.x, max.y])
        .iter()
        .enumerate()
        .map(|(i, ops)| {
            let (pts, closed) = flatten(ops);
            let pts: Vec<Pos2> = pts.into_iter().map(&to_screen).collect();
            if i == 0 && closed {
                // every body outline of the diagram is convex
                Shape::convex_polygon(pts, fill, stroke)
            } else {
                Shape::line(pts, stroke)
            }
        })
        .collect()
}

/// The points of an outline, its curves cut into short lines; and whether it is closed.
fn flatten(ops: &[PathOp]) -> (Vec<Pos2>, bool) {
    const STEPS: u16 = 8;
    let mut pts: Vec<Pos2> = Vec::with_capacity(ops.len() * 4);
    let mut closed = false;
    let mut last = [0.0, 0.0];
    for op in ops {
        match *op {
            PathOp::MoveTo(p) | PathOp::LineTo(p) => {
                pts.push(pos2(p[0], p[1]));
                last = p;
            }
            PathOp::CubicTo(a, b, c) => {
                for k in 1..=STEPS {
                    let q = diagram::bezier(&[last, a, b, c], f32::from(k) / f32::from(STEPS));
                    pts.push(pos2(q[0], q[1]));
                }
                last = c;
            }
            PathOp::Close => closed = true,
        }
    }
    if closed && pts.len() > 2 && pts.first() == pts.last() {
        pts.pop();
    }
    (pts, closed)
}

/// The point where a ray from the node's centre in direction `dir` leaves its rectangle.
pub(super) fn rect_boundary(center: Pos2, dir: Vec2) -> Pos2 {
    let (hw, hh) = (NODE_W / 2.0, NODE_H / 2.0);
    let tx = if dir.x.abs() > f32::EPSILON {
        hw / dir.x.abs()
    } else {
        f32::INFINITY
    };
    let ty = if dir.y.abs() > f32::EPSILON {
        hh / dir.y.abs()
    } else {
        f32::INFINITY
    };
    let t = tx.min(ty);
    if t.is_finite() {
        center + dir * t
    } else {
        center
    }
}

fn text(
    ctx: &DrawContext,
    s: &str,
    size: f32,
    color: Color32,
    max_width: f32,
) -> Arc<egui::Galley> {
    let mut job = LayoutJob::simple_singleline(s.to_owned(), FontId::proportional(size), color);
    job.wrap = TextWrapping::truncate_at_width(max_width.max(1.0));
    ctx.painter.layout_job(job)
}

/// `s` at `size`, or smaller down to `min` if that makes it fit in `max_width`; cut
/// with an ellipsis only when even `min` does not fit (a long name keeps its words).
fn fitted_text(
    ctx: &DrawContext,
    s: &str,
    size: f32,
    min: f32,
    color: Color32,
    max_width: f32,
) -> Arc<egui::Galley> {
    let whole = ctx
        .painter
        .layout_no_wrap(s.to_owned(), FontId::proportional(size), color);
    let w = whole.size().x;
    if w <= max_width {
        return whole;
    }
    // text width scales with the font size
    let smaller = (0.98 * size * max_width / w.max(1.0)).max(min);
    text(ctx, s, smaller, color, max_width)
}

fn node_shapes(
    look: &NodeLook,
    loc: Pos2,
    selected: bool,
    hovered: bool,
    ctx: &DrawContext,
) -> Vec<Shape> {
    let z = ctx.meta.zoom;
    let c = ctx.meta.canvas_to_screen_pos(loc);
    let r = Rect::from_center_size(c, vec2(NODE_W, NODE_H) * z);
    let style = ctx.ctx.global_style();
    let vis = &style.visuals;
    let dark = vis.dark_mode;
    let accent = look::accent(look.group);
    let fill = look::body_fill(look.group, dark);
    let stroke_w = if look.group == Group::DeadLetter {
        2.4
    } else {
        1.4
    };
    let stroke = Stroke::new(if hovered { stroke_w + 1.0 } else { stroke_w } * z, accent);
    let size = vec2(NODE_W, NODE_H);
    let to_screen = |p: Pos2| ctx.meta.canvas_to_screen_pos(p);
    let body = |grow: f32, shift: Vec2, fill: Color32, stroke: Stroke| {
        outline_shapes(
            look.shape,
            loc + shift,
            size + Vec2::splat(2.0 * grow),
            to_screen,
            fill,
            stroke,
        )
        .into_iter()
        .take(1)
    };
    let mut out = Vec::with_capacity(20);

    // selection glow and drop shadow, in the node's own outline
    if selected {
        out.extend(body(
            5.0,
            Vec2::ZERO,
            vis.selection.bg_fill.gamma_multiply(0.45),
            Stroke::NONE,
        ));
    }
    out.extend(body(
        0.0,
        vec2(2.0, 3.0),
        Color32::from_black_alpha(if dark { 70 } else { 28 }),
        Stroke::NONE,
    ));
    out.extend(outline_shapes(
        look.shape, loc, size, to_screen, fill, stroke,
    ));
    if selected {
        out.extend(body(
            3.0,
            Vec2::ZERO,
            Color32::TRANSPARENT,
            Stroke::new(2.0 * z, vis.selection.stroke.color),
        ));
    }
    // room left and right of the text, and a shift down under a cylinder's rim
    let (inset_l, inset_r, dy) = match look.shape {
        diagram::Shape::Parallelogram => (14.0, 18.0, 0.0),
        diagram::Shape::Hexagon => (17.0, 20.0, 0.0),
        diagram::Shape::Pipe => (12.0, 20.0, 0.0),
        diagram::Shape::RoundedBox => (10.0, 12.0, 0.0),
        diagram::Shape::Cylinder => (10.0, 12.0, 6.0),
        diagram::Shape::Octagon => (12.0, 14.0, 0.0),
    };

    // badge with the glyph
    let b = 34.0 * z;
    let bc = pos2(r.left() + (inset_l + 17.0) * z, c.y + dy * z);
    let badge = Rect::from_center_size(bc, vec2(b, b));
    out.push(Shape::rect_filled(badge, 7.0 * z, accent));
    if z >= 0.3 {
        let glyph_px = match look.glyph.chars().count() {
            1 => 19.0,
            2 | 3 => 12.5,
            _ => 10.0,
        };
        let g = text(ctx, look.glyph, glyph_px * z, look::on_badge(accent), b);
        let at = bc - g.size() / 2.0;
        out.push(Shape::galley(at, g, look::on_badge(accent)));
    }

    // name, kind, summary
    if z >= 0.35 {
        let left = badge.right() + 7.0 * z;
        let width = r.right() - inset_r * z - left;
        let [name_c, kind_c, summary_c] = look::node_text(look.group, vis);
        let name = fitted_text(ctx, &look.name, 14.0 * z, 11.0 * z, name_c, width);
        let kind = text(ctx, look.kind_label, 10.5 * z, kind_c, width);
        let summary = text(ctx, &look.summary, 11.5 * z, summary_c, width);
        let gap = 1.5 * z;
        let total = name.size().y + kind.size().y + summary.size().y + 2.0 * gap;
        let mut y = c.y + dy * z - total / 2.0;
        for g in [name, kind, summary] {
            let h = g.size().y;
            out.push(Shape::galley(pos2(left, y), g, summary_c));
            y += h + gap;
        }
    }

    // the wiring handle
    if hovered || selected {
        let hp = pos2(r.right(), c.y);
        out.push(Shape::circle_filled(hp, HANDLE_R * z.max(0.6), accent));
        out.push(Shape::circle_stroke(
            hp,
            HANDLE_R * z.max(0.6),
            Stroke::new(1.5 * z.max(0.6), Color32::WHITE),
        ));
    }
    out
}

// ---------------------------------------------------------------- edge drawing

/// Straight pieces a link's curve is drawn and hit-tested with.
const CURVE_STEPS: u16 = 24;

/// How a link is drawn (egui_graphs display state): the diagram's route, with its
/// label where the diagram placed it.
#[derive(Clone, Debug)]
pub struct EdgeShape {
    data: EdgeData,
    selected: bool,
    /// Zoom of the last frame drawn, for hit-testing in graph units.
    zoom: f32,
}

impl From<EdgeProps<EdgeData>> for EdgeShape {
    fn from(p: EdgeProps<EdgeData>) -> Self {
        EdgeShape {
            data: p.payload,
            selected: p.selected,
            zoom: 1.0,
        }
    }
}

type ViewNode = Node<NodeData, EdgeData, Directed, DefaultIx, NodeShape>;

/// The points of a route's curve, in graph units.
pub(super) fn curve(route: &diagram::Edge) -> Vec<Pos2> {
    (0..=CURVE_STEPS)
        .map(|k| {
            let p = diagram::bezier(&route.path, f32::from(k) / f32::from(CURVE_STEPS));
            pos2(p[0], p[1])
        })
        .collect()
}

impl DisplayEdge<NodeData, EdgeData, Directed, DefaultIx, NodeShape> for EdgeShape {
    fn shapes(&mut self, _start: &ViewNode, _end: &ViewNode, ctx: &DrawContext) -> Vec<Shape> {
        let z = ctx.meta.zoom;
        self.zoom = z;
        let Some(route) = self.data.route.clone() else {
            return Vec::new();
        };
        let style = ctx.ctx.global_style();
        let vis = &style.visuals;
        let (color, pattern) = look::link_style(self.data.kind, vis.dark_mode);
        let st = diagram::link_style(self.data.kind);
        let to_screen = |p: Pos2| ctx.meta.canvas_to_screen_pos(p);
        let pts: Vec<Pos2> = curve(&route).into_iter().map(to_screen).collect();
        let mut out = Vec::new();
        if self.selected {
            out.push(Shape::line(
                pts.clone(),
                Stroke::new(7.0 * z, vis.selection.bg_fill.gamma_multiply(0.5)),
            ));
        }
        let width = (st.width_px + if self.selected { 0.8 } else { 0.0 }) * z;
        let stroke = Stroke::new(width, color);
        let dash = |i: usize| st.dash_px.get(i).copied().unwrap_or(4.0) * z;
        match pattern {
            LinePattern::Solid => out.push(Shape::line(pts, stroke)),
            LinePattern::Dashed => out.extend(Shape::dashed_line(&pts, stroke, dash(0), dash(1))),
            LinePattern::Dotted => {
                out.extend(Shape::dotted_line(
                    &pts,
                    color,
                    dash(0) + dash(1),
                    width * 0.5,
                ));
            }
        }
        let head = route.arrow_head(10.0, 4.5);
        out.push(Shape::convex_polygon(
            head.iter().map(|p| to_screen(pos2(p[0], p[1]))).collect(),
            color,
            Stroke::NONE,
        ));
        let overlay_draws_label = ctx
            .ctx
            .data(|d| d.get_temp::<bool>(Id::new(LIVE_LABELS_ID)))
            .unwrap_or(false);
        if !route.label.is_empty() && z >= EDGE_LABEL_MIN_ZOOM && !overlay_draws_label {
            label_shapes(&mut out, &route, ctx, color);
        }
        out
    }

    fn update(&mut self, p: &EdgeProps<EdgeData>) {
        self.selected = p.selected;
        self.data.route.clone_from(&p.payload.route);
    }

    fn is_inside(&self, _start: &ViewNode, _end: &ViewNode, pos: Pos2) -> bool {
        let Some(route) = &self.data.route else {
            return false;
        };
        let tolerance = 6.0 / self.zoom.max(0.05);
        curve(route)
            .windows(2)
            .any(|w| distance_to_segment(pos, w[0], w[1]) <= tolerance)
    }
}

/// A link's label as the exported diagram draws it: its lines in a box at the place
/// the diagram chose, scaled with the zoom.
fn label_shapes(out: &mut Vec<Shape>, route: &diagram::Edge, ctx: &DrawContext, color: Color32) {
    let z = ctx.meta.zoom;
    let style = ctx.ctx.global_style();
    let vis = &style.visuals;
    let [w, h] = route.label_size();
    let c = ctx
        .meta
        .canvas_to_screen_pos(pos2(route.label_center[0], route.label_center[1]));
    let r = Rect::from_center_size(c, vec2(w, h) * z);
    out.push(Shape::rect_filled(
        r,
        3.0 * z,
        vis.panel_fill.gamma_multiply(0.92),
    ));
    out.push(Shape::rect_stroke(
        r,
        3.0 * z,
        Stroke::new(1.0, color.gamma_multiply(0.6)),
        StrokeKind::Inside,
    ));
    let line_h = (diagram::geometry::LABEL_FONT_PX + 2.0) * z;
    for (i, line) in route.label.iter().enumerate() {
        let g = ctx.painter.layout_no_wrap(
            line.clone(),
            FontId::proportional(diagram::geometry::LABEL_FONT_PX * z),
            vis.text_color(),
        );
        let top = r.top() + 2.0 * z + i as f32 * line_h + (line_h - g.size().y) / 2.0;
        out.push(Shape::galley(
            pos2(c.x - g.size().x / 2.0, top),
            g,
            vis.text_color(),
        ));
    }
}

fn distance_to_segment(p: Pos2, a: Pos2, b: Pos2) -> f32 {
    let ab = b - a;
    let len2 = ab.length_sq();
    if len2 <= f32::EPSILON {
        return p.distance(a);
    }
    let t = ((p - a).dot(ab) / len2).clamp(0.0, 1.0);
    p.distance(a + ab * t)
}

/// A line from `s0` to `s1` (screen) in a pattern, with an arrow head at `s1`.
pub(super) fn line_shapes(
    out: &mut Vec<Shape>,
    s0: Pos2,
    s1: Pos2,
    color: Color32,
    width: f32,
    pattern: LinePattern,
    z: f32,
) {
    let d = s1 - s0;
    if d.length() < 1.0 {
        return;
    }
    let dir = d.normalized();
    let head = 11.0 * z.max(0.5);
    let base = s1 - dir * head;
    let stroke = Stroke::new(width, color);
    match pattern {
        LinePattern::Solid => out.push(Shape::line_segment([s0, base], stroke)),
        LinePattern::Dashed => {
            out.extend(Shape::dashed_line(&[s0, base], stroke, 8.0 * z, 5.0 * z));
        }
        LinePattern::Dotted => {
            out.extend(Shape::dotted_line(&[s0, base], color, 6.0 * z, width * 0.9));
        }
    }
    let n = vec2(-dir.y, dir.x) * head * 0.45;
    out.push(Shape::convex_polygon(
        vec![s1, base + n, base - n],
        color,
        Stroke::NONE,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_points_are_on_the_rectangle() {
        let c = pos2(100.0, 50.0);
        assert_eq!(
            rect_boundary(c, vec2(1.0, 0.0)),
            pos2(100.0 + NODE_W / 2.0, 50.0)
        );
        assert_eq!(
            rect_boundary(c, vec2(0.0, -3.0)),
            pos2(100.0, 50.0 - NODE_H / 2.0)
        );
        assert_eq!(rect_boundary(c, Vec2::ZERO), c);
    }
}

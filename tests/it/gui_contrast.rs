//! Text contrast of the editor, measured on what it really paints: the whole app at
//! 1280x800 on every example, in both themes: the start window, the Export dialog, and
//! during a run each bottom tab, with a component selected. Every glyph of every text shape of the frame is checked
//! against what is painted behind it: the filled rectangles, polygons, circles and
//! meshes drawn before it that cover the glyph's centre (inside their clip rectangles),
//! blended in painting order over the panel fill, so a translucent link-label box counts
//! with what shows through it. WCAG AA asks for 4.5:1.
//!
//! What WCAG exempts, and this test with it, each told apart by how egui paints it:
//! - disabled widgets ("inactive user interface components", such as the palette and
//!   the inspector while a run locks the design): `Ui::disable` paints a theme text
//!   colour at the theme's `disabled_alpha`, and nothing else in the app paints text so;
//! - the charts' axis tick numbers, which egui_plot fades with the tick's strength (the
//!   theme's text colour made translucent); they are decoration of the gridlines, the
//!   values themselves are in the tables;
//! - the glyph on a node's badge ("SQS", "λ") is an icon that repeats the kind label
//!   written beside it: it is held to the non-text contrast of WCAG 1.4.11, 3:1.

use std::time::Duration as WallDuration;

use egui::epaint::{ClippedShape, Shape, TextShape};
use egui::{Color32, Pos2, Rect, Vec2};
use egui_kittest::Harness;
use spillway::gui::app::BottomTab;
use spillway::gui::look::{self, AA, Group};
use spillway::gui::{Action, SpillwayApp};

use super::gui_common::example_app;

/// Where a fill covers the screen.
enum Area {
    Rect(Rect),
    Polygon(Vec<Pos2>),
    Circle(Pos2, f32),
    Triangles(Vec<([Pos2; 3], Color32)>),
}

/// A filled shape of the frame, in painting order.
struct Fill {
    clip: Rect,
    area: Area,
    color: Color32,
}

impl Fill {
    /// The colour this fill paints at `p`, if it paints there.
    fn at(&self, p: Pos2) -> Option<Color32> {
        if !self.clip.contains(p) {
            return None;
        }
        match &self.area {
            Area::Rect(r) => r.contains(p).then_some(self.color),
            Area::Polygon(pts) => inside_polygon(pts, p).then_some(self.color),
            Area::Circle(c, r) => (c.distance(p) <= *r).then_some(self.color),
            Area::Triangles(tris) => tris
                .iter()
                .rev()
                .find(|(t, _)| inside_polygon(t, p))
                .map(|(_, c)| *c),
        }
    }

    fn bounds(&self) -> Rect {
        let r = match &self.area {
            Area::Rect(r) => *r,
            Area::Polygon(pts) => Rect::from_points(pts),
            Area::Circle(c, r) => Rect::from_center_size(*c, Vec2::splat(2.0 * r)),
            Area::Triangles(t) => {
                Rect::from_points(&t.iter().flat_map(|(t, _)| *t).collect::<Vec<_>>())
            }
        };
        r.intersect(self.clip)
    }
}

/// Even-odd rule.
fn inside_polygon(pts: &[Pos2], p: Pos2) -> bool {
    let mut inside = false;
    let mut j = pts.len().wrapping_sub(1);
    for i in 0..pts.len() {
        let (a, b) = (pts[i], pts[j]);
        if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// A text shape of the frame, with the fills painted before it.
struct Text {
    clip: Rect,
    shape: TextShape,
    /// How many fills were painted before it.
    under: usize,
}

/// The fills and texts of a frame, flattened from its shapes in painting order.
fn collect(shapes: &[ClippedShape]) -> (Vec<Fill>, Vec<Text>) {
    fn walk(clip: Rect, shape: &Shape, fills: &mut Vec<Fill>, texts: &mut Vec<Text>) {
        let mut fill = |area: Area, color: Color32| {
            if color.a() > 0 {
                fills.push(Fill { clip, area, color });
            }
        };
        match shape {
            Shape::Vec(v) => {
                for s in v {
                    walk(clip, s, fills, texts);
                }
            }
            Shape::Rect(r) if r.brush.is_none() => fill(Area::Rect(r.rect), r.fill),
            Shape::Circle(c) => fill(Area::Circle(c.center, c.radius), c.fill),
            Shape::Ellipse(e) => {
                fill(Area::Circle(e.center, e.radius.min_elem()), e.fill);
            }
            Shape::Path(p) if p.closed => {
                fill(Area::Polygon(p.points.clone()), p.fill);
            }
            Shape::Mesh(m) if m.texture_id == egui::TextureId::default() => {
                let tris = m
                    .indices
                    .chunks_exact(3)
                    .map(|t| {
                        let v = |k: usize| m.vertices[t[k] as usize];
                        ([v(0).pos, v(1).pos, v(2).pos], v(0).color)
                    })
                    .collect();
                fill(Area::Triangles(tris), Color32::WHITE);
            }
            Shape::Text(t) => texts.push(Text {
                clip,
                shape: t.clone(),
                under: fills.len(),
            }),
            _ => {}
        }
    }
    let (mut fills, mut texts) = (Vec::new(), Vec::new());
    for cs in shapes {
        walk(cs.clip_rect, &cs.shape, &mut fills, &mut texts);
    }
    (fills, texts)
}

/// What WCAG asks of one glyph.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Rule {
    /// Text: 4.5:1.
    Text,
    /// An icon on a badge: 3:1.
    Icon,
    /// Disabled or a tick number: exempt.
    Exempt,
}

/// One glyph that falls short.
#[derive(Debug)]
struct Failure {
    text: String,
    fg: Color32,
    bg: Color32,
    ratio: f32,
    at: Pos2,
}

/// Counts of what was checked, to be sure the check saw the app.
#[derive(Debug, Default)]
struct Seen {
    glyphs: usize,
    icons: usize,
    disabled: usize,
    ticks: usize,
    on_nodes: usize,
}

/// Check every glyph of the harness's last frame.
fn check_frame(h: &Harness<'_, SpillwayApp>, seen: &mut Seen) -> Vec<Failure> {
    let vis = h.ctx.global_style().visuals.clone();
    let accents: Vec<Color32> = Group::ALL.iter().map(|g| look::accent(*g)).collect();
    let bodies: Vec<Color32> = Group::ALL
        .iter()
        .map(|g| look::body_fill(*g, vis.dark_mode))
        .collect();
    let (fills, texts) = collect(&h.output().shapes);
    let mut failures = Vec::new();
    for t in &texts {
        let s = &t.shape;
        let text = s.galley.text().to_owned();
        let nearby: Vec<&Fill> = fills[..t.under]
            .iter()
            .filter(|f| f.bounds().intersects(s.visual_bounding_rect()))
            .collect();
        let tick = is_tick_label(s, &vis);
        let rot = egui::emath::Rot2::from_angle(s.angle);
        for row in &s.galley.rows {
            // the row's own backgrounds (a `TextFormat::background`) come before its glyphs
            let bg_quads: Vec<Fill> = row.visuals.mesh.vertices
                [..row.visuals.glyph_vertex_range.start]
                .chunks_exact(4)
                .map(|q| Fill {
                    clip: t.clip,
                    area: Area::Rect(Rect::from_points(
                        &q.iter()
                            .map(|v| s.pos + rot * (row.pos.to_vec2() + v.pos.to_vec2()))
                            .collect::<Vec<_>>(),
                    )),
                    color: resolve(q[0].color, s, false),
                })
                .collect();
            for g in &row.glyphs {
                if g.chr.is_whitespace() || g.uv_rect.is_nothing() {
                    continue;
                }
                let local = row.pos.to_vec2() + g.logical_rect().center().to_vec2();
                let p = s.pos + rot * local;
                if !t.clip.contains(p) {
                    continue; // scrolled or clipped away: not seen
                }
                let mut bg = vis.panel_fill;
                let mut top = None;
                for f in nearby.iter().copied().chain(bg_quads.iter()) {
                    if let Some(c) = f.at(p) {
                        bg = bg.blend(c);
                        top = Some(c);
                    }
                }
                let vertex = row.visuals.mesh.vertices[g.first_vertex as usize].color;
                let fg_raw = resolve(vertex, s, true);
                let fg = bg.blend(fg_raw);
                let rule = if is_disabled(fg_raw, &vis) {
                    seen.disabled += 1;
                    Rule::Exempt
                } else if tick {
                    seen.ticks += 1;
                    Rule::Exempt
                } else if top.is_some_and(|c| accents.contains(&c)) {
                    seen.icons += 1;
                    Rule::Icon
                } else {
                    seen.glyphs += 1;
                    if bodies.contains(&bg) {
                        seen.on_nodes += 1;
                    }
                    Rule::Text
                };
                let need = match rule {
                    Rule::Text => AA,
                    Rule::Icon => 3.0,
                    Rule::Exempt => 0.0,
                };
                let ratio = look::contrast(fg, bg);
                if ratio < need {
                    failures.push(Failure {
                        text: text.clone(),
                        fg,
                        bg,
                        ratio,
                        at: p,
                    });
                }
            }
        }
    }
    failures
}

/// The colour a glyph (or a row background) is painted in, as epaint's tessellator
/// works it out.
fn resolve(vertex: Color32, s: &TextShape, glyph: bool) -> Color32 {
    let mut c = match s.override_text_color {
        Some(o) if glyph => o,
        _ if vertex == Color32::PLACEHOLDER => s.fallback_color,
        _ => vertex,
    };
    if s.opacity_factor < 1.0 {
        c = c.gamma_multiply(s.opacity_factor);
    }
    c
}

/// A disabled widget's text: `Ui::disable` multiplies everything it paints by the
/// theme's `disabled_alpha`, so the text is one of the theme's text colours made that
/// translucent. Nothing else in the app paints text so.
fn is_disabled(c: Color32, vis: &egui::Visuals) -> bool {
    let alpha = vis.disabled_alpha();
    if f32::from(c.a()) > 255.0 * alpha + 1.0 || f32::from(c.a()) < 255.0 * alpha - 1.0 {
        return false;
    }
    let w = &vis.widgets;
    [
        vis.text_color(),
        vis.weak_text_color(),
        vis.strong_text_color(),
        w.inactive.text_color(),
        w.hovered.text_color(),
        w.active.text_color(),
        w.open.text_color(),
    ]
    .into_iter()
    .any(|t| {
        let d = vis.disable(t);
        c.r().abs_diff(d.r()) <= 2 && c.g().abs_diff(d.g()) <= 2 && c.b().abs_diff(d.b()) <= 2
    })
}

/// egui_plot's tick numbers: numbers ("200", "1:30:00", "0.4") drawn in the theme's
/// text colour made translucent by the tick's strength (`color_from_strength`).
fn is_tick_label(s: &TextShape, vis: &egui::Visuals) -> bool {
    let numeric = s
        .galley
        .text()
        .chars()
        .all(|c| c.is_ascii_digit() || ".:-\u{2212}+e ".contains(c));
    let c = s.fallback_color;
    let a = c.a();
    if !numeric || a == 255 || s.override_text_color.is_some() {
        return false;
    }
    let expect = vis.text_color().gamma_multiply(f32::from(a) / 255.0);
    let close = |x: u8, y: u8| x.abs_diff(y) <= 2;
    close(c.r(), expect.r()) && close(c.g(), expect.g()) && close(c.b(), expect.b())
}

fn harness_on(example: &str, light: bool) -> Harness<'static, SpillwayApp> {
    let mut h = example_app(example, [1280.0, 800.0], light);
    h.state_mut().show_start = false;
    h.run_steps(1);
    h
}

/// Start a run and step until it has simulated a little and badges show.
fn run_a_while(h: &mut Harness<'static, SpillwayApp>) {
    h.state_mut().request(Action::Run);
    for _ in 0..3000 {
        h.step();
        let s = h.state();
        let moving = s.runner.snapshot().is_some_and(|s| s.now_s > 0.0);
        if moving && s.canvas.live.as_ref().is_some_and(|l| !l.badges.is_empty()) {
            h.run_steps(2);
            return;
        }
        std::thread::sleep(WallDuration::from_millis(10));
    }
    panic!("the run did not start");
}

/// Check the app on `example` in one theme, with each bottom tab and a component
/// selected (so the inspector shows its charts), during a run.
fn check_example(example: &str, light: bool) {
    let mut h = harness_on(example, light);
    assert_eq!(h.ctx.global_style().visuals.dark_mode, !light);
    let mut seen = Seen::default();
    let mut failures = Vec::new();
    let mut keys = Vec::new();
    // before the run: the start window over the idle canvas (link labels in their
    // boxes), then the Export dialog
    h.state_mut().show_start = true;
    h.run_steps(3);
    let mut frames = vec![("start window", check_frame(&h, &mut seen))];
    h.state_mut().show_start = false;
    h.state_mut().request(Action::Export(None));
    h.run_steps(3);
    assert!(h.state().export.open);
    frames.push(("export dialog", check_frame(&h, &mut seen)));
    h.state_mut().export.open = false;
    let first = h.state().editor.doc().components[0].id.clone();
    h.state_mut().selection.components.insert(first);
    run_a_while(&mut h);
    for tab in [
        BottomTab::Problems,
        BottomTab::Charts,
        BottomTab::Results,
        BottomTab::Insight,
        BottomTab::Compare,
    ] {
        h.state_mut().bottom = tab;
        h.run_steps(3);
        frames.push((tab_name(tab), check_frame(&h, &mut seen)));
    }
    for (frame, found) in frames {
        for f in found {
            // one line per text and colour pair, not per glyph
            let line = format!(
                "{frame}: {:?} at {:?}: {:?} on {:?} = {:.2}",
                f.text,
                f.at.round(),
                f.fg,
                f.bg,
                f.ratio
            );
            let key = (f.text, f.fg, f.bg);
            if !keys.contains(&key) {
                keys.push(key);
                failures.push(line);
            }
        }
    }
    let theme = if light { "light" } else { "dark" };
    eprintln!("{example} {theme}: {seen:?}");
    // the check saw the app: panels, node text and badge glyphs
    assert!(seen.glyphs > 1000, "{example} {theme}: {seen:?}");
    assert!(seen.on_nodes > 50, "{example} {theme}: {seen:?}");
    assert!(seen.icons > 0, "{example} {theme}: {seen:?}");
    assert!(
        failures.is_empty(),
        "{example} {theme} theme: {} glyphs below contrast, {seen:?}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn tab_name(tab: BottomTab) -> &'static str {
    match tab {
        BottomTab::Problems => "Problems tab",
        BottomTab::Charts => "Charts tab",
        BottomTab::Results => "Results tab",
        BottomTab::Insight => "Insight tab",
        BottomTab::Compare => "Compare tab",
    }
}

/// Every example design shipped in `examples/`.
fn examples() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".ron"))
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    names
}

#[test]
fn every_text_reaches_aa_contrast_in_the_light_theme() {
    for ex in examples() {
        check_example(&ex, true);
    }
}

#[test]
fn every_text_reaches_aa_contrast_in_the_dark_theme() {
    for ex in examples() {
        check_example(&ex, false);
    }
}

/// The check finds what it should: the colours the editor used before (egui's amber
/// warning and translucent weak text on the light panel, grey text on a dark pastel
/// node) fall short under the same measure.
#[test]
fn the_measure_rejects_the_old_colours() {
    let light = egui::Visuals::light();
    let panel = light.panel_fill;
    assert!(look::contrast(Color32::from_rgb(220, 170, 40), panel) < AA);
    assert!(look::contrast(panel.blend(light.weak_text_color()), panel) < AA);
    let dark = egui::Visuals::dark();
    let node = look::body_fill(Group::QueuesStreams, true);
    assert!(look::contrast(node.blend(dark.weak_text_color()), node) < AA);
}

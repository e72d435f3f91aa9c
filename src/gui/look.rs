//! How components and connections look on the canvas. The shapes, colours, glyphs,
//! summary lines and link patterns come from [`crate::diagram`] (the links themselves,
//! with their labels, are the diagram's routes), the module every exporter draws with, so the canvas and an exported SVG or PNG look alike;
//! this module only turns them into egui colours and adds what only the screen needs
//! (a dark-theme body fill, the long kind names of the palette).

use egui::Color32;

use crate::diagram::{self, Rgb};
pub use crate::diagram::{Group, Shape, Stroke as LinePattern};
use crate::model::{ComponentKind, LinkKind};

/// Width of a node on the canvas, in graph units (pixels at zoom 1): the diagram's.
pub const NODE_W: f32 = diagram::NODE_SIZE[0];
/// Height of a node on the canvas, in graph units: the diagram's.
pub const NODE_H: f32 = diagram::NODE_SIZE[1];

/// Add DejaVu Sans (bundled for the exported pictures) after egui's own fonts, for the
/// characters they lack: arrows (`→`), `≠` in filter labels, and the like.
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "dejavu".to_owned(),
        std::sync::Arc::new(egui::FontData::from_static(crate::export::png::REGULAR)),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push("dejavu".to_owned());
    }
    ctx.set_fonts(fonts);
}

/// An egui colour from a diagram colour.
#[must_use]
pub fn color(c: Rgb) -> Color32 {
    Color32::from_rgb(c.0, c.1, c.2)
}

/// What the kind is, in words ("SQS queue"): its title in the kind table.
#[must_use]
pub fn kind_label(kind: &ComponentKind) -> &'static str {
    kind.kind().info().title
}

/// The accent colour of a group (badge, frame): the diagram's.
#[must_use]
pub fn accent(group: Group) -> Color32 {
    color(group.accent())
}

/// The fill of a node body of `group`: in the light theme the diagram's own fill; in
/// the dark theme the accent faded into the background, so light text stays readable.
#[must_use]
pub fn body_fill(group: Group, dark: bool) -> Color32 {
    if dark {
        lerp(Color32::from_rgb(0x26, 0x28, 0x2c), accent(group), 0.22)
    } else {
        color(group.fill())
    }
}

/// Colour for a utilisation from idle (green) through busy (amber) to saturated (red).
#[must_use]
pub fn utilisation_color(u: f64) -> Color32 {
    let u = u.clamp(0.0, 1.0) as f32;
    let green = Color32::from_rgb(46, 160, 67);
    let amber = Color32::from_rgb(230, 160, 20);
    let red = Color32::from_rgb(215, 48, 39);
    if u < 0.7 {
        lerp(green, amber, u / 0.7)
    } else {
        lerp(amber, red, ((u - 0.7) / 0.25).min(1.0))
    }
}

/// Linear blend of two opaque colours, `t` in 0..=1.
#[must_use]
pub fn lerp(a: Color32, b: Color32, t: f32) -> Color32 {
    let t = t.clamp(0.0, 1.0);
    let mix = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    Color32::from_rgb(mix(a.r(), b.r()), mix(a.g(), b.g()), mix(a.b(), b.b()))
}

/// Colour and pattern of a link kind: the diagram's (delivery solid, dead-letter dashed,
/// on-failure dotted), lightened on a dark background.
#[must_use]
pub fn link_style(kind: LinkKind, dark: bool) -> (Color32, LinePattern) {
    let st = diagram::link_style(kind);
    let c = color(st.colour);
    let c = if dark {
        lerp(
            c,
            Color32::WHITE,
            if kind == LinkKind::Delivery {
                0.62
            } else {
                0.3
            },
        )
    } else {
        c
    };
    (c, st.stroke)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utilisation_runs_from_green_through_amber_to_red() {
        assert_eq!(utilisation_color(0.0), Color32::from_rgb(46, 160, 67));
        assert_eq!(utilisation_color(0.7), Color32::from_rgb(230, 160, 20));
        assert_eq!(utilisation_color(0.95), Color32::from_rgb(215, 48, 39));
        assert_eq!(utilisation_color(3.0), utilisation_color(1.0));
        assert_eq!(utilisation_color(-1.0), utilisation_color(0.0));
    }

    #[test]
    fn the_light_theme_uses_the_diagrams_fills_and_the_dark_one_stays_dark() {
        for g in Group::ALL {
            assert_eq!(body_fill(g, false), color(g.fill()));
            let d = body_fill(g, true);
            assert!(d.r() < 0x70 && d.g() < 0x70 && d.b() < 0x70, "{g:?}: {d:?}");
            assert_eq!(accent(g), color(g.accent()));
        }
        for k in [
            LinkKind::Delivery,
            LinkKind::DeadLetter,
            LinkKind::OnFailure,
        ] {
            assert_eq!(link_style(k, false).1, diagram::link_style(k).stroke);
            assert_eq!(link_style(k, false).0, color(diagram::link_style(k).colour));
        }
    }

    #[test]
    fn no_two_kinds_share_a_long_name() {
        let mut kind_of_label = std::collections::HashMap::new();
        for e in super::super::palette::ENTRIES {
            let kind = (e.make)();
            let name = kind.kind_name();
            if let Some(other) = kind_of_label.insert(kind_label(&kind), name) {
                assert_eq!(other, name, "`{}` names two kinds", kind_label(&kind));
            }
        }
    }
}

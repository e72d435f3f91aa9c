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

// ---------------------------------------------------------------- text colours

/// The WCAG AA contrast ratio for body text: every text colour of the canvas and the
/// panels reaches it on the background it is drawn on.
pub const AA: f32 = 4.5;

/// One sRGB channel (0..=255) in linear light, by the sRGB transfer function.
fn linear(c: u8) -> f32 {
    let c = f32::from(c) / 255.0;
    if c <= 0.040_45 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// Relative luminance of an opaque colour (WCAG 2): 0 for black, 1 for white. Alpha is
/// ignored; blend a translucent colour over its background first.
#[must_use]
pub fn luminance(c: Color32) -> f32 {
    0.2126 * linear(c.r()) + 0.7152 * linear(c.g()) + 0.0722 * linear(c.b())
}

/// WCAG contrast ratio of two opaque colours, 1 (same) to 21 (black on white), in either
/// order.
#[must_use]
pub fn contrast(a: Color32, b: Color32) -> f32 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `fg` as close as it can stay to itself with at least [`AA`] contrast on `bg`: moved
/// towards black on a light background, towards white on a dark one, in small steps, so
/// its hue stays recognisable (an amber stays an amber, a brown on white).
#[must_use]
pub fn legible(fg: Color32, bg: Color32) -> Color32 {
    let fg = Color32::from_rgb(fg.r(), fg.g(), fg.b());
    let toward = if luminance(bg) > 0.18 {
        Color32::BLACK
    } else {
        Color32::WHITE
    };
    (0..=20_u8)
        .map(|k| lerp(fg, toward, f32::from(k) / 20.0))
        .find(|c| contrast(*c, bg) >= AA)
        .unwrap_or(toward)
}

/// The colour of a glyph on a badge of colour `badge`: white or the diagram's ink,
/// whichever stands out more (white on the red, purple and blue badges, ink on the
/// green, amber and teal ones).
#[must_use]
pub fn on_badge(badge: Color32) -> Color32 {
    let ink = color(diagram::style::INK);
    if contrast(Color32::WHITE, badge) >= contrast(ink, badge) {
        Color32::WHITE
    } else {
        ink
    }
}

/// The text colours of one theme, by meaning. Each reaches [`AA`] on the theme's panel
/// fill and its extreme background (text fields, badges); on a node body use
/// [`node_text`], which adjusts them to the group's fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ink {
    /// Ordinary text (egui's in the light theme; brighter than egui's grey 140 in the dark
    /// one, so that secondary text can be dimmer and still readable).
    pub text: Color32,
    /// Secondary text: hints, kind labels, notes.
    pub weak: Color32,
    /// Errors, invalid input, a change for the worse.
    pub error: Color32,
    /// Warnings and figures to look at twice: an amber, brown on white.
    pub warning: Color32,
    /// A change for the better.
    pub good: Color32,
    /// Links.
    pub link: Color32,
}

impl Ink {
    /// The light theme's, on egui's light panels (grey 248) and white.
    pub const LIGHT: Ink = Ink {
        text: Color32::from_gray(80),
        weak: Color32::from_gray(96),
        error: Color32::from_rgb(180, 35, 24),
        warning: Color32::from_rgb(146, 84, 0),
        good: Color32::from_rgb(22, 120, 50),
        link: Color32::from_rgb(0, 100, 200),
    };
    /// The dark theme's, on egui's dark panels (grey 27) and near-black.
    pub const DARK: Ink = Ink {
        text: Color32::from_gray(170),
        weak: Color32::from_gray(140),
        error: Color32::from_rgb(255, 110, 100),
        warning: Color32::from_rgb(240, 180, 50),
        good: Color32::from_rgb(90, 200, 110),
        link: Color32::from_rgb(110, 180, 255),
    };

    /// The text colours of the light or the dark theme.
    #[must_use]
    pub fn of(dark: bool) -> Ink {
        if dark { Ink::DARK } else { Ink::LIGHT }
    }
}

/// The three text colours of a node: name, kind label, summary line, each readable on
/// the group's body fill.
#[must_use]
pub fn node_text(group: Group, vis: &egui::Visuals) -> [Color32; 3] {
    let fill = body_fill(group, vis.dark_mode);
    let ink = Ink::of(vis.dark_mode);
    [
        legible(vis.strong_text_color(), fill),
        legible(ink.weak, fill),
        legible(vis.text_color(), fill),
    ]
}

/// Give `vis` the theme's text colours: warnings, errors, weak text and links that reach
/// [`AA`] on its panels (egui's own amber, red, translucent weak text and light-theme
/// link blue do not), and in the dark theme a brighter ordinary text.
pub fn tune(vis: &mut egui::Visuals) {
    let ink = Ink::of(vis.dark_mode);
    vis.warn_fg_color = ink.warning;
    vis.error_fg_color = ink.error;
    vis.weak_text_color = Some(ink.weak);
    vis.hyperlink_color = ink.link;
    vis.widgets.noninteractive.fg_stroke.color = ink.text;
}

/// Switch to the light or the dark theme, with both themes' text colours [`tune`]d.
pub fn apply_theme(ctx: &egui::Context, light: bool) {
    ctx.all_styles_mut(|s| tune(&mut s.visuals));
    ctx.set_theme(if light {
        egui::Theme::Light
    } else {
        egui::Theme::Dark
    });
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
    fn contrast_matches_the_wcag_reference_pairs() {
        let c = |a, b| contrast(Color32::from_gray(a), Color32::from_gray(b));
        assert!((c(0, 255) - 21.0).abs() < 1e-3, "{}", c(0, 255));
        assert!((c(255, 0) - 21.0).abs() < 1e-3);
        assert!((c(0x77, 0xff) - 4.48).abs() < 0.01, "{}", c(0x77, 0xff));
        assert!((c(0x76, 0xff) - 4.54).abs() < 0.01, "{}", c(0x76, 0xff));
        assert!((c(0x80, 0x80) - 1.0).abs() < 1e-6);
        // pure red on white: 4.0 by the published formula
        let red = contrast(Color32::from_rgb(255, 0, 0), Color32::WHITE);
        assert!((red - 4.0).abs() < 0.01, "{red}");
        assert!((luminance(Color32::WHITE) - 1.0).abs() < 1e-6);
        assert!(luminance(Color32::BLACK).abs() < 1e-6);
    }

    #[test]
    fn legible_keeps_readable_colours_and_darkens_or_lightens_the_others() {
        let white = Color32::WHITE;
        let dark_bg = Color32::from_gray(27);
        let ok = Color32::from_rgb(146, 84, 0);
        assert_eq!(legible(ok, white), ok);
        let amber = Color32::from_rgb(220, 170, 40);
        assert!(contrast(amber, white) < AA);
        let a = legible(amber, white);
        assert!(contrast(a, white) >= AA, "{a:?}");
        assert!(a.r() > a.b(), "still warm: {a:?}");
        let grey = Color32::from_gray(80);
        let g = legible(grey, dark_bg);
        assert!(contrast(g, dark_bg) >= AA && g.r() > 80, "{g:?}");
    }

    #[test]
    fn every_ink_reaches_aa_on_its_themes_backgrounds() {
        for dark in [false, true] {
            let mut vis = if dark {
                egui::Visuals::dark()
            } else {
                egui::Visuals::light()
            };
            tune(&mut vis);
            let ink = Ink::of(dark);
            let bgs = [vis.panel_fill, vis.window_fill, vis.extreme_bg_color];
            for (what, fg) in [
                ("text", vis.text_color()),
                ("strong", vis.strong_text_color()),
                ("weak", vis.weak_text_color()),
                ("error", vis.error_fg_color),
                ("warning", vis.warn_fg_color),
                ("good", ink.good),
                ("link", vis.hyperlink_color),
            ] {
                for bg in bgs {
                    let r = contrast(fg, bg);
                    assert!(r >= AA, "dark {dark}: {what} {fg:?} on {bg:?}: {r:.2}");
                }
            }
            for g in Group::ALL {
                let fill = body_fill(g, dark);
                for (i, fg) in node_text(g, &vis).into_iter().enumerate() {
                    let r = contrast(fg, fill);
                    assert!(r >= AA, "dark {dark}: {g:?} line {i}: {r:.2}");
                }
                // the badge glyph is an icon (the kind label says it in words): the
                // non-text contrast of WCAG 1.4.11, 3:1
                let badge = accent(g);
                assert!(contrast(on_badge(badge), badge) >= 3.0, "{g:?}");
            }
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

//! SVG of the diagram, drawn from the same geometry and styles as the canvas
//! ([`crate::diagram`]): a title, the boxes with their shape, glyph, kind and summary as
//! real `<text>`, the connections with arrowheads and labels, and an optional legend.
//! Kinds stay apart in black and white (shape and glyph), link kinds by their dashes.
//! Output is deterministic: coordinates are rounded to 0.1 px, order follows the
//! document.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::diagram::{
    self, Diagram, Group, INK, OUTLINE, PathOp, Pos, Shape, fit_text, outline, text_room,
};
use crate::model::text::is_unsafe_char;
use crate::model::{Document, LinkKind};

/// Fonts asked for, in order; renderers take the first they have.
pub const FONT_FAMILY: &str = "DejaVu Sans, Helvetica, Arial, sans-serif";

/// What to draw besides the diagram.
#[derive(Clone, Debug, PartialEq)]
pub struct SvgOptions {
    /// Draw the legend of the groups and link kinds used.
    pub legend: bool,
    /// Fill the background with this colour (`None`: transparent).
    pub background: Option<String>,
}

impl Default for SvgOptions {
    fn default() -> Self {
        SvgOptions {
            legend: true,
            background: Some("#ffffff".to_owned()),
        }
    }
}

/// Escape text for XML content and attribute values. Control and bidirectional
/// characters (which XML 1.0 mostly cannot hold, and which could rewrite a terminal the
/// file is printed on) become visible escapes such as `\u{1b}`; line feeds and tabs stay.
#[must_use]
pub fn xml(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c if is_unsafe_char(c) && c != '\n' && c != '\t' => s.extend(c.escape_default()),
            c => s.push(c),
        }
    }
    s
}

/// A coordinate rounded to 0.1 px, without `-0`.
fn f(x: f32) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 {
        "0".to_owned()
    } else if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

fn path_data(ops: &[PathOp], d: Pos) -> String {
    let p = |q: Pos| format!("{} {}", f(q[0] + d[0]), f(q[1] + d[1]));
    let mut s = String::new();
    for op in ops {
        if !s.is_empty() {
            s.push(' ');
        }
        match op {
            PathOp::MoveTo(a) => s.push_str(&format!("M{}", p(*a))),
            PathOp::LineTo(a) => s.push_str(&format!("L{}", p(*a))),
            PathOp::CubicTo(a, b, c) => {
                s.push_str(&format!("C{} {} {}", p(*a), p(*b), p(*c)));
            }
            PathOp::Close => s.push('Z'),
        }
    }
    s
}

fn shape_svg(out: &mut String, shape: Shape, min: Pos, max: Pos, fill: &str, d: Pos) {
    for (i, sub) in outline(shape, min, max).iter().enumerate() {
        let _ = writeln!(
            out,
            r#"    <path d="{}" fill="{}" stroke="{}" stroke-width="1.3"/>"#,
            path_data(sub, d),
            if i == 0 { fill } else { "none" },
            OUTLINE.hex()
        );
    }
}

const TITLE_H: f32 = 40.0;
const MARGIN: f32 = 20.0;
const LEGEND_ROW_H: f32 = 26.0;

/// A legend entry's text, right of its sample at `at`.
fn legend_label(out: &mut String, at: Pos, text: &str) {
    let _ = writeln!(
        out,
        r#"    <text x="{}" y="{}" font-size="11" fill="{}">{}</text>"#,
        f(at[0] + 42.0),
        f(at[1] + 15.0),
        INK.hex(),
        xml(text)
    );
}

/// The `stroke-dasharray` attribute of a link style (with a leading space), or nothing
/// for a solid line.
fn dash_attr(st: &diagram::LinkStyle) -> String {
    if st.dash_px.is_empty() {
        return String::new();
    }
    let v: Vec<String> = st.dash_px.iter().map(|x| f(*x)).collect();
    format!(r#" stroke-dasharray="{}""#, v.join(" "))
}

/// Draw a diagram already laid out.
#[must_use]
#[expect(
    clippy::too_many_lines,
    reason = "the SVG is written in paint order, back to front"
)]
pub fn render_diagram(dg: &Diagram, opts: &SvgOptions) -> String {
    let groups: BTreeSet<Group> = dg.nodes.iter().map(|n| n.style.group).collect();
    let links: BTreeSet<u8> = dg
        .edges
        .iter()
        .map(|e| match e.kind {
            LinkKind::Delivery => 0,
            LinkKind::DeadLetter => 1,
            LinkKind::OnFailure => 2,
        })
        .collect();
    let content_w = (dg.max[0] - dg.min[0]).max(0.0);
    let content_h = (dg.max[1] - dg.min[1]).max(0.0);
    let legend_items = if opts.legend {
        groups.len() + links.len()
    } else {
        0
    };
    // legend: items of 150 px in rows as wide as the picture
    let legend_w_item = 160.0;
    let width = (content_w + 2.0 * MARGIN)
        .max(diagram::text_width(&dg.title, 18.0) + 2.0 * MARGIN)
        .max(if legend_items > 0 {
            3.0 * legend_w_item + 2.0 * MARGIN
        } else {
            0.0
        });
    let per_row = (((width - 2.0 * MARGIN) / legend_w_item).floor() as usize).max(1);
    let legend_rows = legend_items.div_ceil(per_row);
    let legend_h = if legend_rows > 0 {
        legend_rows as f32 * LEGEND_ROW_H + 16.0
    } else {
        0.0
    };
    let height = TITLE_H + content_h + 2.0 * MARGIN + legend_h;
    // shift graph space so the content starts below the title, centred horizontally
    let d = [
        MARGIN - dg.min[0] + (width - 2.0 * MARGIN - content_w) / 2.0,
        TITLE_H + MARGIN - dg.min[1],
    ];
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT_FAMILY}">"#,
        w = f(width),
        h = f(height)
    );
    let _ = writeln!(out, "  <title>{}</title>", xml(&dg.title));
    if let Some(bg) = &opts.background {
        let _ = writeln!(
            out,
            r#"  <rect x="0" y="0" width="{}" height="{}" fill="{}"/>"#,
            f(width),
            f(height),
            xml(bg)
        );
    }
    let _ = writeln!(
        out,
        r#"  <text x="{}" y="28" font-size="18" font-weight="bold" fill="{}">{}</text>"#,
        f(MARGIN),
        INK.hex(),
        xml(&dg.title)
    );
    // edges under the boxes, labels above everything
    out.push_str("  <g id=\"connections\">\n");
    for e in &dg.edges {
        let st = diagram::link_style(e.kind);
        let p = |q: Pos| format!("{} {}", f(q[0] + d[0]), f(q[1] + d[1]));
        let dash = dash_attr(&st);
        let _ = writeln!(
            out,
            r#"    <path d="M{} C{} {} {}" fill="none" stroke="{}" stroke-width="{}"{dash} stroke-linecap="round"/>"#,
            p(e.path[0]),
            p(e.path[1]),
            p(e.path[2]),
            p(e.path[3]),
            st.colour.hex(),
            f(st.width_px),
        );
        let h = e.arrow_head(10.0, 4.5);
        let _ = writeln!(
            out,
            r#"    <polygon points="{} {} {}" fill="{}"/>"#,
            p(h[0]).replace(' ', ","),
            p(h[1]).replace(' ', ","),
            p(h[2]).replace(' ', ","),
            st.colour.hex()
        );
    }
    out.push_str("  </g>\n  <g id=\"components\">\n");
    for n in &dg.nodes {
        let _ = writeln!(out, "   <g id=\"{}\">", xml(&format!("c-{}", n.id)));
        shape_svg(
            &mut out,
            n.style.shape,
            n.min(),
            n.max(),
            &n.style.fill.hex(),
            d,
        );
        let room = text_room(n.style.shape, n.size[0], n.size[1]);
        let cx = n.center[0] + d[0] + diagram::text_dx(n.style.shape, n.size[0]);
        // a cylinder's rim takes the top of the box
        let cy = n.center[1]
            + d[1]
            + if n.style.shape == Shape::Cylinder {
                5.0
            } else {
                0.0
            };
        let name_px = if diagram::text_width(&n.name, 12.0) <= room {
            12.0
        } else {
            11.0
        };
        let _ = writeln!(
            out,
            r#"    <text x="{}" y="{}" font-size="{}" font-weight="bold" text-anchor="middle" fill="{}">{}</text>"#,
            f(cx),
            f(cy - 10.0),
            f(name_px),
            INK.hex(),
            xml(&fit_text(&n.name, room, name_px))
        );
        // "SQS queue" with glyph "SQS" reads as **SQS** queue, not SQS SQS queue
        let rest = n.style.kind_rest();
        let kind_line = fit_text(
            rest,
            room - diagram::text_width(n.style.glyph, 10.0) - 6.0,
            10.0,
        );
        let _ = writeln!(
            out,
            r#"    <text x="{}" y="{}" font-size="10" text-anchor="middle" fill="{}"><tspan font-weight="bold">{}</tspan> {}</text>"#,
            f(cx),
            f(cy + 4.0),
            INK.hex(),
            xml(n.style.glyph),
            xml(&kind_line)
        );
        let _ = writeln!(
            out,
            r#"    <text x="{}" y="{}" font-size="10" text-anchor="middle" fill="{}">{}</text>"#,
            f(cx),
            f(cy + 17.0),
            INK.hex(),
            xml(&fit_text(&n.summary, room, 10.0))
        );
        out.push_str("   </g>\n");
    }
    out.push_str("  </g>\n  <g id=\"labels\">\n");
    for e in &dg.edges {
        if e.label.is_empty() {
            continue;
        }
        let [w, h] = e.label_size();
        let c = [e.label_center[0] + d[0], e.label_center[1] + d[1]];
        let _ = writeln!(
            out,
            r##"    <rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="#ffffff" fill-opacity="0.92" stroke="#c8ccd0" stroke-width="0.6"/>"##,
            f(c[0] - w / 2.0),
            f(c[1] - h / 2.0),
            f(w),
            f(h)
        );
        for (i, line) in e.label.iter().enumerate() {
            let y =
                c[1] - h / 2.0 + 2.0 + (i as f32 + 1.0) * (diagram::geometry::LABEL_FONT_PX + 2.0)
                    - 2.5;
            let _ = writeln!(
                out,
                r#"    <text x="{}" y="{}" font-size="{}" text-anchor="middle" fill="{}">{}</text>"#,
                f(c[0]),
                f(y),
                f(diagram::geometry::LABEL_FONT_PX),
                INK.hex(),
                xml(line)
            );
        }
    }
    out.push_str("  </g>\n");
    if legend_items > 0 {
        let top = TITLE_H + content_h + 2.0 * MARGIN + 8.0;
        let _ = writeln!(
            out,
            r##"  <g id="legend">
    <line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#c8ccd0" stroke-width="0.8"/>"##,
            f(MARGIN),
            f(top - 6.0),
            f(width - MARGIN),
            f(top - 6.0)
        );
        let mut i = 0usize;
        let mut slot = || {
            let (r, c) = (i / per_row, i % per_row);
            i += 1;
            [
                MARGIN + c as f32 * legend_w_item,
                top + r as f32 * LEGEND_ROW_H,
            ]
        };
        for g in &groups {
            let [x, y] = slot();
            let shape = g.shape();
            shape_svg(
                &mut out,
                shape,
                [x, y + 2.0],
                [x + 34.0, y + 20.0],
                &g.fill().hex(),
                [0.0, 0.0],
            );
            legend_label(&mut out, [x, y], g.label());
        }
        for (k, kind) in [
            LinkKind::Delivery,
            LinkKind::DeadLetter,
            LinkKind::OnFailure,
        ]
        .iter()
        .enumerate()
        {
            if !links.contains(&(k as u8)) {
                continue;
            }
            let st = diagram::link_style(*kind);
            let [x, y] = slot();
            let dash = dash_attr(&st);
            let _ = writeln!(
                out,
                r#"    <line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"{dash} stroke-linecap="round"/>"#,
                f(x),
                f(y + 11.0),
                f(x + 34.0),
                f(y + 11.0),
                st.colour.hex(),
                f(st.width_px)
            );
            legend_label(&mut out, [x, y], st.label);
        }
        out.push_str("  </g>\n");
    }
    out.push_str("</svg>\n");
    out
}

/// The design's diagram as SVG text.
#[must_use]
pub fn render(doc: &Document, opts: &SvgOptions) -> String {
    render_diagram(&diagram::layout(doc), opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::from_ron_str;

    #[test]
    fn text_is_escaped_and_real() {
        let doc = from_ron_str(
            r#"(name: "A & <B>", components: [(id: "p", name: "x \"y\"", kind: Producer()), (id: "s", kind: Sink())],
               connections: [(from: "p", to: "s")])"#,
        )
        .unwrap();
        let svg = render(&doc, &SvgOptions::default());
        assert!(svg.contains("<title>A &amp; &lt;B&gt;</title>"), "{svg}");
        assert!(svg.contains("x &quot;y&quot;</text>"), "{svg}");
        assert!(svg.contains("<polygon"), "arrowheads");
        assert!(svg.contains("id=\"legend\""));
        assert_eq!(svg, render(&doc, &SvgOptions::default()), "deterministic");
    }

    #[test]
    fn empty_documents_render() {
        let doc = from_ron_str("()").unwrap();
        let svg = render(
            &doc,
            &SvgOptions {
                legend: false,
                background: None,
            },
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
    }
}

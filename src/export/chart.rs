//! Small line charts drawn as SVG by hand (throughput and cost over time), for the
//! Markdown spec. Series are told apart by colour and dash pattern, so they read in black
//! and white too.

use std::fmt::Write as _;

use super::svg::{FONT_FAMILY, xml};
use crate::diagram::num;

/// One line of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Legend text.
    pub name: String,
    /// Values, one per bucket.
    pub values: Vec<f64>,
}

const COLOURS: [&str; 6] = [
    "#1f5fa8", "#c0392b", "#2e8b57", "#b36b00", "#6a3d9a", "#444444",
];
const DASHES: [&str; 6] = ["", "6 3", "2 3", "8 3 2 3", "4 4", "1 2"];

/// A tick step of 1, 2 or 5 times a power of ten giving about `n` ticks up to `max`.
fn nice_step(max: f64, n: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let raw = max / n;
    let p = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= raw {
            return m * p;
        }
    }
    10.0 * p
}

/// Draw a chart: `x_step` is the bucket width in `x_unit`s.
#[must_use]
pub fn line_chart(title: &str, y_label: &str, x_step: f64, x_unit: &str, lines: &[Line]) -> String {
    let (w, h) = (640.0f64, 300.0f64);
    let (l, r, t, b) = (64.0, 170.0, 36.0, 44.0);
    let (pw, ph) = (w - l - r, h - t - b);
    let n = lines
        .iter()
        .map(|s| s.values.len())
        .max()
        .unwrap_or(0)
        .max(2);
    let ymax_raw = lines
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let ystep = nice_step(ymax_raw, 5.0);
    let ymax = (ymax_raw / ystep).ceil().max(1.0) * ystep;
    let xmax = (n - 1) as f64 * x_step;
    let xstep = nice_step(xmax, 6.0);
    let px = |i: f64| l + i * x_step / xmax.max(1e-9) * pw;
    let py = |v: f64| t + ph - v / ymax * ph;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT_FAMILY}">"#
    );
    let _ = writeln!(s, "  <title>{}</title>", xml(title));
    let _ = writeln!(s, r##"  <rect width="{w}" height="{h}" fill="#ffffff"/>"##);
    let _ = writeln!(
        s,
        r##"  <text x="{l}" y="22" font-size="14" font-weight="bold" fill="#1f2328">{}</text>"##,
        xml(title)
    );
    let mut y = 0.0;
    while y <= ymax + ystep * 1e-6 {
        let yy = py(y);
        let _ = writeln!(
            s,
            r##"  <line x1="{l}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e3e6e8" stroke-width="1"/>
  <text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="#444">{}</text>"##,
            l + pw,
            l - 6.0,
            yy + 3.5,
            num(y)
        );
        y += ystep;
    }
    let mut x = 0.0;
    while x <= xmax + xstep * 1e-6 {
        let xx = l + x / xmax.max(1e-9) * pw;
        let _ = writeln!(
            s,
            r##"  <line x1="{xx:.1}" y1="{:.1}" x2="{xx:.1}" y2="{:.1}" stroke="#888" stroke-width="1"/>
  <text x="{xx:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#444">{}</text>"##,
            t + ph,
            t + ph + 4.0,
            t + ph + 16.0,
            num(x)
        );
        x += xstep;
    }
    let _ = writeln!(
        s,
        r##"  <rect x="{l}" y="{t}" width="{pw}" height="{ph}" fill="none" stroke="#888" stroke-width="1"/>
  <text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#1f2328">time ({})</text>
  <text x="14" y="{:.1}" font-size="11" text-anchor="middle" fill="#1f2328" transform="rotate(-90 14 {:.1})">{}</text>"##,
        l + pw / 2.0,
        h - 8.0,
        xml(x_unit),
        t + ph / 2.0,
        t + ph / 2.0,
        xml(y_label)
    );
    for (i, line) in lines.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let dash = DASHES[i % DASHES.len()];
        let dash_attr = if dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{dash}""#)
        };
        let pts: Vec<String> = line
            .values
            .iter()
            .enumerate()
            .map(|(k, v)| {
                let v = if v.is_finite() { *v } else { 0.0 };
                format!("{:.1},{:.1}", px(k as f64), py(v))
            })
            .collect();
        if !pts.is_empty() {
            let _ = writeln!(
                s,
                r#"  <polyline points="{}" fill="none" stroke="{colour}" stroke-width="1.8"{dash_attr}/>"#,
                pts.join(" ")
            );
        }
        let ly = t + 10.0 + i as f64 * 18.0;
        let lx = l + pw + 12.0;
        let name: String = if line.name.chars().count() > 20 {
            line.name.chars().take(19).chain(['…']).collect()
        } else {
            line.name.clone()
        };
        let _ = writeln!(
            s,
            r##"  <line x1="{lx:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="1.8"{dash_attr}/>
  <text x="{:.1}" y="{:.1}" font-size="10" fill="#1f2328">{}</text>"##,
            lx + 24.0,
            lx + 30.0,
            ly + 3.5,
            xml(&name)
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(100.0, 5.0), 20.0);
        assert_eq!(nice_step(7.0, 5.0), 2.0);
        assert_eq!(nice_step(0.0, 5.0), 1.0);
    }

    #[test]
    fn charts_are_svg_even_without_data() {
        let s = line_chart("t", "y", 1.0, "s", &[]);
        assert!(s.starts_with("<svg") && s.ends_with("</svg>\n"));
        let s = line_chart(
            "t",
            "y",
            60.0,
            "min",
            &[Line {
                name: "a".into(),
                values: vec![1.0, f64::NAN, 3.0],
            }],
        );
        assert!(s.contains("<polyline"));
    }
}

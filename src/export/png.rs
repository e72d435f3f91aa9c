//! PNG of the diagram: the SVG of [`super::svg`] rasterised with resvg at a chosen scale.
//!
//! Text is drawn with the DejaVu Sans files bundled in `assets/fonts/` (the first family
//! the SVG asks for), never with the machine's fonts, so the same design gives the same
//! pixels everywhere. The background is whatever the SVG has: a solid fill or, with
//! [`super::svg::SvgOptions::background`] set to `None`, transparent.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

/// Scales accepted by [`render`] (1 = one pixel per SVG unit).
pub const SCALE_RANGE: std::ops::RangeInclusive<f32> = 0.25..=8.0;

/// The largest picture [`render`] makes, in pixels per side; past it the export is
/// refused rather than allocating gigabytes.
pub const MAX_SIDE_PX: u32 = 16_384;

/// The largest picture [`render`] makes, in pixels (about 400 MB of RGBA).
pub const MAX_PIXELS: u64 = 100_000_000;

/// DejaVu Sans, the text face of exported pictures (the editor uses it as a fallback).
pub static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Why a PNG could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PngError {
    /// The scale is outside [`SCALE_RANGE`] or not a number.
    #[error("scale {0} is out of range; use a number from 0.25 to 8")]
    Scale(f32),
    /// The SVG did not parse (a bug in the SVG writer if it came from there).
    #[error("the SVG could not be read: {0}")]
    Svg(String),
    /// The picture would be too large.
    #[error(
        "the picture would be {width} x {height} px, more than the {MAX_SIDE_PX} px per side or {MAX_PIXELS} pixels allowed; use a smaller scale"
    )]
    TooLarge {
        /// Width in pixels.
        width: u64,
        /// Height in pixels.
        height: u64,
    },
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
}

/// The bundled fonts, loaded once.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(REGULAR.to_vec());
        db.load_font_data(BOLD.to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        Arc::new(db)
    })
    .clone()
}

/// Parse SVG text with the bundled fonts (used by [`render`], and by tests to check that
/// every SVG the exporters write is well formed).
///
/// # Errors
/// [`PngError::Svg`] with the parser's message.
pub fn parse_svg(svg: &str) -> Result<usvg::Tree, PngError> {
    let opt = usvg::Options {
        font_family: "DejaVu Sans".to_owned(),
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &opt).map_err(|e| PngError::Svg(e.to_string()))
}

/// The pixel size of `svg` at `scale`, without drawing it.
///
/// # Errors
/// As [`render`], except encoding.
pub fn size(svg: &str, scale: f32) -> Result<(u32, u32), PngError> {
    let tree = parse_svg(svg)?;
    pixel_size(&tree, scale)
}

fn pixel_size(tree: &usvg::Tree, scale: f32) -> Result<(u32, u32), PngError> {
    if !SCALE_RANGE.contains(&scale) {
        return Err(PngError::Scale(scale));
    }
    let s = tree.size();
    // f32 -> u64 saturates; the sizes are positive (usvg refuses empty pictures)
    let width = (f64::from(s.width()) * f64::from(scale)).ceil() as u64;
    let height = (f64::from(s.height()) * f64::from(scale)).ceil() as u64;
    if width > u64::from(MAX_SIDE_PX)
        || height > u64::from(MAX_SIDE_PX)
        || width.saturating_mul(height) > MAX_PIXELS
    {
        return Err(PngError::TooLarge { width, height });
    }
    Ok((
        u32::try_from(width.max(1)).unwrap_or(1),
        u32::try_from(height.max(1)).unwrap_or(1),
    ))
}

/// Rasterise `svg` at `scale` (2 gives a picture sharp on high-density screens) and
/// encode it as PNG. Deterministic: the same SVG and scale give the same bytes.
///
/// # Errors
/// A scale out of [`SCALE_RANGE`], an SVG that does not parse, a picture larger than
/// [`MAX_SIDE_PX`] per side or [`MAX_PIXELS`] in all, or an encoding failure.
pub fn render(svg: &str, scale: f32) -> Result<Vec<u8>, PngError> {
    let tree = parse_svg(svg)?;
    let (w, h) = pixel_size(&tree, scale)?;
    let mut pixmap = tiny_skia::Pixmap::new(w, h).ok_or(PngError::TooLarge {
        width: u64::from(w),
        height: u64::from(h),
    })?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| PngError::Encode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20" viewBox="0 0 40 20"><rect x="0" y="0" width="20" height="20" fill="#ff0000"/></svg>"##;

    fn decode(png: &[u8]) -> tiny_skia::Pixmap {
        tiny_skia::Pixmap::decode_png(png).expect("a PNG")
    }

    #[test]
    fn scale_sets_the_size_and_unfilled_pixels_stay_transparent() {
        let png = render(SQUARE, 2.0).unwrap();
        let p = decode(&png);
        assert_eq!((p.width(), p.height()), (80, 40));
        let red = p.pixel(10, 10).unwrap();
        assert_eq!((red.red(), red.alpha()), (255, 255));
        assert_eq!(p.pixel(70, 30).unwrap().alpha(), 0);
    }

    #[test]
    fn text_is_drawn_with_the_bundled_font() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="4" y="28" font-family="Nonexistent, sans-serif" font-size="24" fill="#000000">λ Ag</text></svg>"##;
        let p = decode(&render(svg, 1.0).unwrap());
        let inked = p.pixels().iter().filter(|c| c.alpha() > 128).count();
        assert!(inked > 50, "only {inked} pixels of text");
    }

    #[test]
    fn bad_scale_bad_svg_and_huge_pictures_are_refused() {
        assert_eq!(render(SQUARE, 0.0), Err(PngError::Scale(0.0)));
        assert!(matches!(render(SQUARE, f32::NAN), Err(PngError::Scale(_))));
        assert!(matches!(render("<svg", 1.0), Err(PngError::Svg(_))));
        let huge = SQUARE.replace(r#"width="40" height="20""#, r#"width="9000" height="9000""#);
        assert!(matches!(
            render(&huge, 2.0),
            Err(PngError::TooLarge {
                width: 18000,
                height: 18000
            })
        ));
    }

    #[test]
    fn same_svg_same_bytes() {
        assert_eq!(render(SQUARE, 1.5).unwrap(), render(SQUARE, 1.5).unwrap());
    }
}

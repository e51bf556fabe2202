//! Colours and sizes shared by every chart.
//!
//! Series colours are from Okabe & Ito's palette, which people with the
//! common colour-vision deficiencies tell apart; where two series share a
//! chart they also differ in lightness and in form (bars against a line with
//! markers), so a greyscale print keeps them apart too. Quantities on a map or
//! heatmap use one blue ramp from light to dark, which prints as light to
//! dark grey.

use plotters::style::RGBColor;

/// Charts are drawn at 800 × 450 (16:9): a slide at 2× is 1600 × 900.
pub const WIDTH: u32 = 800;
pub const HEIGHT: u32 = 450;

pub const TITLE_SIZE: f64 = 26.0;
pub const LABEL_SIZE: f64 = 19.0;
pub const SMALL_SIZE: f64 = 16.0;
/// Left margin of titles and plots.
pub const PAD: i32 = 24;
/// Where the plot starts below the title and its subtitle.
pub const PLOT_TOP: i32 = 78;

pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub const MUTED: RGBColor = RGBColor(0x5f, 0x5f, 0x5f);
pub const GRID: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);
pub const EMPTY_FILL: RGBColor = RGBColor(0xf3, 0xf3, 0xf3);

/// Okabe–Ito blue: the main series (dark in grey).
pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xb2);
/// Okabe–Ito sky blue: bars behind a line (light in grey).
pub const SKY: RGBColor = RGBColor(0x56, 0xb4, 0xe9);
/// Okabe–Ito vermillion: the second series, always a line with markers.
pub const VERMILLION: RGBColor = RGBColor(0xd5, 0x5e, 0x00);
/// Okabe–Ito bluish green: positive feedback (ratings are also named on
/// their bars, so grey prints lose nothing).
pub const GREEN: RGBColor = RGBColor(0x00, 0x9e, 0x73);
/// Neutral feedback, and the "others" bar of a breakdown.
pub const GREY: RGBColor = RGBColor(0x99, 0x99, 0x99);

/// A sequential ramp (ColorBrewer Blues, lightest usable step first).
pub const RAMP: [RGBColor; 5] = [
    RGBColor(0xc6, 0xdb, 0xef),
    RGBColor(0x9e, 0xca, 0xe1),
    RGBColor(0x6b, 0xae, 0xd6),
    RGBColor(0x31, 0x82, 0xbd),
    RGBColor(0x08, 0x45, 0x94),
];

/// A colour between the ramp's ends, `t` in 0..=1 (for the heatmap).
pub fn ramp(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let (a, b) = (RGBColor(0xf4, 0xf8, 0xfc), RAMP[4]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

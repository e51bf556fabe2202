//! Conversations per country on a world map: country shapes from Natural
//! Earth (via world-atlas, `data/world/`), keyed by ISO alpha-2 as the
//! metrics are, filled in five classes of one blue ramp (light to dark grey
//! in print), projected with the Natural Earth projection.

use super::{empty, header, label, Area, Chart, DrawResult};
use crate::report::format;
use crate::report::style::{self, HEIGHT, INK, MUTED, PAD, PLOT_TOP, RAMP, WIDTH};
use crate::report::text::ellipsize;
use crate::report::ReportData;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;
use std::collections::BTreeMap;
use std::sync::OnceLock;

static GEOMETRY: &[u8] = include_bytes!("../../../data/world/countries-110m.json");

/// Land with no conversations: lighter than the ramp's first class in grey too.
const NO_DATA: RGBColor = RGBColor(0xec, 0xec, 0xec);
const BORDER: RGBColor = RGBColor(0xb0, 0xb0, 0xb0);

#[derive(serde::Deserialize)]
struct Atlas {
    countries: BTreeMap<String, Shape>,
}

#[derive(serde::Deserialize)]
struct Shape {
    name: String,
    /// Polygons of rings of flat `[lon, lat, ...]`; the first ring is the outline.
    polygons: Vec<Vec<Vec<f64>>>,
}

/// A country projected: its outlines in projection units, and their area.
pub struct Country {
    pub code: String,
    pub name: String,
    rings: Vec<Vec<(f64, f64)>>,
    area: f64,
}

/// The Natural Earth I projection (Šavrič et al. 2011): a compromise that
/// keeps the continents recognisable without a globe's distortion at the poles.
fn project(lon: f64, lat: f64) -> (f64, f64) {
    let (l, p) = (lon.to_radians(), lat.to_radians());
    let p2 = p * p;
    let p4 = p2 * p2;
    let x = l * (0.870700 - 0.131979 * p2 + p4 * (-0.013791 + p4 * (0.003971 * p2 - 0.001529 * p4)));
    let y = p * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4)));
    (x, y)
}

/// Every country but Antarctica (which would take a fifth of the height and
/// never has conversations), largest first so enclaves are drawn on top.
pub fn countries() -> &'static [Country] {
    static COUNTRIES: OnceLock<Vec<Country>> = OnceLock::new();
    COUNTRIES.get_or_init(|| {
        let atlas: Atlas = serde_json::from_slice(GEOMETRY).expect("the bundled map geometry is valid JSON");
        let mut out: Vec<Country> = atlas
            .countries
            .into_iter()
            .filter(|(code, _)| code != "AQ")
            .map(|(code, shape)| {
                let rings: Vec<Vec<(f64, f64)>> = shape
                    .polygons
                    .iter()
                    .filter_map(|polygon| polygon.first())
                    .map(|ring| ring.chunks_exact(2).map(|p| project(p[0], p[1])).collect())
                    .collect();
                let area = rings.iter().map(|r| shoelace(r).abs()).sum();
                Country { code, name: shape.name, rings, area }
            })
            .collect();
        out.sort_by(|a, b| b.area.total_cmp(&a.area).then_with(|| a.code.cmp(&b.code)));
        out
    })
}

fn shoelace(ring: &[(f64, f64)]) -> f64 {
    ring.iter().zip(ring.iter().cycle().skip(1)).map(|(a, b)| a.0 * b.1 - b.0 * a.1).sum::<f64>() / 2.0
}

/// The English short name of a country the map knows, else its code.
pub fn country_name(code: &str) -> String {
    match countries().iter().find(|c| c.code == code) {
        Some(c) => c.name.clone(),
        None if code == "unknown" => "Unknown".to_owned(),
        None => code.to_owned(),
    }
}

/// Class limits: up to five classes of about equally many countries, so a
/// few big countries do not leave every other one in the palest blue.
fn classes(values: &[u64]) -> Vec<(u64, u64)> {
    let mut v: Vec<u64> = values.iter().copied().filter(|&n| n > 0).collect();
    v.sort_unstable();
    v.dedup();
    if v.is_empty() {
        return Vec::new();
    }
    let k = v.len().min(RAMP.len());
    let mut out = Vec::with_capacity(k);
    for i in 0..k {
        let lo = v[i * v.len() / k];
        let hi = v[((i + 1) * v.len() / k) - 1];
        out.push((lo, hi));
    }
    out
}

pub fn draw(root: &Area, data: &ReportData) -> DrawResult {
    let m = &data.view.dashboard.current;
    if m.total_conversations == 0 {
        return empty(root, Chart::WorldMap, "No conversations started in this period.");
    }
    let unknown = m.countries.get("unknown").copied().unwrap_or(0);
    let located = m.total_conversations.saturating_sub(unknown);
    let n_countries = m.countries.keys().filter(|k| *k != "unknown").count();
    header(
        root,
        Chart::WorldMap,
        &format!(
            "{} conversations from {} countries · {} without a known country",
            format::count(located),
            n_countries,
            format::count(unknown)
        ),
    )?;
    let limits = classes(&m.countries.iter().filter(|(k, _)| *k != "unknown").map(|(_, &v)| v).collect::<Vec<_>>());
    // Spread the ramp over however many classes there are, darkest last.
    let class_color =
        |i: usize| RAMP[if limits.len() <= 1 { RAMP.len() - 1 } else { i * (RAMP.len() - 1) / (limits.len() - 1) }];
    let color_of = |n: u64| -> RGBColor {
        match limits.iter().position(|&(_, hi)| n <= hi) {
            Some(i) if n > 0 => class_color(i),
            _ => NO_DATA,
        }
    };

    let shapes = countries();
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in shapes.iter().flat_map(|c| c.rings.iter().flatten()) {
        x0 = x0.min(p.0);
        x1 = x1.max(p.0);
        y0 = y0.min(p.1);
        y1 = y1.max(p.1);
    }
    let (left, top) = (PAD, PLOT_TOP + 4);
    let (w, h) = (WIDTH as i32 - 2 * PAD, HEIGHT as i32 - top - 64);
    let scale = (f64::from(w) / (x1 - x0)).min(f64::from(h) / (y1 - y0));
    let ox = f64::from(left) + (f64::from(w) - (x1 - x0) * scale) / 2.0;
    let to_px = |p: &(f64, f64)| {
        ((ox + (p.0 - x0) * scale).round() as i32, (f64::from(top) + (y1 - p.1) * scale).round() as i32)
    };
    for c in shapes {
        let fill = color_of(m.countries.get(&c.code).copied().unwrap_or(0));
        for ring in &c.rings {
            let mut pts: Vec<(i32, i32)> = ring.iter().map(to_px).collect();
            pts.dedup();
            if pts.len() < 3 {
                continue;
            }
            root.draw(&Polygon::new(pts.clone(), fill.filled()))?;
            pts.push(pts[0]);
            root.draw(&PathElement::new(pts, BORDER.stroke_width(1)))?;
        }
    }

    // The legend: each class's range of conversations, and land with none.
    let mut x = PAD;
    let y = HEIGHT as i32 - 44;
    label(root, "conversations:", (x, y), style::SMALL_SIZE, INK, HPos::Left)?;
    x += 124;
    let mut entries: Vec<(RGBColor, String)> = limits
        .iter()
        .enumerate()
        .map(|(i, &(lo, hi))| {
            (
                class_color(i),
                if lo == hi { format::count(lo) } else { format!("{}–{}", format::count(lo), format::count(hi)) },
            )
        })
        .collect();
    entries.push((NO_DATA, "none".to_owned()));
    for (c, text) in entries {
        root.draw(&Rectangle::new([(x, y - 8), (x + 20, y + 8)], c.filled()))?;
        root.draw(&Rectangle::new([(x, y - 8), (x + 20, y + 8)], BORDER.stroke_width(1)))?;
        label(root, &text, (x + 26, y), style::SMALL_SIZE, INK, HPos::Left)?;
        x += 26 + crate::report::font::text_width(&text, style::SMALL_SIZE, false).ceil() as i32 + 16;
    }
    let attribution = format!("Map: Natural Earth. {}", data.view.extras.geo_attribution);
    let attribution = ellipsize(&attribution, 12.0, false, f64::from(WIDTH) - 2.0 * f64::from(PAD));
    label(root, &attribution, (PAD, HEIGHT as i32 - 16), 12.0, MUTED, HPos::Left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_knows_the_big_countries_by_alpha_2() {
        for code in ["US", "BR", "DE", "IN", "CN", "AU", "ZA", "FR", "RU"] {
            assert!(countries().iter().any(|c| c.code == code), "{code} has a shape");
        }
        assert_eq!(country_name("DE"), "Germany");
    }

    #[test]
    fn classes_split_counts_into_at_most_five_ranges() {
        assert_eq!(classes(&[5]), vec![(5, 5)]);
        let c = classes(&(1..=100).collect::<Vec<_>>());
        assert_eq!(c.len(), 5);
        assert_eq!(c[0], (1, 20));
        assert_eq!(c[4], (81, 100));
    }
}

//! The bundled font (Noto Sans, SIL OFL 1.1, `data/fonts/`): charts are
//! measured and drawn with it and PDFs embed it, so a report's text looks the
//! same on every machine whatever fonts it has installed.

use std::sync::{Arc, Once, OnceLock};

/// The family name every report drawing asks for.
pub const FAMILY: &str = "Noto Sans";
/// What a viewer of an SVG or HTML file without the font falls back to.
pub const CSS_FAMILY: &str = "'Noto Sans', 'Helvetica Neue', Arial, sans-serif";

pub static REGULAR: &[u8] = include_bytes!("../../data/fonts/NotoSans-Regular.ttf");
pub static BOLD: &[u8] = include_bytes!("../../data/fonts/NotoSans-Bold.ttf");

/// Registers the font with plotters (once per process): plotters measures
/// text with registered fonts only, and refuses a family it does not know.
pub fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use plotters::style::{register_font, FontStyle};
        // The bytes are compiled in and known good; a failure here would be
        // caught by every chart test, so there is nothing to report at run time.
        let _ = register_font(FAMILY, FontStyle::Normal, REGULAR);
        let _ = register_font(FAMILY, FontStyle::Bold, BOLD);
    });
}

/// The fonts usvg (PNG and PDF) may use: only the bundled ones, so output
/// never depends on the machine.
pub fn database() -> Arc<resvg::usvg::fontdb::Database> {
    static DB: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_font_data(REGULAR.to_vec());
        db.load_font_data(BOLD.to_vec());
        db.set_sans_serif_family(FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// usvg options that resolve every family to the bundled font.
pub fn usvg_options() -> resvg::usvg::Options<'static> {
    resvg::usvg::Options { font_family: FAMILY.to_owned(), fontdb: database(), ..resvg::usvg::Options::default() }
}

/// Advance widths per character at 1 unit of font size, for laying out pages.
struct Metrics {
    widths: std::collections::HashMap<char, f32>,
    fallback: f32,
}

fn metrics(bold: bool) -> &'static Metrics {
    static REG: OnceLock<Metrics> = OnceLock::new();
    static BLD: OnceLock<Metrics> = OnceLock::new();
    let build = |data: &'static [u8]| {
        let face = ttf_parser::Face::parse(data, 0).expect("the bundled font parses");
        let per_em = f32::from(face.units_per_em());
        let mut widths = std::collections::HashMap::new();
        if let Some(table) = face.tables().cmap {
            for sub in table.subtables.into_iter().filter(|s| s.is_unicode()) {
                sub.codepoints(|cp| {
                    if let (Some(c), Some(g)) = (char::from_u32(cp), sub.glyph_index(cp)) {
                        if let Some(adv) = face.glyph_hor_advance(g) {
                            widths.insert(c, f32::from(adv) / per_em);
                        }
                    }
                });
            }
        }
        Metrics { widths, fallback: 0.6 }
    };
    if bold {
        BLD.get_or_init(|| build(BOLD))
    } else {
        REG.get_or_init(|| build(REGULAR))
    }
}

/// The width of `text` set at `size` (same unit out as in), without kerning.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let m = metrics(bold);
    text.chars().map(|c| f64::from(*m.widths.get(&c).unwrap_or(&m.fallback))).sum::<f64>() * size
}

//! SVG to pixels, with the embedded font: resvg parses and rasterises; PNG
//! encoding is tiny-skia's.

use std::sync::{Arc, OnceLock};

use resvg::usvg::{self, fontdb};

pub use resvg::tiny_skia::Pixmap;

use crate::PlotError;

/// The fonts text may use: DejaVu Sans and its bold, nothing from the system.
fn fonts() -> Arc<fontdb::Database> {
    static FONTS: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = fontdb::Database::new();
            db.load_font_data(dejavu::sans::regular().to_vec());
            db.load_font_data(dejavu::sans::bold().to_vec());
            db.set_sans_serif_family(crate::svg::FONT);
            Arc::new(db)
        })
        .clone()
}

/// The pixels of an SVG document, at its own size.
pub fn rasterize(svg: &str) -> Result<Pixmap, PlotError> {
    let options = usvg::Options {
        font_family: crate::svg::FONT.to_string(),
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| PlotError::Render(e.to_string()))?;
    let size = tree.size().to_int_size();
    let mut pixmap = Pixmap::new(size.width(), size.height())
        .ok_or_else(|| PlotError::Render(format!("an empty picture ({size:?})")))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}

/// A PNG file's bytes.
pub fn png(pixmap: &Pixmap) -> Result<Vec<u8>, PlotError> {
    pixmap
        .encode_png()
        .map_err(|e| PlotError::Render(e.to_string()))
}

/// An opaque RGB image of `width x height` pixels (`rgb` row by row, top first) as PNG bytes.
pub fn png_of_rgb(rgb: &[[u8; 3]], width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
    let mut pixmap = Pixmap::new(width, height)
        .ok_or_else(|| PlotError::Render(format!("an empty image ({width}x{height})")))?;
    for (px, c) in pixmap.data_mut().chunks_exact_mut(4).zip(rgb) {
        px.copy_from_slice(&[c[0], c[1], c[2], 255]);
    }
    png(&pixmap)
}

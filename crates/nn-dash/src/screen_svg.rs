//! A ratatui buffer as an SVG document: every cell's symbol in a monospace
//! font on its background, in the colours (true colour, the 256 indexed ones,
//! the named ones) and weight the terminal shows, so a saved screen reads as it
//! looked. Runs of cells in one style become one `<text>` whose characters are
//! each placed at their cell, so columns line up whatever font renders it.

use std::fmt::Write as _;

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};

/// Width of a cell in SVG pixels.
pub const CELL_WIDTH: u32 = 9;
/// Height of a cell in SVG pixels.
pub const CELL_HEIGHT: u32 = 18;
/// Text with no colour of its own (`Color::Reset`): a light grey, as dark terminals show it.
pub const DEFAULT_FG: [u8; 3] = [0xd0, 0xd0, 0xd0];
/// The background with no colour of its own: black.
pub const DEFAULT_BG: [u8; 3] = [0, 0, 0];

/// The colour `color` stands for, `default` for [`Color::Reset`]. Indexed colours
/// are xterm's 256: 16 named, a 6×6×6 cube, 24 greys.
pub fn rgb(color: Color, default: [u8; 3]) -> [u8; 3] {
    match color {
        Color::Reset => default,
        Color::Rgb(r, g, b) => [r, g, b],
        Color::Indexed(i) => indexed_rgb(i),
        Color::Black => indexed_rgb(0),
        Color::Red => indexed_rgb(1),
        Color::Green => indexed_rgb(2),
        Color::Yellow => indexed_rgb(3),
        Color::Blue => indexed_rgb(4),
        Color::Magenta => indexed_rgb(5),
        Color::Cyan => indexed_rgb(6),
        Color::Gray => indexed_rgb(7),
        Color::DarkGray => indexed_rgb(8),
        Color::LightRed => indexed_rgb(9),
        Color::LightGreen => indexed_rgb(10),
        Color::LightYellow => indexed_rgb(11),
        Color::LightBlue => indexed_rgb(12),
        Color::LightMagenta => indexed_rgb(13),
        Color::LightCyan => indexed_rgb(14),
        Color::White => indexed_rgb(15),
    }
}

/// xterm's colour number `i`.
pub fn indexed_rgb(i: u8) -> [u8; 3] {
    const NAMED: [[u8; 3]; 16] = [
        [0, 0, 0],
        [205, 0, 0],
        [0, 205, 0],
        [205, 205, 0],
        [0, 0, 238],
        [205, 0, 205],
        [0, 205, 205],
        [229, 229, 229],
        [127, 127, 127],
        [255, 0, 0],
        [0, 255, 0],
        [255, 255, 0],
        [92, 92, 255],
        [255, 0, 255],
        [0, 255, 255],
        [255, 255, 255],
    ];
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    match i {
        0..=15 => NAMED[usize::from(i)],
        16..=231 => {
            let k = i - 16;
            [
                LEVELS[usize::from(k / 36)],
                LEVELS[usize::from(k / 6 % 6)],
                LEVELS[usize::from(k % 6)],
            ]
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            [v, v, v]
        }
    }
}

/// How a cell looks: its foreground, background and weight, reversal applied.
fn look(cell: &Cell) -> ([u8; 3], [u8; 3], bool) {
    let fg = rgb(cell.fg, DEFAULT_FG);
    let bg = rgb(cell.bg, DEFAULT_BG);
    let bold = cell.modifier.contains(Modifier::BOLD);
    if cell.modifier.contains(Modifier::REVERSED) {
        (bg, fg, bold)
    } else {
        (fg, bg, bold)
    }
}

fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn escape(c: char, out: &mut String) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        // Control characters are not allowed in XML; a cell never means one.
        c if c.is_control() => out.push(' '),
        c => out.push(c),
    }
}

/// The buffer as an SVG document, [`CELL_WIDTH`] × [`CELL_HEIGHT`] pixels a cell.
pub fn buffer_svg(buffer: &Buffer) -> String {
    let area = buffer.area;
    let (w, h) = (
        u32::from(area.width) * CELL_WIDTH,
        u32::from(area.height) * CELL_HEIGHT,
    );
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="DejaVu Sans Mono, DejaVu Sans, monospace" font-size="{}" xml:space="preserve">"#,
        CELL_HEIGHT * 3 / 4
    );
    let _ = write!(
        out,
        r#"<rect width="{w}" height="{h}" fill="{}"/>"#,
        hex(DEFAULT_BG)
    );
    for row in 0..area.height {
        let y = area.y + row;
        let cells: Vec<&Cell> = (0..area.width)
            .filter_map(|col| buffer.cell((area.x + col, y)))
            .collect();
        let top = u32::from(row) * CELL_HEIGHT;
        // Backgrounds: one rectangle per run of cells on the same colour.
        let mut start = 0;
        while start < cells.len() {
            let bg = look(cells[start]).1;
            let end = (start..cells.len())
                .find(|&i| look(cells[i]).1 != bg)
                .unwrap_or(cells.len());
            if bg != DEFAULT_BG {
                let _ = write!(
                    out,
                    r#"<rect x="{}" y="{top}" width="{}" height="{CELL_HEIGHT}" fill="{}"/>"#,
                    start as u32 * CELL_WIDTH,
                    (end - start) as u32 * CELL_WIDTH,
                    hex(bg)
                );
            }
            start = end;
        }
        // Text: one element per run of non-blank cells in one colour and weight.
        let baseline = top + CELL_HEIGHT * 3 / 4 + 1;
        let mut start = 0;
        while start < cells.len() {
            let blank = |c: &Cell| c.symbol().trim().is_empty();
            if blank(cells[start]) {
                start += 1;
                continue;
            }
            let (fg, _, bold) = look(cells[start]);
            // Blank cells inside a run are spaces of it; a visible cell in another style ends it.
            let end = (start..cells.len())
                .find(|&i| {
                    let (f, _, b) = look(cells[i]);
                    (f, b) != (fg, bold) && !blank(cells[i])
                })
                .unwrap_or(cells.len());
            // Trailing blanks belong to no run.
            let end = (start..end)
                .rev()
                .find(|&i| !blank(cells[i]))
                .map_or(start + 1, |i| i + 1);
            // Each character at its own cell (an `x` each): columns line up whatever
            // the font's advances; the cell after a wide character holds none.
            let mut text = String::new();
            let mut xs = Vec::new();
            for (column, cell) in (start..end).zip(&cells[start..end]) {
                for c in cell.symbol().chars() {
                    escape(c, &mut text);
                    xs.push((column as u32 * CELL_WIDTH).to_string());
                }
            }
            let weight = if bold { r#" font-weight="bold""# } else { "" };
            let _ = write!(
                out,
                r#"<text xml:space="preserve" x="{}" y="{baseline}" fill="{}"{weight}>{text}</text>"#,
                xs.join(" "),
                hex(fg)
            );
            start = end;
        }
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Modifier, Style};

    use super::*;

    fn small_screen() -> Buffer {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 8, 2));
        buffer.set_string(
            0,
            0,
            "Hi <&>",
            Style::default()
                .fg(Color::Rgb(255, 0, 0))
                .add_modifier(Modifier::BOLD),
        );
        buffer.set_string(3, 1, "x", Style::default().bg(Color::Indexed(21)));
        buffer
    }

    #[test]
    fn the_svg_parses_back_to_the_cells_text_and_colours() {
        let svg = buffer_svg(&small_screen());
        let doc = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.attribute("width"), Some("72"));
        assert_eq!(root.attribute("height"), Some("36"));
        let texts: Vec<_> = root.children().filter(|n| n.has_tag_name("text")).collect();
        let hi = texts
            .iter()
            .find(|t| t.text() == Some("Hi <&>"))
            .expect("the first row's text, escaped and read back");
        assert_eq!(hi.attribute("fill"), Some("#ff0000"));
        assert_eq!(hi.attribute("font-weight"), Some("bold"));
        assert_eq!(hi.attribute("x"), Some("0 9 18 27 36 45"), "a cell each");
        let x = texts.iter().find(|t| t.text() == Some("x")).unwrap();
        assert_eq!(x.attribute("x"), Some("27"), "in the fourth column");
        assert_eq!(
            x.attribute("fill"),
            Some("#d0d0d0"),
            "the default text colour"
        );
        assert_eq!(x.attribute("font-weight"), None);
        // Indexed colour 21 is the cube's pure blue.
        let blue = root
            .children()
            .find(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("#0000ff"))
            .expect("the cell's indexed background");
        assert_eq!(blue.attribute("x"), Some("27"));
        assert_eq!(blue.attribute("y"), Some("18"));
        assert_eq!(blue.attribute("width"), Some("9"));
    }

    #[test]
    fn the_svg_renders_with_the_cell_colours_in_place() {
        let pixmap = nn_plot::raster::rasterize(&buffer_svg(&small_screen())).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (72, 36));
        let at = |x: u32, y: u32| {
            let p = pixmap.pixel(x, y).unwrap();
            [p.red(), p.green(), p.blue()]
        };
        // The corner of cell (3, 1): its blue background; of cell (7, 1): black.
        assert_eq!(at(27, 18), [0, 0, 255]);
        assert_eq!(at(71, 35), [0, 0, 0]);
        // Some of the bold red text is drawn in the first row's first cell.
        let red = (0..9)
            .flat_map(|x| (0..18).map(move |y| (x, y)))
            .any(|(x, y)| at(x, y)[0] > 200 && at(x, y)[1] < 60);
        assert!(red, "no red pixel where `H` is drawn");
    }

    #[test]
    fn indexed_colours_follow_xterm() {
        assert_eq!(indexed_rgb(1), [205, 0, 0]);
        assert_eq!(indexed_rgb(16), [0, 0, 0]);
        assert_eq!(indexed_rgb(196), [255, 0, 0]);
        assert_eq!(indexed_rgb(232), [8, 8, 8]);
        assert_eq!(indexed_rgb(255), [238, 238, 238]);
        assert_eq!(rgb(Color::Reset, DEFAULT_BG), DEFAULT_BG);
    }
}

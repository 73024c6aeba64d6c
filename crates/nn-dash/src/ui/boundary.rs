//! The decision boundary: the network's output over the input plane as a
//! heatmap (two pixels per cell with `▀`), with the training points as bright
//! pixels and the test points as `◆` in their class colours.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use super::panel;
use crate::PlotMode;
use crate::app::App;
use crate::plot::{decide, is_classification};

/// ASCII shades per class, weakest first (ASCII mode).
const SHADES: [[char; 3]; 4] = [
    [' ', '.', ':'],
    [' ', '-', '='],
    [' ', '~', '^'],
    [' ', ',', ';'],
];
/// ASCII training and test point glyphs per class.
const ASCII_POINTS: [(char, char); 4] = [('o', 'O'), ('x', 'X'), ('*', '@'), ('+', '#')];

/// Draws the boundary panel in `area`.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let p = app.palette;
    let ascii = app.plot == PlotMode::Ascii;
    let (train_glyph, test_glyph) = if ascii { ("o", "O") } else { ("▀", "◆") };
    let title = Line::from(format!(" decision boundary: {} ", app.settings.dataset));
    let legend = Line::from(vec![
        Span::raw(" "),
        Span::styled(train_glyph, Style::default().fg(p.point(0))),
        Span::styled(train_glyph, Style::default().fg(p.point(1))),
        Span::raw(" train  "),
        Span::styled(test_glyph, Style::default().fg(p.point(0))),
        Span::styled(test_glyph, Style::default().fg(p.point(1))),
        Span::raw(" test "),
    ]);
    let block = panel(app, title).title_bottom(legend);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let (w, rows) = (inner.width as usize, inner.height as usize);
    let h = if ascii { rows } else { rows * 2 };
    let classification = is_classification(app.settings.task);

    // Pixel colours (and the class behind each, for ASCII shades).
    let mut pixels: Vec<(usize, f32)> = vec![(0, 0.0); w * h];
    if let Some(plane) = &app.plane {
        for r in 0..h {
            for c in 0..w {
                let i =
                    plane.sample_index((c as f32 + 0.5) / w as f32, (r as f32 + 0.5) / h as f32);
                let k = plane.output_width;
                pixels[r * w + c] = decide(
                    &plane.outputs[i * k..(i + 1) * k],
                    classification,
                    app.target_scale,
                );
            }
        }
    }
    let mut colors: Vec<Color> = pixels.iter().map(|&(class, s)| p.heat(class, s)).collect();
    let class_of = |label: f32| {
        if classification {
            label as usize
        } else {
            usize::from(label >= 0.0)
        }
    };
    let extent = app
        .plane
        .as_ref()
        .map(|v| v.extent)
        .or_else(|| app.points_extent(w, h));
    let mut train_marks: Vec<Option<usize>> = vec![None; w * h];
    if let Some(extent) = extent {
        for pt in &app.train_points {
            if let Some((c, r)) = extent.pixel(pt.x, pt.y, w, h) {
                let class = class_of(pt.label);
                colors[r * w + c] = p.point(class);
                train_marks[r * w + c] = Some(class);
            }
        }
    }
    let buf = frame.buffer_mut();
    for row in 0..rows {
        for c in 0..w {
            let Some(cell) = buf.cell_mut((inner.x + c as u16, inner.y + row as u16)) else {
                continue;
            };
            if ascii {
                let i = row * w + c;
                let (class, s) = pixels[i];
                if let Some(k) = train_marks[i] {
                    let glyph = ASCII_POINTS[k % ASCII_POINTS.len()].0;
                    cell.set_char(glyph).set_fg(p.point(k)).set_bg(Color::Reset);
                } else {
                    let shades = SHADES[class % SHADES.len()];
                    let level = if app.plane.is_none() {
                        0
                    } else if s > 0.66 {
                        2
                    } else {
                        usize::from(s > 0.25)
                    };
                    cell.set_char(shades[level])
                        .set_fg(p.heat(class, 1.0))
                        .set_bg(Color::Reset);
                }
            } else {
                let (top, bottom) = (colors[2 * row * w + c], colors[(2 * row + 1) * w + c]);
                cell.set_symbol("▀").set_fg(top).set_bg(bottom);
            }
        }
    }
    if let Some(extent) = extent {
        for pt in &app.test_points {
            if let Some((c, r)) = extent.pixel(pt.x, pt.y, w, h) {
                let row = if ascii { r } else { r / 2 };
                let class = class_of(pt.label);
                if let Some(cell) = buf.cell_mut((inner.x + c as u16, inner.y + row as u16)) {
                    let bg = if ascii {
                        Color::Reset
                    } else {
                        p.heat(pixels[r * w + c].0, pixels[r * w + c].1)
                    };
                    let glyph = if ascii {
                        ASCII_POINTS[class % ASCII_POINTS.len()].1.to_string()
                    } else {
                        "◆".into()
                    };
                    cell.set_symbol(&glyph)
                        .set_style(Style::default().fg(p.point(class)).bg(bg));
                }
            }
        }
    }
}

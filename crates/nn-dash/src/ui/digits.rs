//! Image data: a few test images drawn with half blocks and their predicted and
//! true labels, the currently misclassified ones, and the confusion matrix.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use super::panel;
use crate::PlotMode;
use crate::app::App;
use crate::plot::Digit;
use nn_train::ConfusionMatrix;

/// Grey shades for ASCII mode, darkest first.
const SHADES: &[u8] = b" .:-=+*#%@";

/// Draws the sample and misclassified images in `area`.
pub fn draw_digits(frame: &mut Frame, area: Rect, app: &App) {
    let block = panel(app, " test images: predicted / true ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(view) = &app.view.digits else {
        frame.buffer_mut().set_string(
            inner.x + 1,
            inner.y,
            "waiting for the first weights…",
            Style::default().fg(app.view.palette.dim()),
        );
        return;
    };
    let side = view.samples.first().map_or(28, |d| d.side) as u16;
    // Full size (one pixel per column, two per row) if two rows of three fit, else half size.
    let scale = if inner.width >= 3 * (side + 2) && inner.height >= 2 * (side / 2 + 2) {
        1
    } else {
        2
    };
    let (w, h) = (side / scale, side / scale / 2);
    let per_row = ((inner.width + 2) / (w + 2)).max(1) as usize;
    let rows = [
        ("samples".to_string(), &view.samples),
        (
            format!("misclassified: {} of {}", view.wrong.0, view.wrong.1),
            &view.misclassified,
        ),
    ];
    let mut y = inner.y;
    let buf = frame.buffer_mut();
    for (title, digits) in rows {
        if y + h + 2 > inner.bottom() {
            break;
        }
        buf.set_string(
            inner.x,
            y,
            &title,
            Style::default().fg(app.view.palette.dim()),
        );
        y += 1;
        for (i, d) in digits.iter().take(per_row).enumerate() {
            let x = inner.x + i as u16 * (w + 2);
            draw_digit(buf, app, d, Rect::new(x, y, w, h), scale);
            let (text, color) = match d.predicted {
                Some(p) if p == d.label => (format!("{p} ✓"), Color::Green),
                Some(p) => (format!("{p}→{}", d.label), Color::Red),
                None => (format!("? {}", d.label), Color::Gray),
            };
            buf.set_string(
                x,
                y + h,
                &text,
                Style::default().fg(color).add_modifier(Modifier::BOLD),
            );
        }
        y += h + 1;
    }
}

fn draw_digit(buf: &mut Buffer, app: &App, d: &Digit, r: Rect, scale: u16) {
    let side = d.side;
    let s = usize::from(scale);
    // Mean grey of the `s x s` block at pixel (px, py) of the downscaled image.
    let grey = |px: usize, py: usize| {
        let mut sum = 0u32;
        for dy in 0..s {
            for dx in 0..s {
                let (x, y) = (px * s + dx, py * s + dy);
                if x < side && y < side {
                    sum += u32::from(d.pixels[y * side + x]);
                }
            }
        }
        (sum / (s * s) as u32) as u8
    };
    for row in 0..r.height {
        for c in 0..r.width {
            let (top, bottom) = (
                grey(c.into(), 2 * usize::from(row)),
                grey(c.into(), 2 * usize::from(row) + 1),
            );
            let Some(cell) = buf.cell_mut((r.x + c, r.y + row)) else {
                continue;
            };
            if app.view.plot == PlotMode::Ascii {
                let level = u32::midpoint(u32::from(top), u32::from(bottom))
                    * (SHADES.len() as u32 - 1)
                    / 255;
                cell.set_char(SHADES[level as usize] as char);
            } else {
                cell.set_symbol("▀")
                    .set_fg(app.view.palette.rgb([top; 3]))
                    .set_bg(app.view.palette.rgb([bottom; 3]));
            }
        }
    }
}

/// Draws the latest held-out confusion matrix in `area`: rows true, columns predicted, % of each row.
pub fn draw_confusion(frame: &mut Frame, area: Rect, app: &App) {
    let p = app.view.palette;
    let report = app.status.last_epoch.as_ref();
    let metrics = report.and_then(|r| r.test.as_ref().or(r.validation.as_ref()).or(Some(&r.train)));
    let inner = panel(app, "").inner(area);
    let confusion = metrics.and_then(|m| m.confusion.as_ref());
    // Four characters a column where they fit, else three (the coloured
    // backgrounds keep adjacent 3-digit cells apart), so ten classes fit 43 columns.
    let classes = u16::try_from(confusion.map_or(1, ConfusionMatrix::classes))
        .unwrap_or(u16::MAX)
        .max(1);
    let col = (inner.width.saturating_sub(3) / classes).clamp(3, 4);
    let k = usize::from(classes)
        .min(usize::from(inner.height.saturating_sub(1)))
        .min(usize::from(inner.width.saturating_sub(3) / col));
    // Classes that do not fit are said, not silently left out.
    let title = match report {
        Some(_) if k < usize::from(classes) => format!(
            " confusion: classes 0-{} of {classes} shown ",
            k.saturating_sub(1)
        ),
        Some(r) => format!(" confusion, epoch {} (% of true row) ", r.epoch),
        None => " confusion (after the first epoch) ".into(),
    };
    let block = panel(app, title);
    frame.render_widget(block, area);
    let Some(m) = confusion else {
        return;
    };
    let buf = frame.buffer_mut();
    let dim = Style::default().fg(p.dim());
    buf.set_string(inner.x, inner.y, "t\\p", dim);
    for c in 0..k {
        buf.set_string(
            inner.x + 3 + col * c as u16,
            inner.y,
            format!("{c:>3}"),
            dim,
        );
    }
    for t in 0..k {
        let y = inner.y + 1 + t as u16;
        let row: u64 = (0..m.classes()).map(|c| m.count(t, c)).sum();
        buf.set_string(inner.x, y, format!("{t:>2}"), dim);
        for c in 0..k {
            let share = m.count(t, c) as f64 / row.max(1) as f64;
            let pct = (share * 100.0).round() as u32;
            let bg = if t == c {
                p.heat(1, share as f32)
            } else {
                p.heat(0, (share * 4.0) as f32)
            };
            let text = if pct == 0 && m.count(t, c) == 0 {
                "  ·".to_string()
            } else {
                format!("{pct:>3}")
            };
            buf.set_string(
                inner.x + 3 + col * c as u16,
                y,
                text,
                Style::default().fg(Color::White).bg(bg),
            );
        }
    }
}

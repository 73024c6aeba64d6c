//! Drawing: `draw(frame, &app)` lays the panels out for the terminal's size
//! and renders each one (a file per panel). Pure: reads the state, writes the frame.

mod boundary;
mod curve;
mod curves;
mod digits;
mod help;
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "drawn once the dashboard's layout gives it a place (issue 10, phase 2)"
    )
)]
mod inspector;
mod network;
mod state_line;
mod status;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::symbols::border;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::PlotMode;
use crate::app::{App, Overlay, Shape, Target};

pub use curve::x_range as curve_range;

/// Smallest terminal the dashboard draws in.
pub const MIN_WIDTH: u16 = 60;
/// Smallest terminal the dashboard draws in.
pub const MIN_HEIGHT: u16 = 20;

/// Where each panel goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    /// The two status lines.
    pub status: Rect,
    /// The log line at the bottom.
    pub log: Rect,
    /// The input plane (2-D data) or the fitted curve (1-D data).
    pub boundary: Option<Rect>,
    /// The network.
    pub network: Option<Rect>,
    /// Loss and accuracy curves.
    pub curves: Rect,
    /// Images (image data).
    pub digits: Option<Rect>,
    /// The confusion matrix (image data).
    pub confusion: Option<Rect>,
}

/// Lays out the panels for `area`; `None` below the minimum size.
pub fn areas(area: Rect, app: &App) -> Option<Areas> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let status = Rect::new(area.x, area.y, area.width, 2);
    let log = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    let body = Rect::new(area.x, area.y + 2, area.width, area.height - 3);
    let mut out = Areas {
        status,
        log,
        ..Areas::default()
    };
    if app.settings.shape() == Shape::Wide {
        let right_w = 45.min(body.width / 2);
        let left = Rect::new(body.x, body.y, body.width - right_w, body.height);
        let right = Rect::new(left.right(), body.y, right_w, body.height);
        let confusion_h = 14.min(right.height / 2);
        out.confusion = Some(Rect::new(right.x, right.y, right.width, confusion_h));
        out.curves = Rect::new(
            right.x,
            right.y + confusion_h,
            right.width,
            right.height - confusion_h,
        );
        if left.height >= 30 {
            let net_h = left.height / 3;
            out.digits = Some(Rect::new(left.x, left.y, left.width, left.height - net_h));
            out.network = Some(Rect::new(left.x, left.bottom() - net_h, left.width, net_h));
        } else {
            out.digits = Some(left);
        }
    } else {
        // A square plane: two pixels per cell vertically.
        let inner_h = body.height.saturating_sub(2);
        let width = (inner_h * 2 + 2).min(body.width * 11 / 20);
        let boundary = Rect::new(body.x, body.y, width, body.height);
        let right = Rect::new(body.x + width, body.y, body.width - width, body.height);
        let curves_min = (body.height / 3).max(9);
        let wanted = network::wanted_height(app, right.width);
        let net_h = wanted.min(right.height.saturating_sub(curves_min)).max(5);
        out.boundary = Some(boundary);
        out.network = Some(Rect::new(right.x, right.y, right.width, net_h));
        out.curves = Rect::new(right.x, right.y + net_h, right.width, right.height - net_h);
    }
    Some(out)
}

/// The boundary grid in pixels for this terminal size (what the runtime evaluates
/// for 2-D data).
pub fn boundary_pixels(area: Rect, app: &App) -> Option<(usize, usize)> {
    if !app.settings.is_planar() {
        return None;
    }
    let inner = panel(app, "").inner(areas(area, app)?.boundary?);
    let rows = if app.plot == PlotMode::Ascii { 1 } else { 2 };
    Some((inner.width as usize, inner.height as usize * rows))
}

/// Points along the curve of 1-D data for this terminal size (two per column, braille).
pub fn curve_points(area: Rect, app: &App) -> Option<usize> {
    if app.settings.shape() != Shape::Line {
        return None;
    }
    let inner = panel(app, "").inner(areas(area, app)?.boundary?);
    Some(inner.width as usize * 2)
}

/// The node or connection of the network panel at the cell `(column, row)` of
/// `area`, if any (what a click or the mouse pointer is on).
pub fn hit(area: Rect, app: &App, column: u16, row: u16) -> Option<Target> {
    if app.overlay.is_some() {
        return None;
    }
    let panel = areas(area, app)?.network?;
    network::NetLayout::of(panel, app)?.hit(column, row)
}

/// Draws the whole dashboard.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let Some(a) = areas(area, app) else {
        let message = format!(
            "terminal too small: need {MIN_WIDTH}x{MIN_HEIGHT} (now {}x{})",
            area.width, area.height
        );
        let y = area.y + area.height / 2;
        let text = Paragraph::new(message)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true });
        frame.render_widget(
            text,
            Rect::new(area.x, y.saturating_sub(1), area.width, 3.min(area.height)),
        );
        return;
    };
    status::draw(frame, a.status, a.log, app);
    if let Some(r) = a.boundary {
        if app.settings.is_planar() {
            boundary::draw(frame, r, app);
        } else {
            curve::draw(frame, r, app);
        }
    }
    if let Some(r) = a.network {
        network::draw(frame, r, app);
    }
    curves::draw(frame, a.curves, app);
    if let Some(r) = a.digits {
        digits::draw_digits(frame, r, app);
    }
    if let Some(r) = a.confusion {
        digits::draw_confusion(frame, r, app);
    }
    match app.overlay {
        Some(Overlay::Help) => help::draw(frame, area, app),
        Some(Overlay::StateLine) => state_line::draw(frame, area, app),
        None => {}
    }
    if app.plot == PlotMode::Ascii {
        asciify(frame.buffer_mut());
    }
}

/// A bordered panel with a title, in the plot mode's border style.
fn panel<'a>(app: &App, title: impl Into<Line<'a>>) -> Block<'a> {
    let set = if app.plot == PlotMode::Ascii {
        border::Set {
            top_left: "+",
            top_right: "+",
            bottom_left: "+",
            bottom_right: "+",
            vertical_left: "|",
            vertical_right: "|",
            horizontal_top: "-",
            horizontal_bottom: "-",
        }
    } else {
        border::ROUNDED
    };
    Block::default()
        .borders(Borders::ALL)
        .border_set(set)
        .border_style(Style::default().fg(app.palette.dim()))
        .title(title)
        .title_style(Style::default().add_modifier(Modifier::BOLD))
}

/// Replaces every non-ASCII symbol with an ASCII look-alike (ASCII plot mode).
fn asciify(buf: &mut Buffer) {
    for cell in &mut buf.content {
        let symbol = cell.symbol();
        if symbol.is_ascii() {
            continue;
        }
        let c = symbol.chars().next().unwrap_or(' ');
        let ascii = match c {
            '─' | '━' | '╌' | '┄' | '○' => "-",
            '│' | '┃' | '╎' | '┆' => "|",
            '\u{2800}' => " ",
            '\u{2801}'..='\u{28ff}' => ".",
            '•' | '·' => "*",
            '●' => "o",
            '◀' => "<",
            '²' => "2",
            '◆' => "x",
            '…' => "~",
            '✓' => "+",
            '→' | '»' => ">",
            '▀' | '▄' | '█' | '▌' | '▐' | '░' | '▒' | '▓' => "#",
            c if ('\u{2500}'..='\u{257f}').contains(&c) => "+",
            _ => "?",
        };
        cell.set_symbol(ascii);
    }
}

/// A number with a thousands suffix: 1234567 -> "1.23M".
fn human(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// A learning rate without float noise: 0.03, 3, 0.00001.
fn rate(v: f32) -> String {
    let s = format!("{v}");
    if s.len() > 8 { format!("{v:.1e}") } else { s }
}

#[cfg(test)]
pub(crate) mod tests;

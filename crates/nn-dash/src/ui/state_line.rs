//! The state line overlay: the line that recreates this run, wrapped to fit,
//! and how to use it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::panel;
use crate::app::App;

/// Draws the state line centred on `area`.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let width = area.width.saturating_sub(4).clamp(20, 100);
    let text_width = usize::from(width.saturating_sub(2)).max(1);
    let wrapped = app.state_line.len().div_ceil(text_width) as u16;
    let height = (wrapped + 5).min(area.height);
    let r = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let dim = Style::default().fg(app.palette.dim());
    let lines = vec![
        Line::raw(app.state_line.clone()),
        Line::raw(""),
        Line::styled(
            "nn-tui --state '<line>' recreates this run (data and initial",
            dim,
        ),
        Line::styled("weights); it is printed again when you quit.", dim),
    ];
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(panel(app, " state line (c or Esc closes) ")),
        r,
    );
}

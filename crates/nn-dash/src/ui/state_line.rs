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
    let rows = |text: &str| text.chars().count().div_ceil(text_width).max(1) as u16;
    // A row more per note: words wrap before the last column.
    let notes: u16 = app
        .view
        .notices
        .iter()
        .map(|n| rows(&format!("note: {n}")) + 1)
        .sum();
    let notes_rows = if app.view.notices.is_empty() {
        0
    } else {
        notes + 1
    };
    let wrapped = rows(&app.view.state_line);
    let height = (wrapped + notes_rows + 5).min(area.height);
    let r = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let dim = Style::default().fg(app.view.palette.dim());
    let mut lines = vec![
        Line::raw(app.view.state_line.clone()),
        Line::raw(""),
        Line::styled(
            "nn-tui --state '<line>' recreates this run (data and initial",
            dim,
        ),
        Line::styled("weights); it is printed again when you quit.", dim),
    ];
    if !app.view.notices.is_empty() {
        lines.push(Line::raw(""));
        lines.extend(
            app.view
                .notices
                .iter()
                .map(|n| Line::raw(format!("note: {n}"))),
        );
    }
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(panel(app, " state line (c or Esc closes) ")),
        r,
    );
}

//! The help overlay: every key and what it does.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::panel;
use crate::app::App;
use crate::keys::BINDINGS;

/// Draws the key list centred on `area`.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let width = 46.min(area.width);
    let height = (BINDINGS.len() as u16 + 4).min(area.height);
    let r = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let mut lines: Vec<Line> = BINDINGS
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(
                    format!(" {:>8}  ", b.label),
                    Style::default()
                        .fg(app.palette.accent())
                        .add_modifier(Modifier::BOLD),
                ),
                Span::raw(b.help),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::raw(format!(
        " {:>8}  layout changes restart training",
        ""
    )));
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines).block(panel(app, " keys (? or Esc closes) ")),
        r,
    );
}

//! The help overlay: every key and what it does, from the key table, in as
//! many columns as the terminal needs (watching a run: only the keys that work).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::panel;
use crate::app::App;
use crate::keys::{Binding, usable_bindings};

/// Width of one column: the keys, then what they do.
const KEYS_WIDTH: usize = 9;
const HELP_WIDTH: usize = 28;

/// Draws the key list centred on `area`.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let column = KEYS_WIDTH + 2 + HELP_WIDTH;
    let read_only = app.watch.is_some();
    let bindings: Vec<&Binding> = usable_bindings(read_only).collect();
    let footer: &[&str] = if read_only {
        &[
            "watching: another process trains this run, so only",
            "the keys that change what is shown work here.",
        ]
    } else {
        &[
            "layout, feature, data and seed changes restart training;",
            "quitting prints the state line that recreates the run;",
            "the mouse: click an input to toggle it, a neuron or a",
            "connection to select it; hover to look.",
        ]
    };
    // Rows available for the table inside the border, under the footer.
    let room = usize::from(area.height.saturating_sub(3 + footer.len() as u16)).max(1);
    let columns = bindings.len().div_ceil(room).max(1);
    let rows = bindings.len().div_ceil(columns);
    let footer_width = footer.iter().map(|t| t.len() + 3).max().unwrap_or(0);
    let width = ((column + 1) * columns + 2)
        .max(footer_width)
        .min(usize::from(area.width)) as u16;
    let height = ((rows + footer.len() + 3) as u16).min(area.height);
    let r = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let key_style = Style::default()
        .fg(app.view.palette.accent())
        .add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line> = (0..rows)
        .map(|row| {
            let mut spans = Vec::new();
            for c in 0..columns {
                let Some(b) = bindings.get(c * rows + row) else {
                    break;
                };
                spans.push(Span::styled(
                    format!(" {:>KEYS_WIDTH$} ", b.label),
                    key_style,
                ));
                spans.push(Span::raw(format!("{:<HELP_WIDTH$}", b.help)));
            }
            Line::from(spans)
        })
        .collect();
    lines.push(Line::raw(""));
    for text in footer {
        lines.push(Line::styled(
            format!(" {text}"),
            Style::default().fg(app.view.palette.dim()),
        ));
    }
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines).block(panel(app, " keys (? or Esc closes) ")),
        r,
    );
}

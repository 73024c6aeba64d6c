//! The lesson panel (`nn-tui learn`): a band under the other panels with the
//! lesson's text (or its hint, or what just happened once the goal is met), the
//! goal's conditions ticked live, and the lesson keys in its border.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use nn_lessons::{TEXT_LINES, TEXT_WIDTH, wrap};

use super::panel;
use crate::app::App;
use crate::lesson::{LessonPanel, Showing};

/// Rows the goal may take.
pub const GOAL_LINES: usize = 2;

/// The panel's height: its borders, the text and the goal.
pub const HEIGHT: u16 = (TEXT_LINES + GOAL_LINES + 2) as u16;

/// Draws the lesson panel in `area`.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, lesson: &LessonPanel) {
    let run = &lesson.run;
    let title = format!(
        " lesson {}/{}: {} ",
        run.number, run.count, run.lesson.title
    );
    let (badge, color) = if lesson.met {
        (" goal met ", Color::Green)
    } else {
        (" goal: not yet ", Color::Yellow)
    };
    let mut keys = vec![
        Span::styled(" H ", key_style(app)),
        Span::raw(match lesson.showing {
            Showing::Hint => "back ",
            _ => "hint ",
        }),
    ];
    if lesson.met {
        match &run.next {
            Some(next) => {
                keys.push(Span::styled(" N ", key_style(app)));
                keys.push(Span::raw(format!("next: {next} ")));
            }
            None => keys.push(Span::raw(" the last lesson: q quits ")),
        }
    }
    let block = panel(app, title)
        .title_top(
            Line::styled(
                badge,
                Style::default().fg(color).add_modifier(Modifier::BOLD),
            )
            .alignment(Alignment::Right),
        )
        .title_bottom(Line::from(keys));
    let inner = block.inner(area);
    let width = usize::from(inner.width.saturating_sub(1)).min(TEXT_WIDTH);
    let text = match lesson.showing {
        Showing::Text => &run.lesson.text,
        Showing::Hint => &run.lesson.hint,
        Showing::Done => &run.lesson.done,
    };
    let mut lines: Vec<Line> = wrap(text, width)
        .into_iter()
        .take(TEXT_LINES)
        .map(|l| Line::raw(format!(" {l}")))
        .collect();
    lines.resize(TEXT_LINES, Line::raw(""));
    lines.extend(goal_lines(app, lesson, width));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn key_style(app: &App) -> Style {
    Style::default()
        .fg(app.view.palette.accent())
        .add_modifier(Modifier::BOLD)
}

/// `goal ✓ inspections >= 1 · ✗ test-accuracy >= 95.0% (now 50.0%)`, wrapped
/// between conditions onto at most [`GOAL_LINES`] rows.
fn goal_lines(app: &App, lesson: &LessonPanel, width: usize) -> Vec<Line<'static>> {
    let p = app.view.palette;
    let mut lines = Vec::new();
    let mut line = vec![Span::styled(" goal ", Style::default().fg(p.dim()))];
    let mut used = 6;
    for c in &lesson.run.lesson.goal.conditions {
        // Once met, the goal stays met: its conditions as they were then.
        let met = lesson.met || c.met(&lesson.observed);
        let text = if met {
            format!("✓ {c}")
        } else {
            format!("✗ {c} (now {})", c.now(&lesson.observed))
        };
        let len = text.chars().count() + 2;
        if used + len > width + 1 && lines.len() + 1 < GOAL_LINES {
            lines.push(Line::from(std::mem::take(&mut line)));
            line.push(Span::raw("      "));
            used = 6;
        }
        let color = if met { Color::Green } else { p.dim() };
        line.push(Span::styled(text, Style::default().fg(color)));
        line.push(Span::raw("  "));
        used += len;
    }
    lines.push(Line::from(line));
    lines
}

//! The status lines (run state, position, speed, settings) and the log line.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use nn_train::{Pace, RunState, RunStatus};

use super::{human, rate};
use crate::app::App;

/// Draws the two status lines in `top` and the log line in `bottom`.
pub fn draw(frame: &mut Frame, top: Rect, bottom: Rect, app: &App) {
    let p = app.palette;
    let s = &app.status;
    let label = |t: &'static str| Span::styled(t, Style::default().fg(p.dim()));
    let value = |t: String| Span::styled(t, Style::default().add_modifier(Modifier::BOLD));
    let (badge, color) = match (&s.state, app.watch.as_ref().map(|w| w.status)) {
        // A watched run whose writer is gone: how it ended, not how it last stood.
        (_, Some(RunStatus::Finished)) => (" FINISHED ", Color::Cyan),
        (_, Some(RunStatus::Interrupted)) => (" INTERRUPTED ", Color::Gray),
        (_, Some(RunStatus::Diverged)) => (" DIVERGED ", Color::Red),
        (_, Some(RunStatus::Failed)) => (" FAILED ", Color::Red),
        (_, Some(RunStatus::StoppedWriting)) => (" STOPPED WRITING ", Color::Magenta),
        (RunState::Running, _) => (" RUNNING ", Color::Green),
        (RunState::Paused, _) => (" PAUSED ", Color::Yellow),
        (RunState::Finished, _) => (" FINISHED ", Color::Cyan),
        (RunState::Stopped, _) => (" STOPPED ", Color::Gray),
        (RunState::Diverged(_), _) => (" DIVERGED ", Color::Red),
    };
    let secs = s.elapsed.as_secs();
    let set = &app.settings;
    let speed = match set.pace {
        Pace::Max => "max".to_string(),
        Pace::EpochsPerSecond(rate) => format!("{rate} epochs/s"),
    };
    // Groups of the first line, dropped from the end when the line is too narrow.
    let groups: Vec<Vec<Span>> = vec![
        vec![label("  epoch "), value(s.epoch.to_string())],
        vec![label("  speed "), value(speed)],
        vec![label("  step "), value(s.total_steps.to_string())],
        vec![
            label("  "),
            value(human(s.samples_per_second)),
            label(" samples/s"),
        ],
        vec![
            label("  "),
            value(format!(
                "{:02}:{:02}:{:02}",
                secs / 3600,
                secs / 60 % 60,
                secs % 60
            )),
        ],
        vec![label("  threads "), value(set.threads.to_string())],
    ];
    let badge_style = |color| {
        Style::default()
            .fg(Color::Black)
            .bg(color)
            .add_modifier(Modifier::BOLD)
    };
    let mut first = Vec::new();
    if app.watch.is_some() {
        first.push(Span::styled(" WATCH ", badge_style(Color::Blue)));
    }
    first.push(Span::styled(badge, badge_style(color)));
    let mut used: usize = first.iter().map(Span::width).sum();
    for group in groups {
        let width: usize = group.iter().map(Span::width).sum();
        if used + width > usize::from(top.width) {
            break;
        }
        used += width;
        first.extend(group);
    }
    let first = Line::from(first);
    let mut second = vec![
        Span::styled(
            set.dataset.clone(),
            Style::default().fg(p.accent()).add_modifier(Modifier::BOLD),
        ),
        label(" "),
        value(set.layout()),
        label(" "),
        value(set.activation.name().to_string()),
        label("  lr "),
        value(rate(set.learning_rate)),
        label("  batch "),
        value(set.batch_size.to_string()),
    ];
    if set.l1 > 0.0 || set.l2 > 0.0 {
        second.push(label("  "));
        second.push(value(set.regularization()));
    }
    second.push(label("  loss "));
    second.push(value(s.loss.map_or("-".into(), |l| format!("{l:.4}"))));
    if let Some(m) = s.held_out() {
        second.push(label("  test "));
        second.push(value(format!("{:.4}", m.loss)));
        if let Some(a) = m.accuracy() {
            second.push(label(" acc "));
            second.push(value(format!("{:.1}%", a * 100.0)));
        } else if let Some(r2) = m.r2 {
            second.push(label(" r2 "));
            second.push(value(format!("{r2:.3}")));
        }
    }
    let [row1, row2] = [
        Rect::new(top.x, top.y, top.width, 1),
        Rect::new(top.x, top.y + 1, top.width, 1),
    ];
    let room = usize::from(top.width).saturating_sub(first.width());
    frame.render_widget(Paragraph::new(first), row1);
    if room >= 9 {
        frame.render_widget(
            Paragraph::new(Line::from(vec![label("? help ")])).alignment(Alignment::Right),
            row1,
        );
    }
    frame.render_widget(Paragraph::new(Line::from(second)), row2);

    let log = if let Some(message) = app.log.last() {
        Line::from(vec![
            Span::styled("» ", Style::default().fg(p.accent())),
            Span::raw(message.clone()),
        ])
    } else {
        Line::from(label_owned(
            crate::keys::hint_line(usize::from(bottom.width), app.watch.is_some()),
            p.dim(),
        ))
    };
    frame.render_widget(Paragraph::new(log), bottom);
}

fn label_owned(text: String, color: Color) -> Span<'static> {
    Span::styled(text, Style::default().fg(color))
}

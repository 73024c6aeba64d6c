//! The status lines (run state, position, speed, settings) and the log line.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use nn_run::{Pace, RunState, RunStatus};

use super::{human, rate};
use crate::app::App;

/// Draws the two status lines in `top` and the log line in `bottom`.
pub fn draw(frame: &mut Frame, top: Rect, bottom: Rect, app: &App) {
    let p = app.view.palette;
    let s = &app.status;
    let label = |t: &'static str| Span::styled(t, Style::default().fg(p.dim()));
    let value = |t: String| Span::styled(t, Style::default().add_modifier(Modifier::BOLD));
    let (badge, color) = match (&s.state, app.watch.as_ref().map(|w| w.status)) {
        // A watched run whose writer is gone: how it ended, not how it last stood.
        (_, Some(RunStatus::Finished)) => (" FINISHED ", Color::Cyan),
        (_, Some(RunStatus::Interrupted)) => (" INTERRUPTED ", Color::Gray),
        (_, Some(RunStatus::Stopped)) => (" STOPPED ", Color::Gray),
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
    let speed = match set.pace() {
        Pace::Max => "max".to_string(),
        Pace::EpochsPerSecond(rate) => format!("{rate} epochs/s"),
    };
    let speed_short = match set.pace() {
        Pace::Max => None,
        Pace::EpochsPerSecond(rate) => Some(format!("{rate}")),
    };
    let clock = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    // The first line's figures: the step count and the epoch matter most.
    let groups = vec![
        Group::new(3, vec![label("epoch "), value(s.epoch.to_string())]),
        Group::new(2, vec![label("speed "), value(speed.clone())]).short(match speed_short {
            Some(rate) => vec![value(rate), label(" ep/s")],
            None => vec![label("speed "), value(speed)],
        }),
        Group::new(3, vec![label("step "), value(s.total_steps.to_string())]),
        Group::new(
            2,
            vec![value(human(s.samples_per_second)), label(" samples/s")],
        ),
        Group::new(1, vec![value(clock)]),
        Group::new(0, vec![label("threads "), value(set.threads.to_string())]),
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
    let first = Line::from(fit(first, groups, usize::from(top.width)));
    // The second line: the figures a user reads (loss, test loss, accuracy) are the
    // last to go; the data set's name, the layout and the activation are also in
    // the panels' titles.
    let mut second = vec![
        Group::new(
            1,
            vec![Span::styled(
                set.dataset().to_string(),
                Style::default().fg(p.accent()).add_modifier(Modifier::BOLD),
            )],
        ),
        Group::new(2, vec![value(set.layout())]).tight(),
        Group::new(0, vec![value(set.activation().name().to_string())]).tight(),
        Group::new(3, vec![label("lr "), value(rate(set.learning_rate()))]),
        Group::new(
            3,
            vec![label("batch "), value(set.batch_size().to_string())],
        ),
    ];
    if set.l1() > 0.0 || set.l2() > 0.0 {
        second.push(Group::new(3, vec![value(set.regularization())]));
    }
    let loss_label = if s.batch_loss { "batch loss " } else { "loss " };
    second.push(Group::new(
        4,
        vec![
            label(loss_label),
            value(s.loss.map_or("-".into(), |l| format!("{l:.4}"))),
        ],
    ));
    if let Some(m) = s.held_out() {
        second.push(Group::new(
            4,
            vec![label("test "), value(format!("{:.4}", m.loss))],
        ));
        if let Some(a) = m.accuracy() {
            second.push(
                Group::new(4, vec![label("acc "), value(format!("{:.1}%", a * 100.0))]).tight(),
            );
        } else if let Some(r2) = m.r2 {
            second.push(Group::new(4, vec![label("r2 "), value(format!("{r2:.3}"))]).tight());
        }
    }
    let second = fit(Vec::new(), second, usize::from(top.width));
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

    let log = if let Some(message) = app.view.log.last() {
        Line::from(vec![
            Span::styled("» ", Style::default().fg(p.accent())),
            Span::raw(message.clone()),
        ])
    } else {
        Line::from(label_owned(
            app.keys
                .hint_line(usize::from(bottom.width), app.watch.is_some()),
            p.dim(),
        ))
    };
    frame.render_widget(Paragraph::new(log), bottom);
}

/// A figure and its label, as one piece that is shown whole or not at all.
struct Group<'a> {
    /// The lowest rank is dropped first when even the short forms do not fit.
    rank: u8,
    long: Vec<Span<'a>>,
    short: Vec<Span<'a>>,
    /// One space before it, not two: it belongs with the figure before (test loss, accuracy).
    tight: bool,
}

impl<'a> Group<'a> {
    fn new(rank: u8, spans: Vec<Span<'a>>) -> Self {
        Self {
            rank,
            short: spans.clone(),
            long: spans,
            tight: false,
        }
    }

    /// A shorter form with a shorter label (the figure the same).
    fn short(mut self, spans: Vec<Span<'a>>) -> Self {
        self.short = spans;
        self
    }

    fn tight(mut self) -> Self {
        self.tight = true;
        self
    }
}

/// `lead`, then `groups` in `width` columns: the first of these that fits is
/// long labels two spaces apart, short labels two spaces apart, short labels one
/// space apart; then the lowest ranks are dropped until what is left fits. A
/// figure is never cut.
fn fit<'a>(lead: Vec<Span<'a>>, groups: Vec<Group<'a>>, width: usize) -> Vec<Span<'a>> {
    let spans_width = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let lead_width = spans_width(&lead);
    let gap = |first: bool, wide: bool, g: &Group| match (first, wide && !g.tight) {
        (true, _) => "",
        (false, true) => "  ",
        (false, false) => " ",
    };
    let line_width = |long: bool, wide: bool, min_rank: u8| {
        let mut used = lead_width;
        for g in groups.iter().filter(|g| g.rank >= min_rank) {
            used +=
                gap(used == 0, wide, g).len() + spans_width(if long { &g.long } else { &g.short });
        }
        used
    };
    let top = groups.iter().map(|g| g.rank).max().unwrap_or(0);
    let (long, wide, min_rank) = [(true, true), (false, true)]
        .into_iter()
        .find(|&(long, wide)| line_width(long, wide, 0) <= width)
        .map_or_else(
            || {
                let mut min_rank = 0;
                while line_width(false, false, min_rank) > width && min_rank < top {
                    min_rank += 1;
                }
                (false, false, min_rank)
            },
            |(long, wide)| (long, wide, 0),
        );
    let mut line = lead;
    for g in groups.into_iter().filter(|g| g.rank >= min_rank) {
        let gap = gap(line.is_empty(), wide, &g);
        if !gap.is_empty() {
            line.push(Span::raw(gap));
        }
        line.extend(if long { g.long } else { g.short });
    }
    line
}

fn label_owned(text: String, color: Color) -> Span<'static> {
    Span::styled(text, Style::default().fg(color))
}

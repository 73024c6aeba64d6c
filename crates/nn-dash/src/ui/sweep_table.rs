//! The sweep's live view (`nn-tui watch SWEEPDIR`): a title with the sweep's
//! progress, the table of trials (rank, number, status, best validation score,
//! epochs, time, then the axes), the validation curves of the trials shown
//! (beside the table when the terminal is wide, under it otherwise), and the
//! keys' hint line; `?` lays the keys over it. Pure, like `draw`.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::ASCII_BORDER;
use super::curves::chart;
use crate::PlotMode;
use crate::history::Series;
use crate::sweep_keys::{SWEEP_BINDINGS, sweep_hint_line};
use crate::sweep_view::{SortColumn, SweepView, TrialRow, TrialStatus};

/// Smallest terminal the sweep's view draws in.
const MIN_WIDTH: u16 = 60;
/// Smallest terminal the sweep's view draws in.
const MIN_HEIGHT: u16 = 12;
/// From this width on, the curves go beside the table.
const SIDE_BY_SIDE: u16 = 130;
/// Widest an axis column gets (a longer value is cut with `~`).
const AXIS_WIDTH: usize = 14;

/// Where each part goes.
struct Layout {
    title: Rect,
    table: Rect,
    curves: Option<Rect>,
    bottom: Rect,
}

fn layout(area: Rect, v: &SweepView) -> Option<Layout> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let line = |y: u16| Rect::new(area.x, area.y + y, area.width, 1);
    let body = Rect::new(area.x, area.y + 1, area.width, area.height - 2);
    let (table, curves) = if area.width >= SIDE_BY_SIDE {
        // As wide as its columns, at most three fifths: the curves get the rest.
        let columns = columns(v, &all_cells(v));
        let needed: usize = MARK_WIDTH + columns.iter().map(|c| c.1 + 1).sum::<usize>();
        let table_width = (needed.min(usize::from(area.width) * 3 / 5)) as u16;
        (
            Rect::new(body.x, body.y, table_width, body.height),
            Some(Rect::new(
                body.x + table_width + 1,
                body.y,
                body.width - table_width - 1,
                body.height,
            )),
        )
    } else if body.height >= 16 {
        // Under the table: two fifths of the height, one line between them.
        let curves = (body.height * 2 / 5).clamp(7, 16);
        let table = body.height - curves - 1;
        (
            Rect::new(body.x, body.y, body.width, table),
            Some(Rect::new(body.x, body.y + table + 1, body.width, curves)),
        )
    } else {
        (body, None)
    };
    Some(Layout {
        title: line(0),
        table,
        curves,
        bottom: line(area.height - 1),
    })
}

/// How many trials the table shows at once in `area` (its header aside).
pub fn rows(area: Rect, view: &SweepView) -> usize {
    layout(area, view).map_or(1, |l| usize::from(l.table.height.saturating_sub(1)).max(1))
}

/// Draws the sweep's view on the whole frame.
pub fn draw(frame: &mut Frame, v: &SweepView) {
    let area = frame.area();
    let Some(l) = layout(area, v) else {
        let text = format!(
            "terminal too small: {}x{}, the sweep's table needs {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).alignment(Alignment::Center), area);
        return;
    };
    title(
        frame,
        l.title,
        v,
        usize::from(l.table.height.saturating_sub(1)),
    );
    let shown = v.shown();
    table(frame, l.table, v, &shown);
    if let Some(r) = l.curves {
        curves(frame, r, v, &shown);
    }
    let bottom = match &v.message {
        Some(m) => Span::styled(m.clone(), Style::default().fg(Color::Yellow)),
        None => Span::styled(
            ascii_if(v.plot, &sweep_hint_line(usize::from(l.bottom.width))),
            Style::default().fg(v.palette.dim()),
        ),
    };
    frame.render_widget(Paragraph::new(bottom), l.bottom);
    if v.help {
        help(frame, area, v);
    }
}

/// The sweep's progress; on the right, the rows shown of how many (when not all
/// fit in `visible`) and whether it runs.
fn title(frame: &mut Frame, r: Rect, v: &SweepView, visible: usize) {
    let (running, done, queued) = v.counts();
    let mut text = format!("  {}: {} trials", v.dir, v.trials.len());
    for (n, what) in [(running, "running"), (done, "done"), (queued, "queued")] {
        if n > 0 {
            let _ = write!(text, ", {n} {what}");
        }
    }
    let state = if v.live {
        "live"
    } else if queued + running == 0 {
        "complete"
    } else {
        "not running (sweep --resume finishes it)"
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                " SWEEP ",
                Style::default()
                    .fg(Color::Black)
                    .bg(Color::Blue)
                    .add_modifier(Modifier::BOLD),
            ),
            Span::raw(text),
        ])),
        r,
    );
    frame.render_widget(
        Paragraph::new(Span::styled(
            if v.trials.len() > visible {
                let last = (v.offset + visible).min(v.trials.len());
                format!(
                    "rows {}-{last} of {}, {state} ",
                    v.offset + 1,
                    v.trials.len()
                )
            } else {
                format!("{state} ")
            },
            Style::default().fg(v.palette.dim()),
        ))
        .alignment(Alignment::Right),
        r,
    );
}

/// The table's columns: heading, width, numbers to the right. Each is as wide as
/// its widest cell among `cells` (every trial's) and its heading with room for
/// the sort arrow; an axis at most [`AXIS_WIDTH`].
fn columns(v: &SweepView, cells: &[Vec<String>]) -> Vec<(String, usize, bool)> {
    let best = if v.metric == "accuracy" {
        "VAL ACC"
    } else {
        "VAL LOSS"
    };
    let mut headings: Vec<(String, bool)> = vec![
        ("#".into(), true),
        ("TRIAL".into(), true),
        ("STATUS".into(), false),
        (best.into(), false),
        ("EPOCHS".into(), true),
        ("TIME".into(), true),
    ];
    headings.extend(v.axes.iter().map(|k| (k.clone(), false)));
    headings
        .into_iter()
        .enumerate()
        .map(|(i, (name, right))| {
            let widest = cells
                .iter()
                .map(|row| row.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0);
            let mut width = widest.max(name.chars().count() + 1);
            if i >= 6 {
                width = width.min(AXIS_WIDTH);
            }
            (name, width, right)
        })
        .collect()
}

/// Every trial's cells, by number.
fn all_cells(v: &SweepView) -> Vec<Vec<String>> {
    let ranks = v.ranks();
    v.trials.iter().map(|t| row(t, ranks[t.id], v)).collect()
}

/// The column a sort column is drawn in.
fn column_index(sort: SortColumn) -> usize {
    match sort {
        SortColumn::Best => 3,
        SortColumn::Trial => 1,
        SortColumn::Status => 2,
        SortColumn::Epochs => 4,
        SortColumn::Time => 5,
        SortColumn::Axis(i) => 6 + i,
    }
}

/// `text` in `width` columns: cut with `~`, padded on the right or the left.
fn cell(text: &str, width: usize, right: bool) -> String {
    let n = text.chars().count();
    let text: String = if n > width {
        text.chars()
            .take(width.saturating_sub(1))
            .chain(['~'])
            .collect()
    } else {
        text.to_string()
    };
    if right {
        format!("{text:>width$}")
    } else {
        format!("{text:<width$}")
    }
}

/// The width of the mark and the curve's colour before each row: `*── `.
const MARK_WIDTH: usize = 4;

fn table(frame: &mut Frame, r: Rect, v: &SweepView, shown: &[usize]) {
    let p = v.palette;
    let cells = all_cells(v);
    let columns = columns(v, &cells);
    let sorted = column_index(v.sort);
    let arrow = match (v.plot, v.reversed) {
        (PlotMode::Ascii, false) => "v",
        (PlotMode::Ascii, true) => "^",
        (_, false) => "↓",
        (_, true) => "↑",
    };
    let mut header = vec![Span::raw(" ".repeat(MARK_WIDTH))];
    for (i, (name, width, right)) in columns.iter().enumerate() {
        let (text, style) = if i == sorted {
            // The arrow a space after the name where the column has room.
            let gap = if name.chars().count() + 2 <= *width {
                " "
            } else {
                ""
            };
            (
                format!("{name}{gap}{arrow}"),
                Style::default().fg(p.accent()).add_modifier(Modifier::BOLD),
            )
        } else {
            (name.clone(), Style::default().fg(p.dim()))
        };
        header.push(Span::styled(cell(&text, *width, *right), style));
        header.push(Span::raw(" "));
    }
    frame.render_widget(
        Paragraph::new(Line::from(header)),
        Rect::new(r.x, r.y, r.width, 1),
    );
    let order = v.order();
    let selected = v.selected_id();
    let visible = usize::from(r.height.saturating_sub(1));
    let legend = if v.plot == PlotMode::Ascii {
        "-- "
    } else {
        "── "
    };
    for (line, &id) in order.iter().skip(v.offset).take(visible).enumerate() {
        let t = &v.trials[id];
        let mut spans = Vec::with_capacity(columns.len() * 2 + 2);
        let mark = if v.marked.contains(&id) { "*" } else { " " };
        spans.push(Span::styled(mark, Style::default().fg(p.accent())));
        spans.push(match shown.iter().position(|&s| s == id) {
            Some(i) => Span::styled(legend, Style::default().fg(p.point(i))),
            None => Span::raw("   "),
        });
        for ((text, (_, width, right)), style) in cells[id].iter().zip(&columns).zip(styles(t, v)) {
            spans.push(Span::styled(cell(text, *width, *right), style));
            spans.push(Span::raw(" "));
        }
        let mut row_line = Line::from(spans);
        if id == selected {
            row_line = row_line.style(Style::default().add_modifier(Modifier::REVERSED));
        }
        let y = r.y + 1 + line as u16;
        frame.render_widget(Paragraph::new(row_line), Rect::new(r.x, y, r.width, 1));
    }
}

/// A trial's cells, in the columns' order.
fn row(t: &TrialRow, rank: usize, v: &SweepView) -> Vec<String> {
    let best = t.best.map_or_else(
        || "-".into(),
        |b| match b.accuracy {
            Some(a) if v.metric == "accuracy" => format!("{:>5.1}% @{}", a * 100.0, b.epoch),
            _ => format!("{:>7.4} @{}", b.loss, b.epoch),
        },
    );
    let rank = if t.best.is_some() {
        rank.to_string()
    } else {
        "-".into()
    };
    let mut cells = vec![
        rank,
        t.id.to_string(),
        t.status.name().to_string(),
        best,
        if t.status == TrialStatus::Queued {
            "-".into()
        } else {
            t.epochs.to_string()
        },
        time(t.seconds, t.status),
    ];
    cells.extend(t.axes.iter().cloned());
    cells
}

/// Each cell's style: the status in a colour of its own, the rest plain.
fn styles(t: &TrialRow, v: &SweepView) -> Vec<Style> {
    let p = v.palette;
    let status = match t.status {
        TrialStatus::Running => Style::default().fg(Color::Green),
        TrialStatus::Waiting | TrialStatus::Finished => Style::default(),
        TrialStatus::Queued | TrialStatus::Halved => Style::default().fg(p.dim()),
        TrialStatus::Stopped => Style::default().fg(Color::Yellow),
        TrialStatus::Diverged | TrialStatus::Failed => Style::default().fg(Color::Red),
    };
    let plain = if t.status == TrialStatus::Queued {
        Style::default().fg(p.dim())
    } else {
        Style::default()
    };
    let mut styles = vec![plain, plain, status];
    styles.resize(6 + v.axes.len(), plain);
    styles
}

/// Seconds as `0.25s` or `12.5s` under a minute, then `m:ss`, and `h:mm:ss` from an hour on.
fn time(seconds: f64, status: TrialStatus) -> String {
    if status == TrialStatus::Queued {
        return "-".into();
    }
    let seconds = seconds.max(0.0);
    if seconds < 10.0 {
        return format!("{seconds:.2}s");
    }
    if seconds < 60.0 {
        return format!("{seconds:.1}s");
    }
    let s = seconds as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn curves(frame: &mut Frame, r: Rect, v: &SweepView, shown: &[usize]) {
    let p = v.palette;
    let what = if v.marked.is_empty() {
        format!(" validation curves: the top {} ", shown.len())
    } else {
        format!(" validation curves: {} marked ", shown.len())
    };
    let mut block = Block::default()
        .borders(Borders::TOP)
        .border_style(Style::default().fg(p.dim()))
        .title(Span::styled(what, Style::default().fg(p.dim())));
    if v.plot == PlotMode::Ascii {
        block = block.border_set(ASCII_BORDER);
    }
    let inner = block.inner(r);
    frame.render_widget(block, r);
    if inner.height < 3 || inner.width < 20 {
        return;
    }
    let x_max = shown
        .iter()
        .filter_map(|&id| v.trials[id].loss.last().map(|q| q.0))
        .fold(1.0, f64::max);
    let lines = |series: fn(&TrialRow) -> &Series| -> Vec<(&Series, Color)> {
        shown
            .iter()
            .enumerate()
            .map(|(i, &id)| (series(&v.trials[id]), p.point(i)))
            .collect()
    };
    let losses = lines(|t| &t.loss);
    let accuracies = lines(|t| &t.accuracy);
    let classifier = accuracies.iter().any(|(s, _)| s.last().is_some());
    if !classifier {
        chart(frame, inner, p, v.plot, "val loss", &losses, false, x_max);
        return;
    }
    // Accuracy (the ranking's figure) first; the loss beside or under it when there is room.
    if inner.height >= 16 {
        let half = inner.height / 2;
        let top = Rect::new(inner.x, inner.y, inner.width, half);
        let bottom = Rect::new(inner.x, inner.y + half, inner.width, inner.height - half);
        chart(
            frame,
            top,
            p,
            v.plot,
            "val accuracy",
            &accuracies,
            true,
            x_max,
        );
        chart(frame, bottom, p, v.plot, "val loss", &losses, false, x_max);
    } else if inner.width >= 70 {
        let half = inner.width / 2;
        let left = Rect::new(inner.x, inner.y, half - 1, inner.height);
        let right = Rect::new(
            inner.x + half + 1,
            inner.y,
            inner.width - half - 1,
            inner.height,
        );
        chart(
            frame,
            left,
            p,
            v.plot,
            "val accuracy",
            &accuracies,
            true,
            x_max,
        );
        chart(frame, right, p, v.plot, "val loss", &losses, false, x_max);
    } else {
        chart(
            frame,
            inner,
            p,
            v.plot,
            "val accuracy",
            &accuracies,
            true,
            x_max,
        );
    }
}

/// The keys, from the sweep's key table, over the middle of the screen.
fn help(frame: &mut Frame, area: Rect, v: &SweepView) {
    const KEYS: usize = 10;
    let help_width = SWEEP_BINDINGS
        .iter()
        .map(|b| b.help.chars().count())
        .max()
        .unwrap_or(0);
    let footer = [
        "ranked by best validation score (a later rung of",
        "halving first); curves: marked trials, else the top 5",
    ];
    let width = (KEYS + help_width + 5)
        .max(footer.iter().map(|f| f.len() + 3).max().unwrap_or(0))
        .min(usize::from(area.width)) as u16;
    let height = ((SWEEP_BINDINGS.len() + footer.len() + 3) as u16).min(area.height);
    let r = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let key_style = Style::default()
        .fg(v.palette.accent())
        .add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line> = SWEEP_BINDINGS
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(
                    format!(" {:>KEYS$}  ", ascii_if(v.plot, b.label)),
                    key_style,
                ),
                Span::raw(b.help),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    for text in footer {
        lines.push(Line::styled(
            format!(" {text}"),
            Style::default().fg(v.palette.dim()),
        ));
    }
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(v.palette.dim()))
        .title(" sweep keys (? or Esc closes) ");
    if v.plot == PlotMode::Ascii {
        block = block.border_set(ASCII_BORDER);
    }
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(block), r);
}

/// `text` with its arrows spelled out in ASCII when plots are drawn in ASCII (for any font).
fn ascii_if(plot: PlotMode, text: &str) -> String {
    if plot == PlotMode::Ascii {
        text.replace("↑↓", "Up/Dn")
            .replace('↑', "Up")
            .replace('↓', "Dn")
    } else {
        text.to_string()
    }
}

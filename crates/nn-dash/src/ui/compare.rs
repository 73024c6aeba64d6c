//! The comparison of runs (`nn-tui watch DIR1 DIR2 ...`): a title, a legend
//! naming what differs, each run's held-out loss and accuracy overlaid, and a
//! table of status, best score, epochs and time. Pure, like `draw`.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::curves::chart;
use super::{MIN_HEIGHT, MIN_WIDTH};
use crate::compare::{Compared, Comparison};

/// Draws the comparison on the whole frame.
pub fn draw(frame: &mut Frame, c: &Comparison) {
    let area = frame.area();
    let rows = c.runs.len() as u16;
    // Title, legend, table header and rows, log; the charts get the rest.
    let fixed = 4 + rows;
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT.max(fixed + 6) {
        let text = format!(
            "terminal too small: {}x{}, the comparison of {rows} runs needs {}x{}",
            area.width,
            area.height,
            MIN_WIDTH,
            MIN_HEIGHT.max(fixed + 6)
        );
        frame.render_widget(Paragraph::new(text).alignment(Alignment::Center), area);
        return;
    }
    let p = c.palette;
    let line = |y: u16| Rect::new(area.x, area.y + y, area.width, 1);

    let title = Line::from(vec![
        Span::styled(
            " COMPARE ",
            Style::default()
                .fg(Color::Black)
                .bg(Color::Blue)
                .add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!("  {rows} runs, held-out loss and accuracy by epoch"),
            Style::default().fg(p.dim()),
        ),
    ]);
    frame.render_widget(Paragraph::new(title), line(0));
    frame.render_widget(
        Paragraph::new(Span::styled("q quits ", Style::default().fg(p.dim())))
            .alignment(Alignment::Right),
        line(0),
    );

    let mut legend = Vec::new();
    for (i, run) in c.runs.iter().enumerate() {
        legend.push(Span::styled(
            format!("── {}", run.label),
            Style::default().fg(color(c, i)),
        ));
        legend.push(Span::raw("   "));
    }
    frame.render_widget(Paragraph::new(Line::from(legend)), line(1));

    let charts = Rect::new(area.x, area.y + 2, area.width, area.height - fixed);
    let x_max = c.x_max();
    let losses: Vec<_> = c
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| (&r.loss, color(c, i)))
        .collect();
    if c.has_accuracy() {
        let half = charts.width / 2;
        let left = Rect::new(charts.x, charts.y, half - 1, charts.height);
        let right = Rect::new(
            charts.x + half + 1,
            charts.y,
            charts.width - half - 1,
            charts.height,
        );
        chart(frame, left, p, c.plot, "loss", &losses, false, x_max);
        let accuracies: Vec<_> = c
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| (&r.accuracy, color(c, i)))
            .collect();
        chart(
            frame,
            right,
            p,
            c.plot,
            "accuracy",
            &accuracies,
            true,
            x_max,
        );
    } else {
        chart(frame, charts, p, c.plot, "loss", &losses, false, x_max);
    }

    let table_y = charts.bottom() - area.y;
    let cells: Vec<[String; 5]> = c.runs.iter().map(row).collect();
    let label_width = cells
        .iter()
        .map(|r| r[0].chars().count())
        .max()
        .unwrap_or(0)
        .clamp(3, usize::from(area.width) / 3);
    let widths = [label_width, 16, 24, 7, 9];
    let header = ["RUN", "STATUS", "BEST", "EPOCHS", "TIME"].map(String::from);
    let text = |cells: &[String; 5]| {
        let mut out = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            let cell: String = cell.chars().take(width).collect();
            // Numbers to the right, words to the left.
            if i >= 3 {
                let _ = write!(out, "{cell:>width$}  ");
            } else {
                let _ = write!(out, "{cell:<width$}  ");
            }
        }
        out.trim_end().to_string()
    };
    frame.render_widget(
        Paragraph::new(Span::styled(
            format!("   {}", text(&header)),
            Style::default().fg(p.dim()),
        )),
        line(table_y),
    );
    for (i, cells) in cells.iter().enumerate() {
        let row = Line::from(vec![
            Span::styled("── ", Style::default().fg(color(c, i))),
            Span::raw(text(cells)),
        ]);
        frame.render_widget(Paragraph::new(row), line(table_y + 1 + i as u16));
    }
    let log = c.log.last().cloned().unwrap_or_default();
    frame.render_widget(
        Paragraph::new(Span::styled(log, Style::default().fg(p.dim()))),
        line(area.height - 1),
    );
}

/// Run `i`'s colour.
fn color(c: &Comparison, i: usize) -> Color {
    c.palette.point(i)
}

/// A run's cells: label, status, best score, epochs, time.
fn row(r: &Compared) -> [String; 5] {
    let s = &r.summary;
    let best = s.best.map_or_else(
        || "-".into(),
        |b| match b.accuracy {
            Some(a) => format!("{:.1}% {} @{}", a * 100.0, b.part.name(), b.epoch),
            None => format!("loss {:.4} {} @{}", b.loss, b.part.name(), b.epoch),
        },
    );
    let secs = s.seconds as u64;
    let time = format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    [
        r.label.clone(),
        s.status_text(),
        best,
        s.epochs.to_string(),
        time,
    ]
}

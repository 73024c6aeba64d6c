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
use nn_run::Part;

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
    // The other columns take 58 characters with their gaps and the colour mark;
    // a long label is cut here (the legend above shows it whole).
    let label_width = cells
        .iter()
        .map(|r| r[0].chars().count())
        .max()
        .unwrap_or(0)
        .clamp(3, usize::from(area.width).saturating_sub(58).max(3));
    let widths = [label_width, 15, 20, 6, 7];
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

/// A part's name in a narrow column.
fn short(part: Part) -> &'static str {
    match part {
        Part::Validation => "val",
        _ => part.name(),
    }
}

/// A run's cells: label, status, best score, epochs, time.
fn row(r: &Compared) -> [String; 5] {
    let s = &r.summary;
    let best = s.best.map_or_else(
        || "-".into(),
        |b| match b.accuracy {
            Some(a) => format!("{:.1}% {} @{}", a * 100.0, short(b.part), b.epoch),
            None => format!("loss {:.4} {} @{}", b.loss, short(b.part), b.epoch),
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use insta::assert_snapshot;
    use nn_core::{Activation, Architecture, Loss};
    use nn_run::{DataOptions, EndStatus, Entry, Record, RunData, RunEnd, RunInfo, RunStatus};
    use nn_train::{EpochReport, Metrics, TrainConfig};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::PlotMode;
    use crate::colors::ColorDepth;
    use crate::compare::Comparison;

    fn info(line: &str, output: Activation, loss: Loss) -> RunInfo {
        let outputs = if loss == Loss::CrossEntropy { 2 } else { 1 };
        let arch =
            Architecture::new(vec![2, 8, 8, outputs], Activation::Tanh, output, loss).unwrap();
        RunInfo {
            format: 1,
            command: vec!["nn-tui".into()],
            pid: 1,
            started: 0.0,
            dataset: "spiral".into(),
            earlier_datasets: Vec::new(),
            data: RunData {
                spec: "spiral".into(),
                options: DataOptions::default(),
            },
            parts: [400, 0, 100],
            config: TrainConfig::new(arch),
            state_line: line.into(),
            settings: nn_run::RunSettings::default(),
        }
    }

    /// An epoch of a regression whose held-out loss falls as `scale / epoch`.
    fn regression(epoch: usize, scale: f64) -> EpochReport {
        let metrics = Metrics {
            loss: scale / epoch as f64,
            samples: 100,
            confusion: None,
            mse: Some(scale / epoch as f64),
            r2: None,
        };
        EpochReport {
            test: Some(metrics.clone()),
            train: metrics,
            ..crate::ui::tests::report(epoch, 2, 0.5)
        }
    }

    /// An epoch of a classifier with this test accuracy, and a loss that falls with it.
    fn classifier(epoch: usize, accuracy: f64) -> EpochReport {
        let mut report = crate::ui::tests::report(epoch, 2, accuracy);
        if let Some(test) = &mut report.test {
            test.loss = 1.5 * (1.0 - accuracy);
        }
        report
    }

    fn record(t: f64, entry: Entry) -> Record {
        Record { t, entry }
    }

    fn render(c: &Comparison, width: u16, height: u16) -> Terminal<TestBackend> {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|frame| super::draw(frame, c)).unwrap();
        terminal
    }

    /// Two spiral runs that differ in their rate: one learns faster and has ended.
    fn two_rates() -> Comparison {
        let dirs = [PathBuf::from("runs/slow"), PathBuf::from("runs/fast")];
        let lines = [
            "nn-tui/1 data=spiral hidden=8,8 lr=0.03 batch=10 seed=42",
            "nn-tui/1 data=spiral hidden=8,8 lr=0.3 batch=10 seed=42",
        ];
        let runs = dirs
            .iter()
            .zip(lines)
            .map(|(d, l)| {
                (
                    d.as_path(),
                    info(l, Activation::Softmax, Loss::CrossEntropy),
                )
            })
            .collect();
        let mut c = Comparison::new(runs, PlotMode::Braille, ColorDepth::TrueColor);
        for epoch in 1..=200 {
            let e = epoch as f64;
            let slow = 0.5 + 0.4 * (1.0 - (-e / 150.0).exp());
            let fast = 0.5 + 0.48 * (1.0 - (-e / 25.0).exp());
            let t = e * 0.5;
            c.add(0, &record(t, Entry::Epoch(classifier(epoch, slow))));
            if epoch <= 120 {
                c.add(1, &record(t, Entry::Epoch(classifier(epoch, fast))));
            }
        }
        let end = RunEnd {
            status: EndStatus::Finished,
            message: None,
            summary: None,
            model: true,
            lost_records: 0,
            history_in_model: false,
        };
        c.add(1, &record(60.0, Entry::End(end)));
        c.set_status(0, RunStatus::Running);
        c.set_status(1, RunStatus::Finished);
        c
    }

    #[test]
    fn compare_two_rates_80x24() {
        assert_snapshot!(render(&two_rates(), 80, 24).backend());
    }

    #[test]
    fn compare_three_regressions_80x24() {
        let dirs = ["runs/a", "runs/b", "runs/c"].map(PathBuf::from);
        let lines = [
            "nn-tui/1 data=sine hidden=8,8 lr=0.03 l2=0",
            "nn-tui/1 data=sine hidden=8,8 lr=0.03 l2=0.01",
            "nn-tui/1 data=sine hidden=8,8 lr=0.1 l2=0.01",
        ];
        let runs = dirs
            .iter()
            .zip(lines)
            .map(|(d, l)| (d.as_path(), info(l, Activation::Linear, Loss::Mse)))
            .collect();
        let mut c = Comparison::new(runs, PlotMode::Braille, ColorDepth::TrueColor);
        for epoch in 1..=80 {
            for (run, scale) in [0.5, 0.8, 0.3].into_iter().enumerate() {
                c.add(
                    run,
                    &record(epoch as f64, Entry::Epoch(regression(epoch, scale))),
                );
            }
        }
        c.set_status(2, RunStatus::StoppedWriting);
        assert_snapshot!(render(&c, 80, 24).backend());
    }

    #[test]
    fn too_small_says_so() {
        let text = render(&two_rates(), 60, 10).backend().to_string();
        assert!(text.contains("terminal too small: 60x10"), "{text}");
    }
}

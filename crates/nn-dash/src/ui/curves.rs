//! Loss (training and test) and, for classification, accuracy over epochs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType};

use super::panel;
use crate::PlotMode;
use crate::app::App;
use crate::colors::Palette;
use crate::history::Series;
use crate::plot::is_classification;

/// Draws the curves panel in `area`.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let p = app.view.palette;
    let train_color = p.point(0);
    let test_color = p.point(1);
    let title = Line::from(vec![
        Span::raw(" curves  "),
        Span::styled("── train", Style::default().fg(train_color)),
        Span::raw("  "),
        Span::styled("── test", Style::default().fg(test_color)),
        Span::raw(" "),
    ]);
    let block = panel(app, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 3 || inner.width < 10 {
        return;
    }
    let h = &app.history;
    let x_max = h.x_max().max(1.0);
    let loss = (&h.train_loss, &h.test_loss);
    let accuracy =
        is_classification(app.settings.task).then_some((&h.train_accuracy, &h.test_accuracy));
    let charts: Vec<(&str, (&Series, &Series), bool)> = match accuracy {
        Some(acc) => vec![("loss", loss, false), ("accuracy", acc, true)],
        None => vec![("loss", loss, false)],
    };
    // Stacked when tall enough, side by side otherwise.
    let stacked = inner.height >= 14 || charts.len() == 1;
    let n = charts.len() as u16;
    for (i, (name, (train, test), unit)) in charts.into_iter().enumerate() {
        let i = i as u16;
        let r = if stacked {
            let each = inner.height / n;
            Rect::new(
                inner.x,
                inner.y + i * each,
                inner.width,
                if i + 1 == n {
                    inner.height - i * each
                } else {
                    each
                },
            )
        } else {
            // Two blank columns between the charts: the second one's axis labels
            // must not read as part of the first one's plot.
            const GAP: u16 = 2;
            let each = (inner.width - GAP * (n - 1)) / n;
            let x = inner.x + i * (each + GAP);
            Rect::new(
                x,
                inner.y,
                if i + 1 == n { inner.right() - x } else { each },
                inner.height,
            )
        };
        chart(
            frame,
            r,
            app.view.palette,
            app.view.plot,
            name,
            &[(train, train_color), (test, test_color)],
            unit,
            x_max,
        );
    }
}

/// A chart of `lines` (each a series and its colour) over epochs `0..x_max` in
/// `r`, its name and each line's latest value on top; `unit`: values in `[0, 1]`
/// shown as percentages (accuracy).
#[allow(clippy::too_many_arguments)]
pub(super) fn chart(
    frame: &mut Frame,
    r: Rect,
    palette: Palette,
    plot: PlotMode,
    name: &str,
    lines: &[(&Series, Color)],
    unit: bool,
    x_max: f64,
) {
    let p = palette;
    let points: Vec<Vec<(f64, f64)>> = lines.iter().map(|(s, _)| s.points()).collect();
    let all = || points.iter().flatten().map(|q| q.1);
    let y_max = if unit {
        1.0
    } else {
        all().fold(0.0, f64::max).max(1e-3) * 1.05
    };
    let y_min = if unit {
        // Zoom in on the part that matters once accuracy is high.
        let low = all().fold(1.0, f64::min);
        if low > 0.5 { 0.5 } else { 0.0 }
    } else {
        0.0
    };
    let marker = match plot {
        PlotMode::Braille => Marker::Braille,
        PlotMode::Block => Marker::HalfBlock,
        PlotMode::Ascii => Marker::Dot,
    };
    let latest = |s: &Series, decimals: usize| {
        s.last().map_or_else(String::new, |(_, y)| {
            if unit {
                format!("{:.1}%", y * 100.0)
            } else {
                format!("{y:.decimals$}")
            }
        })
    };
    let datasets: Vec<Dataset> = points
        .iter()
        .zip(lines)
        .map(|(data, (_, color))| {
            Dataset::default()
                .marker(marker)
                .graph_type(GraphType::Line)
                .style(Style::default().fg(*color))
                .data(data)
        })
        .collect();
    let label = |v: f64| {
        if unit {
            format!("{:.0}%", v * 100.0)
        } else if v >= 10.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.2}")
        }
    };
    let name = if r.width < 30 && unit { "acc" } else { name };
    // The figures first: the name goes when they would not fit with it, then a
    // loss's fourth decimal; a figure is never cut.
    let make = |decimals| -> Vec<Span> {
        lines
            .iter()
            .enumerate()
            .flat_map(|(i, (series, color))| {
                let gap = (i > 0).then(|| Span::raw(" "));
                gap.into_iter().chain([Span::styled(
                    latest(series, decimals),
                    Style::default().fg(*color),
                )])
            })
            .collect()
    };
    let width_of = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let mut figures = make(4);
    if width_of(&figures) > usize::from(r.width) {
        figures = make(3);
    }
    let figures_width = width_of(&figures);
    let mut title = Vec::new();
    if figures_width + name.len() < usize::from(r.width) {
        title.push(Span::styled(
            format!("{name} "),
            Style::default().fg(p.dim()),
        ));
    }
    title.extend(figures);
    let x_label = format!("{x_max:.0}");
    let x_labels = if r.width >= 40 {
        vec![Span::raw("0"), Span::raw("epoch"), Span::raw(x_label)]
    } else {
        vec![Span::raw("0"), Span::raw(x_label)]
    };

    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([0.0, x_max])
                .labels(x_labels)
                .style(Style::default().fg(p.dim())),
        )
        .y_axis(
            Axis::default()
                .bounds([y_min, y_max])
                .labels(vec![Span::raw(label(y_min)), Span::raw(label(y_max))])
                .style(Style::default().fg(p.dim())),
        )
        .legend_position(None);
    let title_area = Rect::new(r.x, r.y, r.width, 1);
    let chart_area = Rect::new(r.x, r.y + 1, r.width, r.height.saturating_sub(1));
    frame.render_widget(
        ratatui::widgets::Paragraph::new(Line::from(title)),
        title_area,
    );
    if chart_area.height >= 3 {
        frame.render_widget(chart, chart_area);
    }
}

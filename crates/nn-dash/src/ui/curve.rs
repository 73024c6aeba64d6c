//! 1-D data (the sine): the training and test points as `(x1, y)` and the
//! network's curve through them, as a plot.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType};

use super::panel;
use crate::PlotMode;
use crate::app::App;

/// The x range a curve covers for these points: theirs, or `-1..1` without points.
pub fn x_range(app: &App) -> (f32, f32) {
    let (lo, hi) = app
        .view
        .train_points
        .iter()
        .chain(&app.view.test_points)
        .fold((f32::MAX, f32::MIN), |(lo, hi), p| {
            (lo.min(p.x), hi.max(p.x))
        });
    if lo <= hi { (lo, hi) } else { (-1.0, 1.0) }
}

/// Draws the curve panel in `area`.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let p = app.view.palette;
    let s = &app.settings;
    let mut title = vec![Span::raw(format!(" fit: {} ", s.dataset()))];
    if let Some(noise) = s.noise_percent() {
        title.push(Span::styled(
            format!("noise {noise}% train {}% ", s.train_percent()),
            Style::default().fg(p.dim()),
        ));
    }
    let train_color = p.point(0);
    let test_color = p.point(1);
    let mut legend = vec![
        Span::raw(" "),
        Span::styled("• train ", Style::default().fg(train_color)),
    ];
    if s.test_points {
        legend.push(Span::styled("• test ", Style::default().fg(test_color)));
    }
    legend.push(Span::styled("── network ", Style::default().fg(p.accent())));
    let block = panel(app, Line::from(title)).title_bottom(Line::from(legend));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width < 10 || inner.height < 4 {
        return;
    }
    let as_points = |pts: &[crate::plot::Point]| -> Vec<(f64, f64)> {
        pts.iter()
            .map(|q| (f64::from(q.x), f64::from(q.y)))
            .collect()
    };
    let train = as_points(&app.view.train_points);
    let test = if s.test_points {
        as_points(&app.view.test_points)
    } else {
        Vec::new()
    };
    let curve: Vec<(f64, f64)> = app.view.curve.as_ref().map_or_else(Vec::new, |c| {
        c.xs.iter()
            .zip(c.outputs.chunks_exact(c.output_width.max(1)))
            .map(|(&x, out)| {
                let y = if s.is_regression() {
                    out[0]
                } else {
                    out.get(1).copied().unwrap_or(out[0])
                };
                (f64::from(x), f64::from(y))
            })
            .collect()
    });
    let (x0, x1) = x_range(app);
    let (y0, y1) = train
        .iter()
        .chain(&test)
        .chain(&curve)
        .fold((f64::MAX, f64::MIN), |(lo, hi), q| {
            (lo.min(q.1), hi.max(q.1))
        });
    let (y0, y1) = if y0 <= y1 {
        let pad = 0.05 * (y1 - y0).max(1e-3);
        (y0 - pad, y1 + pad)
    } else {
        (-1.0, 1.0)
    };
    let marker = match app.view.plot {
        PlotMode::Braille => Marker::Braille,
        PlotMode::Block => Marker::HalfBlock,
        PlotMode::Ascii => Marker::Dot,
    };
    let datasets = vec![
        Dataset::default()
            .marker(marker)
            .graph_type(GraphType::Scatter)
            .style(Style::default().fg(train_color))
            .data(&train),
        Dataset::default()
            .marker(marker)
            .graph_type(GraphType::Scatter)
            .style(Style::default().fg(test_color))
            .data(&test),
        Dataset::default()
            .marker(marker)
            .graph_type(GraphType::Line)
            .style(Style::default().fg(p.accent()))
            .data(&curve),
    ];
    let label = |v: f64| Span::raw(format!("{v:.1}"));
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([f64::from(x0), f64::from(x1)])
                .labels(vec![
                    label(f64::from(x0)),
                    Span::raw("x1"),
                    label(f64::from(x1)),
                ])
                .style(Style::default().fg(p.dim())),
        )
        .y_axis(
            Axis::default()
                .bounds([y0, y1])
                .labels(vec![label(y0), label(y1)])
                .style(Style::default().fg(p.dim())),
        )
        .legend_position(None);
    frame.render_widget(chart, inner);
}

//! The input plane: the network's output as a heatmap (two pixels per cell
//! with `▀`), or the map of the selected or hovered node, with the training
//! points as bright pixels and the test points as `◆`. Classes take their
//! colours; a regression's values take the Playground's scale (orange -1, grey
//! 0, blue +1). Discretized, the output shows hard classes or signs. The
//! inspector's sample is marked `◎`; a click picks the training point nearest to it.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::panel;
use crate::PlotMode;
use crate::app::App;
use crate::colors::playground_rgb;
use crate::plot::{decide, is_classification};
use crate::selection::NodeId;

/// ASCII shades per class, weakest first (ASCII mode).
const SHADES: [[char; 3]; 4] = [
    [' ', '.', ':'],
    [' ', '-', '='],
    [' ', '~', '^'],
    [' ', ',', ';'],
];
/// ASCII training and test point glyphs per class.
const ASCII_POINTS: [(char, char); 4] = [('o', 'O'), ('x', 'X'), ('*', '@'), ('+', '#')];

/// How a node's values over the plane become shades in `[-1, 1]`: divided by
/// their largest size (non-negative outputs, a sigmoid's or a ReLU's, stretched
/// over the whole scale); discretized, only their sign (or, stretched, which half).
#[derive(Debug, Clone, Copy)]
pub(super) struct Shading {
    max: f32,
    non_negative: bool,
    discretize: bool,
}

impl Shading {
    /// The shading of `values[i * stride]` over all pixels.
    pub(super) fn of(values: &[f32], stride: usize, stretch: bool, discretize: bool) -> Self {
        let every = || values.iter().step_by(stride.max(1));
        Self {
            max: every().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-6),
            non_negative: stretch && every().all(|v| *v >= 0.0),
            discretize,
        }
    }

    /// `v` on the scale `[-1, 1]`.
    pub(super) fn shade(self, v: f32) -> f32 {
        let t = if self.non_negative {
            2.0 * v / self.max - 1.0
        } else {
            v / self.max
        };
        if self.discretize {
            if t >= 0.0 { 1.0 } else { -1.0 }
        } else {
            t
        }
    }
}

/// What one pixel shows: a class and its strength, or a value on the signed scale.
#[derive(Debug, Clone, Copy)]
enum Pixel {
    /// Nothing computed yet.
    Blank,
    /// A class with a strength in `[0, 1]`.
    Class(usize, f32),
    /// A value in `[-1, 1]`, in the dashboard's signed colours.
    Signed(f32),
    /// A regression output on the Playground's scale.
    Value(f32),
}

impl Pixel {
    fn color(self, app: &App) -> Color {
        let p = app.view.palette;
        match self {
            Pixel::Blank => p.heat(0, 0.0),
            Pixel::Class(class, strength) => p.heat(class, strength),
            Pixel::Signed(t) => p.signed(t),
            Pixel::Value(v) => p.playground(v),
        }
    }

    /// The class behind the pixel and its strength (ASCII shades).
    fn class(self) -> (usize, f32) {
        match self {
            Pixel::Blank => (0, 0.0),
            Pixel::Class(class, strength) => (class, strength),
            Pixel::Signed(t) | Pixel::Value(t) => (usize::from(t >= 0.0), t.abs().min(1.0)),
        }
    }
}

/// The panel's title in `room` columns: what the map shows, and the data's noise
/// and split as far as they fit whole (the split goes first).
fn title(app: &App, room: usize) -> Line<'static> {
    let s = &app.settings;
    let what = match app.shown_node() {
        Some(node) => format!(" {} map ", s.node_name(node)),
        None if s.is_regression() => format!(" output: {} ", s.dataset()),
        None => format!(" decision: {} ", s.dataset()),
    };
    let mut spans = vec![Span::raw(what)];
    let mut data = Vec::new();
    if let Some(noise) = s.noise_percent() {
        data.push(format!("noise {noise}%"));
    }
    if !s.own_test_set {
        data.push(format!("train {}%", s.train_percent()));
    }
    let width = |data: &[String]| {
        spans[0].width() + data.iter().map(|d| d.chars().count() + 1).sum::<usize>()
    };
    while !data.is_empty() && width(&data) > room {
        data.pop();
    }
    if !data.is_empty() {
        spans.push(Span::styled(
            format!("{} ", data.join(" ")),
            Style::default().fg(app.view.palette.dim()),
        ));
    }
    Line::from(spans)
}

/// A regression's training point: a dot in its target's colour.
const RINGED: &str = "●";

/// The ring around a point of colour `rgb`: black around light colours, white around dark.
fn ring([r, g, b]: [u8; 3]) -> [u8; 3] {
    let luma = 0.299 * f32::from(r) + 0.587 * f32::from(g) + 0.114 * f32::from(b);
    if luma > 140.0 {
        [0, 0, 0]
    } else {
        [255, 255, 255]
    }
}

/// Classes the legend shows a glyph for (the colours a drawing or a CSV file gets).
const LEGEND_CLASSES: usize = 8;

/// The glyph that marks the inspector's sample.
const MARK: &str = "◎";

/// How far from a click (in columns; rows count twice, being twice as tall) a
/// training point may be to be picked.
const PICK_REACH: f32 = 3.0;

/// The plane's pixels for the panel at `area`: inside, pixel columns and rows, and
/// rows per cell.
fn geometry(area: Rect, app: &App) -> (Rect, usize, usize, usize) {
    let inner = panel(app, "").inner(area);
    let per_cell = if app.view.plot == PlotMode::Ascii {
        1
    } else {
        2
    };
    (
        inner,
        inner.width as usize,
        inner.height as usize * per_cell,
        per_cell,
    )
}

/// The training point nearest to the cell `(column, row)` of the panel at `area`,
/// if one is near enough: what a click on the plane picks for the inspector.
pub fn sample_at(area: Rect, app: &App, column: u16, row: u16) -> Option<usize> {
    let (inner, w, h, per_cell) = geometry(area, app);
    if !inner.contains(Position::new(column, row)) || w == 0 || h == 0 {
        return None;
    }
    let extent = app
        .view
        .plane
        .as_ref()
        .map(|v| v.extent)
        .or_else(|| app.view.points_extent(w, h))?;
    let (x, y) = (
        f32::from(column - inner.x) + 0.5,
        f32::from(row - inner.y) + 0.5,
    );
    app.view
        .train_points
        .iter()
        .enumerate()
        .filter_map(|(i, pt)| {
            let (c, r) = extent.pixel(pt.x, pt.y, w, h)?;
            let dx = c as f32 + 0.5 - x;
            let dy = 2.0 * ((r as f32 + 0.5) / per_cell as f32 - y);
            Some((dx * dx + dy * dy, i))
        })
        .filter(|&(d, _)| d <= PICK_REACH * PICK_REACH)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, i)| i)
}

/// Draws the boundary panel in `area`.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let p = app.view.palette;
    let s = &app.settings;
    let ascii = app.view.plot == PlotMode::Ascii;
    let classification = is_classification(s.task);
    // A regression's points share the heatmap's colour scale, where a well-fitted
    // point would vanish: they are a dot in a contrasting ring (a cell of black or white).
    let ringed = !ascii && !classification;
    let (train_glyph, test_glyph) = match (ascii, ringed) {
        (true, _) => ("o", "O"),
        (false, true) => (RINGED, "◆"),
        (false, false) => ("▀", "◆"),
    };
    // One glyph per class in its colour (two for a regression's ends), at most eight.
    let shown_classes = match s.task {
        nn_data::Task::Classification { classes } => classes.clamp(2, LEGEND_CLASSES),
        nn_data::Task::Regression { .. } => 2,
    };
    let glyphs = |glyph: &'static str| {
        (0..shown_classes).map(move |k| Span::styled(glyph, Style::default().fg(p.point(k))))
    };
    let mut legend = vec![Span::raw(" ")];
    legend.extend(glyphs(train_glyph));
    legend.push(Span::raw(" train "));
    if s.test_points {
        legend.extend(glyphs(test_glyph));
        legend.push(Span::raw(" test "));
    }
    if s.discretize {
        legend.push(Span::styled("discretized ", Style::default().fg(p.dim())));
    }
    let block = panel(app, title(app, usize::from(area.width.saturating_sub(2))))
        .title_bottom(Line::from(legend));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let (w, rows) = (inner.width as usize, inner.height as usize);
    let h = if ascii { rows } else { rows * 2 };

    // Pixels: the shown node's map, or the output's decision.
    let mut pixels = vec![Pixel::Blank; w * h];
    if let Some(plane) = &app.view.plane {
        let at = |c: usize, r: usize| {
            plane.sample_index((c as f32 + 0.5) / w as f32, (r as f32 + 0.5) / h as f32)
        };
        let node = app
            .shown_node()
            .and_then(|n| Some((n, plane.node_values(n, s.features())?)));
        if let Some((node, (values, stride))) = node {
            let stretch = matches!(node, NodeId::Neuron { .. });
            let shading = Shading::of(values, stride, stretch, s.discretize);
            for r in 0..h {
                for c in 0..w {
                    pixels[r * w + c] = Pixel::Signed(shading.shade(values[at(c, r) * stride]));
                }
            }
        } else {
            let k = plane.output_width;
            for r in 0..h {
                for c in 0..w {
                    let i = at(c, r);
                    let row = &plane.outputs[i * k..(i + 1) * k];
                    pixels[r * w + c] = if classification {
                        let (class, strength) = decide(row, true, 1.0);
                        Pixel::Class(class, if s.discretize { 1.0 } else { strength })
                    } else {
                        let v = row[0];
                        Pixel::Value(if s.discretize { v.signum() } else { v })
                    };
                }
            }
        }
    }
    let mut colors: Vec<Color> = pixels.iter().map(|px| px.color(app)).collect();
    let point_color = |label: f32| {
        if classification {
            p.point(label as usize)
        } else {
            p.playground(label)
        }
    };
    let class_of = |label: f32| {
        if classification {
            label as usize
        } else {
            usize::from(label >= 0.0)
        }
    };
    let extent = app
        .view
        .plane
        .as_ref()
        .map(|v| v.extent)
        .or_else(|| app.view.points_extent(w, h));
    let mut train_marks: Vec<Option<usize>> = vec![None; w * h];
    if let Some(extent) = extent.filter(|_| !ringed) {
        for pt in &app.view.train_points {
            if let Some((c, r)) = extent.pixel(pt.x, pt.y, w, h) {
                colors[r * w + c] = point_color(pt.label);
                train_marks[r * w + c] = Some(class_of(pt.label));
            }
        }
    }
    let buf = frame.buffer_mut();
    for row in 0..rows {
        for c in 0..w {
            let Some(cell) = buf.cell_mut((inner.x + c as u16, inner.y + row as u16)) else {
                continue;
            };
            if ascii {
                let i = row * w + c;
                let (class, strength) = pixels[i].class();
                if let Some(k) = train_marks[i] {
                    let glyph = ASCII_POINTS[k % ASCII_POINTS.len()].0;
                    cell.set_char(glyph).set_fg(p.point(k)).set_bg(Color::Reset);
                } else {
                    let shades = SHADES[class % SHADES.len()];
                    let level = if app.view.plane.is_none() {
                        0
                    } else if strength > 0.66 {
                        2
                    } else {
                        usize::from(strength > 0.25)
                    };
                    cell.set_char(shades[level])
                        .set_fg(p.heat(class, 1.0))
                        .set_bg(Color::Reset);
                }
            } else {
                let (top, bottom) = (colors[2 * row * w + c], colors[(2 * row + 1) * w + c]);
                cell.set_symbol("▀").set_fg(top).set_bg(bottom);
            }
        }
    }
    if let Some(extent) = extent.filter(|_| ringed) {
        for pt in &app.view.train_points {
            if let Some((c, r)) = extent.pixel(pt.x, pt.y, w, h)
                && let Some(cell) = buf.cell_mut((inner.x + c as u16, inner.y + (r / 2) as u16))
            {
                cell.set_symbol(RINGED).set_style(
                    Style::default()
                        .fg(point_color(pt.label))
                        .bg(p.rgb(ring(playground_rgb(pt.label)))),
                );
            }
        }
    }
    if let Some(extent) = extent.filter(|_| s.test_points) {
        for pt in &app.view.test_points {
            if let Some((c, r)) = extent.pixel(pt.x, pt.y, w, h) {
                let row = if ascii { r } else { r / 2 };
                let class = class_of(pt.label);
                if let Some(cell) = buf.cell_mut((inner.x + c as u16, inner.y + row as u16)) {
                    let bg = if ascii {
                        Color::Reset
                    } else {
                        pixels[r * w + c].color(app)
                    };
                    let glyph = if ascii {
                        ASCII_POINTS[class % ASCII_POINTS.len()].1.to_string()
                    } else {
                        "◆".into()
                    };
                    cell.set_symbol(&glyph)
                        .set_style(Style::default().fg(point_color(pt.label)).bg(bg));
                }
            }
        }
    }
    // The inspector's sample, over everything else.
    if let (Some(extent), true) = (extent, app.selection.inspector.open)
        && let Some(pt) = app.view.train_points.get(app.selection.inspector.sample)
        && let Some((c, r)) = extent.pixel(pt.x, pt.y, w, h)
    {
        let row = if ascii { r } else { r / 2 };
        if let Some(cell) = buf.cell_mut((inner.x + c as u16, inner.y + row as u16)) {
            cell.set_symbol(MARK).set_style(
                Style::default()
                    .fg(Color::White)
                    .bg(Color::Black)
                    .add_modifier(Modifier::BOLD),
            );
        }
    }
    if let Some(extent) = extent {
        crate::drawing::draw_cursor(frame.buffer_mut(), inner, app, &extent, (w, h, ascii));
    }
}

/// The point of the plane under the cell `(column, row)` of the panel at `area`
/// (a click in drawing mode).
pub fn point_at(area: Rect, app: &App, column: u16, row: u16) -> Option<(f32, f32)> {
    let (inner, w, h, per_cell) = geometry(area, app);
    if !inner.contains(Position::new(column, row)) || w == 0 || h == 0 {
        return None;
    }
    let extent = app.view.points_extent(w, h)?;
    let u = (f32::from(column - inner.x) + 0.5) / w as f32;
    let v = (f32::from(row - inner.y) + 0.5) * per_cell as f32 / h as f32;
    Some((
        extent.x.0 + u * (extent.x.1 - extent.x.0),
        extent.y.1 - v * (extent.y.1 - extent.y.0),
    ))
}

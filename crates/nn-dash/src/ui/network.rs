//! The network: a column per layer, a node per neuron, connections coloured
//! by sign (blue positive, orange negative) and shaded by magnitude. For 2-D
//! data and room enough, each node is a small heatmap of what that neuron
//! computes over the input plane, as in the Playground.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::widgets::canvas::{Canvas, Line as CanvasLine};

use super::panel;
use crate::PlotMode;
use crate::app::App;

/// Node sizes tried, largest first: (width, height) in cells; (1, 1) is a plain dot.
const NODE_SIZES: [(u16, u16); 3] = [(6, 3), (4, 2), (1, 1)];

fn sizes(app: &App) -> Vec<usize> {
    app.network
        .as_ref()
        .map_or_else(|| app.settings.sizes(), |n| n.architecture().sizes.clone())
}

/// Rows the panel would like for `width` columns: heatmap nodes for 2-D data on wide panels.
pub fn wanted_height(app: &App, width: u16) -> u16 {
    let widest = sizes(app).iter().copied().max().unwrap_or(1).min(64) as u16;
    let (_, h) = if app.settings.is_planar() && width >= 56 {
        NODE_SIZES[1]
    } else {
        NODE_SIZES[2]
    };
    let gap = u16::from(h > 1);
    widest * h + widest.saturating_sub(1) * gap + 3
}

/// Draws the network panel in `area`.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let p = app.palette;
    let layer_sizes = sizes(app);
    let layout = app
        .network
        .as_ref()
        .map_or_else(|| app.settings.layout(), |n| n.architecture().to_string());
    let title = format!(" network {layout} {} ", app.settings.activation.name());
    let block = panel(app, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let columns = layer_sizes.len();
    if inner.height < 2 || inner.width < 2 * columns as u16 {
        return;
    }
    let rows = inner.height - 1; // the first row names the layers
    let widest = layer_sizes.iter().copied().max().unwrap_or(1) as u16;
    let heatmaps = app.settings.is_planar() && app.plane.is_some();
    let (bw, bh) = NODE_SIZES
        .into_iter()
        .find(|&(bw, bh)| {
            let gap = u16::from(bh > 1);
            (bw == 1 || heatmaps)
                && widest * bh + widest.saturating_sub(1) * gap <= rows
                && columns as u16 * bw + (columns as u16 - 1) * 4 <= inner.width
        })
        .unwrap_or((1, 1));
    let gap = u16::from(bh > 1);

    // Node positions: (neuron index, left x, top y) per column, relative to `inner`.
    let span = inner.width - bw;
    let nodes: Vec<Vec<(usize, u16, u16)>> = layer_sizes
        .iter()
        .enumerate()
        .map(|(l, &n)| {
            let x = if columns > 1 {
                span * l as u16 / (columns as u16 - 1)
            } else {
                0
            };
            let fit = ((rows + gap) / (bh + gap)).max(1) as usize;
            let shown = n.min(fit);
            let total = shown as u16 * bh + (shown as u16).saturating_sub(1) * gap;
            let top = 1 + (rows - total) / 2;
            (0..shown)
                .map(|j| {
                    let index = if shown == n || shown < 2 {
                        j
                    } else {
                        j * (n - 1) / (shown - 1)
                    };
                    (index, x, top + j as u16 * (bh + gap))
                })
                .collect()
        })
        .collect();

    // Layer labels.
    let buf = frame.buffer_mut();
    for (l, column) in nodes.iter().enumerate() {
        let label = layer_sizes[l].to_string();
        let x = column.first().map_or(0, |n| n.1) + bw / 2;
        let x = x
            .saturating_sub(label.len() as u16 / 2)
            .min(inner.width.saturating_sub(label.len() as u16));
        buf.set_string(inner.x + x, inner.y, &label, Style::default().fg(p.dim()));
    }

    // Connections, weakest first so the strong ones stay visible.
    let mut lines = Vec::new();
    if let Some(net) = &app.network {
        for l in 0..columns - 1 {
            let weights = net.weights(l);
            let inputs = layer_sizes[l];
            let max = weights.iter().fold(0.0f32, |m, w| m.max(w.abs()));
            for &(a, ax, ay) in &nodes[l] {
                for &(b, bx, by) in &nodes[l + 1] {
                    let w = weights[b * inputs + a];
                    let from = (f64::from(ax + bw), f64::from(ay) + f64::from(bh) / 2.0);
                    let to = (f64::from(bx), f64::from(by) + f64::from(bh) / 2.0);
                    lines.push((w.abs() / max.max(1e-6), from, to, p.weight(w, max)));
                }
            }
        }
    }
    lines.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (w, h) = (f64::from(inner.width), f64::from(inner.height));
    if app.plot == PlotMode::Ascii {
        for (_, from, to, color) in &lines {
            ascii_line(buf, inner, *from, *to, *color);
        }
    } else {
        let marker = if app.plot == PlotMode::Braille {
            Marker::Braille
        } else {
            Marker::HalfBlock
        };
        let canvas = Canvas::default()
            .marker(marker)
            .x_bounds([0.0, w])
            .y_bounds([0.0, h])
            .paint(|ctx| {
                for (_, from, to, color) in &lines {
                    ctx.draw(&CanvasLine {
                        x1: from.0,
                        y1: h - from.1,
                        x2: to.0 - 0.01,
                        y2: h - to.1,
                        color: *color,
                    });
                }
            });
        let area = Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1);
        // The canvas covers the rows under the labels; its y axis spans the whole inner area.
        let canvas = canvas.y_bounds([0.0, h - 1.0]);
        frame.render_widget(canvas, area);
    }

    // Nodes on top.
    let buf = frame.buffer_mut();
    let last = columns - 1;
    for (l, column) in nodes.iter().enumerate() {
        for &(k, x, y) in column {
            let (x, y) = (inner.x + x, inner.y + y);
            if bw == 1 {
                let color = match (&app.network, l) {
                    (_, 0) => p.accent(),
                    (Some(net), l) => {
                        let b = net.bias(l - 1)[k];
                        let max = net.bias(l - 1).iter().fold(0.0f32, |m, v| m.max(v.abs()));
                        if l == last {
                            p.point(k)
                        } else {
                            p.weight(b, max.max(0.5))
                        }
                    }
                    _ => p.dim(),
                };
                if let Some(cell) = buf.cell_mut((x, y)) {
                    cell.set_symbol("●").set_fg(color).set_bg(Color::Reset);
                }
            } else {
                draw_node(buf, app, l, last, k, Rect::new(x, y, bw, bh));
            }
        }
    }
}

/// One neuron's heatmap: what it outputs over the input plane.
fn draw_node(
    buf: &mut ratatui::buffer::Buffer,
    app: &App,
    l: usize,
    last: usize,
    k: usize,
    r: Rect,
) {
    let Some(plane) = &app.plane else { return };
    let p = app.palette;
    let (values, width): (&[f32], usize) = if l == 0 {
        (&plane.inputs, 2)
    } else if l == last {
        (&plane.outputs, plane.output_width)
    } else {
        let v = &plane.hidden[l - 1];
        (v, v.len() / (plane.width * plane.height).max(1))
    };
    let max = values
        .iter()
        .skip(k)
        .step_by(width)
        .fold(0.0f32, |m, v| m.max(v.abs()))
        .max(1e-6);
    let sigmoid_like = l > 0 && values.iter().skip(k).step_by(width).all(|v| *v >= 0.0);
    let color_at = |u: f32, v: f32| {
        let i = plane.sample_index(u, v) * width + k;
        let value = values[i];
        if l == last {
            if width == 1 {
                p.signed(2.0 * value - 1.0)
            } else {
                p.heat(k, value)
            }
        } else if sigmoid_like {
            p.signed(2.0 * value / max - 1.0)
        } else {
            p.signed(value / max)
        }
    };
    let (w, h) = (f32::from(r.width), f32::from(r.height) * 2.0);
    for row in 0..r.height {
        for c in 0..r.width {
            let u = (f32::from(c) + 0.5) / w;
            let top = color_at(u, (f32::from(row) * 2.0 + 0.5) / h);
            let bottom = color_at(u, (f32::from(row) * 2.0 + 1.5) / h);
            if let Some(cell) = buf.cell_mut((r.x + c, r.y + row)) {
                if app.plot == PlotMode::Ascii {
                    cell.set_symbol("#").set_fg(top).set_bg(Color::Reset);
                } else {
                    cell.set_symbol("▀").set_fg(top).set_bg(bottom);
                }
            }
        }
    }
}

/// A line of `.` between two points (in cells, relative to `area`), for ASCII mode.
fn ascii_line(
    buf: &mut ratatui::buffer::Buffer,
    area: Rect,
    from: (f64, f64),
    to: (f64, f64),
    color: Color,
) {
    let steps = ((to.0 - from.0).abs().max((to.1 - from.1).abs()).ceil() as usize).max(1);
    for i in 0..=steps {
        let t = i as f64 / steps as f64;
        let x = from.0 + (to.0 - from.0) * t;
        let y = from.1 + (to.1 - from.1) * t;
        let (x, y) = (x.floor() as u16, y.floor() as u16);
        if x < area.width
            && y < area.height
            && y > 0
            && let Some(cell) = buf.cell_mut((area.x + x, area.y + y))
        {
            cell.set_char('.').set_fg(color);
        }
    }
}

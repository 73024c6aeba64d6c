//! The network: a column per layer, a node per neuron, connections coloured
//! by sign (blue positive, orange negative) and shaded by magnitude. On 2-D
//! data the input column holds every feature, on or off, as in the Playground
//! (a click or its digit key toggles it); with room enough each node is a small
//! heatmap of what it computes over the input plane. [`NetLayout`] places
//! everything once, for drawing and for the mouse alike.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::canvas::{Canvas, Line as CanvasLine};

use super::boundary::Shading;
use super::panel;
use crate::PlotMode;
use crate::app::App;
use crate::selection::{Link, NodeId, Target};

/// Node sizes tried, largest first: (width, height) in cells; (1, 1) is a plain dot.
const NODE_SIZES: [(u16, u16); 3] = [(6, 3), (4, 2), (1, 1)];

/// Cells between node columns, at least.
const COLUMN_GAP: u16 = 4;

/// How close (in cells) the mouse must be to a connection to point at it.
const LINK_REACH: f64 = 0.6;

fn sizes(app: &App) -> Vec<usize> {
    app.network
        .as_ref()
        .map_or_else(|| app.settings.sizes(), |n| n.architecture().sizes.clone())
}

/// The input column's nodes: every available feature (on or off), else the inputs.
fn input_nodes(app: &App, inputs: usize) -> Vec<(NodeId, Option<usize>)> {
    let s = &app.settings;
    let available = s.available_features();
    if available.is_empty() {
        return (0..inputs).map(|i| (NodeId::Input(i), Some(i))).collect();
    }
    let on = s.features().map_or(&[][..], |f| f.as_slice());
    available
        .into_iter()
        .map(|f| (NodeId::Feature(f), on.iter().position(|&g| g == f)))
        .collect()
}

/// A feature's label: `x1²`, `sin x1`; in ASCII mode its name, `x1^2`.
fn feature_label(app: &App, f: nn_data::Feature) -> &'static str {
    if app.view.plot == PlotMode::Ascii {
        f.name()
    } else {
        f.label()
    }
}

/// Width of the input labels (`sin x1 `) left of the input column.
fn label_width(app: &App) -> u16 {
    app.settings
        .available_features()
        .iter()
        .map(|&f| feature_label(app, f).chars().count() as u16 + 1)
        .max()
        .unwrap_or(0)
}

/// Rows the panel would like for `width` columns: heatmap nodes for 2-D data on wide panels.
pub fn wanted_height(app: &App, width: u16) -> u16 {
    let sizes = sizes(app);
    let inputs = input_nodes(app, sizes[0]).len();
    let widest = sizes[1..]
        .iter()
        .copied()
        .chain([inputs])
        .max()
        .unwrap_or(1)
        .min(64) as u16;
    let (_, h) = if app.settings.is_planar() && width >= 56 {
        NODE_SIZES[1]
    } else {
        NODE_SIZES[2]
    };
    let gap = u16::from(h > 1);
    widest * h + widest.saturating_sub(1) * gap + 3
}

/// A connection and its two ends, in cells relative to the panel's inside.
pub type LinkSegment = (Link, (f64, f64), (f64, f64));

/// A node's place: its id, its top-left cell, and its index in the network's
/// layer (`None`: a feature that is off).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spot {
    /// Which node.
    pub id: NodeId,
    /// Left column (absolute).
    pub x: u16,
    /// Top row (absolute).
    pub y: u16,
    /// Index in the network's layer, if it is in the network.
    pub index: Option<usize>,
}

/// Which `shown` of `nodes` to draw, in order: all if they fit; else the nodes in
/// the network first (an input feeding it before a feature that is off), the rest
/// spread evenly over what is left.
fn pick(nodes: &[(NodeId, Option<usize>)], shown: usize) -> Vec<usize> {
    let n = nodes.len();
    if shown >= n {
        return (0..n).collect();
    }
    let spread = |count: usize, of: &[usize]| -> Vec<usize> {
        match count {
            0 => Vec::new(),
            1 => vec![of[0]],
            _ => (0..count)
                .map(|j| of[j * (of.len() - 1) / (count - 1)])
                .collect(),
        }
    };
    let (active, off): (Vec<usize>, Vec<usize>) = (0..n).partition(|&k| nodes[k].1.is_some());
    let mut picked = spread(shown.min(active.len()), &active);
    picked.extend(spread((shown - picked.len()).min(off.len()), &off));
    picked.sort_unstable();
    picked
}

/// Where the network panel puts its nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct NetLayout {
    /// Inside the border.
    pub inner: Rect,
    /// Node width and height in cells.
    pub node: (u16, u16),
    /// Per layer (inputs first), the nodes shown (a sample of very wide layers).
    pub columns: Vec<Vec<Spot>>,
    /// The width of each layer in the network.
    pub sizes: Vec<usize>,
    /// Columns left of the inputs for their labels.
    pub label_width: u16,
}

impl NetLayout {
    /// The layout for the panel at `area`; `None` if it is too small to draw.
    pub fn of(area: Rect, app: &App) -> Option<Self> {
        let inner = panel(app, "").inner(area);
        let sizes = sizes(app);
        let columns = sizes.len() as u16;
        let label_width = label_width(app);
        if inner.height < 2 || inner.width < label_width + 2 * columns {
            return None;
        }
        let inputs = input_nodes(app, sizes[0]);
        let rows = inner.height - 1; // the first row names the layers
        let widest = sizes[1..]
            .iter()
            .copied()
            .chain([inputs.len()])
            .max()
            .unwrap_or(1) as u16;
        let heatmaps = app.settings.is_planar() && app.view.plane.is_some();
        let room = inner.width - label_width;
        let (bw, bh) = NODE_SIZES
            .into_iter()
            .find(|&(bw, bh)| {
                let gap = u16::from(bh > 1);
                (bw == 1 || heatmaps)
                    && widest * bh + widest.saturating_sub(1) * gap <= rows
                    && columns * bw + (columns - 1) * COLUMN_GAP <= room
            })
            .unwrap_or((1, 1));
        let gap = u16::from(bh > 1);
        let span = room - bw;
        let fit = ((rows + gap) / (bh + gap)).max(1) as usize;
        let place = |l: usize, nodes: Vec<(NodeId, Option<usize>)>| {
            let x = inner.x
                + label_width
                + if columns > 1 {
                    span * l as u16 / (columns - 1)
                } else {
                    0
                };
            let n = nodes.len();
            let shown = n.min(fit);
            let total = shown as u16 * bh + (shown as u16).saturating_sub(1) * gap;
            let top = inner.y + 1 + (rows - total) / 2;
            let picked = pick(&nodes, shown);
            (0..shown)
                .map(|j| {
                    let (id, index) = nodes[picked[j]];
                    Spot {
                        id,
                        x,
                        y: top + j as u16 * (bh + gap),
                        index,
                    }
                })
                .collect::<Vec<_>>()
        };
        let mut out = vec![place(0, inputs)];
        for (layer, &n) in sizes.iter().enumerate().skip(1) {
            let nodes = (0..n)
                .map(|index| (NodeId::Neuron { layer, index }, Some(index)))
                .collect();
            out.push(place(layer, nodes));
        }
        Some(Self {
            inner,
            node: (bw, bh),
            columns: out,
            sizes,
            label_width,
        })
    }

    /// Every drawn connection, with its ends in cells relative to `inner`.
    pub fn links(&self) -> Vec<LinkSegment> {
        let (bw, bh) = (f64::from(self.node.0), f64::from(self.node.1));
        let rel = |x: u16, y: u16| {
            (
                f64::from(x - self.inner.x),
                f64::from(y - self.inner.y) + bh / 2.0,
            )
        };
        let mut links = Vec::new();
        for (layer, pair) in self.columns.windows(2).enumerate() {
            for a in &pair[0] {
                let Some(from) = a.index else { continue };
                for b in &pair[1] {
                    let Some(to) = b.index else { continue };
                    let start = rel(a.x, a.y);
                    links.push((
                        Link { layer, from, to },
                        (start.0 + bw, start.1),
                        rel(b.x, b.y),
                    ));
                }
            }
        }
        links
    }

    /// The node or connection at the cell `(column, row)`, if any.
    pub fn hit(&self, column: u16, row: u16) -> Option<Target> {
        let (bw, bh) = self.node;
        for spot in self.columns.iter().flatten() {
            let label = if matches!(spot.id, NodeId::Feature(_)) {
                self.label_width
            } else {
                0
            };
            if (spot.x.saturating_sub(label)..spot.x + bw).contains(&column)
                && (spot.y..spot.y + bh).contains(&row)
            {
                return Some(Target::Node(spot.id));
            }
        }
        if !(self.inner.x..self.inner.right()).contains(&column)
            || !(self.inner.y + 1..self.inner.bottom()).contains(&row)
        {
            return None;
        }
        let point = (
            f64::from(column - self.inner.x) + 0.5,
            f64::from(row - self.inner.y) + 0.5,
        );
        self.links()
            .into_iter()
            .map(|(link, a, b)| (distance(point, a, b), link))
            .filter(|&(d, _)| d <= LINK_REACH)
            .min_by(|x, y| x.0.total_cmp(&y.0))
            .map(|(_, link)| Target::Link(link))
    }
}

/// Distance from `p` to the segment `a`-`b`.
fn distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length = dx * dx + dy * dy;
    let t = if length > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / length).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p.0 - a.0 - t * dx).hypot(p.1 - a.1 - t * dy)
}

/// What the bottom border says: the connection or node shown.
fn info(app: &App) -> Option<String> {
    let s = &app.settings;
    let net = app.network.as_ref();
    if let Some(link) = app.shown_link() {
        let from = if link.layer == 0 {
            s.node_name(s.input_node(link.from))
        } else {
            s.node_name(NodeId::Neuron {
                layer: link.layer,
                index: link.from,
            })
        };
        let to = s.node_name(NodeId::Neuron {
            layer: link.layer + 1,
            index: link.to,
        });
        let weight = net.and_then(|n| {
            let inputs = n.architecture().sizes.get(link.layer)?;
            n.weights(link.layer)
                .get(link.to * inputs + link.from)
                .copied()
        });
        return Some(match weight {
            Some(w) => format!(" {from} → {to}: weight {w:+.3} "),
            None => format!(" {from} → {to} "),
        });
    }
    let node = app.shown_node()?;
    Some(match node {
        NodeId::Neuron { layer, index } => {
            let bias = net.and_then(|n| n.bias(layer - 1).get(index).copied());
            match bias {
                Some(b) => format!(" {}: bias {b:+.3} ", s.node_name(node)),
                None => format!(" {} ", s.node_name(node)),
            }
        }
        _ => format!(" input {} ", s.node_name(node)),
    })
}

/// Draws the network panel in `area`.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let p = app.view.palette;
    let layout_text = app
        .network
        .as_ref()
        .map_or_else(|| app.settings.layout(), |n| n.architecture().to_string());
    let activation = app.settings.activation().name();
    let stall = app
        .stall
        .as_ref()
        .map(|s| format!("· {} {} ", s.units.len(), s.trouble_word()))
        .unwrap_or_default();
    // Words go before figures: the first of these that fits between the corners.
    let candidates = [
        format!(" network {layout_text} {activation} {stall}"),
        format!(" {layout_text} {activation} {stall}"),
        format!(" {layout_text} {stall}"),
        format!(" {} ", stall.trim_start_matches("· ").trim_end()),
    ];
    let room = usize::from(area.width.saturating_sub(2));
    let title = candidates
        .iter()
        .find(|t| t.chars().count() <= room)
        .unwrap_or(&candidates[0])
        .clone();
    let mut block = panel(app, title);
    if let Some(text) = info(app) {
        block = block.title_bottom(Line::styled(text, Style::default().fg(p.accent())));
    }
    frame.render_widget(block, area);
    let Some(layout) = NetLayout::of(area, app) else {
        return;
    };
    let inner = layout.inner;
    let (bw, bh) = layout.node;

    // Layer labels: how many neurons each layer has.
    let buf = frame.buffer_mut();
    for (l, column) in layout.columns.iter().enumerate() {
        let label = layout.sizes[l].to_string();
        let x = column.first().map_or(inner.x, |n| n.x) + bw / 2;
        // Centred over the column, but inside the border (784 over a node at the left edge).
        let x = x
            .saturating_sub(label.len() as u16 / 2)
            .max(inner.x)
            .min(inner.right().saturating_sub(label.len() as u16));
        buf.set_string(x, inner.y, &label, Style::default().fg(p.dim()));
    }

    // Connections, weakest first so the strong ones stay visible; the shown one last.
    let shown = app.shown_link();
    let mut lines = Vec::new();
    if let Some(net) = &app.network {
        let maxima: Vec<f32> = (0..layout.sizes.len() - 1)
            .map(|l| net.weights(l).iter().fold(0.0f32, |m, w| m.max(w.abs())))
            .collect();
        for (link, from, to) in layout.links() {
            let inputs = layout.sizes[link.layer];
            let w = net.weights(link.layer)[link.to * inputs + link.from];
            let max = maxima[link.layer];
            let (order, color) = if Some(link) == shown {
                (f32::INFINITY, Color::White)
            } else {
                (w.abs() / max.max(1e-6), p.weight(w, max))
            };
            lines.push((order, from, to, color));
        }
    }
    lines.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (w, h) = (f64::from(inner.width), f64::from(inner.height));
    if app.view.plot == PlotMode::Ascii {
        for (_, from, to, color) in &lines {
            ascii_line(buf, inner, *from, *to, *color);
        }
    } else {
        let marker = if app.view.plot == PlotMode::Braille {
            Marker::Braille
        } else {
            Marker::HalfBlock
        };
        let canvas = Canvas::default()
            .marker(marker)
            .x_bounds([0.0, w])
            // The canvas covers the rows under the labels; its y axis spans the whole inner area.
            .y_bounds([0.0, h - 1.0])
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
        frame.render_widget(canvas, area);
    }

    // Nodes on top, with the inputs' labels.
    let buf = frame.buffer_mut();
    let selected = app.shown_node();
    for spot in layout.columns.iter().flatten() {
        let on = spot.index.is_some();
        if let NodeId::Feature(f) = spot.id {
            let label = feature_label(app, f);
            let x = spot.x.saturating_sub(label.chars().count() as u16 + 1);
            let style = if on {
                Style::default().fg(p.accent())
            } else {
                Style::default().fg(p.dim())
            };
            buf.set_string(x, spot.y + bh / 2, label, style);
        }
        if bw == 1 {
            draw_dot(buf, app, spot, on);
        } else {
            draw_map(buf, app, spot, Rect::new(spot.x, spot.y, bw, bh));
        }
        if stuck(app, spot.id) {
            // A unit the stall report names: a red cross on its top-left cell.
            let mark = if app.view.plot == PlotMode::Ascii {
                "x"
            } else {
                "✕"
            };
            if let Some(cell) = buf.cell_mut((spot.x, spot.y)) {
                cell.set_symbol(mark)
                    .set_fg(Color::Red)
                    .set_bg(Color::Reset);
            }
        }
        if Some(spot.id) == selected {
            let marker_x = spot.x + bw;
            if marker_x < inner.right()
                && let Some(cell) = buf.cell_mut((marker_x, spot.y + bh / 2))
            {
                cell.set_symbol("◀")
                    .set_fg(Color::White)
                    .set_bg(Color::Reset)
                    .modifier
                    .insert(Modifier::BOLD);
            }
        }
    }
}

/// Whether `node` is one of the saturated or dead units of the reported stall.
fn stuck(app: &App, node: NodeId) -> bool {
    match (node, &app.stall) {
        (NodeId::Neuron { layer, index }, Some(stall)) => {
            stall.layer + 1 == layer && stall.units.contains(&index)
        }
        _ => false,
    }
}

/// A node as one dot: inputs in the accent colour (off: a hollow dot), hidden
/// neurons by their bias, outputs in their class colour.
fn draw_dot(buf: &mut Buffer, app: &App, spot: &Spot, on: bool) {
    let p = app.view.palette;
    let last = app.settings.hidden().len() + 1;
    let (symbol, color) = match (spot.id, &app.network) {
        (NodeId::Feature(_) | NodeId::Input(_), _) if on => ("●", p.accent()),
        (NodeId::Feature(_) | NodeId::Input(_), _) => ("○", p.dim()),
        (NodeId::Neuron { layer, index }, Some(net)) => {
            let b = net.bias(layer - 1)[index];
            let max = net
                .bias(layer - 1)
                .iter()
                .fold(0.0f32, |m, v| m.max(v.abs()));
            let color = if layer == last {
                p.point(index)
            } else {
                p.weight(b, max.max(0.5))
            };
            ("●", color)
        }
        (NodeId::Neuron { .. }, None) => ("●", p.dim()),
    };
    if let Some(cell) = buf.cell_mut((spot.x, spot.y)) {
        cell.set_symbol(symbol).set_fg(color).set_bg(Color::Reset);
    }
}

/// A node as a small heatmap of what it outputs over the input plane (a
/// feature that is off: faded).
fn draw_map(buf: &mut Buffer, app: &App, spot: &Spot, r: Rect) {
    let Some(plane) = &app.view.plane else { return };
    let p = app.view.palette;
    let s = &app.settings;
    let Some((values, stride)) = plane.node_values(spot.id, s.features()) else {
        return;
    };
    let output = matches!(spot.id, NodeId::Neuron { layer, .. } if layer > s.hidden().len());
    let shading = Shading::of(
        values,
        stride,
        matches!(spot.id, NodeId::Neuron { .. }),
        s.discretize,
    );
    let fade = if spot.index.is_some() { 1.0 } else { 0.35 };
    let color_at = |u: f32, v: f32| {
        let value = values[plane.sample_index(u, v) * stride];
        if output && s.is_regression() {
            p.playground(if s.discretize { value.signum() } else { value })
        } else if output && plane.output_width > 1 {
            let k = match spot.id {
                NodeId::Neuron { index, .. } => index,
                _ => 0,
            };
            p.heat(
                k,
                if s.discretize {
                    (value >= 0.5).into()
                } else {
                    value
                },
            )
        } else if output {
            p.signed(if s.discretize {
                (value - 0.5).signum()
            } else {
                2.0 * value - 1.0
            })
        } else {
            p.signed(shading.shade(value) * fade)
        }
    };
    let (w, h) = (f32::from(r.width), f32::from(r.height) * 2.0);
    for row in 0..r.height {
        for c in 0..r.width {
            let u = (f32::from(c) + 0.5) / w;
            let top = color_at(u, (f32::from(row) * 2.0 + 0.5) / h);
            let bottom = color_at(u, (f32::from(row) * 2.0 + 1.5) / h);
            if let Some(cell) = buf.cell_mut((r.x + c, r.y + row)) {
                if app.view.plot == PlotMode::Ascii {
                    cell.set_symbol("#").set_fg(top).set_bg(Color::Reset);
                } else {
                    cell.set_symbol("▀").set_fg(top).set_bg(bottom);
                }
            }
        }
    }
}

/// A line of `.` between two points (in cells, relative to `area`), for ASCII mode.
fn ascii_line(buf: &mut Buffer, area: Rect, from: (f64, f64), to: (f64, f64), color: Color) {
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

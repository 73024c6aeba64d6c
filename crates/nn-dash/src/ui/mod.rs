//! Drawing: `draw(frame, &app)` lays the panels out for the terminal's size
//! and renders each one (a file per panel). Pure: reads the state, writes the frame.

mod boundary;
mod compare;
mod curve;
mod curves;
mod digits;
mod help;
mod inspector;
mod lesson;
mod network;
mod state_line;
mod status;
mod sweep_table;
#[cfg(test)]
mod sweep_table_tests;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::symbols::border;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::PlotMode;
use crate::app::App;
use crate::selection::{NodeId, Target};
use crate::settings::Shape;
use crate::view::Overlay;

pub use compare::draw as draw_comparison;
pub use curve::x_range as curve_range;
pub use sweep_table::{draw as draw_sweep, rows as sweep_table_rows};

/// Smallest terminal the dashboard draws in.
pub const MIN_WIDTH: u16 = 60;
/// Smallest terminal the dashboard draws in.
pub const MIN_HEIGHT: u16 = 20;

/// Where each panel goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    /// The two status lines.
    pub status: Rect,
    /// The log line at the bottom.
    pub log: Rect,
    /// The input plane (2-D data) or the fitted curve (1-D data).
    pub boundary: Option<Rect>,
    /// The network.
    pub network: Option<Rect>,
    /// Loss and accuracy curves.
    pub curves: Rect,
    /// Images (image data).
    pub digits: Option<Rect>,
    /// The confusion matrix (image data).
    pub confusion: Option<Rect>,
    /// The inspector, in place of the curves (and the confusion matrix), when open.
    pub inspector: Option<Rect>,
    /// The lesson panel (`nn-tui learn`), a band under the others.
    pub lesson: Option<Rect>,
}

/// Lays out the panels for `area`; `None` below the minimum size.
pub fn areas(area: Rect, app: &App) -> Option<Areas> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let status = Rect::new(area.x, area.y, area.width, 2);
    let log = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    let mut body = Rect::new(area.x, area.y + 2, area.width, area.height - 3);
    let mut out = Areas {
        status,
        log,
        ..Areas::default()
    };
    if app.lesson.is_some() {
        let band = Rect::new(
            body.x,
            body.bottom() - lesson::HEIGHT,
            body.width,
            lesson::HEIGHT,
        );
        out.lesson = Some(band);
        body.height -= lesson::HEIGHT;
    }
    let inspecting = app.selection.inspector.open;
    if app.settings.shape() == Shape::Wide {
        let right_w = 45.min(body.width / 2);
        let left = Rect::new(body.x, body.y, body.width - right_w, body.height);
        let right = Rect::new(left.right(), body.y, right_w, body.height);
        if inspecting {
            out.inspector = Some(right);
        } else {
            // A row per class, the heading and the borders when the curves keep
            // eight rows (ten classes at 80x24); else what fits, and the title says so.
            let classes = u16::try_from(app.settings.task.outputs()).unwrap_or(u16::MAX);
            let confusion_h = (classes.saturating_add(3))
                .min(right.height.saturating_sub(8))
                .max(14.min(right.height / 2));
            out.confusion = Some(Rect::new(right.x, right.y, right.width, confusion_h));
            out.curves = Rect::new(
                right.x,
                right.y + confusion_h,
                right.width,
                right.height - confusion_h,
            );
        }
        if left.height >= 30 {
            let net_h = left.height / 3;
            out.digits = Some(Rect::new(left.x, left.y, left.width, left.height - net_h));
            out.network = Some(Rect::new(left.x, left.bottom() - net_h, left.width, net_h));
        } else {
            out.digits = Some(left);
        }
    } else {
        // A square plane: two pixels per cell vertically.
        let inner_h = body.height.saturating_sub(2);
        let width = (inner_h * 2 + 2).min(body.width * 11 / 20);
        let boundary = Rect::new(body.x, body.y, width, body.height);
        let right = Rect::new(body.x + width, body.y, body.width - width, body.height);
        // The inspector takes the curves' place, with the larger share of the column.
        let below_min = if inspecting {
            (right.height * 3 / 5).max(10)
        } else {
            (body.height / 3).max(9)
        };
        let wanted = network::wanted_height(app, right.width);
        let net_h = wanted.min(right.height.saturating_sub(below_min)).max(5);
        out.boundary = Some(boundary);
        out.network = Some(Rect::new(right.x, right.y, right.width, net_h));
        let below = Rect::new(right.x, right.y + net_h, right.width, right.height - net_h);
        if inspecting {
            out.inspector = Some(below);
        } else {
            out.curves = below;
        }
    }
    Some(out)
}

/// The boundary grid in pixels for this terminal size (what the runtime evaluates
/// for 2-D data).
pub fn boundary_pixels(area: Rect, app: &App) -> Option<(usize, usize)> {
    if !app.settings.is_planar() {
        return None;
    }
    let inner = panel(app, "").inner(areas(area, app)?.boundary?);
    let rows = if app.view.plot == PlotMode::Ascii {
        1
    } else {
        2
    };
    Some((inner.width as usize, inner.height as usize * rows))
}

/// Points along the curve of 1-D data for this terminal size (two per column, braille).
pub fn curve_points(area: Rect, app: &App) -> Option<usize> {
    if app.settings.shape() != Shape::Line {
        return None;
    }
    let inner = panel(app, "").inner(areas(area, app)?.boundary?);
    Some(inner.width as usize * 2)
}

/// The node or connection of the network panel at the cell `(column, row)` of
/// `area`, if any (what a click or the mouse pointer is on).
pub fn hit(area: Rect, app: &App, column: u16, row: u16) -> Option<Target> {
    if app.view.overlay.is_some() {
        return None;
    }
    let a = areas(area, app)?;
    if let Some(panel) = a.network
        && let Some(target) = network::NetLayout::of(panel, app).and_then(|l| l.hit(column, row))
    {
        return Some(target);
    }
    let boundary = a.boundary.filter(|_| app.settings.is_planar())?;
    boundary::sample_at(boundary, app, column, row).map(Target::Sample)
}

/// The point of the input plane under the cell `(column, row)`, if the plane is there.
pub fn plane_point(area: Rect, app: &App, column: u16, row: u16) -> Option<(f32, f32)> {
    if app.view.overlay.is_some() {
        return None;
    }
    let boundary = areas(area, app)?
        .boundary
        .filter(|_| app.settings.is_planar())?;
    boundary::point_at(boundary, app, column, row)
}

/// The inspector's view of the selected neuron (the first output if no neuron is
/// selected) handed to `f`; `None` while there is nothing to inspect.
fn with_inspection<R>(app: &App, f: impl FnOnce(&inspector::Inspection<'_>) -> R) -> Option<R> {
    let view = app.view.inspection.as_ref()?;
    let s = &app.settings;
    let layers = view.breakdown.layers.len();
    let (layer, index) = match app.selection.selected {
        Some(NodeId::Neuron { layer, index }) if layer >= 1 && layer <= layers => {
            (layer - 1, index)
        }
        _ => (layers - 1, 0),
    };
    let inputs = view.breakdown.layers[layer].neurons.first()?.incoming.len() - 1;
    let input_names: Vec<String> = (0..inputs)
        .map(|i| {
            let node = if layer == 0 {
                s.input_node(i)
            } else {
                NodeId::Neuron { layer, index: i }
            };
            match node {
                NodeId::Feature(feature) if app.view.plot == PlotMode::Ascii => {
                    feature.name().into()
                }
                node => s.node_name(node),
            }
        })
        .collect();
    let name = s.node_name(NodeId::Neuron {
        layer: layer + 1,
        index,
    });
    let mean = view.batch.as_ref().and_then(|b| b.neuron(layer, index));
    let highlight = app
        .selection
        .selected_link
        .filter(|l| l.layer == layer && l.to == index)
        .map(|l| l.from + 1);
    let inspection = inspector::Inspection {
        breakdown: &view.breakdown,
        layer,
        neuron: index,
        name: &name,
        input_names: &input_names,
        sample: &view.label,
        sample_color: view.class.map(|class| app.view.palette.point(class)),
        batch: mean.as_deref().map(|mean| inspector::BatchView {
            samples: view
                .batch
                .as_ref()
                .map_or(1, nn_core::BatchChanges::samples),
            mean,
        }),
        note: view.note.as_deref(),
        scroll: app.selection.inspector.scroll,
        highlight,
        follow_highlight: app.selection.inspector.follow_link,
    };
    Some(f(&inspection))
}

/// How far the inspector's text can scroll in this terminal (`None`: it is not shown).
pub fn inspector_scroll_limit(area: Rect, app: &App) -> Option<usize> {
    let rect = areas(area, app)?.inspector?;
    with_inspection(app, |inspection| {
        inspector::scroll_limit(rect, app, inspection)
    })
}

/// The inspector, or what it waits for.
fn draw_inspector(frame: &mut Frame, area: Rect, app: &App) {
    let drawn = with_inspection(app, |inspection| {
        inspector::draw(frame, area, app, inspection);
    });
    if drawn.is_none() {
        let text = if app.train_samples == 0 {
            "no training samples to inspect"
        } else {
            "waiting for the weights"
        };
        frame.render_widget(
            Paragraph::new(text)
                .style(Style::default().fg(app.view.palette.dim()))
                .block(panel(app, " inspector ")),
            area,
        );
    }
}

/// Draws the whole dashboard.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let Some(a) = areas(area, app) else {
        let message = format!(
            "terminal too small: need {MIN_WIDTH}x{MIN_HEIGHT} (now {}x{})",
            area.width, area.height
        );
        let y = area.y + area.height / 2;
        let text = Paragraph::new(message)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true });
        frame.render_widget(
            text,
            Rect::new(area.x, y.saturating_sub(1), area.width, 3.min(area.height)),
        );
        return;
    };
    status::draw(frame, a.status, a.log, app);
    if let Some(r) = a.boundary {
        if app.settings.is_planar() {
            boundary::draw(frame, r, app);
        } else {
            curve::draw(frame, r, app);
        }
    }
    if let Some(r) = a.network {
        network::draw(frame, r, app);
    }
    if a.curves.area() > 0 {
        curves::draw(frame, a.curves, app);
    }
    if let Some(r) = a.inspector {
        draw_inspector(frame, r, app);
    }
    if let Some(r) = a.digits {
        digits::draw_digits(frame, r, app);
    }
    if let Some(r) = a.confusion {
        digits::draw_confusion(frame, r, app);
    }
    if let (Some(r), Some(panel)) = (a.lesson, &app.lesson) {
        lesson::draw(frame, r, app, panel);
    }
    match app.view.overlay {
        Some(Overlay::Help) => help::draw(frame, area, app),
        Some(Overlay::StateLine) => state_line::draw(frame, area, app),
        None => {}
    }
    if app.view.plot == PlotMode::Ascii {
        asciify(frame.buffer_mut());
    }
}

/// Borders in plain ASCII, for fonts without box drawing (`--plot ascii`); every
/// view's panels use them then.
pub(crate) const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// A bordered panel with a title, in the plot mode's border style.
fn panel<'a>(app: &App, title: impl Into<Line<'a>>) -> Block<'a> {
    let set = if app.view.plot == PlotMode::Ascii {
        ASCII_BORDER
    } else {
        border::ROUNDED
    };
    Block::default()
        .borders(Borders::ALL)
        .border_set(set)
        .border_style(Style::default().fg(app.view.palette.dim()))
        .title(title)
        .title_style(Style::default().add_modifier(Modifier::BOLD))
}

/// Replaces every non-ASCII symbol with an ASCII look-alike (ASCII plot mode).
fn asciify(buf: &mut Buffer) {
    for cell in &mut buf.content {
        let symbol = cell.symbol();
        if symbol.is_ascii() {
            continue;
        }
        let c = symbol.chars().next().unwrap_or(' ');
        let ascii = match c {
            '─' | '━' | '╌' | '┄' | '○' | '−' => "-",
            '│' | '┃' | '╎' | '┆' => "|",
            '\u{2800}' => " ",
            '\u{2801}'..='\u{28ff}' => ".",
            '•' | '·' => "*",
            '●' => "o",
            '◀' => "<",
            '²' => "2",
            '◆' => "x",
            '◎' => "&",
            'δ' => "d",
            'Δ' => "D",
            'Σ' => "S",
            '…' => "~",
            '✓' => "+",
            '→' | '»' => ">",
            '▀' | '▄' | '█' | '▌' | '▐' | '░' | '▒' | '▓' => "#",
            c if ('\u{2500}'..='\u{257f}').contains(&c) => "+",
            _ => "?",
        };
        cell.set_symbol(ascii);
    }
}

/// A number with a thousands suffix: 1234567 -> "1.23M".
fn human(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// A learning rate without float noise: 0.03, 3, 0.00001.
fn rate(v: f32) -> String {
    let s = format!("{v}");
    if s.len() > 8 { format!("{v:.1e}") } else { s }
}

#[cfg(test)]
pub(crate) mod tests;

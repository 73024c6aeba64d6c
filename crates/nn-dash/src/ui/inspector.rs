//! The inspector: one neuron's backpropagation for one sample in the seed's
//! terms: its inputs o_in (the bias's -1 first) and weights, z, o, at an output
//! the desired d, its δ with the rule that gives it and the numbers filled in,
//! and each weight's Δw = r·o_in·δ, beside the mini-batch's mean when there is one.
//!
//! Drawn from a [`Breakdown`] value alone. Formulas wrap only between terms,
//! never inside a number; what does not fit scrolls, and table columns that do
//! not fit are left out whole.

use nn_core::{Breakdown, NeuronBreakdown};
use nn_formula::{BreakdownText, NeuronText, Notation, RuleText, SourceText};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::panel;
use crate::PlotMode;
use crate::app::App;

/// Terms a formula shows before summing up the rest, in a wide panel and in a narrow one.
const TERMS: usize = 6;
const FEW_TERMS: usize = 3;
/// Below this width a formula shows [`FEW_TERMS`], so that δ shows in an 80x24 terminal.
const NARROW: usize = 60;

/// What the inspector shows: a neuron of a sample's breakdown.
#[derive(Debug, Clone, Copy)]
pub struct Inspection<'a> {
    /// The sample's pass through the network.
    pub breakdown: &'a Breakdown,
    /// The weight layer of the neuron shown (0: the first hidden layer).
    pub layer: usize,
    /// The neuron within its layer.
    pub neuron: usize,
    /// What the neuron is called (`2.3`, `output 1`).
    pub name: &'a str,
    /// Names of the neuron's inputs in order, the bias aside (the previous layer's nodes).
    pub input_names: &'a [String],
    /// Which sample this is, in words (`sample 17 of 240, class 1`).
    pub sample: &'a str,
    /// Its class's colour, which its line takes (`None`: a regression's sample, dim).
    pub sample_color: Option<Color>,
    /// The mini-batch the sample would be trained in, if larger than one.
    pub batch: Option<BatchView<'a>>,
    /// Anything that makes the applied step differ from `Δw` (another optimizer, a penalty).
    pub note: Option<&'a str>,
    /// Lines scrolled past.
    pub scroll: usize,
    /// The selected incoming connection (0: the bias, `i`: input `i - 1`), highlighted.
    pub highlight: Option<usize>,
    /// Scroll to the highlighted row instead of by `scroll`.
    pub follow_highlight: bool,
}

/// A mini-batch's view of the neuron's weights.
#[derive(Debug, Clone, Copy)]
pub struct BatchView<'a> {
    /// Samples in the batch, `B`.
    pub samples: usize,
    /// The mean `Δw` over the batch per incoming weight, the bias first: what the step applies.
    pub mean: &'a [f32],
}

impl Inspection<'_> {
    fn neuron(&self) -> Option<&NeuronBreakdown> {
        self.breakdown.neuron(self.layer, self.neuron)
    }
}

/// The notation for a plot mode: the seed's symbols, or ASCII.
pub fn notation(plot: PlotMode) -> Notation {
    if plot == PlotMode::Ascii {
        Notation::ASCII
    } else {
        Notation::SEED
    }
}

/// Draws the inspector in `area`.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, inspection: &Inspection<'_>) {
    let n = notation(app.view.plot);
    let b = inspection.breakdown;
    let title = match b.layers.get(inspection.layer) {
        Some(layer) if inspection.layer + 1 == b.layers.len() => {
            format!(" inspector: {} ({}) ", inspection.name, layer.activation)
        }
        Some(layer) => format!(
            " inspector: {} (hidden, {}) ",
            inspection.name, layer.activation
        ),
        None => " inspector ".to_string(),
    };
    let block = panel(app, title);
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let dim = Style::default().fg(app.view.palette.dim());
    let (all, row) = lines(inspection, inner.width as usize, &n, dim);
    let height = inner.height as usize;
    let scroll = match row {
        // The selected connection's row and the lines spelling it out, in view
        // between the two scroll marks.
        Some(rows) if inspection.follow_highlight => (rows.end + 2)
            .saturating_sub(height)
            .min(rows.start.saturating_sub(1)),
        _ => inspection.scroll,
    };
    let (shown, _) = window(&all, scroll, height, &n, dim);
    frame.render_widget(Paragraph::new(shown), inner);
}

/// Lines the text can be scrolled by in a panel at `area` (as far as PgDn goes).
pub fn scroll_limit(area: Rect, app: &App, inspection: &Inspection<'_>) -> usize {
    let inner = panel(app, "").inner(area);
    let n = notation(app.view.plot);
    let (all, _) = lines(inspection, inner.width as usize, &n, Style::default());
    (all.len() + 1).saturating_sub(inner.height as usize)
}

/// The lines that fit in `height` rows, starting with line `scroll`: when some
/// lines were scrolled past, the first row says how many; when more follow, the
/// last row does. Also returns the scroll actually used, clamped so that the
/// last line is in view at most.
pub fn window<'a>(
    all: &[Line<'a>],
    scroll: usize,
    height: usize,
    n: &Notation,
    dim: Style,
) -> (Vec<Line<'a>>, usize) {
    if height < 3 || all.len() <= height {
        return (all.iter().take(height).cloned().collect(), 0);
    }
    let scroll = scroll.min(all.len() + 1 - height);
    let mut shown = Vec::with_capacity(height);
    if scroll > 0 {
        shown.push(Line::styled(format!("{} {scroll} lines above", up(n)), dim));
    }
    let mut rows = height - shown.len();
    let below = all.len() - scroll > rows;
    if below {
        rows -= 1;
    }
    shown.extend(all[scroll..scroll + rows].iter().cloned());
    if below {
        let more = all.len() - scroll - rows;
        shown.push(Line::styled(format!("{} {more} more lines", down(n)), dim));
    }
    (shown, scroll)
}

fn up(n: &Notation) -> &'static str {
    if n.delta == Notation::ASCII.delta {
        "^"
    } else {
        "↑"
    }
}

fn down(n: &Notation) -> &'static str {
    if n.delta == Notation::ASCII.delta {
        "v"
    } else {
        "↓"
    }
}

/// Every line of the inspector for a panel `width` columns wide, and the lines
/// of the highlighted connection (its row and what spells it out).
pub fn lines(
    inspection: &Inspection<'_>,
    width: usize,
    n: &Notation,
    dim: Style,
) -> (Vec<Line<'static>>, Option<std::ops::Range<usize>>) {
    let Some(neuron) = inspection.neuron() else {
        return (
            vec![Line::styled("no such neuron in this network", dim)],
            None,
        );
    };
    let b = inspection.breakdown;
    let activation = b.layers[inspection.layer].activation;
    let mut out = Vec::new();
    let plain = |out: &mut Vec<Line<'static>>, text: &str, style: Style| {
        for line in wrap(text, width, 2) {
            out.push(Line::styled(line, style));
        }
    };
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let terms = if width < NARROW { FEW_TERMS } else { TERMS };
    plain(
        &mut out,
        &format!(
            "{}  r = {}",
            inspection.sample,
            n.number(b.learning_rate.into()),
        ),
        inspection
            .sample_color
            .map_or(dim, |color| Style::default().fg(color)),
    );
    plain(&mut out, &neuron.sum_formula(n, terms), Style::default());
    plain(
        &mut out,
        &neuron.output_formula(activation, n),
        Style::default(),
    );
    if let Some(d) = neuron.desired {
        plain(
            &mut out,
            &format!("d = {}", n.number(d.into())),
            Style::default(),
        );
    }
    plain(&mut out, &neuron.delta_formula(n, terms), bold);
    plain(&mut out, &neuron.rule.description(n), dim);
    // The selected connection, spelled out under its row: its change, and with a
    // batch its share and the mean.
    let mut spelled = Vec::new();
    if let Some(i) = inspection.highlight.filter(|&i| i < neuron.incoming.len()) {
        let name = source_name(inspection, neuron, i);
        let w = neuron.incoming[i].weight;
        let formula = neuron
            .change_formula(i, b.learning_rate, n)
            .unwrap_or_default();
        plain(
            &mut spelled,
            &format!("  w from {name} = {}: {formula}", n.number(w.into())),
            bold,
        );
        if let Some(batch) = inspection.batch {
            let change = f64::from(neuron.incoming[i].change);
            plain(
                &mut spelled,
                &format!(
                    "  in a batch of B = {}: this sample's share {}w/B = {}, the step's mean {}w = {}",
                    batch.samples,
                    n.change,
                    n.number(change / batch.samples as f64),
                    n.change,
                    batch
                        .mean
                        .get(i)
                        .map_or_else(String::new, |&m| n.number(m.into()))
                ),
                Style::default(),
            );
        }
    }
    let row = table(&mut out, inspection, neuron, width, n, dim, &spelled);
    if let Some(batch) = inspection.batch {
        plain(
            &mut out,
            &format!(
                "batch of B = {} (this sample and the {} after it): the step applies the mean of their {}w, the loss being the batch mean; this sample's share is {}w/B",
                batch.samples,
                batch.samples - 1,
                n.change,
                n.change
            ),
            dim,
        );
    }
    if let Some(note) = inspection.note {
        plain(&mut out, note, dim);
    }
    plain(
        &mut out,
        &format!("this sample's loss {}", b.loss_text(n)),
        dim,
    );
    (out, row)
}

/// Incoming connection `i`'s source as the dashboard names it (`bias`, `x1`, `1.3`).
fn source_name(inspection: &Inspection<'_>, neuron: &NeuronBreakdown, i: usize) -> String {
    match i {
        0 => "bias".into(),
        _ => inspection
            .input_names
            .get(i - 1)
            .cloned()
            .unwrap_or_else(|| neuron.incoming[i].source.name(neuron.layer, &[])),
    }
}

/// The incoming weights: from, o_in, w, Δw, and with a batch Δw/B and the batch mean.
/// Columns that do not fit are left out, from the right. The highlighted row
/// is followed by `spelled`; returns the lines of both.
fn table(
    out: &mut Vec<Line<'static>>,
    inspection: &Inspection<'_>,
    neuron: &NeuronBreakdown,
    width: usize,
    n: &Notation,
    dim: Style,
    spelled: &[Line<'static>],
) -> Option<std::ops::Range<usize>> {
    let mut header = vec![
        "from".to_string(),
        "o_in".into(),
        "w".into(),
        format!("{}w", n.change),
    ];
    let mut rows: Vec<Vec<String>> = neuron
        .incoming
        .iter()
        .enumerate()
        .map(|(k, i)| {
            vec![
                source_name(inspection, neuron, k),
                n.number(i.input.into()),
                n.number(i.weight.into()),
                n.number(i.change.into()),
            ]
        })
        .collect();
    if let Some(batch) = inspection.batch {
        header.push(format!("{}w/B", n.change));
        header.push(format!("mean of {}", batch.samples));
        for (row, (i, mean)) in rows.iter_mut().zip(neuron.incoming.iter().zip(batch.mean)) {
            row.push(n.number(f64::from(i.change) / batch.samples as f64));
            row.push(n.number((*mean).into()));
        }
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    // As many whole columns as fit, two spaces apart.
    let mut columns = widths.len();
    while columns > 1 && widths[..columns].iter().sum::<usize>() + 2 * (columns - 1) > width {
        columns -= 1;
    }
    let render = |cells: &[String]| {
        cells[..columns]
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                if c == 0 {
                    format!("{cell:<w$}", w = widths[c])
                } else {
                    format!("{cell:>w$}", w = widths[c])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    out.push(Line::styled(render(&header), dim));
    let mut highlighted = None;
    for (k, row) in rows.iter().enumerate() {
        if inspection.highlight == Some(k) {
            let start = out.len();
            let style = Style::default().add_modifier(Modifier::REVERSED);
            out.push(Line::from(Span::styled(render(row), style)));
            out.extend(spelled.iter().cloned());
            highlighted = Some(start..out.len());
        } else {
            out.push(Line::from(Span::raw(render(row))));
        }
    }
    highlighted
}

/// Breaks `text` into lines of at most `width` columns between words, and
/// inside a word too wide for a line only after a multiplication sign, so no
/// number is ever cut; continuation lines are indented by `indent`. A piece
/// wider than a whole line stands alone (the panel's edge cuts it).
pub fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    let width = width.max(1);
    let indent = indent.min(width / 2);
    let split_after = |text: &str, breaks: &[char]| {
        let mut pieces: Vec<String> = Vec::new();
        let mut piece = String::new();
        for c in text.chars() {
            piece.push(c);
            if breaks.contains(&c) {
                pieces.push(std::mem::take(&mut piece));
            }
        }
        if !piece.is_empty() {
            pieces.push(piece);
        }
        pieces
    };
    let pieces: Vec<String> = split_after(text, &[' '])
        .into_iter()
        .flat_map(|word| {
            if word.trim_end().chars().count() > width - indent {
                split_after(&word, &['·', '*'])
            } else {
                vec![word]
            }
        })
        .collect();
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for piece in pieces {
        let fits = line.chars().count() + piece.trim_end().chars().count() <= width;
        if !fits && !line.trim().is_empty() {
            lines.push(line.trim_end().to_string());
            line = " ".repeat(indent);
        }
        line.push_str(&piece);
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

#[cfg(test)]
mod tests;

//! The inspector's tests: snapshots of the panel at three sizes, and the
//! promises of its text (wraps between terms only, scrolls, ASCII mode).

use insta::assert_snapshot;
use nn_core::{Activation, Architecture, BatchChanges, Loss, Network, Targets};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::colors::ColorDepth;

/// The Playground's network, 2-8-8-2 tanh with softmax, seeded; one sample of class 1
/// and a mini-batch of ten around it.
fn example() -> (Breakdown, BatchChanges) {
    let arch = Architecture::new(
        vec![2, 8, 8, 2],
        Activation::Tanh,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    let mut network = Network::new(arch, 7).unwrap();
    // Biases away from their initial zeros, as after some training.
    for shape in network.layers().to_vec() {
        for (k, b) in shape.bias().enumerate() {
            network.parameters_mut()[b] = 0.05 * (k as f32 - 3.0);
        }
    }
    let breakdown = Breakdown::new(&network, &[0.3, -0.8], &Targets::Classes(&[1]), 0.03).unwrap();
    let inputs: Vec<f32> = (0..20)
        .map(|i| ((i * 37 % 17) as f32 / 8.5) - 1.0)
        .collect();
    let mut inputs = inputs;
    inputs[..2].copy_from_slice(&[0.3, -0.8]);
    let classes: Vec<u32> = (0..10).map(|i| (i % 2) as u32).collect();
    let batch = BatchChanges::new(&network, &inputs, &Targets::Classes(&classes), 0.03).unwrap();
    (breakdown, batch)
}

fn app(plot: PlotMode) -> App {
    App::new(
        crate::app::tests::settings(),
        "model.safetensors".into(),
        plot,
        ColorDepth::TrueColor,
    )
}

/// The dashboard's names: `x1`, `x2` for the inputs, `1.3` for hidden neuron 3 of layer 1.
fn input_names(layer: usize) -> Vec<String> {
    match layer {
        0 => vec!["x1".into(), "x2".into()],
        l => (1..=8).map(|k| format!("{l}.{k}")).collect(),
    }
}

fn render(
    plot: PlotMode,
    (layer, neuron): (usize, usize),
    size: (u16, u16),
    scroll: usize,
) -> Terminal<TestBackend> {
    render_highlighted(plot, (layer, neuron), size, scroll, None)
}

fn render_highlighted(
    plot: PlotMode,
    (layer, neuron): (usize, usize),
    size: (u16, u16),
    scroll: usize,
    highlight: Option<usize>,
) -> Terminal<TestBackend> {
    let (breakdown, batch) = example();
    let mean = batch.neuron(layer, neuron).unwrap();
    let names = input_names(layer);
    let name = if layer == 2 {
        format!("output {}", neuron + 1)
    } else {
        format!("{}.{}", layer + 1, neuron + 1)
    };
    let inspection = Inspection {
        breakdown: &breakdown,
        layer,
        neuron,
        name: &name,
        input_names: &names,
        sample: "sample 17 of 240, class 1",
        sample_color: None,
        batch: Some(BatchView {
            samples: 10,
            mean: &mean,
        }),
        note: None,
        scroll,
        highlight,
        follow_highlight: highlight.is_some(),
    };
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
    let app = app(plot);
    terminal
        .draw(|frame| draw(frame, frame.area(), &app, &inspection))
        .unwrap();
    terminal
}

fn screen(t: &Terminal<TestBackend>) -> Vec<String> {
    let buffer = t.backend().buffer();
    let width = buffer.area.width as usize;
    buffer
        .content
        .chunks(width)
        .map(|row| row.iter().map(ratatui::buffer::Cell::symbol).collect())
        .collect()
}

#[test]
fn hidden_neuron_80x24() {
    assert_snapshot!(render(PlotMode::Braille, (1, 2), (80, 24), 0).backend());
}

#[test]
fn output_neuron_160x48() {
    assert_snapshot!(render(PlotMode::Braille, (2, 1), (160, 48), 0).backend());
}

/// A selected connection: its row highlighted and in view, its change spelled
/// out beside its share of the batch and the batch's mean, in a narrow panel.
#[test]
fn a_selected_connection_40x16() {
    let t = render_highlighted(PlotMode::Braille, (2, 1), (40, 16), 0, Some(5));
    let text = screen(&t).join("\n");
    assert!(text.contains("w from 2.5 = "), "{text}");
    assert!(text.contains("share Δw/B = "), "{text}");
    assert_snapshot!(t.backend());
}

#[test]
fn a_narrow_panel_scrolls_and_never_cuts_a_number() {
    // Every number as the inspector writes it on lines that never wrap.
    let (breakdown, batch) = example();
    let mean = batch.neuron(1, 2).unwrap();
    let names = input_names(1);
    let inspection = Inspection {
        breakdown: &breakdown,
        layer: 1,
        neuron: 2,
        name: "2.3",
        input_names: &names,
        sample: "sample 17 of 240, class 1",
        sample_color: None,
        batch: Some(BatchView {
            samples: 10,
            mean: &mean,
        }),
        note: None,
        scroll: 0,
        highlight: None,
        follow_highlight: false,
    };
    // Narrow panels show fewer terms: their formulas' numbers too.
    let neuron = breakdown.neuron(1, 2).unwrap();
    let n = Notation::SEED;
    let whole: Vec<String> = lines(&inspection, usize::MAX, &n, Style::default())
        .0
        .iter()
        .map(ToString::to_string)
        .chain([
            neuron.sum_formula(&n, FEW_TERMS),
            neuron.delta_formula(&n, FEW_TERMS),
        ])
        .flat_map(|l| numbers(&l))
        .collect();
    for width in [24u16, 30, 38, 52] {
        let mut seen = Vec::new();
        for scroll in 0..40 {
            let lines = screen(&render(PlotMode::Braille, (1, 2), (width, 16), scroll));
            for line in &lines[1..lines.len() - 1] {
                let inner: String = line.chars().skip(1).take(width as usize - 2).collect();
                seen.push(inner.trim_end().to_string());
            }
        }
        let text = seen.join("\n");
        let content = seen
            .iter()
            .filter(|l| !l.contains("lines above") && !l.contains("more lines"));
        for number in content.flat_map(|l| numbers(l)) {
            assert!(
                whole.contains(&number),
                "width {width}: {number:?} is not a whole number of the inspector's\n{text}"
            );
        }
        for pair in seen.windows(2) {
            let ends = pair[0].ends_with(|c: char| c.is_ascii_digit() || c == '.');
            // Wrapped text continues on an indented line (table rows are not indented).
            let starts = pair[1].starts_with("  ")
                && pair[1]
                    .trim_start()
                    .starts_with(|c: char| c.is_ascii_digit() || c == '.');
            assert!(
                !(ends && starts),
                "width {width}: a number split across\n{}\n{}",
                pair[0],
                pair[1]
            );
        }
        assert!(
            text.contains("more lines"),
            "width {width}: scrolls\n{text}"
        );
        assert!(text.contains("δ = (1−o²)·Σ w·δ"), "width {width}\n{text}");
    }
}

/// The numbers in a text: runs of digits, points, signs and exponents.
fn numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let part_of_number = c.is_ascii_digit()
            || (c == '.' && !current.is_empty())
            || (c == '-' && current.is_empty() && chars.peek().is_some_and(char::is_ascii_digit))
            || (c == 'e'
                && !current.is_empty()
                && chars
                    .peek()
                    .is_some_and(|d| d.is_ascii_digit() || *d == '-'))
            || (c == '-' && current.ends_with('e'));
        if part_of_number {
            current.push(c);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[test]
fn ascii_mode_draws_ascii_only() {
    let t = render(PlotMode::Ascii, (2, 0), (80, 24), 0);
    let text = screen(&t).join("\n");
    assert!(text.is_ascii(), "{text}");
    assert!(text.contains("delta = d-o = (0-"), "{text}");
}

#[test]
fn wrapping_breaks_between_terms_only() {
    assert_eq!(
        wrap("δ = o(1−o)(d−o) = 0.62·0.38·(1−0.62) = 0.0895", 20, 2),
        ["δ = o(1−o)(d−o) =", "  0.62·0.38·(1−0.62)", "  = 0.0895"]
    );
    // Inside a word only where it cannot fit whole, after a multiplication sign.
    assert_eq!(
        wrap("δ = 0.62·0.38·(1−0.62)", 14, 2),
        ["δ = 0.62·0.38·", "  (1−0.62)"]
    );
    assert_eq!(
        wrap("a = (-0.2)·0.4 + 1", 12, 2),
        ["a =", "  (-0.2)·0.4", "  + 1"]
    );
    assert_eq!(wrap("a b", 10, 2), ["a b"]);
    // A piece wider than the line stands alone.
    assert_eq!(
        wrap("x 123456789012 y", 8, 2),
        ["x", "  123456789012", "  y"]
    );
}

#[test]
fn scrolling_marks_what_is_above_and_below() {
    let lines: Vec<Line> = (0..10).map(|i| Line::raw(format!("line {i}"))).collect();
    let n = Notation::SEED;
    let text = |v: &[Line]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    let (top, s) = window(&lines, 0, 4, &n, Style::default());
    assert_eq!(s, 0);
    assert_eq!(text(&top), ["line 0", "line 1", "line 2", "↓ 7 more lines"]);
    let (middle, _) = window(&lines, 3, 4, &n, Style::default());
    assert_eq!(
        text(&middle),
        ["↑ 3 lines above", "line 3", "line 4", "↓ 5 more lines"]
    );
    let (end, s) = window(&lines, 99, 4, &n, Style::default());
    assert_eq!(s, 7);
    assert_eq!(
        text(&end),
        ["↑ 7 lines above", "line 7", "line 8", "line 9"]
    );
    let (all, _) = window(&lines[..4], 2, 4, &n, Style::default());
    assert_eq!(text(&all), ["line 0", "line 1", "line 2", "line 3"]);
}

//! The network as the Playground draws it: a column per layer, each node a
//! small heatmap of what it computes over the input plane, connections coloured
//! by sign (blue positive, orange negative) with width by magnitude, and a
//! caption with the layer sizes, activations and the seed's notation. Layers
//! too tall to draw whole are sampled evenly, as in the dashboard.

use nn_train::Model;

use crate::boundary::{
    BOLD_EM, BoundaryOptions, DIM, Extent, INK, REGULAR_EM, check_plane, descriptions, fit_first,
    fit_text, grid_layers, grid_raw, titled,
};
use crate::colors::{class_rgb, playground_rgb};
use crate::source::{Point, Points};
use crate::svg::{Anchor, Svg};
use crate::{Picture, PlotError, raster};

/// Nodes drawn per column at most; taller layers are sampled evenly.
const MAX_NODES: usize = 10;
/// Pixels per side of a node's heatmap grid.
const MAP: usize = 32;

/// The network of `model`, each node's heatmap over the plane `points` span.
pub fn network(
    model: &Model,
    points: &Points,
    options: &BoundaryOptions,
) -> Result<Picture, PlotError> {
    check_plane(model)?;
    let all: Vec<Point> = points.train.iter().chain(&points.test).copied().collect();
    let extent = Extent::around(&all, 1.0, 1.0);
    let layers = grid_layers(model, extent, MAP, MAP)?;
    let inputs = model.network_inputs(&grid_raw(extent, MAP, MAP));
    let arch = model.network.architecture();
    let sizes = arch.sizes.clone();
    let (w, h) = (options.width as f32, options.height as f32);
    let (left, right, top, bottom) = (110.0, 90.0, 96.0, 30.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    if pw < 100.0 || ph < 100.0 {
        return Err(PlotError::Unsuitable(format!(
            "{}x{} pixels is too small for the network; expected at least 300x230",
            options.width, options.height
        )));
    }
    let tallest = sizes.iter().map(|&n| n.min(MAX_NODES)).max().unwrap_or(1) as f32;
    let node = (ph / tallest * 0.72)
        .min(56.0)
        .min(pw / sizes.len() as f32 * 0.5);
    let step = ph / tallest;
    let shown: Vec<Vec<usize>> = sizes.iter().map(|&n| sample(n)).collect();
    let column_x = |l: usize| {
        left + if sizes.len() > 1 {
            l as f32 * (pw - node) / (sizes.len() - 1) as f32
        } else {
            0.0
        }
    };
    let column_gap = column_x(1) - column_x(0);
    let node_y = |l: usize, j: usize| {
        let count = shown[l].len() as f32;
        top + (ph - count * step) / 2.0 + j as f32 * step + (step - node) / 2.0
    };
    let mut svg = Svg::new(options.width, options.height);
    // Connections first, under the nodes.
    let largest = (0..sizes.len() - 1)
        .flat_map(|l| model.network.weights(l).iter())
        .fold(0f32, |m, w| m.max(w.abs()))
        .max(1e-6);
    for l in 0..sizes.len() - 1 {
        let weights = model.network.weights(l);
        for (a, &i) in shown[l].iter().enumerate() {
            for (b, &j) in shown[l + 1].iter().enumerate() {
                let weight = weights[j * sizes[l] + i];
                let from = (column_x(l) + node, node_y(l, a) + node / 2.0);
                let to = (column_x(l + 1), node_y(l + 1, b) + node / 2.0);
                let color = class_rgb(usize::from(weight >= 0.0));
                let size = weight.abs() / largest;
                svg.link(from, to, color, 0.4 + 5.0 * size, 0.25 + 0.65 * size);
            }
        }
    }
    // Nodes: each its heatmap, framed.
    let pixels = MAP * MAP;
    for (l, nodes) in shown.iter().enumerate() {
        let (values, width) = if l == 0 {
            (&inputs[..], sizes[0])
        } else {
            (&layers[l - 1][..], sizes[l])
        };
        for (j, &index) in nodes.iter().enumerate() {
            let node_values: Vec<f32> = (0..pixels).map(|p| values[p * width + index]).collect();
            let rgb = shade(&node_values, options.discretize);
            let (x, y) = (column_x(l), node_y(l, j));
            svg.png(
                x,
                y,
                node,
                node,
                &raster::png_of_rgb(&rgb, MAP as u32, MAP as u32)?,
            );
            svg.frame(x, y, node, node, DIM, 1.0);
            if l == 0 {
                svg.text(
                    (x - 8.0, y + node / 2.0 + 5.0),
                    14.0,
                    Anchor::End,
                    INK,
                    &input_name(model, index),
                );
            }
            if l == sizes.len() - 1 {
                let name = model.info.class_names.get(index).map_or_else(
                    || {
                        if sizes[l] == 1 {
                            "output".to_string()
                        } else {
                            format!("output {index}")
                        }
                    },
                    |c| format!("class {c}"),
                );
                svg.text(
                    (x + node + 8.0, y + node / 2.0 + 5.0),
                    13.0,
                    Anchor::Start,
                    INK,
                    &name,
                );
            }
        }
        let mut header = match (l, sizes[l] > nodes.len()) {
            (0, _) => "inputs".to_string(),
            (_, true) => format!("{} of {}", nodes.len(), sizes[l]),
            (l, false) if l == sizes.len() - 1 => "output".to_string(),
            _ => format!("{} neurons", sizes[l]),
        };
        // Hidden columns too close for the words (a small picture): the layer's size alone.
        let hidden = l > 0 && l + 1 < sizes.len();
        if hidden && header.chars().count() as f32 * 12.0 * REGULAR_EM + 8.0 > column_gap {
            header = sizes[l].to_string();
        }
        svg.text(
            (column_x(l) + node / 2.0, top - 10.0),
            12.0,
            Anchor::Middle,
            DIM,
            &header,
        );
    }
    // Small pictures (a replay's panel) shrink, then shorten, what does not fit.
    let room = w - 28.0;
    let (size, title) = fit_text(&titled(&options.title, "network"), 16.0, BOLD_EM, room);
    svg.bold((20.0, 26.0), size, Anchor::Start, INK, &title);
    let (size, caption) = fit_first(&descriptions(model), 12.0, REGULAR_EM, room);
    svg.text((20.0, 46.0), size, Anchor::Start, DIM, &caption);
    let (size, notation) = fit_first(&NOTATION.map(String::from), 12.0, REGULAR_EM, room);
    svg.text((20.0, 64.0), size, Anchor::Start, DIM, &notation);
    Ok(svg.finish())
}

/// The seed's neuron and the colours of the connections, in fewer words for
/// smaller pictures.
const NOTATION: [&str; 3] = [
    "each neuron: o = f(Σ w·o_in), its bias the weight w of a constant input -1; blue w > 0, orange w < 0, width |w|",
    "o = f(Σ w·o_in), bias: w of input -1; blue w > 0, orange w < 0",
    "o = f(Σ w·o_in), bias: w of input -1",
];

/// Which of `n` nodes are drawn: all, or `MAX_NODES` evenly spaced ones (first and last included).
fn sample(n: usize) -> Vec<usize> {
    if n <= MAX_NODES {
        return (0..n).collect();
    }
    (0..MAX_NODES)
        .map(|j| j * (n - 1) / (MAX_NODES - 1))
        .collect()
}

/// A node's values as colours: divided by their largest size, non-negative ones
/// (a sigmoid's, a ReLU's) stretched over the whole scale, as the dashboard shades them.
fn shade(values: &[f32], discretize: bool) -> Vec<[u8; 3]> {
    let max = values.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
    let non_negative = values.iter().all(|v| *v >= 0.0);
    values
        .iter()
        .map(|&v| {
            let t = if non_negative {
                2.0 * v / max - 1.0
            } else {
                v / max
            };
            playground_rgb(if discretize {
                if t >= 0.0 { 1.0 } else { -1.0 }
            } else {
                t
            })
        })
        .collect()
}

fn input_name(model: &Model, index: usize) -> String {
    match &model.features {
        Some(f) => f
            .as_slice()
            .get(index)
            .map_or_else(|| format!("x{}", index + 1), |f| f.label().to_string()),
        None => model
            .info
            .feature_names
            .get(index)
            .cloned()
            .unwrap_or_else(|| format!("x{}", index + 1)),
    }
}

//! What the pictures show, computed from a weight snapshot: the network's
//! outputs (and every hidden neuron's, and each input feature) over the input
//! plane for 2-D data, its curve along the line for 1-D data, and predictions
//! for a few images. Pure computation, run on the UI thread a few times per
//! second with one batched forward pass and a reused [`Workspace`].

use nn_core::{Network, Workspace};
use nn_data::{Dataset, Feature, Features, Inputs, Normalization, Targets, Task};
use nn_train::predicted_class;

/// A rectangle of the raw (unnormalised) input plane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    /// Left and right edge (feature x1).
    pub x: (f32, f32),
    /// Bottom and top edge (feature x2).
    pub y: (f32, f32),
}

impl Extent {
    /// The data's bounding box with a margin, widened so that `width x height`
    /// pixels are square in feature units.
    pub fn around<'a>(
        points: impl IntoIterator<Item = &'a Point>,
        width: usize,
        height: usize,
    ) -> Self {
        let (x, y) = nn_data::frame_plane(
            points.into_iter().map(|p| (p.x, p.y)),
            width.max(1) as f32 / height.max(1) as f32,
            ((-1.0, 1.0), (-1.0, 1.0)),
        );
        Self { x, y }
    }

    /// The pixel (column, row from the top) holding `(x, y)` in a `width x height` grid.
    pub fn pixel(&self, x: f32, y: f32, width: usize, height: usize) -> Option<(usize, usize)> {
        let u = (x - self.x.0) / (self.x.1 - self.x.0);
        let v = (self.y.1 - y) / (self.y.1 - self.y.0);
        if !(0.0..1.0).contains(&u) || !(0.0..1.0).contains(&v) {
            return None;
        }
        Some(((u * width as f32) as usize, (v * height as f32) as usize))
    }
}

/// A labelled 2-D sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// First feature.
    pub x: f32,
    /// Second feature.
    pub y: f32,
    /// Class index, or the target value for regression.
    pub label: f32,
}

/// The points of a 2-D dataset, or of a 1-D one (`x` the column, `y` the
/// target of a regression, else 0); empty for anything wider.
pub fn points_of(data: &Dataset) -> Vec<Point> {
    let (Inputs::F32(values), dim @ (1 | 2)) = (data.inputs(), data.dim()) else {
        return Vec::new();
    };
    let labels: Vec<f32> = match data.targets() {
        Targets::Classes(c) => c.iter().map(|&c| c as f32).collect(),
        Targets::Values(v) => v
            .iter()
            .step_by(v.len() / data.len().max(1))
            .copied()
            .collect(),
    };
    values
        .chunks_exact(dim)
        .zip(labels)
        .map(|(p, label)| Point {
            x: p[0],
            y: if dim == 2 {
                p[1]
            } else if matches!(data.task(), Task::Regression { .. }) {
                label
            } else {
                0.0
            },
            label,
        })
        .collect()
}

/// The rows the network takes for raw points: the features of each (or the raw
/// columns), normalised.
fn network_rows(
    raw: &[f32],
    columns: usize,
    features: Option<&Features>,
    normalization: &Normalization,
) -> Vec<f32> {
    let mut rows = match features {
        Some(f) => f.expand(raw, columns),
        None => raw.to_vec(),
    };
    let width = normalization.dim().max(1);
    for row in rows.chunks_exact_mut(width) {
        normalization.apply_row(row);
    }
    rows
}

/// The network evaluated over a grid of the input plane.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaneView {
    /// The part of the plane the grid covers.
    pub extent: Extent,
    /// Pixels per row.
    pub width: usize,
    /// Rows, top (largest x2) first.
    pub height: usize,
    /// The normalised inputs, `[pixels, inputs]` (the input neurons' pictures).
    pub inputs: Vec<f32>,
    /// Each shown feature's raw value over the plane, `[pixels]` per feature.
    pub features: Vec<(Feature, Vec<f32>)>,
    /// Each hidden layer's outputs, `[pixels, neurons]`.
    pub hidden: Vec<Vec<f32>>,
    /// The output layer, `[pixels, outputs]`.
    pub outputs: Vec<f32>,
    /// Output neurons.
    pub output_width: usize,
}

impl PlaneView {
    /// Runs `network` over a `width x height` grid of `extent` of the raw plane
    /// (through `features`, if any, and the normalisation), and evaluates each of
    /// `shown` features there; `None` if the network does not take these inputs
    /// or the grid is empty.
    #[allow(clippy::too_many_arguments)]
    pub fn compute(
        network: &Network,
        normalization: &Normalization,
        features: Option<&Features>,
        shown: &[Feature],
        extent: Extent,
        width: usize,
        height: usize,
        workspace: &mut Workspace,
    ) -> Option<Self> {
        let expected = features.map_or(2, Features::len);
        if network.architecture().inputs() != expected
            || normalization.dim() != expected
            || width == 0
            || height == 0
        {
            return None;
        }
        let mut raw = Vec::with_capacity(width * height * 2);
        for r in 0..height {
            let y = extent.y.1 - (r as f32 + 0.5) / height as f32 * (extent.y.1 - extent.y.0);
            for c in 0..width {
                let x = extent.x.0 + (c as f32 + 0.5) / width as f32 * (extent.x.1 - extent.x.0);
                raw.extend_from_slice(&[x, y]);
            }
        }
        let features_shown = shown
            .iter()
            .map(|&f| {
                (
                    f,
                    raw.chunks_exact(2).map(|p| f.value(p[0], p[1])).collect(),
                )
            })
            .collect();
        let inputs = network_rows(&raw, 2, features, normalization);
        let outputs = network.forward(&inputs, workspace).ok()?.to_vec();
        let layers = network.layers().len();
        let hidden = (0..layers - 1)
            .map(|l| workspace.layer_output(l).to_vec())
            .collect();
        Some(Self {
            extent,
            width,
            height,
            inputs,
            features: features_shown,
            hidden,
            outputs,
            output_width: network.architecture().outputs(),
        })
    }

    /// The values node `node` takes over the grid and the stride between pixels
    /// (`values[i * stride]` is pixel `i`), given the network's input `features`.
    pub fn node_values(
        &self,
        node: crate::selection::NodeId,
        features: Option<&Features>,
    ) -> Option<(&[f32], usize)> {
        use crate::selection::NodeId;
        let pixels = (self.width * self.height).max(1);
        match node {
            NodeId::Feature(f) => self
                .features
                .iter()
                .find(|(g, _)| *g == f)
                .map(|(_, v)| (v.as_slice(), 1))
                .or_else(|| {
                    let i = features?.as_slice().iter().position(|&g| g == f)?;
                    let width = self.inputs.len() / pixels;
                    Some((&self.inputs[i..], width))
                }),
            NodeId::Input(i) => {
                let width = self.inputs.len() / pixels;
                (i < width).then(|| (&self.inputs[i..], width))
            }
            NodeId::Neuron { layer, index } => {
                let (values, width) = if layer > self.hidden.len() {
                    (&self.outputs, self.output_width)
                } else {
                    let v = &self.hidden[layer - 1];
                    (v, v.len() / pixels)
                };
                (index < width).then(|| (&values[index..], width))
            }
        }
    }

    /// Grid pixel nearest to fraction `(u, v)` of the width and height.
    pub fn sample_index(&self, u: f32, v: f32) -> usize {
        let c = ((u * self.width as f32) as usize).min(self.width - 1);
        let r = ((v * self.height as f32) as usize).min(self.height - 1);
        r * self.width + c
    }
}

/// The network along the line of 1-D data: its output at evenly spaced points.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveView {
    /// The raw `x1` of each point, increasing.
    pub xs: Vec<f32>,
    /// The network's outputs there, `[points, output_width]`.
    pub outputs: Vec<f32>,
    /// Output neurons.
    pub output_width: usize,
}

impl CurveView {
    /// Runs `network` at `points` evenly spaced values of `x1` over `range` (through
    /// `features`, if any, and the normalisation); `None` if the network does not
    /// take these inputs.
    pub fn compute(
        network: &Network,
        normalization: &Normalization,
        features: Option<&Features>,
        range: (f32, f32),
        points: usize,
        workspace: &mut Workspace,
    ) -> Option<Self> {
        let expected = features.map_or(1, Features::len);
        if network.architecture().inputs() != expected || points < 2 {
            return None;
        }
        let xs: Vec<f32> = (0..points)
            .map(|i| range.0 + (range.1 - range.0) * i as f32 / (points - 1) as f32)
            .collect();
        let inputs = network_rows(&xs, 1, features, normalization);
        let outputs = network.forward(&inputs, workspace).ok()?.to_vec();
        Some(Self {
            xs,
            outputs,
            output_width: network.architecture().outputs(),
        })
    }
}

/// The class a network output row stands for and how sure it is (`0..=1`);
/// for regression (`classes == 0`), the sign of the value and its size relative to `scale`.
pub fn decide(row: &[f32], classification: bool, scale: f32) -> (usize, f32) {
    if !classification {
        let v = row.first().copied().unwrap_or(0.0) / scale.max(1e-6);
        return (usize::from(v >= 0.0), v.abs().min(1.0));
    }
    if row.len() == 1 {
        let p = row[0];
        return (usize::from(p > 0.5), (2.0 * p - 1.0).abs());
    }
    let class = predicted_class(row);
    let k = row.len() as f32;
    let p = row[class];
    (class, ((p - 1.0 / k) / (1.0 - 1.0 / k)).clamp(0.0, 1.0))
}

/// Whether a task is classification.
pub fn is_classification(task: Task) -> bool {
    matches!(task, Task::Classification { .. })
}

/// One image with its label and the network's guess.
#[derive(Debug, Clone, PartialEq)]
pub struct Digit {
    /// Grey levels, row-major, `side * side`.
    pub pixels: Vec<u8>,
    /// Width and height.
    pub side: usize,
    /// True class.
    pub label: usize,
    /// Predicted class.
    pub predicted: Option<usize>,
    /// Index in the test set.
    pub index: usize,
}

/// Sample images and the currently misclassified ones.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DigitsView {
    /// The first few test images.
    pub samples: Vec<Digit>,
    /// Test images the network currently gets wrong.
    pub misclassified: Vec<Digit>,
    /// How many of the scanned images are wrong, and how many were scanned.
    pub wrong: (usize, usize),
}

/// The side of square images (`Some(28)` for MNIST), if `data` holds byte images.
pub fn image_side(data: &Dataset) -> Option<usize> {
    let side = (data.dim() as f64).sqrt().round() as usize;
    (matches!(data.inputs(), Inputs::U8(_)) && side >= 8 && side * side == data.dim())
        .then_some(side)
}

/// Predicts the first `scan` images of `data` and keeps `keep` samples and misclassified ones.
pub fn digits_view(
    network: &Network,
    data: &Dataset,
    normalization: &Normalization,
    scan: usize,
    keep: usize,
    workspace: &mut Workspace,
) -> Option<DigitsView> {
    let side = image_side(data)?;
    let (Inputs::U8(bytes), Targets::Classes(labels)) = (data.inputs(), data.targets()) else {
        return None;
    };
    let n = scan.min(data.len());
    if n == 0 || network.architecture().inputs() != data.dim() {
        return None;
    }
    let dim = data.dim();
    let indices: Vec<usize> = (0..n).collect();
    let mut inputs = vec![0.0; n * dim];
    data.write_batch_inputs(&indices, normalization, &mut inputs);
    let outputs = network.forward(&inputs, workspace).ok()?;
    let width = network.architecture().outputs();
    let digit = |i: usize, predicted: usize| Digit {
        pixels: bytes[i * dim..(i + 1) * dim].to_vec(),
        side,
        label: labels[i] as usize,
        predicted: Some(predicted),
        index: i,
    };
    let mut view = DigitsView::default();
    for i in 0..n {
        let predicted = predicted_class(&outputs[i * width..(i + 1) * width]);
        if i < keep {
            view.samples.push(digit(i, predicted));
        }
        if predicted != labels[i] as usize {
            view.wrong.0 += 1;
            if view.misclassified.len() < keep {
                view.misclassified.push(digit(i, predicted));
            }
        }
    }
    view.wrong.1 = n;
    Some(view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nn_core::{Activation, Architecture, Loss};

    #[test]
    fn extent_is_square_in_pixels_and_maps_points() {
        let points = [
            Point {
                x: -1.0,
                y: -2.0,
                label: 0.0,
            },
            Point {
                x: 1.0,
                y: 2.0,
                label: 1.0,
            },
        ];
        let e = Extent::around(&points, 40, 20);
        let (w, h) = (e.x.1 - e.x.0, e.y.1 - e.y.0);
        assert!((w / h - 2.0).abs() < 1e-4);
        assert!(e.y.0 < -2.0 && e.y.1 > 2.0);
        assert_eq!(e.pixel(e.x.0, e.y.1 - 1e-4, 40, 20), Some((0, 0)));
        assert_eq!(e.pixel(e.x.1 + 1.0, 0.0, 40, 20), None);
    }

    #[test]
    fn plane_view_runs_one_pass_over_the_grid() {
        let arch = Architecture::new(
            vec![2, 3, 2],
            Activation::Tanh,
            Activation::Softmax,
            Loss::CrossEntropy,
        )
        .unwrap();
        let net = Network::new(arch, 3).unwrap();
        let extent = Extent {
            x: (-1.0, 1.0),
            y: (-1.0, 1.0),
        };
        let mut ws = Workspace::new();
        let view = PlaneView::compute(
            &net,
            &Normalization::identity(2),
            None,
            &[Feature::X1X2],
            extent,
            4,
            3,
            &mut ws,
        )
        .unwrap();
        assert!((view.features[0].1[0] - (-0.75 * 2.0 / 3.0)).abs() < 1e-6);
        assert_eq!(view.outputs.len(), 4 * 3 * 2);
        assert_eq!(view.hidden.len(), 1);
        assert_eq!(view.hidden[0].len(), 4 * 3 * 3);
        // The top-left pixel's centre is (-0.75, 2/3).
        assert!((view.inputs[0] + 0.75).abs() < 1e-6);
        assert!((view.inputs[1] - 2.0 / 3.0).abs() < 1e-6);
        let direct = net.predict(&[-0.75, 2.0 / 3.0]).unwrap();
        assert!((direct[0] - view.outputs[0]).abs() < 1e-6);
    }

    /// With features, the grid goes through them: the network sees x1^2 and sin x2.
    #[test]
    fn plane_and_curve_views_apply_the_features() {
        let arch = Architecture::new(
            vec![2, 3, 1],
            Activation::Tanh,
            Activation::Linear,
            Loss::Mse,
        )
        .unwrap();
        let net = Network::new(arch, 3).unwrap();
        let features: Features = "x1^2,sinx2".parse().unwrap();
        let extent = Extent {
            x: (-1.0, 1.0),
            y: (-1.0, 1.0),
        };
        let mut ws = Workspace::new();
        let norm = Normalization::identity(2);
        let view =
            PlaneView::compute(&net, &norm, Some(&features), &[], extent, 4, 3, &mut ws).unwrap();
        let (x, y) = (-0.75f32, 2.0f32 / 3.0);
        let direct = net.predict(&[x * x, f64::from(y).sin() as f32]).unwrap();
        assert!((direct[0] - view.outputs[0]).abs() < 1e-6);
        let (values, stride) = view
            .node_values(
                crate::selection::NodeId::Feature(Feature::X1Squared),
                Some(&features),
            )
            .unwrap();
        assert_eq!((values[0], stride), (x * x, 2));
        assert!(PlaneView::compute(&net, &norm, None, &[], extent, 4, 3, &mut ws).is_some());
        let three: Features = "x1,x2,x1x2".parse().unwrap();
        assert!(
            PlaneView::compute(&net, &norm, Some(&three), &[], extent, 4, 3, &mut ws).is_none()
        );

        let line: Features = "x1,sinx1".parse().unwrap();
        let curve = CurveView::compute(&net, &norm, Some(&line), (0.0, 2.0), 3, &mut ws).unwrap();
        assert_eq!(curve.xs, [0.0, 1.0, 2.0]);
        let direct = net.predict(&[1.0, 1f64.sin() as f32]).unwrap();
        assert!((direct[0] - curve.outputs[1]).abs() < 1e-6);
    }

    #[test]
    fn decisions() {
        assert_eq!(decide(&[0.2, 0.8], true, 1.0).0, 1);
        assert!((decide(&[0.5, 0.5], true, 1.0).1).abs() < 1e-6);
        let (class, strength) = decide(&[0.9], true, 1.0);
        assert_eq!(class, 1);
        assert!((strength - 0.8).abs() < 1e-6);
        assert_eq!(decide(&[-2.0], false, 4.0), (0, 0.5));
    }
}

//! What the user steers: the run's definition as the dashboard shows and
//! changes it, and what follows from it (layer sizes, the data's shape, node names).

use nn_core::Activation;
use nn_data::{Feature, Features, Task};
use nn_run::Pace;

use crate::selection::NodeId;

/// What the user steers: the run's definition as the dashboard shows and changes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Data set name (a generator, `mnist`, a path).
    pub dataset: String,
    /// Generator noise (`None`: not generated data).
    pub noise: Option<f32>,
    /// Fraction held out for testing.
    pub test_fraction: f32,
    /// The data comes with its own test set (MNIST), so the split is not ours to change.
    pub own_test_set: bool,
    /// Seed of the data.
    pub data_seed: u64,
    /// The data's raw columns (2: the plane, 1: a line, more: images or tables).
    pub raw_columns: usize,
    /// The input features, for data whose columns are x1 (and x2); `None` otherwise.
    pub features: Option<Features>,
    /// Inputs per sample (after the features).
    pub inputs: usize,
    /// The task of the data.
    pub task: Task,
    /// Hidden layer sizes.
    pub hidden: Vec<usize>,
    /// Hidden activation.
    pub activation: Activation,
    /// Base learning rate.
    pub learning_rate: f32,
    /// Mini-batch size.
    pub batch_size: usize,
    /// L1 penalty.
    pub l1: f32,
    /// L2 penalty.
    pub l2: f32,
    /// The regularisation rate `;` and `'` step (kept while regularisation is off).
    pub regularization_rate: f32,
    /// Seed of the initial weights.
    pub seed: u64,
    /// How fast training runs.
    pub pace: Pace,
    /// Trainer threads.
    pub threads: usize,
    /// Optimizer name.
    pub optimizer: &'static str,
    /// Show the output as hard classes or signs instead of shades.
    pub discretize: bool,
    /// Show the test points.
    pub test_points: bool,
}

/// How the data is drawn, by its raw columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Two columns: the input plane, a heatmap.
    Plane,
    /// One column: a line, the network's curve through the points.
    Line,
    /// Images or tables.
    Wide,
}

impl Settings {
    /// Layer sizes, inputs first.
    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes = vec![self.inputs];
        sizes.extend(&self.hidden);
        sizes.push(self.task.outputs());
        sizes
    }

    /// `2-8-8-2`, as [`nn_core::Architecture`] displays itself.
    pub fn layout(&self) -> String {
        self.sizes()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("-")
    }

    /// How the data is drawn.
    pub fn shape(&self) -> Shape {
        match self.raw_columns {
            2 => Shape::Plane,
            1 => Shape::Line,
            _ => Shape::Wide,
        }
    }

    /// Whether the input plane is drawn (2-D data).
    pub fn is_planar(&self) -> bool {
        self.shape() == Shape::Plane
    }

    /// The features the network panel's input column shows (on or off): every
    /// feature the data's columns allow; empty without features.
    pub fn available_features(&self) -> Vec<Feature> {
        if self.features.is_none() {
            return Vec::new();
        }
        Feature::ALL
            .into_iter()
            .filter(|f| self.raw_columns >= 2 || !f.needs_x2())
            .collect()
    }

    /// Whether the data is a regression.
    pub fn is_regression(&self) -> bool {
        matches!(self.task, Task::Regression { .. })
    }

    /// `none`, `L1 0.003`, `L2 0.01` or `L1 0.001 + L2 0.01`.
    pub fn regularization(&self) -> String {
        match (self.l1 > 0.0, self.l2 > 0.0) {
            (false, false) => "none".into(),
            (true, false) => format!("L1 {}", self.l1),
            (false, true) => format!("L2 {}", self.l2),
            (true, true) => format!("L1 {} + L2 {}", self.l1, self.l2),
        }
    }

    /// The noise in percent, for generated data.
    pub fn noise_percent(&self) -> Option<u32> {
        self.noise.map(|n| (n * 100.0).round() as u32)
    }

    /// The share of training data in percent.
    pub fn train_percent(&self) -> u32 {
        ((1.0 - self.test_fraction) * 100.0).round() as u32
    }

    /// The name of a node as labels and messages show it: `x1²`, `1.3` (hidden
    /// layer 1, neuron 3), `output class 0` (a classifier's outputs are named by the
    /// class they score, as samples are labelled), `output 2` (a regression's).
    pub fn node_name(&self, node: NodeId) -> String {
        match node {
            NodeId::Feature(f) => f.label().to_string(),
            NodeId::Input(i) => format!("input {}", i + 1),
            NodeId::Neuron { layer, index } if layer > self.hidden.len() => {
                if matches!(self.task, Task::Classification { .. }) {
                    format!("output class {index}")
                } else {
                    format!("output {}", index + 1)
                }
            }
            NodeId::Neuron { layer, index } => format!("{layer}.{}", index + 1),
        }
    }

    /// The input node that feeds input `index` of the network.
    pub fn input_node(&self, index: usize) -> NodeId {
        match self.features.as_ref().and_then(|f| f.as_slice().get(index)) {
            Some(&f) => NodeId::Feature(f),
            None => NodeId::Input(index),
        }
    }

    /// Every selectable node in Tab order: the active inputs (on 2-D or 1-D
    /// data), the hidden neurons, the outputs.
    pub fn selectable(&self) -> Vec<NodeId> {
        let sizes = self.sizes();
        let mut nodes = Vec::new();
        if self.shape() != Shape::Wide {
            nodes.extend((0..self.inputs).map(|i| self.input_node(i)));
        }
        for (layer, &n) in sizes.iter().enumerate().skip(1) {
            nodes.extend((0..n).map(|index| NodeId::Neuron { layer, index }));
        }
        nodes
    }
}

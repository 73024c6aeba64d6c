//! What the user steers: the run's definition, held as the one settings
//! table's type (a [`StateLine`], whose fields [`nn_run::SETTINGS`] parses and
//! prints), and beside it what the dashboard derives from the loaded data and
//! how it shows the run; with what follows (layer sizes, the data's shape, node names).

use nn_core::Activation;
use nn_data::{Feature, Features, Task};
use nn_run::{Defaults, OptimizerChoice, Pace, Purpose, StateLine, TrainRequest};
use nn_train::Setting;

use crate::selection::NodeId;

/// What the user steers: the run's definition as the dashboard shows and changes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The run's definition: its state line, every setting resolved when a run
    /// starts ([`StateLine::from_run`]). The keys change its fields; the state
    /// line the dashboard shows and records is this line printed ([`Settings::line`]).
    pub run: StateLine,
    /// The data comes with its own test set (MNIST), so the split is not ours to change.
    pub own_test_set: bool,
    /// The data's raw columns (2: the plane, 1: a line, more: images or tables).
    pub raw_columns: usize,
    /// Inputs per sample (after the features).
    pub inputs: usize,
    /// The task of the data.
    pub task: Task,
    /// Trainer threads (what the trainer has, not a setting a line holds).
    pub threads: usize,
    /// The regularisation rate `;` and `'` step (kept while regularisation is off).
    pub regularization_rate: f32,
    /// Show the output as hard classes or signs instead of shades.
    pub discretize: bool,
    /// Show the test points.
    pub test_points: bool,
}

/// The run's settings as the line holds them; a field a line leaves out reads
/// as the table's default, as a line read back does ([`StateLine::request`]).
impl Settings {
    /// The state line of the run as it stands: the run's definition, with how
    /// the dashboard shows it where that differs from the table's default.
    pub fn line(&self) -> StateLine {
        let shown = |value: bool, setting| {
            (value != nn_run::default_value::<bool>(setting)).then_some(value)
        };
        StateLine {
            discretize: shown(self.discretize, Setting::Discretize),
            test_points: shown(self.test_points, Setting::TestPoints),
            ..self.run.clone()
        }
    }

    /// What the next run (a restart) asks for: the user's `request` with the
    /// run's line in its place ([`StateLine::request_over`]), except what each run
    /// resolves afresh from the user's request because it follows the data: the
    /// output and loss (the data's task), the optimizer and its momentum, weight
    /// decay, betas and eps (the default optimizer depends on the data's width).
    pub fn next_request(&self, request: &TrainRequest) -> TrainRequest {
        TrainRequest {
            layers: None,
            output: request.output,
            loss: request.loss,
            optimizer: request.optimizer,
            momentum: request.momentum,
            weight_decay: request.weight_decay,
            betas: request.betas,
            eps: request.eps,
            ..self.run.request_over(request.clone())
        }
    }

    /// The defaults a line's missing fields take here (the dashboard's, on this data).
    fn defaults(&self) -> &'static Defaults {
        nn_run::defaults(self.run.defaults.unwrap_or(Purpose::Dashboard), self.inputs)
    }

    /// Data set name (a generator, `mnist`, a path).
    pub fn dataset(&self) -> &str {
        &self.run.data
    }

    /// Fraction held out for testing.
    pub fn test_fraction(&self) -> f32 {
        (self.run.test_fraction).unwrap_or_else(|| nn_run::default_value(Setting::TestFraction))
    }

    /// Seed of the data.
    pub fn data_seed(&self) -> u64 {
        (self.run.data_seed).unwrap_or_else(|| nn_run::default_value(Setting::DataSeed))
    }

    /// Hidden layer sizes.
    pub fn hidden(&self) -> &[usize] {
        self.run.hidden.as_deref().unwrap_or(self.defaults().hidden)
    }

    /// Hidden layer sizes, to change (set in the line from here on).
    pub fn hidden_mut(&mut self) -> &mut Vec<usize> {
        let default = self.defaults().hidden;
        self.run.hidden.get_or_insert_with(|| default.to_vec())
    }

    /// Hidden activation.
    pub fn activation(&self) -> Activation {
        self.run.activation.unwrap_or(self.defaults().activation)
    }

    /// Update rule.
    pub fn optimizer(&self) -> OptimizerChoice {
        self.run.optimizer.unwrap_or(self.defaults().optimizer)
    }

    /// Base learning rate.
    pub fn learning_rate(&self) -> f32 {
        (self.run.learning_rate).unwrap_or_else(|| self.defaults().rates.of(self.optimizer()))
    }

    /// Mini-batch size.
    pub fn batch_size(&self) -> usize {
        self.run.batch_size.unwrap_or(self.defaults().batch_size)
    }

    /// L1 penalty.
    pub fn l1(&self) -> f32 {
        (self.run.l1).unwrap_or_else(|| nn_run::default_value(Setting::L1))
    }

    /// L2 penalty.
    pub fn l2(&self) -> f32 {
        (self.run.l2).unwrap_or_else(|| nn_run::default_value(Setting::L2))
    }

    /// Seed of the initial weights.
    pub fn seed(&self) -> u64 {
        (self.run.seed).unwrap_or_else(|| nn_run::default_value(Setting::Seed))
    }

    /// How fast training runs.
    pub fn pace(&self) -> Pace {
        self.run.pace.unwrap_or(self.defaults().pace)
    }

    /// The input features, for data whose columns are x1 (and x2); `None` otherwise.
    pub fn features(&self) -> Option<&Features> {
        self.run.features.as_ref()
    }
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
        sizes.extend(self.hidden());
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
        if self.features().is_none() {
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
        let (l1, l2) = (self.l1(), self.l2());
        match (l1 > 0.0, l2 > 0.0) {
            (false, false) => "none".into(),
            (true, false) => format!("L1 {l1}"),
            (false, true) => format!("L2 {l2}"),
            (true, true) => format!("L1 {l1} + L2 {l2}"),
        }
    }

    /// The noise in percent, for generated data.
    pub fn noise_percent(&self) -> Option<u32> {
        self.run.noise.map(|n| (n * 100.0).round() as u32)
    }

    /// The share of training data in percent.
    pub fn train_percent(&self) -> u32 {
        ((1.0 - self.test_fraction()) * 100.0).round() as u32
    }

    /// The name of a node as labels and messages show it: `x1²`, `1.3` (hidden
    /// layer 1, neuron 3), `output class 0` (a classifier's outputs are named by the
    /// class they score, as samples are labelled), `output 2` (a regression's).
    pub fn node_name(&self, node: NodeId) -> String {
        match node {
            NodeId::Feature(f) => f.label().to_string(),
            NodeId::Input(i) => format!("input {}", i + 1),
            NodeId::Neuron { layer, index } if layer > self.hidden().len() => {
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
        match self.features().and_then(|f| f.as_slice().get(index)) {
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

#[cfg(test)]
mod tests;

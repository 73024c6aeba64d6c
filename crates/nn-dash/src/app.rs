//! The dashboard's state and how it changes: keys and clicks become
//! [`Action`]s ([`crate::keys`], [`crate::ui::hit`]), [`App::update`] applies an
//! action and returns the [`Effect`]s for the runtime to carry out (commands to
//! the trainer, a restart, new data, quitting), and [`App::apply_event`] folds
//! the trainer's events in. No I/O here.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use nn_core::{Activation, Network};
use nn_data::{Feature, Features, Problem, Task};
use nn_run::{Command, Event, Pace, RunState, RunStatus};
use nn_train::{EpochReport, Metrics, Stall};

use crate::PlotMode;
use crate::colors::{ColorDepth, Palette};
use crate::history::History;
use crate::inspect::InspectorView;
use crate::plot::{CurveView, DigitsView, PlaneView, Point};

/// Playground's learning-rate ladder, stepped by `+` and `-`.
pub const LEARNING_RATES: [f32; 11] = [
    0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0,
];

/// Playground's regularisation-rate ladder, stepped by `;` and `'`.
pub const REGULARIZATION_RATES: [f32; 10] =
    [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0];

/// Paces stepped by `<` and `>` (epochs per second), then [`Pace::Max`].
pub const SPEEDS: [f32; 11] = [
    1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 250.0, 500.0, 1000.0,
];

/// The Playground's batch sizes on 2-D data, stepped by `b` and `B`.
pub const PLANAR_BATCH: std::ops::RangeInclusive<usize> = 1..=30;

/// Largest batch `B` reaches on wider data (it doubles past 30).
pub const MAX_BATCH: usize = 1024;

/// Hidden activations cycled by `a`.
pub const ACTIVATIONS: [Activation; 4] = [
    Activation::Tanh,
    Activation::Relu,
    Activation::Sigmoid,
    Activation::Linear,
];

/// The data sets `d` cycles through for one kind of problem: nn-data's
/// generators of that problem, in the Playground's order.
pub fn data_sets(problem: Problem) -> Vec<&'static str> {
    nn_data::generators_of(problem).collect()
}

/// Most hidden layers `]` adds (the Playground's limit).
pub const MAX_HIDDEN_LAYERS: usize = 6;

/// Most neurons `.` gives a layer on 2-D data (the Playground's limit); wider data: 1024.
pub const MAX_PLANAR_NEURONS: usize = 8;

/// Noise steps of `{` and `}`, in percent (the Playground's slider).
pub const NOISE_PERCENT: std::ops::RangeInclusive<u32> = 0..=50;

/// Training shares of `(` and `)`, in percent (the Playground's slider).
pub const TRAIN_PERCENT: std::ops::RangeInclusive<u32> = 10..=90;

/// Log lines kept.
const LOG_LINES: usize = 50;

/// A node of the network panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeId {
    /// An input feature of 2-D (or 1-D) data, drawn whether it is on or off.
    Feature(Feature),
    /// Input `index` of data without features (images, CSV columns).
    Input(usize),
    /// Neuron `index` of layer `layer` (1: the first hidden layer; the last: the outputs).
    Neuron {
        /// 1-based layer.
        layer: usize,
        /// 0-based neuron.
        index: usize,
    },
}

/// A connection: the weight from input `from` of weight layer `layer` (0-based)
/// to its neuron `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Link {
    /// Weight layer, 0-based (layer 0 connects the inputs to the first hidden layer).
    pub layer: usize,
    /// Index into the layer's inputs.
    pub from: usize,
    /// Index into the layer's neurons.
    pub to: usize,
}

/// What the mouse is over or clicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// A node.
    Node(NodeId),
    /// A connection.
    Link(Link),
    /// A training point on the input plane, by its index in the training set.
    Sample(usize),
}

/// What a key or a click asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Space: pause or resume.
    TogglePause,
    /// `n`: one mini-batch step.
    Step,
    /// `r`: new random weights (the seed moves on by one).
    Reset,
    /// `<`: slower.
    SpeedDown,
    /// `>`: faster.
    SpeedUp,
    /// `+`: next rate up the ladder.
    LearningRateUp,
    /// `-`: next rate down the ladder.
    LearningRateDown,
    /// `b`: a smaller batch.
    BatchDown,
    /// `B`: a larger batch.
    BatchUp,
    /// `l`: regularisation none, L1, L2.
    CycleRegularization,
    /// `;`: regularisation rate down.
    RegularizationRateDown,
    /// `'`: regularisation rate up.
    RegularizationRateUp,
    /// `a`: next hidden activation (restarts).
    CycleActivation,
    /// `d`: next data set of the same kind (restarts).
    CycleDataset,
    /// `p`: classification or regression (restarts).
    ToggleProblem,
    /// `1`..`9`: a feature on or off (restarts).
    ToggleFeature(Feature),
    /// `{`: less noise (new data, restarts).
    NoiseDown,
    /// `}`: more noise (new data, restarts).
    NoiseUp,
    /// `(`: less training data (restarts).
    TrainShareDown,
    /// `)`: more training data (restarts).
    TrainShareUp,
    /// `g`: new points from a new data seed (the weights are kept).
    Regenerate,
    /// `t`: show or hide the test points.
    ToggleTestPoints,
    /// `o`: continuous or discretized output.
    ToggleDiscretize,
    /// `[`: one hidden layer fewer (restarts).
    RemoveLayer,
    /// `]`: one hidden layer more (restarts).
    AddLayer,
    /// `,`: fewer neurons in the last hidden layer (restarts).
    FewerNeurons,
    /// `.`: more neurons in the last hidden layer (restarts).
    MoreNeurons,
    /// Tab: select the next node (its map shows large).
    SelectNext,
    /// Shift-Tab: select the previous node.
    SelectPrevious,
    /// Down: the selected neuron's next incoming connection.
    NextLink,
    /// Up: the selected neuron's previous incoming connection.
    PreviousLink,
    /// `i`: show or hide the inspector (the seed's δ and Δw for one neuron and one sample).
    ToggleInspector,
    /// Right: the next neuron (hidden and output neurons only).
    NextNeuron,
    /// Left: the previous neuron.
    PreviousNeuron,
    /// `x`: the next training sample in the inspector.
    NextSample,
    /// `X`: the previous training sample.
    PreviousSample,
    /// `e`: the seed's sample step: one step on the inspected sample alone (batch 1).
    SampleStep,
    /// PgUp: the inspector's text up.
    ScrollUp,
    /// PgDn: the inspector's text down.
    ScrollDown,
    /// A click on a node or connection.
    Click(Target),
    /// The mouse moved over a node or connection, or off them.
    Hover(Option<Target>),
    /// `c`: show or hide the state line.
    ToggleStateLine,
    /// `s`: save the model.
    Save,
    /// `?`: show or hide the key list.
    ToggleHelp,
    /// Esc: close the innermost of the help or state line, then the inspector; never quit.
    CloseOverlay,
    /// `q`, Ctrl-C: leave.
    Quit,
    /// `D`: drawing mode on or off (the drawn points become the data).
    ToggleDrawing,
    /// `w`: write the data on screen as CSV (the drawing, in drawing mode).
    WriteData,
    /// A key or click of drawing mode (see `crate::drawing`).
    Draw(crate::drawing::DrawAction),
}

impl Action {
    /// Whether the action only changes what is shown, not the run: all that a
    /// read-only dashboard (`nn-tui watch`) takes.
    pub fn only_shows(self) -> bool {
        match self {
            Action::SelectNext
            | Action::SelectPrevious
            | Action::NextLink
            | Action::PreviousLink
            | Action::Hover(_)
            | Action::Click(Target::Link(_))
            | Action::ToggleTestPoints
            | Action::ToggleDiscretize
            | Action::ToggleStateLine
            | Action::ToggleHelp
            | Action::CloseOverlay
            | Action::Quit => true,
            // Clicking an input feature toggles it; any other node is only selected.
            Action::Click(Target::Node(node)) => !matches!(node, NodeId::Feature(_)),
            _ => false,
        }
    }
}

/// A run followed from its run directory by another process than the one
/// training it (`nn-tui watch`): the dashboard only shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    /// The run directory.
    pub dir: String,
    /// Whether its writer is still at it, and if not how it ended.
    pub status: RunStatus,
}

/// What the runtime must do after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send a command to the running trainer.
    Send(Command),
    /// Stop the trainer and start a new run from [`App::settings`] (new data if it changed).
    Restart,
    /// Generate the data again from [`Settings::data_seed`] and train on it, keeping the weights.
    Regenerate,
    /// Leave the dashboard.
    Quit,
    /// Train on the drawn points (they changed).
    TrainOnDrawing,
    /// Write the data on screen (or the drawing) as CSV.
    WriteData,
}

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

/// What the trainer reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// Running, paused, finished, stopped or diverged.
    pub state: RunState,
    /// Epochs completed.
    pub epoch: usize,
    /// Steps into the current epoch.
    pub step_in_epoch: usize,
    /// Steps per epoch.
    pub steps_per_epoch: usize,
    /// Steps since the start or the last reset.
    pub total_steps: u64,
    /// Training throughput.
    pub samples_per_second: f64,
    /// Latest training loss.
    pub loss: Option<f64>,
    /// Whether [`Status::loss`] is one mini-batch's (a single step, `n`), not the
    /// mean over the steps of a while of training.
    pub batch_loss: bool,
    /// Time since the run started.
    pub elapsed: Duration,
    /// The latest epoch report.
    pub last_epoch: Option<EpochReport>,
}

impl Default for Status {
    fn default() -> Self {
        Self {
            state: RunState::Paused,
            epoch: 0,
            step_in_epoch: 0,
            steps_per_epoch: 0,
            total_steps: 0,
            samples_per_second: 0.0,
            loss: None,
            batch_loss: false,
            elapsed: Duration::ZERO,
            last_epoch: None,
        }
    }
}

impl Status {
    /// The held-out metrics of the latest epoch: test, else validation.
    pub fn held_out(&self) -> Option<&Metrics> {
        let report = self.last_epoch.as_ref()?;
        report.test.as_ref().or(report.validation.as_ref())
    }
}

/// The inspector: whether it shows, which training sample it explains, and how far
/// its text is scrolled. The neuron is the selected node ([`App::selected`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Inspector {
    /// Shown in place of the curves.
    pub open: bool,
    /// The training sample, by its index in the training set.
    pub sample: usize,
    /// Lines scrolled past.
    pub scroll: usize,
    /// Scroll so that the selected connection's row shows (after Up or Down).
    pub follow_link: bool,
}

/// Lines PgUp and PgDn move the inspector's text.
pub const SCROLL_PAGE: usize = 5;

/// An overlay over the panels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    /// The key list.
    Help,
    /// The state line.
    StateLine,
}

/// The whole dashboard state.
#[derive(Debug, Clone)]
pub struct App {
    /// What the user steers.
    pub settings: Settings,
    /// What the trainer reports.
    pub status: Status,
    /// Curves.
    pub history: History,
    /// The latest weights.
    pub network: Option<Arc<Network>>,
    /// Training points (2-D and 1-D data; `y` is 0 for 1-D).
    pub train_points: Vec<Point>,
    /// Test points (2-D and 1-D data).
    pub test_points: Vec<Point>,
    /// The network over the plane (2-D data).
    pub plane: Option<PlaneView>,
    /// The network along the line (1-D data).
    pub curve: Option<CurveView>,
    /// Images and predictions (image data).
    pub digits: Option<DigitsView>,
    /// The run's stall, if one was reported: its stuck units are marked in the network panel.
    pub stall: Option<Stall>,
    /// Messages, oldest first.
    pub log: Vec<String>,
    /// What reading the state line or Playground link noted (fields not mapped,
    /// differences): kept for the state line overlay (`c`), where the log line's
    /// next message cannot push them out.
    pub notices: Vec<String>,
    /// The overlay open, if any.
    pub overlay: Option<Overlay>,
    /// The run's state line (kept current by the runtime).
    pub state_line: String,
    /// The selected node: its map shows large.
    pub selected: Option<NodeId>,
    /// The selected connection: its weight shows.
    pub selected_link: Option<Link>,
    /// What the mouse is over.
    pub hover: Option<Target>,
    /// The inspector's state.
    pub inspector: Inspector,
    /// What it shows (kept current by the runtime while it is open).
    pub inspection: Option<InspectorView>,
    /// Samples in the training set (the inspector's sample is one of them).
    pub train_samples: usize,
    /// How plots are drawn.
    pub plot: PlotMode,
    /// Colours.
    pub palette: Palette,
    /// Where `s` saves.
    pub model_path: PathBuf,
    /// The user asked to leave.
    pub quit: bool,
    /// The generated data set last used for the other kind of problem (classification
    /// while on a regression, and back), which `p` returns to, as the Playground keeps
    /// `dataset` and `regDataset` apart.
    pub other_problem_dataset: Option<String>,
    /// Set when watching a run another process writes: read-only.
    pub watch: Option<Watch>,
    /// The points drawn in drawing mode (`D`), kept after it until saved or quit.
    pub drawing: Option<crate::drawing::Drawing>,
}

impl App {
    /// A fresh state for these settings.
    pub fn new(settings: Settings, model_path: PathBuf, plot: PlotMode, depth: ColorDepth) -> Self {
        Self {
            settings,
            status: Status::default(),
            history: History::default(),
            network: None,
            train_points: Vec::new(),
            test_points: Vec::new(),
            plane: None,
            curve: None,
            digits: None,
            stall: None,
            log: Vec::new(),
            overlay: None,
            state_line: String::new(),
            selected: None,
            selected_link: None,
            hover: None,
            inspector: Inspector::default(),
            inspection: None,
            train_samples: 0,
            plot,
            palette: Palette::new(depth),
            model_path,
            quit: false,
            notices: Vec::new(),
            other_problem_dataset: None,
            watch: None,
            drawing: None,
        }
    }

    /// The plane around every training and test point, for `width x height` pixels
    /// (`None` before there are points).
    pub fn points_extent(&self, width: usize, height: usize) -> Option<crate::plot::Extent> {
        if let Some(extent) = crate::drawing::extent(self, width, height) {
            return Some(extent);
        }
        let all = self.train_points.iter().chain(&self.test_points);
        (!self.train_points.is_empty() || !self.test_points.is_empty())
            .then(|| crate::plot::Extent::around(all, width, height))
    }

    /// Adds a message to the log line.
    pub fn log(&mut self, message: impl Into<String>) {
        self.log.push(message.into());
        if self.log.len() > LOG_LINES {
            self.log.remove(0);
        }
    }

    /// Forgets everything learned (a new run starts).
    pub fn clear_run(&mut self) {
        self.status = Status {
            state: self.status.state.clone(),
            ..Status::default()
        };
        self.history.clear();
        self.network = None;
        self.plane = None;
        self.curve = None;
        self.digits = None;
        self.stall = None;
        self.selected_link = None;
        self.hover = None;
        self.inspection = None;
        // A selected node that the new network still has stays selected.
        if let Some(node) = self.selected
            && !self.settings.selectable().contains(&node)
        {
            self.selected = None;
        }
    }

    /// The node whose map the boundary panel shows: hovered, else selected; `None`: the output.
    pub fn shown_node(&self) -> Option<NodeId> {
        match self.hover {
            Some(Target::Node(node)) if self.settings.selectable().contains(&node) => Some(node),
            _ => self.selected,
        }
    }

    /// The connection whose weight the network panel names: hovered, else selected.
    pub fn shown_link(&self) -> Option<Link> {
        match self.hover {
            Some(Target::Link(link)) => Some(link),
            _ => self.selected_link,
        }
    }

    /// Applies an action; returns what the runtime must do.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        if self.watch.is_some() && !action.only_shows() {
            self.log("read-only: another process trains this run (q leaves)");
            return Vec::new();
        }
        let s = &mut self.settings;
        match action {
            Action::TogglePause => match self.status.state {
                RunState::Running => {
                    self.status.state = RunState::Paused;
                    vec![Effect::Send(Command::Pause)]
                }
                RunState::Paused => {
                    self.status.state = RunState::Running;
                    vec![Effect::Send(Command::Resume)]
                }
                RunState::Diverged(_) => {
                    self.log("training diverged: r resets the weights, - lowers the rate");
                    vec![]
                }
                RunState::Finished | RunState::Stopped => vec![],
            },
            Action::Step => {
                if self.status.state == RunState::Running {
                    self.status.state = RunState::Paused;
                }
                vec![Effect::Send(Command::Step)]
            }
            Action::Reset => {
                s.seed = s.seed.wrapping_add(1);
                if matches!(
                    self.status.state,
                    RunState::Finished | RunState::Diverged(_)
                ) {
                    self.status.state = RunState::Paused;
                }
                let message = format!("new weights (seed {})", s.seed);
                self.restart(message)
            }
            Action::SpeedDown | Action::SpeedUp => {
                s.pace = step_pace(s.pace, action == Action::SpeedUp);
                vec![Effect::Send(Command::SetPace(s.pace))]
            }
            Action::LearningRateUp | Action::LearningRateDown => {
                let i = nearest_index(&LEARNING_RATES, s.learning_rate);
                let j = if action == Action::LearningRateUp {
                    (i + 1).min(LEARNING_RATES.len() - 1)
                } else {
                    i.saturating_sub(1)
                };
                s.learning_rate = LEARNING_RATES[j];
                vec![Effect::Send(Command::SetLearningRate(s.learning_rate))]
            }
            Action::BatchDown | Action::BatchUp => {
                let old = s.batch_size;
                s.batch_size = step_batch(old, action == Action::BatchUp, s.is_planar());
                if s.batch_size == old {
                    self.log(format!("batch {old} is the limit"));
                    return vec![];
                }
                vec![Effect::Send(Command::SetBatchSize(s.batch_size))]
            }
            Action::CycleRegularization => {
                let rate = if s.regularization_rate > 0.0 {
                    s.regularization_rate
                } else {
                    REGULARIZATION_RATES[1]
                };
                (s.l1, s.l2) = match (s.l1 > 0.0, s.l2 > 0.0) {
                    (false, false) => (rate, 0.0),
                    (true, false) => (0.0, rate),
                    _ => (0.0, 0.0),
                };
                s.regularization_rate = rate;
                self.penalties()
            }
            Action::RegularizationRateDown | Action::RegularizationRateUp => {
                let up = action == Action::RegularizationRateUp;
                let i = nearest_index(&REGULARIZATION_RATES, s.regularization_rate);
                let on = s.l1 > 0.0 || s.l2 > 0.0;
                // While on, the rate stays above 0 (l turns regularisation off).
                let lowest = usize::from(on);
                let j = if up {
                    (i + 1).min(REGULARIZATION_RATES.len() - 1)
                } else {
                    i.saturating_sub(1).max(lowest)
                };
                let rate = REGULARIZATION_RATES[j];
                s.regularization_rate = rate;
                if !on {
                    self.log(format!("regularisation rate {rate}: l turns L1 or L2 on"));
                    return vec![];
                }
                if s.l1 > 0.0 {
                    s.l1 = rate;
                }
                if s.l2 > 0.0 {
                    s.l2 = rate;
                }
                self.penalties()
            }
            Action::CycleActivation => {
                let i = ACTIVATIONS.iter().position(|&a| a == s.activation);
                s.activation = ACTIVATIONS[i.map_or(0, |i| (i + 1) % ACTIVATIONS.len())];
                let message = format!("activation {}: restarting", s.activation.name());
                self.restart(message)
            }
            Action::CycleDataset => {
                let sets = data_sets(if s.is_regression() {
                    Problem::Regression
                } else {
                    Problem::Classification
                });
                let i = sets.iter().position(|&d| d == s.dataset);
                let next = sets[i.map_or(0, |i| (i + 1) % sets.len())];
                self.switch_data(next)
            }
            Action::ToggleProblem => {
                let sets = data_sets(if s.is_regression() {
                    Problem::Classification
                } else {
                    Problem::Regression
                });
                let back = self.other_problem_dataset.take();
                let next = back
                    .as_deref()
                    .and_then(|d| sets.iter().find(|&&set| set == d))
                    .map_or(sets[0], |d| *d);
                let current = &self.settings.dataset;
                if nn_data::PLAYGROUND_GENERATORS
                    .iter()
                    .any(|&(name, _)| name == current)
                {
                    self.other_problem_dataset = Some(current.clone());
                }
                self.switch_data(next)
            }
            Action::ToggleFeature(feature)
            | Action::Click(Target::Node(NodeId::Feature(feature))) => self.toggle_feature(feature),
            Action::NoiseDown | Action::NoiseUp => {
                let Some(percent) = s.noise_percent() else {
                    self.log("noise applies to generated data");
                    return vec![];
                };
                let percent = step_within(percent, 5, &NOISE_PERCENT, action == Action::NoiseUp);
                s.noise = Some(percent as f32 / 100.0);
                self.restart(format!("noise {percent}%: new data, restarting"))
            }
            Action::TrainShareDown | Action::TrainShareUp => {
                if s.own_test_set {
                    let message = format!("{} has its own test set", s.dataset);
                    self.log(message);
                    return vec![];
                }
                let up = action == Action::TrainShareUp;
                let percent = step_within(s.train_percent(), 10, &TRAIN_PERCENT, up);
                // From the whole percentage, so the fraction is the nearest f32 to
                // 0.2 (printed `0.2`), not 1 - 0.8 (`0.19999999`).
                s.test_fraction = (100 - percent) as f32 / 100.0;
                self.restart(format!("training data {percent}%: restarting"))
            }
            Action::Regenerate => {
                if s.noise.is_none() {
                    self.log("new points need generated data");
                    return vec![];
                }
                s.data_seed = s.data_seed.wrapping_add(1);
                let seed = s.data_seed;
                self.log(format!("new points (data seed {seed}), same weights"));
                vec![Effect::Regenerate]
            }
            Action::ToggleTestPoints => {
                s.test_points = !s.test_points;
                vec![]
            }
            Action::ToggleDiscretize => {
                s.discretize = !s.discretize;
                vec![]
            }
            Action::RemoveLayer => {
                if s.hidden.pop().is_none() {
                    self.log("no hidden layer to remove");
                    return vec![];
                }
                let message = format!("network {}: restarting", s.layout());
                self.restart(message)
            }
            Action::AddLayer => {
                if s.hidden.len() >= MAX_HIDDEN_LAYERS {
                    self.log(format!("at most {MAX_HIDDEN_LAYERS} hidden layers"));
                    return vec![];
                }
                let width = s.hidden.last().copied().unwrap_or(4);
                s.hidden.push(width);
                let message = format!("network {}: restarting", s.layout());
                self.restart(message)
            }
            Action::FewerNeurons | Action::MoreNeurons => {
                let planar = s.shape() != Shape::Wide;
                let Some(n) = s.hidden.last_mut() else {
                    self.log("no hidden layer: ] adds one");
                    return vec![];
                };
                let old = *n;
                *n = neurons_step(old, action == Action::MoreNeurons, planar);
                if *n == old {
                    self.log(format!("{old} neurons is the limit"));
                    return vec![];
                }
                let message = format!("network {}: restarting", s.layout());
                self.restart(message)
            }
            Action::SelectNext | Action::SelectPrevious => {
                let nodes = s.selectable();
                let at = self
                    .selected
                    .and_then(|n| nodes.iter().position(|&m| m == n));
                // `None` is a stop in the cycle: the output's decision again.
                let count = nodes.len() + 1;
                let current = at.map_or(nodes.len(), |i| i);
                let next = if action == Action::SelectNext {
                    (current + 1) % count
                } else {
                    (current + count - 1) % count
                };
                self.selected = nodes.get(next).copied();
                self.selected_link = None;
                vec![]
            }
            Action::NextLink | Action::PreviousLink => {
                let Some(NodeId::Neuron { layer, index }) = self.selected else {
                    self.log("Tab selects a neuron first; Up and Down then walk its inputs");
                    return vec![];
                };
                let inputs = s.sizes()[layer - 1];
                let from = match self.selected_link {
                    Some(link) if action == Action::NextLink => (link.from + 1) % inputs,
                    Some(link) => (link.from + inputs - 1) % inputs,
                    None if action == Action::NextLink => 0,
                    None => inputs - 1,
                };
                self.selected_link = Some(Link {
                    layer: layer - 1,
                    from,
                    to: index,
                });
                self.inspector.follow_link = true;
                vec![]
            }
            Action::ToggleInspector => {
                self.inspector.open = !self.inspector.open;
                if self.inspector.open {
                    self.inspect_a_neuron();
                }
                vec![]
            }
            Action::NextNeuron | Action::PreviousNeuron => {
                let neurons: Vec<NodeId> = s
                    .selectable()
                    .into_iter()
                    .filter(|n| matches!(n, NodeId::Neuron { .. }))
                    .collect();
                if neurons.is_empty() {
                    return vec![];
                }
                let at = self
                    .selected
                    .and_then(|n| neurons.iter().position(|&m| m == n));
                let count = neurons.len();
                let next = match at {
                    Some(i) if action == Action::NextNeuron => (i + 1) % count,
                    Some(i) => (i + count - 1) % count,
                    // From nothing or an input: the first hidden neuron, or the last output.
                    None if action == Action::NextNeuron => 0,
                    None => count - 1,
                };
                self.selected = Some(neurons[next]);
                self.selected_link = None;
                self.inspector.scroll = 0;
                vec![]
            }
            Action::NextSample | Action::PreviousSample | Action::Click(Target::Sample(_)) => {
                let n = self.train_samples;
                if n == 0 {
                    self.log("no training samples to inspect");
                    return vec![];
                }
                let i = self.inspector.sample.min(n - 1);
                self.inspector.sample = match action {
                    Action::Click(Target::Sample(j)) => j.min(n - 1),
                    Action::NextSample => (i + 1) % n,
                    _ => (i + n - 1) % n,
                };
                if !self.inspector.open {
                    self.inspector.open = true;
                    self.inspect_a_neuron();
                }
                vec![]
            }
            Action::SampleStep => self.sample_step(),
            Action::ScrollUp | Action::ScrollDown => {
                let i = &mut self.inspector;
                i.follow_link = false;
                i.scroll = if action == Action::ScrollDown {
                    i.scroll + SCROLL_PAGE
                } else {
                    i.scroll.saturating_sub(SCROLL_PAGE)
                };
                vec![]
            }
            Action::Click(Target::Node(node)) => {
                self.selected = (self.selected != Some(node)).then_some(node);
                self.selected_link = None;
                vec![]
            }
            Action::Click(Target::Link(link)) => {
                self.selected_link = (self.selected_link != Some(link)).then_some(link);
                vec![]
            }
            Action::Hover(target) => {
                // Over the plane, the map stays as it is.
                self.hover = target.filter(|t| !matches!(t, Target::Sample(_)));
                vec![]
            }
            Action::ToggleStateLine => {
                self.overlay = toggle(self.overlay, Overlay::StateLine);
                vec![]
            }
            Action::Save => {
                let path = self.model_path.clone();
                self.log(format!("saving the model to {}", path.display()));
                vec![Effect::Send(Command::SaveModel(path))]
            }
            Action::ToggleHelp => {
                self.overlay = toggle(self.overlay, Overlay::Help);
                vec![]
            }
            Action::CloseOverlay => {
                // The innermost first: an overlay is drawn over the inspector.
                if self.overlay.is_some() {
                    self.overlay = None;
                } else if self.inspector.open {
                    self.inspector.open = false;
                } else {
                    self.log("nothing to close: q quits");
                }
                vec![]
            }
            Action::Quit if crate::drawing::hold_quit(self) => vec![],
            Action::Quit => {
                self.quit = true;
                vec![Effect::Quit]
            }
            Action::ToggleDrawing | Action::WriteData | Action::Draw(_) => {
                crate::drawing::update(self, action)
            }
        }
    }

    /// The neuron the inspector shows: the selected one, else the first output.
    fn inspect_a_neuron(&mut self) {
        if !matches!(self.selected, Some(NodeId::Neuron { .. })) {
            self.selected = Some(NodeId::Neuron {
                layer: self.settings.hidden.len() + 1,
                index: 0,
            });
            self.selected_link = None;
        }
        let n = self.train_samples;
        self.inspector.sample = self.inspector.sample.min(n.saturating_sub(1));
    }

    /// `e`: paused, one plain step on the inspected sample alone, exactly the
    /// `Δw` the inspector shows (for plain SGD); running, a pause first, so that
    /// the inspector shows the weights the step will start from.
    fn sample_step(&mut self) -> Vec<Effect> {
        if !self.inspector.open {
            self.inspector.open = true;
            self.inspect_a_neuron();
        }
        let sample = self.inspector.sample;
        match self.status.state {
            RunState::Running => {
                self.status.state = RunState::Paused;
                self.log(format!(
                    "paused: the inspector shows what e applies; e again steps on sample {}",
                    sample + 1
                ));
                vec![Effect::Send(Command::Pause)]
            }
            RunState::Diverged(_) => {
                self.log("training diverged: r resets the weights, - lowers the rate");
                vec![]
            }
            _ if self.train_samples == 0 => {
                self.log("no training samples to step on");
                vec![]
            }
            _ => {
                self.log(format!("sample step on sample {} (batch 1)", sample + 1));
                vec![Effect::Send(Command::StepOn(vec![sample]))]
            }
        }
    }

    fn penalties(&mut self) -> Vec<Effect> {
        let (l1, l2) = (self.settings.l1, self.settings.l2);
        let text = self.settings.regularization();
        self.log(format!("regularisation {text}"));
        vec![Effect::Send(Command::SetPenalties { l1, l2 })]
    }

    /// Another data set: its own kind of problem and columns; features kept
    /// where the new data has the columns they need.
    fn switch_data(&mut self, name: &str) -> Vec<Effect> {
        let s = &mut self.settings;
        let columns = nn_data::generator_columns(name).unwrap_or(2);
        if s.shape() == Shape::Wide {
            // From images or a table to the toy data: the dashboard's 2-D defaults.
            let planar = nn_run::defaults(nn_run::Purpose::Dashboard, columns);
            s.hidden = planar.hidden.to_vec();
            s.activation = planar.activation;
            s.batch_size = planar.batch_size;
            s.pace = planar.pace;
        }
        if columns != s.raw_columns || s.features.is_none() {
            s.features = Some(Features::raw(columns));
        }
        s.dataset = name.to_string();
        s.raw_columns = columns;
        s.own_test_set = false;
        s.noise = Some(
            s.noise
                .unwrap_or_else(|| nn_data::default_noise(name).unwrap_or(0.0)),
        );
        let message = format!("data {name}: restarting");
        self.restart(message)
    }

    fn toggle_feature(&mut self, feature: Feature) -> Vec<Effect> {
        let s = &mut self.settings;
        let Some(features) = &s.features else {
            self.log("features apply to data with the columns x1 and x2");
            return vec![];
        };
        if !s.available_features().contains(&feature) {
            self.log(format!("{} needs the column x2", feature.label()));
            return vec![];
        }
        let Some(toggled) = features.toggled(feature) else {
            self.log("at least one feature stays on");
            return vec![];
        };
        let on = toggled.contains(feature);
        s.inputs = toggled.len();
        s.features = Some(toggled);
        let message = format!(
            "{} {}: network {}, restarting",
            feature.label(),
            if on { "on" } else { "off" },
            s.layout()
        );
        self.restart(message)
    }

    fn restart(&mut self, message: String) -> Vec<Effect> {
        self.clear_run();
        self.log(message);
        vec![Effect::Restart]
    }

    /// Folds a trainer event into the state; returns true if anything visible changed.
    pub fn apply_event(&mut self, event: Event) -> bool {
        match event {
            Event::Progress(p) => {
                self.status.epoch = p.epoch;
                self.status.step_in_epoch = p.step_in_epoch;
                self.status.steps_per_epoch = p.steps_per_epoch;
                self.status.total_steps = p.total_steps;
                if p.samples_per_second > 0.0 {
                    self.status.samples_per_second = p.samples_per_second;
                }
                if p.loss.is_finite() {
                    self.status.loss = Some(p.loss);
                    self.status.batch_loss = p.steps == 1 && p.steps_per_epoch > 1;
                    let x =
                        p.epoch as f64 + p.step_in_epoch as f64 / p.steps_per_epoch.max(1) as f64;
                    self.history.train_loss.push(x, p.loss);
                }
            }
            Event::EpochEnd(report) => {
                let x = report.epoch as f64;
                if let Some(a) = report.train.accuracy() {
                    self.history.train_accuracy.push(x, a);
                }
                if let Some(m) = report.test.as_ref().or(report.validation.as_ref()) {
                    self.history.test_loss.push(x, m.loss);
                    if let Some(a) = m.accuracy() {
                        self.history.test_accuracy.push(x, a);
                    }
                }
                if let Some(stall) = &report.stalled {
                    // Short enough for 80 columns, the advice in keys: `-` lowers the
                    // rate, `a` changes the activation; the panel marks the units.
                    self.log(format!(
                        "stalled at epoch {}: {:.0}% of {} {} ✕ (try - or a)",
                        stall.epoch,
                        stall.share() * 100.0,
                        stall.layer_name(),
                        stall.trouble_word()
                    ));
                    self.stall = Some(stall.clone());
                }
                self.status.epoch = report.epoch;
                self.status.last_epoch = Some(report);
            }
            Event::Snapshot(network) => self.network = Some(network),
            Event::State(state) => {
                if let RunState::Diverged(message) = &state {
                    self.log(message.clone());
                }
                self.status.state = state;
            }
            Event::Log(message) => self.log(message),
            Event::Finished(summary) => {
                if !summary.stopped_by_user {
                    self.log(format!(
                        "run finished: {} epochs in {:.1} s",
                        summary.epochs, summary.seconds
                    ));
                }
            }
        }
        true
    }
}

fn toggle(open: Option<Overlay>, overlay: Overlay) -> Option<Overlay> {
    (open != Some(overlay)).then_some(overlay)
}

fn nearest_index(ladder: &[f32], value: f32) -> usize {
    let distance = |v: f32| (v.max(1e-12).ln() - value.max(1e-12).ln()).abs();
    (0..ladder.len())
        .min_by(|&a, &b| distance(ladder[a]).total_cmp(&distance(ladder[b])))
        .unwrap_or(0)
}

/// One step of `<` or `>` along [`SPEEDS`], then max.
fn step_pace(pace: Pace, faster: bool) -> Pace {
    match (pace, faster) {
        (Pace::Max, true) => Pace::Max,
        (Pace::Max, false) => Pace::EpochsPerSecond(SPEEDS[SPEEDS.len() - 1]),
        (Pace::EpochsPerSecond(rate), _) => {
            let i = nearest_index(&SPEEDS, rate);
            let snapped = SPEEDS[i];
            let next = if snapped != rate {
                // Off the ladder: the neighbour on the asked side.
                SPEEDS
                    .iter()
                    .copied()
                    .filter(|&v| (v > rate) == faster)
                    .min_by(|a, b| (a - rate).abs().total_cmp(&(b - rate).abs()))
            } else if faster {
                SPEEDS.get(i + 1).copied()
            } else {
                Some(SPEEDS[i.saturating_sub(1)])
            };
            next.map_or(
                if faster {
                    Pace::Max
                } else {
                    Pace::EpochsPerSecond(SPEEDS[0])
                },
                Pace::EpochsPerSecond,
            )
        }
    }
}

/// One step of `b` or `B`: by one within the Playground's 1..=30, then doubling
/// (or halving) up to [`MAX_BATCH`] on wider data; 2-D data stays within 1..=30.
fn step_batch(batch: usize, up: bool, planar: bool) -> usize {
    let max = if planar {
        *PLANAR_BATCH.end()
    } else {
        MAX_BATCH
    };
    let next = match (up, batch) {
        (true, b) if b < *PLANAR_BATCH.end() => b + 1,
        (true, b) => b * 2,
        (false, b) if b > *PLANAR_BATCH.end() => (b / 2).max(*PLANAR_BATCH.end()),
        (false, b) => b.saturating_sub(1),
    };
    next.clamp(1, max.max(1))
}

/// One `step` up or down within `range`; a value off the steps snaps to the
/// next step on the asked side.
fn step_within(value: u32, step: u32, range: &std::ops::RangeInclusive<u32>, up: bool) -> u32 {
    let next = if up {
        (value / step + 1) * step
    } else {
        value.div_ceil(step).saturating_sub(1) * step
    };
    next.clamp(*range.start(), *range.end())
}

/// One step up or down in neurons: by one up to 8 (Playground's range for
/// 2-D data), by a quarter beyond; at least 1, at most 8 for 2-D and 1024 otherwise.
fn neurons_step(n: usize, more: bool, planar: bool) -> usize {
    let max = if planar { MAX_PLANAR_NEURONS } else { 1024 };
    let step = if n <= 8 { 1 } else { (n / 4).max(1) };
    let n = if more {
        n + step
    } else {
        n.saturating_sub(step)
    };
    n.clamp(1, max)
}

#[cfg(test)]
pub(crate) mod tests;

//! The dashboard's state and how it changes: keys become [`Action`]s
//! ([`crate::keys`]),
//! [`App::update`] applies an action and returns the [`Effect`]s for the
//! runtime to carry out (commands to the trainer, a restart, quitting), and
//! [`App::apply_event`] folds the trainer's events in. No I/O here.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use nn_core::{Activation, Network};
use nn_data::Task;
use nn_train::{Command, EpochReport, Event, Metrics, RunState};

use crate::PlotMode;
use crate::colors::{ColorDepth, Palette};
use crate::history::History;
use crate::plot::{DigitsView, PlaneView, Point};

/// Playground's learning-rate ladder, stepped by `+` and `-`.
pub const LEARNING_RATES: [f32; 11] = [
    0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0,
];

/// Batch sizes cycled by `b`.
pub const BATCH_SIZES: [usize; 8] = [1, 4, 10, 16, 32, 64, 128, 256];

/// Hidden activations cycled by `a`.
pub const ACTIVATIONS: [Activation; 4] = [
    Activation::Tanh,
    Activation::Relu,
    Activation::Sigmoid,
    Activation::Linear,
];

/// 2-D datasets cycled by `d`.
pub const DATASETS: [&str; 6] = ["circle", "xor", "gauss", "spiral", "moons", "blobs"];

/// Most hidden layers `]` adds (Playground's limit).
pub const MAX_HIDDEN_LAYERS: usize = 6;

/// Log lines kept.
const LOG_LINES: usize = 50;

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Space: pause or resume.
    TogglePause,
    /// `n`: one mini-batch step.
    Step,
    /// `r`: new random weights.
    Reset,
    /// `+`: next rate up the ladder.
    LearningRateUp,
    /// `-`: next rate down the ladder.
    LearningRateDown,
    /// `b`: next batch size.
    CycleBatchSize,
    /// `a`: next hidden activation (restarts).
    CycleActivation,
    /// `d`: next 2-D dataset (restarts).
    CycleDataset,
    /// `[`: one hidden layer fewer (restarts).
    RemoveLayer,
    /// `]`: one hidden layer more (restarts).
    AddLayer,
    /// `,`: fewer neurons in the last hidden layer (restarts).
    FewerNeurons,
    /// `.`: more neurons in the last hidden layer (restarts).
    MoreNeurons,
    /// `s`: save the model.
    Save,
    /// `?`: show or hide the key list.
    ToggleHelp,
    /// `q`, Esc, Ctrl-C: leave.
    Quit,
}

/// What the runtime must do after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send a command to the running trainer.
    Send(Command),
    /// Stop the trainer and start a new run from [`App::settings`].
    Restart,
    /// Leave the dashboard.
    Quit,
}

/// What the user steers.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Dataset name (a generator, `mnist`, a path).
    pub dataset: String,
    /// Inputs per sample.
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
    /// Trainer threads.
    pub threads: usize,
    /// Optimizer name.
    pub optimizer: &'static str,
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

    /// Whether `d` and the neuron heatmaps apply (2-D inputs).
    pub fn is_planar(&self) -> bool {
        self.inputs == 2
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
    /// Training points (2-D data).
    pub train_points: Vec<Point>,
    /// Test points (2-D data).
    pub test_points: Vec<Point>,
    /// Largest |target| (regression colour scale).
    pub target_scale: f32,
    /// The network over the plane (2-D data).
    pub plane: Option<PlaneView>,
    /// Images and predictions (image data).
    pub digits: Option<DigitsView>,
    /// Messages, oldest first.
    pub log: Vec<String>,
    /// The help overlay is open.
    pub help: bool,
    /// How plots are drawn.
    pub plot: PlotMode,
    /// Colours.
    pub palette: Palette,
    /// Where `s` saves.
    pub model_path: PathBuf,
    /// The user asked to leave.
    pub quit: bool,
    /// After a reset: ignore progress until the trainer reports step 0.
    discarding: bool,
}

impl App {
    /// The plane around every training and test point, for `width x height` pixels
    /// (`None` before there are points).
    pub fn points_extent(&self, width: usize, height: usize) -> Option<crate::plot::Extent> {
        let all = self.train_points.iter().chain(&self.test_points);
        (!self.train_points.is_empty() || !self.test_points.is_empty())
            .then(|| crate::plot::Extent::around(all, width, height))
    }

    /// A fresh state for these settings.
    pub fn new(settings: Settings, model_path: PathBuf, plot: PlotMode, depth: ColorDepth) -> Self {
        Self {
            settings,
            status: Status::default(),
            history: History::default(),
            network: None,
            train_points: Vec::new(),
            test_points: Vec::new(),
            target_scale: 1.0,
            plane: None,
            digits: None,
            log: Vec::new(),
            help: false,
            plot,
            palette: Palette::new(depth),
            model_path,
            quit: false,
            discarding: false,
        }
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
        self.digits = None;
        self.discarding = false;
    }

    /// Applies an action; returns what the runtime must do.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
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
                RunState::Finished | RunState::Stopped | RunState::Diverged(_) => {
                    self.log("the run is over: r resets the weights and trains again");
                    vec![]
                }
            },
            Action::Step => {
                if matches!(self.status.state, RunState::Running | RunState::Paused) {
                    self.status.state = RunState::Paused;
                    vec![Effect::Send(Command::Step)]
                } else {
                    self.log("the run is over: r resets the weights");
                    vec![]
                }
            }
            Action::Reset => {
                self.history.clear();
                self.status.epoch = 0;
                self.status.step_in_epoch = 0;
                self.status.total_steps = 0;
                self.status.loss = None;
                self.status.last_epoch = None;
                self.status.elapsed = Duration::ZERO;
                if matches!(
                    self.status.state,
                    RunState::Finished | RunState::Diverged(_)
                ) {
                    self.status.state = RunState::Paused;
                }
                self.discarding = true;
                self.log("weights reset");
                vec![Effect::Send(Command::Reset)]
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
            Action::CycleBatchSize => {
                let i = BATCH_SIZES
                    .iter()
                    .position(|&b| b > s.batch_size)
                    .unwrap_or(0);
                s.batch_size = BATCH_SIZES[i];
                vec![Effect::Send(Command::SetBatchSize(s.batch_size))]
            }
            Action::CycleActivation => {
                let i = ACTIVATIONS.iter().position(|&a| a == s.activation);
                s.activation = ACTIVATIONS[i.map_or(0, |i| (i + 1) % ACTIVATIONS.len())];
                let message = format!("activation {}: restarting", s.activation.name());
                self.restart(message)
            }
            Action::CycleDataset => {
                let i = DATASETS.iter().position(|&d| d == s.dataset);
                s.dataset = DATASETS[i.map_or(0, |i| (i + 1) % DATASETS.len())].to_string();
                if s.inputs != 2 {
                    // From images or a CSV to the toy data: the dashboard's 2-D defaults.
                    let planar = nn_train::defaults(nn_train::Purpose::Dashboard, 2);
                    s.hidden = planar.hidden.to_vec();
                    s.activation = planar.activation;
                }
                s.inputs = 2;
                let message = format!("dataset {}: restarting", s.dataset);
                self.restart(message)
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
                let planar = s.is_planar();
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
            Action::Save => {
                let path = self.model_path.clone();
                self.log(format!("saving the model to {}", path.display()));
                vec![Effect::Send(Command::SaveModel(path))]
            }
            Action::ToggleHelp => {
                self.help = !self.help;
                vec![]
            }
            Action::Quit => {
                self.quit = true;
                vec![Effect::Quit]
            }
        }
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
                if self.discarding {
                    if p.total_steps != 0 {
                        return false;
                    }
                    self.discarding = false;
                }
                self.status.epoch = p.epoch;
                self.status.step_in_epoch = p.step_in_epoch;
                self.status.steps_per_epoch = p.steps_per_epoch;
                self.status.total_steps = p.total_steps;
                if p.samples_per_second > 0.0 {
                    self.status.samples_per_second = p.samples_per_second;
                }
                if p.loss.is_finite() {
                    self.status.loss = Some(p.loss);
                    let x =
                        p.epoch as f64 + p.step_in_epoch as f64 / p.steps_per_epoch.max(1) as f64;
                    self.history.train_loss.push(x, p.loss);
                }
            }
            Event::EpochEnd(report) => {
                if self.discarding {
                    return false;
                }
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
                    // Advice in keys: `-` lowers the rate, `a` changes the activation.
                    self.log(format!(
                        "{stall}: try - (a smaller rate) or a (another activation)"
                    ));
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

fn nearest_index(ladder: &[f32], value: f32) -> usize {
    let distance = |v: f32| (v.ln() - value.max(1e-12).ln()).abs();
    (0..ladder.len())
        .min_by(|&a, &b| distance(ladder[a]).total_cmp(&distance(ladder[b])))
        .unwrap_or(0)
}

/// One step up or down in neurons: by one up to 8 (Playground's range for
/// 2-D data), by a quarter beyond; at least 1, at most 8 for 2-D and 1024 otherwise.
fn neurons_step(n: usize, more: bool, planar: bool) -> usize {
    let max = if planar { 8 } else { 1024 };
    let step = if n <= 8 { 1 } else { (n / 4).max(1) };
    let n = if more {
        n + step
    } else {
        n.saturating_sub(step)
    };
    n.clamp(1, max)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use nn_train::ProgressReport;

    pub(crate) fn settings() -> Settings {
        Settings {
            dataset: "spiral".into(),
            inputs: 2,
            task: Task::Classification { classes: 2 },
            hidden: vec![8, 8],
            activation: Activation::Tanh,
            learning_rate: 0.03,
            batch_size: 10,
            threads: 2,
            optimizer: "sgd",
        }
    }

    fn app() -> App {
        let mut app = App::new(
            settings(),
            "model.safetensors".into(),
            PlotMode::Braille,
            ColorDepth::TrueColor,
        );
        app.status.state = RunState::Running;
        app
    }

    #[test]
    fn space_pauses_and_resumes() {
        let mut app = app();
        assert_eq!(
            app.update(Action::TogglePause),
            vec![Effect::Send(Command::Pause)]
        );
        assert_eq!(app.status.state, RunState::Paused);
        assert_eq!(
            app.update(Action::TogglePause),
            vec![Effect::Send(Command::Resume)]
        );
        assert_eq!(app.status.state, RunState::Running);
        app.status.state = RunState::Diverged("boom".into());
        assert!(app.update(Action::TogglePause).is_empty());
        assert!(app.log.last().unwrap().contains("r resets"));
    }

    #[test]
    fn n_steps_once_and_pauses() {
        let mut app = app();
        assert_eq!(app.update(Action::Step), vec![Effect::Send(Command::Step)]);
        assert_eq!(app.status.state, RunState::Paused);
    }

    #[test]
    fn r_resets_and_ignores_stale_progress() {
        let mut app = app();
        app.history.train_loss.push(1.0, 0.5);
        app.status.total_steps = 99;
        assert_eq!(
            app.update(Action::Reset),
            vec![Effect::Send(Command::Reset)]
        );
        assert!(app.history.train_loss.last().is_none());
        assert_eq!(app.status.total_steps, 0);
        let progress = |total_steps| {
            Event::Progress(ProgressReport {
                epoch: 0,
                step_in_epoch: 0,
                steps_per_epoch: 40,
                total_steps,
                loss: 0.7,
                samples_per_second: 1000.0,
                learning_rate: 0.03,
                batch_size: 10,
            })
        };
        assert!(!app.apply_event(progress(120)));
        assert_eq!(app.status.total_steps, 0);
        assert!(app.apply_event(progress(0)));
        assert!(app.apply_event(progress(3)));
        assert_eq!(app.status.total_steps, 3);
    }

    #[test]
    fn learning_rate_walks_the_ladder() {
        let mut app = app();
        assert_eq!(
            app.update(Action::LearningRateUp),
            vec![Effect::Send(Command::SetLearningRate(0.1))]
        );
        assert_eq!(app.settings.learning_rate, 0.1);
        app.update(Action::LearningRateDown);
        app.update(Action::LearningRateDown);
        assert_eq!(app.settings.learning_rate, 0.01);
        app.settings.learning_rate = 10.0;
        app.update(Action::LearningRateUp);
        assert_eq!(app.settings.learning_rate, 10.0);
        app.settings.learning_rate = 0.00001;
        app.update(Action::LearningRateDown);
        assert_eq!(app.settings.learning_rate, 0.00001);
        // An off-ladder rate snaps to its neighbour.
        app.settings.learning_rate = 0.05;
        app.update(Action::LearningRateUp);
        assert_eq!(app.settings.learning_rate, 0.1);
    }

    #[test]
    fn b_cycles_the_batch_size() {
        let mut app = app();
        assert_eq!(
            app.update(Action::CycleBatchSize),
            vec![Effect::Send(Command::SetBatchSize(16))]
        );
        app.settings.batch_size = 256;
        app.update(Action::CycleBatchSize);
        assert_eq!(app.settings.batch_size, 1);
        app.settings.batch_size = 100;
        app.update(Action::CycleBatchSize);
        assert_eq!(app.settings.batch_size, 128);
    }

    #[test]
    fn a_and_d_restart_with_new_settings() {
        let mut app = app();
        app.history.test_loss.push(1.0, 0.3);
        assert_eq!(app.update(Action::CycleActivation), vec![Effect::Restart]);
        assert_eq!(app.settings.activation, Activation::Relu);
        assert!(app.history.test_loss.last().is_none());
        assert_eq!(app.update(Action::CycleDataset), vec![Effect::Restart]);
        assert_eq!(app.settings.dataset, "moons");
        app.settings.dataset = "blobs".into();
        app.update(Action::CycleDataset);
        assert_eq!(app.settings.dataset, "circle");
        assert!(app.log.last().unwrap().contains("circle"));
    }

    #[test]
    fn d_from_images_goes_to_toy_data() {
        let mut app = app();
        app.settings.dataset = "mnist".into();
        app.settings.inputs = 784;
        app.settings.hidden = vec![100];
        app.settings.activation = Activation::Relu;
        app.update(Action::CycleDataset);
        assert_eq!(app.settings.dataset, "circle");
        assert_eq!(
            (app.settings.inputs, app.settings.hidden.clone()),
            (2, vec![8, 8])
        );
    }

    #[test]
    fn brackets_change_layers() {
        let mut app = app();
        assert_eq!(app.update(Action::AddLayer), vec![Effect::Restart]);
        assert_eq!(app.settings.hidden, vec![8, 8, 8]);
        app.update(Action::RemoveLayer);
        app.update(Action::RemoveLayer);
        app.update(Action::RemoveLayer);
        assert!(app.settings.hidden.is_empty());
        assert!(app.update(Action::RemoveLayer).is_empty());
        assert!(app.update(Action::MoreNeurons).is_empty());
        app.update(Action::AddLayer);
        assert_eq!(app.settings.hidden, vec![4]);
        for _ in 0..MAX_HIDDEN_LAYERS {
            app.update(Action::AddLayer);
        }
        assert_eq!(app.settings.hidden.len(), MAX_HIDDEN_LAYERS);
    }

    #[test]
    fn comma_and_period_change_the_last_layer() {
        let mut app = app();
        assert_eq!(app.update(Action::FewerNeurons), vec![Effect::Restart]);
        assert_eq!(app.settings.hidden, vec![8, 7]);
        app.update(Action::MoreNeurons);
        assert!(
            app.update(Action::MoreNeurons).is_empty(),
            "8 is the 2-D limit"
        );
        assert_eq!(app.settings.layout(), "2-8-8-2");
        app.settings.inputs = 784;
        app.settings.hidden = vec![100];
        app.update(Action::MoreNeurons);
        assert_eq!(app.settings.hidden, vec![125]);
        app.settings.hidden = vec![1];
        assert!(app.update(Action::FewerNeurons).is_empty());
    }

    #[test]
    fn s_saves_help_toggles_q_quits() {
        let mut app = app();
        assert_eq!(
            app.update(Action::Save),
            vec![Effect::Send(Command::SaveModel("model.safetensors".into()))]
        );
        assert!(app.log.last().unwrap().contains("model.safetensors"));
        app.update(Action::ToggleHelp);
        assert!(app.help);
        app.update(Action::ToggleHelp);
        assert!(!app.help);
        assert_eq!(app.update(Action::Quit), vec![Effect::Quit]);
        assert!(app.quit);
    }

    #[test]
    fn events_update_the_status() {
        let mut app = app();
        app.apply_event(Event::Log("model saved to m.safetensors".into()));
        assert_eq!(app.log.last().unwrap(), "model saved to m.safetensors");
        app.apply_event(Event::State(RunState::Diverged("loss is NaN".into())));
        assert_eq!(app.status.state, RunState::Diverged("loss is NaN".into()));
        assert_eq!(app.log.last().unwrap(), "loss is NaN");
    }

    #[test]
    fn a_stall_goes_to_the_log_with_advice_in_keys() {
        let mut app = app();
        let mut report = crate::ui::tests::report(3, 2, 0.5);
        report.stalled = Some(nn_train::Stall {
            epoch: 3,
            loss: 0.69,
            accuracy: Some(0.5),
            layer: 0,
            output_layer: false,
            activation: Activation::Tanh,
            trouble: nn_train::UnitTrouble::Saturated,
            units: vec![0, 1, 2, 3, 4, 5],
            width: 8,
        });
        app.apply_event(Event::EpochEnd(report));
        let line = app.log.last().unwrap();
        assert!(
            line.starts_with("training has stalled at epoch 3"),
            "{line}"
        );
        assert!(
            line.contains("75% of hidden layer 1's 8 tanh units are saturated"),
            "{line}"
        );
        assert!(
            line.ends_with("try - (a smaller rate) or a (another activation)"),
            "{line}"
        );
    }
}

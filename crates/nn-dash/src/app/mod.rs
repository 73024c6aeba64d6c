//! The dashboard's state and how it changes: keys and clicks become
//! [`Action`]s ([`crate::keys`], [`crate::ui::hit`]), [`App::update`] applies an
//! action and returns the [`Effect`]s for the runtime to carry out (commands to
//! the trainer, a restart, new data, quitting), and [`App::apply_event`] folds
//! the trainer's events in. No I/O here.
//!
//! The state is grouped by concern: what the user steers ([`Settings`]), what
//! the trainer reports ([`Status`], the curves, the weights), what is drawn
//! ([`View`]) and what is picked out ([`Selection`]). `update` hands each action
//! to the small function of its area, one file each under `app/`.

mod data;
mod network;
mod run;
mod selection;

use std::path::PathBuf;
use std::sync::Arc;

use nn_core::Network;
use nn_run::{Command, Event, RunState};
use nn_train::{Setting, Stall};

use crate::PlotMode;
use crate::action::{Action, Effect};
use crate::colors::ColorDepth;
use crate::history::History;
use crate::selection::{Link, NodeId, Selection, Target};
use crate::settings::Settings;
use crate::status::{Status, Watch};
use crate::view::{Overlay, View};

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
    /// The run's stall, if one was reported: its stuck units are marked in the network panel.
    pub stall: Option<Stall>,
    /// What is drawn: points, pictures, overlays, the log line.
    pub view: View,
    /// The selected node and connection, the mouse, the inspector.
    pub selection: Selection,
    /// Samples in the training set (the inspector's sample is one of them).
    pub train_samples: usize,
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
    /// The lesson, in `nn-tui learn` (its panel and its goal).
    pub lesson: Option<crate::lesson::LessonPanel>,
    /// Which keys are shown, and which a Playground link hid.
    pub keys: crate::controls::KeyFocus,
}

impl App {
    /// A fresh state for these settings.
    pub fn new(settings: Settings, model_path: PathBuf, plot: PlotMode, depth: ColorDepth) -> Self {
        Self {
            settings,
            status: Status::default(),
            history: History::default(),
            network: None,
            stall: None,
            view: View::new(plot, depth),
            selection: Selection::default(),
            train_samples: 0,
            model_path,
            quit: false,
            other_problem_dataset: None,
            watch: None,
            lesson: None,
            keys: crate::controls::KeyFocus::default(),
        }
    }

    /// Adds a message to the log line.
    pub fn log(&mut self, message: impl Into<String>) {
        self.view.log(message);
    }

    /// Forgets everything learned (a new run starts).
    pub fn clear_run(&mut self) {
        self.status = Status {
            state: self.status.state.clone(),
            ..Status::default()
        };
        self.history.clear();
        self.network = None;
        self.view.plane = None;
        self.view.curve = None;
        self.view.digits = None;
        self.stall = None;
        self.selection.selected_link = None;
        self.selection.hover = None;
        self.view.inspection = None;
        // A selected node that the new network still has stays selected.
        if let Some(node) = self.selection.selected
            && !self.settings.selectable().contains(&node)
        {
            self.selection.selected = None;
        }
    }

    /// The node whose map the boundary panel shows: hovered, else selected; `None`: the output.
    pub fn shown_node(&self) -> Option<NodeId> {
        self.selection.shown_node(&self.settings.selectable())
    }

    /// The connection whose weight the network panel names: hovered, else selected.
    pub fn shown_link(&self) -> Option<Link> {
        self.selection.shown_link()
    }

    /// Applies an action; returns what the runtime must do.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        if self.watch.is_some() && !action.only_shows() {
            self.log("read-only: another process trains this run (q leaves)");
            return Vec::new();
        }
        match action {
            Action::TogglePause => self.toggle_pause(),
            Action::Step => self.step(),
            Action::Reset => self.reset(),
            Action::SpeedDown | Action::SpeedUp => self.step_pace(action == Action::SpeedUp),
            Action::LearningRateUp | Action::LearningRateDown => {
                self.step_learning_rate(action == Action::LearningRateUp)
            }
            Action::BatchDown | Action::BatchUp => self.step_batch(action == Action::BatchUp),
            Action::CycleRegularization => self.cycle_regularization(),
            Action::RegularizationRateDown | Action::RegularizationRateUp => {
                self.step_regularization_rate(action == Action::RegularizationRateUp)
            }
            Action::CycleActivation => self.cycle_activation(),
            Action::CycleDataset => self.cycle_dataset(),
            Action::ToggleProblem => self.toggle_problem(),
            Action::ToggleFeature(feature)
            | Action::Click(Target::Node(NodeId::Feature(feature))) => self.toggle_feature(feature),
            Action::NoiseDown | Action::NoiseUp => self.step_noise(action == Action::NoiseUp),
            Action::TrainShareDown | Action::TrainShareUp => {
                self.step_train_share(action == Action::TrainShareUp)
            }
            Action::Regenerate => self.regenerate(),
            Action::ToggleTestPoints => {
                self.settings.test_points = !self.settings.test_points;
                self.changed(Setting::TestPoints, None)
            }
            Action::ToggleDiscretize => {
                self.settings.discretize = !self.settings.discretize;
                self.changed(Setting::Discretize, None)
            }
            Action::RemoveLayer => self.remove_layer(),
            Action::AddLayer => self.add_layer(),
            Action::FewerNeurons | Action::MoreNeurons => {
                self.step_neurons(action == Action::MoreNeurons)
            }
            Action::SelectNext | Action::SelectPrevious => {
                self.select_node(action == Action::SelectNext)
            }
            Action::NextLink | Action::PreviousLink => self.select_link(action == Action::NextLink),
            Action::ToggleInspector => self.toggle_inspector(),
            Action::NextNeuron | Action::PreviousNeuron => {
                self.select_neuron(action == Action::NextNeuron)
            }
            Action::NextSample => self.select_sample(None, true),
            Action::PreviousSample => self.select_sample(None, false),
            Action::Click(Target::Sample(j)) => self.select_sample(Some(j), false),
            Action::SampleStep => self.sample_step(),
            Action::ScrollUp | Action::ScrollDown => self.scroll(action == Action::ScrollDown),
            Action::Click(Target::Node(node)) => self.click_node(node),
            Action::Click(Target::Link(link)) => self.click_link(link),
            Action::Hover(target) => self.hover(target),
            Action::ToggleStateLine => {
                self.view.toggle(Overlay::StateLine);
                vec![]
            }
            Action::Save => {
                let path = self.model_path.clone();
                self.log(format!("saving the model to {}", path.display()));
                vec![Effect::Send(Command::SaveModel(path))]
            }
            Action::SavePictures => vec![Effect::SavePictures],
            Action::ToggleHelp => {
                self.view.toggle(Overlay::Help);
                vec![]
            }
            Action::CloseOverlay => self.close_overlay(),
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

    /// A key changed `setting`: when the run settings table says a change
    /// needs a restart (its `restart` column), a new run, saying `message`;
    /// otherwise `message` (if any) and the command that applies it live, if
    /// the trainer has one (the ways of showing the run have none).
    fn changed(&mut self, setting: Setting, message: Option<String>) -> Vec<Effect> {
        if nn_run::row(setting).restart {
            let message = message.unwrap_or_else(|| format!("{}: restarting", setting.name()));
            return self.restart(message);
        }
        if let Some(message) = message {
            self.log(message);
        }
        self.live_command(setting)
            .map(Effect::Send)
            .into_iter()
            .collect()
    }

    /// The command that applies `setting`'s new value to the running trainer.
    fn live_command(&self, setting: Setting) -> Option<Command> {
        let s = &self.settings;
        match setting {
            Setting::LearningRate => Some(Command::SetLearningRate(s.learning_rate())),
            Setting::BatchSize => Some(Command::SetBatchSize(s.batch_size())),
            Setting::L1 | Setting::L2 => Some(Command::SetPenalties {
                l1: s.l1(),
                l2: s.l2(),
            }),
            Setting::Speed => Some(Command::SetPace(s.pace())),
            _ => None,
        }
    }

    /// A new run on the settings as they now are, saying `message`.
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

#[cfg(test)]
pub(crate) mod tests;

//! Running a trainer: events out, commands in.
//!
//! [`spawn`] moves a [`Trainer`] to its own thread and returns a
//! [`TrainerHandle`]: send [`Command`]s (pause, step, change the rate, ...) and
//! drain [`Event`]s (progress, epoch reports, weight snapshots, state changes).
//! Commands are obeyed between mini-batches. Progress and snapshots are
//! published at a bounded rate, so a fast run cannot flood its observer.
//! [`RunHeadless::run`] is the same loop on the caller's thread, for headless use.
//!
//! ```no_run
//! # fn demo(trainer: nn_train::Trainer) {
//! use nn_run::{Command, Event, SessionOptions, spawn};
//! let handle = spawn(trainer, SessionOptions::default());
//! handle.send(Command::SetLearningRate(0.03));
//! for event in handle.events().try_iter() {
//!     if let Event::EpochEnd(report) = event {
//!         println!("epoch {}: loss {:.4}", report.epoch, report.train.loss);
//!     }
//! }
//! handle.send(Command::Stop);
//! let trainer = handle.join();
//! # }
//! ```

mod drive;
mod thread;

pub use thread::{TrainerHandle, spawn};

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nn_core::Network;
use serde::{Deserialize, Serialize};

use crate::pace::Pace;
use nn_train::TrainError;
use nn_train::{EpochReport, TrainData, Trainer};

use drive::drive;

/// What an observer can ask of a running trainer.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Stop taking steps until resumed.
    Pause,
    /// Continue taking steps.
    Resume,
    /// Pause if running, resume if paused.
    TogglePause,
    /// Take exactly one mini-batch step (then stay paused).
    Step,
    /// Take one step on these training samples, outside the epoch's order, then
    /// stay paused: the seed's sample step with one index, a chosen mini-batch
    /// with several ([`Trainer::step_on`]).
    StepOn(Vec<usize>),
    /// End the run (a checkpoint is written if a checkpoint folder is set).
    Stop,
    /// New base learning rate.
    SetLearningRate(f32),
    /// New mini-batch size.
    SetBatchSize(usize),
    /// New random weights, fresh optimizer, epoch 0.
    Reset,
    /// Save the model (weights and metadata) atomically to this path.
    SaveModel(PathBuf),
    /// Write a checkpoint now (to the checkpoint folder).
    Checkpoint,
    /// Train at this pace from now on.
    SetPace(Pace),
    /// New L1 and L2 penalties, from the next step on.
    SetPenalties {
        /// The L1 penalty.
        l1: f32,
        /// The L2 penalty.
        l2: f32,
    },
    /// Train on other data of the same shape from now on (the weights are kept,
    /// the current epoch starts again), e.g. freshly generated points.
    SetData(Arc<TrainData>),
}

/// Whether the trainer is taking steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RunState {
    /// Taking steps.
    Running,
    /// Waiting for a command.
    Paused,
    /// All epochs done, or early stopping ended the run.
    Finished,
    /// Stopped on request.
    Stopped,
    /// The loss became non-finite; the message says where and what to do.
    Diverged(String),
}

/// A throttled view of training progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressReport {
    /// Epochs completed.
    pub epoch: usize,
    /// Steps taken in the current epoch.
    pub step_in_epoch: usize,
    /// Steps in an epoch at the current batch size.
    pub steps_per_epoch: usize,
    /// Steps since the start or last reset.
    pub total_steps: u64,
    /// Steps since the previous progress event: what [`ProgressReport::loss`] is the
    /// mean of (1 after a single step: that one mini-batch's loss; 0: no step, loss NaN).
    #[serde(default)]
    pub steps: usize,
    /// Mean loss of the steps since the previous progress event.
    #[serde(with = "nn_train::json_float")]
    pub loss: f64,
    /// Training samples per second since the previous progress event.
    #[serde(with = "nn_train::json_float")]
    pub samples_per_second: f64,
    /// Learning rate in force.
    #[serde(with = "nn_train::json_float")]
    pub learning_rate: f32,
    /// Mini-batch size in force.
    pub batch_size: usize,
}

/// The end of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Epochs completed.
    pub epochs: usize,
    /// Steps taken.
    pub total_steps: u64,
    /// Wall time of the run, in seconds.
    #[serde(with = "nn_train::json_float")]
    pub seconds: f64,
    /// Training samples per second over the run's steps.
    #[serde(with = "nn_train::json_float")]
    pub samples_per_second: f64,
    /// The last epoch's report.
    pub last_epoch: Option<EpochReport>,
    /// Early stopping ended the run (best weights restored).
    pub stopped_early: bool,
    /// A [`Command::Stop`] (or Ctrl-C) ended the run.
    pub stopped_by_user: bool,
    /// Path of the last checkpoint written, if any.
    pub checkpoint: Option<PathBuf>,
}

/// What a running trainer tells its observer.
#[derive(Debug, Clone)]
pub enum Event {
    /// Throttled progress (at most one per [`SessionOptions::progress_interval`]).
    Progress(ProgressReport),
    /// An epoch ended.
    EpochEnd(EpochReport),
    /// A copy of the weights (at most one per [`SessionOptions::snapshot_interval`], and after every change).
    Snapshot(Arc<Network>),
    /// The run state changed.
    State(RunState),
    /// A message for the user (saved files, checkpoints, rejected commands); never printed by the library.
    Log(String),
    /// The run is over.
    Finished(Summary),
}

/// How a run publishes.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Start paused (waiting for [`Command::Resume`] or [`Command::Step`]).
    pub start_paused: bool,
    /// Minimum time between progress events.
    pub progress_interval: Duration,
    /// Minimum time between weight snapshots while running.
    pub snapshot_interval: Duration,
    /// Return when the run finishes (headless) instead of waiting for commands (dashboard).
    pub exit_when_finished: bool,
    /// How fast to train.
    pub pace: Pace,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            start_paused: false,
            progress_interval: Duration::from_millis(50),
            snapshot_interval: Duration::from_millis(100),
            exit_when_finished: false,
            pace: Pace::Max,
        }
    }
}

/// How long [`Control::next`] may wait for a command.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Wait {
    /// Not at all.
    No,
    /// Until a command arrives (nothing to do meanwhile).
    Forever,
    /// Until then (the next paced step is due).
    Until(Instant),
}

/// Where commands come from and events go.
trait Control {
    /// The next command, waiting for one as `wait` allows (`None`: none came).
    fn next(&mut self, wait: Wait) -> Option<Command>;
    /// Publishes an event. `droppable` events may be dropped when the observer lags.
    fn emit(&mut self, event: Event, droppable: bool);
}

/// A [`Trainer`] run to the end on the caller's thread: the headless session.
pub trait RunHeadless {
    /// Runs to the end on this thread, calling `on_event` for each event; `stop`
    /// (set from a Ctrl-C handler, say) ends the run cleanly between steps.
    fn run(
        &mut self,
        stop: &AtomicBool,
        options: &SessionOptions,
        on_event: &mut (dyn FnMut(Event) + Send),
    ) -> Result<Summary, TrainError>;
}

impl RunHeadless for Trainer {
    fn run(
        &mut self,
        stop: &AtomicBool,
        options: &SessionOptions,
        on_event: &mut (dyn FnMut(Event) + Send),
    ) -> Result<Summary, TrainError> {
        struct Headless<'a> {
            stop: &'a AtomicBool,
            on_event: &'a mut (dyn FnMut(Event) + Send),
        }
        impl Control for Headless<'_> {
            fn next(&mut self, wait: Wait) -> Option<Command> {
                loop {
                    if self.stop.load(Ordering::Relaxed) {
                        return Some(Command::Stop);
                    }
                    match wait {
                        Wait::No => return None,
                        // Nothing else can arrive headless: a paused or finished run just stops.
                        Wait::Forever => return Some(Command::Stop),
                        Wait::Until(t) => {
                            let now = Instant::now();
                            if now >= t {
                                return None;
                            }
                            // In short naps, so a Ctrl-C is noticed.
                            std::thread::sleep((t - now).min(Duration::from_millis(50)));
                        }
                    }
                }
            }
            fn emit(&mut self, event: Event, _droppable: bool) {
                (self.on_event)(event);
            }
        }
        let options = SessionOptions {
            exit_when_finished: true,
            ..options.clone()
        };
        // The whole run on a worker thread: no hand-off per step.
        self.in_pool(|t| drive(t, &options, &mut Headless { stop, on_event }))
    }
}

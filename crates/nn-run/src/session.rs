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

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nn_core::Network;
use serde::{Deserialize, Serialize};

use crate::pace::{Pace, Pacer};
use nn_train::TrainError;
use nn_train::{EpochReport, TrainData, Trainer};

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

/// The training loop shared by [`RunHeadless::run`] and [`spawn`].
fn drive(
    trainer: &mut Trainer,
    options: &SessionOptions,
    control: &mut dyn Control,
) -> Result<Summary, TrainError> {
    let started = Instant::now();
    let mut busy = 0.0f64;
    let mut samples_total = 0usize;
    let mut state = if options.start_paused {
        RunState::Paused
    } else {
        RunState::Running
    };
    let mut checkpoint = None;
    let mut stopped;
    let mut last_progress = Instant::now();
    let mut last_snapshot: Option<Instant> = None;
    let mut window = Window::default();
    let mut pacer = Pacer::new(options.pace);
    control.emit(Event::State(state.clone()), false);
    control.emit(Event::Snapshot(Arc::new(trainer.network().clone())), true);

    let result = loop {
        let mut turn = Turn::default();
        let mut state_before = state.clone();
        // Obey every pending command; wait only when there is nothing to do yet.
        while !turn.stop {
            let idle = state != RunState::Running && !turn.step_once;
            if idle && (turn.changed || state != state_before) {
                // Say where training stands before waiting, not after the next
                // command: a pause shows its exact step count at once.
                control.emit(Event::Progress(window.progress(trainer)), false);
                window = Window::default();
                turn.changed = false;
                state_before = state.clone();
            }
            let wait = if idle {
                Wait::Forever
            } else if turn.step_once || trainer.is_finished() {
                Wait::No
            } else {
                pacer
                    .wait_until(Instant::now())
                    .map_or(Wait::No, Wait::Until)
            };
            let Some(command) = control.next(wait) else {
                // Idle with no command: the observer is gone and nothing can wake us.
                turn.stop = idle;
                break;
            };
            obey(
                command,
                trainer,
                &mut state,
                &mut checkpoint,
                &mut turn,
                &mut pacer,
                control,
            )?;
        }
        if state == RunState::Running && state_before != RunState::Running {
            pacer.restart();
        }
        let (step_once, mut changed, stopped_by_user) = (turn.step_once, turn.changed, turn.stop);
        stopped = stopped_by_user;
        // A pause (or any state change) reports exactly where training stands.
        changed |= state != state_before;
        if changed {
            control.emit(Event::Progress(window.progress(trainer)), false);
            // The next report's loss and throughput are of the steps after this one.
            window = Window::default();
        }
        if stopped_by_user {
            match trainer.write_checkpoint() {
                Ok(Some(path)) => {
                    control.emit(
                        Event::Log(format!("checkpoint written to {}", path.display())),
                        false,
                    );
                    checkpoint = Some(path);
                }
                Ok(None) => {}
                // Not fatal: the caller can still save the model.
                Err(e) => control.emit(
                    Event::Log(format!("warning: could not write the checkpoint: {e}")),
                    false,
                ),
            }
            set_state(&mut state, RunState::Stopped, control);
            break Ok(());
        }
        if trainer.is_finished() {
            if state != RunState::Finished {
                set_state(&mut state, RunState::Finished, control);
                control.emit(Event::Snapshot(Arc::new(trainer.network().clone())), false);
            }
            if options.exit_when_finished {
                break Ok(());
            }
            continue;
        }
        if state != RunState::Running && !step_once {
            continue;
        }
        if !step_once && pacer.wait_until(Instant::now()).is_some() {
            // Woken by a command before the next step is due.
            continue;
        }

        let step_started = Instant::now();
        let outcome = match trainer.step() {
            Ok(outcome) => outcome,
            Err(e @ TrainError::Diverged { .. }) => {
                set_state(&mut state, RunState::Diverged(e.to_string()), control);
                if options.exit_when_finished {
                    break Err(e);
                }
                continue;
            }
            Err(e) => break Err(e),
        };
        let took = step_started.elapsed().as_secs_f64();
        pacer.stepped(
            outcome.samples as f64 / trainer.data().train.len().max(1) as f64,
            Instant::now(),
        );
        busy += took;
        samples_total += outcome.samples;
        window.add(outcome.loss, outcome.samples, took);

        let now = Instant::now();
        if step_once
            || now.duration_since(last_progress) >= options.progress_interval
            || outcome.epoch_end.is_some()
        {
            control.emit(Event::Progress(window.progress(trainer)), !step_once);
            window = Window::default();
            last_progress = now;
        }
        // Also at the epochs a run directory's history keeps, however fast the run goes.
        let history = outcome
            .epoch_end
            .as_ref()
            .is_some_and(|r| crate::run_dir::is_history_epoch(r.epoch));
        if step_once
            || history
            || last_snapshot.is_none_or(|t| now.duration_since(t) >= options.snapshot_interval)
        {
            control.emit(
                Event::Snapshot(Arc::new(trainer.network().clone())),
                !step_once,
            );
            last_snapshot = Some(now);
        }
        if let Some(report) = outcome.epoch_end {
            let every = trainer.config().checkpoint_every.max(1);
            control.emit(Event::EpochEnd(report.clone()), false);
            if report.epoch % every == 0 {
                match trainer.write_checkpoint() {
                    Ok(written) => checkpoint = written.or(checkpoint),
                    // A full disk or a lost folder must not end hours of training:
                    // warn, train on, try again at the next interval.
                    Err(e) => control.emit(
                        Event::Log(format!(
                            "warning: could not write the checkpoint after epoch {}: {e}; \
                             training goes on, next try after epoch {}",
                            report.epoch,
                            report.epoch + every
                        )),
                        false,
                    ),
                }
            }
        }
    };

    let summary = Summary {
        epochs: trainer.epoch(),
        total_steps: trainer.total_steps(),
        seconds: started.elapsed().as_secs_f64(),
        samples_per_second: samples_total as f64 / busy.max(1e-9),
        last_epoch: trainer.last_epoch().cloned(),
        stopped_early: trainer.stopped_early(),
        stopped_by_user: stopped,
        checkpoint,
    };
    control.emit(Event::Finished(summary.clone()), false);
    result.map(|()| summary)
}

/// What the commands of one turn of the loop asked for.
#[derive(Debug, Default)]
struct Turn {
    /// Take one step although paused.
    step_once: bool,
    /// The rate, batch size or weights changed: report where training stands.
    changed: bool,
    /// End the run.
    stop: bool,
}

/// Carries out one command between two steps.
fn obey(
    command: Command,
    trainer: &mut Trainer,
    state: &mut RunState,
    checkpoint: &mut Option<PathBuf>,
    turn: &mut Turn,
    pacer: &mut Pacer,
    control: &mut dyn Control,
) -> Result<(), TrainError> {
    match command {
        Command::Pause if *state == RunState::Running => pause(state, trainer, control),
        Command::Resume if *state == RunState::Paused => {
            set_state(state, RunState::Running, control);
        }
        Command::TogglePause => match state {
            RunState::Running => pause(state, trainer, control),
            RunState::Paused => set_state(state, RunState::Running, control),
            _ => {}
        },
        Command::Pause | Command::Resume => {}
        Command::Step => {
            if *state == RunState::Running {
                set_state(state, RunState::Paused, control);
            }
            turn.step_once = *state == RunState::Paused;
        }
        Command::StepOn(indices) => {
            if *state == RunState::Running {
                set_state(state, RunState::Paused, control);
            }
            match trainer.step_on(&indices) {
                Ok(_) => {
                    turn.changed = true;
                    control.emit(Event::Snapshot(Arc::new(trainer.network().clone())), false);
                }
                Err(e @ TrainError::Diverged { .. }) => {
                    set_state(state, RunState::Diverged(e.to_string()), control);
                }
                Err(e) => control.emit(Event::Log(e.to_string()), false),
            }
        }
        Command::Stop => turn.stop = true,
        Command::SetLearningRate(rate) => match trainer.set_learning_rate(rate) {
            Ok(()) => turn.changed = true,
            Err(e) => control.emit(Event::Log(e.to_string()), false),
        },
        Command::SetBatchSize(batch) => match trainer.set_batch_size(batch) {
            Ok(()) => turn.changed = true,
            Err(e) => control.emit(Event::Log(e.to_string()), false),
        },
        Command::SetPace(pace) => match pace.validate() {
            Ok(()) => pacer.set(pace),
            Err(e) => control.emit(Event::Log(e.to_string()), false),
        },
        Command::SetPenalties { l1, l2 } => match trainer.set_penalties(l1, l2) {
            Ok(()) => turn.changed = true,
            Err(e) => control.emit(Event::Log(e.to_string()), false),
        },
        Command::SetData(data) => match trainer.set_data(data) {
            Ok(()) => turn.changed = true,
            Err(e) => control.emit(Event::Log(e.to_string()), false),
        },
        Command::Reset => {
            trainer.reset()?;
            pacer.restart();
            turn.changed = true;
            if matches!(state, RunState::Finished | RunState::Diverged(_)) {
                set_state(state, RunState::Paused, control);
            }
            control.emit(Event::Snapshot(Arc::new(trainer.network().clone())), false);
        }
        Command::SaveModel(path) => {
            let message = match trainer.save_model(&path) {
                Ok(()) => format!("model saved to {}", path.display()),
                Err(e) => format!("could not save the model: {e}"),
            };
            control.emit(Event::Log(message), false);
        }
        Command::Checkpoint => match trainer.write_checkpoint() {
            Ok(Some(path)) => {
                control.emit(
                    Event::Log(format!("checkpoint written to {}", path.display())),
                    false,
                );
                *checkpoint = Some(path);
            }
            Ok(None) => control.emit(Event::Log("no checkpoint folder set".into()), false),
            Err(e) => control.emit(
                Event::Log(format!("could not write a checkpoint: {e}")),
                false,
            ),
        },
    }
    Ok(())
}

/// Pauses a running trainer and publishes its weights: paused, the observer holds
/// exactly the weights the next step starts from (what the inspector explains).
fn pause(state: &mut RunState, trainer: &Trainer, control: &mut dyn Control) {
    set_state(state, RunState::Paused, control);
    control.emit(Event::Snapshot(Arc::new(trainer.network().clone())), false);
}

fn set_state(state: &mut RunState, new: RunState, control: &mut dyn Control) {
    if *state != new {
        *state = new.clone();
        control.emit(Event::State(new), false);
    }
}

/// Steps since the last progress event: their mean loss and throughput.
#[derive(Debug, Default)]
struct Window {
    loss: f64,
    steps: usize,
    samples: usize,
    busy: f64,
}

impl Window {
    fn add(&mut self, loss: f64, samples: usize, seconds: f64) {
        self.loss += loss;
        self.steps += 1;
        self.samples += samples;
        self.busy += seconds;
    }

    fn progress(&self, trainer: &Trainer) -> ProgressReport {
        ProgressReport {
            epoch: trainer.epoch(),
            step_in_epoch: trainer.step_in_epoch(),
            steps_per_epoch: trainer.steps_per_epoch(),
            total_steps: trainer.total_steps(),
            steps: self.steps,
            loss: if self.steps > 0 {
                self.loss / self.steps as f64
            } else {
                f64::NAN
            },
            samples_per_second: if self.busy > 0.0 {
                self.samples as f64 / self.busy
            } else {
                0.0
            },
            learning_rate: trainer.effective_learning_rate(),
            batch_size: trainer.batch_size(),
        }
    }
}

/// A trainer running on its own thread.
#[derive(Debug)]
pub struct TrainerHandle {
    commands: Sender<Command>,
    events: Receiver<Event>,
    thread: JoinHandle<Trainer>,
}

impl TrainerHandle {
    /// Sends a command; ignored if the run has already ended.
    pub fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }

    /// The event stream; drain it with `try_iter()` each frame.
    pub fn events(&self) -> &Receiver<Event> {
        &self.events
    }

    /// Whether the training thread has ended.
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    /// Stops the run (if still going) and returns the trainer.
    pub fn join(self) -> Trainer {
        let _ = self.commands.send(Command::Stop);
        drop(self.events); // unblocks a trainer waiting on a full channel
        match self.thread.join() {
            Ok(trainer) => trainer,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// Events queued before droppable ones (progress, snapshots) start being dropped.
const EVENT_QUEUE: usize = 256;

/// The control of a spawned trainer: commands from and events to its handle.
struct Threaded {
    commands: Receiver<Command>,
    events: SyncSender<Event>,
}
impl Control for Threaded {
    fn next(&mut self, wait: Wait) -> Option<Command> {
        match wait {
            // A dropped handle disconnects the channel, which ends the wait.
            Wait::Forever => return Some(self.commands.recv().unwrap_or(Command::Stop)),
            Wait::Until(t) => {
                return match self
                    .commands
                    .recv_timeout(t.saturating_duration_since(Instant::now()))
                {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => Some(Command::Stop),
                };
            }
            Wait::No => {}
        }
        match self.commands.try_recv() {
            Ok(c) => Some(c),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Command::Stop),
        }
    }
    fn emit(&mut self, event: Event, droppable: bool) {
        if droppable {
            if let Err(TrySendError::Disconnected(_)) = self.events.try_send(event) {}
        } else {
            let _ = self.events.send(event);
        }
    }
}

/// Moves `trainer` to a new thread and runs it; see the module docs.
pub fn spawn(mut trainer: Trainer, options: SessionOptions) -> TrainerHandle {
    let (command_tx, command_rx) = mpsc::channel();
    let (event_tx, event_rx) = mpsc::sync_channel(EVENT_QUEUE);
    let thread = std::thread::Builder::new()
        .name("nn-train".into())
        .spawn(move || {
            let mut control = Threaded {
                commands: command_rx,
                events: event_tx,
            };
            // The whole run on a worker thread: no hand-off per step.
            if let Err(e) = trainer.in_pool(|t| drive(t, &options, &mut control)) {
                control.emit(Event::Log(e.to_string()), false);
            }
            trainer
        })
        .expect("the OS can start one thread");
    TrainerHandle {
        commands: command_tx,
        events: event_rx,
        thread,
    }
}

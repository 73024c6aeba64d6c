//! The training loop both sessions share: steps at the pace, commands obeyed
//! between mini-batches, progress and snapshots published at a bounded rate.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::pace::Pacer;
use nn_train::TrainError;
use nn_train::Trainer;

use super::{Command, Control, Event, ProgressReport, RunState, SessionOptions, Summary, Wait};

/// The training loop shared by [`RunHeadless::run`] and [`spawn`].
pub(super) fn drive(
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
                pacer.next_due().map_or(Wait::No, Wait::Until)
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
        if !step_once && pacer.next_due().is_some() {
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
        // Two reads of the clock a step, the step's start and end: a read costs
        // tens of nanoseconds, and a small network's step is a few microseconds.
        let now = Instant::now();
        let took = now.duration_since(step_started).as_secs_f64();
        pacer.stepped(
            outcome.samples as f64 / trainer.data().train.len().max(1) as f64,
            now,
        );
        busy += took;
        samples_total += outcome.samples;
        window.add(outcome.loss, outcome.samples, took);

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

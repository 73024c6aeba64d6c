//! The synchronous trainer: one mini-batch per [`Trainer::step`], epochs,
//! evaluation, early stopping. nn-run's session runs it on its own thread.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use nn_core::Network;
use nn_data::{Dataset, Task};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::error::TrainError;
use crate::health::HealthMonitor;
use crate::metrics::{Metrics, MetricsAccumulator};
use crate::optimizer::{Optimizer, StepSettings, clip_global_norm};
use crate::reduction::{GradientReduction, SharedStep};
use crate::shards::ShardEngine;

mod changes;
mod reports;
mod saving;
pub use reports::{EpochReport, EpochRow, HISTORY_ROWS, StepOutcome, TrainData};

/// The trainer's position in the run; everything a checkpoint needs besides weights and optimizer.
///
/// Bounded: the per-epoch history is a few numbers per epoch for at most
/// [`HISTORY_ROWS`] epochs, so a run can go on for ever in constant memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Position {
    pub(crate) epoch: usize,
    pub(crate) step_in_epoch: usize,
    pub(crate) total_steps: u64,
    pub(crate) learning_rate: f32,
    pub(crate) batch_size: usize,
    pub(crate) resets: u64,
    pub(crate) best_validation_loss: Option<f64>,
    pub(crate) epochs_without_improvement: usize,
    pub(crate) stopped_early: bool,
    pub(crate) running: Option<MetricsAccumulator>,
    /// The latest [`HISTORY_ROWS`] epochs, oldest first (checkpointed, so a
    /// resumed run's metrics go back to its start). Not named `history`: checkpoints
    /// of earlier builds hold whole reports under that key, which are ignored.
    #[serde(default, rename = "epoch_rows")]
    pub(crate) history: VecDeque<EpochRow>,
}

impl Position {
    /// The start of a run (or of a reset one).
    fn start(learning_rate: f32, batch_size: usize, resets: u64) -> Self {
        Self {
            epoch: 0,
            step_in_epoch: 0,
            total_steps: 0,
            learning_rate,
            batch_size,
            resets,
            best_validation_loss: None,
            epochs_without_improvement: 0,
            stopped_early: false,
            running: None,
            history: VecDeque::new(),
        }
    }
}

/// A training run: network, optimizer, data and position.
#[derive(Debug)]
pub struct Trainer {
    pub(crate) config: TrainConfig,
    pub(crate) data: Arc<TrainData>,
    pub(crate) network: Network,
    pub(crate) optimizer: Optimizer,
    engine: ShardEngine,
    pub(crate) position: Position,
    /// The latest epoch's report.
    last_epoch: Option<EpochReport>,
    pub(crate) best_params: Option<Vec<f32>>,
    /// Set when the loss stopped being finite; cleared by [`Trainer::reset`]. The
    /// weights are then garbage, so nothing is saved over the last good files.
    pub(crate) diverged: bool,
    health: HealthMonitor,
    order: Vec<usize>,
    order_epoch: Option<usize>,
    epoch_started: Option<Instant>,
    epoch_busy: f64,
    epoch_samples: usize,
}

impl Trainer {
    /// A new run, after checking the configuration against the data.
    pub fn new(config: TrainConfig, data: Arc<TrainData>) -> Result<Self, TrainError> {
        config.check_against(&data)?;
        let network = Network::new(config.architecture.clone(), config.seed)?;
        Self::with_network(config, data, network)
    }

    /// A run that starts from given weights (e.g. a loaded model).
    pub fn with_network(
        config: TrainConfig,
        data: Arc<TrainData>,
        network: Network,
    ) -> Result<Self, TrainError> {
        // Checked before the threads are started.
        config.check_against(&data)?;
        let engine = ShardEngine::new(config.threads).map_err(|e| TrainError::Threads {
            threads: config.threads,
            message: e.to_string(),
        })?;
        Self::with_engine(config, data, network, engine)
    }

    /// A run on `engine`'s threads (see [`crate::TrainPool`]).
    pub(crate) fn with_engine(
        config: TrainConfig,
        data: Arc<TrainData>,
        network: Network,
        engine: ShardEngine,
    ) -> Result<Self, TrainError> {
        config.check_against(&data)?;
        let optimizer = Optimizer::new(config.optimizer, network.parameters().len());
        let position = Position::start(config.learning_rate, config.batch_size, 0);
        let health = HealthMonitor::new(&data.train);
        Ok(Self {
            config,
            data,
            network,
            optimizer,
            engine,
            position,
            last_epoch: None,
            best_params: None,
            diverged: false,
            health,
            order: Vec::new(),
            order_epoch: None,
            epoch_started: None,
            epoch_busy: 0.0,
            epoch_samples: 0,
        })
    }

    /// The configuration of this run.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The data of this run.
    pub fn data(&self) -> &Arc<TrainData> {
        &self.data
    }

    /// The network as trained so far.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// Epochs completed.
    pub fn epoch(&self) -> usize {
        self.position.epoch
    }

    /// Mini-batches taken within the current epoch.
    pub fn step_in_epoch(&self) -> usize {
        self.position.step_in_epoch
    }

    /// Mini-batches per epoch at the current batch size.
    pub fn steps_per_epoch(&self) -> usize {
        self.data.train.len().div_ceil(self.position.batch_size)
    }

    /// Mini-batches taken since the start (or the last reset).
    pub fn total_steps(&self) -> u64 {
        self.position.total_steps
    }

    /// Worker threads in use.
    pub fn threads(&self) -> usize {
        self.engine.threads()
    }

    /// Replaces how each mini-batch's shard gradients are computed and summed
    /// (the one process's sum by default): e.g. across MPI ranks, each computing
    /// some of the shards. Set it before the first step.
    pub fn set_gradient_reduction(&mut self, reduction: Box<dyn GradientReduction>) {
        self.engine.set_reduction(reduction);
    }

    /// Base learning rate (before the schedule's factor).
    pub fn learning_rate(&self) -> f32 {
        self.position.learning_rate
    }

    /// The rate in force this epoch: base times the schedule's factor.
    pub fn effective_learning_rate(&self) -> f32 {
        self.position.learning_rate * self.config.schedule.factor(self.position.epoch)
    }

    /// Current mini-batch size.
    pub fn batch_size(&self) -> usize {
        self.position.batch_size
    }

    /// The report of the latest epoch completed (since the start, a reset or a resume).
    pub fn last_epoch(&self) -> Option<&EpochReport> {
        self.last_epoch.as_ref()
    }

    /// The latest epochs (at most [`HISTORY_ROWS`]), oldest first, including
    /// those before a resume.
    pub fn history(&self) -> &VecDeque<EpochRow> {
        &self.position.history
    }

    /// Whether the loss became non-finite (until the next [`Trainer::reset`]).
    pub fn has_diverged(&self) -> bool {
        self.diverged
    }

    /// Whether early stopping ended the run.
    pub fn stopped_early(&self) -> bool {
        self.position.stopped_early
    }

    /// Whether the run is over: all epochs done, or stopped early.
    pub fn is_finished(&self) -> bool {
        self.position.stopped_early || self.position.epoch >= self.config.epochs
    }

    /// Runs `f` on one of this run's worker threads.
    ///
    /// Entering the pool costs a thread hand-off (microseconds); doing it once
    /// for a whole epoch or run, rather than for every parallel section of every
    /// step, is what lets tiny steps (the Playground's networks) run at hundreds
    /// of thousands per second. Inside the pool, `install` runs inline.
    pub fn in_pool<R: Send>(&mut self, f: impl FnOnce(&mut Self) -> R + Send) -> R {
        let pool = self.engine.pool();
        if pool.current_thread_index().is_some() {
            f(self)
        } else {
            pool.install(|| f(self))
        }
    }

    /// Evaluates the current network on a dataset (validation, test, or any other with the same shape).
    pub fn evaluate(&mut self, data: &Dataset) -> Result<Metrics, TrainError> {
        self.in_pool(|t| t.evaluate_inner(data))
    }

    fn evaluate_inner(&mut self, data: &Dataset) -> Result<Metrics, TrainError> {
        let shared = Arc::clone(&self.data);
        Ok(self
            .engine
            .evaluate(&self.network, data, &shared.normalization)?)
    }

    /// This epoch's sample order: a seeded shuffle that depends only on the seed,
    /// the number of resets and the epoch, so a resumed run sees the same order;
    /// the data set's own order when the configuration asks for no shuffling.
    fn prepare_order(&mut self) {
        if self.order_epoch == Some(self.position.epoch) {
            return;
        }
        let n = self.data.train.len();
        self.order.clear();
        self.order.extend(0..n);
        self.order_epoch = Some(self.position.epoch);
        if !self.config.shuffle {
            return;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(
            self.config.seed ^ self.position.resets.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        rng.set_stream(self.position.epoch as u64);
        nn_data::shuffle(&mut self.order, &mut rng);
    }

    /// Trains on one mini-batch: gradients over the shards, their sum, one optimizer step.
    pub fn step(&mut self) -> Result<StepOutcome, TrainError> {
        self.in_pool(Self::step_inner)
    }

    pub(crate) fn step_inner(&mut self) -> Result<StepOutcome, TrainError> {
        self.step_from(None).map(|(outcome, _)| outcome)
    }

    /// Steps until an epoch ends: one clock read per step, each step's busy
    /// time counted from the last one's end ([`Trainer::step_from`]).
    fn steps_to_epoch_end(&mut self) -> Result<EpochReport, TrainError> {
        let mut clock = None;
        loop {
            let (outcome, end) = self.step_from(clock)?;
            if let Some(report) = outcome.epoch_end {
                return Ok(report);
            }
            clock = Some(end);
        }
    }

    /// One step whose busy time counts from `started` (the previous step's
    /// end, when steps run back to back within an epoch), else from now;
    /// returns the clock at its end, before any end-of-epoch evaluation. At
    /// W4's 770,000 steps/s a clock read is about 2% of a step.
    fn step_from(
        &mut self,
        started: Option<Instant>,
    ) -> Result<(StepOutcome, Instant), TrainError> {
        self.prepare_order();
        let started = match started {
            Some(clock) if self.epoch_started.is_some() => clock,
            _ => Instant::now(),
        };
        if self.epoch_started.is_none() {
            self.epoch_started = Some(started);
            self.epoch_busy = 0.0;
            self.epoch_samples = 0;
        }
        let batch = self.position.batch_size;
        let start = (self.position.step_in_epoch * batch).min(self.order.len());
        let end = (start + batch).min(self.order.len());
        // Lent out for the step and put back: no copy, no allocation.
        let order = std::mem::take(&mut self.order);
        // The next step's samples, which the engine may gather during this one.
        let next = &order[end..(end + batch).min(order.len())];
        let descended = self.descend(&order[start..end], (!next.is_empty()).then_some(next), true);
        self.order = order;
        let loss = descended?;
        let samples = end - start;
        self.position.step_in_epoch += 1;
        self.position.total_steps += 1;
        let ended = Instant::now();
        self.epoch_busy += ended.duration_since(started).as_secs_f64();
        self.epoch_samples += samples;
        let epoch_end = if end >= self.order.len() {
            Some(self.finish_epoch()?)
        } else {
            None
        };
        Ok((
            StepOutcome {
                loss,
                samples,
                epoch_end,
            },
            ended,
        ))
    }

    /// One step on chosen training samples, outside the epoch's order: with one
    /// index it is the seed's sample step (batch 1), with several a mini-batch of
    /// them. The same path as [`Trainer::step`]: gradients over the shards, their
    /// sum, the optimizer. Under plain SGD each weight moves by the mean of the
    /// samples' `Δw = r · o_in · δ` ([`nn_core::Breakdown`]); for one sample
    /// exactly by its `Δw`, bit for bit. The epoch's position and running
    /// metrics are left as they were. Returns the samples' mean loss.
    pub fn step_on(&mut self, indices: &[usize]) -> Result<f64, TrainError> {
        check_samples(&self.data.train, indices)?;
        self.in_pool(|t| {
            let loss = t.descend(indices, None, false)?;
            t.position.total_steps += 1;
            Ok(loss)
        })
    }

    /// Gradients of the samples `indices` over the shards, their sum, one
    /// optimizer step; returns their mean loss. The outputs count towards the
    /// epoch's running metrics if `running`. A non-finite loss leaves the weights
    /// as they were and marks the run diverged.
    fn descend(
        &mut self,
        indices: &[usize],
        next: Option<&[usize]>,
        running: bool,
    ) -> Result<f64, TrainError> {
        let data = Arc::clone(&self.data);
        let rate = self.effective_learning_rate();
        let mut scratch;
        let metrics = if running {
            self.position
                .running
                .get_or_insert_with(|| accumulator_for(&data.train, &self.network))
        } else {
            scratch = accumulator_for(&data.train, &self.network);
            &mut scratch
        };
        let shard_size = self.config.shard_size_for(indices.len());
        // Processes may share the optimizer step, each stepping its range of the
        // parameters; not with clipping, whose norm needs the whole gradient.
        let shared = self
            .config
            .clip_norm
            .is_none()
            .then(|| self.engine.step_range(self.network.architecture()))
            .flatten();
        self.engine.share_steps(shared.is_some());
        let settings = StepSettings {
            learning_rate: rate,
            l1: self.config.l1,
            l2: self.config.l2,
        };
        // The step inside the pass, block by block, unless clipping needs the
        // whole gradient's norm first or processes share the step.
        let in_pass = self.config.clip_norm.is_none() && shared.is_none();
        let (loss_sum, stepped) = self.engine.compute(
            &mut self.network,
            &data.train,
            &data.normalization,
            indices,
            next,
            shard_size,
            metrics,
            in_pass.then(|| self.optimizer.next_update(settings)),
        )?;
        if stepped {
            self.optimizer.count_step();
        }
        let loss = loss_sum / indices.len() as f64;
        if !loss.is_finite() {
            self.diverged = true;
            return Err(TrainError::Diverged {
                epoch: self.position.epoch + 1,
                batch: self.position.step_in_epoch + 1,
                loss,
                learning_rate: rate,
                suggestion: rate / 10.0,
            });
        }
        if stepped {
            return Ok(loss);
        }
        // On one thread when the engine's timer ran the step's gradients so.
        let spread = !self.engine.last_step_on_one_thread();
        let (pool, gradients) = self.engine.pool_and_gradients();
        let gradients = gradients.as_mut_slice();
        let (params, optimizer, clip) = (
            self.network.parameters_mut(),
            &mut self.optimizer,
            self.config.clip_norm,
        );
        pool.install(|| {
            if let Some(max_norm) = clip {
                clip_global_norm(gradients, max_norm);
            }
            let range = shared.clone().unwrap_or(0..params.len());
            optimizer.step_part(params, gradients, range, settings, spread);
        });
        if shared.is_some() {
            // The epoch's last step (or a step outside the epoch's order): a
            // checkpoint may follow, so the optimizer's state becomes whole.
            let whole_state = !running || self.position.step_in_epoch + 1 >= self.steps_per_epoch();
            let (first, second) = self.optimizer.buffers_mut();
            self.engine.share_step(SharedStep {
                params: self.network.parameters_mut(),
                state: [first, second],
                whole_state,
            })?;
        }
        Ok(loss)
    }

    /// Steps that took samples the engine gathered during the step before.
    #[cfg(test)]
    pub(crate) fn engine_prefetches_used(&self) -> u64 {
        self.engine.prefetches_used()
    }

    /// Runs the rest of the current epoch.
    pub fn run_epoch(&mut self) -> Result<EpochReport, TrainError> {
        self.in_pool(Self::steps_to_epoch_end)
    }

    /// Runs `epochs` epochs (or until the run finishes) in one entry into the worker pool.
    pub fn run_epochs(&mut self, epochs: usize) -> Result<Vec<EpochReport>, TrainError> {
        self.in_pool(|t| {
            let mut reports = Vec::with_capacity(epochs);
            while reports.len() < epochs && !t.is_finished() {
                reports.push(t.steps_to_epoch_end()?);
            }
            Ok(reports)
        })
    }

    fn finish_epoch(&mut self) -> Result<EpochReport, TrainError> {
        let rate = self.effective_learning_rate();
        let train = self.position.running.take().map_or_else(
            || accumulator_for(&self.data.train, &self.network).finish(),
            |r| r.finish(),
        );
        // Before evaluation reuses the shards: their outputs are the last training batch's.
        let engine = &self.engine;
        let stalled = self.health.check(
            self.position.epoch + 1,
            &train,
            self.position.history.back().map(|row| row.train.0),
            &self.network,
            |l| engine.last_outputs(l),
        );
        let data = Arc::clone(&self.data);
        let validation = data
            .validation
            .as_ref()
            .map(|v| self.evaluate(v))
            .transpose()?;
        let test = data.test.as_ref().map(|t| self.evaluate(t)).transpose()?;
        let mut improved = false;
        if let Some(v) = &validation {
            if self
                .position
                .best_validation_loss
                .is_none_or(|best| v.loss < best)
            {
                self.position.best_validation_loss = Some(v.loss);
                self.position.epochs_without_improvement = 0;
                improved = true;
                match &mut self.best_params {
                    Some(best) => best.copy_from_slice(self.network.parameters()),
                    None => self.best_params = Some(self.network.parameters().to_vec()),
                }
            } else {
                self.position.epochs_without_improvement += 1;
            }
        }
        let stop_early = self.config.early_stop_patience.is_some_and(|patience| {
            validation.is_some() && self.position.epochs_without_improvement >= patience
        });
        if stop_early {
            self.position.stopped_early = true;
            self.restore_best();
        }
        let seconds = self.epoch_busy;
        let report = EpochReport {
            epoch: self.position.epoch + 1,
            train,
            validation,
            test,
            learning_rate: rate,
            seconds,
            samples_per_second: self.epoch_samples as f64 / seconds.max(1e-9),
            improved,
            stop_early,
            stalled,
        };
        self.position.epoch += 1;
        self.position.step_in_epoch = 0;
        if self.position.history.len() == HISTORY_ROWS {
            self.position.history.pop_front();
        }
        self.position.history.push_back(EpochRow::from(&report));
        self.last_epoch = Some(report.clone());
        self.epoch_started = None;
        Ok(report)
    }

    /// Replaces the network's weights (same architecture), e.g. when resuming.
    pub(crate) fn set_parameters(&mut self, params: &[f32]) {
        self.network.parameters_mut().copy_from_slice(params);
    }
}

/// Checks that `indices` name at least one sample of `train`, all of them there.
pub(crate) fn check_samples(train: &Dataset, indices: &[usize]) -> Result<(), TrainError> {
    let samples = train.len();
    match indices.iter().find(|&&i| i >= samples) {
        _ if indices.is_empty() => Err(TrainError::NoSuchSample {
            index: None,
            samples,
        }),
        Some(&index) => Err(TrainError::NoSuchSample {
            index: Some(index),
            samples,
        }),
        None => Ok(()),
    }
}

fn accumulator_for(train: &Dataset, network: &Network) -> MetricsAccumulator {
    match train.task() {
        Task::Classification { classes } => {
            MetricsAccumulator::new(Some(classes), network.architecture().outputs())
        }
        Task::Regression { outputs } => MetricsAccumulator::new(None, outputs),
    }
}

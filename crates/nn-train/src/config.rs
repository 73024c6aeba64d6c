//! What a training run is: optimizer, schedule, batch, threads, stopping, and
//! the one place each setting is checked. Errors name the [`Setting`], never a
//! command-line flag: front ends map settings to their own words.

use std::path::PathBuf;

use nn_core::{Activation, Architecture};
use nn_data::Task;
use serde::{Deserialize, Serialize};

use crate::error::TrainError;
use crate::trainer::TrainData;

mod setting;
pub use setting::{Setting, SettingError, rules};

/// The update rule applied to the summed gradient of each mini-batch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OptimizerKind {
    /// The seed's rule: `w -= r * dL/dw` (that is, `w += r * o_in * delta`).
    Sgd,
    /// Heavy-ball momentum as PyTorch's `SGD(momentum=mu, nesterov=...)`:
    /// `v = mu v + g`, then `w -= r v` (Nesterov: `w -= r (g + mu v)`).
    Momentum {
        /// The momentum `mu`, typically 0.9.
        momentum: f32,
        /// Use Nesterov's look-ahead form.
        nesterov: bool,
    },
    /// Adam with bias correction (Kingma & Ba), as PyTorch's `Adam`.
    Adam {
        /// First-moment decay, typically 0.9.
        beta1: f32,
        /// Second-moment decay, typically 0.999.
        beta2: f32,
        /// Denominator guard, typically 1e-8.
        epsilon: f32,
    },
    /// Adam with decoupled weight decay (Loshchilov & Hutter), as PyTorch's `AdamW`:
    /// `w -= r * weight_decay * w` before the Adam step.
    AdamW {
        /// First-moment decay.
        beta1: f32,
        /// Second-moment decay.
        beta2: f32,
        /// Denominator guard.
        epsilon: f32,
        /// Decoupled weight decay, typically 0.01.
        weight_decay: f32,
    },
}

impl OptimizerKind {
    /// Momentum 0.9, classic form.
    pub const MOMENTUM: Self = Self::Momentum {
        momentum: 0.9,
        nesterov: false,
    };
    /// Nesterov momentum 0.9.
    pub const NESTEROV: Self = Self::Momentum {
        momentum: 0.9,
        nesterov: true,
    };
    /// Adam with PyTorch's defaults.
    pub const ADAM: Self = Self::Adam {
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
    };
    /// AdamW with PyTorch's defaults.
    pub const ADAMW: Self = Self::AdamW {
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
        weight_decay: 0.01,
    };

    /// Short name for status lines.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sgd => "sgd",
            Self::Momentum {
                nesterov: false, ..
            } => "momentum",
            Self::Momentum { nesterov: true, .. } => "nesterov",
            Self::Adam { .. } => "adam",
            Self::AdamW { .. } => "adamw",
        }
    }
}

/// How the learning rate changes with the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// The same rate throughout.
    Constant,
    /// Multiply by `factor` every `every` epochs.
    Step {
        /// Epochs between decays.
        every: usize,
        /// Multiplier per decay, e.g. 0.1.
        factor: f32,
    },
    /// Cosine annealing from the base rate to `min_factor * base` over `epochs` epochs.
    Cosine {
        /// Length of the annealing, in epochs.
        epochs: usize,
        /// Final rate as a fraction of the base rate.
        min_factor: f32,
    },
}

impl Schedule {
    /// The factor applied to the base rate during `epoch` (0-based).
    pub fn factor(&self, epoch: usize) -> f32 {
        match *self {
            Schedule::Constant => 1.0,
            Schedule::Step { every, factor } => factor.powi((epoch / every.max(1)) as i32),
            Schedule::Cosine { epochs, min_factor } => {
                let t = (epoch as f32 / epochs.max(1) as f32).min(1.0);
                min_factor + (1.0 - min_factor) * 0.5 * (1.0 + (std::f32::consts::PI * t).cos())
            }
        }
    }
}

/// Everything that defines a run; stored in checkpoints so a resume continues the same run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The network to train.
    pub architecture: Architecture,
    /// The update rule.
    pub optimizer: OptimizerKind,
    /// Base learning rate `r`.
    pub learning_rate: f32,
    /// Learning-rate schedule over epochs.
    pub schedule: Schedule,
    /// L1 penalty `l1 * sum |w|` added to the loss (all parameters).
    pub l1: f32,
    /// L2 penalty `l2/2 * sum w^2` added to the loss (all parameters, PyTorch's `weight_decay`).
    pub l2: f32,
    /// Clip the gradient's global norm to this value.
    pub clip_norm: Option<f32>,
    /// Samples per mini-batch; the loss is their mean.
    pub batch_size: usize,
    /// Shuffle the training samples every epoch (seeded), as PyTorch's
    /// `DataLoader(shuffle=True)`; when false every epoch takes them in the data
    /// set's order, in consecutive mini-batches (the last one may be shorter).
    #[serde(default = "shuffle_by_default")]
    pub shuffle: bool,
    /// Samples per shard; `None` picks one from the batch size alone (never from
    /// the thread count, so results do not depend on it).
    pub shard_size: Option<usize>,
    /// Epochs to run (a full pass over the training data each).
    pub epochs: usize,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Seed for initialisation and shuffling.
    pub seed: u64,
    /// Stop when validation loss has not improved for this many epochs, keeping the best weights.
    pub early_stop_patience: Option<usize>,
    /// Write a checkpoint to this folder every `checkpoint_every` epochs and when stopped.
    pub checkpoint_dir: Option<PathBuf>,
    /// Epochs between checkpoints.
    pub checkpoint_every: usize,
}

/// Checkpoints written before `shuffle` existed were shuffled runs.
fn shuffle_by_default() -> bool {
    true
}

/// The fewest rows of a default shard (see [`TrainConfig::shard_size_for`]).
pub const MIN_SHARD_ROWS: usize = 32;

impl TrainConfig {
    /// Sensible defaults around an architecture: SGD, constant rate 0.1, batch 32, 10 epochs.
    pub fn new(architecture: Architecture) -> Self {
        Self {
            architecture,
            optimizer: OptimizerKind::Sgd,
            learning_rate: 0.1,
            schedule: Schedule::Constant,
            l1: 0.0,
            l2: 0.0,
            clip_norm: None,
            batch_size: 32,
            shuffle: true,
            shard_size: None,
            epochs: 10,
            threads: 0,
            seed: 1,
            early_stop_patience: None,
            checkpoint_dir: None,
            checkpoint_every: 1,
        }
    }

    /// Samples per shard for a mini-batch of `batch` samples.
    ///
    /// A quarter of the batch, at least 32 and at most 256: enough shards for
    /// two to four MPI ranks on medium batches, and a function of the batch
    /// alone so the gradient sum is the same for any thread or rank count.
    /// The threads no longer need shards (a step's products split over them
    /// whatever the shard count), so the floor is set by the weight gradient,
    /// one product per shard: each of its values is loaded and stored once
    /// per shard. Shards of 16 rows cost 784-100-10 at batch 32 8-10% of its
    /// speed and 784-H-H-10 at batch 32 12-50% (H = 512 to 2048) against one
    /// shard of 32, side by side on 2 threads (docs/performance-notes.md).
    pub fn shard_size_for(&self, batch: usize) -> usize {
        self.shard_size
            .unwrap_or_else(|| batch.div_ceil(4).clamp(MIN_SHARD_ROWS, 256))
            .max(1)
    }

    /// Checks every setting on its own (no data needed).
    pub fn check(&self) -> Result<(), SettingError> {
        rules::learning_rate(self.learning_rate)?;
        rules::batch_size(self.batch_size)?;
        if let Some(shard) = self.shard_size {
            rules::at_least_one(Setting::ShardSize, shard, "sample")?;
        }
        rules::at_least_one(Setting::Epochs, self.epochs, "epoch")?;
        if let Some(patience) = self.early_stop_patience {
            rules::at_least_one(Setting::EarlyStop, patience, "epoch of patience")?;
        }
        rules::at_least_one(Setting::CheckpointEvery, self.checkpoint_every, "epoch")?;
        rules::penalties(self.l1, self.l2, self.clip_norm)?;
        match self.optimizer {
            OptimizerKind::Momentum { momentum, .. } => rules::momentum(momentum)?,
            OptimizerKind::AdamW {
                weight_decay,
                beta1,
                beta2,
                epsilon,
            } => {
                rules::non_negative(Setting::WeightDecay, weight_decay)?;
                rules::betas(beta1, beta2)?;
                rules::eps(epsilon)?;
            }
            OptimizerKind::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                rules::betas(beta1, beta2)?;
                rules::eps(epsilon)?;
            }
            OptimizerKind::Sgd => {}
        }
        if let Schedule::Cosine { min_factor, .. } = self.schedule {
            rules::fraction(Setting::MinLrFactor, min_factor, ", e.g. 0.01")?;
        }
        if let Schedule::Step { every, factor } = self.schedule {
            rules::at_least_one(Setting::StepEvery, every, "epoch")?;
            rules::positive(
                Setting::StepFactor,
                factor,
                "expected a positive factor such as 0.1",
            )?;
        }
        Ok(())
    }

    /// Checks the settings and that the network fits `data` (inputs, outputs, loss, every part).
    pub fn check_against(&self, data: &TrainData) -> Result<(), TrainError> {
        self.check()?;
        let arch = &self.architecture;
        arch.validate()?;
        if data.train.is_empty() {
            return Err(TrainError::Mismatch(format!(
                "the training set {:?} is empty",
                data.train.name()
            )));
        }
        if let Some(problem) = misfit(arch, data.train.dim(), data.train.task()) {
            return Err(TrainError::Mismatch(problem));
        }
        if data.normalization.shift.len() != data.train.dim() {
            return Err(TrainError::Mismatch(format!(
                "the normalisation covers {} features, the data has {}",
                data.normalization.shift.len(),
                data.train.dim()
            )));
        }
        for part in [&data.validation, &data.test].into_iter().flatten() {
            if part.dim() != data.train.dim() || part.task() != data.train.task() {
                return Err(TrainError::Mismatch(format!(
                    "{:?} does not have the training set's features and targets",
                    part.name()
                )));
            }
        }
        Ok(())
    }
}

/// Why a network cannot learn data of `inputs` features and this task, if it cannot:
/// the one rule for "the classes fit the outputs".
///
/// A classifier needs one output per class, or a single sigmoid output for two
/// classes; a regression needs one output per target and the squared-error loss.
pub fn misfit(arch: &Architecture, inputs: usize, task: Task) -> Option<String> {
    if arch.inputs() != inputs {
        return Some(format!(
            "the network takes {} inputs but the data has {inputs} features",
            arch.inputs()
        ));
    }
    match task {
        Task::Classification { classes } => {
            let fits = arch.outputs() == classes
                || (classes == 2 && arch.outputs() == 1 && arch.output == Activation::Sigmoid);
            (!fits).then(|| {
                format!(
                    "the data's {classes} classes need {classes} outputs{}, the network has {}",
                    if classes == 2 {
                        " (or 1 sigmoid output)"
                    } else {
                        ""
                    },
                    arch.outputs()
                )
            })
        }
        Task::Regression { outputs } => {
            if arch.outputs() != outputs {
                Some(format!(
                    "the data's {outputs} regression targets need {outputs} outputs, the network has {}",
                    arch.outputs()
                ))
            } else if !arch.loss.is_squared_error() {
                Some(format!(
                    "regression needs a squared-error loss (mse or seed), not {}",
                    arch.loss
                ))
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests;

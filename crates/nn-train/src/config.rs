//! What a training run is: optimizer, schedule, batch, threads, stopping, and
//! the one place each setting is checked. Errors name the [`Setting`], never a
//! command-line flag: front ends map settings to their own words.

use std::fmt;
use std::path::PathBuf;

use nn_core::{Activation, Architecture};
use nn_data::Task;
use serde::{Deserialize, Serialize};

use crate::error::TrainError;
use crate::trainer::TrainData;

/// A choice a user makes; a [`SettingError`] names the one that is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setting {
    /// Where the data comes from.
    Data,
    /// Samples a generator draws.
    Samples,
    /// Generator noise.
    Noise,
    /// Fraction held out for validation.
    ValidationFraction,
    /// Fraction held out for testing.
    TestFraction,
    /// Seed of the data (generation and split).
    DataSeed,
    /// Input features computed from the raw columns.
    Features,
    /// All layer sizes, inputs first.
    Layers,
    /// Hidden layer sizes.
    Hidden,
    /// Hidden activation.
    Activation,
    /// Output activation.
    Output,
    /// Loss.
    Loss,
    /// Update rule.
    Optimizer,
    /// The optimizer's base learning rate.
    LearningRate,
    /// Momentum of the momentum and Nesterov optimizers.
    Momentum,
    /// AdamW's decoupled weight decay.
    WeightDecay,
    /// Adam's and AdamW's decay rates of the running means (PyTorch's `betas`).
    Betas,
    /// Adam's and AdamW's denominator guard (PyTorch's `eps`).
    Eps,
    /// The CSV column that holds the target.
    Target,
    /// Whether each epoch takes the training samples in a seeded shuffle.
    Shuffle,
    /// L1 penalty.
    L1,
    /// L2 penalty.
    L2,
    /// Gradient-norm clipping.
    Clip,
    /// Epochs between decays of the step schedule.
    StepEvery,
    /// Factor per decay of the step schedule.
    StepFactor,
    /// Learning-rate schedule.
    Schedule,
    /// The fraction of the rate the cosine schedule anneals to.
    MinLrFactor,
    /// Samples per mini-batch.
    BatchSize,
    /// Samples per shard.
    ShardSize,
    /// Epochs to train.
    Epochs,
    /// Early-stopping patience.
    EarlyStop,
    /// Epochs between checkpoints.
    CheckpointEvery,
    /// Epochs per second of a watched run.
    Speed,
    /// Seed of the initial weights and the shuffles.
    Seed,
    /// The dashboard shows the output discretized.
    Discretize,
    /// The dashboard shows the test points.
    TestPoints,
    /// Whose defaults fill in what a run leaves out (headless or dashboard).
    Defaults,
}

impl Setting {
    /// Every setting (nn-run's `SETTINGS` has one row for each).
    pub const ALL: [Setting; 37] = [
        Self::Data,
        Self::Samples,
        Self::Noise,
        Self::ValidationFraction,
        Self::TestFraction,
        Self::DataSeed,
        Self::Features,
        Self::Layers,
        Self::Hidden,
        Self::Activation,
        Self::Output,
        Self::Loss,
        Self::Optimizer,
        Self::LearningRate,
        Self::Momentum,
        Self::WeightDecay,
        Self::Betas,
        Self::Eps,
        Self::Target,
        Self::Shuffle,
        Self::L1,
        Self::L2,
        Self::Clip,
        Self::StepEvery,
        Self::StepFactor,
        Self::BatchSize,
        Self::ShardSize,
        Self::Epochs,
        Self::EarlyStop,
        Self::CheckpointEvery,
        Self::Speed,
        Self::Seed,
        Self::Discretize,
        Self::TestPoints,
        Self::Schedule,
        Self::MinLrFactor,
        Self::Defaults,
    ];

    /// The setting's name in messages: `learning rate`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Data => "data",
            Self::Samples => "samples",
            Self::Noise => "noise",
            Self::ValidationFraction => "validation fraction",
            Self::TestFraction => "test fraction",
            Self::DataSeed => "data seed",
            Self::Features => "features",
            Self::Layers => "layers",
            Self::Hidden => "hidden layers",
            Self::Activation => "activation",
            Self::Output => "output activation",
            Self::Loss => "loss",
            Self::Optimizer => "optimizer",
            Self::LearningRate => "learning rate",
            Self::Momentum => "momentum",
            Self::WeightDecay => "weight decay",
            Self::Betas => "Adam betas",
            Self::Eps => "Adam eps",
            Self::Target => "target column",
            Self::Shuffle => "shuffle",
            Self::L1 => "L1 penalty",
            Self::L2 => "L2 penalty",
            Self::Clip => "gradient clipping norm",
            Self::StepEvery => "step-schedule interval",
            Self::StepFactor => "step-schedule factor",
            Self::Schedule => "schedule",
            Self::MinLrFactor => "cosine schedule's final rate factor",
            Self::BatchSize => "batch size",
            Self::ShardSize => "shard size",
            Self::Epochs => "epochs",
            Self::EarlyStop => "early-stopping patience",
            Self::CheckpointEvery => "checkpoint interval",
            Self::Speed => "speed",
            Self::Seed => "seed",
            Self::Discretize => "discretize",
            Self::TestPoints => "test points",
            Self::Defaults => "defaults",
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A setting with a value that cannot work: `learning rate 0: expected a positive
/// learning rate such as 0.01`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{setting}{}: {problem}", value.as_ref().map(|v| format!(" {v}")).unwrap_or_default())]
pub struct SettingError {
    /// Which setting.
    pub setting: Setting,
    /// The value given, as the user wrote it (absent when the setting does not apply at all).
    pub value: Option<String>,
    /// What is wrong, and what is expected.
    pub problem: String,
}

impl SettingError {
    /// `setting value: problem`.
    pub fn new(setting: Setting, value: impl fmt::Display, problem: impl Into<String>) -> Self {
        Self {
            setting,
            value: Some(value.to_string()),
            problem: problem.into(),
        }
    }

    /// `setting: problem`, for a setting given where it does not apply.
    pub fn not_applicable(setting: Setting, problem: impl Into<String>) -> Self {
        Self {
            setting,
            value: None,
            problem: problem.into(),
        }
    }
}

/// The checks of single values, one rule each, shared by [`TrainConfig::check`],
/// nn-run's `TrainRequest::validate` and `DataOptions::validate`.
pub mod rules {
    use super::{Setting, SettingError};

    /// A positive, finite learning rate.
    pub fn learning_rate(rate: f32) -> Result<(), SettingError> {
        positive(
            Setting::LearningRate,
            rate,
            "expected a positive learning rate such as 0.01",
        )
    }

    /// A positive, finite value; `expected` says what was wanted.
    pub fn positive(setting: Setting, v: f32, expected: &str) -> Result<(), SettingError> {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(SettingError::new(setting, v, expected))
        }
    }

    /// A finite value of at least 0.
    pub fn non_negative(setting: Setting, v: f32) -> Result<(), SettingError> {
        if v.is_finite() && v >= 0.0 {
            Ok(())
        } else {
            Err(SettingError::new(setting, v, "expected a number >= 0"))
        }
    }

    /// A fraction from 0 up to, not including, 1.
    pub fn fraction(setting: Setting, v: f32, example: &str) -> Result<(), SettingError> {
        if (0.0..1.0).contains(&v) {
            Ok(())
        } else {
            Err(SettingError::new(
                setting,
                v,
                format!("expected a fraction from 0 up to (not including) 1{example}"),
            ))
        }
    }

    /// A count of at least one `unit`.
    pub fn at_least_one(setting: Setting, n: usize, unit: &str) -> Result<(), SettingError> {
        if n >= 1 {
            Ok(())
        } else {
            Err(SettingError::new(
                setting,
                n,
                format!("expected at least 1 {unit}"),
            ))
        }
    }

    /// The L1 and L2 penalties and the clipping norm, which a request and a
    /// configuration both hold.
    pub fn penalties(l1: f32, l2: f32, clip: Option<f32>) -> Result<(), SettingError> {
        non_negative(Setting::L1, l1)?;
        non_negative(Setting::L2, l2)?;
        if let Some(clip) = clip {
            positive(
                Setting::Clip,
                clip,
                "expected a positive gradient norm such as 1.0",
            )?;
        }
        Ok(())
    }

    /// At least one sample per mini-batch.
    pub fn batch_size(batch: usize) -> Result<(), SettingError> {
        at_least_one(Setting::BatchSize, batch, "sample per mini-batch")
    }

    /// A momentum from 0 up to, not including, 1.
    pub fn momentum(m: f32) -> Result<(), SettingError> {
        fraction(Setting::Momentum, m, ", e.g. 0.9")
    }

    /// Adam's two decay rates, each from 0 up to, not including, 1.
    pub fn betas(beta1: f32, beta2: f32) -> Result<(), SettingError> {
        for beta in [beta1, beta2] {
            if !(0.0..1.0).contains(&beta) {
                return Err(SettingError::new(
                    Setting::Betas,
                    format!("{beta1},{beta2}"),
                    "expected two fractions from 0 up to (not including) 1, e.g. 0.9,0.999",
                ));
            }
        }
        Ok(())
    }

    /// Adam's denominator guard: positive and finite.
    pub fn eps(eps: f32) -> Result<(), SettingError> {
        positive(Setting::Eps, eps, "expected a positive number such as 1e-8")
    }

    /// What a pace should look like, in errors.
    pub const SPEED_EXPECTED: &str =
        "expected max or a number of epochs per second of at least 1, e.g. 60";

    /// A pace of at least one epoch per second ("max" is the other choice).
    pub fn speed(rate: f32) -> Result<(), SettingError> {
        if rate.is_finite() && rate >= 1.0 {
            Ok(())
        } else {
            Err(SettingError::new(Setting::Speed, rate, SPEED_EXPECTED))
        }
    }
}

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
    /// A quarter of the batch, at least 16 and at most 256: enough shards for
    /// two to four cores on medium batches, large enough for efficient GEMMs, and
    /// a function of the batch alone so the gradient sum is the same for any
    /// thread count.
    pub fn shard_size_for(&self, batch: usize) -> usize {
        self.shard_size
            .unwrap_or_else(|| batch.div_ceil(4).clamp(16, 256))
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
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        assert_eq!(Schedule::Constant.factor(7), 1.0);
        let step = Schedule::Step {
            every: 2,
            factor: 0.5,
        };
        assert_eq!(
            [
                step.factor(0),
                step.factor(1),
                step.factor(2),
                step.factor(5)
            ],
            [1.0, 1.0, 0.5, 0.25]
        );
        let cos = Schedule::Cosine {
            epochs: 10,
            min_factor: 0.1,
        };
        assert!((cos.factor(0) - 1.0).abs() < 1e-6);
        assert!((cos.factor(5) - 0.55).abs() < 1e-6);
        assert!((cos.factor(10) - 0.1).abs() < 1e-6);
        assert!((cos.factor(50) - 0.1).abs() < 1e-6);
    }

    #[test]
    fn checkpoints_from_before_the_shuffle_setting_resume_shuffled() {
        let arch = Architecture::new(
            vec![2, 3, 2],
            nn_core::Activation::Tanh,
            nn_core::Activation::Softmax,
            nn_core::Loss::CrossEntropy,
        )
        .unwrap();
        let mut json = serde_json::to_value(TrainConfig::new(arch)).unwrap();
        json.as_object_mut().unwrap().remove("shuffle");
        let config: TrainConfig = serde_json::from_value(json).unwrap();
        assert!(config.shuffle);
    }
}

//! The settings a user chooses ([`Setting`]), the error that names one
//! ([`SettingError`]), and the checks of single values ([`rules`]): the one place
//! each value is checked, shared by the trainer's configuration and nn-run's requests.

use std::fmt;

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

/// The checks of single values, one rule each, shared by [`TrainConfig::check`](crate::TrainConfig::check),
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

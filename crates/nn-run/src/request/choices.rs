//! The choices a run makes by name: its purpose (whose defaults), its update rule
//! and its learning-rate schedule, each with the names lines and flags use.

use nn_train::OptimizerKind;

/// What a run is for; each has its own defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// `nn-tui train`: a fixed number of epochs, as accurate as the defaults allow.
    Headless,
    /// The dashboard: trains until stopped, at a pace and with a network worth watching.
    Dashboard,
}

/// An update rule by name; its constants come from [`crate::TrainRequest`] or PyTorch's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptimizerChoice {
    /// Plain gradient descent, the seed's rule.
    Sgd,
    /// Heavy-ball momentum.
    Momentum,
    /// Nesterov momentum.
    Nesterov,
    /// Adam.
    Adam,
    /// Adam with decoupled weight decay.
    AdamW,
}

impl Purpose {
    /// Both purposes.
    pub const ALL: [Purpose; 2] = [Purpose::Headless, Purpose::Dashboard];

    /// Its name in a state line: `headless`, `dashboard`.
    pub fn name(self) -> &'static str {
        match self {
            Purpose::Headless => "headless",
            Purpose::Dashboard => "dashboard",
        }
    }

    /// The purpose called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl OptimizerChoice {
    /// Every choice, in the order `--help` lists them.
    pub const ALL: [OptimizerChoice; 5] = [
        OptimizerChoice::Sgd,
        OptimizerChoice::Momentum,
        OptimizerChoice::Nesterov,
        OptimizerChoice::Adam,
        OptimizerChoice::AdamW,
    ];

    /// Its name: `sgd`, `momentum`, `nesterov`, `adam`, `adamw`.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerChoice::Sgd => "sgd",
            OptimizerChoice::Momentum => "momentum",
            OptimizerChoice::Nesterov => "nesterov",
            OptimizerChoice::Adam => "adam",
            OptimizerChoice::AdamW => "adamw",
        }
    }

    /// The choice called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == name)
    }

    /// The choice an optimizer was made from.
    pub fn of(kind: &OptimizerKind) -> Self {
        match kind {
            OptimizerKind::Sgd => OptimizerChoice::Sgd,
            OptimizerKind::Momentum {
                nesterov: false, ..
            } => OptimizerChoice::Momentum,
            OptimizerKind::Momentum { nesterov: true, .. } => OptimizerChoice::Nesterov,
            OptimizerKind::Adam { .. } => OptimizerChoice::Adam,
            OptimizerKind::AdamW { .. } => OptimizerChoice::AdamW,
        }
    }
}

/// A learning-rate schedule by name; its constants come from [`crate::TrainRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ScheduleChoice {
    /// The same rate throughout.
    #[default]
    Constant,
    /// Multiply by the step factor every few epochs.
    Step,
    /// Cosine annealing to 1% of the rate over the run's epochs.
    Cosine,
}

impl ScheduleChoice {
    /// Every choice, in the order `--help` lists them.
    pub const ALL: [ScheduleChoice; 3] = [
        ScheduleChoice::Constant,
        ScheduleChoice::Step,
        ScheduleChoice::Cosine,
    ];

    /// Its name: `constant`, `step`, `cosine`.
    pub fn name(self) -> &'static str {
        match self {
            ScheduleChoice::Constant => "constant",
            ScheduleChoice::Step => "step",
            ScheduleChoice::Cosine => "cosine",
        }
    }

    /// The choice called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

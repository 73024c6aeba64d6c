//! What a user asks for, and the defaults that fill in the rest.
//!
//! A [`TrainRequest`] holds the choices a user made (every one optional);
//! [`TrainRequest::resolve`] turns it into a [`TrainConfig`] for some data,
//! taking each missing choice from the one table of defaults, [`DEFAULTS`]:
//! one row per [`Purpose`] (headless training or the dashboard) and data size
//! (at most [`SMALL_INPUTS`] features, or wider). The command line and the
//! dashboard both go through here, so they cannot drift apart.

use std::path::PathBuf;

use nn_core::{Activation, Architecture, Loss};
use nn_data::Task;

use crate::pace::Pace;
use nn_train::TrainData;
use nn_train::TrainError;
use nn_train::{OptimizerKind, Schedule, Setting, SettingError, TrainConfig, misfit, rules};

mod choices;

pub use choices::{OptimizerChoice, Purpose, ScheduleChoice};

/// Inputs at most this wide count as small (the 2-D generators) and get the
/// small-data defaults.
pub const SMALL_INPUTS: usize = 8;

/// Whether data with `inputs` features gets the small-data defaults.
pub fn is_small(inputs: usize) -> bool {
    inputs <= SMALL_INPUTS
}

/// Default learning rates per optimizer family.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// Plain SGD.
    pub sgd: f32,
    /// Momentum and Nesterov.
    pub momentum: f32,
    /// Adam and AdamW.
    pub adam: f32,
}

impl Rates {
    /// The rate for `optimizer`.
    pub fn of(&self, optimizer: OptimizerChoice) -> f32 {
        match optimizer {
            OptimizerChoice::Sgd => self.sgd,
            OptimizerChoice::Momentum | OptimizerChoice::Nesterov => self.momentum,
            OptimizerChoice::Adam | OptimizerChoice::AdamW => self.adam,
        }
    }
}

/// The defaults of one purpose and data size.
#[derive(Debug, Clone, PartialEq)]
pub struct Defaults {
    /// Hidden layer sizes.
    pub hidden: &'static [usize],
    /// Hidden activation.
    pub activation: Activation,
    /// Update rule.
    pub optimizer: OptimizerChoice,
    /// Learning rate for each update rule.
    pub rates: Rates,
    /// Samples per mini-batch.
    pub batch_size: usize,
    /// Epochs; `None`: until stopped.
    pub epochs: Option<usize>,
    /// How fast a session trains.
    pub pace: Pace,
}

/// Every default, in one table: `(purpose, small data, defaults)`.
///
/// - Headless, small data (the 2-D generators): two hidden layers of 16 ReLU
///   units and Adam at 0.01. With tanh, Adam at 0.01 left the spiral near
///   60-80% test accuracy for some seeds after 100 epochs; ReLU reached 97-100%
///   on every seed tried (11 seeds, 100 epochs, well under a second each).
/// - Headless, wider data (MNIST): one hidden layer of 100 ReLU units, Adam at 0.001.
/// - Dashboard, small data: the Playground's own choices, a small tanh network
///   trained by plain SGD at 0.03 in batches of 10, whose regions are easy to watch
///   form, at the Playground's pace of 60 epochs a second ([`Pace::PLAYGROUND`]):
///   the default spiral takes several seconds to reach 90% test accuracy, instead
///   of a tenth of a second flat out.
/// - Dashboard, wider data: as headless, until stopped, flat out.
///
/// Classification always gets a softmax output with cross-entropy, regression a
/// linear output with mse (PyTorch's `MSELoss`), unless the user asks otherwise.
pub const DEFAULTS: [(Purpose, bool, Defaults); 4] = [
    (
        Purpose::Headless,
        true,
        Defaults {
            hidden: &[16, 16],
            activation: Activation::Relu,
            optimizer: OptimizerChoice::Adam,
            rates: Rates {
                sgd: 0.1,
                momentum: 0.01,
                adam: 0.01,
            },
            batch_size: 16,
            epochs: Some(100),
            pace: Pace::Max,
        },
    ),
    (
        Purpose::Headless,
        false,
        Defaults {
            hidden: &[100],
            activation: Activation::Relu,
            optimizer: OptimizerChoice::Adam,
            rates: Rates {
                sgd: 0.1,
                momentum: 0.01,
                adam: 0.001,
            },
            batch_size: 128,
            epochs: Some(10),
            pace: Pace::Max,
        },
    ),
    (
        Purpose::Dashboard,
        true,
        Defaults {
            hidden: &[8, 8],
            activation: Activation::Tanh,
            optimizer: OptimizerChoice::Sgd,
            rates: Rates {
                sgd: 0.03,
                momentum: 0.01,
                adam: 0.01,
            },
            batch_size: 10,
            epochs: None,
            pace: Pace::PLAYGROUND,
        },
    ),
    (
        Purpose::Dashboard,
        false,
        Defaults {
            hidden: &[100],
            activation: Activation::Relu,
            optimizer: OptimizerChoice::Adam,
            rates: Rates {
                sgd: 0.1,
                momentum: 0.01,
                adam: 0.001,
            },
            batch_size: 128,
            epochs: None,
            pace: Pace::Max,
        },
    ),
];

/// The defaults for `purpose` on data with `inputs` features.
pub fn defaults(purpose: Purpose, inputs: usize) -> &'static Defaults {
    let small = is_small(inputs);
    DEFAULTS
        .iter()
        .find(|(p, s, _)| *p == purpose && *s == small)
        .map(|(_, _, d)| d)
        .expect("DEFAULTS has a row for every purpose and size")
}

/// Momentum when none is asked for (PyTorch users' usual 0.9).
pub(crate) const DEFAULT_MOMENTUM: f32 = 0.9;

/// Adam's `(beta1, beta2)` when a run names none: the engine's (PyTorch's).
pub(crate) const DEFAULT_BETAS: (f32, f32) = match OptimizerKind::ADAM {
    OptimizerKind::Adam { beta1, beta2, .. } => (beta1, beta2),
    _ => panic!("ADAM is Adam"),
};

/// Adam's `eps` when a run names none: the engine's (PyTorch's 1e-8).
pub(crate) const DEFAULT_EPS: f32 = match OptimizerKind::ADAM {
    OptimizerKind::Adam { epsilon, .. } => epsilon,
    _ => panic!("ADAM is Adam"),
};

/// What a user asked for. `None` (and the `Default`) means "the default", from [`DEFAULTS`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainRequest {
    /// Hidden layer sizes.
    pub hidden: Option<Vec<usize>>,
    /// All layer sizes, inputs first (must fit the data); overrides `hidden`.
    pub layers: Option<Vec<usize>>,
    /// Hidden activation.
    pub activation: Option<Activation>,
    /// Output activation.
    pub output: Option<Activation>,
    /// Loss.
    pub loss: Option<Loss>,
    /// Update rule.
    pub optimizer: Option<OptimizerChoice>,
    /// Base learning rate.
    pub learning_rate: Option<f32>,
    /// Momentum (momentum and Nesterov only).
    pub momentum: Option<f32>,
    /// Decoupled weight decay (AdamW only).
    pub weight_decay: Option<f32>,
    /// Adam's decay rates `(beta1, beta2)` of the gradient's running mean and of
    /// its square's (Adam and AdamW only; `None`: PyTorch's 0.9 and 0.999).
    pub betas: Option<(f32, f32)>,
    /// Adam's denominator guard `eps` (Adam and AdamW only; `None`: PyTorch's 1e-8).
    pub eps: Option<f32>,
    /// L1 penalty.
    pub l1: f32,
    /// L2 penalty.
    pub l2: f32,
    /// Gradient-norm clipping.
    pub clip_norm: Option<f32>,
    /// Learning-rate schedule.
    pub schedule: ScheduleChoice,
    /// Epochs between decays of the step schedule (default: a third of the epochs).
    pub step_every: Option<usize>,
    /// Factor per decay of the step schedule.
    pub step_factor: f32,
    /// The fraction of the rate the cosine schedule ends at.
    pub min_lr_factor: f32,
    /// Samples per mini-batch.
    pub batch_size: Option<usize>,
    /// Shuffle the training samples every epoch (else take them in order).
    pub shuffle: bool,
    /// Epochs.
    pub epochs: Option<usize>,
    /// Worker threads; 0: one per core.
    pub threads: usize,
    /// Seed for the initial weights and shuffling.
    pub seed: u64,
    /// Early-stopping patience in epochs.
    pub early_stop_patience: Option<usize>,
    /// Folder of the rolling checkpoint.
    pub checkpoint_dir: Option<PathBuf>,
    /// Epochs between checkpoints.
    pub checkpoint_every: usize,
    /// How fast a watched session trains.
    pub pace: Option<Pace>,
    /// Whose defaults fill in the network, optimizer, rate, batch and pace left out
    /// (`None`: those of the purpose the run is resolved for). Epochs always follow
    /// the purpose: a headless run ends, a dashboard's runs until stopped.
    pub defaults: Option<Purpose>,
}

impl Default for TrainRequest {
    fn default() -> Self {
        Self {
            hidden: None,
            layers: None,
            activation: None,
            output: None,
            loss: None,
            optimizer: None,
            learning_rate: None,
            momentum: None,
            weight_decay: None,
            betas: None,
            eps: None,
            l1: 0.0,
            l2: 0.0,
            clip_norm: None,
            schedule: ScheduleChoice::Constant,
            step_every: None,
            step_factor: 0.1,
            min_lr_factor: 0.01,
            batch_size: None,
            shuffle: true,
            epochs: None,
            threads: 0,
            seed: nn_data::DEFAULT_SEED,
            early_stop_patience: None,
            checkpoint_dir: None,
            checkpoint_every: 1,
            pace: None,
            defaults: None,
        }
    }
}

impl TrainRequest {
    /// Checks everything that needs no data, so a typo fails before any data is loaded.
    pub fn validate(&self) -> Result<(), SettingError> {
        if let Some(rate) = self.learning_rate {
            rules::learning_rate(rate)?;
        }
        if let Some(batch) = self.batch_size {
            rules::batch_size(batch)?;
        }
        if let Some(epochs) = self.epochs {
            rules::at_least_one(Setting::Epochs, epochs, "epoch")?;
        }
        if let Some(patience) = self.early_stop_patience {
            rules::at_least_one(Setting::EarlyStop, patience, "epoch of patience")?;
        }
        rules::at_least_one(Setting::CheckpointEvery, self.checkpoint_every, "epoch")?;
        if let Some(pace) = self.pace {
            pace.validate()?;
        }
        if let Some(m) = self.momentum {
            rules::momentum(m)?;
            if !matches!(
                self.optimizer,
                Some(OptimizerChoice::Momentum | OptimizerChoice::Nesterov)
            ) {
                return Err(SettingError::not_applicable(
                    Setting::Momentum,
                    "applies only to the momentum and nesterov optimizers",
                ));
            }
        }
        if let Some(w) = self.weight_decay {
            rules::non_negative(Setting::WeightDecay, w)?;
            if self.optimizer != Some(OptimizerChoice::AdamW) {
                return Err(SettingError::not_applicable(
                    Setting::WeightDecay,
                    "applies only to the adamw optimizer (the L2 penalty works with the others)",
                ));
            }
        }
        if let Some((beta1, beta2)) = self.betas {
            rules::betas(beta1, beta2)?;
            if !matches!(
                self.optimizer,
                Some(OptimizerChoice::Adam | OptimizerChoice::AdamW)
            ) {
                return Err(SettingError::not_applicable(
                    Setting::Betas,
                    "applies only to the adam and adamw optimizers",
                ));
            }
        }
        if let Some(eps) = self.eps {
            rules::eps(eps)?;
            if !matches!(
                self.optimizer,
                Some(OptimizerChoice::Adam | OptimizerChoice::AdamW)
            ) {
                return Err(SettingError::not_applicable(
                    Setting::Eps,
                    "applies only to the adam and adamw optimizers",
                ));
            }
        }
        rules::penalties(self.l1, self.l2, self.clip_norm)?;
        if let Some(every) = self.step_every {
            rules::at_least_one(Setting::StepEvery, every, "epoch")?;
        }
        rules::positive(
            Setting::StepFactor,
            self.step_factor,
            "expected a positive factor such as 0.1",
        )?;
        rules::fraction(Setting::MinLrFactor, self.min_lr_factor, ", e.g. 0.01")?;
        for (setting, sizes) in [
            (Setting::Hidden, &self.hidden),
            (Setting::Layers, &self.layers),
        ] {
            if let Some(sizes) = sizes
                && sizes.contains(&0)
            {
                return Err(SettingError::new(
                    setting,
                    join(sizes),
                    "expected sizes of at least 1 neuron",
                ));
            }
        }
        Ok(())
    }

    /// The configuration for `purpose` on `data`: the user's choices, the rest from [`DEFAULTS`].
    pub fn resolve(&self, purpose: Purpose, data: &TrainData) -> Result<TrainConfig, TrainError> {
        self.validate()?;
        let inputs = data.train.dim();
        let task = data.train.task();
        let epochs_default = defaults(purpose, inputs).epochs;
        let defaults = defaults(self.defaults.unwrap_or(purpose), inputs);
        let architecture = self.architecture(defaults, inputs, task)?;
        let choice = self.optimizer.unwrap_or(defaults.optimizer);
        let momentum = self.momentum.unwrap_or(DEFAULT_MOMENTUM);
        let optimizer = match choice {
            OptimizerChoice::Sgd => OptimizerKind::Sgd,
            OptimizerChoice::Momentum => OptimizerKind::Momentum {
                momentum,
                nesterov: false,
            },
            OptimizerChoice::Nesterov => OptimizerKind::Momentum {
                momentum,
                nesterov: true,
            },
            OptimizerChoice::Adam => match OptimizerKind::ADAM {
                OptimizerKind::Adam {
                    beta1,
                    beta2,
                    epsilon,
                } => {
                    let (beta1, beta2) = self.betas.unwrap_or((beta1, beta2));
                    OptimizerKind::Adam {
                        beta1,
                        beta2,
                        epsilon: self.eps.unwrap_or(epsilon),
                    }
                }
                adam => adam,
            },
            OptimizerChoice::AdamW => match OptimizerKind::ADAMW {
                OptimizerKind::AdamW {
                    beta1,
                    beta2,
                    epsilon,
                    weight_decay,
                } => {
                    let (beta1, beta2) = self.betas.unwrap_or((beta1, beta2));
                    OptimizerKind::AdamW {
                        beta1,
                        beta2,
                        epsilon: self.eps.unwrap_or(epsilon),
                        weight_decay: self.weight_decay.unwrap_or(weight_decay),
                    }
                }
                adamw => adamw,
            },
        };
        let epochs = self.epochs.or(epochs_default).unwrap_or(usize::MAX);
        let schedule = match self.schedule {
            ScheduleChoice::Constant => Schedule::Constant,
            ScheduleChoice::Step => Schedule::Step {
                every: self.step_every.unwrap_or((epochs / 3).max(1)),
                factor: self.step_factor,
            },
            ScheduleChoice::Cosine => Schedule::Cosine {
                epochs,
                min_factor: self.min_lr_factor,
            },
        };
        let mut config = TrainConfig::new(architecture);
        config.optimizer = optimizer;
        config.learning_rate = self
            .learning_rate
            .unwrap_or_else(|| defaults.rates.of(choice));
        config.schedule = schedule;
        config.l1 = self.l1;
        config.l2 = self.l2;
        config.clip_norm = self.clip_norm;
        config.batch_size = self.batch_size.unwrap_or(defaults.batch_size);
        config.shuffle = self.shuffle;
        config.epochs = epochs;
        config.threads = self.threads;
        config.seed = self.seed;
        config.early_stop_patience = self.early_stop_patience;
        config.checkpoint_dir.clone_from(&self.checkpoint_dir);
        config.checkpoint_every = self.checkpoint_every;
        config.check_against(data)?;
        Ok(config)
    }

    /// The pace for `purpose` on data with `inputs` features: the user's, else the default.
    pub fn pace(&self, purpose: Purpose, inputs: usize) -> Pace {
        self.pace
            .unwrap_or(defaults(self.defaults.unwrap_or(purpose), inputs).pace)
    }

    /// The network: `layers` as given (checked against the data), or the task's
    /// shape with the requested or default hidden layers, activations and loss.
    fn architecture(
        &self,
        defaults: &Defaults,
        inputs: usize,
        task: Task,
    ) -> Result<Architecture, TrainError> {
        let activation = self.activation.unwrap_or(defaults.activation);
        let (output, loss) = output_and_loss(task, self.output, self.loss);
        let Some(layers) = &self.layers else {
            let mut sizes = vec![inputs];
            sizes.extend(self.hidden.as_deref().unwrap_or(defaults.hidden));
            sizes.push(task.outputs());
            return Ok(Architecture::new(sizes, activation, output, loss)?);
        };
        let bad = |problem: String| SettingError::new(Setting::Layers, join(layers), problem);
        if layers.len() < 2 {
            return Err(
                bad("expected at least an input and an output size, e.g. 2,8,2".into()).into(),
            );
        }
        let arch = Architecture::new(layers.clone(), activation, output, loss)
            .map_err(|e| bad(e.to_string()))?;
        if let Some(problem) = misfit(&arch, inputs, task) {
            return Err(bad(problem).into());
        }
        Ok(arch)
    }
}

/// Output activation and loss for a task when the user names some, none or both.
///
/// Classification: softmax with cross-entropy (or, for the seed's network, any
/// elementwise output with the seed's loss, when asked). Regression: a linear
/// output with mse, PyTorch's `MSELoss`.
fn output_and_loss(
    task: Task,
    output: Option<Activation>,
    loss: Option<Loss>,
) -> (Activation, Loss) {
    match (task, output, loss) {
        (Task::Regression { .. }, output, loss) => (
            output.unwrap_or(Activation::Linear),
            loss.unwrap_or(Loss::Mse),
        ),
        (Task::Classification { .. }, None, None | Some(Loss::CrossEntropy)) => {
            (Activation::Softmax, Loss::CrossEntropy)
        }
        (Task::Classification { .. }, Some(output), None) => {
            let loss = if output == Activation::Softmax {
                Loss::CrossEntropy
            } else {
                Loss::Seed
            };
            (output, loss)
        }
        (Task::Classification { .. }, None, Some(loss @ (Loss::Mse | Loss::Seed))) => {
            (Activation::Sigmoid, loss)
        }
        (Task::Classification { .. }, None, Some(Loss::BinaryCrossEntropy)) => {
            (Activation::Sigmoid, Loss::BinaryCrossEntropy)
        }
        (Task::Classification { .. }, Some(output), Some(loss)) => (output, loss),
    }
}

fn join(sizes: &[usize]) -> String {
    sizes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests;

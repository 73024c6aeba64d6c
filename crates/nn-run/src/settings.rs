//! The one table of a run's settings: [`SETTINGS`], one row per [`Setting`].
//!
//! A row says everything the front ends need about one setting: its key in a
//! state line, its command-line flag, its key in a TensorFlow Playground URL, the
//! help text `--help` prints, its default (fixed, or per [`Purpose`] from
//! [`crate::DEFAULTS`]), whether the dashboard must restart the run to apply it,
//! and how a state line prints and parses its value. The state line's parse and
//! print, run.json's `settings`, the flags' help and the keys a sweep may vary
//! all come from here, so a new setting is one row (plus its effect in the engine).

use std::collections::BTreeMap;

use nn_core::Loss;
use serde::{Deserialize, Serialize};

use crate::request::{
    DEFAULT_BETAS, DEFAULT_MOMENTUM, Defaults, OptimizerChoice, Purpose, TrainRequest,
};
use crate::setup::DataOptions;
use crate::state_line::{StateLine, StateLineError};
use nn_train::{OptimizerKind, Setting};

mod values;

pub use values::float;
use values::{
    activation, betas, betas_text, count, decode, encode, flag, join, number, one_of, seed,
};

/// A setting's default.
#[derive(Debug, Clone, Copy)]
pub enum DefaultValue {
    /// The same for every run: its text as a state line or flag takes it.
    Fixed(fn() -> String),
    /// From the [`Defaults`] row of the run's purpose and data size.
    PerPurpose(fn(&Defaults) -> String),
    /// Follows from the data or from other settings (said in the help).
    Derived,
}

/// How a state line reads one value into a [`StateLine`] (the problem, on failure).
pub type Parse = fn(&mut StateLine, &str) -> Result<(), String>;

/// How a state line prints one value of a [`StateLine`] (`None`: not set).
pub type Print = fn(&StateLine) -> Option<String>;

/// One setting, as every front end sees it.
#[derive(Debug, Clone, Copy)]
pub struct SettingRow {
    /// Which setting (the name errors use).
    pub setting: Setting,
    /// Its key in a state line (`lr`); `None`: a state line does not hold it.
    pub key: Option<&'static str>,
    /// Its command-line flag (`--lr`); `None`: only library users (or the dashboard) set it.
    pub flag: Option<&'static str>,
    /// Its key in a TensorFlow Playground URL (`learningRate`), when it has one.
    pub playground: Option<&'static str>,
    /// What `--help` says about it.
    pub help: &'static str,
    /// Its default.
    pub default: DefaultValue,
    /// The dashboard restarts the run (new data or new weights) to apply a change.
    pub restart: bool,
    /// Reads the value from a state line's text.
    pub parse: Option<Parse>,
    /// Prints the value as a state line holds it.
    pub print: Option<Print>,
}

impl SettingRow {
    /// Its default for `purpose` on data with `inputs` features, as text (`None`: derived).
    pub fn default_for(&self, purpose: Purpose, inputs: usize) -> Option<String> {
        match self.default {
            DefaultValue::Fixed(text) => Some(text()),
            DefaultValue::PerPurpose(of) => Some(of(crate::defaults(purpose, inputs))),
            DefaultValue::Derived => None,
        }
    }

    /// Its default when the same for every run (`None`: per purpose, or derived), as
    /// text: what a flag's `[default: ...]` shows and parses.
    pub fn fixed_default(&self) -> Option<String> {
        match self.default {
            DefaultValue::Fixed(text) => Some(text()),
            DefaultValue::PerPurpose(_) | DefaultValue::Derived => None,
        }
    }
}

/// Every setting of a run, in the order a state line writes them.
pub const SETTINGS: &[SettingRow] = &[
    SettingRow {
        setting: Setting::Data,
        key: Some("data"),
        flag: Some("--data"),
        playground: Some("dataset"),
        help: "Dataset: a generator, mnist, a CSV file with a header row, - for a CSV file on \
               stdin, or a folder of MNIST-format IDX files",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            l.data = decode(v);
            Ok(())
        }),
        print: Some(|l| Some(encode(&l.data))),
    },
    SettingRow {
        setting: Setting::Samples,
        key: Some("samples"),
        flag: Some("--samples"),
        playground: None,
        help: "Samples to generate (generators only)",
        default: DefaultValue::Fixed(|| DataOptions::default().samples.to_string()),
        restart: true,
        parse: Some(|l, v| {
            l.samples = Some(count(v, "a number of samples, e.g. 500")?);
            Ok(())
        }),
        print: Some(|l| l.samples.map(|v| v.to_string())),
    },
    SettingRow {
        setting: Setting::Noise,
        key: Some("noise"),
        flag: Some("--noise"),
        playground: Some("noise"),
        help: "Generator noise (default: the generator's own, e.g. 0.2 for spiral)",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            l.noise = Some(number(v, "a number, e.g. 0.2")?);
            Ok(())
        }),
        print: Some(|l| l.noise.map(float)),
    },
    SettingRow {
        setting: Setting::TestFraction,
        key: Some("test"),
        flag: Some("--test-split"),
        playground: Some("percTrainData"),
        help: "Fraction held out for testing (mnist has its own 10,000 test images)",
        default: DefaultValue::Fixed(|| float(DataOptions::default().test_fraction)),
        restart: true,
        parse: Some(|l, v| {
            l.test_fraction = Some(number(v, "a fraction, e.g. 0.2")?);
            Ok(())
        }),
        print: Some(|l| l.test_fraction.map(float)),
    },
    SettingRow {
        setting: Setting::ValidationFraction,
        key: Some("val"),
        flag: Some("--val-split"),
        playground: None,
        help: "Fraction held out for validation (0.1 when --early-stop is given without it)",
        default: DefaultValue::Fixed(|| float(DataOptions::default().validation_fraction)),
        restart: true,
        parse: Some(|l, v| {
            l.validation_fraction = Some(number(v, "a fraction, e.g. 0.1")?);
            Ok(())
        }),
        print: Some(|l| l.validation_fraction.map(float)),
    },
    SettingRow {
        setting: Setting::DataSeed,
        key: Some("data-seed"),
        flag: Some("--seed"),
        playground: Some("seed"),
        help: "Seed for data generation, splits, initial weights and shuffling",
        default: DefaultValue::Fixed(|| DataOptions::default().seed.to_string()),
        restart: true,
        parse: Some(|l, v| {
            l.data_seed = Some(seed(v)?);
            Ok(())
        }),
        print: Some(|l| l.data_seed.map(|v| v.to_string())),
    },
    SettingRow {
        setting: Setting::Features,
        key: Some("features"),
        flag: Some("--features"),
        playground: None,
        help: "Input features computed from the columns x1 and x2 of 2-D data (the \
               Playground's): x1, x2, x1^2, x2^2, x1x2, sinx1, sinx2, cosx1, cosx2, comma \
               separated [default: the data's own columns]. The model file records them; eval \
               and predict apply them",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            l.features = Some(v.parse().map_err(|e| match e {
                nn_data::DataError::Features { problem, .. } => problem,
                e => e.to_string(),
            })?);
            Ok(())
        }),
        print: Some(|l| l.features.as_ref().map(ToString::to_string)),
    },
    SettingRow {
        setting: Setting::Hidden,
        key: Some("hidden"),
        flag: Some("--hidden"),
        playground: Some("networkShape"),
        help: "Hidden layer sizes, e.g. 100,50 (inputs and outputs follow from the data)",
        default: DefaultValue::PerPurpose(|d| join(d.hidden)),
        restart: true,
        parse: Some(|l, v| {
            let sizes = v
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::parse)
                .collect::<Result<Vec<usize>, _>>()
                .map_err(|_| "expected layer sizes, e.g. 8,8 (or nothing for none)")?;
            l.hidden = Some(sizes);
            Ok(())
        }),
        print: Some(|l| l.hidden.as_deref().map(join)),
    },
    SettingRow {
        setting: Setting::Layers,
        key: None,
        flag: Some("--layers"),
        playground: None,
        help: "All layer sizes, inputs first, e.g. 784,100,10 (must match the data)",
        default: DefaultValue::Derived,
        restart: true,
        parse: None,
        print: None,
    },
    SettingRow {
        setting: Setting::Activation,
        key: Some("activation"),
        flag: Some("--activation"),
        playground: Some("activation"),
        help: "Hidden-layer activation",
        default: DefaultValue::PerPurpose(|d| d.activation.name().into()),
        restart: true,
        parse: Some(|l, v| {
            l.activation = Some(activation(v, false)?);
            Ok(())
        }),
        print: Some(|l| l.activation.map(|a| a.name().into())),
    },
    SettingRow {
        setting: Setting::Output,
        key: Some("output"),
        flag: Some("--output"),
        playground: None,
        help: "Output-layer activation",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            l.output = Some(activation(v, true)?);
            Ok(())
        }),
        print: Some(|l| l.output.map(|a| a.name().into())),
    },
    SettingRow {
        setting: Setting::Loss,
        key: Some("loss"),
        flag: Some("--loss"),
        playground: None,
        help: "Loss: mse, ce and bce are PyTorch's; seed is the seed's, whose gradient is K/2 \
               times mse's for K outputs, so --loss seed --lr r trains like --loss mse --lr r*K/2 \
               (5x on MNIST)",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            let names = Loss::ALL.map(Loss::name);
            l.loss = Some(Loss::from_name(v).ok_or_else(|| one_of(&names))?);
            Ok(())
        }),
        print: Some(|l| l.loss.map(|v| v.name().into())),
    },
    SettingRow {
        setting: Setting::Optimizer,
        key: Some("optimizer"),
        flag: Some("--optimizer"),
        playground: None,
        help: "Update rule",
        default: DefaultValue::PerPurpose(|d| d.optimizer.name().into()),
        restart: true,
        parse: Some(|l, v| {
            let names = OptimizerChoice::ALL.map(OptimizerChoice::name);
            l.optimizer = Some(OptimizerChoice::from_name(v).ok_or_else(|| one_of(&names))?);
            Ok(())
        }),
        print: Some(|l| l.optimizer.map(|v| v.name().into())),
    },
    SettingRow {
        setting: Setting::Momentum,
        key: Some("momentum"),
        flag: Some("--momentum"),
        playground: None,
        help: "Momentum for --optimizer momentum|nesterov",
        default: DefaultValue::Fixed(|| float(DEFAULT_MOMENTUM)),
        restart: true,
        parse: Some(|l, v| {
            l.momentum = Some(number(v, "a number, e.g. 0.9")?);
            Ok(())
        }),
        print: Some(|l| l.momentum.map(float)),
    },
    SettingRow {
        setting: Setting::WeightDecay,
        key: Some("weight-decay"),
        flag: Some("--weight-decay"),
        playground: None,
        help: "Decoupled weight decay for --optimizer adamw",
        default: DefaultValue::Fixed(|| match OptimizerKind::ADAMW {
            OptimizerKind::AdamW { weight_decay, .. } => float(weight_decay),
            _ => unreachable!("ADAMW is AdamW"),
        }),
        restart: true,
        parse: Some(|l, v| {
            l.weight_decay = Some(number(v, "a number, e.g. 0.01")?);
            Ok(())
        }),
        print: Some(|l| l.weight_decay.map(float)),
    },
    SettingRow {
        setting: Setting::Betas,
        key: Some("betas"),
        flag: Some("--betas"),
        playground: None,
        help: "Decay rates of the running mean of the gradient and of its square, for \
               --optimizer adam|adamw (PyTorch's betas)",
        default: DefaultValue::Fixed(|| betas_text(DEFAULT_BETAS)),
        restart: true,
        parse: Some(|l, v| {
            l.betas = Some(betas(v)?);
            Ok(())
        }),
        print: Some(|l| l.betas.map(betas_text)),
    },
    SettingRow {
        setting: Setting::LearningRate,
        key: Some("lr"),
        flag: Some("--lr"),
        playground: Some("learningRate"),
        help: "Learning rate (default: see below)",
        default: DefaultValue::PerPurpose(|d| float(d.rates.of(d.optimizer))),
        restart: false,
        parse: Some(|l, v| {
            l.learning_rate = Some(number(v, "a number, e.g. 0.03")?);
            Ok(())
        }),
        print: Some(|l| l.learning_rate.map(float)),
    },
    SettingRow {
        setting: Setting::L1,
        key: Some("l1"),
        flag: Some("--l1"),
        playground: Some("regularizationRate"),
        help: "L1 penalty on all parameters",
        default: DefaultValue::Fixed(|| float(TrainRequest::default().l1)),
        restart: false,
        parse: Some(|l, v| {
            l.l1 = Some(number(v, "a number, e.g. 0.001")?);
            Ok(())
        }),
        print: Some(|l| l.l1.map(float)),
    },
    SettingRow {
        setting: Setting::L2,
        key: Some("l2"),
        flag: Some("--l2"),
        playground: Some("regularizationRate"),
        help: "L2 penalty on all parameters",
        default: DefaultValue::Fixed(|| float(TrainRequest::default().l2)),
        restart: false,
        parse: Some(|l, v| {
            l.l2 = Some(number(v, "a number, e.g. 0.001")?);
            Ok(())
        }),
        print: Some(|l| l.l2.map(float)),
    },
    SettingRow {
        setting: Setting::Clip,
        key: Some("clip"),
        flag: Some("--clip"),
        playground: None,
        help: "Clip the gradient's global norm to this value",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            l.clip = Some(number(v, "a number, e.g. 1")?);
            Ok(())
        }),
        print: Some(|l| l.clip.map(float)),
    },
    SettingRow {
        setting: Setting::BatchSize,
        key: Some("batch"),
        flag: Some("--batch"),
        playground: Some("batchSize"),
        help: "Samples per mini-batch",
        default: DefaultValue::PerPurpose(|d| d.batch_size.to_string()),
        restart: false,
        parse: Some(|l, v| {
            l.batch_size = Some(count(v, "a number of samples, e.g. 10")?);
            Ok(())
        }),
        print: Some(|l| l.batch_size.map(|v| v.to_string())),
    },
    SettingRow {
        setting: Setting::Seed,
        key: Some("seed"),
        flag: Some("--seed"),
        playground: Some("seed"),
        help: "Seed for data generation, splits, initial weights and shuffling",
        default: DefaultValue::Fixed(|| TrainRequest::default().seed.to_string()),
        restart: true,
        parse: Some(|l, v| {
            l.seed = Some(seed(v)?);
            Ok(())
        }),
        print: Some(|l| l.seed.map(|v| v.to_string())),
    },
    SettingRow {
        setting: Setting::Speed,
        key: Some("speed"),
        flag: Some("--speed"),
        playground: None,
        help: "Epochs per second, from 1, or max [default: 60 on 2-D data (the Playground's \
               pace), max on wider data]; < and > change it",
        default: DefaultValue::PerPurpose(|d| d.pace.to_string()),
        restart: false,
        parse: Some(|l, v| {
            l.pace = Some(v.parse().map_err(|e: nn_train::SettingError| e.problem)?);
            Ok(())
        }),
        print: Some(|l| l.pace.map(|p| p.to_string())),
    },
    SettingRow {
        setting: Setting::Discretize,
        key: Some("discretize"),
        flag: None,
        playground: Some("discretize"),
        help: "The dashboard shows the output discretized (sign or class, not shades)",
        default: DefaultValue::Fixed(|| false.to_string()),
        restart: false,
        parse: Some(|l, v| {
            l.discretize = Some(flag(v)?);
            Ok(())
        }),
        print: Some(|l| l.discretize.map(|v| v.to_string())),
    },
    SettingRow {
        setting: Setting::TestPoints,
        key: Some("test-points"),
        flag: None,
        playground: Some("showTestData"),
        help: "The dashboard shows the test points",
        default: DefaultValue::Fixed(|| true.to_string()),
        restart: false,
        parse: Some(|l, v| {
            l.test_points = Some(flag(v)?);
            Ok(())
        }),
        print: Some(|l| l.test_points.map(|v| v.to_string())),
    },
    SettingRow {
        setting: Setting::Defaults,
        key: Some("defaults"),
        flag: None,
        playground: None,
        help: "Whose defaults fill in the settings a line leaves out: headless (nn-tui train) \
               or dashboard; by default, those of where the line is used",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            let names = Purpose::ALL.map(Purpose::name);
            l.defaults = Some(Purpose::from_name(v).ok_or_else(|| one_of(&names))?);
            Ok(())
        }),
        print: Some(|l| l.defaults.map(|p| p.name().into())),
    },
    SettingRow {
        setting: Setting::Schedule,
        key: None,
        flag: Some("--schedule"),
        playground: None,
        help: "Learning-rate schedule: step multiplies by --step-factor every --step-every \
               epochs; cosine anneals to --min-lr-factor of the rate over --epochs",
        default: DefaultValue::Fixed(|| "constant".into()),
        restart: true,
        parse: None,
        print: None,
    },
    SettingRow {
        setting: Setting::MinLrFactor,
        key: None,
        flag: Some("--min-lr-factor"),
        playground: None,
        help: "The rate --schedule cosine anneals to, as a fraction of the learning rate \
               (PyTorch's eta_min / lr)",
        default: DefaultValue::Fixed(|| float(TrainRequest::default().min_lr_factor)),
        restart: true,
        parse: None,
        print: None,
    },
    SettingRow {
        setting: Setting::StepEvery,
        key: None,
        flag: Some("--step-every"),
        playground: None,
        help: "Epochs between decays of --schedule step [default: a third of --epochs]",
        default: DefaultValue::Derived,
        restart: true,
        parse: None,
        print: None,
    },
    SettingRow {
        setting: Setting::StepFactor,
        key: None,
        flag: Some("--step-factor"),
        playground: None,
        help: "Factor per decay of --schedule step",
        default: DefaultValue::Fixed(|| float(TrainRequest::default().step_factor)),
        restart: true,
        parse: None,
        print: None,
    },
    SettingRow {
        setting: Setting::Epochs,
        key: None,
        flag: Some("--epochs"),
        playground: None,
        help: "Epochs (full passes over the training data); with --resume, the total to reach",
        default: DefaultValue::PerPurpose(|d| {
            d.epochs
                .map_or_else(|| "until stopped".into(), |e| e.to_string())
        }),
        restart: false,
        parse: None,
        print: None,
    },
    SettingRow {
        setting: Setting::EarlyStop,
        key: None,
        flag: Some("--early-stop"),
        playground: None,
        help: "Stop when validation loss has not improved for N epochs, keeping the best weights",
        default: DefaultValue::Derived,
        restart: true,
        parse: None,
        print: None,
    },
    SettingRow {
        setting: Setting::CheckpointEvery,
        key: None,
        flag: Some("--checkpoint-every"),
        playground: None,
        help: "Epochs between checkpoints",
        default: DefaultValue::Fixed(|| TrainRequest::default().checkpoint_every.to_string()),
        restart: false,
        parse: None,
        print: None,
    },
    SettingRow {
        setting: Setting::ShardSize,
        key: None,
        flag: None,
        playground: None,
        help: "Samples per shard (a function of the batch size alone by default)",
        default: DefaultValue::Derived,
        restart: true,
        parse: None,
        print: None,
    },
];

/// run.json's `settings`: every field of the run's state line, by its key
/// (`{"data": "spiral", "lr": "0.03", ...}`), as the line prints each value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunSettings(pub BTreeMap<String, String>);

impl RunSettings {
    /// The settings of `line`.
    pub fn of(line: &StateLine) -> Self {
        Self(
            line.fields()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    /// The state line they define (each value read as the line reads it).
    pub fn line(&self) -> Result<StateLine, StateLineError> {
        let mut line = StateLine::default();
        for (key, value) in &self.0 {
            line.set(key, value)?;
        }
        Ok(line)
    }
}

/// The row of `setting`.
pub fn row(setting: Setting) -> &'static SettingRow {
    SETTINGS
        .iter()
        .find(|r| r.setting == setting)
        .expect("SETTINGS has a row for every setting")
}

/// The row whose state-line key is `key`: the settings a sweep may vary.
pub fn by_key(key: &str) -> Option<&'static SettingRow> {
    SETTINGS.iter().find(|r| r.key == Some(key))
}

/// Every state-line key, in the order a line writes them.
pub fn keys() -> impl Iterator<Item = &'static str> {
    SETTINGS.iter().filter_map(|r| r.key)
}

/// The fixed default of `setting`, read as a `T`: for front ends that hold the
/// value rather than its text (the dashboard's `discretize`, `test-points`).
///
/// Panics if the row's default is not fixed or does not read as a `T`: a
/// mistake in the table, which `fixed_defaults_read_as_their_values` catches.
pub fn default_value<T: std::str::FromStr>(setting: Setting) -> T {
    row(setting)
        .fixed_default()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("{setting:?}: SETTINGS has a fixed default of this type"))
}

/// The help text of `setting`, for the command line.
pub fn help(setting: Setting) -> &'static str {
    row(setting).help
}

/// The flag of `setting` (`--lr`), or its name when only library users set it.
pub fn flag_of(setting: Setting) -> &'static str {
    row(setting).flag.unwrap_or(setting.name())
}

#[cfg(test)]
mod tests;

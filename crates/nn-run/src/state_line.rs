//! The state line: one printable line that defines a run, as the TensorFlow
//! Playground keeps its state in its URL.
//!
//! ```text
//! nn-tui/1 data=spiral samples=500 noise=0.2 test=0.2 data-seed=42 features=x1,x2 hidden=8,8
//! activation=tanh output=softmax loss=ce optimizer=sgd lr=0.03 l1=0 l2=0 batch=10 seed=42 speed=60
//! ```
//!
//! (one line, wrapped here). [`StateLine::from_run`] writes every field from a
//! resolved run, so the line recreates the same data and the same initial
//! weights whatever the defaults of a later version are. Read back
//! ([`StateLine::read`]), a field left out takes its default, so a hand-written
//! line can be short: `nn-tui/1 data=circle features=x1^2,x2^2`. The line also
//! carries how the dashboard shows the run (`discretize`, `test-points`), as the
//! Playground's URL does. [`StateLine::read`] takes a Playground URL too
//! ([`crate::playground`]).

use std::fmt;
use std::str::FromStr;

use nn_core::{Activation, Loss};

use nn_data::Features;

use crate::pace::Pace;
use crate::request::{
    DEFAULT_BETAS, DEFAULT_EPS, OptimizerChoice, Purpose, ScheduleChoice, TrainRequest,
};
use crate::settings::SETTINGS;
use crate::setup::{DataOptions, DataSpec};
use nn_train::TrainData;
use nn_train::{OptimizerKind, Setting, SettingError, TrainConfig};

/// The first word of every state line (and its format's version).
pub const VERSION: &str = "nn-tui/1";

/// Everything that defines a run, each field optional (`None`: the default).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StateLine {
    /// The data, as `--data` takes it (`spiral`, `mnist`, a CSV path).
    pub data: String,
    /// Samples a generator draws.
    pub samples: Option<usize>,
    /// Generator noise (in the generator's units; the Playground's percentage / 100).
    pub noise: Option<f32>,
    /// Fraction held out for testing.
    pub test_fraction: Option<f32>,
    /// Fraction held out for validation.
    pub validation_fraction: Option<f32>,
    /// Seed of the data (generation and split).
    pub data_seed: Option<u64>,
    /// Input features computed from the columns x1 and x2.
    pub features: Option<Features>,
    /// Hidden layer sizes (possibly none).
    pub hidden: Option<Vec<usize>>,
    /// Hidden activation.
    pub activation: Option<Activation>,
    /// Output activation.
    pub output: Option<Activation>,
    /// Loss.
    pub loss: Option<Loss>,
    /// Update rule.
    pub optimizer: Option<OptimizerChoice>,
    /// Momentum (momentum and Nesterov).
    pub momentum: Option<f32>,
    /// AdamW's weight decay.
    pub weight_decay: Option<f32>,
    /// Adam's and AdamW's `(beta1, beta2)`.
    pub betas: Option<(f32, f32)>,
    /// Learning rate.
    pub learning_rate: Option<f32>,
    /// L1 penalty.
    pub l1: Option<f32>,
    /// L2 penalty.
    pub l2: Option<f32>,
    /// Gradient-norm clipping.
    pub clip: Option<f32>,
    /// Samples per mini-batch.
    pub batch_size: Option<usize>,
    /// Seed of the initial weights and the shuffles.
    pub seed: Option<u64>,
    /// How fast the dashboard trains.
    pub pace: Option<Pace>,
    /// The dashboard shows the output discretized (sign or class, not shades).
    pub discretize: Option<bool>,
    /// The dashboard shows the test points.
    pub test_points: Option<bool>,
    /// Whose defaults fill in the fields left out (`None`: those of where the line is used).
    pub defaults: Option<Purpose>,
    /// Adam's and AdamW's `eps`.
    pub eps: Option<f32>,
    /// The CSV column that holds the target (`None`: `label`, else the last column).
    pub target: Option<String>,
    /// `Some(false)`: every epoch takes the training samples in the data's order.
    pub shuffle: Option<bool>,
    /// The settings below have no key: a line's text never holds them, flags
    /// (`--epochs`) do. They travel with the line from the flags to the request.
    pub flag_only: FlagOnly,
}

/// The settings of a run that its state line does not print (rows of
/// [`SETTINGS`] with a flag but no key): the length of the run, its schedule and
/// checkpoints, and `--layers` (which the line writes as `hidden`). A sweep's
/// trial is a line and `--epochs`; a line read from text leaves them all `None`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlagOnly {
    /// All layer sizes, inputs first.
    pub layers: Option<Vec<usize>>,
    /// Learning-rate schedule.
    pub schedule: Option<ScheduleChoice>,
    /// The fraction of the rate the cosine schedule ends at.
    pub min_lr_factor: Option<f32>,
    /// Epochs between decays of the step schedule.
    pub step_every: Option<usize>,
    /// Factor per decay of the step schedule.
    pub step_factor: Option<f32>,
    /// Epochs.
    pub epochs: Option<usize>,
    /// Early-stopping patience.
    pub early_stop: Option<usize>,
    /// Epochs between checkpoints.
    pub checkpoint_every: Option<usize>,
}

/// A state line, or a Playground URL, read back: the line and what the reader should know.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Imported {
    /// The run it defines.
    pub line: StateLine,
    /// Remarks for the user: fields that could not be mapped, what differs.
    pub notices: Vec<String>,
    /// A Playground URL's page options, for the dashboard to honour: the controls
    /// its `*_hide` fields hide (`learningRate` for `learningRate_hide=true`).
    pub hidden_controls: Vec<String>,
    /// A Playground URL's `tutorial` (a page of its site).
    pub tutorial: Option<String>,
}

/// A state line that cannot be read: the field (`lr=abc`) and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{problem}", field.as_ref().map(|f| format!("{f}: ")).unwrap_or_default())]
pub struct StateLineError {
    /// The field as written, `key=value`, when one field is at fault.
    pub field: Option<String>,
    /// What is wrong, and what is expected.
    pub problem: String,
}

impl StateLineError {
    /// `key=value: problem`.
    pub fn field(key: &str, value: &str, problem: impl Into<String>) -> Self {
        Self {
            field: Some(format!("{key}={value}")),
            problem: problem.into(),
        }
    }

    /// A problem with the line as a whole.
    pub fn line(problem: impl Into<String>) -> Self {
        Self {
            field: None,
            problem: problem.into(),
        }
    }

    /// A setting's check failing, named by the line's key for it (`keys(setting)`).
    pub(crate) fn setting(e: &SettingError, key: impl Fn(Setting) -> &'static str) -> Self {
        Self::field(
            key(e.setting),
            e.value.as_deref().unwrap_or(""),
            e.problem.clone(),
        )
    }
}

impl StateLine {
    /// A line naming only the data; everything else takes its default.
    pub fn new(data: impl Into<String>) -> Self {
        Self {
            data: data.into(),
            ..Self::default()
        }
    }

    /// Every field of a resolved run: the data spec and options it was loaded
    /// with, the data itself (for its features), its configuration and its pace.
    pub fn from_run(
        spec: &DataSpec,
        options: &DataOptions,
        data: &TrainData,
        config: &TrainConfig,
        pace: Pace,
    ) -> Self {
        let generated = matches!(spec, DataSpec::Generator(_));
        let arch = &config.architecture;
        let sizes = &arch.sizes;
        let features = data.input_features();
        let (momentum, weight_decay) = match config.optimizer {
            OptimizerKind::Momentum { momentum, .. } => (Some(momentum), None),
            OptimizerKind::AdamW { weight_decay, .. } => (None, Some(weight_decay)),
            OptimizerKind::Sgd | OptimizerKind::Adam { .. } => (None, None),
        };
        // Written when not PyTorch's (0.9, 0.999), so the lines of Adam runs that
        // keep them read as they always have.
        let betas = match config.optimizer {
            OptimizerKind::Adam { beta1, beta2, .. }
            | OptimizerKind::AdamW { beta1, beta2, .. } => {
                Some((beta1, beta2)).filter(|&b| b != DEFAULT_BETAS)
            }
            OptimizerKind::Sgd | OptimizerKind::Momentum { .. } => None,
        };
        // Written when not PyTorch's 1e-8, as the betas.
        let eps = match config.optimizer {
            OptimizerKind::Adam { epsilon, .. } | OptimizerKind::AdamW { epsilon, .. } => {
                Some(epsilon).filter(|&e| e != DEFAULT_EPS)
            }
            OptimizerKind::Sgd | OptimizerKind::Momentum { .. } => None,
        };
        Self {
            data: spec.name(),
            samples: generated.then_some(options.samples),
            noise: options.noise_for(spec),
            test_fraction: Some(options.test_fraction),
            validation_fraction: (options.validation_fraction > 0.0)
                .then_some(options.validation_fraction),
            data_seed: Some(options.seed),
            features,
            hidden: Some(sizes[1..sizes.len() - 1].to_vec()),
            activation: Some(arch.hidden),
            output: Some(arch.output),
            loss: Some(arch.loss),
            optimizer: Some(OptimizerChoice::of(&config.optimizer)),
            momentum,
            weight_decay,
            betas,
            learning_rate: Some(config.learning_rate),
            l1: Some(config.l1),
            l2: Some(config.l2),
            clip: config.clip_norm,
            batch_size: Some(config.batch_size),
            seed: Some(config.seed),
            pace: Some(pace),
            discretize: None,
            test_points: None,
            defaults: None,
            eps,
            target: options.target.clone(),
            // Written only when off, so the lines of shuffled runs read as they always have.
            shuffle: (!config.shuffle).then_some(false),
            flag_only: FlagOnly::default(),
        }
    }

    /// The data spec it names.
    pub fn data_spec(&self) -> Result<DataSpec, StateLineError> {
        DataSpec::parse(&self.data)
            .map_err(|e| StateLineError::field("data", &encode(&self.data), strip_setting(&e)))
    }

    /// The data options it defines (defaults for the fields left out). Early
    /// stopping without a validation fraction holds out
    /// [`DataOptions::EARLY_STOP_VALIDATION`] to watch.
    pub fn data_options(&self) -> DataOptions {
        let mut base = DataOptions::default();
        if self.flag_only.early_stop.is_some() {
            base.validation_fraction = DataOptions::EARLY_STOP_VALIDATION;
        }
        self.data_options_over(base)
    }

    /// `base` with the line's data fields in place of its own: the data the line
    /// defines, with what a line does not hold (the CSV target, the
    /// normalisation) taken from `base`, as [`StateLine::request_over`] does for training.
    pub fn data_options_over(&self, base: DataOptions) -> DataOptions {
        DataOptions {
            samples: self.samples.unwrap_or(base.samples),
            noise: self.noise,
            seed: self.data_seed.unwrap_or(base.seed),
            validation_fraction: self.validation_fraction.unwrap_or(base.validation_fraction),
            test_fraction: self.test_fraction.unwrap_or(base.test_fraction),
            features: self.features.clone(),
            target: self.target.clone().or(base.target),
            ..base
        }
    }

    /// The training request it defines (defaults for the fields left out).
    pub fn request(&self) -> TrainRequest {
        self.request_over(TrainRequest::default())
    }

    /// `base` with the line's fields in place of its own: what the line defines,
    /// with the settings it leaves out (and those no line or flag holds: threads,
    /// shuffle, the checkpoint folder) taken from `base`.
    pub fn request_over(&self, base: TrainRequest) -> TrainRequest {
        let d = base;
        let run = &self.flag_only;
        TrainRequest {
            layers: run.layers.clone().or(d.layers.clone()),
            schedule: run.schedule.unwrap_or(d.schedule),
            min_lr_factor: run.min_lr_factor.unwrap_or(d.min_lr_factor),
            step_every: run.step_every.or(d.step_every),
            step_factor: run.step_factor.unwrap_or(d.step_factor),
            epochs: run.epochs.or(d.epochs),
            early_stop_patience: run.early_stop.or(d.early_stop_patience),
            checkpoint_every: run.checkpoint_every.unwrap_or(d.checkpoint_every),
            eps: self.eps.or(d.eps),
            shuffle: self.shuffle.unwrap_or(d.shuffle),
            hidden: self.hidden.clone(),
            activation: self.activation,
            output: self.output,
            loss: self.loss,
            optimizer: self.optimizer,
            learning_rate: self.learning_rate,
            momentum: self.momentum,
            weight_decay: self.weight_decay,
            betas: self.betas,
            l1: self.l1.unwrap_or(d.l1),
            l2: self.l2.unwrap_or(d.l2),
            clip_norm: self.clip,
            batch_size: self.batch_size,
            seed: self.seed.unwrap_or(d.seed),
            pace: self.pace,
            defaults: self.defaults.or(d.defaults),
            ..d
        }
    }

    /// What to tell a user who runs this line for `purpose` when it leaves out
    /// settings whose defaults differ between headless training and the dashboard,
    /// and names no `defaults=`: which defaults apply, and how to pick the other's.
    pub fn defaults_notice(&self, purpose: Purpose) -> Option<String> {
        if self.defaults.is_some() {
            return None;
        }
        let differ = |r: &&crate::SettingRow| {
            let [a, b] = Purpose::ALL.map(|p| r.default_for(p, 2));
            matches!(r.default, crate::DefaultValue::PerPurpose(_)) && a != b
        };
        let missing: Vec<&str> = SETTINGS
            .iter()
            .filter(differ)
            .filter_map(|r| r.key)
            .filter(|key| self.get(key).is_none())
            .collect();
        if missing.is_empty() {
            return None;
        }
        let other = Purpose::ALL.into_iter().find(|p| *p != purpose)?;
        let whose = |p: Purpose| match p {
            Purpose::Headless => "nn-tui train's",
            Purpose::Dashboard => "the dashboard's",
        };
        Some(format!(
            "the line leaves out {}: {} defaults apply (on small data); add defaults={} for {}",
            missing.join(", "),
            whose(purpose),
            other.name(),
            whose(other),
        ))
    }

    /// Checks every value, naming the line's field: `lr=0: expected a positive ...`.
    pub fn validate(&self) -> Result<(), StateLineError> {
        self.data_spec()?;
        self.data_options()
            .validate()
            .map_err(|e| StateLineError::setting(&e, key_of))?;
        self.request()
            .validate()
            .map_err(|e| StateLineError::setting(&e, key_of))
    }

    /// Reads a state line or a TensorFlow Playground URL (or just its `#...` part).
    pub fn read(text: &str) -> Result<Imported, StateLineError> {
        let text = text.trim();
        if text.split_whitespace().next() == Some(VERSION) {
            let line: StateLine = text.parse()?;
            return Ok(Imported {
                line,
                ..Imported::default()
            });
        }
        if text.contains('#') || text.starts_with("http") {
            return crate::playground::import(text);
        }
        Err(StateLineError::line(format!(
            "expected a state line starting with {VERSION}, or a TensorFlow Playground URL \
             (https://playground.tensorflow.org/#activation=...) or its #... part"
        )))
    }
}

/// The line's key for a setting, in validation errors (its name when a line does not hold it).
fn key_of(setting: Setting) -> &'static str {
    match setting {
        Setting::Layers => "hidden",
        setting => crate::settings::row(setting).key.unwrap_or(setting.name()),
    }
}

/// The problem of a data-spec error without the setting's name in front.
fn strip_setting(e: &nn_train::TrainError) -> String {
    match e {
        nn_train::TrainError::Setting(s) => s.problem.clone(),
        e => e.to_string(),
    }
}

fn encode(value: &str) -> String {
    value.replace('%', "%25").replace(' ', "%20")
}

impl fmt::Display for StateLine {
    /// The line: `nn-tui/1`, then `key=value` for every field that is set, in
    /// [`SETTINGS`]' order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&line_of(&self.fields()))
    }
}

impl FromStr for StateLine {
    type Err = StateLineError;

    /// Parses `nn-tui/1` and `key=value` fields separated by spaces, then checks the values.
    fn from_str(text: &str) -> Result<Self, StateLineError> {
        let mut words = text.split_whitespace();
        match words.next() {
            Some(VERSION) => {}
            Some(other) if other.starts_with("nn-tui/") => {
                return Err(StateLineError::line(format!(
                    "version {other}: this build reads {VERSION}"
                )));
            }
            _ => {
                return Err(StateLineError::line(format!(
                    "expected the line to start with {VERSION}"
                )));
            }
        }
        let mut line = StateLine::default();
        let mut seen: Vec<&str> = Vec::new();
        for word in words {
            let Some((key, value)) = word.split_once('=') else {
                return Err(StateLineError::line(format!(
                    "`{word}`: expected key=value, e.g. lr=0.03"
                )));
            };
            if seen.contains(&key) {
                return Err(StateLineError::field(key, value, "given twice"));
            }
            seen.push(key);
            line.set(key, value)?;
        }
        if !seen.contains(&"data") {
            return Err(StateLineError::line(
                "no data=...: expected the data, e.g. data=spiral",
            ));
        }
        line.validate()?;
        Ok(line)
    }
}

impl StateLine {
    /// Sets the field `key` from its text (any key of [`SETTINGS`] a line holds).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), StateLineError> {
        let Some(parse) = crate::settings::by_key(key).and_then(|r| r.parse) else {
            let keys: Vec<&str> = crate::settings::keys().collect();
            return Err(StateLineError::field(
                key,
                value,
                format!("unknown field: expected one of {}", keys.join(", ")),
            ));
        };
        parse(self, value).map_err(|problem| StateLineError::field(key, value, problem))
    }

    /// The value of the field `key` as the line prints it (`None`: not set, or no such key).
    pub fn get(&self, key: &str) -> Option<String> {
        crate::settings::by_key(key)
            .and_then(|r| r.print)
            .and_then(|print| print(self))
    }

    /// Every field that is set, `(key, value)`, in the order the line writes them;
    /// run.json's `settings`.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        SETTINGS
            .iter()
            .filter_map(|r| Some((r.key?, (r.print?)(self)?)))
            .collect()
    }
}

/// The line of [`StateLine::fields`]' `fields`: what the line displays as.
pub(crate) fn line_of(fields: &[(&'static str, String)]) -> String {
    let mut line = String::with_capacity(
        VERSION.len()
            + fields
                .iter()
                .map(|(k, v)| k.len() + v.len() + 2)
                .sum::<usize>(),
    );
    line.push_str(VERSION);
    for (key, value) in fields {
        line.push(' ');
        line.push_str(key);
        line.push('=');
        line.push_str(value);
    }
    line
}

#[cfg(test)]
mod tests;

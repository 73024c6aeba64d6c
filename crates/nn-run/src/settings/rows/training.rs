//! Rows of the update rule and its constants, the rate, penalties, batch and seed
//! (`--help`'s Training).

use crate::request::{DEFAULT_BETAS, DEFAULT_EPS, DEFAULT_MOMENTUM, OptimizerChoice, TrainRequest};
use crate::settings::values::{betas, betas_text, count, flag, float, number, one_of, seed};
use crate::settings::{DefaultValue, NamedValue, SettingRow};
use nn_train::{OptimizerKind, Setting};

/// `--optimizer`'s values.
const OPTIMIZERS: &[NamedValue] = &[
    NamedValue::new("sgd", "Plain gradient descent, the seed's rule"),
    NamedValue::new("momentum", "Heavy-ball momentum"),
    NamedValue::new("nesterov", "Nesterov momentum"),
    NamedValue::new("adam", "Adam"),
    NamedValue::new("adamw", "Adam with decoupled weight decay"),
];

/// The row of [`Setting::Optimizer`].
pub(super) const OPTIMIZER: SettingRow = SettingRow {
    setting: Setting::Optimizer,
    key: Some("optimizer"),
    flag: Some("--optimizer"),
    value_name: "NAME",
    heading: Some("Training"),
    values: OPTIMIZERS,
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
};

/// The row of [`Setting::Momentum`].
pub(super) const MOMENTUM: SettingRow = SettingRow {
    setting: Setting::Momentum,
    key: Some("momentum"),
    flag: Some("--momentum"),
    value_name: "F",
    heading: Some("Training"),
    values: &[],
    playground: None,
    help: "Momentum for --optimizer momentum|nesterov",
    default: DefaultValue::Fixed(|| float(DEFAULT_MOMENTUM)),
    restart: true,
    parse: Some(|l, v| {
        l.momentum = Some(number(v, "a number, e.g. 0.9")?);
        Ok(())
    }),
    print: Some(|l| l.momentum.map(float)),
};

/// The row of [`Setting::WeightDecay`].
pub(super) const WEIGHT_DECAY: SettingRow = SettingRow {
    setting: Setting::WeightDecay,
    key: Some("weight-decay"),
    flag: Some("--weight-decay"),
    value_name: "F",
    heading: Some("Training"),
    values: &[],
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
};

/// The row of [`Setting::Betas`].
pub(super) const BETAS: SettingRow = SettingRow {
    setting: Setting::Betas,
    key: Some("betas"),
    flag: Some("--betas"),
    value_name: "B1,B2",
    heading: Some("Training"),
    values: &[],
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
};

/// The row of [`Setting::Eps`].
pub(super) const EPS: SettingRow = SettingRow {
    setting: Setting::Eps,
    key: Some("eps"),
    flag: Some("--eps"),
    value_name: "F",
    heading: Some("Training"),
    values: &[],
    playground: None,
    help: "The term added to the denominator of Adam's step, for --optimizer adam|adamw \
           (PyTorch's eps)",
    default: DefaultValue::Fixed(|| float(DEFAULT_EPS)),
    restart: true,
    parse: Some(|l, v| {
        l.eps = Some(number(v, "a number, e.g. 1e-8")?);
        Ok(())
    }),
    print: Some(|l| l.eps.map(float)),
};

/// The row of [`Setting::LearningRate`].
pub(super) const LEARNING_RATE: SettingRow = SettingRow {
    setting: Setting::LearningRate,
    key: Some("lr"),
    flag: Some("--lr"),
    value_name: "F",
    heading: Some("Training"),
    values: &[],
    playground: Some("learningRate"),
    help: "Learning rate (default: see below)",
    default: DefaultValue::PerPurpose(|d| float(d.rates.of(d.optimizer))),
    restart: false,
    parse: Some(|l, v| {
        l.learning_rate = Some(number(v, "a number, e.g. 0.03")?);
        Ok(())
    }),
    print: Some(|l| l.learning_rate.map(float)),
};

/// The row of [`Setting::L1`].
pub(super) const L1: SettingRow = SettingRow {
    setting: Setting::L1,
    key: Some("l1"),
    flag: Some("--l1"),
    value_name: "F",
    heading: Some("Training"),
    values: &[],
    playground: Some("regularizationRate"),
    help: "L1 penalty on all parameters",
    default: DefaultValue::Fixed(|| float(TrainRequest::default().l1)),
    restart: false,
    parse: Some(|l, v| {
        l.l1 = Some(number(v, "a number, e.g. 0.001")?);
        Ok(())
    }),
    print: Some(|l| l.l1.map(float)),
};

/// The row of [`Setting::L2`].
pub(super) const L2: SettingRow = SettingRow {
    setting: Setting::L2,
    key: Some("l2"),
    flag: Some("--l2"),
    value_name: "F",
    heading: Some("Training"),
    values: &[],
    playground: Some("regularizationRate"),
    help: "L2 penalty on all parameters",
    default: DefaultValue::Fixed(|| float(TrainRequest::default().l2)),
    restart: false,
    parse: Some(|l, v| {
        l.l2 = Some(number(v, "a number, e.g. 0.001")?);
        Ok(())
    }),
    print: Some(|l| l.l2.map(float)),
};

/// The row of [`Setting::Clip`].
pub(super) const CLIP: SettingRow = SettingRow {
    setting: Setting::Clip,
    key: Some("clip"),
    flag: Some("--clip"),
    value_name: "F",
    heading: Some("Training"),
    values: &[],
    playground: None,
    help: "Clip the gradient's global norm to this value",
    default: DefaultValue::Derived,
    restart: true,
    parse: Some(|l, v| {
        l.clip = Some(number(v, "a number, e.g. 1")?);
        Ok(())
    }),
    print: Some(|l| l.clip.map(float)),
};

/// The row of [`Setting::BatchSize`].
pub(super) const BATCH_SIZE: SettingRow = SettingRow {
    setting: Setting::BatchSize,
    key: Some("batch"),
    flag: Some("--batch"),
    value_name: "N",
    heading: Some("Training"),
    values: &[],
    playground: Some("batchSize"),
    help: "Samples per mini-batch",
    default: DefaultValue::PerPurpose(|d| d.batch_size.to_string()),
    restart: false,
    parse: Some(|l, v| {
        l.batch_size = Some(count(v, "a number of samples, e.g. 10")?);
        Ok(())
    }),
    print: Some(|l| l.batch_size.map(|v| v.to_string())),
};

/// The row of [`Setting::Seed`].
pub(super) const SEED: SettingRow = SettingRow {
    setting: Setting::Seed,
    key: Some("seed"),
    flag: Some("--seed"),
    value_name: "N",
    heading: Some("Data"),
    values: &[],
    playground: Some("seed"),
    help: "Seed for data generation, splits, initial weights and shuffling",
    default: DefaultValue::Fixed(|| TrainRequest::default().seed.to_string()),
    restart: true,
    parse: Some(|l, v| {
        l.seed = Some(seed(v)?);
        Ok(())
    }),
    print: Some(|l| l.seed.map(|v| v.to_string())),
};

/// The row of [`Setting::Shuffle`]. Its flag is the switch `--no-shuffle` (a
/// flag of the table takes a value), declared beside the table's flags.
pub(super) const SHUFFLE: SettingRow = SettingRow {
    setting: Setting::Shuffle,
    key: Some("shuffle"),
    flag: None,
    value_name: "",
    heading: None,
    values: &[],
    playground: None,
    help: "Each epoch takes the training samples in a seeded shuffle (PyTorch's \
           DataLoader(shuffle=True)); false: in the data set's order",
    default: DefaultValue::Fixed(|| true.to_string()),
    restart: true,
    parse: Some(|l, v| {
        l.shuffle = Some(flag(v)?);
        Ok(())
    }),
    print: Some(|l| l.shuffle.map(|v| v.to_string())),
};

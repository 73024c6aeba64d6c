//! Rows a state line does not hold (no key): how long a run trains, its
//! learning-rate schedule, early stopping, checkpoints, shards.

use crate::request::{ScheduleChoice, TrainRequest};
use crate::settings::values::{count, float, number, one_of};
use crate::settings::{DefaultValue, NamedValue, SettingRow};
use nn_train::Setting;

/// `--schedule`'s values.
const SCHEDULES: &[NamedValue] = &[
    NamedValue::new("constant", "The same rate throughout"),
    NamedValue::new(
        "step",
        "Multiply by --step-factor every --step-every epochs",
    ),
    NamedValue::new("cosine", "Cosine annealing over --epochs"),
];

/// The row of [`Setting::Schedule`].
pub(super) const SCHEDULE: SettingRow = SettingRow {
    setting: Setting::Schedule,
    key: None,
    flag: Some("--schedule"),
    value_name: "NAME",
    heading: Some("Training"),
    values: SCHEDULES,
    playground: None,
    help: "Learning-rate schedule: step multiplies by --step-factor every --step-every \
           epochs; cosine anneals to --min-lr-factor of the rate over --epochs",
    default: DefaultValue::Fixed(|| "constant".into()),
    restart: true,
    parse: Some(|l, v| {
        let names = ScheduleChoice::ALL.map(ScheduleChoice::name);
        l.flag_only.schedule = Some(ScheduleChoice::from_name(v).ok_or_else(|| one_of(&names))?);
        Ok(())
    }),
    print: None,
};

/// The row of [`Setting::StepEvery`].
pub(super) const STEP_EVERY: SettingRow = SettingRow {
    setting: Setting::StepEvery,
    key: None,
    flag: Some("--step-every"),
    value_name: "N",
    heading: Some("Training"),
    values: &[],
    playground: None,
    help: "Epochs between decays of --schedule step [default: a third of --epochs]",
    default: DefaultValue::Derived,
    restart: true,
    parse: Some(|l, v| {
        l.flag_only.step_every = Some(count(v, "a number of epochs, e.g. 30")?);
        Ok(())
    }),
    print: None,
};

/// The row of [`Setting::StepFactor`].
pub(super) const STEP_FACTOR: SettingRow = SettingRow {
    setting: Setting::StepFactor,
    key: None,
    flag: Some("--step-factor"),
    value_name: "F",
    heading: Some("Training"),
    values: &[],
    playground: None,
    help: "Factor per decay of --schedule step",
    default: DefaultValue::Fixed(|| float(TrainRequest::default().step_factor)),
    restart: true,
    parse: Some(|l, v| {
        l.flag_only.step_factor = Some(number(v, "a number, e.g. 0.1")?);
        Ok(())
    }),
    print: None,
};

/// The row of [`Setting::MinLrFactor`].
pub(super) const MIN_LR_FACTOR: SettingRow = SettingRow {
    setting: Setting::MinLrFactor,
    key: None,
    flag: Some("--min-lr-factor"),
    value_name: "F",
    heading: Some("Training"),
    values: &[],
    playground: None,
    help: "The rate --schedule cosine anneals to, as a fraction of the learning rate \
           (PyTorch's eta_min / lr)",
    default: DefaultValue::Fixed(|| float(TrainRequest::default().min_lr_factor)),
    restart: true,
    parse: Some(|l, v| {
        l.flag_only.min_lr_factor = Some(number(v, "a fraction, e.g. 0.01")?);
        Ok(())
    }),
    print: None,
};

/// The row of [`Setting::Epochs`].
pub(super) const EPOCHS: SettingRow = SettingRow {
    setting: Setting::Epochs,
    key: None,
    flag: Some("--epochs"),
    value_name: "N",
    heading: Some("Training"),
    values: &[],
    playground: None,
    help: "Epochs (full passes over the training data); with --resume, the total to reach",
    default: DefaultValue::PerPurpose(|d| {
        d.epochs
            .map_or_else(|| "until stopped".into(), |e| e.to_string())
    }),
    restart: false,
    parse: Some(|l, v| {
        l.flag_only.epochs = Some(count(v, "a number of epochs, e.g. 100")?);
        Ok(())
    }),
    print: None,
};

/// The row of [`Setting::EarlyStop`].
pub(super) const EARLY_STOP: SettingRow = SettingRow {
    setting: Setting::EarlyStop,
    key: None,
    flag: Some("--early-stop"),
    value_name: "N",
    heading: Some("Training"),
    values: &[],
    playground: None,
    help: "Stop when validation loss has not improved for N epochs, keeping the best weights",
    default: DefaultValue::Derived,
    restart: true,
    parse: Some(|l, v| {
        l.flag_only.early_stop = Some(count(v, "a number of epochs, e.g. 10")?);
        Ok(())
    }),
    print: None,
};

/// The row of [`Setting::CheckpointEvery`].
pub(super) const CHECKPOINT_EVERY: SettingRow = SettingRow {
    setting: Setting::CheckpointEvery,
    key: None,
    flag: Some("--checkpoint-every"),
    value_name: "N",
    heading: Some("Output"),
    values: &[],
    playground: None,
    help: "Epochs between checkpoints",
    default: DefaultValue::Fixed(|| TrainRequest::default().checkpoint_every.to_string()),
    restart: false,
    parse: Some(|l, v| {
        l.flag_only.checkpoint_every = Some(count(v, "a number of epochs, e.g. 1")?);
        Ok(())
    }),
    print: None,
};

/// The row of [`Setting::ShardSize`].
pub(super) const SHARD_SIZE: SettingRow = SettingRow {
    setting: Setting::ShardSize,
    key: None,
    flag: None,
    value_name: "",
    heading: None,
    values: &[],
    playground: None,
    help: "Samples per shard (a function of the batch size alone by default)",
    default: DefaultValue::Derived,
    restart: true,
    parse: None,
    print: None,
};

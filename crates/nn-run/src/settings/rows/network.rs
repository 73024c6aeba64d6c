//! Rows of the network's shape (`--help`'s Network), with the named values of
//! its activations and losses.

use crate::settings::values::{activation, join, one_of, sizes};
use crate::settings::{DefaultValue, NamedValue, SettingRow};
use nn_core::Loss;
use nn_train::Setting;

/// `--activation`'s values (softmax only at the output).
const HIDDEN_ACTIVATIONS: &[NamedValue] = &[
    NamedValue::new("sigmoid", "The seed's 1 / (1 + e^-z)"),
    NamedValue::new("tanh", "tanh z"),
    NamedValue::new("relu", "max(0, z)"),
    NamedValue::new("linear", "z"),
];

/// `--output`'s values.
const OUTPUT_ACTIVATIONS: &[NamedValue] = &[
    NamedValue::new("sigmoid", "Independent probabilities (with mse or bce)"),
    NamedValue::new("softmax", "A distribution over the classes (with ce)"),
    NamedValue::new("linear", "Regression outputs"),
    NamedValue::new("tanh", "tanh z"),
    NamedValue::new("relu", "max(0, z)"),
];

/// `--loss`'s values.
const LOSSES: &[NamedValue] = &[
    NamedValue::new(
        "mse",
        "PyTorch's MSELoss: the mean of (d - o)^2 over outputs and batch",
    ),
    NamedValue::new(
        "seed",
        "The seed's 1/2 sum_k (d_k - o_k)^2 per sample, mean over the batch: K/2 times mse's \
         gradient",
    ),
    NamedValue::new("ce", "PyTorch's CrossEntropyLoss over a softmax output"),
    NamedValue::new(
        "bce",
        "PyTorch's BCELoss over sigmoid outputs (the mean over outputs)",
    ),
];

/// The row of [`Setting::Features`].
pub(super) const FEATURES: SettingRow = SettingRow {
    setting: Setting::Features,
    key: Some("features"),
    flag: Some("--features"),
    value_name: "LIST",
    heading: Some("Network"),
    values: &[],
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
};

/// The row of [`Setting::Hidden`].
pub(super) const HIDDEN: SettingRow = SettingRow {
    setting: Setting::Hidden,
    key: Some("hidden"),
    flag: Some("--hidden"),
    value_name: "SIZES",
    heading: Some("Network"),
    values: &[],
    playground: Some("networkShape"),
    help: "Hidden layer sizes, e.g. 100,50 (inputs and outputs follow from the data)",
    default: DefaultValue::PerPurpose(|d| join(d.hidden)),
    restart: true,
    parse: Some(|l, v| {
        let sizes = sizes(v, "expected layer sizes, e.g. 8,8 (or nothing for none)")?;
        l.hidden = Some(sizes);
        Ok(())
    }),
    print: Some(|l| l.hidden.as_deref().map(join)),
};

/// The row of [`Setting::Layers`].
pub(super) const LAYERS: SettingRow = SettingRow {
    setting: Setting::Layers,
    key: None,
    flag: Some("--layers"),
    value_name: "SIZES",
    heading: Some("Network"),
    values: &[],
    playground: None,
    help: "All layer sizes, inputs first, e.g. 784,100,10 (must match the data)",
    default: DefaultValue::Derived,
    restart: true,
    parse: Some(|l, v| {
        let sizes = sizes(v, "expected layer sizes, inputs first, e.g. 784,100,10")?;
        if sizes.is_empty() {
            return Err("expected layer sizes, inputs first, e.g. 784,100,10".into());
        }
        l.flag_only.layers = Some(sizes);
        Ok(())
    }),
    print: None,
};

/// The row of [`Setting::Activation`].
pub(super) const ACTIVATION: SettingRow = SettingRow {
    setting: Setting::Activation,
    key: Some("activation"),
    flag: Some("--activation"),
    value_name: "NAME",
    heading: Some("Network"),
    values: HIDDEN_ACTIVATIONS,
    playground: Some("activation"),
    help: "Hidden-layer activation",
    default: DefaultValue::PerPurpose(|d| d.activation.name().into()),
    restart: true,
    parse: Some(|l, v| {
        l.activation = Some(activation(v, false)?);
        Ok(())
    }),
    print: Some(|l| l.activation.map(|a| a.name().into())),
};

/// The row of [`Setting::Output`].
pub(super) const OUTPUT: SettingRow = SettingRow {
    setting: Setting::Output,
    key: Some("output"),
    flag: Some("--output"),
    value_name: "NAME",
    heading: Some("Network"),
    values: OUTPUT_ACTIVATIONS,
    playground: None,
    help: "Output-layer activation",
    default: DefaultValue::Derived,
    restart: true,
    parse: Some(|l, v| {
        l.output = Some(activation(v, true)?);
        Ok(())
    }),
    print: Some(|l| l.output.map(|a| a.name().into())),
};

/// The row of [`Setting::Loss`].
pub(super) const LOSS: SettingRow = SettingRow {
    setting: Setting::Loss,
    key: Some("loss"),
    flag: Some("--loss"),
    value_name: "NAME",
    heading: Some("Network"),
    values: LOSSES,
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
};

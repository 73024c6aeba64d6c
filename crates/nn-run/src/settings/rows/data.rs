//! Rows of where the data comes from and how it is split (`--help`'s Data).

use crate::settings::values::{count, decode, encode, float, number, seed};
use crate::settings::{DefaultValue, SettingRow};
use crate::setup::DataOptions;
use nn_train::Setting;

/// The row of [`Setting::Data`].
pub(super) const DATA: SettingRow = SettingRow {
    setting: Setting::Data,
    key: Some("data"),
    flag: Some("--data"),
    value_name: "SPEC",
    heading: None,
    values: &[],
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
};

/// The row of [`Setting::Samples`].
pub(super) const SAMPLES: SettingRow = SettingRow {
    setting: Setting::Samples,
    key: Some("samples"),
    flag: Some("--samples"),
    value_name: "N",
    heading: Some("Data"),
    values: &[],
    playground: None,
    help: "Samples to generate (generators only)",
    default: DefaultValue::Fixed(|| DataOptions::default().samples.to_string()),
    restart: true,
    parse: Some(|l, v| {
        l.samples = Some(count(v, "a number of samples, e.g. 500")?);
        Ok(())
    }),
    print: Some(|l| l.samples.map(|v| v.to_string())),
};

/// The row of [`Setting::Noise`].
pub(super) const NOISE: SettingRow = SettingRow {
    setting: Setting::Noise,
    key: Some("noise"),
    flag: Some("--noise"),
    value_name: "F",
    heading: Some("Data"),
    values: &[],
    playground: Some("noise"),
    help: "Generator noise (default: the generator's own, e.g. 0.2 for spiral)",
    default: DefaultValue::Derived,
    restart: true,
    parse: Some(|l, v| {
        l.noise = Some(number(v, "a number, e.g. 0.2")?);
        Ok(())
    }),
    print: Some(|l| l.noise.map(float)),
};

/// The row of [`Setting::TestFraction`].
pub(super) const TEST_FRACTION: SettingRow = SettingRow {
    setting: Setting::TestFraction,
    key: Some("test"),
    flag: Some("--test-split"),
    value_name: "F",
    heading: Some("Data"),
    values: &[],
    playground: Some("percTrainData"),
    help: "Fraction held out for testing (mnist has its own 10,000 test images)",
    default: DefaultValue::Fixed(|| float(DataOptions::default().test_fraction)),
    restart: true,
    parse: Some(|l, v| {
        l.test_fraction = Some(number(v, "a fraction, e.g. 0.2")?);
        Ok(())
    }),
    print: Some(|l| l.test_fraction.map(float)),
};

/// The row of [`Setting::ValidationFraction`].
pub(super) const VALIDATION_FRACTION: SettingRow = SettingRow {
    setting: Setting::ValidationFraction,
    key: Some("val"),
    flag: Some("--val-split"),
    value_name: "F",
    heading: Some("Data"),
    values: &[],
    playground: None,
    help: "Fraction held out for validation (0.1 when --early-stop is given without it)",
    // 0, but 0.1 with --early-stop and 0.2 in a sweep: said in the help.
    default: DefaultValue::Derived,
    restart: true,
    parse: Some(|l, v| {
        l.validation_fraction = Some(number(v, "a fraction, e.g. 0.1")?);
        Ok(())
    }),
    print: Some(|l| l.validation_fraction.map(float)),
};

/// The row of [`Setting::DataSeed`].
pub(super) const DATA_SEED: SettingRow = SettingRow {
    setting: Setting::DataSeed,
    key: Some("data-seed"),
    flag: Some("--seed"),
    value_name: "N",
    heading: Some("Data"),
    values: &[],
    playground: Some("seed"),
    help: "Seed for data generation, splits, initial weights and shuffling",
    default: DefaultValue::Fixed(|| DataOptions::default().seed.to_string()),
    restart: true,
    parse: Some(|l, v| {
        l.data_seed = Some(seed(v)?);
        Ok(())
    }),
    print: Some(|l| l.data_seed.map(|v| v.to_string())),
};

/// The row of [`Setting::Target`].
pub(super) const TARGET: SettingRow = SettingRow {
    setting: Setting::Target,
    key: Some("target"),
    flag: Some("--target"),
    value_name: "COL",
    heading: Some("Data"),
    values: &[],
    playground: None,
    help: "CSV target column (default: `label`, else the last column)",
    default: DefaultValue::Derived,
    restart: true,
    parse: Some(|l, v| {
        l.target = Some(decode(v));
        Ok(())
    }),
    print: Some(|l| l.target.as_deref().map(encode)),
};

//! Rows of how a watched run is shown and paced, and whose defaults a line takes.

use crate::request::Purpose;
use crate::settings::values::{flag, one_of};
use crate::settings::{DefaultValue, SettingRow};
use nn_train::Setting;

/// The row of [`Setting::Speed`].
pub(super) const SPEED: SettingRow = SettingRow {
    setting: Setting::Speed,
    key: Some("speed"),
    flag: Some("--speed"),
    value_name: "SPEED",
    heading: None,
    values: &[],
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
};

/// The row of [`Setting::Discretize`].
pub(super) const DISCRETIZE: SettingRow = SettingRow {
    setting: Setting::Discretize,
    key: Some("discretize"),
    flag: None,
    value_name: "",
    heading: None,
    values: &[],
    playground: Some("discretize"),
    help: "The dashboard shows the output discretized (sign or class, not shades)",
    default: DefaultValue::Fixed(|| false.to_string()),
    restart: false,
    parse: Some(|l, v| {
        l.discretize = Some(flag(v)?);
        Ok(())
    }),
    print: Some(|l| l.discretize.map(|v| v.to_string())),
};

/// The row of [`Setting::TestPoints`].
pub(super) const TEST_POINTS: SettingRow = SettingRow {
    setting: Setting::TestPoints,
    key: Some("test-points"),
    flag: None,
    value_name: "",
    heading: None,
    values: &[],
    playground: Some("showTestData"),
    help: "The dashboard shows the test points",
    default: DefaultValue::Fixed(|| true.to_string()),
    restart: false,
    parse: Some(|l, v| {
        l.test_points = Some(flag(v)?);
        Ok(())
    }),
    print: Some(|l| l.test_points.map(|v| v.to_string())),
};

/// The row of [`Setting::Defaults`].
pub(super) const DEFAULTS: SettingRow = SettingRow {
    setting: Setting::Defaults,
    key: Some("defaults"),
    flag: None,
    value_name: "",
    heading: None,
    values: &[],
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
};

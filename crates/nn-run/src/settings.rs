//! The one table of a run's settings: [`SETTINGS`], one row per [`Setting`].
//!
//! A row says everything the front ends need about one setting: its key in a
//! state line, its command-line flag, its key in a TensorFlow Playground URL, the
//! help text `--help` prints, its default (fixed, or per [`Purpose`] from
//! [`crate::DEFAULTS`]), whether the dashboard must restart the run to apply it,
//! and how a state line prints and parses its value. The state line's parse and
//! print, run.json's `settings`, the flags' help and the keys a sweep may vary
//! all come from here, so a new setting is one row (plus its effect in the engine).
//! nn-tui builds the flags of `train`, `dash` and `sweep` from the rows (name,
//! value name, heading, named values, help, fixed default) and reads each flag's
//! text with the row's `parse`, into the same [`StateLine`] a line reads into.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::request::{Defaults, Purpose};
use crate::state_line::{StateLine, StateLineError};
use nn_train::Setting;

mod rows;
mod values;

pub use rows::SETTINGS;
pub use values::float;

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
    /// The flag's text is read by `parse`, as the line's value is.
    pub flag: Option<&'static str>,
    /// What `--help` calls the flag's value (`F`, `N`, `SIZES`).
    pub value_name: &'static str,
    /// The `--help` section the flag is listed in (`None`: the first, unnamed one).
    pub heading: Option<&'static str>,
    /// The names the value may take, when it is one of a few (`--help` lists them).
    pub values: &'static [NamedValue],
    /// Its key in a TensorFlow Playground URL (`learningRate`), when it has one.
    pub playground: Option<&'static str>,
    /// What `--help` says about it.
    pub help: &'static str,
    /// Its default.
    pub default: DefaultValue,
    /// The dashboard restarts the run (new data or new weights) to apply a change.
    pub restart: bool,
    /// Reads the value from a state line's text or a flag's into a [`StateLine`]
    /// (a row without a key into its [`crate::FlagOnly`] part).
    pub parse: Option<Parse>,
    /// Prints the value as a state line holds it.
    pub print: Option<Print>,
}

/// One of the names a setting's value may take, with what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedValue {
    /// The name, as a line and a flag take it (`relu`).
    pub name: &'static str,
    /// What it is, in a few words.
    pub help: &'static str,
}

impl NamedValue {
    const fn new(name: &'static str, help: &'static str) -> Self {
        Self { name, help }
    }
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

/// run.json's `settings`: every field of the run's state line, by its key
/// (`{"data": "spiral", "lr": "0.03", ...}`), as the line prints each value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunSettings(pub BTreeMap<String, String>);

impl RunSettings {
    /// The settings of `line`.
    pub fn of(line: &StateLine) -> Self {
        Self::of_fields(line.fields())
    }

    /// The settings of a line's [`StateLine::fields`].
    pub(crate) fn of_fields(fields: Vec<(&'static str, String)>) -> Self {
        Self(
            fields
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

//! The flags of a run's settings, generated from nn-run's one table
//! ([`nn_run::SETTINGS`]): one clap argument per row with a flag, named,
//! described, grouped and defaulted by its row, its text read by the row's own
//! `parse` into a [`StateLine`], as a state line's `key=value` is. No clap field
//! per setting, no enum mirroring the engine's names: a new row is a new flag.

use std::marker::PhantomData;
use std::sync::LazyLock;

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use nn_run::{SETTINGS, SettingRow, StateLine};
use nn_train::Setting;

/// Which rows of the table a command has flags for.
pub trait Selection: 'static {
    /// Whether the command has `row`'s flag (a row with a flag, but `--data`,
    /// which each command declares with its own help and requirement).
    fn includes(row: &SettingRow) -> bool;
}

/// `train`: every setting but the dashboard's `--speed`.
#[derive(Debug, Clone, Copy)]
pub struct TrainSettings;
/// `dash`: every setting but `--checkpoint-every` (the dashboard checkpoints on request).
#[derive(Debug, Clone, Copy)]
pub struct DashSettings;
/// `sweep`: the settings of a trial (no `--speed`, no `--checkpoint-every`).
#[derive(Debug, Clone, Copy)]
pub struct SweepSettings;
/// `eval` and `data`: how the data is generated and split (the `Data` heading).
#[derive(Debug, Clone, Copy)]
pub struct DataSettings;

impl Selection for TrainSettings {
    fn includes(row: &SettingRow) -> bool {
        row.setting != Setting::Speed
    }
}

impl Selection for DashSettings {
    fn includes(row: &SettingRow) -> bool {
        row.setting != Setting::CheckpointEvery
    }
}

impl Selection for SweepSettings {
    fn includes(row: &SettingRow) -> bool {
        !matches!(row.setting, Setting::Speed | Setting::CheckpointEvery)
    }
}

impl Selection for DataSettings {
    fn includes(row: &SettingRow) -> bool {
        row.heading == Some("Data")
    }
}

/// The flags of the settings `S` selects, as given on the command line: each
/// row's text, in the table's order. Flags left out are not here (their
/// defaults are the request's and the data options', as for a line).
#[derive(Debug, Clone)]
pub struct SettingFlags<S> {
    given: Vec<(&'static SettingRow, String)>,
    selection: PhantomData<S>,
}

impl<S: Selection> SettingFlags<S> {
    /// Whether the flag of `setting` was given.
    pub fn given(&self, setting: Setting) -> bool {
        self.given.iter().any(|(row, _)| row.setting == setting)
    }

    /// `line` with every given flag's value in place of its own: flags over
    /// `--state` (or over nothing, when built from flags alone).
    pub fn over(&self, mut line: StateLine) -> StateLine {
        for (row, text) in &self.given {
            read(row, &mut line, text).expect("checked when the flags were parsed");
        }
        line
    }

    /// The given flags' values alone, in an otherwise empty line.
    pub fn line(&self) -> StateLine {
        self.over(StateLine::default())
    }

    fn rows() -> impl Iterator<Item = &'static SettingRow> {
        SETTINGS
            .iter()
            .filter(|row| row.flag.is_some() && row.setting != Setting::Data && S::includes(row))
    }
}

/// The clap id (and long name) of a row's flag: `val-split` for `--val-split`.
pub(super) fn id(row: &SettingRow) -> &'static str {
    row.flag
        .expect("a row with a flag")
        .trim_start_matches("--")
}

/// Reads `text` as `row`'s value into `line`, with the row's own parse.
fn read(row: &SettingRow, line: &mut StateLine, text: &str) -> Result<(), String> {
    let parse = row.parse.expect("a row with a flag reads it");
    parse(line, text)
}

/// The argument of `row`: its name, value name, help, heading, named values and
/// fixed default from the row; repeated, its values join with commas (`--hidden 8
/// --hidden 4` is `--hidden 8,4`) when the row reads the joined text.
fn arg(row: &'static SettingRow) -> Arg {
    let mut arg = Arg::new(id(row))
        .long(id(row))
        .value_name(row.value_name)
        .help(row.help)
        .action(ArgAction::Append);
    if let Some(heading) = row.heading {
        arg = arg.help_heading(heading);
    }
    if let Some(default) = table_default(row.setting) {
        arg = arg.default_value(default);
    }
    if row.setting == Setting::Hidden {
        // The other way to give the network's shape.
        arg = arg.conflicts_with(id(nn_run::row(Setting::Layers)));
    }
    if row.values.is_empty() {
        arg.value_parser(move |text: &str| {
            read(row, &mut StateLine::default(), text).map(|()| text.to_string())
        })
    } else {
        let values = row
            .values
            .iter()
            .map(|v| PossibleValue::new(v.name).help(v.help));
        arg.value_parser(PossibleValuesParser::new(values))
    }
}

impl<S: Selection> Args for SettingFlags<S> {
    fn augment_args(mut cmd: Command) -> Command {
        let mut added: Vec<&str> = Vec::new();
        for row in Self::rows() {
            // --seed sets both seeds: one flag, the first row's.
            if !added.contains(&id(row)) {
                added.push(id(row));
                cmd = cmd.arg(arg(row));
            }
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl<S: Selection> FromArgMatches for SettingFlags<S> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut given = Vec::new();
        for row in Self::rows() {
            let id = id(row);
            if matches.value_source(id) != Some(ValueSource::CommandLine) {
                continue;
            }
            let texts: Vec<&str> = matches
                .get_many::<String>(id)
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect();
            let text = texts.join(",");
            if let Err(problem) = read(row, &mut StateLine::default(), &text) {
                let flag = format!("--{id} <{}>", row.value_name);
                return Err(if texts.len() > 1 {
                    clap::Error::raw(
                        ErrorKind::ArgumentConflict,
                        format!("the argument '{flag}' cannot be used multiple times\n"),
                    )
                } else {
                    clap::Error::raw(
                        ErrorKind::ValueValidation,
                        format!("invalid value '{text}' for '{flag}': {problem}\n"),
                    )
                });
            }
            given.push((row, text));
        }
        Ok(Self {
            given,
            selection: PhantomData,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

/// The flag that sets `setting` (from the table of settings, [`nn_run::SETTINGS`]).
pub fn flag(setting: Setting) -> &'static str {
    nn_run::flag_of(setting)
}

/// `train --data`'s help, the generators named from nn-data's own list.
pub(super) fn train_data_help() -> String {
    format!(
        "Dataset: a generator ({}), a formula ('formula:x1*x2 > 0' classifies points of \
         [-6, 6]² by a rule, 'formula:reg sin(x1)*cos(x2)' gives them values; --noise blurs \
         them), mnist, a CSV file with a header row, - for a CSV file on stdin, or a folder of \
         MNIST-format IDX files. Stdin is read once, to its end, so the splits are still \
         seeded: the same rows and --seed give the same split as the file would",
        nn_data::GENERATORS.join(", ")
    )
}

/// The fixed default of `setting` in the table, as the text `--help` shows
/// (`None`: per purpose, or derived): clap needs a `&'static str`.
fn table_default(setting: Setting) -> Option<&'static str> {
    static TEXTS: LazyLock<Vec<(Setting, String)>> = LazyLock::new(|| {
        SETTINGS
            .iter()
            .filter_map(|row| Some((row.setting, row.fixed_default()?)))
            .collect()
    });
    TEXTS
        .iter()
        .find(|(s, _)| *s == setting)
        .map(|(_, text)| text.as_str())
}

/// The flags a state line defines, which `--state` therefore replaces (as clap's
/// argument ids): the flag of every row with a state-line key, but the speed (a
/// line's pace only fills in what `--speed` does not give), and `--layers`, the
/// other way to give the network's shape.
pub(super) fn state_fields() -> impl Iterator<Item = &'static str> {
    static IDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        let mut ids: Vec<&'static str> = Vec::new();
        let rows = SETTINGS
            .iter()
            .filter(|row| row.key.is_some() && row.setting != Setting::Speed)
            .chain([nn_run::row(Setting::Layers)]);
        for row in rows.filter(|row| row.flag.is_some()) {
            // --seed sets both seeds: one id.
            if !ids.contains(&id(row)) {
                ids.push(id(row));
            }
        }
        ids
    });
    IDS.iter().copied()
}

//! What the flags read from nn-run's settings table: each setting's help and
//! fixed default, the values read by the row's own parse, the flags `--state`
//! replaces, and `--optimizer`'s values.

use std::sync::LazyLock;

use nn_run::{OptimizerChoice, SETTINGS, StateLine};
use nn_train::Setting;

/// The flag that sets `setting` (from the table of settings, [`nn_run::SETTINGS`]).
pub fn flag(setting: Setting) -> &'static str {
    nn_run::flag_of(setting)
}

/// The help text of `setting`, from the table of settings.
pub(super) fn help(setting: Setting) -> &'static str {
    nn_run::help(setting)
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

/// The help text of `setting` and its fixed default, for a flag clap shows no default for.
pub(super) fn help_and_default(setting: Setting) -> String {
    format!("{} [default: {}]", help(setting), table_default(setting))
}

/// The fixed default of `setting` in the table, as the text clap parses for an
/// absent flag (and `--help` shows): the flags hold no defaults of their own.
pub fn table_default(setting: Setting) -> &'static str {
    static TEXTS: LazyLock<Vec<(Setting, String)>> = LazyLock::new(|| {
        SETTINGS
            .iter()
            .filter_map(|row| Some((row.setting, row.fixed_default()?)))
            .collect()
    });
    TEXTS.iter().find(|(s, _)| *s == setting).map_or_else(
        || panic!("{setting:?} has a fixed default in nn_run::SETTINGS"),
        |(_, text)| text.as_str(),
    )
}

/// The flags a state line defines, which `--state` therefore replaces (as clap's
/// argument ids): the flag of every row with a state-line key, but the speed (a
/// line's pace only fills in what `--speed` does not give), and `--layers`, the
/// other way to give the network's shape.
pub(super) fn state_fields() -> impl Iterator<Item = &'static str> {
    static IDS: LazyLock<Vec<String>> = LazyLock::new(|| {
        let mut ids: Vec<String> = Vec::new();
        let rows = SETTINGS
            .iter()
            .filter(|row| row.key.is_some() && row.setting != Setting::Speed)
            .chain([nn_run::row(Setting::Layers)]);
        for flag in rows.filter_map(|row| row.flag) {
            let id = flag.trim_start_matches("--").replace('-', "_");
            // --seed sets both seeds: one id.
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    });
    IDS.iter().map(String::as_str)
}

/// Reads a flag's `text` as the state line reads `setting`'s key (the table's
/// parse, with its message), and `take`s the value: one check for both.
pub(super) fn read_as_line<T>(
    setting: Setting,
    text: &str,
    take: fn(StateLine) -> Option<T>,
) -> Result<T, String> {
    let parse = nn_run::row(setting)
        .parse
        .unwrap_or_else(|| panic!("{setting:?}: a state line holds it"));
    let mut line = StateLine::default();
    parse(&mut line, text)?;
    Ok(take(line).unwrap_or_else(|| panic!("{setting:?}: its parse sets it")))
}

pub(super) fn parse_speed(text: &str) -> Result<nn_run::Pace, String> {
    read_as_line(Setting::Speed, text, |l| l.pace)
}

pub(super) fn parse_features(list: &str) -> Result<nn_data::Features, String> {
    read_as_line(Setting::Features, list, |l| l.features)
}

pub(super) fn parse_betas(text: &str) -> Result<(f32, f32), String> {
    read_as_line(Setting::Betas, text, |l| l.betas)
}

/// `--optimizer`'s values: nn-run's choices, by their names and descriptions (no
/// mirror enum to keep in step).
pub(super) fn optimizer_parser() -> impl clap::builder::TypedValueParser<Value = OptimizerChoice> {
    use clap::builder::TypedValueParser as _;
    let values = OptimizerChoice::ALL
        .map(|choice| clap::builder::PossibleValue::new(choice.name()).help(choice.describe()));
    clap::builder::PossibleValuesParser::new(values).map(|name| {
        OptimizerChoice::from_name(&name).expect("clap passes only the names it was given")
    })
}

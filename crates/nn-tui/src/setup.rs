//! From flags to what nn-train takes: data options and a training request, and
//! the output paths checked before any training starts.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nn_run::{DataOptions, DataSpec, TrainRequest};
use nn_train::TrainData;

use nn_tui::{DataArgs, NetworkArgs, TrainingArgs};

/// The data options the flags ask for, with the input `features` the network
/// flags name; `early_stop` turns on a 10% validation split when none was given.
/// nn-train checks them ([`DataOptions::validate`]).
pub fn data_options(
    args: &DataArgs,
    features: Option<nn_data::Features>,
    early_stop: bool,
) -> DataOptions {
    DataOptions {
        samples: args.samples,
        noise: args.noise,
        seed: args.seed,
        validation_fraction: args.val_split.unwrap_or(if early_stop {
            DataOptions::EARLY_STOP_VALIDATION
        } else {
            DataOptions::default().validation_fraction
        }),
        test_fraction: args.test_split,
        target: args.target.clone(),
        normalization: None,
        features,
    }
}

/// Parses `--data` and loads, splits and normalises the data.
pub fn load(spec: &str, options: &DataOptions) -> Result<(DataSpec, TrainData)> {
    let parsed = DataSpec::parse(spec)?;
    let data = nn_run::load_data(&parsed, options).with_context(|| format!("--data {spec}"))?;
    Ok((parsed, data))
}

/// What the network and training flags ask for; nn-train checks it and fills in the defaults.
pub fn request(net: &NetworkArgs, t: &TrainingArgs, seed: u64) -> TrainRequest {
    TrainRequest {
        hidden: net.hidden.clone(),
        layers: net.layers.clone(),
        activation: net.activation.map(Into::into),
        output: net.output.map(Into::into),
        loss: net.loss.map(Into::into),
        optimizer: t.optimizer,
        learning_rate: t.lr,
        momentum: t.momentum,
        weight_decay: t.weight_decay,
        betas: t.betas,
        l1: t.l1,
        l2: t.l2,
        clip_norm: t.clip,
        schedule: t.schedule.into(),
        step_every: t.step_every,
        step_factor: t.step_factor,
        min_lr_factor: t.min_lr_factor,
        batch_size: t.batch,
        shuffle: !t.no_shuffle,
        epochs: t.epochs,
        threads: t.threads,
        seed,
        early_stop_patience: t.early_stop,
        ..TrainRequest::default()
    }
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Checks that a file can be written at `path` (by creating and removing a temporary
/// file beside it), so a bad path fails before training rather than after.
pub fn check_writable_file(flag: &str, path: &Path) -> Result<()> {
    if path.is_dir() {
        bail!(
            "{flag} {}: is a folder; expected a file name",
            path.display()
        );
    }
    let dir = folder_of(path);
    if !dir.is_dir() {
        bail!(
            "{flag} {}: the folder {} does not exist",
            path.display(),
            dir.display()
        );
    }
    probe(flag, path, &dir)
}

/// Creates `dir` if needed and checks that files can be written in it.
pub fn check_writable_dir(flag: &str, dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        bail!("{flag} {}: is a file; expected a folder", dir.display());
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{flag} {}: cannot create the folder", dir.display()))?;
    probe(flag, dir, dir)
}

fn probe(flag: &str, path: &Path, dir: &Path) -> Result<()> {
    tempfile::Builder::new()
        .prefix(".nn-tui-check-")
        .tempfile_in(dir)
        .map(drop)
        .with_context(|| {
            format!(
                "{flag} {}: cannot write in {}",
                path.display(),
                dir.display()
            )
        })
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use nn_run::{SETTINGS, StateLine};
    use nn_train::Setting;
    use proptest::prelude::*;

    use super::{data_options, request};
    use nn_tui::{Cli, Command};

    /// Every row of nn-run's table with a flag is that flag, once, in `train`,
    /// `dash` or `sweep`, and in each command that has it with the row's help and
    /// the row's fixed default (clap's, or in the help when the flag may be left
    /// out); every state-line key is in run.json.
    #[test]
    fn state_line_keys_flags_and_run_json_agree() {
        let cli = nn_tui::command();
        for row in SETTINGS {
            let Some(flag) = row.flag else { continue };
            let mut commands = 0;
            for sub in ["train", "dash", "sweep"] {
                let command = cli.find_subcommand(sub).unwrap();
                let args: Vec<_> = command
                    .get_arguments()
                    .filter(|a| a.get_long() == flag.strip_prefix("--"))
                    .collect();
                assert!(args.len() <= 1, "{flag} is one flag of {sub}");
                let Some(arg) = args.first() else { continue };
                commands += 1;
                let help = arg.get_help().unwrap().to_string();
                // --data's help in each command says more (its formulas, its default).
                if row.setting != Setting::Data {
                    assert!(help.starts_with(row.help), "{sub} {flag}: {help}");
                }
                let defaults: Vec<String> = arg
                    .get_default_values()
                    .iter()
                    .map(|v| v.to_string_lossy().into_owned())
                    .collect();
                match row.fixed_default() {
                    // Its default depends on the command and --early-stop, said in words.
                    Some(_) if row.setting == Setting::ValidationFraction => {}
                    Some(text) if defaults.is_empty() => {
                        assert!(
                            help.ends_with(&format!("[default: {text}]")),
                            "{sub} {flag}"
                        );
                    }
                    Some(text) => assert_eq!(defaults, [text], "{sub} {flag}"),
                    None => assert!(defaults.is_empty(), "{sub} {flag}: {defaults:?}"),
                }
            }
            assert!(commands > 0, "{flag} is a flag of train, dash or sweep");
        }
        // run.json holds every key of a full line.
        let line: StateLine = "nn-tui/1 data=spiral samples=300 noise=0.1 test=0.3 val=0.1 \
            data-seed=3 features=x1,x2,x1x2 hidden=4 activation=relu output=softmax loss=ce \
            optimizer=momentum momentum=0.5 lr=0.1 l1=0.001 l2=0.002 clip=2 batch=7 seed=3 \
            speed=max discretize=true test-points=false defaults=dashboard"
            .parse()
            .unwrap();
        let settings = nn_run::RunSettings::of(&line);
        let keys: Vec<&str> = nn_run::keys().collect();
        let weight_decay = ["weight-decay", "betas"]; // set with adam and adamw only
        for key in keys.iter().filter(|k| !weight_decay.contains(k)) {
            assert!(settings.0.contains_key(*key), "{key} in run.json");
        }
        assert_eq!(settings.line().unwrap(), line);
        let adamw: StateLine = "nn-tui/1 data=xor optimizer=adamw weight-decay=0.02 betas=0.8,0.99"
            .parse()
            .unwrap();
        let settings = nn_run::RunSettings::of(&adamw);
        for key in weight_decay {
            assert!(settings.0.contains_key(key), "{key} in run.json");
        }
        assert_eq!(settings.line().unwrap(), adamw);
    }

    /// A flag with named values takes exactly the names its state-line key reads,
    /// to the same run: the clap value lists agree with the table's parse.
    #[test]
    fn named_values_of_flags_are_the_ones_the_line_reads() {
        let cli = nn_tui::command();
        let dash = cli.find_subcommand("dash").unwrap();
        let engine_names = |setting| match setting {
            Setting::Activation => nn_core::Activation::ALL
                .into_iter()
                .filter(|a| a.hidden_allowed())
                .map(nn_core::Activation::name)
                .collect::<Vec<_>>(),
            Setting::Output => nn_core::Activation::ALL
                .map(nn_core::Activation::name)
                .to_vec(),
            Setting::Loss => nn_core::Loss::ALL.map(nn_core::Loss::name).to_vec(),
            Setting::Optimizer => nn_run::OptimizerChoice::ALL
                .map(nn_run::OptimizerChoice::name)
                .to_vec(),
            _ => Vec::new(),
        };
        let mut checked = 0;
        for row in SETTINGS {
            let (Some(key), Some(flag)) = (row.key, row.flag) else {
                continue;
            };
            let arg = dash
                .get_arguments()
                .find(|a| a.get_long() == flag.strip_prefix("--"))
                .unwrap();
            let mut values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_string())
                .collect();
            if values.is_empty() {
                continue;
            }
            let mut names: Vec<String> = engine_names(row.setting)
                .into_iter()
                .map(Into::into)
                .collect();
            values.sort();
            names.sort();
            assert_eq!(values, names, "{flag}");
            for value in &values {
                let line: StateLine = format!("nn-tui/1 data=xor {key}={value}").parse().unwrap();
                let cli =
                    Cli::try_parse_from(["nn-tui", "dash", "--data", "xor", flag, value]).unwrap();
                let Some(Command::Dash(dash)) = cli.command else {
                    panic!("dash")
                };
                let asked = request(&dash.network, &dash.training, dash.data_args.seed);
                assert_eq!(asked, line.request(), "{flag} {value}");
                checked += 1;
            }
        }
        assert_eq!(
            checked,
            4 + 5 + 4 + 5,
            "activation, output, loss and optimizer"
        );
    }

    /// `key=value` words for a line whose keys all have a flag (one seed for both seeds).
    fn words() -> impl Strategy<Value = Vec<(&'static str, String)>> {
        // Below a half, so the test and validation parts leave data to train on.
        let fraction = || (0u32..450).prop_map(|n| (n as f32 / 1000.0).to_string());
        let positive = || (1u32..10_000).prop_map(|n| (n as f32 / 1000.0).to_string());
        (
            (
                prop::option::of(1usize..3000),
                prop::option::of(fraction()),
                prop::option::of(fraction()),
                prop::option::of(fraction()),
                prop::option::of(any::<u64>()),
                prop::option::of(prop::sample::select(vec!["x1,x2", "x1^2,x2^2,sinx1"])),
                prop::option::of(prop::collection::vec(1usize..32, 1..3)),
            ),
            (
                prop::option::of(prop::sample::select(vec!["sigmoid", "tanh", "relu"])),
                prop::option::of(prop::sample::select(vec![
                    "sgd", "momentum", "adam", "adamw",
                ])),
                prop::option::of(fraction()),
                prop::option::of(positive()),
                prop::option::of(fraction()),
                prop::option::of(fraction()),
                prop::option::of(positive()),
                prop::option::of(1usize..300),
                prop::option::of(prop::sample::select(vec!["max", "5", "60", "2.5"])),
            ),
        )
            .prop_map(
                |(
                    (samples, noise, test, val, seed, features, hidden),
                    (activation, optimizer, extra, lr, l1, l2, clip, batch, speed),
                )| {
                    let mut w: Vec<(&'static str, String)> = Vec::new();
                    let mut put = |k: &'static str, v: Option<String>| {
                        if let Some(v) = v {
                            w.push((k, v));
                        }
                    };
                    put("samples", samples.map(|v| v.to_string()));
                    put("noise", noise);
                    put("test", test);
                    put("val", val);
                    put("data-seed", seed.map(|v| v.to_string()));
                    put("seed", seed.map(|v| v.to_string()));
                    put("features", features.map(Into::into));
                    put(
                        "hidden",
                        hidden.map(|h| {
                            h.iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(",")
                        }),
                    );
                    put("activation", activation.map(Into::into));
                    put("optimizer", optimizer.map(Into::into));
                    if matches!(optimizer, Some("adam" | "adamw")) {
                        put("betas", extra.as_ref().map(|b1| format!("{b1},0.99")));
                    }
                    match optimizer {
                        Some("momentum") => put("momentum", extra),
                        Some("adamw") => put("weight-decay", extra),
                        _ => {}
                    }
                    put("lr", lr);
                    put("l1", l1);
                    put("l2", l2);
                    put("clip", clip);
                    put("batch", batch.map(|v| v.to_string()));
                    put("speed", speed.map(Into::into));
                    w
                },
            )
    }

    /// `nn-tui dash --data xor` and the flags of `words` (each key's flag from the
    /// table), read by clap into what they ask for: request and data options.
    fn flags_of(words: &[(&str, String)]) -> (nn_run::TrainRequest, nn_run::DataOptions) {
        let mut args = vec![
            "nn-tui".to_string(),
            "dash".into(),
            "--data".into(),
            "xor".into(),
        ];
        for (key, value) in words {
            if *key == "data-seed" {
                continue; // --seed sets both
            }
            let row = nn_run::by_key(key).unwrap();
            args.push(row.flag.unwrap().into());
            args.push(value.clone());
        }
        let cli = Cli::try_parse_from(&args).unwrap();
        let Some(Command::Dash(dash)) = cli.command else {
            panic!("dash")
        };
        let mut asked = request(&dash.network, &dash.training, dash.data_args.seed);
        asked.pace = dash.speed;
        let options = data_options(&dash.data_args, dash.network.features.clone(), false);
        (asked, options)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// flags -> line -> flags: the state line a run prints for its flags,
        /// written back as flags (each key's flag from the table), trains the same
        /// configuration and prints the same line.
        #[test]
        fn flags_survive_their_state_line(words in words()) {
            let purpose = nn_run::Purpose::Dashboard;
            let spec = nn_run::DataSpec::parse("xor").unwrap();
            let run_of = |(asked, options): (nn_run::TrainRequest, nn_run::DataOptions)| {
                let data = nn_run::load_data(&spec, &options).unwrap();
                let config = asked.resolve(purpose, &data).unwrap();
                let pace = asked.pace(purpose, data.train.dim());
                (options, config, pace, data)
            };
            let (options, config, pace, data) = run_of(flags_of(&words));
            let line = StateLine::from_run(&spec, &options, &data, &config, pace);
            let read: StateLine = line.to_string().parse().unwrap();
            prop_assert_eq!(&read, &line);
            let back: Vec<(&str, String)> =
                read.fields().into_iter().filter(|(key, _)| *key != "data").collect();
            // The line names the data's defaults (noise, features) the flags left
            // out: the options differ in form, the run they load does not.
            let (options_back, config_back, pace_back, data_back) = run_of(flags_of(&back));
            prop_assert_eq!(&config_back, &config);
            prop_assert_eq!(pace_back, pace);
            let line_back =
                StateLine::from_run(&spec, &options_back, &data_back, &config_back, pace_back);
            prop_assert_eq!(line_back, line);
        }
    }

    proptest! {
        /// line -> flags -> run: the flags the table names for a line's keys ask
        /// for the same run as the line.
        #[test]
        fn a_line_and_its_flags_define_the_same_run(words in words()) {
            let text = std::iter::once("nn-tui/1 data=xor".to_string())
                .chain(words.iter().map(|(k, v)| format!("{k}={v}")))
                .collect::<Vec<_>>()
                .join(" ");
            let line: StateLine = text.parse().unwrap();
            let mut args = vec!["nn-tui".to_string(), "dash".into(), "--data".into(), "xor".into()];
            for (key, value) in &words {
                if *key == "data-seed" {
                    continue; // --seed sets both
                }
                let row = nn_run::by_key(key).unwrap();
                args.push(row.flag.unwrap().into());
                args.push(value.clone());
            }
            let cli = Cli::try_parse_from(&args).unwrap();
            let Some(Command::Dash(dash)) = cli.command else { panic!("dash") };
            let mut asked = request(&dash.network, &dash.training, dash.data_args.seed);
            asked.pace = dash.speed;
            prop_assert_eq!(asked, line.request());
            let options = data_options(&dash.data_args, dash.network.features.clone(), false);
            prop_assert_eq!(options, line.data_options());
        }
    }
}

//! The command line's tests: the flags are the table's (names, help, defaults,
//! named values), they read as a line reads, and flags -> line -> flags keeps the run.

use clap::Parser;
use nn_run::{SETTINGS, StateLine, TrainRequest};
use nn_train::Setting;
use proptest::prelude::*;

use crate::{Cli, Command, DashArgs};

/// `nn-tui ARGS`, which must parse, as `dash`'s arguments.
fn dash(args: &[String]) -> DashArgs {
    let cli = Cli::try_parse_from(args).unwrap();
    let Some(Command::Dash(dash)) = cli.command else {
        panic!("dash")
    };
    *dash
}

/// What `dash`'s flags ask for: the request and the data options.
fn asked(args: &[String]) -> (TrainRequest, nn_run::DataOptions) {
    let dash = dash(args);
    let (_, request, options) = dash
        .run
        .run(dash.data.as_deref(), None, TrainRequest::default());
    (request, options)
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(ToString::to_string).collect()
}

/// Every row of nn-run's table with a flag is that flag, once, in `train`,
/// `dash` or `sweep`, and in each command that has it with the row's help and
/// the row's fixed default (clap's, or in the help when the flag may be left
/// out); every state-line key is in run.json.
#[test]
fn state_line_keys_flags_and_run_json_agree() {
    let cli = crate::command();
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
        speed=max discretize=true test-points=false defaults=dashboard target=y shuffle=false"
        .parse()
        .unwrap();
    let settings = nn_run::RunSettings::of(&line);
    let keys: Vec<&str> = nn_run::keys().collect();
    let weight_decay = ["weight-decay", "betas", "eps"]; // set with adam and adamw only
    for key in keys.iter().filter(|k| !weight_decay.contains(k)) {
        assert!(settings.0.contains_key(*key), "{key} in run.json");
    }
    assert_eq!(settings.line().unwrap(), line);
    let adamw: StateLine =
        "nn-tui/1 data=xor optimizer=adamw weight-decay=0.02 betas=0.8,0.99 eps=0.000001"
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
    let cli = crate::command();
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
        Setting::Schedule => nn_run::ScheduleChoice::ALL
            .map(nn_run::ScheduleChoice::name)
            .to_vec(),
        _ => Vec::new(),
    };
    let mut checked = 0;
    for row in SETTINGS {
        let Some(flag) = row.flag else { continue };
        // --checkpoint-every is train's alone (and has no named values).
        let Some(arg) = dash
            .get_arguments()
            .find(|a| a.get_long() == flag.strip_prefix("--"))
        else {
            continue;
        };
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
            // A key's value as a line reads it; a flag's without a key (--schedule)
            // as the row reads it.
            let line = if let Some(key) = row.key {
                format!("nn-tui/1 data=xor {key}={value}").parse().unwrap()
            } else {
                let mut line = StateLine::new("xor");
                (row.parse.unwrap())(&mut line, value).unwrap();
                line
            };
            let (asked, _) = asked(&strings(&["nn-tui", "dash", "--data", "xor", flag, value]));
            assert_eq!(asked, line.request(), "{flag} {value}");
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        4 + 5 + 4 + 5 + 3,
        "activation, output, loss, optimizer and schedule"
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
            prop::option::of((1u32..10_000).prop_map(|n| format!("{n}e-9"))),
        ),
    )
        .prop_map(
            |(
                (samples, noise, test, val, seed, features, hidden),
                (activation, optimizer, extra, lr, l1, l2, clip, batch, speed, eps),
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
                    put("eps", eps);
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
    asked(&args)
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
        let (asked, options) = asked(&args);
        prop_assert_eq!(asked, line.request());
        prop_assert_eq!(options, line.data_options());
    }
}

/// A flag's bad value is a usage error naming the flag and what was expected,
/// in the row's own words (as a line's `key=value` would be).
#[test]
fn a_bad_flag_value_names_the_flag_and_what_was_expected() {
    for (args, expected) in [
        (
            ["--lr", "fast"],
            "invalid value 'fast' for '--lr <F>': expected a number, e.g. 0.03",
        ),
        (
            ["--hidden", "8,x"],
            "invalid value '8,x' for '--hidden <SIZES>': expected layer sizes",
        ),
        (
            ["--eps", "tiny"],
            "invalid value 'tiny' for '--eps <F>': expected a number, e.g. 1e-8",
        ),
        (
            ["--lr", "0.1 --lr"],
            "invalid value '0.1 --lr' for '--lr <F>'",
        ),
    ] {
        let argv = [&["nn-tui", "train", "--data", "xor"][..], &args[..]].concat();
        let e = Cli::try_parse_from(argv).unwrap_err();
        assert_eq!(
            e.kind(),
            clap::error::ErrorKind::ValueValidation,
            "{args:?}"
        );
        assert!(e.to_string().contains(expected), "{args:?}: {e}");
    }
    // Given twice: a list joins (as clap's repeated lists did), a number cannot.
    let joined = asked(&strings(&[
        "nn-tui", "dash", "--hidden", "8", "--hidden", "4",
    ]));
    let once = asked(&strings(&["nn-tui", "dash", "--hidden", "8,4"]));
    assert_eq!(joined, once);
    assert_eq!(joined.0.hidden, Some(vec![8, 4]));
    let e = Cli::try_parse_from(["nn-tui", "train", "--data", "xor", "--lr", "1", "--lr", "2"])
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("the argument '--lr <F>' cannot be used multiple times"),
        "{e}"
    );
}

/// Flags given with `--state` land over its line; left out, the line's values
/// (and the defaults under them) stay: flags over --state over defaults.
#[test]
fn flags_land_over_the_state_line() {
    let cli = Cli::try_parse_from([
        "nn-tui",
        "train",
        "--state",
        "nn-tui/1 data=xor hidden=3 lr=0.5",
        "--epochs",
        "7",
        "--schedule",
        "cosine",
    ])
    .unwrap();
    let Some(Command::Train(train)) = cli.command else {
        panic!("train")
    };
    let state: StateLine = "nn-tui/1 data=xor hidden=3 lr=0.5".parse().unwrap();
    let (line, request, _) = train
        .run
        .run(None, Some(state.clone()), TrainRequest::default());
    assert_eq!(line.data, "xor");
    assert_eq!(
        line.to_string(),
        state.to_string(),
        "the line's text is the line's"
    );
    assert_eq!(request.hidden, Some(vec![3]));
    assert_eq!(request.learning_rate, Some(0.5));
    assert_eq!(request.epochs, Some(7));
    assert_eq!(request.schedule, nn_run::ScheduleChoice::Cosine);
    assert_eq!(request.l2, TrainRequest::default().l2);
    // A flag the line holds conflicts with --state, as before.
    let e = Cli::try_parse_from([
        "nn-tui",
        "train",
        "--state",
        "nn-tui/1 data=xor",
        "--lr",
        "1",
    ])
    .unwrap_err();
    assert_eq!(e.kind(), clap::error::ErrorKind::ArgumentConflict);
}

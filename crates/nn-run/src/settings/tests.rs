//! The table's tests: one row per setting, its defaults the engine's, the
//! numbers its help states, and line -> text -> line and line -> run.json ->
//! line as properties.

use super::*;
use crate::{DataOptions, OptimizerChoice, Pace, load_data};
use nn_core::{Activation, Loss};
use proptest::prelude::*;

#[test]
fn every_setting_has_one_row_and_keys_and_flags_are_unique() {
    for setting in Setting::ALL {
        let rows = SETTINGS.iter().filter(|r| r.setting == setting).count();
        assert_eq!(rows, 1, "{setting:?}");
    }
    assert_eq!(SETTINGS.len(), Setting::ALL.len());
    let keys: Vec<&str> = keys().collect();
    let mut unique = keys.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), keys.len(), "{keys:?}");
    // A line's key reads and prints; a flag reads (by the same parse); a row
    // with neither does neither. A flag has a value name; named values are a flag's.
    for r in SETTINGS {
        let reads = r.key.is_some() || r.flag.is_some();
        assert_eq!(reads, r.parse.is_some(), "{:?}", r.setting);
        assert_eq!(r.key.is_some(), r.print.is_some(), "{:?}", r.setting);
        assert_eq!(
            r.flag.is_some(),
            !r.value_name.is_empty(),
            "{:?}",
            r.setting
        );
        assert!(r.flag.is_some() || r.values.is_empty(), "{:?}", r.setting);
        for value in r.values {
            let mut line = StateLine::default();
            (r.parse.unwrap())(&mut line, value.name).unwrap();
        }
        assert!(
            r.flag.is_none_or(|f| f.starts_with("--")),
            "{:?}",
            r.setting
        );
    }
}

/// The table's fixed defaults are the ones the request and data options use: a
/// line giving a key its default reads to the same run as a line without it.
#[test]
fn fixed_defaults_are_the_engines() {
    let data = load_data(
        &crate::DataSpec::parse("xor").unwrap(),
        &DataOptions::default(),
    )
    .unwrap();
    let base = StateLine::new("xor");
    for r in SETTINGS {
        let (Some(key), DefaultValue::Fixed(text)) = (r.key, r.default) else {
            continue;
        };
        let mut line = base.clone();
        line.set(key, &text()).unwrap();
        // Momentum and weight decay apply to their optimizers only.
        let optimizer = match r.setting {
            Setting::Momentum => Some(OptimizerChoice::Momentum),
            Setting::WeightDecay => Some(OptimizerChoice::AdamW),
            Setting::Betas | Setting::Eps => Some(OptimizerChoice::Adam),
            _ => None,
        };
        let mut without = base.clone();
        line.optimizer = line.optimizer.or(optimizer);
        without.optimizer = optimizer;
        assert_eq!(line.data_options(), without.data_options(), "{key}");
        for purpose in [Purpose::Headless, Purpose::Dashboard] {
            let resolve = |l: &StateLine| l.request().resolve(purpose, &data).unwrap();
            assert_eq!(resolve(&line), resolve(&without), "{key}");
        }
    }
}

#[test]
fn fixed_defaults_read_as_their_values() {
    assert!(!default_value::<bool>(Setting::Discretize));
    assert!(default_value::<bool>(Setting::TestPoints));
    assert_eq!(default_value::<f32>(Setting::L2), 0.0);
    assert_eq!(
        default_value::<u64>(Setting::Seed),
        default_value::<u64>(Setting::DataSeed)
    );
}

/// The numbers a help text states in words are the engine's (a help is a
/// `&'static str`, so these are the only copies, and this test ties them).
#[test]
fn numbers_in_help_texts_are_the_engines() {
    let val = row(Setting::ValidationFraction).help;
    let early = float(DataOptions::EARLY_STOP_VALIDATION);
    assert!(val.contains(&format!("{early} when --early-stop")), "{val}");
    let speed = row(Setting::Speed).help;
    let planar = crate::defaults(Purpose::Dashboard, 2).pace;
    let wide = crate::defaults(Purpose::Dashboard, crate::SMALL_INPUTS + 1).pace;
    assert!(
        speed.contains(&format!("default: {planar} on 2-D data")),
        "{speed}"
    );
    assert!(speed.contains(&format!("{wide} on wider data")), "{speed}");
}

#[test]
fn per_purpose_defaults_come_from_the_defaults_rows() {
    let lr = row(Setting::LearningRate);
    assert_eq!(lr.default_for(Purpose::Headless, 2).unwrap(), "0.01");
    assert_eq!(lr.default_for(Purpose::Dashboard, 2).unwrap(), "0.03");
    assert_eq!(
        row(Setting::Hidden)
            .default_for(Purpose::Headless, 784)
            .unwrap(),
        "100"
    );
    assert_eq!(
        row(Setting::Speed)
            .default_for(Purpose::Dashboard, 2)
            .unwrap(),
        Pace::PLAYGROUND.to_string()
    );
    assert_eq!(flag_of(Setting::LearningRate), "--lr");
    assert_eq!(flag_of(Setting::ShardSize), "shard size");
}

fn fraction() -> impl Strategy<Value = f32> {
    (0u32..1000).prop_map(|n| n as f32 / 1000.0)
}

fn positive() -> impl Strategy<Value = f32> {
    (1e-6f32..10.0).prop_filter("finite", |v| v.is_finite())
}

prop_compose! {
    /// Any valid line (every field optional but the data).
    fn any_line()(
        data in prop::sample::select(vec!["xor", "spiral", "my data.csv", "100%.csv"]),
        samples in prop::option::of(1usize..5000),
        noise in prop::option::of(fraction()),
        test in prop::option::of(fraction()),
        val in prop::option::of(fraction()),
        data_seed in prop::option::of(any::<u64>()),
        features in prop::option::of(prop::sample::select(vec!["x1,x2", "x1^2,x2^2,sinx1", "x1x2"])),
        hidden in prop::option::of(prop::collection::vec(1usize..64, 0..4)),
        activation in prop::option::of(prop::sample::select(vec![
            Activation::Sigmoid, Activation::Tanh, Activation::Relu, Activation::Linear])),
        output in prop::option::of(prop::sample::select(Activation::ALL.to_vec())),
        loss in prop::option::of(prop::sample::select(Loss::ALL.to_vec())),
        optimizer in prop::option::of(prop::sample::select(OptimizerChoice::ALL.to_vec())),
        extra in prop::option::of(fraction()),
        betas in prop::option::of((fraction(), fraction())),
        lr in prop::option::of(positive()),
        l1 in prop::option::of(fraction()),
        l2 in prop::option::of(fraction()),
        clip in prop::option::of(positive()),
        batch in prop::option::of(1usize..512),
        seed in prop::option::of(any::<u64>()),
        pace in prop::option::of(prop_oneof![
            Just(Pace::Max), (1.0f32..1000.0).prop_map(Pace::EpochsPerSecond)]),
        discretize in prop::option::of(any::<bool>()),
        test_points in prop::option::of(any::<bool>()),
        defaults in prop::option::of(prop::sample::select(Purpose::ALL.to_vec())),
        eps in prop::option::of(positive()),
        target in prop::option::of(prop::sample::select(vec!["label", "my col", "y%"])),
        shuffle in prop::option::of(any::<bool>()),
    ) -> StateLine {
        let (momentum, weight_decay) = match optimizer {
            Some(OptimizerChoice::Momentum | OptimizerChoice::Nesterov) => (extra, None),
            Some(OptimizerChoice::AdamW) => (None, extra),
            _ => (None, None),
        };
        let eps = eps.filter(|_| {
            matches!(optimizer, Some(OptimizerChoice::Adam | OptimizerChoice::AdamW))
        });
        let betas = betas.filter(|_| {
            matches!(optimizer, Some(OptimizerChoice::Adam | OptimizerChoice::AdamW))
        });
        StateLine {
            data: data.into(),
            samples,
            noise,
            test_fraction: test,
            validation_fraction: val,
            data_seed,
            features: features.map(|f| f.parse().unwrap()),
            hidden,
            activation,
            output,
            loss,
            optimizer,
            momentum,
            weight_decay,
            betas,
            learning_rate: lr,
            l1,
            l2,
            clip,
            batch_size: batch,
            seed,
            pace,
            discretize,
            test_points,
            defaults,
            eps,
            target: target.map(String::from),
            shuffle,
            flag_only: crate::FlagOnly::default(),
        }
    }
}

proptest! {
    /// line -> text -> line.
    #[test]
    fn a_line_prints_and_reads_back(line in any_line()) {
        let text = line.to_string();
        let mut back = StateLine::default();
        for word in text.split_whitespace().skip(1) {
            let (key, value) = word.split_once('=').unwrap();
            back.set(key, value).unwrap();
        }
        prop_assert_eq!(back, line);
    }

    /// line -> run.json's settings -> line.
    #[test]
    fn a_line_survives_run_json(line in any_line()) {
        let json = serde_json::to_string(&crate::RunSettings::of(&line)).unwrap();
        let read: crate::RunSettings = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(read.line().unwrap(), line);
    }
}

//! The state line's tests: the default run as a line, a line recreating its
//! run, short lines and their defaults, and bad lines naming the field.

use super::*;
use crate::{Purpose, load_data};

fn resolved(line: &StateLine) -> (TrainData, TrainConfig, Pace) {
    let data = load_data(&line.data_spec().unwrap(), &line.data_options()).unwrap();
    let request = line.request();
    let config = request.resolve(Purpose::Dashboard, &data).unwrap();
    let pace = request.pace(Purpose::Dashboard, data.train.dim());
    (data, config, pace)
}

#[test]
fn the_default_dashboard_run_as_a_line() {
    let line = StateLine::new("spiral");
    let (data, config, pace) = resolved(&line);
    let full = StateLine::from_run(
        &line.data_spec().unwrap(),
        &line.data_options(),
        &data,
        &config,
        pace,
    );
    assert_eq!(
        full.to_string(),
        "nn-tui/1 data=spiral samples=500 noise=0.2 test=0.2 data-seed=42 features=x1,x2 \
         hidden=8,8 activation=tanh output=softmax loss=ce optimizer=sgd lr=0.03 l1=0 l2=0 \
         batch=10 seed=42 speed=60"
    );
}

/// Printed and read back, a run gives the same line, the same data and the
/// same initial weights, bit for bit.
#[test]
fn a_line_recreates_its_run() {
    let text = "nn-tui/1 data=circle noise=0.35 test=0.3 data-seed=7 features=x1^2,x2^2,sinx1 \
                hidden=5,3 activation=relu optimizer=momentum momentum=0.5 lr=0.1 l2=0.003 \
                batch=17 seed=99 speed=max discretize=true test-points=false";
    let line: StateLine = text.parse().unwrap();
    let (data, config, pace) = resolved(&line);
    assert_eq!(config.architecture.to_string(), "3-5-3-2");
    let full = StateLine::from_run(
        &line.data_spec().unwrap(),
        &line.data_options(),
        &data,
        &config,
        pace,
    );
    let again: StateLine = full.to_string().parse().unwrap();
    assert_eq!(again, full);
    let (data2, config2, _) = resolved(&again);
    assert_eq!(data2, data);
    assert_eq!(config2, config);
    let net = |c: &TrainConfig| nn_core::Network::new(c.architecture.clone(), c.seed).unwrap();
    assert_eq!(net(&config).parameters(), net(&config2).parameters());
    assert_eq!(line.discretize, Some(true));
    assert_eq!(line.test_points, Some(false));
}

#[test]
fn bad_lines_name_the_field() {
    let err = |text: &str| text.parse::<StateLine>().unwrap_err().to_string();
    assert_eq!(
        err("nn-tui/1 data=spiral lr=abc"),
        "lr=abc: expected a number, e.g. 0.03"
    );
    assert_eq!(
        err("nn-tui/1 data=spiral lr=0"),
        "lr=0: expected a positive learning rate such as 0.01"
    );
    assert_eq!(
        err("nn-tui/1 data=spiral batch=0"),
        "batch=0: expected at least 1 sample per mini-batch"
    );
    assert_eq!(
        err("nn-tui/1 data=spiral test=1.5"),
        "test=1.5: expected a fraction from 0 up to (not including) 1"
    );
    assert_eq!(
        err("nn-tui/1 data=spiral speed=0"),
        "speed=0: expected max or a number of epochs per second of at least 1, e.g. 60"
    );
    assert_eq!(
        err("nn-tui/1 data=spiral features=x1,x9"),
        "features=x1,x9: unknown feature `x9`: expected names from \
         x1, x2, x1^2, x2^2, x1x2, sinx1, sinx2, cosx1, cosx2"
    );
    assert!(err("nn-tui/1 data=nosuch").starts_with("data=nosuch: expected one of xor,"));
    assert!(err("nn-tui/1 data=spiral colour=red").starts_with("colour=red: unknown field"));
    assert_eq!(
        err("nn-tui/1 data=spiral lr=0.1 lr=0.2"),
        "lr=0.2: given twice"
    );
    assert_eq!(
        err("nn-tui/1 lr=0.1"),
        "no data=...: expected the data, e.g. data=spiral"
    );
    assert_eq!(
        err("nn-tui/2 data=spiral"),
        "version nn-tui/2: this build reads nn-tui/1"
    );
    assert_eq!(
        err("nn-tui/1 data=spiral hidden"),
        "`hidden`: expected key=value, e.g. lr=0.03"
    );
    assert_eq!(
        err("nn-tui/1 data=spiral activation=softmax"),
        "activation=softmax: expected sigmoid, tanh, relu or linear"
    );
    let read = StateLine::read("spiral please").unwrap_err().to_string();
    assert!(
        read.starts_with("expected a state line starting with nn-tui/1"),
        "{read}"
    );
}

#[test]
fn short_lines_take_the_defaults_and_paths_keep_their_spaces() {
    let line: StateLine = "nn-tui/1 data=circle hidden= features=x1^2,x2^2"
        .parse()
        .unwrap();
    assert_eq!(line.hidden, Some(vec![]));
    let (_, config, pace) = resolved(&line);
    assert_eq!(config.architecture.to_string(), "2-2");
    assert_eq!(config.batch_size, 10);
    assert_eq!(pace, Pace::PLAYGROUND);
    let spaced = StateLine::new("my data.csv");
    assert_eq!(spaced.to_string(), "nn-tui/1 data=my%20data.csv");
    let mut back = StateLine::default();
    back.set("data", "my%20data.csv").unwrap();
    assert_eq!(back.data, "my data.csv");
}

/// Issue 26 item 11: a partial line says whose defaults fill it in, and
/// `defaults=` makes it one run wherever it is used (epochs aside: headless
/// training ends, the dashboard's runs until stopped).
#[test]
fn a_partial_line_says_whose_defaults_apply_and_defaults_picks_them() {
    let partial: StateLine = "nn-tui/1 data=circle hidden=".parse().unwrap();
    assert_eq!(
        partial.defaults_notice(Purpose::Headless).unwrap(),
        "the line leaves out activation, optimizer, lr, batch, speed: nn-tui train's \
         defaults apply (on small data); add defaults=dashboard for the dashboard's"
    );
    assert!(
        partial
            .defaults_notice(Purpose::Dashboard)
            .unwrap()
            .contains("add defaults=headless")
    );
    let data = load_data(&partial.data_spec().unwrap(), &partial.data_options()).unwrap();
    let resolve = |line: &StateLine, purpose| line.request().resolve(purpose, &data).unwrap();
    let headless = resolve(&partial, Purpose::Headless);
    let dashboard = resolve(&partial, Purpose::Dashboard);
    assert_ne!(headless.batch_size, dashboard.batch_size);

    let pinned: StateLine = "nn-tui/1 data=circle hidden= defaults=dashboard"
        .parse()
        .unwrap();
    assert_eq!(pinned.defaults_notice(Purpose::Headless), None);
    let trained = resolve(&pinned, Purpose::Headless);
    assert_eq!(
        TrainConfig {
            epochs: dashboard.epochs,
            ..trained.clone()
        },
        dashboard
    );
    assert_eq!(trained.epochs, 100);
    assert_eq!(
        pinned.request().pace(Purpose::Headless, 2),
        Pace::PLAYGROUND
    );
    assert_eq!(
        pinned.to_string(),
        "nn-tui/1 data=circle hidden= defaults=dashboard"
    );
    // A full line names every setting: nothing to say.
    let (data, config, pace) = resolved(&StateLine::new("spiral"));
    let spec = DataSpec::parse("spiral").unwrap();
    let full = StateLine::from_run(&spec, &DataOptions::default(), &data, &config, pace);
    assert_eq!(full.defaults_notice(Purpose::Headless), None);
}

/// Over a base, a line's data fields replace the base's, those it leaves out
/// keep the base's, and what a line never holds (target, normalisation) stays.
#[test]
fn data_options_over_a_base_keep_what_the_line_does_not_hold() {
    let base = DataOptions {
        samples: 300,
        validation_fraction: 0.1,
        target: Some("y".into()),
        normalization: Some(nn_data::NormalizationKind::MinMax),
        ..DataOptions::default()
    };
    let line: StateLine = "nn-tui/1 data=circle noise=0.35 test=0.3 data-seed=7 features=x1^2"
        .parse()
        .unwrap();
    let over = line.data_options_over(base.clone());
    assert_eq!(over.samples, 300);
    assert_eq!(over.validation_fraction, 0.1);
    assert_eq!(over.noise, Some(0.35));
    assert_eq!(over.test_fraction, 0.3);
    assert_eq!(over.seed, 7);
    assert_eq!(over.features.map(|f| f.to_string()), Some("x1^2".into()));
    assert_eq!(
        (over.target, over.normalization),
        (base.target, base.normalization)
    );
    // Over the defaults, it is the line's own data options.
    assert_eq!(
        line.data_options_over(DataOptions::default()),
        line.data_options()
    );
}

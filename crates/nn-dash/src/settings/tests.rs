//! The dashboard's settings as the run's line: a short line reads as the
//! table's defaults (as the trainer resolves it), the line the dashboard shows
//! after keys is the one the resolved run with those changes prints, and a
//! restart asks for the line except what follows the data.

use nn_core::{Activation, Loss};
use nn_run::{
    DataOptions, DataSpec, OptimizerChoice, Pace, Purpose, StateLine, TrainRequest, load_data,
};
use nn_train::{TrainConfig, TrainData};

use super::Settings;
use crate::action::Action;
use crate::app::App;
use crate::colors::ColorDepth;

/// Spiral data and the dashboard's configuration for `request` on it.
fn spiral(request: &TrainRequest) -> (DataSpec, DataOptions, TrainData, TrainConfig, Pace) {
    let spec = DataSpec::Generator("spiral".into());
    let options = DataOptions::default();
    let data = load_data(&spec, &options).unwrap();
    let config = request.resolve(Purpose::Dashboard, &data).unwrap();
    let pace = request.pace(Purpose::Dashboard, data.train.dim());
    (spec, options, data, config, pace)
}

fn settings_of(run: StateLine) -> Settings {
    Settings {
        run,
        ..crate::app::tests::settings()
    }
}

/// A line that leaves settings out reads as what the trainer resolves them to.
#[test]
fn a_short_line_reads_as_the_run_it_resolves_to() {
    let line = StateLine::new("spiral");
    let (_, _, data, config, pace) = spiral(&line.request());
    let s = settings_of(line);
    let sizes = &config.architecture.sizes;
    assert_eq!(s.hidden(), &sizes[1..sizes.len() - 1]);
    assert_eq!(s.activation(), config.architecture.hidden);
    assert_eq!(s.optimizer(), OptimizerChoice::of(&config.optimizer));
    assert_eq!(s.learning_rate(), config.learning_rate);
    assert_eq!(s.batch_size(), config.batch_size);
    assert_eq!(
        (s.l1(), s.l2(), s.seed()),
        (config.l1, config.l2, config.seed)
    );
    assert_eq!(s.pace(), pace);
    let options = DataOptions::default();
    assert_eq!(
        (s.test_fraction(), s.data_seed()),
        (options.test_fraction, options.seed)
    );
    assert_eq!(data.train.dim(), s.inputs);
}

/// What the dashboard used to print (the resolved run, with the rates, batch,
/// penalties and seed the keys changed put into its configuration) is what the
/// run's line, changed by the same keys, prints.
#[test]
fn keys_change_the_line_as_they_change_the_run() {
    let (spec, options, data, config, pace) = spiral(&TrainRequest::default());
    let mut app = App::new(
        settings_of(StateLine::from_run(&spec, &options, &data, &config, pace)),
        "model.safetensors".into(),
        crate::PlotMode::Braille,
        ColorDepth::TrueColor,
    );
    for action in [
        Action::LearningRateUp,
        Action::BatchUp,
        Action::CycleRegularization,
        Action::RegularizationRateUp,
        Action::SpeedUp,
        Action::Reset,
        Action::ToggleDiscretize,
        Action::ToggleTestPoints,
    ] {
        app.update(action);
    }
    let s = &app.settings;
    let changed = TrainConfig {
        learning_rate: s.learning_rate(),
        batch_size: s.batch_size(),
        l1: s.l1(),
        l2: s.l2(),
        seed: s.seed(),
        ..config.clone()
    };
    let mut expected = StateLine::from_run(&spec, &options, &data, &changed, s.pace());
    expected.discretize = Some(true);
    expected.test_points = Some(false);
    assert_eq!(s.line().to_string(), expected.to_string());
    for (key, value) in [
        ("lr", "0.1"),
        ("batch", "11"),
        ("l1", "0.003"),
        ("seed", "43"),
    ] {
        assert_eq!(s.line().get(key).as_deref(), Some(value), "{key}");
    }
    assert_ne!(s.pace(), pace);
    // Shown as the table's defaults, the view's flags stay out of the line.
    app.update(Action::ToggleDiscretize);
    app.update(Action::ToggleTestPoints);
    let line = app.settings.line();
    assert_eq!((line.discretize, line.test_points), (None, None));
}

/// A restart asks for the line's settings over the user's request, except the
/// output, loss and optimizer, which the next data may resolve otherwise.
#[test]
fn a_restart_asks_for_the_line_but_resolves_what_follows_the_data_afresh() {
    let line: StateLine = "nn-tui/1 data=mnist hidden=100 activation=relu output=softmax \
                           loss=ce optimizer=adam betas=0.8,0.99 lr=0.001 l2=0.01 batch=32 \
                           seed=5 speed=max clip=2"
        .parse()
        .unwrap();
    let asked = TrainRequest {
        layers: Some(vec![784, 10]),
        loss: Some(Loss::Mse),
        epochs: Some(7),
        ..TrainRequest::default()
    };
    let next = settings_of(line).next_request(&asked);
    assert_eq!(next.layers, None);
    assert_eq!(next.hidden, Some(vec![100]));
    assert_eq!(next.activation, Some(Activation::Relu));
    assert_eq!(next.learning_rate, Some(0.001));
    assert_eq!((next.batch_size, next.l2, next.seed), (Some(32), 0.01, 5));
    assert_eq!((next.pace, next.clip_norm), (Some(Pace::Max), Some(2.0)));
    assert_eq!((next.output, next.loss), (None, Some(Loss::Mse)));
    assert_eq!((next.optimizer, next.betas), (None, None));
    assert_eq!(next.epochs, Some(7));
}

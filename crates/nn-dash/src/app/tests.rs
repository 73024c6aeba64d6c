//! Every key and click as a pure state transition: an action in, the new
//! state and the effects out.

use nn_core::Activation;
use nn_data::{Feature, Features, Problem, Task};
use nn_run::{Command, Pace, RunState, RunStatus};

use super::*;
use crate::ladders::{MAX_HIDDEN_LAYERS, data_sets};
use crate::selection::{NodeId, Target};
use crate::settings::Settings;

/// Selecting nodes and connections, the mouse, overlays, quitting, the inspector.
#[cfg(test)]
mod selection;

pub(crate) fn settings() -> Settings {
    Settings {
        run: "nn-tui/1 data=spiral samples=500 noise=0.2 test=0.2 data-seed=42 features=x1,x2 \
              hidden=8,8 activation=tanh output=softmax loss=ce optimizer=sgd lr=0.03 l1=0 l2=0 \
              batch=10 seed=42 speed=60"
            .parse()
            .unwrap(),
        own_test_set: false,
        raw_columns: 2,
        inputs: 2,
        task: Task::Classification { classes: 2 },
        threads: 2,
        regularization_rate: 0.0,
        discretize: false,
        test_points: true,
    }
}

fn app() -> App {
    let mut app = App::new(
        settings(),
        "model.safetensors".into(),
        PlotMode::Braille,
        ColorDepth::TrueColor,
    );
    app.status.state = RunState::Running;
    app
}

fn mnist(app: &mut App) {
    let s = &mut app.settings;
    s.run.data = "mnist".into();
    s.run.noise = None;
    s.run.samples = None;
    s.run.features = None;
    s.run.hidden = Some(vec![100]);
    s.run.activation = Some(Activation::Relu);
    s.run.batch_size = Some(128);
    s.run.pace = Some(Pace::Max);
    s.own_test_set = true;
    s.raw_columns = 784;
    s.inputs = 784;
    s.task = Task::Classification { classes: 10 };
}

#[test]
fn space_pauses_and_resumes() {
    let mut app = app();
    assert_eq!(
        app.update(Action::TogglePause),
        vec![Effect::Send(Command::Pause)]
    );
    assert_eq!(app.status.state, RunState::Paused);
    assert_eq!(
        app.update(Action::TogglePause),
        vec![Effect::Send(Command::Resume)]
    );
    assert_eq!(app.status.state, RunState::Running);
    app.status.state = RunState::Diverged("boom".into());
    assert!(app.update(Action::TogglePause).is_empty());
    assert!(app.view.log.last().unwrap().contains("r resets"));
}

#[test]
fn n_steps_once_and_pauses() {
    let mut app = app();
    assert_eq!(app.update(Action::Step), vec![Effect::Send(Command::Step)]);
    assert_eq!(app.status.state, RunState::Paused);
}

#[test]
fn r_moves_the_seed_on_and_restarts() {
    let mut app = app();
    app.history.train_loss.push(1.0, 0.5);
    app.status.total_steps = 99;
    assert_eq!(app.update(Action::Reset), vec![Effect::Restart]);
    assert_eq!(app.settings.seed(), 43);
    assert!(app.history.train_loss.last().is_none());
    assert_eq!(app.status.total_steps, 0);
    assert_eq!(app.status.state, RunState::Running);
    app.status.state = RunState::Diverged("boom".into());
    app.update(Action::Reset);
    assert_eq!(app.status.state, RunState::Paused);
    assert_eq!(app.view.log.last().unwrap(), "new weights (seed 44)");
}

#[test]
fn speed_walks_its_ladder_to_max() {
    let mut app = app();
    assert_eq!(
        app.update(Action::SpeedUp),
        vec![Effect::Send(Command::SetPace(Pace::EpochsPerSecond(120.0)))]
    );
    app.update(Action::SpeedDown);
    app.update(Action::SpeedDown);
    assert_eq!(app.settings.pace(), Pace::EpochsPerSecond(30.0));
    app.settings.run.pace = Some(Pace::EpochsPerSecond(1000.0));
    app.update(Action::SpeedUp);
    assert_eq!(app.settings.pace(), Pace::Max);
    app.update(Action::SpeedUp);
    assert_eq!(app.settings.pace(), Pace::Max);
    app.update(Action::SpeedDown);
    assert_eq!(app.settings.pace(), Pace::EpochsPerSecond(1000.0));
    app.settings.run.pace = Some(Pace::EpochsPerSecond(1.0));
    app.update(Action::SpeedDown);
    assert_eq!(app.settings.pace(), Pace::EpochsPerSecond(1.0));
    // Off the ladder (--speed 45): the next step on the asked side.
    app.settings.run.pace = Some(Pace::EpochsPerSecond(45.0));
    app.update(Action::SpeedUp);
    assert_eq!(app.settings.pace(), Pace::EpochsPerSecond(60.0));
    app.settings.run.pace = Some(Pace::EpochsPerSecond(45.0));
    app.update(Action::SpeedDown);
    assert_eq!(app.settings.pace(), Pace::EpochsPerSecond(30.0));
}

#[test]
fn learning_rate_walks_the_ladder() {
    let mut app = app();
    assert_eq!(
        app.update(Action::LearningRateUp),
        vec![Effect::Send(Command::SetLearningRate(0.1))]
    );
    assert_eq!(app.settings.learning_rate(), 0.1);
    app.update(Action::LearningRateDown);
    app.update(Action::LearningRateDown);
    assert_eq!(app.settings.learning_rate(), 0.01);
    app.settings.run.learning_rate = Some(10.0);
    app.update(Action::LearningRateUp);
    assert_eq!(app.settings.learning_rate(), 10.0);
    app.settings.run.learning_rate = Some(0.00001);
    app.update(Action::LearningRateDown);
    assert_eq!(app.settings.learning_rate(), 0.00001);
    // An off-ladder rate snaps to its neighbour.
    app.settings.run.learning_rate = Some(0.05);
    app.update(Action::LearningRateUp);
    assert_eq!(app.settings.learning_rate(), 0.1);
}

#[test]
fn b_and_shift_b_step_the_batch_within_the_playgrounds_range() {
    let mut app = app();
    assert_eq!(
        app.update(Action::BatchUp),
        vec![Effect::Send(Command::SetBatchSize(11))]
    );
    app.update(Action::BatchDown);
    app.update(Action::BatchDown);
    assert_eq!(app.settings.batch_size(), 9);
    app.settings.run.batch_size = Some(30);
    assert!(
        app.update(Action::BatchUp).is_empty(),
        "30 is the 2-D limit"
    );
    assert_eq!(app.view.log.last().unwrap(), "batch 30 is the limit");
    app.settings.run.batch_size = Some(1);
    assert!(app.update(Action::BatchDown).is_empty());
    // Wider data doubles past 30.
    mnist(&mut app);
    app.update(Action::BatchUp);
    assert_eq!(app.settings.batch_size(), 256);
    app.settings.run.batch_size = Some(32);
    app.update(Action::BatchDown);
    assert_eq!(app.settings.batch_size(), 30);
    app.settings.run.batch_size = Some(1024);
    assert!(app.update(Action::BatchUp).is_empty());
}

#[test]
fn l_cycles_the_regularisation_and_the_rate_keys_walk_the_ladder() {
    let mut app = app();
    assert_eq!(
        app.update(Action::CycleRegularization),
        vec![Effect::Send(Command::SetPenalties { l1: 0.001, l2: 0.0 })]
    );
    assert_eq!(app.settings.regularization(), "L1 0.001");
    assert_eq!(
        app.update(Action::RegularizationRateUp),
        vec![Effect::Send(Command::SetPenalties { l1: 0.003, l2: 0.0 })]
    );
    assert_eq!(
        app.update(Action::CycleRegularization),
        vec![Effect::Send(Command::SetPenalties { l1: 0.0, l2: 0.003 })]
    );
    // While on, the rate stops above 0.
    app.update(Action::RegularizationRateDown);
    app.update(Action::RegularizationRateDown);
    assert_eq!(app.settings.l2(), 0.001);
    app.settings.run.l2 = Some(10.0);
    app.settings.regularization_rate = 10.0;
    app.update(Action::RegularizationRateUp);
    assert_eq!(app.settings.l2(), 10.0);
    assert_eq!(
        app.update(Action::CycleRegularization),
        vec![Effect::Send(Command::SetPenalties { l1: 0.0, l2: 0.0 })]
    );
    assert_eq!(app.settings.regularization(), "none");
    // Off, the rate keys only move the rate that l will use.
    assert!(app.update(Action::RegularizationRateDown).is_empty());
    assert_eq!(app.settings.regularization_rate, 3.0);
    assert!(app.view.log.last().unwrap().contains("l turns L1 or L2 on"));
    app.update(Action::CycleRegularization);
    assert_eq!(app.settings.l1(), 3.0);
}

#[test]
fn a_cycles_the_activation_and_restarts() {
    let mut app = app();
    app.history.test_loss.push(1.0, 0.3);
    assert_eq!(app.update(Action::CycleActivation), vec![Effect::Restart]);
    assert_eq!(app.settings.activation(), Activation::Relu);
    assert!(app.history.test_loss.last().is_none());
}

#[test]
fn d_cycles_within_the_problem_and_p_switches_it() {
    let mut app = app();
    assert_eq!(app.update(Action::CycleDataset), vec![Effect::Restart]);
    assert_eq!(app.settings.dataset(), "moons");
    app.settings.run.data = "spiral4".into();
    app.update(Action::CycleDataset);
    assert_eq!(app.settings.dataset(), "circle");
    assert_eq!(app.view.log.last().unwrap(), "data circle: restarting");

    assert_eq!(app.update(Action::ToggleProblem), vec![Effect::Restart]);
    assert_eq!(app.settings.dataset(), "plane");
    app.settings.task = Task::Regression { outputs: 1 };
    app.update(Action::CycleDataset);
    assert_eq!(app.settings.dataset(), "reg-gauss");
    // The sine has one column: the features follow.
    app.settings.run.features = Some("x1,x2,x1^2".parse().unwrap());
    app.update(Action::CycleDataset);
    assert_eq!(app.settings.dataset(), "sine");
    assert_eq!(app.settings.raw_columns, 1);
    assert_eq!(app.settings.run.features, Some(Features::raw(1)));
    app.update(Action::CycleDataset);
    assert_eq!(app.settings.dataset(), "plane");
    assert_eq!(app.settings.run.features, Some(Features::raw(2)));
    app.update(Action::ToggleProblem);
    assert_eq!(app.settings.dataset(), "circle");
}

/// `d`'s order is the Playground's, as it was before nn-data held the lists.
#[test]
fn d_cycles_in_the_playground_order() {
    assert_eq!(
        data_sets(Problem::Classification),
        [
            "circle", "xor", "gauss", "spiral", "moons", "blobs", "spiral4"
        ]
    );
    assert_eq!(
        data_sets(Problem::Regression),
        ["plane", "reg-gauss", "sine"]
    );
}

#[test]
fn d_from_images_goes_to_toy_data() {
    let mut app = app();
    mnist(&mut app);
    app.update(Action::CycleDataset);
    assert_eq!(app.settings.dataset(), "circle");
    assert_eq!(app.settings.hidden(), vec![8, 8]);
    assert_eq!(app.settings.run.features, Some(Features::raw(2)));
    assert_eq!(app.settings.run.noise, Some(0.1));
    assert_eq!(app.settings.pace(), Pace::PLAYGROUND);
    assert!(!app.settings.own_test_set);
}

#[test]
fn digits_toggle_features_and_restart() {
    let mut app = app();
    assert_eq!(
        app.update(Action::ToggleFeature(Feature::X1Squared)),
        vec![Effect::Restart]
    );
    assert_eq!(
        app.settings.run.features.as_ref().unwrap().to_string(),
        "x1,x2,x1^2"
    );
    assert_eq!(app.settings.layout(), "3-8-8-2");
    assert_eq!(
        app.view.log.last().unwrap(),
        "x1² on: network 3-8-8-2, restarting"
    );
    app.update(Action::ToggleFeature(Feature::X1));
    app.update(Action::ToggleFeature(Feature::X2));
    assert_eq!(app.settings.layout(), "1-8-8-2");
    assert!(
        app.update(Action::ToggleFeature(Feature::X1Squared))
            .is_empty()
    );
    assert_eq!(
        app.view.log.last().unwrap(),
        "at least one feature stays on"
    );
    // The sine has no x2.
    app.settings.raw_columns = 1;
    app.settings.run.features = Some(Features::raw(1));
    assert!(app.update(Action::ToggleFeature(Feature::SinX2)).is_empty());
    assert_eq!(app.view.log.last().unwrap(), "sin x2 needs the column x2");
    mnist(&mut app);
    assert!(app.update(Action::ToggleFeature(Feature::X1)).is_empty());
}

#[test]
fn noise_and_the_share_of_training_data_step_and_restart() {
    let mut app = app();
    assert_eq!(app.update(Action::NoiseUp), vec![Effect::Restart]);
    assert_eq!(app.settings.noise_percent(), Some(25));
    for _ in 0..20 {
        app.update(Action::NoiseUp);
    }
    assert_eq!(app.settings.noise_percent(), Some(50));
    app.settings.run.noise = Some(0.12);
    app.update(Action::NoiseDown);
    assert_eq!(app.settings.noise_percent(), Some(10));
    app.settings.run.noise = Some(0.0);
    app.update(Action::NoiseDown);
    assert_eq!(app.settings.noise_percent(), Some(0));

    assert_eq!(app.update(Action::TrainShareUp), vec![Effect::Restart]);
    assert_eq!(app.settings.train_percent(), 90);
    app.update(Action::TrainShareUp);
    assert_eq!(app.settings.train_percent(), 90);
    for _ in 0..10 {
        app.update(Action::TrainShareDown);
    }
    assert_eq!(app.settings.train_percent(), 10);
    assert!((app.settings.test_fraction() - 0.9).abs() < 1e-6);
    mnist(&mut app);
    assert!(app.update(Action::NoiseUp).is_empty());
    assert!(app.update(Action::TrainShareUp).is_empty());
    assert_eq!(app.view.log.last().unwrap(), "mnist has its own test set");
}

/// Issue 26 item 12: one `)` and one `(` give back the test fraction 0.2 exactly, as
/// the state line prints it (`test=0.2`, not `test=0.19999999`); every step of the
/// ladder is the shortest decimal of its percentage.
#[test]
fn the_share_of_training_data_steps_to_exact_fractions() {
    let mut app = app();
    assert_eq!(nn_run::float_text(app.settings.test_fraction()), "0.2");
    app.update(Action::TrainShareUp);
    assert_eq!(nn_run::float_text(app.settings.test_fraction()), "0.1");
    app.update(Action::TrainShareDown);
    assert_eq!(nn_run::float_text(app.settings.test_fraction()), "0.2");
    for _ in 0..10 {
        app.update(Action::TrainShareDown);
        let text = nn_run::float_text(app.settings.test_fraction());
        assert!(text.len() <= 3, "test={text}");
    }
}

#[test]
fn g_regenerates_with_the_next_data_seed() {
    let mut app = app();
    app.history.train_loss.push(1.0, 0.5);
    assert_eq!(app.update(Action::Regenerate), vec![Effect::Regenerate]);
    assert_eq!(app.settings.data_seed(), 43);
    assert!(app.history.train_loss.last().is_some(), "the run goes on");
    mnist(&mut app);
    assert!(app.update(Action::Regenerate).is_empty());
}

#[test]
fn t_and_o_change_only_the_view() {
    let mut app = app();
    assert!(app.update(Action::ToggleTestPoints).is_empty());
    assert!(!app.settings.test_points);
    assert!(app.update(Action::ToggleDiscretize).is_empty());
    assert!(app.settings.discretize);
}

#[test]
fn brackets_change_layers() {
    let mut app = app();
    assert_eq!(app.update(Action::AddLayer), vec![Effect::Restart]);
    assert_eq!(app.settings.hidden(), vec![8, 8, 8]);
    app.update(Action::RemoveLayer);
    app.update(Action::RemoveLayer);
    app.update(Action::RemoveLayer);
    assert!(app.settings.hidden().is_empty());
    assert!(app.update(Action::RemoveLayer).is_empty());
    assert!(app.update(Action::MoreNeurons).is_empty());
    app.update(Action::AddLayer);
    assert_eq!(app.settings.hidden(), vec![4]);
    for _ in 0..MAX_HIDDEN_LAYERS {
        app.update(Action::AddLayer);
    }
    assert_eq!(app.settings.hidden().len(), MAX_HIDDEN_LAYERS);
}

#[test]
fn comma_and_period_change_the_last_layer() {
    let mut app = app();
    assert_eq!(app.update(Action::FewerNeurons), vec![Effect::Restart]);
    assert_eq!(app.settings.hidden(), vec![8, 7]);
    app.update(Action::MoreNeurons);
    assert!(
        app.update(Action::MoreNeurons).is_empty(),
        "8 is the 2-D limit"
    );
    assert_eq!(app.settings.layout(), "2-8-8-2");
    mnist(&mut app);
    app.update(Action::MoreNeurons);
    assert_eq!(app.settings.hidden(), vec![125]);
    app.settings.run.hidden = Some(vec![1]);
    assert!(app.update(Action::FewerNeurons).is_empty());
}

/// Watching a run another process trains: what changes the run is refused with a
/// message, what changes only the view works.
#[test]
fn watching_is_read_only() {
    let mut watching = app();
    watching.watch = Some(Watch {
        dir: "runs/spiral-20260101-120000".into(),
        status: RunStatus::Running,
    });
    let before = watching.settings.clone();
    for action in [
        Action::TogglePause,
        Action::Step,
        Action::Reset,
        Action::LearningRateUp,
        Action::SpeedUp,
        Action::CycleDataset,
        Action::AddLayer,
        Action::ToggleFeature(Feature::X1Squared),
        Action::Click(Target::Node(NodeId::Feature(Feature::X1))),
        Action::Regenerate,
        Action::Save,
    ] {
        assert_eq!(watching.update(action), Vec::new(), "{action:?}");
        assert_eq!(
            watching.view.log.last().map(String::as_str),
            Some("read-only: another process trains this run (q leaves)"),
            "{action:?}"
        );
    }
    assert_eq!(watching.settings, before);
    assert_eq!(watching.status.state, RunState::Running);

    watching.update(Action::SelectNext);
    assert!(watching.selection.selected.is_some());
    watching.update(Action::ToggleTestPoints);
    assert!(!watching.settings.test_points);
    watching.update(Action::ToggleHelp);
    assert_eq!(watching.view.overlay, Some(Overlay::Help));
    assert_eq!(watching.update(Action::Quit), vec![Effect::Quit]);
}

/// `p` goes back to the data set of the other kind the user was on: spiral, then a
/// regression, then spiral again (not the first classification set), then the same regression.
#[test]
fn p_returns_to_the_data_set_of_each_kind() {
    let mut app = app();
    assert_eq!(app.settings.dataset(), "spiral");
    // The runtime sets the task once the new data is loaded.
    let task = |app: &mut App, classes| {
        app.settings.task = if classes > 0 {
            nn_data::Task::Classification { classes }
        } else {
            nn_data::Task::Regression { outputs: 1 }
        };
    };
    app.update(Action::ToggleProblem);
    assert_eq!(app.settings.dataset(), "plane");
    task(&mut app, 0);
    app.update(Action::CycleDataset);
    let regression = app.settings.dataset().to_string();
    app.update(Action::ToggleProblem);
    assert_eq!(app.settings.dataset(), "spiral");
    task(&mut app, 2);
    app.update(Action::ToggleProblem);
    assert_eq!(app.settings.dataset(), regression);
}

/// A classifier's outputs are named by class, as its samples are labelled: the
/// sample of class 1 has d = 1 at "output class 1".
#[test]
fn outputs_are_named_by_class() {
    let mut app = app();
    let output = |index| NodeId::Neuron { layer: 3, index };
    assert_eq!(app.settings.node_name(output(0)), "output class 0");
    assert_eq!(app.settings.node_name(output(1)), "output class 1");
    app.settings.task = nn_data::Task::Regression { outputs: 1 };
    assert_eq!(app.settings.node_name(output(0)), "output 1");
}

/// Whether a key restarts the run comes from the run settings table's `restart`
/// column, for every key that changes one setting; the others apply live.
#[test]
fn keys_restart_exactly_when_the_settings_table_says() {
    use nn_train::Setting;
    let cases = [
        (Action::Reset, Setting::Seed),
        (Action::SpeedUp, Setting::Speed),
        (Action::LearningRateUp, Setting::LearningRate),
        (Action::BatchUp, Setting::BatchSize),
        (Action::CycleRegularization, Setting::L1),
        (Action::CycleActivation, Setting::Activation),
        (Action::CycleDataset, Setting::Data),
        (Action::ToggleFeature(Feature::X1Squared), Setting::Features),
        (Action::NoiseUp, Setting::Noise),
        (Action::TrainShareUp, Setting::TestFraction),
        (Action::AddLayer, Setting::Hidden),
        (Action::ToggleTestPoints, Setting::TestPoints),
        (Action::ToggleDiscretize, Setting::Discretize),
    ];
    for (action, setting) in cases {
        let mut app = app();
        let effects = app.update(action);
        assert!(
            !effects.is_empty() || !nn_run::row(setting).restart,
            "{action:?}"
        );
        assert_eq!(
            effects.contains(&Effect::Restart),
            nn_run::row(setting).restart,
            "{action:?} changes {}: {effects:?}",
            setting.name()
        );
    }
}

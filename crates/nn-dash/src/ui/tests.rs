//! Snapshot tests of every panel at 80x24 and 160x48, from constructed states
//! (no live trainer: a seeded network, generated points, made-up curves).

use nn_train::{ConfusionMatrix, EpochReport, Metrics};
use std::sync::Arc;

use insta::assert_snapshot;
use nn_core::{Activation, Architecture, Loss, Network, Workspace};
use nn_data::Task;
use nn_run::RunState;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

use super::{boundary_pixels, draw};
use crate::PlotMode;
use crate::app::App;
use crate::colors::ColorDepth;
use crate::plot::{CurveView, Digit, DigitsView, PlaneView, points_of};
use crate::selection::{Link, NodeId, Target};
use crate::settings::Settings;
use crate::view::Overlay;
use nn_data::{Feature, Features};
use nn_run::Pace;

fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| draw(frame, app)).unwrap();
    terminal
}

pub(crate) fn report(epoch: usize, classes: usize, test_accuracy: f64) -> EpochReport {
    let mut confusion = ConfusionMatrix::new(classes);
    for t in 0..classes {
        let right = (100.0 * test_accuracy) as usize;
        for _ in 0..right {
            confusion.record(t, t);
        }
        for k in 0..100 - right {
            confusion.record(t, (t + 1 + k % 2) % classes);
        }
    }
    let metrics = |loss| Metrics {
        loss,
        samples: 100 * classes,
        confusion: Some(confusion.clone()),
        mse: None,
        r2: None,
    };
    EpochReport {
        epoch,
        train: metrics(0.08),
        validation: None,
        test: Some(metrics(0.11)),
        learning_rate: 0.03,
        seconds: 0.001,
        samples_per_second: 400_000.0,
        improved: false,
        stop_early: false,
        stalled: None,
    }
}

/// A seeded network part-way through made-up training on generated data (2-D: the
/// plane and every node's map; 1-D: the curve), with the given input features.
fn built(data: &str, features: Option<&str>, width: u16, height: u16, plot: PlotMode) -> App {
    built_with(data, features, None, width, height, plot)
}

/// [`built`] with `hidden` layers (the dashboard's default: 8, 8).
fn built_with(
    data: &str,
    features: Option<&str>,
    hidden: Option<Vec<usize>>,
    width: u16,
    height: u16,
    plot: PlotMode,
) -> App {
    let spec = nn_run::DataSpec::Generator(data.into());
    let options = nn_run::DataOptions {
        features: features.map(|f| f.parse().unwrap()),
        ..nn_run::DataOptions::default()
    };
    let loaded = nn_run::load_data(&spec, &options).unwrap();
    let raw = nn_run::load_data(
        &spec,
        &nn_run::DataOptions {
            features: None,
            ..options.clone()
        },
    )
    .unwrap();
    let config = nn_run::TrainRequest {
        hidden,
        ..nn_run::TrainRequest::default()
    }
    .resolve(nn_run::Purpose::Dashboard, &loaded)
    .unwrap();
    let columns = raw.train.dim();
    let mut settings = Settings {
        raw_columns: columns,
        inputs: loaded.train.dim(),
        task: loaded.train.task(),
        ..crate::app::tests::settings()
    };
    let run = &mut settings.run;
    run.data = data.into();
    run.noise = options.noise_for(&spec);
    run.features = Some(
        loaded
            .features
            .clone()
            .unwrap_or_else(|| Features::raw(columns)),
    );
    run.hidden = Some(config.architecture.sizes[1..config.architecture.sizes.len() - 1].to_vec());
    let mut app = App::new(
        settings,
        "model.safetensors".into(),
        plot,
        ColorDepth::TrueColor,
    );
    let network = Network::new(config.architecture.clone(), 7).unwrap();
    app.view.train_points = points_of(&raw.train);
    app.view.test_points = points_of(raw.test.as_ref().unwrap());
    let area = Rect::new(0, 0, width, height);
    if let Some((w, h)) = boundary_pixels(area, &app) {
        let extent = app.view.points_extent(w, h).unwrap();
        app.view.plane = PlaneView::compute(
            &network,
            &loaded.normalization,
            loaded.features.as_ref(),
            &app.settings.available_features(),
            extent,
            w,
            h,
            &mut Workspace::new(),
        );
        assert!(app.view.plane.is_some());
    }
    if let Some(points) = super::curve_points(area, &app) {
        app.view.curve = CurveView::compute(
            &network,
            &loaded.normalization,
            loaded.features.as_ref(),
            super::curve_range(&app),
            points,
            &mut Workspace::new(),
        );
        assert!(app.view.curve.is_some());
    }
    let network = Arc::new(network);
    // What the inspector shows for training sample 17, should a test open it.
    app.train_samples = loaded.train.len();
    app.selection.inspector.sample = 16;
    app.view.inspection = Some(
        crate::inspect::InspectorView::compute(
            Arc::clone(&network),
            &loaded,
            16,
            &app.settings,
            &config,
        )
        .unwrap(),
    );
    app.network = Some(network);
    let classes = app.settings.task.outputs();
    fill_status(&mut app, classes);
    if app.settings.is_regression() {
        app.status.last_epoch = None;
    }
    app.view.state_line = "nn-tui/1 data=spiral samples=500 noise=0.2 test=0.2 data-seed=42 \
        features=x1,x2 hidden=8,8 activation=tanh output=softmax loss=ce optimizer=sgd lr=0.03 \
        l1=0 l2=0 batch=10 seed=42 speed=60"
        .into();
    app
}

/// The spiral, a seeded 2-8-8-2 network part-way through made-up training.
fn planar_app(width: u16, height: u16, plot: PlotMode) -> App {
    built("spiral", None, width, height, plot)
}

fn fill_status(app: &mut App, classes: usize) {
    app.status.state = RunState::Running;
    app.status.epoch = 1200;
    app.status.step_in_epoch = 12;
    app.status.steps_per_epoch = 40;
    app.status.total_steps = 48_012;
    app.status.samples_per_second = 412_345.0;
    app.status.loss = Some(0.0831);
    app.status.elapsed = std::time::Duration::from_secs(75);
    for e in 1..=1200u32 {
        let x = f64::from(e);
        let loss = 0.7 * (-x / 200.0).exp() + 0.05;
        app.history.train_loss.push(x, loss);
        app.history.test_loss.push(x, loss * 1.2);
        app.history
            .train_accuracy
            .push(x, 1.0 - 0.5 * (-x / 150.0).exp());
        app.history
            .test_accuracy
            .push(x, 0.98 - 0.48 * (-x / 150.0).exp());
    }
    app.status.last_epoch = Some(report(1200, classes, 0.96));
    app.log("model saved to model.safetensors");
}

/// A made-up digit: a ring whose size depends on the class.
fn digit(label: usize, predicted: usize) -> Digit {
    let side = 28;
    let radius = 5.0 + label as f32;
    let pixels = (0..side * side)
        .map(|i| {
            let (x, y) = ((i % side) as f32 - 13.5, (i / side) as f32 - 13.5);
            let d = ((x * x + y * y).sqrt() - radius).abs();
            (255.0 * (1.0 - d / 2.0).clamp(0.0, 1.0)) as u8
        })
        .collect();
    Digit {
        pixels,
        side,
        label,
        predicted: Some(predicted),
        index: label,
    }
}

/// MNIST-shaped state: 784-100-10 with constructed digits and confusion matrix.
fn image_app(plot: PlotMode) -> App {
    let arch = Architecture::new(
        vec![784, 100, 10],
        Activation::Relu,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    let mut settings = Settings {
        own_test_set: true,
        raw_columns: 784,
        inputs: 784,
        task: Task::Classification { classes: 10 },
        ..crate::app::tests::settings()
    };
    let run = &mut settings.run;
    run.data = "mnist".into();
    run.noise = None;
    run.features = None;
    run.hidden = Some(vec![100]);
    run.activation = Some(Activation::Relu);
    run.learning_rate = Some(0.1);
    run.batch_size = Some(32);
    run.pace = Some(Pace::Max);
    let mut app = App::new(
        settings,
        "model.safetensors".into(),
        plot,
        ColorDepth::Ansi256,
    );
    app.network = Some(Arc::new(Network::new(arch, 1).unwrap()));
    fill_status(&mut app, 10);
    app.view.digits = Some(DigitsView {
        samples: (0..6).map(|k| digit(k, k)).collect(),
        misclassified: (0..6).map(|k| digit(k, (k + 3) % 10)).collect(),
        wrong: (17, 500),
    });
    app
}

#[test]
fn planar_80x24() {
    assert_snapshot!(render(&planar_app(80, 24, PlotMode::Braille), 80, 24).backend());
}

#[test]
fn planar_160x48() {
    assert_snapshot!(render(&planar_app(160, 48, PlotMode::Braille), 160, 48).backend());
}

#[test]
fn planar_100x30_block_mode() {
    assert_snapshot!(render(&planar_app(100, 30, PlotMode::Block), 100, 30).backend());
}

#[test]
fn planar_80x24_ascii() {
    let terminal = render(&planar_app(80, 24, PlotMode::Ascii), 80, 24);
    let buffer = terminal.backend().buffer();
    assert!(
        buffer.content.iter().all(|c| c.symbol().is_ascii()),
        "ASCII mode drew non-ASCII"
    );
    assert_snapshot!(terminal.backend());
}

#[test]
fn images_80x24() {
    let terminal = render(&image_app(PlotMode::Braille), 80, 24);
    // All ten rows of the confusion matrix, 0 to 9.
    let rows: Vec<String> = (0..24).map(|y| row(&terminal, y)).collect();
    for class in 0..10 {
        let start = format!("││{class:>2} ");
        assert!(
            rows.iter().any(|r| r.contains(&start)),
            "class {class}:\n{}",
            rows.join("\n")
        );
    }
    assert_snapshot!(terminal.backend());
}

#[test]
fn images_160x48() {
    let terminal = render(&image_app(PlotMode::Braille), 160, 48);
    // Every row of a panel starts on its border: no label is drawn over it.
    let buffer = terminal.backend().buffer();
    for y in 2..47 {
        let first = buffer[(0, y)].symbol();
        assert!(
            ["│", "╭", "╰"].contains(&first),
            "row {y} starts with {first:?}, not the panel's border"
        );
    }
    assert_snapshot!(terminal.backend());
}

#[test]
fn help_overlay_80x24_and_160x48() {
    let mut app = planar_app(80, 24, PlotMode::Braille);
    app.view.overlay = Some(Overlay::Help);
    assert_snapshot!("help_80x24", render(&app, 80, 24).backend());
    assert_snapshot!("help_160x48", render(&app, 160, 48).backend());
}

/// Watching another process's run, the help lists only the keys that work there.
#[test]
fn help_overlay_while_watching_80x24() {
    let mut app = planar_app(80, 24, PlotMode::Braille);
    app.watch = Some(crate::status::Watch {
        dir: "runs/spiral-20261129-010148".into(),
        status: nn_run::RunStatus::Running,
    });
    app.view.overlay = Some(Overlay::Help);
    let terminal = render(&app, 80, 24);
    let screen = format!("{}", terminal.backend());
    assert!(
        screen.contains("only shown") || screen.contains("what is shown"),
        "{screen}"
    );
    assert!(!screen.contains("learning rate up"), "{screen}");
    assert!(screen.contains("this help"), "{screen}");
    assert!(!screen.contains("prints the state line"), "{screen}");
    assert_snapshot!("help_watching_80x24", terminal.backend());
}

#[test]
fn paused_and_diverged_states_show_in_the_status_line() {
    let mut app = planar_app(80, 24, PlotMode::Braille);
    app.status.state = RunState::Paused;
    let t = render(&app, 80, 24);
    assert!(format!("{}", t.backend()).contains("PAUSED"));
    app.status.state = RunState::Diverged("loss is NaN".into());
    let t = render(&app, 80, 24);
    assert!(format!("{}", t.backend()).contains("DIVERGED"));
}

#[test]
fn before_the_first_snapshot() {
    let mut app = planar_app(80, 24, PlotMode::Braille);
    app.view.plane = None;
    app.network = None;
    app.status = crate::status::Status::default();
    app.history.clear();
    app.view.log.clear();
    assert_snapshot!(render(&app, 80, 24).backend());
}

#[test]
fn terminal_too_small() {
    let app = planar_app(80, 24, PlotMode::Braille);
    let terminal = render(&app, 50, 15);
    let text = format!("{}", terminal.backend());
    assert!(text.contains("terminal too small: need 60x20"), "{text}");
    assert_snapshot!(terminal.backend());
}

#[test]
fn colours_follow_the_depth() {
    use ratatui::style::Color;
    let mut app = planar_app(80, 24, PlotMode::Braille);
    let cell = |app: &App| render(app, 80, 24).backend().buffer()[(5, 5)].bg;
    assert!(matches!(cell(&app), Color::Rgb(..)));
    app.view.palette = crate::colors::Palette::new(ColorDepth::Ansi256);
    assert!(matches!(cell(&app), Color::Indexed(_)));
    app.view.palette = crate::colors::Palette::new(ColorDepth::Ansi16);
    assert!(!matches!(cell(&app), Color::Rgb(..) | Color::Indexed(_)));
}

/// x1² and x2² on the circle: the input column shows every feature, the two on
/// with their maps, and the network takes them (2-8-8-2 on two features).
#[test]
fn features_160x48() {
    let app = built("circle", Some("x1^2,x2^2"), 160, 48, PlotMode::Braille);
    assert_eq!(app.settings.layout(), "2-8-8-2");
    assert_snapshot!(render(&app, 160, 48).backend());
}

#[test]
fn features_80x24() {
    let app = built("circle", Some("x1,x2,x1^2"), 80, 24, PlotMode::Braille);
    let terminal = render(&app, 80, 24);
    let text = format!("{}", terminal.backend());
    assert!(text.contains("network 3-8-8-2"), "{text}");
    for label in ["x1²", "sin x1", "cos x2"] {
        assert!(text.contains(label), "{label} in\n{text}");
    }
    assert_snapshot!(terminal.backend());
}

/// The Playground's multi-gaussian: the output on its colour scale.
#[test]
fn regression_80x24_and_160x48() {
    let app = built("reg-gauss", None, 80, 24, PlotMode::Braille);
    assert_snapshot!("regression_80x24", render(&app, 80, 24).backend());
    let app = built("reg-gauss", None, 160, 48, PlotMode::Braille);
    assert_snapshot!("regression_160x48", render(&app, 160, 48).backend());
}

/// Regression pixels take the Playground's colours; discretized, only its two ends.
#[test]
fn regression_colours_and_discretize() {
    use ratatui::style::Color;
    let mut app = built("plane", None, 80, 24, PlotMode::Braille);
    // The heatmap alone: points take their targets' colours.
    app.view.train_points.clear();
    app.view.test_points.clear();
    let colours = |app: &App| {
        let t = render(app, 80, 24);
        let buffer = t.backend().buffer().clone();
        (3..22)
            .flat_map(|y| (1..38).map(move |x| (x, y)))
            .map(|p| buffer[p].bg)
            .collect::<std::collections::HashSet<Color>>()
    };
    let shades = colours(&app);
    assert!(shades.len() > 5, "{shades:?}");
    app.settings.discretize = true;
    let ends = colours(&app);
    let orange = Color::Rgb(245, 147, 34);
    let blue = Color::Rgb(8, 119, 189);
    assert!(ends.iter().all(|c| *c == orange || *c == blue), "{ends:?}");
}

/// The sine: the points and the network's curve.
#[test]
fn line_80x24() {
    let app = built("sine", Some("x1,sinx1"), 80, 24, PlotMode::Braille);
    assert!(app.settings.shape() == crate::settings::Shape::Line);
    assert_snapshot!(render(&app, 80, 24).backend());
}

/// A selected neuron: its map shows large, its connection's weight below the network.
#[test]
fn selection_160x48() {
    let mut app = planar_app(160, 48, PlotMode::Braille);
    app.selection.selected = Some(NodeId::Neuron { layer: 2, index: 3 });
    app.selection.selected_link = Some(Link {
        layer: 1,
        from: 0,
        to: 3,
    });
    let terminal = render(&app, 160, 48);
    let text = format!("{}", terminal.backend());
    let weight = app.network.as_ref().unwrap().weights(1)[3 * 8];
    assert!(text.contains(" 2.4 map "), "{text}");
    assert!(
        text.contains(&format!("1.1 → 2.4: weight {weight:+.3}")),
        "{text}"
    );
    assert_snapshot!(terminal.backend());
}

/// The mouse finds what the panel drew: every node where it is, a connection between.
#[test]
fn hits_find_nodes_and_connections() {
    for (width, height) in [(80, 24), (160, 48)] {
        let app = planar_app(width, height, PlotMode::Braille);
        let area = Rect::new(0, 0, width, height);
        let panel = super::areas(area, &app).unwrap().network.unwrap();
        let layout = super::network::NetLayout::of(panel, &app).unwrap();
        for spot in layout.columns.iter().flatten() {
            assert_eq!(
                super::hit(area, &app, spot.x, spot.y),
                Some(Target::Node(spot.id)),
                "{width}x{height}"
            );
        }
        // Halfway along a connection from x1 to neuron 1.1.
        let (link, a, b) = layout.links()[0];
        let (x, y) = (f64::midpoint(a.0, b.0), f64::midpoint(a.1, b.1));
        let hit = super::hit(
            area,
            &app,
            layout.inner.x + x as u16,
            layout.inner.y + y as u16,
        );
        assert!(
            matches!(hit, Some(Target::Link(_))),
            "{hit:?} near {link:?}"
        );
        // Far from the network: nothing.
        assert_eq!(super::hit(area, &app, 1, 5), None);
    }
    // The input labels are part of the feature's node.
    let app = planar_app(80, 24, PlotMode::Braille);
    let area = Rect::new(0, 0, 80, 24);
    let panel = super::areas(area, &app).unwrap().network.unwrap();
    let layout = super::network::NetLayout::of(panel, &app).unwrap();
    let sin = layout.columns[0]
        .iter()
        .find(|s| s.id == NodeId::Feature(Feature::SinX1))
        .unwrap();
    assert_eq!(
        super::hit(area, &app, sin.x - 3, sin.y),
        Some(Target::Node(NodeId::Feature(Feature::SinX1)))
    );
}

#[test]
fn state_line_overlay_80x24() {
    let mut app = planar_app(80, 24, PlotMode::Braille);
    app.view.overlay = Some(Overlay::StateLine);
    let terminal = render(&app, 80, 24);
    let text = format!("{}", terminal.backend());
    assert!(text.contains("nn-tui --state"), "{text}");
    assert_snapshot!(terminal.backend());
}

/// A Playground link's notes stay readable in the state line overlay (the log line's
/// next message replaces them within a second).
#[test]
fn state_line_overlay_keeps_the_notes_80x24() {
    let mut app = planar_app(80, 24, PlotMode::Braille);
    let imported = nn_run::StateLine::read(
        "#activation=tanh&batchSize=10&dataset=circle&initZero=true&networkShape=4,2&seed=0.1",
    )
    .unwrap();
    app.view.notices = imported.notices;
    app.log("a later message");
    app.view.overlay = Some(Overlay::StateLine);
    let terminal = render(&app, 80, 24);
    let text = format!("{}", terminal.backend());
    assert!(text.contains("note: not mapped: initZero"), "{text}");
    assert!(text.contains("drawn afresh"), "{text}");
    assert_snapshot!(terminal.backend());
}

/// Every key in the table is in the help at 80x24.
#[test]
fn the_help_lists_every_key_at_80x24() {
    let mut app = planar_app(80, 24, PlotMode::Braille);
    app.view.overlay = Some(Overlay::Help);
    let text = format!("{}", render(&app, 80, 24).backend());
    for binding in crate::keys::BINDINGS {
        assert!(text.contains(binding.help), "{}\n{text}", binding.help);
    }
}

/// Test points hidden, output discretized: said in the legend.
#[test]
fn view_toggles_show_in_the_legend() {
    let mut app = planar_app(80, 24, PlotMode::Braille);
    app.settings.test_points = false;
    app.settings.discretize = true;
    let text = format!("{}", render(&app, 80, 24).backend());
    assert!(!text.contains('◆'), "{text}");
    assert!(text.contains("discretized"), "{text}");
}

/// A reported stall: the title counts the stuck units, each is marked with a red cross.
fn stalled_app(width: u16, height: u16) -> App {
    let mut app = planar_app(width, height, PlotMode::Braille);
    app.stall = Some(nn_train::Stall {
        epoch: 40,
        loss: 0.6932,
        accuracy: Some(0.5),
        layer: 1,
        output_layer: false,
        activation: Activation::Tanh,
        trouble: nn_train::UnitTrouble::Saturated,
        units: vec![0, 2, 3, 5, 6],
        width: 8,
    });
    app
}

#[test]
fn stalled_units_marked_80x24() {
    assert_snapshot!(render(&stalled_app(80, 24), 80, 24).backend());
}

#[test]
fn stalled_units_marked_160x48() {
    assert_snapshot!(render(&stalled_app(160, 48), 160, 48).backend());
}

/// The inspector open at 80x24 on the first output neuron: it takes the curves'
/// place, the inspected sample is marked on the plane, and it fits: its text
/// scrolls, never cut mid-number (the widget's own tests check the cutting).
#[test]
fn inspector_80x24() {
    let mut app = planar_app(80, 24, PlotMode::Braille);
    app.update(crate::action::Action::ToggleInspector);
    let terminal = render(&app, 80, 24);
    let text = format!("{}", terminal.backend());
    assert!(
        text.contains("inspector: output class 0 (softmax)"),
        "{text}"
    );
    assert!(text.contains("sample 17 of 400, class"), "{text}");
    assert!(
        text.contains('◎'),
        "the sample is marked on the plane\n{text}"
    );
    assert!(text.contains("more lines"), "{text}");
    assert!(!text.contains("curves"), "{text}");
    // The sample's line takes its class's colour.
    let class = app
        .view
        .inspection
        .as_ref()
        .and_then(|v| v.class)
        .expect("a class");
    let buffer = terminal.backend().buffer();
    let at = (0..buffer.area.height)
        .find_map(|y| {
            let row: String = (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect();
            row.find("sample 17")
                .map(|i| (row[..i].chars().count() as u16, y))
        })
        .expect("the sample line");
    assert_eq!(buffer[at].fg, app.view.palette.point(class));
    assert_snapshot!(terminal.backend());
    // ASCII mode: the inspector in ASCII too, the mark included.
    let mut ascii = planar_app(80, 24, PlotMode::Ascii);
    ascii.update(crate::action::Action::ToggleInspector);
    let text = format!("{}", render(&ascii, 80, 24).backend());
    assert!(text.is_ascii(), "{text}");
    assert!(
        text.contains("inspector: output class 0 (softmax)"),
        "{text}"
    );
    assert!(text.contains('&'), "{text}");
}

/// At 160x48 on hidden neuron 2.4 with its connection from 1.1 selected.
#[test]
fn inspector_160x48() {
    let mut app = planar_app(160, 48, PlotMode::Braille);
    app.selection.selected = Some(NodeId::Neuron { layer: 2, index: 3 });
    app.update(crate::action::Action::ToggleInspector);
    app.update(crate::action::Action::NextLink);
    let terminal = render(&app, 160, 48);
    let text = format!("{}", terminal.backend());
    assert!(text.contains("inspector: 2.4 (hidden, tanh)"), "{text}");
    assert!(text.contains("w from 1.1 = "), "{text}");
    assert!(text.contains("δ = (1−o²)·Σ w·δ = "), "{text}");
    assert_snapshot!(terminal.backend());
}

/// A click near a training point on the plane picks it; the mark is where it is.
#[test]
fn a_click_on_the_plane_picks_the_nearest_training_point() {
    let mut app = planar_app(80, 24, PlotMode::Braille);
    app.selection.inspector.open = true;
    let area = Rect::new(0, 0, 80, 24);
    for sample in [0, 16, 123] {
        app.selection.inspector.sample = sample;
        let terminal = render(&app, 80, 24);
        let buffer = terminal.backend().buffer();
        let at = buffer
            .content
            .iter()
            .position(|c| c.symbol() == "◎")
            .expect("the mark");
        let (column, row) = ((at % 80) as u16, (at / 80) as u16);
        let Some(Target::Sample(picked)) = super::hit(area, &app, column, row) else {
            panic!("no sample at the mark of {sample}");
        };
        // Points can share a cell: the one picked is drawn in the same cell.
        let mut same_cell = |i: usize| {
            app.selection.inspector.sample = i;
            let t = render(&app, 80, 24);
            t.backend()
                .buffer()
                .content
                .iter()
                .position(|c| c.symbol() == "◎")
        };
        assert_eq!(same_cell(picked), Some(at), "sample {sample}");
    }
}

/// Images: the inspector takes the right column (confusion matrix and curves);
/// before its numbers arrive it says what it waits for.
#[test]
fn the_inspector_takes_the_right_column_on_images() {
    let mut app = image_app(PlotMode::Braille);
    app.train_samples = 60_000;
    app.update(crate::action::Action::ToggleInspector);
    let area = Rect::new(0, 0, 80, 24);
    let areas = super::areas(area, &app).unwrap();
    assert!(areas.confusion.is_none() && areas.inspector.is_some());
    let text = format!("{}", render(&app, 80, 24).backend());
    assert!(text.contains("waiting for the weights"), "{text}");
    assert!(!text.contains("confusion"), "{text}");
}

/// The text of row `y`.
fn row(terminal: &Terminal<TestBackend>, y: u16) -> String {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.width)
        .map(|x| buffer[(x, y)].symbol())
        .collect()
}

/// At 80 columns the status lines shorten and drop labels, never cut a figure: with
/// an L2 penalty, and with six hidden layers.
#[test]
fn the_status_line_keeps_every_figure_at_80_columns() {
    for (name, hidden) in [("default", None), ("deep", Some(vec![4; 6]))] {
        let mut app = built_with("spiral", None, hidden, 80, 24, PlotMode::Braille);
        app.settings.run.l2 = Some(0.001);
        let terminal = render(&app, 80, 24);
        let (first, second) = (row(&terminal, 0), row(&terminal, 1));
        for figure in ["epoch 1200", "step 48012", "412k", "00:01:15"] {
            assert!(first.contains(figure), "{name}: {figure} in {first:?}");
        }
        for figure in [
            "lr 0.03",
            "batch 10",
            "L2 0.001",
            "loss 0.0831",
            "test 0.1100",
            "acc 98.0%",
        ] {
            assert!(second.contains(figure), "{name}: {figure} in {second:?}");
        }
        assert_snapshot!(format!("status_80x24_{name}"), terminal.backend());
    }
}

/// A panel title drops words before it cuts a figure: six hidden layers and a stall.
#[test]
fn the_network_title_keeps_its_figures_at_80_columns() {
    let mut app = built_with("spiral", None, Some(vec![4; 6]), 80, 24, PlotMode::Braille);
    app.stall = stalled_app(80, 24).stall;
    let terminal = render(&app, 80, 24);
    let title = row(&terminal, 2);
    assert!(
        title.contains(" 2-4-4-4-4-4-4-2 ") && title.contains(" 5 saturated "),
        "{title}"
    );
}

/// Side by side (80x24), the accuracy chart's axis labels stand apart from the
/// loss chart: a flat loss at the top of its plot runs up to a blank gap, not into `100%`.
#[test]
fn the_accuracy_labels_stand_apart_from_the_loss_plot_at_80x24() {
    let mut app = planar_app(80, 24, PlotMode::Braille);
    app.history.clear();
    for e in 1..=100u32 {
        let x = f64::from(e);
        app.history.train_loss.push(x, 0.5);
        app.history.test_loss.push(x, 0.5);
        app.history.train_accuracy.push(x, 0.9);
        app.history.test_accuracy.push(x, 0.9);
    }
    let terminal = render(&app, 80, 24);
    let labels = (0..24)
        .map(|y| row(&terminal, y))
        .filter(|line| line.contains("100%") || line.contains("50%"))
        .collect::<Vec<_>>();
    assert!(!labels.is_empty());
    for line in labels {
        let at = line.find("100%").or_else(|| line.find(" 50%")).unwrap();
        let before: String = line[..at].chars().rev().take(2).collect();
        assert_eq!(before, "  ", "{line}");
    }
    assert_snapshot!("curves_side_by_side_80x24", terminal.backend());
}

/// At the minimum size, 60x20, nothing overlaps and no figure is cut: the network
/// shows every input that feeds it (before features that are off), and the curves'
/// headers keep their figures (the words go first).
#[test]
fn the_minimum_size_60x20() {
    let app = planar_app(60, 20, PlotMode::Braille);
    let terminal = render(&app, 60, 20);
    let text = format!("{}", terminal.backend());
    for input in [" x1 ●", " x2 ●"] {
        assert!(text.contains(input), "{input} in\n{text}");
    }
    let header = (0..20)
        .map(|y| row(&terminal, y))
        .find(|r| r.contains("│loss") || r.contains("│0.05"))
        .unwrap();
    for figure in ["0.052", "0.062", "100.0%", "98.0%"] {
        assert!(header.contains(figure), "{figure} in {header:?}");
    }
    assert_snapshot!(terminal.backend());
}

/// A regression's training points keep a contrasting ring on the heatmap of the
/// same colour scale, where they used to vanish.
#[test]
fn regression_training_points_stand_out_80x24() {
    use ratatui::style::Color;
    let app = built("plane", None, 80, 24, PlotMode::Braille);
    assert!(!app.view.train_points.is_empty());
    let terminal = render(&app, 80, 24);
    let buffer = terminal.backend().buffer();
    let dots: Vec<_> = (3..22)
        .flat_map(|y| (1..38).map(move |x| (x, y)))
        .map(|p| &buffer[p])
        .filter(|cell| cell.symbol() == "●")
        .collect();
    assert!(dots.len() > 20, "{} training points drawn", dots.len());
    let black = Color::Rgb(0, 0, 0);
    let white = Color::Rgb(255, 255, 255);
    for cell in dots {
        assert!(cell.bg == black || cell.bg == white, "{cell:?}");
        assert_ne!(cell.fg, cell.bg);
    }
}

/// The spiral with lesson `number` of the built-in course open, showing `showing`.
fn lesson_app(number: usize, showing: crate::lesson::Showing) -> App {
    let course = nn_lessons::Course::builtin();
    let mut app = planar_app(80, 24, PlotMode::Braille);
    let run = crate::lesson::LessonRun {
        lesson: course.lessons[number - 1].clone(),
        number,
        count: course.lessons.len(),
        next: course.lessons.get(number).map(|l| l.title.clone()),
    };
    crate::lesson::open(&mut app, run);
    if let Some(panel) = &mut app.lesson {
        panel.showing = showing;
    }
    app
}

#[test]
fn lesson_panel_80x24() {
    let app = lesson_app(3, crate::lesson::Showing::Text);
    assert_snapshot!(render(&app, 80, 24).backend());
}

#[test]
fn every_lessons_texts_read_whole_at_80x24() {
    use crate::lesson::Showing;
    let course = nn_lessons::Course::builtin();
    for (i, lesson) in course.lessons.iter().enumerate() {
        for showing in [Showing::Text, Showing::Hint, Showing::Done] {
            let terminal = render(&lesson_app(i + 1, showing), 80, 24);
            let screen: Vec<String> = (0..24).map(|y| row(&terminal, y)).collect();
            let screen = screen.join("\n");
            let text = match showing {
                Showing::Text => &lesson.text,
                Showing::Hint => &lesson.hint,
                Showing::Done => &lesson.done,
            };
            let mut wanted = nn_lessons::wrap(text, nn_lessons::TEXT_WIDTH);
            wanted.push(format!("lesson {}/10: {}", i + 1, lesson.title));
            wanted.extend(lesson.goal.conditions.iter().map(ToString::to_string));
            for line in wanted {
                assert!(
                    screen.contains(&line),
                    "lesson {} ({showing:?}): `{line}` is cut or missing:\n{screen}",
                    i + 1
                );
            }
        }
    }
}

/// The hooks tell the lesson what the learner did, as `nn-lessons`' scripted tests
/// assume: the inspector opened (on an output, then a hidden neuron), `e` on a
/// sample, a restart, a new learning rate; `H` and `N` are the lesson's keys.
#[test]
fn the_lesson_hooks_tell_the_goal_what_the_learner_did() {
    use crate::action::{Action, Effect};
    use crate::lesson::{LessonKey, Showing};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use nn_run::Command;

    let mut app = lesson_app(5, Showing::Text);
    let mut lesson = app.lesson.take().unwrap();
    let act = |app: &mut App, lesson: &mut crate::lesson::LessonPanel, action| {
        let effects = app.update(action);
        lesson.after_update(action, &effects, app);
        effects
    };
    act(&mut app, &mut lesson, Action::ToggleInspector);
    assert_eq!(
        (
            lesson.observed.inspections,
            lesson.observed.hidden_inspections
        ),
        (1, 0)
    );
    act(&mut app, &mut lesson, Action::PreviousNeuron);
    assert_eq!(
        lesson.observed.hidden_inspections, 1,
        "{:?}",
        app.selection.selected
    );
    app.status.state = RunState::Paused;
    let sample = app.selection.inspector.sample;
    let effects = act(&mut app, &mut lesson, Action::SampleStep);
    assert_eq!(effects, [Effect::Send(Command::StepOn(vec![sample]))]);
    assert_eq!(lesson.observed.same_sample_steps, 1);
    assert!(!lesson.met);
    act(&mut app, &mut lesson, Action::SampleStep);
    assert!(lesson.met && lesson.take_just_met(), "lesson 5's goal");
    assert_eq!(lesson.showing, Showing::Done);

    act(&mut app, &mut lesson, Action::LearningRateUp);
    assert!((lesson.observed.shape.learning_rate - 0.1).abs() < 1e-6);
    act(&mut app, &mut lesson, Action::Reset);
    assert_eq!(lesson.observed.restarts, 1);

    let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT);
    assert_eq!(lesson.key(key('H')), Some(LessonKey::Handled));
    assert_eq!(lesson.showing, Showing::Hint);
    assert_eq!(lesson.key(key('N')), Some(LessonKey::Next));
    assert_eq!(lesson.key(key('x')), None);
}

/// In a lesson the help overlay dims the keys it does not name; they still work.
#[test]
fn a_lessons_help_dims_the_other_keys() {
    let mut app = lesson_app(3, crate::lesson::Showing::Text);
    app.view.overlay = Some(Overlay::Help);
    let terminal = render(&app, 80, 24);
    let buffer = terminal.backend().buffer();
    let style_of = |text: &str| {
        let (x, y) = (0..24)
            .find_map(|y| row(&terminal, y).find(text).map(|i| (i, y)))
            .unwrap_or_else(|| panic!("{text} is not on the help"));
        // Columns, not bytes: the rows hold box-drawing characters.
        let x = row(&terminal, y)[..x].chars().count() as u16;
        buffer[(x, y)].fg
    };
    let dim = app.view.palette.dim();
    assert_eq!(
        style_of("step on that sample alone"),
        ratatui::style::Color::Reset
    );
    assert_eq!(style_of("pause / resume"), dim);
    assert_eq!(
        app.update(crate::action::Action::TogglePause).len(),
        1,
        "a dimmed key still works"
    );
}

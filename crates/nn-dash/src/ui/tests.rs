//! Snapshot tests of every panel at 80x24 and 160x48, from constructed states
//! (no live trainer: a seeded network, generated points, made-up curves).

use std::sync::Arc;

use insta::assert_snapshot;
use nn_core::{Activation, Architecture, Loss, Network, Workspace};
use nn_data::Task;
use nn_train::{ConfusionMatrix, EpochReport, Metrics, RunState};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

use super::{boundary_pixels, draw};
use crate::PlotMode;
use crate::app::{App, Settings};
use crate::colors::ColorDepth;
use crate::plot::{Digit, DigitsView, PlaneView, points_of};

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

/// The spiral, a seeded 2-8-8-2 network part-way through made-up training.
fn planar_app(width: u16, height: u16, plot: PlotMode) -> App {
    let options = crate::DashOptions::default_start();
    let data = nn_train::load_data(&options.data_spec, &options.data_options).unwrap();
    let mut app = App::new(
        crate::app::tests::settings(),
        "model.safetensors".into(),
        plot,
        ColorDepth::TrueColor,
    );
    let config = options
        .request
        .resolve(nn_train::Purpose::Dashboard, &data)
        .unwrap();
    let network = Network::new(config.architecture, 7).unwrap();
    app.train_points = points_of(&data.train);
    app.test_points = points_of(data.test.as_ref().unwrap());
    let (w, h) = boundary_pixels(Rect::new(0, 0, width, height), &app).unwrap();
    let extent = app.points_extent(w, h).unwrap();
    app.plane = PlaneView::compute(
        &network,
        &data.normalization,
        extent,
        w,
        h,
        &mut Workspace::new(),
    );
    app.network = Some(Arc::new(network));
    fill_status(&mut app, 2);
    app
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
    let settings = Settings {
        dataset: "mnist".into(),
        inputs: 784,
        task: Task::Classification { classes: 10 },
        hidden: vec![100],
        activation: Activation::Relu,
        learning_rate: 0.1,
        batch_size: 32,
        threads: 2,
        optimizer: "sgd",
    };
    let mut app = App::new(
        settings,
        "model.safetensors".into(),
        plot,
        ColorDepth::Ansi256,
    );
    app.network = Some(Arc::new(Network::new(arch, 1).unwrap()));
    fill_status(&mut app, 10);
    app.digits = Some(DigitsView {
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
    assert_snapshot!(render(&image_app(PlotMode::Braille), 80, 24).backend());
}

#[test]
fn images_160x48() {
    assert_snapshot!(render(&image_app(PlotMode::Braille), 160, 48).backend());
}

#[test]
fn help_overlay_80x24_and_160x48() {
    let mut app = planar_app(80, 24, PlotMode::Braille);
    app.help = true;
    assert_snapshot!("help_80x24", render(&app, 80, 24).backend());
    assert_snapshot!("help_160x48", render(&app, 160, 48).backend());
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
    app.plane = None;
    app.network = None;
    app.status = crate::app::Status::default();
    app.history.clear();
    app.log.clear();
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
    app.palette = crate::colors::Palette::new(ColorDepth::Ansi256);
    assert!(matches!(cell(&app), Color::Indexed(_)));
    app.palette = crate::colors::Palette::new(ColorDepth::Ansi16);
    assert!(!matches!(cell(&app), Color::Rgb(..) | Color::Indexed(_)));
}

//! The pictures as files: PNGs decoded and their pixels checked where the data
//! puts each class, SVGs parsed and rendered against the PNG, and bad input refused.

use std::sync::Arc;

use nn_core::{Activation, Architecture, Loss, ModelInfo};
use nn_plot::raster::{Pixmap, rasterize};
use nn_plot::source::Points;
use nn_plot::{BoundaryOptions, Format, PlotError, RunCurves};
use nn_run::{DataOptions, DataSpec, load_data};
use nn_train::{EpochReport, Model, TrainConfig, Trainer};

/// A network trained on `gauss` (class 1 around (2, 2), class 0 around (-2, -2)), its data's points,
/// and its epochs.
fn gauss(hidden: usize) -> (Model, Points, Vec<EpochReport>) {
    let spec = DataSpec::Generator("gauss".into());
    let options = DataOptions {
        samples: 200,
        ..DataOptions::default()
    };
    let data = Arc::new(load_data(&spec, &options).unwrap());
    let arch = Architecture::new(
        vec![2, hidden, 2],
        Activation::Tanh,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    let config = TrainConfig {
        learning_rate: 0.1,
        batch_size: 10,
        threads: 1,
        epochs: 10,
        ..TrainConfig::new(arch)
    };
    let mut trainer = Trainer::new(config, data.clone()).unwrap();
    let epochs = trainer.run_epochs(10).unwrap();
    let model = Model {
        network: trainer.network().clone(),
        info: ModelInfo {
            class_names: vec!["0".into(), "1".into()],
            feature_names: vec!["x1".into(), "x2".into()],
            dataset: Some("gauss".into()),
            ..ModelInfo::default()
        },
        normalization: data.normalization.clone(),
        features: None,
    };
    (model, Points::of(&data, "gauss".into()), epochs)
}

fn options(width: u32, height: u32) -> BoundaryOptions {
    BoundaryOptions {
        width,
        height,
        discretize: false,
        title: "gauss".into(),
    }
}

fn rgb(pixmap: &Pixmap, (x, y): (f32, f32)) -> [u8; 3] {
    let p = pixmap.pixel(x as u32, y as u32).unwrap();
    [p.red(), p.green(), p.blue()]
}

fn is_blue([r, _, b]: [u8; 3]) -> bool {
    i32::from(b) - i32::from(r) > 60
}

fn is_orange([r, _, b]: [u8; 3]) -> bool {
    i32::from(r) - i32::from(b) > 60
}

#[test]
fn a_gauss_boundary_is_blue_near_2_2_and_orange_near_minus_2_minus_2() {
    let (model, points, _) = gauss(4);
    for discretize in [false, true] {
        // Without points, so that no marker covers the pixels read.
        let opts = BoundaryOptions {
            discretize,
            ..options(400, 400)
        };
        let picture = nn_plot::boundary(&model, &Points::default(), &opts).unwrap();
        let png = picture.encode(Format::Png).unwrap();
        let pixmap = Pixmap::decode_png(&png).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (400, 400));
        let plane = picture.plane.unwrap();
        let blue = rgb(&pixmap, plane.pixel(2.0, 2.0));
        let orange = rgb(&pixmap, plane.pixel(-2.0, -2.0));
        assert!(is_blue(blue), "(2, 2) is {blue:?}, expected blue");
        assert!(is_orange(orange), "(-2, -2) is {orange:?}, expected orange");
    }
    // With the points: a training point of class 1 is drawn in the Playground's blue.
    let picture = nn_plot::boundary(&model, &points, &options(400, 400)).unwrap();
    let pixmap = picture.pixels().unwrap();
    let plane = picture.plane.unwrap();
    let p = points.train.iter().find(|p| p.label == 1.0).unwrap();
    let at = rgb(&pixmap, plane.pixel(p.x, p.y));
    assert!(is_blue(at), "a class-1 point is {at:?}");
}

#[test]
fn the_svg_parses_and_renders_to_the_png() {
    let (model, points, _) = gauss(4);
    let picture = nn_plot::boundary(&model, &points, &options(300, 300)).unwrap();
    let svg = String::from_utf8(picture.encode(Format::Svg).unwrap()).unwrap();
    assert!(svg.starts_with("<svg "));
    let from_svg = rasterize(&svg).unwrap();
    let from_png = Pixmap::decode_png(&picture.encode(Format::Png).unwrap()).unwrap();
    assert_eq!(from_svg.width(), from_png.width());
    let differing = from_svg
        .data()
        .iter()
        .zip(from_png.data())
        .filter(|(a, b)| a.abs_diff(**b) > 2)
        .count();
    assert!(
        differing <= from_svg.data().len() / 1000,
        "{differing} bytes differ"
    );
}

#[test]
fn text_is_drawn_with_the_embedded_font() {
    let (model, points, _) = gauss(4);
    let picture = nn_plot::boundary(&model, &points, &options(400, 400)).unwrap();
    let pixmap = picture.pixels().unwrap();
    // The title's first letters: dark ink on the white margin above the plane.
    let ink = (64..200)
        .flat_map(|x| (8..30).map(move |y| (x, y)))
        .filter(|&(x, y)| rgb(&pixmap, (x as f32, y as f32))[0] < 100)
        .count();
    assert!(ink > 100, "{ink} dark pixels in the title");
}

#[test]
fn curves_and_network_render() {
    let (model, points, epochs) = gauss(30);
    let runs = [RunCurves {
        label: "gauss".into(),
        epochs,
    }];
    let curves = nn_plot::curves(&runs, 600, 400, "gauss").unwrap();
    assert!(curves.svg.contains(">train</text>") && curves.svg.contains(">test</text>"));
    assert_eq!(curves.pixels().unwrap().width(), 600);
    let network = nn_plot::network(&model, &points, &options(900, 500)).unwrap();
    // 30 hidden neurons: a sample is drawn, and said so.
    assert!(
        network.svg.contains(">10 of 30</text>"),
        "{}",
        network.svg.len()
    );
    assert_eq!(network.pixels().unwrap().height(), 500);
}

#[test]
fn bad_input_is_one_clear_error() {
    let err = |e: PlotError| e.to_string();
    let (mut model, points, _) = gauss(4);
    assert_eq!(
        err(Format::of("out.jpg".as_ref()).unwrap_err()),
        "out.jpg: unknown picture format; expected a file name ending in .png or .svg"
    );
    assert!(Format::of("OUT.SVG".as_ref()).is_ok());
    let empty = nn_plot::curves(
        &[RunCurves {
            label: "a".into(),
            epochs: Vec::new(),
        }],
        600,
        400,
        "a",
    );
    assert_eq!(
        err(empty.unwrap_err()),
        "no epochs recorded yet: nothing to plot"
    );
    // A model of three input columns has no plane to draw.
    let arch = Architecture::new(
        vec![3, 4, 2],
        Activation::Tanh,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    model.network = nn_core::Network::new(arch, 1).unwrap();
    model.normalization = nn_data::Normalization::identity(3);
    model.info.feature_names = vec!["a".into(), "b".into(), "c".into()];
    let e = nn_plot::boundary(&model, &points, &options(400, 400)).unwrap_err();
    assert_eq!(
        err(e),
        "the model reads 3 input columns (a, b, c); a picture over the plane needs 2-D data (x1, x2)"
    );
}

#[test]
fn files_are_written_whole_in_the_format_their_name_says() {
    let (model, points, _) = gauss(4);
    let dir = tempfile::tempdir().unwrap();
    let picture = nn_plot::boundary(&model, &points, &options(200, 200)).unwrap();
    let png = dir.path().join("b.png");
    picture.save(&png).unwrap();
    assert!(
        std::fs::read(&png)
            .unwrap()
            .starts_with(b"\x89PNG\r\n\x1a\n")
    );
    let svg = dir.path().join("b.svg");
    picture.save(&svg).unwrap();
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg "));
    let bad = dir.path().join("b.gif");
    assert!(matches!(
        picture.save(&bad),
        Err(PlotError::UnknownFormat(..))
    ));
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

/// Whether the pixel is text's dark ink (the white margin's text, not a colour).
fn is_ink([r, g, b]: [u8; 3]) -> bool {
    r < 150 && g < 150 && b < 150
}

#[test]
fn a_small_frame_keeps_its_title_inside_and_its_caption_clear_of_the_legend() {
    let (model, points, _) = gauss(4);
    // A replay's frame at 360x360 with its long title: before fitting, the title ran off
    // the right edge and the caption ran under the legend.
    let opts = BoundaryOptions {
        title: "gauss at epoch 1000, loss 0.0123".into(),
        ..options(360, 360)
    };
    let picture = nn_plot::boundary(&model, &points, &opts).unwrap();
    let pixmap = picture.pixels().unwrap();
    let ink_in = |xs: std::ops::Range<u32>, ys: std::ops::Range<u32>| {
        xs.flat_map(|x| ys.clone().map(move |y| (x, y)))
            .filter(|&(x, y)| is_ink(rgb(&pixmap, (x as f32, y as f32))))
            .count()
    };
    // The title's row: ink across, none in the last 6 columns.
    assert!(ink_in(64..300, 8..30) > 100, "no title drawn");
    assert_eq!(ink_in(354..360, 0..52), 0, "text runs off the right edge");
    // The caption's row: the legend begins with class 0's orange swatch; the caption's ink
    // ends before it, with a gap.
    let swatch = (64..360)
        .find(|&x| (34..46).any(|y| is_orange(rgb(&pixmap, (x as f32, y as f32)))))
        .expect("the legend's orange swatch");
    assert!(ink_in(64..swatch - 8, 32..50) > 50, "no caption drawn");
    assert_eq!(
        ink_in(swatch - 6..swatch, 32..50),
        0,
        "the caption touches the legend at x = {swatch}"
    );
    // Shortened by whole phrases (the title without "decision boundary", the
    // architecture without its loss), never cut in the middle of a word.
    assert!(!picture.svg.contains('…'), "a text cut mid-word");
    assert!(
        picture
            .svg
            .contains(">gauss at epoch 1000, loss 0.0123</text>")
    );
    assert!(picture.svg.contains(">2-4-"), "the layer sizes whole");
}

#[test]
fn a_replay_frame_shows_the_epoch_and_score_over_the_boundary_and_the_network() {
    let (model, points, _) = gauss(4);
    let header = "gauss at epoch 10: test loss 0.0123, accuracy 100.0%";
    for (width, height) in [(720, 360), (400, 800)] {
        let options = nn_plot::ReplayOptions {
            width,
            height,
            fps: 8,
            discretize: false,
        };
        let picture = nn_plot::replay::frame_picture(&model, &points, header, &options).unwrap();
        assert!(picture.svg.contains(header), "the header is said whole");
        assert!(picture.svg.contains(">Decision boundary</text>"));
        assert!(picture.svg.contains(">Network</text>"));
        // The panels' captions are shortened by whole phrases: the layer sizes and the
        // seed's neuron stay readable in the smallest frame.
        assert!(
            !picture.svg.contains('…'),
            "{width}x{height}: a caption cut mid-word"
        );
        assert!(picture.svg.contains("o = f(Σ w·o_in)"), "{width}x{height}");
        let pixmap = picture.pixels().unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (width, height));
        let count =
            |xs: std::ops::Range<u32>, ys: std::ops::Range<u32>, test: fn([u8; 3]) -> bool| {
                xs.flat_map(|x| ys.clone().map(move |y| (x, y)))
                    .filter(|&(x, y)| test(rgb(&pixmap, (x as f32, y as f32))))
                    .count()
            };
        // The header's ink in the band at the top.
        assert!(
            count(16..300, 8..36, is_ink) > 150,
            "{width}x{height}: no header"
        );
        // The boundary's panel: its plane blue at (2, 2) and orange at (-2, -2).
        let plane = picture.plane.unwrap();
        let (px, py) = plane.pixel(2.0, 2.0);
        assert!(px < width as f32 && py < height as f32 && py > 40.0);
        let [blue, orange] = [(2.0, 2.0), (-2.0, -2.0)].map(|(x, y)| {
            let (px, py) = plane.pixel(x, y);
            // Beside any point's marker: the mode of a 9x9 window.
            let window = (px as u32 - 4..px as u32 + 5)
                .flat_map(|x| (py as u32 - 4..py as u32 + 5).map(move |y| (x, y)));
            let blues = window
                .clone()
                .filter(|&(x, y)| is_blue(rgb(&pixmap, (x as f32, y as f32))))
                .count();
            let oranges = window
                .filter(|&(x, y)| is_orange(rgb(&pixmap, (x as f32, y as f32))))
                .count();
            (blues, oranges)
        });
        assert!(
            blue.0 > 40 && orange.1 > 40,
            "{width}x{height}: {blue:?} {orange:?}"
        );
        // The network's panel (right or below): nodes' heatmaps in both colours.
        let (xs, ys) = if width > height {
            (width / 2..width, 40..height)
        } else {
            (0..width, height * 6 / 10..height)
        };
        let network_blue = count(xs.clone(), ys.clone(), is_blue);
        let network_orange = count(xs, ys, is_orange);
        assert!(
            network_blue > 500 && network_orange > 500,
            "{width}x{height}: the network's panel has {network_blue} blue and {network_orange} orange pixels"
        );
    }
    let small = nn_plot::ReplayOptions {
        width: 480,
        height: 480,
        fps: 8,
        discretize: false,
    };
    let err = nn_plot::replay::frame_picture(&model, &points, header, &small).unwrap_err();
    assert_eq!(
        err.to_string(),
        "480x480 pixels is too small for a replay's frame (the boundary and the network); expected at least 550x270, or 300x560 for a tall one"
    );
}

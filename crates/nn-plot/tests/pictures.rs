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

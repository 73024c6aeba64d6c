//! The digits picture of a classifier of images: decoded, its digits' ink, the
//! misclassified ones' red frames and the confusion matrix's cells checked in pixels.

use nn_core::{Activation, Architecture, Loss, ModelInfo, Network};
use nn_data::{Dataset, Inputs, Normalization, Targets};
use nn_plot::BoundaryOptions;
use nn_plot::digits::WRONG;
use nn_plot::raster::Pixmap;
use nn_train::Model;

/// 8x8 images of three classes, class k bright in its band of columns (0-2, 3-5, 6-7);
/// the images listed in `mislabelled` are bright in band 0 but labelled 2.
fn images(mislabelled: &[usize]) -> Dataset {
    let n = 30;
    let mut pixels = Vec::with_capacity(n * 64);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let label = (i % 3) as u32;
        let band = if mislabelled.contains(&i) { 0 } else { label };
        for _row in 0..8 {
            for column in 0..8u32 {
                pixels.push(if band_of(column) == band { 255 } else { 0 });
            }
        }
        labels.push(if mislabelled.contains(&i) { 2 } else { label });
    }
    Dataset::new(
        "bands",
        Inputs::U8(pixels),
        Targets::Classes(labels),
        (0..64).map(|p| format!("p{p}")).collect(),
        vec!["label".into()],
        vec!["a".into(), "b".into(), "c".into()],
    )
    .unwrap()
}

fn band_of(column: u32) -> u32 {
    (column / 3).min(2)
}

/// A 64-3 softmax network that predicts the band holding the ink.
fn model() -> Model {
    let arch = Architecture::new(
        vec![64, 3],
        Activation::Sigmoid,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    let mut network = Network::new(arch, 1).unwrap();
    let params = network.parameters_mut();
    params.fill(0.0);
    for k in 0..3u32 {
        for p in 0..64u32 {
            if band_of(p % 8) == k {
                params[(k * 64 + p) as usize] = 0.01;
            }
        }
    }
    Model {
        network,
        info: ModelInfo {
            class_names: vec!["a".into(), "b".into(), "c".into()],
            ..ModelInfo::default()
        },
        normalization: Normalization::identity(64),
        features: None,
    }
}

fn options() -> BoundaryOptions {
    BoundaryOptions {
        width: 1000,
        height: 560,
        discretize: false,
        title: "bands".into(),
    }
}

fn rgb(pixmap: &Pixmap, x: f32, y: f32) -> [u8; 3] {
    let p = pixmap.pixel(x as u32, y as u32).unwrap();
    [p.red(), p.green(), p.blue()]
}

/// The `(x, y, width, height)` of the first `<tag` element in `svg` that contains `with`.
fn element(svg: &str, tag: &str, with: &str) -> (f32, f32, f32, f32) {
    let line = svg
        .lines()
        .find(|l| l.starts_with(&format!("<{tag} ")) && l.contains(with))
        .unwrap_or_else(|| panic!("no <{tag}> with {with}"));
    let attribute = |name: &str| -> f32 {
        let start = line.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        line[start..].split('"').next().unwrap().parse().unwrap()
    };
    (
        attribute("x"),
        attribute("y"),
        attribute("width"),
        attribute("height"),
    )
}

fn count(pixmap: &Pixmap, test: impl Fn([u8; 3]) -> bool) -> usize {
    pixmap
        .pixels()
        .iter()
        .filter(|p| test([p.red(), p.green(), p.blue()]))
        .count()
}

#[test]
fn digits_show_the_ink_the_predictions_and_the_mistakes_in_red() {
    let data = images(&[0, 3]);
    let picture = nn_plot::digits(&model(), &data, "bands held out", &options()).unwrap();
    let svg = &picture.svg;
    assert!(svg.contains("30 images, 93.3% right, 2 wrong"), "caption");
    assert!(svg.contains(">misclassified: the first 2 of 2</text>"));
    // Images 0 and 3 are labelled c but drawn in a's band: predicted a, true c.
    assert_eq!(
        svg.matches(">a (c)</text>").count(),
        2 * 2,
        "in order and again as mistakes"
    );
    let pixmap = picture.pixels().unwrap();
    assert_eq!((pixmap.width(), pixmap.height()), (1000, 560));
    // The first digit (bright in columns 0-2, drawn dark on white): ink on its left,
    // paper on its right.
    let (x, y, w, h) = element(svg, "image", "data:image/png");
    let ink = rgb(&pixmap, x + w * 0.1, y + h / 2.0);
    let paper = rgb(&pixmap, x + w * 0.9, y + h / 2.0);
    assert!(ink.iter().all(|&c| c < 60), "ink {ink:?}");
    assert!(paper.iter().all(|&c| c > 200), "paper {paper:?}");
    // Red frames: around each of the 4 wrong digits drawn.
    let red = |[r, g, b]: [u8; 3]| {
        r.abs_diff(WRONG[0]) < 30 && g.abs_diff(WRONG[1]) < 30 && b.abs_diff(WRONG[2]) < 30
    };
    assert!(
        count(&pixmap, red) > 4 * 100,
        "{} red pixels",
        count(&pixmap, red)
    );
    // The confusion matrix: row c (true), column a (predicted) holds 2 of c's 10, the
    // deepest orange; a's own cell all blue; row c, column b is empty (white).
    let blue = nn_palette::hex(nn_palette::playground_rgb(1.0));
    let orange = nn_palette::hex(nn_palette::playground_rgb(-1.0));
    let (x, y, m, _) = element(svg, "rect", &format!("fill=\"{blue}\""));
    let at = |column: f32, row: f32| rgb(&pixmap, x + (column + 0.2) * m, y + (row + 0.2) * m);
    let [r, _, b] = at(0.0, 0.0);
    assert!(b > 150 && r < 60, "a, a is {:?}", at(0.0, 0.0));
    let [r, _, b] = at(0.0, 2.0);
    assert!(r > 200 && b < 100, "c, a is {:?}", at(0.0, 2.0));
    assert_eq!(at(1.0, 2.0), [255, 255, 255], "c, b");
    assert_eq!(
        element(svg, "rect", &format!("fill=\"{orange}\"")).0,
        x,
        "the orange cell is in column a"
    );
}

#[test]
fn a_perfect_model_draws_no_red_and_images_are_required() {
    let picture = nn_plot::digits(&model(), &images(&[]), "bands", &options()).unwrap();
    assert!(picture.svg.contains(">misclassified: none</text>"));
    let pixmap = picture.pixels().unwrap();
    let red = count(&pixmap, |[r, g, b]| r > 180 && g < 80 && b < 80);
    assert_eq!(red, 0);
    // Not images: the columns of a table.
    let table = Dataset::new(
        "table",
        Inputs::F32(vec![0.0; 2 * 64]),
        Targets::Classes(vec![0, 1]),
        (0..64).map(|p| format!("p{p}")).collect(),
        vec!["label".into()],
        vec!["a".into(), "b".into()],
    )
    .unwrap();
    let err = nn_plot::digits(&model(), &table, "table", &options()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "table: not images (square byte images of at least 8x8 pixels, as MNIST's); a digits picture needs them"
    );
}

//! How long a picture takes: the decision boundary at 800x800 pixels, the
//! forward pass over its ~680 x 680 grid included, to SVG and to PNG.
//! `cargo bench -p nn-plot --bench plot`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use nn_core::{Activation, Architecture, Loss, ModelInfo};
use nn_plot::source::Points;
use nn_plot::{BoundaryOptions, Format};
use nn_run::{DataOptions, DataSpec, load_data};
use nn_train::{Model, TrainConfig, Trainer};

/// A spiral network as the dashboard trains it by default (2-8-8-2 tanh), trained a little.
fn spiral() -> (Model, Points) {
    let spec = DataSpec::Generator("spiral".into());
    let data = Arc::new(load_data(&spec, &DataOptions::default()).unwrap());
    let arch = Architecture::new(
        vec![2, 8, 8, 2],
        Activation::Tanh,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    let config = TrainConfig {
        batch_size: 10,
        threads: 1,
        ..TrainConfig::new(arch)
    };
    let mut trainer = Trainer::new(config, data.clone()).unwrap();
    trainer.run_epochs(20).unwrap();
    let model = Model {
        network: trainer.network().clone(),
        info: ModelInfo {
            class_names: vec!["0".into(), "1".into()],
            ..ModelInfo::default()
        },
        normalization: data.normalization.clone(),
        features: None,
    };
    (model, Points::of(&data, "spiral".into()))
}

fn boundary(c: &mut Criterion) {
    let (model, points) = spiral();
    let options = BoundaryOptions {
        width: 800,
        height: 800,
        discretize: false,
        title: "spiral".into(),
    };
    let mut group = c.benchmark_group("boundary_800x800");
    group.sample_size(10);
    group.bench_function("svg", |b| {
        b.iter(|| {
            let picture = nn_plot::boundary(&model, &points, &options).unwrap();
            black_box(picture.encode(Format::Svg).unwrap())
        });
    });
    group.bench_function("png", |b| {
        b.iter(|| {
            let picture = nn_plot::boundary(&model, &points, &options).unwrap();
            black_box(picture.encode(Format::Png).unwrap())
        });
    });
    group.finish();
}

criterion_group!(benches, boundary);
criterion_main!(benches);

//! How long a picture takes: the decision boundary at 800x800 pixels, the
//! forward pass over its grid included, to SVG and to PNG (the goal: under
//! 0.5 s); and a replay of a spiral run of 100 frames, boundary and network at the
//! default 960x480, to GIF bytes (goal: under 10 s).
//! `cargo bench -p nn-plot --bench plot` (`-- replay` for the replay alone).

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use criterion::{Criterion, criterion_group, criterion_main};
use nn_core::{Activation, Architecture, Loss, ModelInfo};
use nn_plot::source::Points;
use nn_plot::{BoundaryOptions, Format, ReplayOptions, Source};
use nn_run::{
    DataOptions, DataSpec, HISTORY_DIR, Pace, RunHeadless, RunInfo, RunWriter, SessionOptions,
    WriterOptions, load_data,
};
use nn_train::{Model, TrainConfig, Trainer};

/// A trainer of the spiral network the dashboard trains by default (2-8-8-2 tanh).
fn spiral_trainer(epochs: usize) -> (DataSpec, Arc<nn_train::TrainData>, Trainer) {
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
        epochs,
        ..TrainConfig::new(arch)
    };
    let trainer = Trainer::new(config, data.clone()).unwrap();
    (spec, data, trainer)
}

/// A spiral network as the dashboard trains it by default (2-8-8-2 tanh), trained a little.
fn spiral() -> (Model, Points) {
    let (_, data, mut trainer) = spiral_trainer(20);
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

/// A spiral run of 1000 epochs recorded in `dir` as `nn-tui train --run-dir` records it,
/// its history then replaced by 99 snapshots, every 10 epochs from 0 to 980: with the
/// final model, 100 frames.
fn hundred_frame_run(dir: &Path) {
    let (spec, _, mut trainer) = spiral_trainer(1000);
    let info = RunInfo::new(
        &spec,
        &DataOptions::default(),
        &trainer,
        Pace::Max,
        Vec::new(),
    );
    let mut writer =
        RunWriter::create(dir, &info, trainer.model_info(), WriterOptions::default()).unwrap();
    let session = SessionOptions {
        exit_when_finished: true,
        ..SessionOptions::default()
    };
    trainer
        .run(&AtomicBool::new(false), &session, &mut |event| {
            writer.observe(&event);
        })
        .unwrap();
    writer.finish(Some(trainer.network()), None).unwrap();
    let history = dir.join(HISTORY_DIR);
    std::fs::remove_dir_all(&history).unwrap();
    std::fs::create_dir(&history).unwrap();
    let (_, _, mut again) = spiral_trainer(1000);
    for i in 0..99 {
        let path = history.join(format!("{i:03}-epoch-{}.safetensors", i * 10));
        nn_core::save_model(&path, again.network(), &again.model_info()).unwrap();
        again.run_epochs(10).unwrap();
    }
}

fn replay(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    hundred_frame_run(dir.path());
    let source = Source::open(dir.path()).unwrap();
    assert_eq!(nn_plot::replay::frames(&source).unwrap().len(), 100);
    let options = ReplayOptions {
        width: 960,
        height: 480,
        fps: 8,
        discretize: false,
    };
    let mut group = c.benchmark_group("replay_100_frames_960x480");
    group.sample_size(10);
    group.bench_function("gif", |b| {
        b.iter(|| black_box(nn_plot::replay(&source, &options).unwrap()));
    });
    group.finish();
}

criterion_group!(benches, boundary, replay);
criterion_main!(benches);

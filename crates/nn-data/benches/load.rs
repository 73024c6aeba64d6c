//! Load-time benchmarks: MNIST (four gzip IDX files, 70,000 images) and CSV
//! parse throughput on a generated few-megabyte file.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nn_data::{CsvOptions, blobs_with_classes, load_mnist, mnist_dir, to_csv_string};

fn mnist_load(c: &mut Criterion) {
    let dir = mnist_dir();
    let mut group = c.benchmark_group("mnist");
    group.sample_size(10);
    group.bench_function("load 70k images", |b| {
        b.iter(|| black_box(load_mnist(&dir).expect("MNIST files in datasets/mnist")));
    });
    group.finish();
}

fn csv_parse(c: &mut Criterion) {
    let text = to_csv_string(&blobs_with_classes(150_000, 5, 1.0, 1));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("blobs.csv");
    std::fs::write(&path, &text).expect("write the CSV");
    let mut group = c.benchmark_group("csv");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function(format!("parse {:.1} MB", text.len() as f64 / 1e6), |b| {
        b.iter(|| black_box(nn_data::load_csv(&path, &CsvOptions::default()).expect("valid CSV")));
    });
    group.bench_function("write", |b| {
        let data = blobs_with_classes(150_000, 5, 1.0, 1);
        b.iter(|| black_box(to_csv_string(&data)));
    });
    group.finish();
}

criterion_group!(benches, mnist_load, csv_parse);
criterion_main!(benches);

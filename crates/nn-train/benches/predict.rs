//! The forward pass of a saved model through the library API (`Model::predict_with`),
//! as `cargo xtask bench-predict` compares it with ONNX Runtime's `session.run`: rows/s
//! per batch size on rows already in memory, and the median latency of one-row calls.
//!
//! `cargo bench -p nn-train --bench predict -- --model M.safetensors --input ROWS.csv
//! [--batches 1,64,4096] [--seconds 1]`
//!
//! Prints `forward batch=B rows/s=R` and `latency batch=1 us=U`, the lines
//! `xtask/bench/ort_predict.py forward` prints for ONNX Runtime.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use nn_data::{CopiedFields, FeatureColumns, FeatureStream};
use nn_train::{Model, PredictScratch};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (Some(model), Some(input)) = (value("--model"), value("--input")) else {
        // `cargo bench` without arguments runs every bench: this one needs a model.
        println!(
            "predict: give --model M.safetensors --input ROWS.csv (see cargo xtask bench-predict)"
        );
        return;
    };
    let batches: Vec<usize> = value("--batches")
        .unwrap_or_else(|| "1,64,4096".into())
        .split(',')
        .filter_map(|b| b.parse().ok())
        .collect();
    let seconds: f64 = value("--seconds")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let model = Model::load(&PathBuf::from(&model)).expect("a model file");
    let rows = read_rows(&model, &PathBuf::from(&input));
    let width = model.raw_columns();
    let n = rows.len() / width;
    let mut scratch = PredictScratch::default();
    for &batch in &batches {
        // The file's rows, repeated if the batch is larger.
        let block: Vec<f32> = rows.iter().copied().cycle().take(batch * width).collect();
        std::hint::black_box(model.predict_with(&block, &mut scratch).unwrap());
        let (mut calls, start) = (0_usize, Instant::now());
        while start.elapsed() < Duration::from_secs_f64(seconds) {
            std::hint::black_box(model.predict_with(&block, &mut scratch).unwrap());
            calls += 1;
        }
        let rate = (calls * batch) as f64 / start.elapsed().as_secs_f64();
        println!("forward batch={batch} rows/s={rate:.0}");
    }
    let mut times: Vec<f64> = (0..2000)
        .map(|i| {
            let row = &rows[(i % n) * width..(i % n + 1) * width];
            let start = Instant::now();
            std::hint::black_box(model.predict_with(row, &mut scratch).unwrap());
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!("latency batch=1 us={:.2}", times[times.len() / 2] * 1e6);
}

/// Every row's raw columns, as `nn-tui predict` reads them.
fn read_rows(model: &Model, path: &std::path::Path) -> Vec<f32> {
    let names = &model.info.feature_names;
    let inputs = model.raw_columns();
    let columns = FeatureColumns {
        names: (names.len() == inputs).then_some(names.as_slice()),
        count: inputs,
        ignored: &["label"],
    };
    let file = std::fs::File::open(path).expect("the input CSV");
    let mut stream = FeatureStream::new(file, path, &columns).expect("its header");
    let (mut all, mut chunk, mut copied) = (Vec::new(), Vec::new(), CopiedFields::default());
    while stream
        .read_chunk(4096, &mut chunk, &mut copied)
        .expect("its rows")
        > 0
    {
        all.extend_from_slice(&chunk);
    }
    all
}

//! Embedding a trained model in a Rust program: load the file `nn-tui train --save`
//! wrote, then predict rows of raw features with buffers kept between calls, so that
//! after the first call no call allocates (tested in `tests/allocations.rs`).
//!
//! ```sh
//! cargo run -p nn-train --example predict                                  # a moons model the tests keep
//! cargo run -p nn-train --example predict -- moons.safetensors 0.5,-1 1,0.2  # your model, your rows
//! ```
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::path::{Path, PathBuf};

use nn_train::{Model, PredictScratch};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    // Without a model: one the end-to-end tests keep, trained on moons (columns x1, x2).
    let path = args.next().map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/e2e/fixtures/moons-csv.safetensors")
        },
        PathBuf::from,
    );
    let mut rows: Vec<Vec<f32>> = args
        .map(|row| row.split(',').map(str::parse).collect())
        .collect::<Result<_, _>>()?;
    if rows.is_empty() {
        rows = vec![vec![0.5, -1.0], vec![-0.5, 0.8], vec![1.5, -0.3]];
    }

    // Once: the model, with its normalisation and input features; the scratch buffers.
    let model = Model::load(&path)?;
    let mut scratch = PredictScratch::default();
    println!(
        "{}: {} raw columns ({}), classes {:?}",
        path.display(),
        model.raw_columns(),
        model.info.feature_names.join(","),
        model.info.class_names
    );
    // Per call: raw rows in (`[n, raw_columns]`, row-major), outputs `[n, outputs]` out.
    for row in &rows {
        let outputs = model.predict_with(row, &mut scratch)?;
        if model.info.class_names.is_empty() {
            println!("{row:?} -> {outputs:?}");
        } else {
            let (class, probability) = model.classify(outputs);
            let name = &model.info.class_names[class];
            println!("{row:?} -> class {name} (p = {probability:.3})");
        }
    }
    Ok(())
}

//! Datasets for the trainer: synthetic 2-D generators, formula data sets
//! (`formula:x1*x2 > 0`), CSV and IDX (MNIST)
//! loaders, seeded stratified splits and per-feature normalisation.
//!
//! A [`Dataset`] holds one contiguous `[n, dim]` input matrix (`f32`, or `u8`
//! for images) and its targets; the trainer gathers normalised batches from it
//! with [`Dataset::write_batch_inputs`] without allocating. This crate does not
//! depend on `nn-core`, and writes nothing to stdout or stderr (a dashboard
//! draws over the terminal).
//!
//! ```
//! use nn_data::{Normalization, NormalizationKind};
//!
//! let data = nn_data::moons(200, 0.1, 42);
//! let split = data.split(0.2, 0.0, 7).unwrap();
//! let norm = Normalization::fit(NormalizationKind::Standardize, &split.train);
//! let mut batch = vec![0.0; 32 * data.dim()];
//! let indices: Vec<usize> = (0..32).collect();
//! split.train.write_batch_inputs(&indices, &norm, &mut batch);
//! ```

#![deny(clippy::print_stdout, clippy::print_stderr)]

mod csv_features;
mod csv_io;
mod dataset;
mod error;
mod features;
mod formula;
mod generators;
mod idx;
mod mnist;
mod normalize;
mod plane;
mod quote;
mod random;
mod split;
mod stdin;

pub use csv_features::{
    CopiedFields, FeatureColumns, FeatureRows, FeatureStream, MAX_LINE_BYTES, parse_features,
};
pub use csv_io::{
    CsvOptions, MAX_CLASSES, SPLIT_COLUMN, TaskHint, column_list, load_csv, parse_csv,
    to_csv_string, write_csv,
};
pub use dataset::{Dataset, Inputs, Targets, Task};
pub use error::DataError;
pub use features::{Feature, Features, RAW_COLUMNS};
pub use formula::{FORMULA_PREFIX, FORMULA_RANGE, Formula, formula, is_formula};
pub use generators::{
    DEFAULT_SAMPLES, DEFAULT_SEED, GENERATORS, PLAYGROUND_GENERATORS, Problem, blobs,
    blobs_with_classes, circle, default_noise, gauss, generate, generator_columns, generators_of,
    is_generator, moons, plane, reg_gauss, reg_gauss_target, sine, spiral, xor,
};
pub use idx::{IdxArray, MAX_DATA_BYTES, MAX_ITEMS, parse_idx};
pub use mnist::{Mnist, load_mnist, mnist_dir};
pub use normalize::{Normalization, NormalizationKind};
pub use plane::{PlaneEdges, frame_plane};
pub use quote::excerpt;
pub use random::shuffle;
pub use split::{Split, SplitIndices, fold_indices};
pub use stdin::load_csv_from_stdin;

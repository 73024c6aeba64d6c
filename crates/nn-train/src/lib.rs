//! nn-train: the multi-core mini-batch trainer.
//!
//! A mini-batch is cut into fixed-size shards; rayon runs nn-core's batched
//! forward/backward on each shard into its own gradient buffer, the shard
//! gradients are added in a fixed order, and the optimizer applies the sum
//! (`shards.rs`). The same seed gives bit-identical weights on 1, 2 or 8 threads.
//! [`GradientReduction`] is the seam where that sum can span processes.
//!
//! - [`Trainer`]: the synchronous run (step, epoch, evaluation, early stopping, checkpoints).
//! - [`TrainPool`]: worker threads kept for the next trainer (many short runs in turn).
//!
//! What a run is and how it is driven, paced and recorded (settings, state lines,
//! sessions, run directories) is nn-run's, the layer above this one.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod awake;
mod checkpoint;
mod config;
mod error;
mod health;
mod inspect;
pub mod json_float;
mod metrics;
mod model;
mod optimizer;
mod plan;
mod pool;
mod reduction;
mod sample;
mod shards;
mod trainer;

pub use checkpoint::{CheckpointContents, checkpoint_path, parse_checkpoint};
pub use config::{OptimizerKind, Schedule, Setting, SettingError, TrainConfig, misfit, rules};
pub use error::TrainError;
pub use health::{Stall, UnitTrouble};
pub use inspect::{batch_changes, sample_breakdown};
pub use metrics::{ConfusionMatrix, Metrics, predicted_class};
pub use model::{Model, PredictScratch, model_info};
pub use plan::useful_threads;
pub use pool::TrainPool;
pub use reduction::{
    BatchRows, BatchShards, GradientReduction, LayerRows, RowExchange, ShardView, SharedStep,
};
pub use sample::{Desired, SampleError, SamplePart};
pub use trainer::{EpochReport, EpochRow, HISTORY_ROWS, StepOutcome, TrainData, Trainer};

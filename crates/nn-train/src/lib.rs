//! nn-train: the multi-core mini-batch trainer.
//!
//! A mini-batch is cut into fixed-size shards; rayon runs nn-core's batched
//! forward/backward on each shard into its own gradient buffer, the shard
//! gradients are added in a fixed order, and the optimizer applies the sum
//! ([`shards`]). The same seed gives bit-identical weights on 1, 2 or 8 threads.
//!
//! - [`Trainer`]: the synchronous run (step, epoch, evaluation, early stopping, checkpoints);
//! - [`spawn`] / [`TrainerHandle`]: the same run on its own thread, driven by
//!   [`Command`]s and observed through [`Event`]s; this is the dashboard's API.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod checkpoint;
pub mod config;
pub mod error;
pub mod metrics;
mod model;
pub mod optimizer;
mod request;
pub mod session;
pub mod setup;
mod shards;
pub mod trainer;

pub use config::{
    OptimizerKind, SMALL_INPUTS, Schedule, Setting, SettingError, TrainConfig, is_small, misfit,
};
pub use error::TrainError;
pub use metrics::{ConfusionMatrix, Metrics, predicted_class};
pub use model::{Model, model_info, normalization_of};
pub use request::{
    DEFAULT_MOMENTUM, DEFAULTS, Defaults, OptimizerChoice, Purpose, Rates, ScheduleChoice,
    TrainRequest, defaults,
};
pub use session::{
    Command, Event, ProgressReport, RunState, SessionOptions, Summary, TrainerHandle, spawn,
};
pub use setup::{DataOptions, DataSpec, load_data};
pub use trainer::{EpochReport, EpochRow, HISTORY_ROWS, StepOutcome, TrainData, Trainer};

//! nn-train: the multi-core mini-batch trainer.
//!
//! A mini-batch is cut into fixed-size shards; rayon runs nn-core's batched
//! forward/backward on each shard into its own gradient buffer, the shard
//! gradients are added in a fixed order, and the optimizer applies the sum
//! (`shards.rs`). The same seed gives bit-identical weights on 1, 2 or 8 threads.
//! [`GradientReduction`] is the seam where that sum can span processes.
//!
//! - [`Trainer`]: the synchronous run (step, epoch, evaluation, early stopping, checkpoints);
//! - [`spawn`] / [`TrainerHandle`]: the same run on its own thread, driven by
//!   [`Command`]s and observed through [`Event`]s; this is the dashboard's API.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod checkpoint;
mod config;
mod error;
mod health;
mod inspect;
mod json_float;
mod metrics;
mod model;
mod optimizer;
mod pace;
mod playground;
mod reduction;
mod request;
mod run_dir;
mod sample;
mod session;
mod settings;
mod setup;
mod shards;
mod state_line;
mod trainer;

pub use checkpoint::{CheckpointContents, checkpoint_path, parse_checkpoint};
pub use config::{OptimizerKind, SMALL_INPUTS, Schedule, Setting, SettingError, TrainConfig};
pub use error::TrainError;
pub use health::{Stall, UnitTrouble};
pub use inspect::{batch_changes, sample_breakdown};
pub use metrics::{ConfusionMatrix, Metrics, predicted_class};
pub use model::{Model, PredictScratch};
pub use pace::Pace;
pub use reduction::{BatchShards, GradientReduction, LocalSum, ShardView};
pub use request::{
    DEFAULTS, Defaults, OptimizerChoice, Purpose, Rates, ScheduleChoice, TrainRequest, defaults,
};
pub use run_dir::{
    EVENTS_FILE, EndStatus, Entry, HISTORY_DIR, HISTORY_LIMIT, HISTORY_RATIO, MODEL_FILE, Part,
    RUN_INFO_FILE, Record, RunData, RunDirError, RunEnd, RunInfo, RunReader, RunStatus, RunSummary,
    RunWriter, SNAPSHOT_FILE, Score, SettingsChange, SnapshotTaken, WeightsReset, WriterOptions,
    history_file_name, is_history_epoch, list_runs, new_run_dir,
};
pub use sample::{Desired, SampleError, SamplePart};
pub use session::{
    Command, Event, ProgressReport, RunState, SessionOptions, Summary, TrainerHandle, spawn,
};
pub use settings::{
    DefaultValue, RunSettings, SETTINGS, SettingRow, by_key, flag_of, float as float_text, help,
    keys, row,
};
pub use setup::{DataOptions, DataSpec, load_data};
pub use shards::useful_threads;
pub use state_line::{Imported, StateLine, StateLineError};
pub use trainer::{EpochReport, EpochRow, HISTORY_ROWS, StepOutcome, TrainData, Trainer};

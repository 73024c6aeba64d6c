//! nn-run: the experiment around nn-train's engine.
//!
//! What a run is (the settings table, requests and their defaults, data specs, the
//! state line and Playground URLs), how it is paced and driven on its own thread
//! (sessions: [`spawn`], [`Command`]s in, [`Event`]s out), how it is recorded (run
//! directories: [`RunWriter`], [`RunReader`]) and where its work goes when something
//! fails (`rescue.rs`). [`Run`] puts them together: start, record, train or spawn,
//! interrupt, rescue; `nn-tui train`, the dashboard and sweeps all go through it.
//! The engine that trains (`nn_train::Trainer`) knows none of this.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod pace;
mod playground;
mod request;
mod rescue;
mod run;
mod run_dir;
mod session;
mod settings;
mod setup;
mod state_line;

pub use pace::Pace;
pub use request::{
    DEFAULTS, Defaults, OptimizerChoice, Purpose, Rates, SMALL_INPUTS, ScheduleChoice,
    TrainRequest, defaults,
};
pub use rescue::{INTERRUPTED_CHECKPOINT, recovery_path};
pub use run::{
    CheckpointFailure, FinalMetrics, Happening, Recorded, Recording, RecordingEnd, Run,
    SaveFailure, Start, StartError,
};
pub use run_dir::{
    EVENTS_FILE, EndStatus, Entry, HISTORY_DIR, HISTORY_LIMIT, HISTORY_RATIO, MODEL_FILE, Part,
    RUN_INFO_FILE, Record, RunData, RunDirError, RunEnd, RunInfo, RunReader, RunStatus, RunSummary,
    RunWriter, SNAPSHOT_FILE, Score, SettingsChange, SnapshotTaken, WeightsReset, WriterOptions,
    history_file_name, is_history_epoch, list_runs, new_run_dir, unseen_folder,
};
pub use session::{
    Command, Event, ProgressReport, RunHeadless, RunState, SessionOptions, Summary, TrainerHandle,
    spawn,
};
pub use settings::{
    DefaultValue, NamedValue, RunSettings, SETTINGS, SettingRow, by_key, default_value, flag_of,
    float as float_text, help, keys, row,
};
pub use setup::{DataOptions, DataSpec, load_data, prepare_data};
pub use state_line::{FlagOnly, Imported, StateLine, StateLineError};

//! Run directories: a run written to disk as it happens, so another process can
//! follow it live, come back to it after a dropped connection, or compare it.
//!
//! ```text
//! runs/spiral-20260101-120000/
//!   run.json              what the run is: data, configuration, command line (written once)
//!   events.jsonl          append-only, one JSON record per line (see [`Record`])
//!   snapshot.safetensors  the latest weights, a model file replaced atomically now and then
//!   model.safetensors     the final model, written when the run ends
//!   snapshots/            a thinned history of the weights, at epochs on a log scale (for replays)
//! ```
//!
//! A run that ends before anything of it is shown (a sweep's short trial,
//! [`WriterOptions::unseen_until_shown`]) is written whole in a scratch folder
//! beside its own, [`unseen_folder`], and renamed into place at its end.
//!
//! A history of one entry that is the final model (a sweep's trial, which keeps
//! its weights at its end only) is not written again: such a run has no
//! `snapshots/`, and its `end` record says `history_in_model` (replays take
//! `model.safetensors` as that entry).
//!
//! [`RunWriter`] observes a trainer's [`Event`](crate::Event)s and writes them,
//! thinned so that disk use stays small however fast the trainer goes; a
//! separate thread does the writing, so the trainer never waits on the disk.
//! [`RunReader`] follows the log (a torn last line after a crash is skipped with
//! a warning) and tells whether the writer is still running: the writer holds an
//! exclusive lock on `events.jsonl` for as long as it lives, which the operating
//! system releases even when the process is killed. [`RunSummary`] folds a log
//! into what `nn-tui runs` lists; [`new_run_dir`] names a fresh directory.

mod naming;
mod reader;
mod record;
mod summary;
mod writer;

use std::path::{Path, PathBuf};

pub use naming::new_run_dir;
pub use reader::{RunReader, RunStatus};
pub use record::{
    EndStatus, Entry, Part, Record, RunData, RunEnd, RunInfo, Score, SettingsChange, SnapshotTaken,
    WeightsReset,
};
pub use summary::{RunSummary, list_runs};
pub use writer::{RunWriter, WriterOptions};

/// The configuration file of a run directory.
pub const RUN_INFO_FILE: &str = "run.json";
/// The event log of a run directory.
pub const EVENTS_FILE: &str = "events.jsonl";
/// The latest weights of a run.
pub const SNAPSHOT_FILE: &str = "snapshot.safetensors";
/// The final model of a run.
pub const MODEL_FILE: &str = "model.safetensors";
/// The folder of a run's thinned history of snapshots, for replays: model files
/// named by [`history_file_name`], kept at epochs on a log scale ([`HISTORY_RATIO`]).
pub const HISTORY_DIR: &str = "snapshots";
/// Each snapshot kept in the history is at least this many times the previous one's epoch.
pub const HISTORY_RATIO: f64 = 1.25;
/// Snapshots kept in a run's history at most: its disk use is at most this many model files.
pub const HISTORY_LIMIT: usize = 100;

/// The epochs of the history's log scale: 0, 1, 2, 3, 4, 5, 7, 9, 12, 15, 19, ...
/// (each the next integer, or [`HISTORY_RATIO`] times the last, rounded up, whichever is larger).
pub fn is_history_epoch(epoch: usize) -> bool {
    let mut mark = 0;
    while mark < epoch {
        mark = next_history_epoch(mark);
    }
    mark == epoch
}

/// The mark of the history's log scale after `epoch`.
pub(crate) fn next_history_epoch(epoch: usize) -> usize {
    (epoch + 1).max((epoch as f64 * HISTORY_RATIO).ceil() as usize)
}

/// The file name of the `seq`-th snapshot of the history, taken at `epoch`: they sort in order.
pub fn history_file_name(seq: usize, epoch: usize) -> String {
    format!("{seq:03}-epoch-{epoch}.safetensors")
}

/// The scratch folder a run directory is written in before it appears whole
/// under its name ([`WriterOptions::unseen_until_shown`]): `.NAME.part` beside
/// it. One left by a killed writer is the run's to remove.
pub fn unseen_folder(dir: &Path) -> PathBuf {
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    dir.with_file_name(format!(".{name}.part"))
}

/// Why a run directory could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum RunDirError {
    /// A file or folder could not be created, written or read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The folder already holds a run.
    #[error("{}: already holds a run (events.jsonl); choose another folder", .0.display())]
    Taken(PathBuf),
    /// The folder holds no run.
    #[error("{}: not a run directory (no run.json)", .0.display())]
    NotARun(PathBuf),
    /// A file of the run cannot be understood.
    #[error("{}: {message}", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A model file of the run could not be written or read.
    #[error(transparent)]
    File(#[from] nn_core::CoreError),
    /// A file of the run could not be written atomically.
    #[error(transparent)]
    Write(#[from] nn_atomic_write::WriteError),
}

impl RunDirError {
    fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

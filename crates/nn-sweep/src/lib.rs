//! nn-sweep: many runs of the trainer over the settings a state line holds.
//!
//! A sweep is a base run (a state line) and axes over its keys: a grid
//! ([`GridAxis`]), a random search ([`RandomAxis`]), repeats over seeds, K-fold
//! cross-validation, successive halving ([`SweepSpec`]). [`Sweep`] runs its trials
//! on every core (see `run.rs` for how threads are shared out), records each as a
//! run directory under the sweep directory, appends every result to
//! `results.jsonl`, and resumes after a kill. [`standings`] ranks them on
//! validation scores alone; the test set is the caller's to use once, on the winner.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod axis;
mod cores;
mod cpu;
mod data;
mod listing;
mod record;
mod run;
mod select;
mod spec;
mod spread;

use std::path::{Path, PathBuf};

pub use axis::{AxisError, Draw, GridAxis, RandomAxis, sweepable};
pub use cpu::{ThreadTimes, process_cpu_seconds, thread_times};
pub use data::{Loaded, SharedData, k_folds};
pub use listing::{SweepSummary, list_sweeps, read_spec};
pub use record::{Best, JobResult, JobStatus, RESULTS_FILE, read_results};
pub use run::{Finished, RunOptions, SPEC_FILE, Sweep, TRIALS_DIR, train_command, trial_request};
pub use select::{ConfigScore, Marginal, Standings, TrialScore, csv, standings};
pub use spec::{Halving, Job, SPEC_FORMAT, SweepSpec, Trial};
pub use spread::{TaskHand, TaskHub};

/// Why a sweep cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A file or folder cannot be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The folder holds a sweep or a run already.
    #[error("{}: already holds a sweep or a run; choose another folder, or --resume it", .0.display())]
    Taken(PathBuf),
    /// `sweep.json` does not read.
    #[error("{}: not a sweep spec: {problem}", path.display())]
    Spec {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A line of `results.jsonl` does not read.
    #[error("{}:{line}: not a sweep result: {problem}", path.display())]
    Results {
        /// The file.
        path: PathBuf,
        /// The line (1-based).
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// A trial's line does not read.
    #[error(transparent)]
    Line(#[from] nn_run::StateLineError),
    /// A trial cannot be set up or fails.
    #[error("trial {trial} ({axes}): {problem}")]
    Trial {
        /// The trial.
        trial: usize,
        /// Its axes, `key=value ...`.
        axes: String,
        /// What went wrong.
        problem: String,
    },
    /// A file cannot be written atomically.
    #[error(transparent)]
    Write(#[from] nn_atomic_write::WriteError),
    /// A sweep spread over processes cannot go on.
    #[error("{0}")]
    Spread(String),
    /// A trial's run directory cannot be started.
    #[error("recording a trial: {0}")]
    Record(String),
}

impl SweepError {
    pub(crate) fn io(path: &Path, source: impl Into<std::io::Error>) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source: source.into(),
        }
    }

    pub(crate) fn trial(trial: &Trial, e: &impl std::fmt::Display) -> Self {
        let axes: Vec<String> = trial.axes.iter().map(|(k, v)| format!("{k}={v}")).collect();
        Self::Trial {
            trial: trial.id,
            axes: axes.join(" "),
            problem: e.to_string(),
        }
    }
}

//! Errors of a training run, each with what the user can do about it.

use std::path::PathBuf;

use crate::config::SettingError;

/// Why training could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A setting that cannot work (rate, batch size, ...).
    #[error(transparent)]
    Setting(#[from] SettingError),
    /// The network does not fit the data.
    #[error("network does not fit the data: {0}")]
    Mismatch(String),
    /// The loss stopped being a finite number.
    #[error(
        "training diverged at epoch {epoch}, batch {batch}: the loss is {loss} with learning rate {learning_rate}; \
         try a smaller learning rate, e.g. {suggestion}"
    )]
    Diverged {
        /// Epoch (1-based) in which it happened.
        epoch: usize,
        /// Batch within the epoch (1-based).
        batch: usize,
        /// The non-finite loss.
        loss: f64,
        /// The learning rate in force.
        learning_rate: f32,
        /// A rate ten times smaller.
        suggestion: f32,
    },
    /// Something refused because training diverged and the weights are not worth keeping.
    #[error(
        "cannot {0}: training diverged; reset the weights first (the last good checkpoint is kept)"
    )]
    AfterDivergence(&'static str),
    /// A recorded run whose data was read from standard input, which is gone.
    #[error(
        "the run's data was read from standard input (--data -) and cannot be read again; \
         record runs on a file, a generator or mnist to watch them"
    )]
    StdinGone,
    /// A recorded run whose data file or folder is no longer where the run read it.
    #[error(
        "the run's data {} is not there any more (moved or deleted?); put it back to watch the run",
        .path.display()
    )]
    RunDataGone {
        /// Where the run read its data.
        path: PathBuf,
    },
    /// A checkpoint that cannot be read or does not belong to this run.
    #[error("{}: {message}", .path.display())]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A model file whose contents cannot be used as stored.
    #[error("{}: {problem}", .path.display())]
    Model {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// A training sample asked for by index that the training set does not have.
    #[error("{}", no_such_sample(*.index, *.samples))]
    NoSuchSample {
        /// The index asked for; `None` when no sample was given at all.
        index: Option<usize>,
        /// Samples in the training set.
        samples: usize,
    },
    /// The data could not be loaded or split.
    #[error(transparent)]
    Data(#[from] nn_data::DataError),
    /// An error from the network (shapes, model files).
    #[error(transparent)]
    Core(#[from] nn_core::CoreError),
    /// A file (a checkpoint) could not be written atomically.
    #[error(transparent)]
    Write(#[from] nn_atomic_write::WriteError),
    /// The thread pool could not start.
    #[error("cannot start {threads} worker threads: {message}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// What the OS said.
        message: String,
    },
}

fn no_such_sample(index: Option<usize>, samples: usize) -> String {
    match index {
        Some(i) => format!(
            "no training sample {i}: the training set has {samples} (0 to {})",
            samples.saturating_sub(1)
        ),
        None => "no training sample given: a step needs at least one".into(),
    }
}

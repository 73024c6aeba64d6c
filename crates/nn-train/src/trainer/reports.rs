//! What a run trains on and what it reports: [`TrainData`], the epoch's
//! [`EpochReport`] and its bounded row in the history, a step's [`StepOutcome`].

use nn_data::Dataset;
use nn_data::{Features, Normalization};
use serde::{Deserialize, Serialize};

use crate::health::Stall;
use crate::metrics::Metrics;

/// The data of a run: the training part, and optionally validation and test parts,
/// with the input normalisation fitted on the training part.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainData {
    /// Samples the network learns from.
    pub train: Dataset,
    /// Samples for early stopping and model selection.
    pub validation: Option<Dataset>,
    /// Held-out samples, reported but never used for decisions.
    pub test: Option<Dataset>,
    /// Applied to every input before the network.
    pub normalization: Normalization,
    /// The input features the parts were computed with from their raw columns
    /// `x1` (and `x2`), when they are not just those columns.
    pub features: Option<Features>,
}

impl TrainData {
    /// The input features of the data: those it was computed with, else its
    /// own columns when they are the raw `x1` (and `x2`), as they then are
    /// those features; `None` for data that has no such columns.
    #[must_use]
    pub fn input_features(&self) -> Option<Features> {
        self.features.clone().or_else(|| {
            let raw = Features::raw(self.train.dim());
            raw.misfit(self.train.feature_names())
                .is_none()
                .then_some(raw)
        })
    }
}

/// What one epoch achieved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    /// Epochs completed, counting this one (1-based).
    pub epoch: usize,
    /// Training metrics, accumulated over the epoch's mini-batches as they were
    /// trained (PyTorch's usual "running" figure; costs no extra pass).
    pub train: Metrics,
    /// Validation metrics at the end of the epoch.
    pub validation: Option<Metrics>,
    /// Test metrics at the end of the epoch.
    pub test: Option<Metrics>,
    /// Learning rate used during the epoch.
    #[serde(with = "crate::json_float")]
    pub learning_rate: f32,
    /// Wall time of the epoch's training steps, in seconds.
    #[serde(with = "crate::json_float")]
    pub seconds: f64,
    /// Training samples per second during the epoch.
    #[serde(with = "crate::json_float")]
    pub samples_per_second: f64,
    /// Whether validation loss reached a new best (its weights are kept).
    pub improved: bool,
    /// Whether early stopping ends the run after this epoch.
    pub stop_early: bool,
    /// Set (once per run) when this epoch found training stalled on saturated or dead units.
    #[serde(default)]
    pub stalled: Option<Stall>,
}

/// One epoch in a few numbers: what `--metrics-out` writes a row of.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochRow {
    /// Epochs completed, counting this one (1-based).
    pub epoch: usize,
    /// Training loss and accuracy (classification).
    pub train: (f64, Option<f64>),
    /// Validation loss and accuracy, if there is a validation part.
    pub validation: Option<(f64, Option<f64>)>,
    /// Test loss and accuracy, if there is a test part.
    pub test: Option<(f64, Option<f64>)>,
    /// Learning rate used during the epoch.
    pub learning_rate: f32,
    /// Wall time of the epoch's training steps, in seconds.
    pub seconds: f64,
}

impl From<&EpochReport> for EpochRow {
    fn from(r: &EpochReport) -> Self {
        let pair = |m: &Metrics| (m.loss, m.accuracy());
        Self {
            epoch: r.epoch,
            train: pair(&r.train),
            validation: r.validation.as_ref().map(pair),
            test: r.test.as_ref().map(pair),
            learning_rate: r.learning_rate,
            seconds: r.seconds,
        }
    }
}

/// Epoch rows a run keeps (the latest ones): bounded, so a dashboard left
/// running for days stays flat, and enough for any headless run's metrics file.
pub const HISTORY_ROWS: usize = 10_000;

/// The outcome of one [`Trainer::step`](crate::Trainer::step).
#[derive(Debug, Clone)]
pub struct StepOutcome {
    /// Mean loss of the mini-batch.
    pub loss: f64,
    /// Samples in the mini-batch.
    pub samples: usize,
    /// Set when the step completed an epoch.
    pub epoch_end: Option<EpochReport>,
}

//! What the trainer reports (state, counters, the latest epoch), and whether
//! the run is watched read-only from another process.

use std::time::Duration;

use nn_run::{RunState, RunStatus};
use nn_train::{EpochReport, Metrics};

/// What the trainer reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// Running, paused, finished, stopped or diverged.
    pub state: RunState,
    /// Epochs completed.
    pub epoch: usize,
    /// Steps into the current epoch.
    pub step_in_epoch: usize,
    /// Steps per epoch.
    pub steps_per_epoch: usize,
    /// Steps since the start or the last reset.
    pub total_steps: u64,
    /// Training throughput.
    pub samples_per_second: f64,
    /// Latest training loss.
    pub loss: Option<f64>,
    /// Whether [`Status::loss`] is one mini-batch's (a single step, `n`), not the
    /// mean over the steps of a while of training.
    pub batch_loss: bool,
    /// Time since the run started.
    pub elapsed: Duration,
    /// The latest epoch report.
    pub last_epoch: Option<EpochReport>,
}

impl Default for Status {
    fn default() -> Self {
        Self {
            state: RunState::Paused,
            epoch: 0,
            step_in_epoch: 0,
            steps_per_epoch: 0,
            total_steps: 0,
            samples_per_second: 0.0,
            loss: None,
            batch_loss: false,
            elapsed: Duration::ZERO,
            last_epoch: None,
        }
    }
}

impl Status {
    /// The held-out metrics of the latest epoch: test, else validation.
    pub fn held_out(&self) -> Option<&Metrics> {
        let report = self.last_epoch.as_ref()?;
        report.test.as_ref().or(report.validation.as_ref())
    }
}

/// A run followed from its run directory by another process than the one
/// training it (`nn-tui watch`): the dashboard only shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    /// The run directory.
    pub dir: String,
    /// Whether its writer is still at it, and if not how it ended.
    pub status: RunStatus,
}

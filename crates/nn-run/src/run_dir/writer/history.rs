//! The run's history of weights for replays: which snapshots it keeps (epochs
//! on a log scale, at most [`HISTORY_LIMIT`]), and its first entry held back
//! until a second comes or the run ends, so that a history of the final weights
//! alone (a sweep's trial) is kept once, as the final model.

use std::sync::Arc;

use nn_core::Network;

use super::log::Job;
use super::{RunWriter, all_finite};
use crate::run_dir::{HISTORY_LIMIT, history_file_name, next_history_epoch};

impl RunWriter {
    /// Keeps `network` in the history if its epoch has reached the next mark of
    /// the log scale (each mark a quarter past the last, so `n` epochs keep about
    /// `5 + log(n / 5) / log(1.25)` snapshots), and while fewer than [`HISTORY_LIMIT`] are kept.
    pub(super) fn keep_in_history(&mut self, network: &Arc<Network>) {
        let epoch = self.thinning.progress.as_ref().map_or(0, |p| p.epoch);
        if epoch < self.thinning.history_next
            || self.history_kept >= HISTORY_LIMIT
            || !all_finite(network)
        {
            return;
        }
        self.thinning.history_next = next_history_epoch(epoch);
        let name = history_file_name(self.history_kept, epoch);
        self.history_kept += 1;
        if self.history_kept == 1 {
            self.held_history = Some((Arc::clone(network), name));
        } else {
            self.release_history();
            self.send(Job::History(Arc::clone(network), name));
        }
    }

    /// Sends the history's held first entry to be written, if it is still held.
    pub(super) fn release_history(&mut self) {
        if let Some((network, name)) = self.held_history.take() {
            self.send(Job::History(network, name));
        }
    }
}

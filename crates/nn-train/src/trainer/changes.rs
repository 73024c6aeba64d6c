//! Changes to a run while it trains: its length, where checkpoints go, the
//! learning rate, batch size and penalties from the next step on, new data,
//! and a reset to fresh weights.

use std::sync::Arc;

use nn_core::Network;

use super::{Position, TrainData, Trainer};
use crate::config::rules;
use crate::error::TrainError;
use crate::optimizer::Optimizer;

impl Trainer {
    /// Changes the total number of epochs, e.g. to take a resumed run further
    /// than the run that wrote the checkpoint.
    pub fn set_epochs(&mut self, epochs: usize) {
        self.config.epochs = epochs;
    }

    /// Changes where checkpoints go (e.g. a resumed run writing to a new folder).
    pub fn set_checkpoint_dir(&mut self, dir: Option<std::path::PathBuf>) {
        self.config.checkpoint_dir = dir;
    }

    /// Changes the base learning rate from the next step on.
    pub fn set_learning_rate(&mut self, rate: f32) -> Result<(), TrainError> {
        rules::learning_rate(rate)?;
        self.position.learning_rate = rate;
        Ok(())
    }

    /// Changes the mini-batch size from the next step on (the epoch continues where it was).
    pub fn set_batch_size(&mut self, batch: usize) -> Result<(), TrainError> {
        rules::batch_size(batch)?;
        // Keep the position within the epoch in samples, as far as the new size allows.
        let done = self.position.step_in_epoch * self.position.batch_size;
        self.position.batch_size = batch;
        self.position.step_in_epoch = done / batch;
        Ok(())
    }

    /// Changes the L1 and L2 penalties from the next step on.
    pub fn set_penalties(&mut self, l1: f32, l2: f32) -> Result<(), TrainError> {
        rules::non_negative(crate::Setting::L1, l1)?;
        rules::non_negative(crate::Setting::L2, l2)?;
        self.config.l1 = l1;
        self.config.l2 = l2;
        Ok(())
    }

    /// Trains on `data` from now on, keeping the weights: the current epoch starts
    /// again on the new data. The data must fit the network as the old data did.
    pub fn set_data(&mut self, data: Arc<TrainData>) -> Result<(), TrainError> {
        self.config.check_against(&data)?;
        self.data = data;
        self.position.step_in_epoch = 0;
        self.position.running = None;
        self.order_epoch = None;
        self.epoch_started = None;
        Ok(())
    }

    /// New random weights (a new seed each time), fresh optimizer, back to epoch 0.
    pub fn reset(&mut self) -> Result<(), TrainError> {
        let resets = self.position.resets + 1;
        self.network = Network::new(
            self.config.architecture.clone(),
            self.config.seed.wrapping_add(resets),
        )?;
        self.optimizer = Optimizer::new(self.config.optimizer, self.network.parameters().len());
        let (rate, batch) = (self.position.learning_rate, self.position.batch_size);
        self.position = Position::start(rate, batch, resets);
        self.last_epoch = None;
        self.best_params = None;
        self.diverged = false;
        self.health.reset();
        self.order_epoch = None;
        self.epoch_started = None;
        Ok(())
    }
}

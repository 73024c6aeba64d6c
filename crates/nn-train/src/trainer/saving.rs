//! What a trainer keeps and saves: the best validation epoch's weights put
//! back, the model file and the rolling checkpoint (both refused after a
//! divergence, so the last good file survives).

use std::path::PathBuf;

use nn_core::ModelInfo;

use super::Trainer;
use crate::checkpoint::checkpoint_path;
use crate::error::TrainError;

impl Trainer {
    /// Puts back the weights of the best validation epoch, if early stopping kept any.
    pub fn restore_best(&mut self) {
        if let Some(best) = &self.best_params {
            self.network.parameters_mut().copy_from_slice(best);
        }
    }

    /// What a model file needs besides the weights: normalisation, names, data source.
    pub fn model_info(&self) -> ModelInfo {
        crate::model::model_info(&self.data)
    }

    /// Saves the current network with [`Trainer::model_info`], atomically.
    pub fn save_model(&self, path: &std::path::Path) -> Result<(), TrainError> {
        if self.diverged {
            return Err(TrainError::AfterDivergence("save the model"));
        }
        nn_core::save_model(path, &self.network, &self.model_info())?;
        Ok(())
    }

    /// Writes the rolling checkpoint, if a folder is set. After a divergence it
    /// refuses, so the last good checkpoint survives.
    pub fn write_checkpoint(&self) -> Result<Option<PathBuf>, TrainError> {
        let Some(dir) = &self.config.checkpoint_dir else {
            return Ok(None);
        };
        if self.diverged {
            return Err(TrainError::AfterDivergence("write a checkpoint"));
        }
        let path = checkpoint_path(dir);
        self.save_checkpoint(&path)?;
        Ok(Some(path))
    }
}

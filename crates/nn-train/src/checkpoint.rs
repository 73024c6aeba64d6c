//! Checkpoints: weights, optimizer state, position, RNG state and config, in one
//! safetensors file written atomically. Resuming continues bit-identically.
//!
//! The shuffling RNG is ChaCha8 seeded from `(seed, resets)` with the epoch as
//! its stream, so its whole state is those three numbers, stored in the JSON.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::error::TrainError;
use crate::optimizer::Optimizer;
use crate::trainer::{Position, TrainData, Trainer};

/// Checkpoint format version.
const VERSION: u32 = 1;
/// Header metadata key of the checkpoint JSON.
const KEY: &str = "nn_train_checkpoint";

#[derive(Serialize, Deserialize)]
struct Header {
    version: u32,
    config: TrainConfig,
    /// Named `progress` in the JSON.
    progress: Position,
    optimizer_steps: u64,
    /// The shuffling RNG's state: ChaCha8 from this seed and reset count, stream = epoch.
    rng: RngState,
}

#[derive(Serialize, Deserialize)]
struct RngState {
    seed: u64,
    resets: u64,
    stream: u64,
}

/// The file name of the rolling checkpoint in a checkpoint folder.
pub fn checkpoint_path(dir: &Path) -> PathBuf {
    dir.join("checkpoint.safetensors")
}

impl Trainer {
    /// Writes a checkpoint to `path` atomically.
    pub fn save_checkpoint(&self, path: &Path) -> Result<(), TrainError> {
        let header = Header {
            version: VERSION,
            config: self.config.clone(),
            progress: self.position.clone(),
            optimizer_steps: self.optimizer.steps(),
            rng: RngState {
                seed: self.config.seed,
                resets: self.position.resets,
                stream: self.position.epoch as u64,
            },
        };
        let json =
            serde_json::to_string(&header).map_err(|e| checkpoint_error(path, e.to_string()))?;
        let (first, second) = self.optimizer.buffers();
        let mut tensors: Vec<(&str, &[f32])> = vec![("params", self.network.parameters())];
        if !first.is_empty() {
            tensors.push(("optimizer.first", first));
        }
        if !second.is_empty() {
            tensors.push(("optimizer.second", second));
        }
        if let Some(best) = &self.best_params {
            tensors.push(("best_params", best));
        }
        let bytes: Vec<(&str, Vec<u8>, usize)> = tensors
            .iter()
            .map(|(n, v)| {
                (
                    *n,
                    v.iter().flat_map(|x| x.to_le_bytes()).collect(),
                    v.len(),
                )
            })
            .collect();
        let views = bytes.iter().map(|(n, b, len)| {
            (
                n.to_string(),
                TensorView::new(Dtype::F32, vec![*len], b).expect("length matches by construction"),
            )
        });
        let out = safetensors::serialize(views, Some(HashMap::from([(KEY.to_string(), json)])))
            .map_err(|e| checkpoint_error(path, e.to_string()))?;
        nn_atomic_write::write_atomically(path, &out)?;
        Ok(())
    }

    /// Resumes a run from a checkpoint, on `data` (which must have the shape the run had).
    ///
    /// `threads` overrides the checkpoint's thread count; the results do not depend on it.
    pub fn resume(
        path: &Path,
        data: Arc<TrainData>,
        threads: Option<usize>,
    ) -> Result<Self, TrainError> {
        // No further than its header allows: `--resume /dev/zero` is refused, not read forever.
        let bytes = std::fs::File::open(path)
            .and_then(nn_core::read_safetensors)
            .map_err(|e| checkpoint_error(path, e.to_string()))?;
        let contents = parse_checkpoint(&bytes).map_err(|m| checkpoint_error(path, m))?;
        let CheckpointContents {
            header,
            params,
            first,
            second,
            best_params,
        } = contents;
        let mut config = header.config;
        if let Some(t) = threads {
            config.threads = t;
        }
        let mut trainer = Trainer::new(config, data)?;
        let count = trainer.network.parameters().len();
        if params.len() != count {
            return Err(checkpoint_error(
                path,
                format!(
                    "tensor params has shape [{}], expected [{count}]",
                    params.len()
                ),
            ));
        }
        trainer.set_parameters(&params);
        trainer.optimizer = Optimizer::from_state(
            trainer.config.optimizer,
            header.optimizer_steps,
            first,
            second,
            count,
        )
        .ok_or_else(|| {
            checkpoint_error(path, "optimizer state does not fit the optimizer".into())
        })?;
        trainer.best_params = best_params;
        trainer.position = header.progress;
        Ok(trainer)
    }
}

/// What a checkpoint file holds, its tensors checked against its own architecture
/// (not yet against a run's data: [`Trainer::resume`] does that).
pub struct CheckpointContents {
    header: Header,
    params: Vec<f32>,
    first: Vec<f32>,
    second: Vec<f32>,
    best_params: Option<Vec<f32>>,
}

impl CheckpointContents {
    /// The run's settings, as saved.
    pub fn config(&self) -> &TrainConfig {
        &self.header.config
    }

    /// The network's parameters, as [`nn_core::Network::parameters`] lays them out.
    pub fn parameters(&self) -> &[f32] {
        &self.params
    }
}

/// Parses checkpoint bytes: the safetensors header, the checkpoint JSON, the
/// architecture (valid, and a parameter count that fits in memory's arithmetic), then
/// each tensor's type and shape against that count, all before a tensor is copied,
/// and every value finite. The error is one line, without the file's name.
///
/// # Errors
/// What is wrong with the bytes, as a message.
pub fn parse_checkpoint(bytes: &[u8]) -> Result<CheckpointContents, String> {
    let (_, metadata) = SafeTensors::read_metadata(bytes).map_err(|e| {
        format!(
            "not a checkpoint (safetensors: {})",
            one_line(&e.to_string())
        )
    })?;
    let tensors = SafeTensors::deserialize(bytes)
        .map_err(|e| format!("not a checkpoint: {}", one_line(&e.to_string())))?;
    let json = metadata
        .metadata()
        .as_ref()
        .and_then(|m| m.get(KEY))
        .ok_or_else(|| {
            "no checkpoint metadata: is this a model file? use it with --model, not --resume"
                .to_string()
        })?;
    let header: Header = serde_json::from_str(json)
        .map_err(|e| format!("checkpoint metadata: {}", one_line(&e.to_string())))?;
    if header.version != VERSION {
        return Err(format!(
            "checkpoint version {} (this build reads {VERSION})",
            header.version
        ));
    }
    let arch = &header.config.architecture;
    arch.validate()
        .map_err(|e| format!("checkpoint architecture: {}", one_line(&e.to_string())))?;
    let count = arch
        .sizes
        .windows(2)
        .try_fold(0_usize, |sum, w| {
            w[0].checked_mul(w[1])?.checked_add(w[1])?.checked_add(sum)
        })
        .ok_or_else(|| "checkpoint architecture: too many parameters to count".to_string())?;
    let read = |name: &str| -> Result<Option<Vec<f32>>, String> {
        let Ok(view) = tensors.tensor(name) else {
            return Ok(None);
        };
        if view.dtype() != Dtype::F32 || view.shape() != [count] {
            return Err(format!(
                "tensor {name} has shape {:?}, expected [{count}]",
                view.shape()
            ));
        }
        let values: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if values.iter().any(|v| !v.is_finite()) {
            return Err(format!("tensor {name} holds non-finite values"));
        }
        Ok(Some(values))
    };
    let params = read("params")?.ok_or_else(|| "missing tensor params".to_string())?;
    let first = read("optimizer.first")?.unwrap_or_default();
    let second = read("optimizer.second")?.unwrap_or_default();
    let best_params = read("best_params")?;
    Optimizer::from_state(
        header.config.optimizer,
        header.optimizer_steps,
        first.clone(),
        second.clone(),
        count,
    )
    .ok_or_else(|| "optimizer state does not fit the optimizer".to_string())?;
    Ok(CheckpointContents {
        header,
        params,
        first,
        second,
        best_params,
    })
}

/// A library's message on one line, at most 200 characters, control characters escaped.
fn one_line(message: &str) -> String {
    let escaped: String = message
        .chars()
        .flat_map(|c| {
            let escape = c.is_control();
            c.escape_default()
                .take(if escape { usize::MAX } else { 0 })
                .chain((!escape).then_some(c))
        })
        .collect();
    match escaped.char_indices().nth(200) {
        Some((i, _)) => format!("{}...", &escaped[..i]),
        None => escaped,
    }
}

fn checkpoint_error(path: &Path, message: String) -> TrainError {
    TrainError::Checkpoint {
        path: path.to_path_buf(),
        message,
    }
}

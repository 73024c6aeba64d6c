//! Model files: safetensors weights plus JSON metadata, written atomically.
//!
//! Tensors are named `layers.{i}.weight` (`[out, in]`) and `layers.{i}.bias`
//! (`[out]`), as PyTorch's `nn.Sequential` of `nn.Linear` would name its linear
//! layers, so `safetensors.torch.load_file` reads them directly. Everything
//! needed to rebuild and use the network (format version, architecture, input
//! normalisation, class and feature names) is JSON under the header's metadata
//! key `nn_tui`. Loading trusts nothing: every tensor is checked against the
//! metadata's architecture, and every weight must be finite.

use std::collections::HashMap;
use std::path::Path;

use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde::{Deserialize, Serialize};

use crate::atomic_write::write_atomically;
use crate::error::{CoreError, ModelFileError, Result};
use crate::{Architecture, Network};

/// The model-file format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Header metadata key holding our JSON.
pub const METADATA_KEY: &str = "nn_tui";

/// The per-feature affine map applied to raw inputs before the network: `(x - shift) * scale`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputTransform {
    /// How it was fitted (`standardize`, `min-max`, `scale255`, `none`), for display.
    pub kind: String,
    /// Subtracted from each feature.
    pub shift: Vec<f32>,
    /// Then multiplied into each feature.
    pub scale: Vec<f32>,
}

impl InputTransform {
    /// Applies the transform to one row of raw features, in place.
    pub fn apply(&self, row: &mut [f32]) {
        for ((x, shift), scale) in row.iter_mut().zip(&self.shift).zip(&self.scale) {
            *x = (*x - shift) * scale;
        }
    }
}

/// What a model file carries besides the weights.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Input normalisation fitted on the training data; `predict` applies the same.
    #[serde(default)]
    pub normalization: Option<InputTransform>,
    /// Class names in output order (empty for regression).
    #[serde(default)]
    pub class_names: Vec<String>,
    /// Input feature names.
    #[serde(default)]
    pub feature_names: Vec<String>,
    /// Where the training data came from (a generator name, `mnist`, a path).
    #[serde(default)]
    pub dataset: Option<String>,
}

/// The JSON stored under [`METADATA_KEY`].
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format_version: u32,
    architecture: Option<Architecture>,
    /// For the seed's loss only, whose name alone does not say it: its definition and
    /// its learning rate's relation to mse's ([`crate::Loss::definition`]). Written for
    /// readers of the file (PyTorch users); the loss itself is the architecture's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    loss_definition: Option<String>,
    #[serde(flatten)]
    info: Option<ModelInfo>,
}

/// Tensor name of layer `l`'s weights.
pub fn weight_name(l: usize) -> String {
    format!("layers.{l}.weight")
}

/// Tensor name of layer `l`'s biases.
pub fn bias_name(l: usize) -> String {
    format!("layers.{l}.bias")
}

/// Serialises a network and its info to safetensors bytes.
pub fn model_to_bytes(network: &Network, info: &ModelInfo) -> Vec<u8> {
    let architecture = network.architecture();
    let header = Header {
        format_version: FORMAT_VERSION,
        architecture: Some(architecture.clone()),
        loss_definition: (architecture.loss == crate::Loss::Seed)
            .then(|| architecture.loss.definition(architecture.outputs())),
        info: Some(info.clone()),
    };
    let json = serde_json::to_string(&header).expect("metadata serialises: plain data");
    let mut buffers = Vec::new();
    for (l, shape) in network.layers().iter().enumerate() {
        buffers.push((
            weight_name(l),
            vec![shape.outputs, shape.inputs],
            le_bytes(network.weights(l)),
        ));
        buffers.push((bias_name(l), vec![shape.outputs], le_bytes(network.bias(l))));
    }
    let views = buffers.iter().map(|(name, shape, bytes)| {
        let view = TensorView::new(Dtype::F32, shape.clone(), bytes)
            .expect("length matches shape by construction");
        (name.clone(), view)
    });
    // One metadata key: safetensors writes the metadata from a `HashMap`, whose
    // order would differ between runs with two keys, and equal models must give
    // byte-identical files (the thread-count determinism is checked that way).
    let metadata = HashMap::from([(METADATA_KEY.to_string(), json)]);
    safetensors::serialize(views, Some(metadata)).expect("valid tensors serialise")
}

/// Saves a model atomically: a temporary file in the same folder, fsync, rename.
///
/// A crash at any moment leaves either the old file or the new one, never half of one.
pub fn save_model(path: &Path, network: &Network, info: &ModelInfo) -> Result<()> {
    write_atomically(path, &model_to_bytes(network, info))
}

/// Loads and validates a model file.
pub fn load_model(path: &Path) -> Result<(Network, ModelInfo)> {
    let bytes = std::fs::read(path).map_err(|source| CoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    model_from_bytes(&bytes).map_err(|reason| CoreError::ModelFile {
        path: path.to_path_buf(),
        reason,
    })
}

#[derive(Deserialize)]
struct VersionOnly {
    format_version: u32,
}

/// Parses and validates safetensors bytes written by [`model_to_bytes`].
pub fn model_from_bytes(bytes: &[u8]) -> Result<(Network, ModelInfo), ModelFileError> {
    let (_, metadata) = SafeTensors::read_metadata(bytes)
        .map_err(|e| ModelFileError::NotSafetensors(e.to_string()))?;
    let tensors = SafeTensors::deserialize(bytes)
        .map_err(|e| ModelFileError::NotSafetensors(e.to_string()))?;
    let json = metadata
        .metadata()
        .as_ref()
        .and_then(|m| m.get(METADATA_KEY))
        .ok_or(ModelFileError::MissingMetadata)?;
    // Read the version first so a future format gets a clear error, not a parse failure.
    let version: VersionOnly =
        serde_json::from_str(json).map_err(|e| ModelFileError::BadMetadata(e.to_string()))?;
    if version.format_version != FORMAT_VERSION {
        return Err(ModelFileError::UnknownVersion {
            found: version.format_version,
            supported: FORMAT_VERSION,
        });
    }
    let header: Header =
        serde_json::from_str(json).map_err(|e| ModelFileError::BadMetadata(e.to_string()))?;
    let architecture = header
        .architecture
        .ok_or_else(|| ModelFileError::BadMetadata("no architecture".into()))?;
    architecture
        .validate()
        .map_err(|e| ModelFileError::Architecture(e.to_string()))?;

    let mut params = Vec::with_capacity(architecture.parameter_count());
    let mut expected_names = Vec::new();
    for (l, shape) in architecture.layer_shapes().iter().enumerate() {
        for (name, dims) in [
            (weight_name(l), vec![shape.outputs, shape.inputs]),
            (bias_name(l), vec![shape.outputs]),
        ] {
            let view = tensors
                .tensor(&name)
                .map_err(|_| ModelFileError::MissingTensor(name.clone()))?;
            if view.dtype() != Dtype::F32 || view.shape() != dims.as_slice() {
                return Err(ModelFileError::TensorShape {
                    name,
                    found: view.shape().to_vec(),
                    expected: dims,
                    dtype: format!("{:?}", view.dtype()),
                });
            }
            let start = params.len();
            params.extend(
                view.data()
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
            if let Some(index) = params[start..].iter().position(|w| !w.is_finite()) {
                return Err(ModelFileError::NonFinite { name, index });
            }
            expected_names.push(name);
        }
    }
    let mut names: Vec<&str> = tensors.names();
    names.sort_unstable();
    if let Some(extra) = names
        .into_iter()
        .find(|n| !expected_names.iter().any(|e| e == n))
    {
        return Err(ModelFileError::ExtraTensor(extra.to_string()));
    }
    let network = Network::from_parameters(architecture, params)
        .map_err(|e| ModelFileError::Architecture(e.to_string()))?;
    Ok((network, header.info.unwrap_or_default()))
}

fn le_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

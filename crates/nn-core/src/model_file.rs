//! Model files: safetensors weights plus JSON metadata, written atomically.
//!
//! Tensors are named `layers.{i}.weight` (`[out, in]`) and `layers.{i}.bias`
//! (`[out]`), as PyTorch's `nn.Sequential` of `nn.Linear` would name its linear
//! layers, so `safetensors.torch.load_file` reads them directly. Everything
//! needed to rebuild and use the network (format version, architecture, input
//! features and normalisation, class and feature names) is JSON under the header's metadata
//! key `nn_tui`. Loading trusts nothing: every tensor is checked against the
//! metadata's architecture, and every weight must be finite.

use std::collections::HashMap;
use std::path::Path;

use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, ModelFileError, Result, excerpt};
use crate::model_metadata::Metadata;
use crate::{Activation, Architecture, Loss, Network};
use nn_atomic_write::write_atomically;

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
    /// The raw input columns the model reads (CSV header names: `x1`, `x2`, `pixel0`).
    #[serde(default)]
    pub feature_names: Vec<String>,
    /// Derived input features, when the network does not take the raw columns as
    /// they are: TensorFlow Playground's `x1`, `x2`, `x1^2`, `x2^2`, `x1x2`, `sinx1`,
    /// `sinx2`, `cosx1`, `cosx2`, in the network's input order, each computed from
    /// the raw columns `x1` and `x2` before the normalisation. Empty: the inputs are
    /// the raw columns. Written only when set, so files without features keep
    /// their bytes, and files from before it load.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_features: Vec<String>,
    /// Where the training data came from (a generator name, `mnist`, a path).
    #[serde(default)]
    pub dataset: Option<String>,
}

/// The JSON stored under [`METADATA_KEY`] (read back field by field by `model_metadata`).
#[derive(Serialize)]
struct Header<'a> {
    format_version: u32,
    architecture: &'a Architecture,
    /// For the seed's loss only, whose name alone does not say it: its definition and
    /// its learning rate's relation to mse's ([`crate::Loss::definition`]). Written for
    /// readers of the file (PyTorch users); the loss itself is the architecture's.
    #[serde(skip_serializing_if = "Option::is_none")]
    loss_definition: Option<String>,
    #[serde(flatten)]
    info: &'a ModelInfo,
}

/// Tensor name of layer `l`'s weights.
pub fn weight_name(l: usize) -> String {
    format!("layers.{l}.weight")
}

/// Tensor name of layer `l`'s biases.
pub fn bias_name(l: usize) -> String {
    format!("layers.{l}.bias")
}

/// Serialises a network and its info to safetensors bytes. The header (all
/// but the weights) of the last architecture and info serialised on this
/// thread is kept for the next network of the same ones (`model_bytes.rs`).
pub fn model_to_bytes(network: &Network, info: &ModelInfo) -> Vec<u8> {
    crate::model_bytes::model_to_bytes(network, info)
}

/// [`model_to_bytes`] made whole, its header included.
pub(crate) fn serialize_model(network: &Network, info: &ModelInfo) -> Vec<u8> {
    let architecture = network.architecture();
    let header = Header {
        format_version: FORMAT_VERSION,
        architecture,
        loss_definition: (architecture.loss == crate::Loss::Seed)
            .then(|| architecture.loss.definition(architecture.outputs())),
        info,
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
    Ok(write_atomically(path, &model_to_bytes(network, info))?)
}

/// Loads and validates a model file.
pub fn load_model(path: &Path) -> Result<(Network, ModelInfo)> {
    model_from_bytes(&read(path)?).map_err(|reason| CoreError::ModelFile {
        path: path.to_path_buf(),
        reason: Box::new(reason),
    })
}

/// Parses and validates safetensors bytes written by [`model_to_bytes`].
///
/// Trusts nothing, and allocates nothing sized by the file before it is
/// checked: the safetensors header (every tensor inside the file's length),
/// our metadata field by field, each tensor's name, type and shape against the
/// architecture, no tensor besides; only then are the weights copied (and
/// checked finite), then the optional fields checked against the network.
pub fn model_from_bytes(bytes: &[u8]) -> Result<(Network, ModelInfo), ModelFileError> {
    let file = SafetensorsFile::parse(bytes)?;
    let json = file.our_metadata().ok_or(ModelFileError::MissingMetadata)?;
    let metadata = Metadata::parse(json)?;
    // Each weight layer needs tensors, which bounds the layer sizes worth reading
    // (loosely, so that a file missing one tensor is told which).
    let architecture = metadata.architecture(file.tensor_count() + 1)?;
    let mut expected = Vec::with_capacity(2 * architecture.layer_count());
    for (l, pair) in architecture.sizes.windows(2).enumerate() {
        let (inputs, outputs) = (pair[0], pair[1]);
        expected.push((weight_name(l), vec![outputs, inputs]));
        expected.push((bias_name(l), vec![outputs]));
    }
    for (name, dims) in &expected {
        file.check_shape(name, dims, "the metadata's architecture needs")?;
    }
    file.refuse_others(&expected)?;
    let params = file.read_parameters(expected.iter().map(|(name, _)| name.as_str()))?;
    let info = metadata.info(&architecture)?;
    let network = Network::from_parameters(architecture, params)
        .map_err(|e| ModelFileError::Architecture(e.to_string()))?;
    Ok((network, info))
}

/// What must be assumed to use a safetensors file without nn-tui metadata
/// (a plain PyTorch `save_file(model.state_dict())`): the file holds only
/// weights, so the activations and the loss are the caller's to state.
///
/// The rest is assumed as documented at [`model_from_bytes_without_metadata`]: the
/// layer sizes come from the tensor shapes, the inputs are used as they are
/// (no normalisation), and there are no class or feature names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelAssumptions {
    /// Activation of every hidden layer.
    pub hidden: Activation,
    /// Activation of the output layer.
    pub output: Activation,
    /// The loss the network was trained on.
    pub loss: Loss,
}

impl std::fmt::Display for ModelAssumptions {
    /// "tanh hidden, softmax output, cross_entropy loss, raw inputs (no normalisation),
    /// no class or feature names": what a warning should tell the user.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} hidden, {} output, {} loss, raw inputs (no normalisation), no class or feature names",
            self.hidden, self.output, self.loss
        )
    }
}

/// Loads a safetensors file that has no nn-tui metadata, under `assumptions`;
/// see [`model_from_bytes_without_metadata`].
pub fn load_model_without_metadata(
    path: &Path,
    assumptions: &ModelAssumptions,
) -> Result<(Network, ModelInfo)> {
    model_from_bytes_without_metadata(&read(path)?, assumptions).map_err(|reason| {
        CoreError::ModelFile {
            path: path.to_path_buf(),
            reason: Box::new(reason),
        }
    })
}

/// Builds a network from safetensors bytes without nn-tui metadata, under
/// stated assumptions.
///
/// - Every tensor is a linear layer's `{prefix}{i}.weight` (`[out, in]`, F32)
///   or `{prefix}{i}.bias` (`[out]`, F32), with one prefix for all (`layers.`,
///   or none, as `nn.Sequential` names them); the layers run in the order of
///   `i`, which may skip numbers (an `nn.Sequential`'s activation modules take
///   indices too). Each layer needs both tensors, and each layer's inputs must
///   be the previous layer's outputs: these give the layer sizes.
/// - Activations and loss are `assumptions`'; the architecture they make must be valid.
/// - No input normalisation, no class or feature names ([`ModelInfo::default`]).
///
/// A file that does have our metadata is refused ([`ModelFileError::HasMetadata`]):
/// load it with [`model_from_bytes`], which knows more than any assumption.
pub fn model_from_bytes_without_metadata(
    bytes: &[u8],
    assumptions: &ModelAssumptions,
) -> Result<(Network, ModelInfo), ModelFileError> {
    let file = SafetensorsFile::parse(bytes)?;
    if file.our_metadata().is_some() {
        return Err(ModelFileError::HasMetadata);
    }
    let layers = linear_layers(&file.names())?;
    let mut sizes = Vec::with_capacity(layers.len() + 1);
    let mut expected = Vec::with_capacity(2 * layers.len());
    for (weight, bias) in &layers {
        let shape = file.shape(weight)?;
        let dims = match (shape, sizes.last()) {
            ([outputs, inputs], None) => vec![*outputs, *inputs],
            ([outputs, _], Some(&previous)) => vec![*outputs, previous],
            // Not a matrix: report it against the previous layer's outputs when there is one.
            (_, previous) => vec![0, previous.copied().unwrap_or(0)],
        };
        file.check_shape(weight, &dims, "a linear layer after the previous one needs")?;
        if sizes.is_empty() {
            sizes.push(dims[1]);
        }
        sizes.push(dims[0]);
        file.check_shape(bias, &dims[..1], "its weight's outputs need")?;
        expected.push((weight.clone(), dims.clone()));
        expected.push((bias.clone(), vec![dims[0]]));
    }
    let architecture = Architecture::new(
        sizes,
        assumptions.hidden,
        assumptions.output,
        assumptions.loss,
    )
    .map_err(|e| ModelFileError::Architecture(e.to_string()))?;
    let params = file.read_parameters(expected.iter().map(|(name, _)| name.as_str()))?;
    let network = Network::from_parameters(architecture, params)
        .map_err(|e| ModelFileError::Architecture(e.to_string()))?;
    Ok((network, ModelInfo::default()))
}

/// Pairs `{prefix}{i}.weight` with `{prefix}{i}.bias`, in the order of `i`.
fn linear_layers(names: &[String]) -> Result<Vec<(String, String)>, ModelFileError> {
    let unrecognized = |name: &str| ModelFileError::UnrecognizedTensor(excerpt(name, NAME_CHARS));
    let mut parsed = Vec::with_capacity(names.len());
    for name in names {
        parsed.push(split_layer_name(name).ok_or_else(|| unrecognized(name))?);
    }
    // The prefix most names share; a name with another one is the odd one out.
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for (prefix, _, _) in &parsed {
        *counts.entry(prefix).or_default() += 1;
    }
    let prefix = counts
        .iter()
        .max_by_key(|&(prefix, count)| (count, std::cmp::Reverse(*prefix)))
        .map(|(prefix, _)| *prefix)
        .ok_or(ModelFileError::NoLayers)?;
    let mut layers = std::collections::BTreeMap::<usize, (bool, bool)>::new();
    let mut sorted: Vec<_> = names.iter().zip(&parsed).collect();
    sorted.sort_unstable_by_key(|(name, _)| name.as_str());
    for (name, &(this_prefix, index, is_weight)) in sorted {
        if this_prefix != prefix {
            return Err(unrecognized(name));
        }
        let entry = layers.entry(index).or_default();
        if is_weight {
            entry.0 = true;
        } else {
            entry.1 = true;
        }
    }
    layers
        .into_iter()
        .map(|(i, (weight, bias))| {
            let (w, b) = (format!("{prefix}{i}.weight"), format!("{prefix}{i}.bias"));
            match (weight, bias) {
                (true, true) => Ok((w, b)),
                (false, _) => Err(ModelFileError::MissingTensor(excerpt(&w, NAME_CHARS))),
                (true, false) => Err(ModelFileError::MissingTensor(excerpt(&b, NAME_CHARS))),
            }
        })
        .collect()
}

/// `layers.3.weight` -> (`layers.`, 3, true); `0.bias` -> (``, 0, false).
fn split_layer_name(name: &str) -> Option<(&str, usize, bool)> {
    let (stem, is_weight) = match (name.strip_suffix(".weight"), name.strip_suffix(".bias")) {
        (Some(stem), _) => (stem, true),
        (None, Some(stem)) => (stem, false),
        (None, None) => return None,
    };
    let (prefix, index) = stem.split_at(stem.rfind('.').map_or(0, |dot| dot + 1));
    if index.is_empty() || index.len() > 9 || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((prefix, index.parse().ok()?, is_weight))
}

/// Longest tensor name or library message quoted in an error.
const NAME_CHARS: usize = 80;

/// A safetensors file whose header has been checked: every tensor's offsets,
/// type and shape agree with each other and lie inside the file.
struct SafetensorsFile<'a> {
    header: safetensors::tensor::Metadata,
    /// The bytes after the header, which the tensors' offsets index.
    data: &'a [u8],
}

impl<'a> SafetensorsFile<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self, ModelFileError> {
        let (header_len, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| ModelFileError::NotSafetensors(excerpt(&e.to_string(), NAME_CHARS)))?;
        // read_metadata checked that the header and every tensor lie within the bytes.
        let data = &bytes[8 + header_len..];
        Ok(Self { header, data })
    }

    fn our_metadata(&self) -> Option<&str> {
        self.header
            .metadata()
            .as_ref()
            .and_then(|m| m.get(METADATA_KEY))
            .map(String::as_str)
    }

    fn tensor_count(&self) -> usize {
        self.header.tensors().len()
    }

    /// Tensor names in the order of their data.
    fn names(&self) -> Vec<String> {
        self.header.offset_keys()
    }

    fn info(&self, name: &str) -> Result<&safetensors::tensor::TensorInfo, ModelFileError> {
        self.header
            .info(name)
            .ok_or_else(|| ModelFileError::MissingTensor(name.to_owned()))
    }

    fn shape(&self, name: &str) -> Result<&[usize], ModelFileError> {
        Ok(&self.info(name)?.shape)
    }

    /// The tensor `name` must be F32 of shape `dims`; `needs` says who needs it, for the error.
    fn check_shape(
        &self,
        name: &str,
        dims: &[usize],
        needs: &'static str,
    ) -> Result<(), ModelFileError> {
        let info = self.info(name)?;
        if info.dtype != Dtype::F32 || info.shape != dims {
            return Err(ModelFileError::TensorShape {
                name: name.to_owned(),
                found: info.shape.clone(),
                expected: dims.to_vec(),
                dtype: format!("{:?}", info.dtype),
                needs,
            });
        }
        Ok(())
    }

    /// Refuses any tensor not among `expected`.
    fn refuse_others(&self, expected: &[(String, Vec<usize>)]) -> Result<(), ModelFileError> {
        let mut others: Vec<String> = self
            .names()
            .into_iter()
            .filter(|n| !expected.iter().any(|(e, _)| e == n))
            .collect();
        others.sort_unstable();
        match others.first() {
            Some(extra) => Err(ModelFileError::ExtraTensor(excerpt(extra, NAME_CHARS))),
            None => Ok(()),
        }
    }

    /// The named (already checked F32) tensors' values, one after another,
    /// each checked finite. Their total is bounded by the file's length.
    fn read_parameters<'n>(
        &self,
        names: impl Iterator<Item = &'n str> + Clone,
    ) -> Result<Vec<f32>, ModelFileError> {
        let mut total = 0;
        for name in names.clone() {
            let (start, end) = self.info(name)?.data_offsets;
            total += (end - start) / 4;
        }
        let mut params = Vec::with_capacity(total);
        for name in names {
            let (start, end) = self.info(name)?.data_offsets;
            let first = params.len();
            params.extend(
                self.data[start..end]
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
            if let Some(index) = params[first..].iter().position(|w| !w.is_finite()) {
                return Err(ModelFileError::NonFinite {
                    name: name.to_owned(),
                    index,
                });
            }
        }
        Ok(params)
    }
}

/// Reads a model file no further than its header says it goes, naming it in the error.
fn read(path: &Path) -> Result<Vec<u8>> {
    let io = |source| CoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    read_safetensors(std::fs::File::open(path).map_err(io)?).map_err(io)
}

/// The longest safetensors header read: the safetensors crate's own limit.
pub const MAX_HEADER_BYTES: u64 = 100_000_000;

/// Reads safetensors bytes (a model file, a checkpoint) from `source`, no further than
/// its header allows: the 8-byte length, the header (at most [`MAX_HEADER_BYTES`]), then
/// the tensors' bytes the header declares and one byte more (so that trailing bytes are
/// still seen, and refused, by the parser). An endless input (`/dev/zero`, a FIFO that
/// keeps writing) costs at most that; a header length over the limit or a header that
/// cannot be read for offsets stops the reading there, and the parser says what is
/// wrong with the bytes.
///
/// # Errors
/// The I/O error.
pub fn read_safetensors(source: impl std::io::Read) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    /// A header entry: a tensor's offsets (the `__metadata__` entry has none).
    #[derive(Deserialize)]
    struct Entry {
        data_offsets: Option<(u64, u64)>,
    }
    let mut source = source;
    let mut bytes = Vec::with_capacity(8);
    (&mut source).take(8).read_to_end(&mut bytes)?;
    let Ok(length) = <[u8; 8]>::try_from(bytes.as_slice()) else {
        return Ok(bytes);
    };
    let header_len = u64::from_le_bytes(length);
    if header_len > MAX_HEADER_BYTES {
        // Not read: the parser refuses the length itself.
        return Ok(bytes);
    }
    (&mut source).take(header_len).read_to_end(&mut bytes)?;
    let Ok(entries) = serde_json::from_slice::<HashMap<String, Entry>>(&bytes[8..]) else {
        return Ok(bytes);
    };
    let data_len = entries
        .values()
        .filter_map(|e| e.data_offsets.map(|(_, end)| end))
        .max()
        .unwrap_or(0);
    source
        .take(data_len.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn le_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

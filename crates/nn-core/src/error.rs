//! Errors of the core: shapes a caller got wrong and model files that cannot be trusted.

use std::path::PathBuf;

/// Everything nn-core can refuse, with the numbers a user needs to fix it.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The architecture itself is not a network we can build.
    #[error("invalid architecture: {0}")]
    InvalidArchitecture(String),
    /// A batch of inputs whose length is not a multiple of the input width.
    #[error(
        "input width mismatch: the network takes {expected} inputs per sample, got {got} values (not a multiple)"
    )]
    InputWidth {
        /// Inputs per sample the network expects.
        expected: usize,
        /// Number of values received.
        got: usize,
    },
    /// Targets that do not line up with the batch.
    #[error("target mismatch: expected {expected} target values for this batch, got {got}")]
    TargetWidth {
        /// Target values the batch needs.
        expected: usize,
        /// Target values received.
        got: usize,
    },
    /// A class index at or above the number of outputs.
    #[error("class {class} out of range: the network has {classes} outputs")]
    ClassOutOfRange {
        /// The offending class index.
        class: u32,
        /// Number of output neurons.
        classes: usize,
    },
    /// Targets of the wrong kind for the loss (class indices for squared error, say).
    #[error("targets do not fit the loss: {0}")]
    TargetKind(String),
    /// A breakdown explains one sample; it was given another number of inputs.
    #[error("a breakdown explains one sample: the network takes {expected} inputs, got {got}")]
    NotOneSample {
        /// Inputs per sample the network expects.
        expected: usize,
        /// Number of values received.
        got: usize,
    },
    /// An empty batch: nothing to compute.
    #[error("empty batch: at least one sample is needed")]
    EmptyBatch,
    /// A gradient buffer made for another network.
    #[error("gradient buffer has {got} values, the network has {expected} parameters")]
    GradientShape {
        /// Parameters of the network.
        expected: usize,
        /// Length of the gradient buffer.
        got: usize,
    },
    /// Buffers of a batch's rows (kept deltas, layer outputs, inputs) of
    /// another size than the batch and the network make.
    #[error("{what}: {got}, where the batch's rows need {expected}")]
    RowBuffer {
        /// What was counted, in which buffer.
        what: &'static str,
        /// What the batch's rows need.
        expected: usize,
        /// What the buffer holds.
        got: usize,
    },
    /// A piece of the parameters that cuts a row of weights, or reaches past them.
    #[error(
        "parameters {start}..{end} are not a piece of the {parameters}: a piece starts and ends between rows of weights"
    )]
    InvalidPiece {
        /// The piece's first parameter.
        start: usize,
        /// One past its last.
        end: usize,
        /// Parameters of the network.
        parameters: usize,
    },
    /// Reading or writing a model file failed at the operating-system level.
    #[error("{path}: {source}")]
    Io {
        /// The model file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A model file could not be written atomically (see nn-atomic-write).
    #[error(transparent)]
    Write(#[from] nn_atomic_write::WriteError),
    /// A model file that is not a valid model of ours.
    #[error("{path}: {reason}")]
    ModelFile {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it (boxed: it is large, and rare).
        reason: Box<ModelFileError>,
    },
}

/// Why a model file was rejected.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ModelFileError {
    /// Not a safetensors file, or cut short.
    #[error("not a valid safetensors file (truncated or corrupt): {0}")]
    NotSafetensors(String),
    /// The header has no metadata of ours: a safetensors file written by
    /// another tool (PyTorch's `save_file`, say). Such a file can still be read
    /// with [`crate::load_model_without_metadata`], under stated assumptions.
    #[error(
        "no nn-tui metadata in the safetensors header (key \"nn_tui\"): written by another tool? \
         Its activations, loss and input normalisation are unknown"
    )]
    MissingMetadata,
    /// The metadata is not a JSON object of our fields.
    #[error("metadata is not valid JSON for this format: {0}")]
    BadMetadata(String),
    /// One metadata field is missing, of the wrong type, or does not fit the network.
    #[error("metadata field `{field}`: {message}")]
    BadField {
        /// The field, e.g. `class_names` or `normalization.shift`.
        field: &'static str,
        /// What is wrong with it (quoted values shortened, control characters escaped).
        message: String,
    },
    /// Loading under assumptions was asked for a file that has our metadata.
    #[error(
        "the file has nn-tui metadata (key \"nn_tui\"): load it as a model file, not under assumptions"
    )]
    HasMetadata,
    /// A metadata-less file with a tensor that is not a linear layer's weight or bias.
    #[error(
        "tensor `{0}` is not a linear layer's weight or bias (expected names like layers.0.weight, layers.0.bias, all with one prefix)"
    )]
    UnrecognizedTensor(String),
    /// A metadata-less file without a single linear layer.
    #[error("no tensors: expected at least one linear layer (layers.0.weight, layers.0.bias)")]
    NoLayers,
    /// A format version this build does not read.
    #[error("unknown format version {found} (this build reads version {supported})")]
    UnknownVersion {
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// A tensor the architecture needs is absent.
    #[error("missing tensor {0}")]
    MissingTensor(String),
    /// A tensor the architecture does not have.
    #[error("unexpected tensor {0}")]
    ExtraTensor(String),
    /// A tensor whose shape or type disagrees with the metadata.
    #[error("tensor {name} has shape {} ({dtype}), {needs} {expected:?} (F32)", shape_text(.found))]
    TensorShape {
        /// Tensor name.
        name: String,
        /// Shape in the file.
        found: Vec<usize>,
        /// Shape the architecture needs.
        expected: Vec<usize>,
        /// Element type in the file.
        dtype: String,
        /// Who needs the expected shape ("the metadata's architecture needs").
        needs: &'static str,
    },
    /// NaN or infinity among the weights.
    #[error("tensor {name} holds a non-finite value at index {index}")]
    NonFinite {
        /// Tensor name.
        name: String,
        /// Flat index of the first bad value.
        index: usize,
    },
    /// The architecture in the metadata is invalid.
    #[error("architecture in metadata is invalid: {0}")]
    Architecture(String),
}

/// `text` on one line and short: control characters escaped, at most
/// `max_chars` characters kept (then `...`), so a file's content cannot flood a
/// terminal or send it escape sequences through an error message.
pub(crate) fn excerpt(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut shown = 0usize;
    for c in text.chars() {
        let escaped = c.is_control().then(|| c.escape_default());
        // Escapes count towards the limit: `\u{0}` shows as five characters.
        let width = escaped.clone().map_or(1, Iterator::count);
        if shown + width > max_chars {
            out.push_str("...");
            break;
        }
        shown += width;
        match escaped {
            Some(escape) => out.extend(escape),
            None => out.push(c),
        }
    }
    out
}

/// A shape read from a file, as `[2, 3]`; a hostile one of thousands of
/// dimensions is cut short (`[1, 1, 1, 1, 1, 1, 1, 1, ...]`).
fn shape_text(shape: &[usize]) -> String {
    const SHOWN: usize = 8;
    let mut parts: Vec<String> = shape.iter().take(SHOWN).map(ToString::to_string).collect();
    if shape.len() > SHOWN {
        parts.push("...".into());
    }
    format!("[{}]", parts.join(", "))
}

/// Result alias for nn-core.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

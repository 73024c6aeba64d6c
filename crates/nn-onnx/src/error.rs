//! What cannot be exported, said so the user knows why.

/// Why a model cannot be written as an ONNX file.
#[derive(Debug, thiserror::Error)]
pub enum OnnxError {
    /// The weights do not fit in one protobuf message, ONNX's file format.
    #[error(
        "the model's {parameters} parameters need about {bytes} bytes, and one ONNX file holds \
         at most 2 GiB (weights in external data files are not supported)"
    )]
    TooLarge {
        /// Parameters of the network (weights and biases).
        parameters: usize,
        /// Bytes the weights alone would take.
        bytes: u64,
    },
}

//! nn-onnx: a trained model as a standard ONNX graph, for ONNX Runtime and the other
//! runtimes MLPs are deployed on (servers, browsers, phones).
//!
//! The graph applies everything `nn-tui predict` applies to a row of raw features: the
//! Playground's input features (x1², sin x1, ...) if the model has them, the input
//! normalisation `(x - shift) * scale`, each layer as a `Gemm` with the
//! weights stored `[out, in]` (PyTorch's layout, so `transB = 1`) followed by its
//! activation, and the output activation. One float input `features` of shape
//! `[batch, raw columns]`, one output `[batch, outputs]`: `probabilities` for a classifier
//! with a softmax or sigmoid output, `values` for a regression, `scores` otherwise.
//! Opset 17 (IR version 8), understood by ONNX Runtime 1.12 and later.
//!
//! The protobuf types are prost's, generated from the official `onnx.proto` (committed
//! in `proto/`) by `cargo run -p xtask --features gen-onnx -- gen-onnx`.
//!
//! ```
//! use nn_core::{Activation, Architecture, Loss, ModelInfo, Network};
//! use nn_data::Normalization;
//! use nn_train::Model;
//!
//! let arch = Architecture::new(vec![2, 4, 1], Activation::Tanh, Activation::Linear, Loss::Mse)?;
//! let model = Model {
//!     network: Network::new(arch, 1)?,
//!     info: ModelInfo::default(),
//!     normalization: Normalization::identity(2),
//!     features: None,
//! };
//! let bytes = nn_onnx::to_onnx(&model)?;
//! assert!(!bytes.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod error;
mod export;
// prost's code for all of onnx.proto; the exporter uses a few of its messages.
#[allow(dead_code, missing_docs, clippy::all, clippy::pedantic)]
#[rustfmt::skip]
mod onnx_proto;

pub use error::OnnxError;
pub use export::{INPUT_NAME, IR_VERSION, OPSET, output_name, to_onnx};

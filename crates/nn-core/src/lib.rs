//! nn-core: the multilayer perceptron of the seed document, trained by backpropagation.
//!
//! Sigmoid neurons (and tanh, ReLU, linear, softmax), a bias that is the weight
//! of a constant `-1` input, the performance function `P = -1/2 (d - o)^2`, and
//! the chain rule giving the output delta `o(1 - o)(d - o)`, the hidden delta
//! `o(1 - o) * sum(w * delta_next)` and the weight change `r * o_in * delta`;
//! see `network.rs` for how those become matrix products over a batch.
//!
//! ```
//! use nn_core::{Activation, Architecture, Gradients, Loss, Network, Targets, Workspace};
//!
//! let arch = Architecture::new(vec![2, 3, 1], Activation::Sigmoid, Activation::Sigmoid, Loss::Seed)?;
//! let mut net = Network::new(arch, 7)?;
//! let (inputs, desired) = ([0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0]);
//! let mut workspace = Workspace::new();
//! let mut gradients = Gradients::zeros(net.architecture());
//! for _ in 0..10 {
//!     net.backward(&inputs, &Targets::Values(&desired), 1.0 / 4.0, &mut workspace, &mut gradients)?;
//!     net.apply_gradient_descent(&gradients, 0.5);
//! }
//! # Ok::<(), nn_core::CoreError>(())
//! ```
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod activation;
mod architecture;
mod breakdown;
mod error;
mod gradient_sum;
mod loss;
mod matmul;
mod model_bytes;
mod model_file;
mod model_metadata;
mod network;
mod piece;
mod products;
mod row_split;
mod shard_pass;
mod tiny;
mod transposed;

pub use activation::Activation;
pub use architecture::{Architecture, LayerShape};
pub use breakdown::{
    BatchChanges, Breakdown, DeltaRule, DeltaTerm, Derivative, Incoming, LayerBreakdown,
    NeuronBreakdown, OutputScale, Source,
};
pub use error::{CoreError, ModelFileError, Result};
pub use gradient_sum::UpdateFn;
pub use loss::{Loss, Targets};
pub use matmul::{MatRef, column_blocks, matmul, matmul_by_columns};
pub use model_file::{
    FORMAT_VERSION, InputTransform, MAX_HEADER_BYTES, METADATA_KEY, ModelAssumptions, ModelInfo,
    load_model, load_model_without_metadata, model_from_bytes, model_from_bytes_without_metadata,
    model_to_bytes, read_safetensors, save_model,
};
pub use network::{Gradients, Network, Workspace};
pub use piece::{KeptDeltas, PieceBatch, batch_layer, batch_layers};
pub use products::{LOOPS_WIDTH, rows_never_change_a_value};
pub use shard_pass::{BatchInputs, InPlaceStep, ShardGradients, ShardPass};

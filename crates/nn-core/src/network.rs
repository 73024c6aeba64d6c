//! The network: a flat parameter buffer, batched forward pass and backpropagation.
//!
//! # The seed's algorithm, batched
//!
//! Each neuron sums its weighted inputs and passes the sum through its
//! activation: `o = f(z)`, `z = sum_i w_i x_i + b`. The seed writes the bias as
//! the weight `w_0` of a constant input `-1`; we store `b = -w_0` so files match
//! PyTorch's `nn.Linear` (the two are the same network, see
//! [`Network::seed_bias_weight`]).
//!
//! Training climbs the seed's performance `P = -1/2 (d - o)^2` (descends
//! `L = -P`). By the chain rule, with `delta = dP/dz` for every neuron:
//!
//! - output neuron: `delta = o(1 - o)(d - o)` (sigmoid with the seed's loss; in
//!   general the activation's derivative times `-dL/do`, see [`crate::Loss::output_delta`]:
//!   PyTorch's mse, the mean over `K` outputs, gives `2/K` times this delta);
//! - hidden neuron: `delta = o(1 - o) * sum_j w_j delta_j`, the sum running over
//!   the neurons `j` of the next layer that this neuron feeds, through weights `w_j`;
//! - weight change: `Delta w = r * o_in * delta`, where `o_in` is the input that the
//!   weight multiplies and `r` the learning rate.
//!
//! For a batch, these become matrix products. With `A` the `[batch, in]` inputs
//! of a layer, `W` its `[out, in]` weights and `D` its `[batch, out]` deltas:
//! `Z = A W^T + b`, `D_prev = (D W) ⊙ f'(O_prev)`, and `sum over the batch of
//! o_in * delta` is `D^T A`. [`Gradients`] holds `dL/dw = -D^T A`, the
//! convention optimizers expect, so plain gradient descent `w -= r * dL/dw` is
//! exactly the seed's `w += r * o_in * delta`.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::Activation;
use crate::architecture::{Architecture, LayerShape};
use crate::error::{CoreError, Result};
use crate::loss::Targets;
use crate::matmul::{MatRef, matmul};

/// A multilayer perceptron: its architecture and one flat buffer of parameters.
///
/// Layer `l`'s weights are a row-major `[out, in]` matrix (PyTorch's `Linear`
/// layout) followed by its `[out]` biases, at the offsets in [`Network::layers`].
/// One buffer means the optimizer step, the sum of gradients across threads and
/// a checkpoint are each one pass over one slice.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    architecture: Architecture,
    layers: Vec<LayerShape>,
    params: Vec<f32>,
}

/// Gradients of the loss with respect to every parameter, laid out like [`Network::parameters`].
#[derive(Debug, Clone, PartialEq)]
pub struct Gradients {
    values: Vec<f32>,
}

impl Gradients {
    /// Zero gradients for a network with this architecture.
    pub fn zeros(architecture: &Architecture) -> Self {
        Self {
            values: vec![0.0; architecture.parameter_count()],
        }
    }

    /// The gradients as one slice, in parameter order.
    pub fn as_slice(&self) -> &[f32] {
        &self.values
    }

    /// Mutable access, for summing shards and clipping.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.values
    }

    /// Adds another gradient of the same shape into this one.
    pub fn add(&mut self, other: &Gradients) {
        for (a, b) in self.values.iter_mut().zip(&other.values) {
            *a += b;
        }
    }

    /// Euclidean norm over all parameters (for clipping and for display).
    pub fn norm(&self) -> f32 {
        self.values
            .iter()
            .map(|g| f64::from(*g) * f64::from(*g))
            .sum::<f64>()
            .sqrt() as f32
    }
}

/// Reusable buffers for a batch: every layer's outputs and the deltas.
///
/// Sized on first use and grown only when a larger batch arrives, so steady
/// training allocates nothing per step.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    batch: usize,
    /// All layers' outputs `o`, layer after layer, each `[batch, width]`.
    outputs: Vec<f32>,
    /// Start of each layer's outputs in `outputs`, plus the end of the last.
    offsets: Vec<usize>,
    delta: Vec<f32>,
    delta_prev: Vec<f32>,
    /// Threads each matrix product may use (of the caller's rayon pool); 1 by default.
    threads: usize,
}

impl Workspace {
    /// An empty workspace; buffers are sized by the first pass.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sizes the buffers for `batch` samples; the deltas only for backpropagation,
    /// so inference-only workspaces stay small.
    fn prepare(&mut self, architecture: &Architecture, batch: usize, backward: bool) {
        let widths = &architecture.sizes[1..];
        let total: usize = widths.iter().sum::<usize>() * batch;
        if self.outputs.len() < total {
            self.outputs.resize(total, 0.0);
        }
        // Deltas reach back to the first hidden layer (the inputs need none).
        let widest = widths.iter().copied().max().unwrap_or(0) * batch;
        if backward && self.delta.len() < widest {
            self.delta.resize(widest, 0.0);
            self.delta_prev.resize(widest, 0.0);
        }
        self.offsets.clear();
        let mut offset = 0;
        for w in widths {
            self.offsets.push(offset);
            offset += w * batch;
        }
        self.offsets.push(offset);
        self.batch = batch;
    }

    /// Outputs `o` of weight layer `l` from the last pass, `[batch, width]` row-major.
    ///
    /// Returns an empty slice before any pass or for a layer that does not exist.
    pub fn layer_output(&self, l: usize) -> &[f32] {
        match (self.offsets.get(l), self.offsets.get(l + 1)) {
            (Some(&start), Some(&end)) => &self.outputs[start..end],
            _ => &[],
        }
    }

    /// Samples in the last pass.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Lets every matrix product of later passes use up to `threads` threads of
    /// the current rayon pool (split over the products' outputs, so the bits do
    /// not depend on `threads`). 0 and 1 both mean this thread alone.
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads;
    }

    /// Threads each product may use.
    pub fn threads(&self) -> usize {
        self.threads.max(1)
    }
}

impl Network {
    /// A freshly initialised network, same `seed`, same weights on every platform.
    ///
    /// Weights are drawn uniformly from `[-a, a]`: Xavier/Glorot
    /// `a = sqrt(6 / (in + out))` for sigmoid, tanh, linear and softmax layers,
    /// He `a = sqrt(6 / in)` for ReLU layers. Biases start at zero. The stream is
    /// ChaCha8 turned into floats by hand, so it never changes under us.
    pub fn new(architecture: Architecture, seed: u64) -> Result<Self> {
        architecture.validate()?;
        let layers = architecture.layer_shapes();
        let mut params = vec![0.0; architecture.parameter_count()];
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for (l, shape) in layers.iter().enumerate() {
            let fan = match architecture.activation(l) {
                Activation::Relu => shape.inputs,
                _ => shape.inputs + shape.outputs,
            };
            let bound = (6.0 / fan as f32).sqrt();
            for w in &mut params[shape.weights()] {
                *w = (2.0 * uniform01(&mut rng) - 1.0) * bound;
            }
        }
        Ok(Self {
            architecture,
            layers,
            params,
        })
    }

    /// A network with the given parameters (laid out as [`Network::parameters`]).
    pub fn from_parameters(architecture: Architecture, params: Vec<f32>) -> Result<Self> {
        architecture.validate()?;
        if params.len() != architecture.parameter_count() {
            return Err(CoreError::GradientShape {
                expected: architecture.parameter_count(),
                got: params.len(),
            });
        }
        let layers = architecture.layer_shapes();
        Ok(Self {
            architecture,
            layers,
            params,
        })
    }

    /// The architecture this network was built with.
    pub fn architecture(&self) -> &Architecture {
        &self.architecture
    }

    /// Where each weight layer lives in the parameter buffer.
    pub fn layers(&self) -> &[LayerShape] {
        &self.layers
    }

    /// All parameters, layer after layer: weights `[out, in]` then bias `[out]`.
    pub fn parameters(&self) -> &[f32] {
        &self.params
    }

    /// Mutable parameters, for optimizers.
    pub fn parameters_mut(&mut self) -> &mut [f32] {
        &mut self.params
    }

    /// Layer `l`'s `[out, in]` weights.
    pub fn weights(&self, l: usize) -> &[f32] {
        &self.params[self.layers[l].weights()]
    }

    /// Layer `l`'s `[out]` biases `b`.
    pub fn bias(&self, l: usize) -> &[f32] {
        &self.params[self.layers[l].bias()]
    }

    /// The seed's bias weight `w_0` for neuron `k` of layer `l`: the weight of a
    /// constant `-1` input, so that `w_0 * (-1) = b`, i.e. `w_0 = -b`.
    pub fn seed_bias_weight(&self, l: usize, k: usize) -> f32 {
        -self.bias(l)[k]
    }

    fn batch_size(&self, inputs: &[f32]) -> Result<usize> {
        let width = self.architecture.inputs();
        if inputs.is_empty() {
            return Err(CoreError::EmptyBatch);
        }
        if !inputs.len().is_multiple_of(width) {
            return Err(CoreError::InputWidth {
                expected: width,
                got: inputs.len(),
            });
        }
        Ok(inputs.len() / width)
    }

    /// Runs a batch forward and returns the output layer's `[batch, outputs]` values.
    ///
    /// `inputs` is a row-major `[batch, inputs]` matrix. Every layer's outputs
    /// stay in `workspace` (see [`Workspace::layer_output`]).
    pub fn forward<'w>(&self, inputs: &[f32], workspace: &'w mut Workspace) -> Result<&'w [f32]> {
        let batch = self.batch_size(inputs)?;
        self.forward_unchecked(inputs, batch, workspace, false);
        let last = self.layers.len() - 1;
        let start = workspace.offsets[last];
        Ok(&workspace.outputs[start..start + batch * self.layers[last].outputs])
    }

    /// Forward pass allocating its own workspace: convenient, not for hot loops.
    pub fn predict(&self, inputs: &[f32]) -> Result<Vec<f32>> {
        let mut workspace = Workspace::new();
        Ok(self.forward(inputs, &mut workspace)?.to_vec())
    }

    fn forward_unchecked(&self, inputs: &[f32], batch: usize, ws: &mut Workspace, backward: bool) {
        ws.prepare(&self.architecture, batch, backward);
        let threads = ws.threads();
        for (l, shape) in self.layers.iter().enumerate() {
            let start = ws.offsets[l];
            let (before, rest) = ws.outputs.split_at_mut(start);
            let layer_in: &[f32] = if l == 0 {
                inputs
            } else {
                &before[ws.offsets[l - 1]..]
            };
            let z = &mut rest[..batch * shape.outputs];
            // z = b + A W^T: start every row at the bias, then accumulate the product.
            for row in z.chunks_exact_mut(shape.outputs) {
                row.copy_from_slice(&self.params[shape.bias()]);
            }
            matmul(
                z,
                MatRef::row_major(layer_in, batch, shape.inputs),
                MatRef::row_major(&self.params[shape.weights()], shape.outputs, shape.inputs).t(),
                1.0,
                true,
                threads,
            );
            self.architecture.activation(l).apply(z, shape.outputs);
        }
    }

    /// Backpropagation: the gradient of `scale * (sum of the batch's losses)`.
    ///
    /// Runs the batch forward, computes the output deltas, carries them back
    /// layer by layer with the seed's hidden-delta rule, and writes `dL/dw` for
    /// every parameter into `gradients` (overwriting it). Returns the *unscaled*
    /// sum of the samples' losses. With `scale = 1 / batch` the gradients are
    /// those of the batch mean (PyTorch's convention); the trainer passes
    /// `1 / (whole mini-batch)` to each shard so that shard gradients simply add.
    pub fn backward(
        &self,
        inputs: &[f32],
        targets: &Targets<'_>,
        scale: f32,
        workspace: &mut Workspace,
        gradients: &mut Gradients,
    ) -> Result<f64> {
        self.backward_recording(inputs, targets, scale, workspace, gradients, None)
    }

    /// [`Network::backward`], also copying every layer's deltas into `deltas[l]`
    /// (`[batch, width]`) as the pass computes them: the breakdown shows the very
    /// numbers training uses, not a second computation of them.
    pub(crate) fn backward_recording(
        &self,
        inputs: &[f32],
        targets: &Targets<'_>,
        scale: f32,
        workspace: &mut Workspace,
        gradients: &mut Gradients,
        mut deltas: Option<&mut [Vec<f32>]>,
    ) -> Result<f64> {
        let batch = self.batch_size(inputs)?;
        let arch = &self.architecture;
        targets.check(batch, arch.outputs())?;
        if gradients.values.len() != self.params.len() {
            return Err(CoreError::GradientShape {
                expected: self.params.len(),
                got: gradients.values.len(),
            });
        }
        self.forward_unchecked(inputs, batch, workspace, true);
        let ws = workspace;
        let threads = ws.threads();
        let last = self.layers.len() - 1;
        let out_width = arch.outputs();

        let output_start = ws.offsets[last];
        let outputs = &ws.outputs[output_start..output_start + batch * out_width];
        let loss_sum = arch.loss.sum(outputs, targets, out_width);
        // Output layer: delta = f'(o) * (d - o), or d - o for the paired softmax/sigmoid
        // losses (times 2/K for mse and 1/K for bce, PyTorch's means over K outputs).
        arch.loss.output_delta(
            arch.output,
            outputs,
            targets,
            out_width,
            scale,
            &mut ws.delta[..batch * out_width],
        );

        for l in (0..=last).rev() {
            let shape = self.layers[l];
            let layer_in: &[f32] = if l == 0 {
                inputs
            } else {
                &ws.outputs[ws.offsets[l - 1]..ws.offsets[l]]
            };
            let delta = &ws.delta[..batch * shape.outputs];
            if let Some(record) = deltas.as_deref_mut() {
                record[l].clear();
                record[l].extend_from_slice(delta);
            }
            let delta_m = MatRef::row_major(delta, batch, shape.outputs);

            // Weight change r * o_in * delta, summed over the batch: D^T A. Stored
            // negated, as dL/dw, so that descent w -= r * dL/dw is the seed's rule.
            matmul(
                &mut gradients.values[shape.weights()],
                delta_m.t(),
                MatRef::row_major(layer_in, batch, shape.inputs),
                -1.0,
                false,
                threads,
            );
            // The bias is the weight of a constant -1 input: Delta w_0 = r * (-1) * delta,
            // and b = -w_0, so dL/db = -sum delta.
            let bias_grad = &mut gradients.values[shape.bias()];
            bias_grad.fill(0.0);
            for row in delta.chunks_exact(shape.outputs) {
                for (g, d) in bias_grad.iter_mut().zip(row) {
                    *g -= d;
                }
            }

            if l > 0 {
                // Hidden layer: delta = o(1 - o) * sum_j w_j delta_j, i.e. (D W) ⊙ f'(O).
                let delta_prev = &mut ws.delta_prev[..batch * shape.inputs];
                matmul(
                    delta_prev,
                    delta_m,
                    MatRef::row_major(&self.params[shape.weights()], shape.outputs, shape.inputs),
                    1.0,
                    false,
                    threads,
                );
                let hidden = arch.activation(l - 1);
                for (dp, &o) in delta_prev.iter_mut().zip(layer_in) {
                    *dp *= hidden.derivative_from_output(o);
                }
                std::mem::swap(&mut ws.delta, &mut ws.delta_prev);
            }
        }
        Ok(loss_sum)
    }

    /// Backpropagation of a batch made of consecutive shards, each with its own
    /// gradient buffer: the same bits as [`Network::backward`] run on each
    /// shard alone, with the whole batch's products done at once where that
    /// cannot change a value.
    ///
    /// `inputs` and `targets` hold every shard's rows, shard after shard;
    /// `shards[s]` gives shard `s`'s row count, receives its gradient of
    /// `scale * (sum of its losses)` and its unscaled loss sum. `smallest` is
    /// the row count of the smallest shard of the whole mini-batch (other
    /// processes' shards included), on which the choice below depends.
    ///
    /// Rows of a product are independent, so a layer's forward product and its
    /// delta product run over all rows in one call (the weights are packed once
    /// instead of once per shard) whenever gemm's arithmetic for a row cannot
    /// depend on how many rows the call has ([`rows_never_change_a_value`]);
    /// otherwise shard by shard, as [`Network::backward`] does. The weight
    /// gradient sums over the samples, so it stays one product per shard, its
    /// order fixed by the kernel. Products use [`Workspace::threads`] threads.
    pub fn backward_shards(
        &self,
        inputs: &[f32],
        targets: &Targets<'_>,
        shards: &mut [ShardPass],
        smallest: usize,
        scale: f32,
        workspace: &mut Workspace,
    ) -> Result<()> {
        let batch = self.batch_size(inputs)?;
        let arch = &self.architecture;
        let out_width = arch.outputs();
        targets.check(batch, out_width)?;
        let rows: usize = shards.iter().map(|s| s.rows).sum();
        if rows != batch || shards.iter().any(|s| s.rows == 0) {
            return Err(CoreError::TargetWidth {
                expected: batch,
                got: rows,
            });
        }
        if let Some(s) = shards
            .iter()
            .find(|s| s.gradients.values.len() != self.params.len())
        {
            return Err(CoreError::GradientShape {
                expected: self.params.len(),
                got: s.gradients.values.len(),
            });
        }
        let smallest = smallest.min(shards.iter().map(|s| s.rows).min().unwrap_or(0));
        let ws = workspace;
        ws.prepare(arch, batch, true);
        let threads = ws.threads();
        // Forward, the whole batch's rows.
        for (l, shape) in self.layers.iter().enumerate() {
            let start = ws.offsets[l];
            let (before, rest) = ws.outputs.split_at_mut(start);
            let layer_in: &[f32] = if l == 0 {
                inputs
            } else {
                &before[ws.offsets[l - 1]..]
            };
            let z = &mut rest[..batch * shape.outputs];
            let bias = &self.params[shape.bias()];
            by_rows(threads, z, shape.outputs, |rows| {
                for row in rows.chunks_exact_mut(bias.len()) {
                    row.copy_from_slice(bias);
                }
            });
            let weights_t =
                MatRef::row_major(&self.params[shape.weights()], shape.outputs, shape.inputs).t();
            let whole = rows_never_change_a_value(shape.outputs, shape.inputs, smallest);
            for_row_blocks(shards, whole, |range| {
                matmul(
                    &mut z[range.start * shape.outputs..range.end * shape.outputs],
                    MatRef::row_major(
                        &layer_in[range.start * shape.inputs..range.end * shape.inputs],
                        range.len(),
                        shape.inputs,
                    ),
                    weights_t,
                    1.0,
                    true,
                    threads,
                );
            });
            let activation = arch.activation(l);
            by_rows(threads, z, shape.outputs, |rows| {
                activation.apply(rows, shape.outputs);
            });
        }
        // Output deltas and losses, shard by shard.
        let last = self.layers.len() - 1;
        let output_start = ws.offsets[last];
        let outputs = &ws.outputs[output_start..output_start + batch * out_width];
        let mut start = 0;
        for shard in shards.iter_mut() {
            let range = start..start + shard.rows;
            start = range.end;
            let part = targets.rows(range.clone(), out_width);
            let cells = range.start * out_width..range.end * out_width;
            shard.loss_sum = arch.loss.sum(&outputs[cells.clone()], &part, out_width);
            arch.loss.output_delta(
                arch.output,
                &outputs[cells.clone()],
                &part,
                out_width,
                scale,
                &mut ws.delta[cells],
            );
        }
        // Each shard's first row (the gradient products below may run side by side).
        let starts: Vec<usize> = shards
            .iter()
            .scan(0, |start, s| {
                let first = *start;
                *start += s.rows;
                Some(first)
            })
            .collect();
        for l in (0..=last).rev() {
            let shape = self.layers[l];
            let layer_in: &[f32] = if l == 0 {
                inputs
            } else {
                &ws.outputs[ws.offsets[l - 1]..ws.offsets[l]]
            };
            let delta = &ws.delta[..batch * shape.outputs];
            // One product per shard: side by side, one thread each, when there
            // are shards enough for the threads; else one after another, each
            // split across the threads. Either way each value's sum keeps its order.
            let weight_gradient = |shard: &mut ShardPass, start: usize, threads: usize| {
                let range = start..start + shard.rows;
                let delta_s = &delta[range.start * shape.outputs..range.end * shape.outputs];
                let gradients = &mut shard.gradients.values;
                matmul(
                    &mut gradients[shape.weights()],
                    MatRef::row_major(delta_s, range.len(), shape.outputs).t(),
                    MatRef::row_major(
                        &layer_in[range.start * shape.inputs..range.end * shape.inputs],
                        range.len(),
                        shape.inputs,
                    ),
                    -1.0,
                    false,
                    threads,
                );
                let bias_grad = &mut gradients[shape.bias()];
                bias_grad.fill(0.0);
                for row in delta_s.chunks_exact(shape.outputs) {
                    for (g, d) in bias_grad.iter_mut().zip(row) {
                        *g -= d;
                    }
                }
            };
            if threads > 1 && shards.len() >= threads {
                shards
                    .par_iter_mut()
                    .zip(starts.par_iter().copied())
                    .for_each(|(shard, start)| weight_gradient(shard, start, 1));
            } else {
                for (shard, &start) in shards.iter_mut().zip(&starts) {
                    weight_gradient(shard, start, threads);
                }
            }
            if l > 0 {
                let delta_prev = &mut ws.delta_prev[..batch * shape.inputs];
                let weights =
                    MatRef::row_major(&self.params[shape.weights()], shape.outputs, shape.inputs);
                let whole = rows_never_change_a_value(shape.inputs, shape.outputs, smallest);
                for_row_blocks(shards, whole, |range| {
                    matmul(
                        &mut delta_prev[range.start * shape.inputs..range.end * shape.inputs],
                        MatRef::row_major(
                            &delta[range.start * shape.outputs..range.end * shape.outputs],
                            range.len(),
                            shape.outputs,
                        ),
                        weights,
                        1.0,
                        false,
                        threads,
                    );
                });
                let hidden = arch.activation(l - 1);
                let width = shape.inputs;
                if threads > 1 {
                    delta_prev
                        .par_chunks_mut(ROWS_PER_TASK * width)
                        .zip(layer_in.par_chunks(ROWS_PER_TASK * width))
                        .for_each(|(dp, o)| times_derivative(hidden, dp, o));
                } else {
                    times_derivative(hidden, delta_prev, layer_in);
                }
                std::mem::swap(&mut ws.delta, &mut ws.delta_prev);
            }
        }
        Ok(())
    }

    /// Mean loss over a batch, without gradients.
    pub fn loss(
        &self,
        inputs: &[f32],
        targets: &Targets<'_>,
        workspace: &mut Workspace,
    ) -> Result<f64> {
        let batch = self.batch_size(inputs)?;
        targets.check(batch, self.architecture.outputs())?;
        let outputs = self.forward(inputs, workspace)?;
        Ok(self
            .architecture
            .loss
            .sum(outputs, targets, self.architecture.outputs())
            / batch as f64)
    }

    /// The seed's update, plain gradient descent: `w += r * o_in * delta`, i.e. `w -= r * dL/dw`.
    pub fn apply_gradient_descent(&mut self, gradients: &Gradients, learning_rate: f32) {
        for (w, g) in self.params.iter_mut().zip(&gradients.values) {
            *w -= learning_rate * g;
        }
    }
}

/// One shard of [`Network::backward_shards`]: its rows, its gradient buffer
/// (overwritten) and its loss sum (written).
#[derive(Debug)]
pub struct ShardPass {
    /// Consecutive rows of the batch this shard covers (at least one).
    pub rows: usize,
    /// Receives the shard's gradient of `scale * (sum of its losses)`.
    pub gradients: Gradients,
    /// Receives the shard's unscaled loss sum.
    pub loss_sum: f64,
}

/// Whether a row-major product `[rows, inner] . [inner, width]` gives every
/// row the same bits whether it runs over one shard's rows (at least
/// `smallest`) or over many shards' at once.
///
/// gemm (0.19) sums each value in blocks of its inner dimension whose size
/// depends on `inner` alone, except on three paths picked by the shape: a
/// dot-product kernel when `width x rows <= 256`, a vector kernel when `rows`
/// is 1, and blocks of 512 instead of balanced ones when `width` and `rows`
/// are both at most 64 (which only matters when `inner > 512`). (It computes
/// `dst^T`, so our `width` is its `m` and our `rows` its `n`.) Shapes clear of
/// all three take the same path for any number of rows.
pub fn rows_never_change_a_value(width: usize, inner: usize, smallest: usize) -> bool {
    smallest >= 2 && width * smallest > 256 && (width > 64 || inner <= 512)
}

/// Rows per rayon task for the elementwise work of a whole batch.
const ROWS_PER_TASK: usize = 32;

/// `f` over `values` (`width` per row), in blocks of whole rows on up to
/// `threads` threads of the current rayon pool: each value is computed alone,
/// so the split changes no bit.
fn by_rows(threads: usize, values: &mut [f32], width: usize, f: impl Fn(&mut [f32]) + Sync + Send) {
    if threads > 1 {
        values.par_chunks_mut(ROWS_PER_TASK * width).for_each(f);
    } else {
        f(values);
    }
}

/// The seed's hidden delta: `delta *= f'(o)`.
fn times_derivative(hidden: Activation, delta: &mut [f32], outputs: &[f32]) {
    for (d, &o) in delta.iter_mut().zip(outputs) {
        *d *= hidden.derivative_from_output(o);
    }
}

/// Runs `product` over the row ranges of a row-independent product: the
/// whole batch at once, or shard by shard.
fn for_row_blocks(
    shards: &[ShardPass],
    whole: bool,
    mut product: impl FnMut(std::ops::Range<usize>),
) {
    if whole {
        product(0..shards.iter().map(|s| s.rows).sum());
    } else {
        let mut start = 0;
        for shard in shards {
            product(start..start + shard.rows);
            start += shard.rows;
        }
    }
}

/// A float in `[0, 1)` from the top 24 bits of a `u32`: exact and platform-independent.
fn uniform01(rng: &mut ChaCha8Rng) -> f32 {
    (rng.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
}

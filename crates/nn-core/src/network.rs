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

use crate::Activation;
use crate::architecture::{Architecture, LayerShape};
use crate::error::{CoreError, Result};
use crate::loss::Targets;
use crate::products::{Kernel, LOOPS_WIDTH, bias_gradient, times_derivative};
use crate::tiny::{TinyNet, TinyScratch};

/// A multilayer perceptron: its architecture and one flat buffer of parameters.
///
/// Layer `l`'s weights are a row-major `[out, in]` matrix (PyTorch's `Linear`
/// layout) followed by its `[out]` biases, at the offsets in [`Network::layers`].
/// One buffer means the optimizer step, the sum of gradients across threads and
/// a checkpoint are each one pass over one slice.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub(crate) architecture: Architecture,
    pub(crate) layers: Vec<LayerShape>,
    pub(crate) params: Vec<f32>,
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
    pub(crate) batch: usize,
    /// All layers' outputs `o`, layer after layer, each `[batch, width]`.
    pub(crate) outputs: Vec<f32>,
    /// Start of each layer's outputs in `outputs`, plus the end of the last.
    pub(crate) offsets: Vec<usize>,
    pub(crate) delta: Vec<f32>,
    pub(crate) delta_prev: Vec<f32>,
    /// A shard's gradient of a layer while it is added to the others' sum
    /// (`gradient_sum.rs`), where gemm cannot add it in place.
    pub(crate) scratch: Vec<f32>,
    /// Row count and first row of each shard of a [`Network::backward_shards`]
    /// pass (kept to reuse their allocations: steady steps allocate nothing).
    pub(crate) shard_rows: Vec<usize>,
    pub(crate) shard_starts: Vec<usize>,
    /// Threads each matrix product may use (of the caller's rayon pool); 1 by default.
    threads: usize,
    /// A tiny network's padded buffers (`tiny.rs`).
    tiny: TinyScratch,
}

impl Workspace {
    /// An empty workspace; buffers are sized by the first pass.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sizes the buffers for `batch` samples; the deltas only for backpropagation,
    /// so inference-only workspaces stay small.
    pub(crate) fn prepare(&mut self, architecture: &Architecture, batch: usize, backward: bool) {
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

    pub(crate) fn batch_size(&self, inputs: &[f32]) -> Result<usize> {
        batch_size(&self.architecture, inputs)
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
        let kernel = self.kernel(ws.threads());
        if kernel == Kernel::Loops {
            // Rows are written whole registers at a time: room past the last.
            let end = ws.offsets[self.layers.len()] + LOOPS_WIDTH;
            if ws.outputs.len() < end {
                ws.outputs.resize(end, 0.0);
            }
            let net = self.tiny_net();
            ws.tiny
                .forward(net, inputs, batch, &mut ws.outputs, &ws.offsets);
            return;
        }
        for (l, shape) in self.layers.iter().enumerate() {
            let (layer_in, z) = layer_rows(
                &mut ws.outputs,
                &ws.offsets,
                l,
                inputs,
                batch * shape.outputs,
            );
            // z = b + A W^T: every row starts at the bias, then accumulates the product.
            kernel.forward(
                z,
                layer_in,
                &self.params[shape.weights()],
                &self.params[shape.bias()],
                *shape,
                &mut ws.scratch,
            );
            self.architecture.activation(l).apply(z, shape.outputs);
        }
    }

    fn tiny_net(&self) -> TinyNet<'_> {
        TinyNet {
            layers: &self.layers,
            params: &self.params,
            architecture: &self.architecture,
        }
    }

    /// How this network's products run with `threads` threads: plain loops for
    /// a tiny network (see [`crate::LOOPS_WIDTH`]), else gemm.
    pub(crate) fn kernel(&self, threads: usize) -> Kernel {
        Kernel::for_layers(&self.layers, threads)
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
        let kernel = self.kernel(threads);
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
        if kernel == Kernel::Loops && deltas.is_none() {
            // The same bits as the layer-by-layer loops below, in one pass.
            let net = self.tiny_net();
            ws.tiny.backward(
                net,
                inputs,
                batch,
                &ws.delta[..batch * out_width],
                &mut gradients.values,
            );
            return Ok(loss_sum);
        }

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
            let weights = &self.params[shape.weights()];
            // Weight change r * o_in * delta, summed over the batch: D^T A. Stored
            // negated, as dL/dw, so that descent w -= r * dL/dw is the seed's rule.
            kernel.weight_gradient(
                &mut gradients.values[shape.weights()],
                delta,
                layer_in,
                shape,
            );
            bias_gradient(&mut gradients.values[shape.bias()], delta);

            if l > 0 {
                // Hidden layer: delta = o(1 - o) * sum_j w_j delta_j, i.e. (D W) ⊙ f'(O).
                let delta_prev = &mut ws.delta_prev[..batch * shape.inputs];
                kernel.back(delta_prev, delta, weights, shape);
                times_derivative(
                    1,
                    arch.activation(l - 1),
                    delta_prev,
                    layer_in,
                    shape.inputs,
                );
                std::mem::swap(&mut ws.delta, &mut ws.delta_prev);
            }
        }
        Ok(loss_sum)
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

/// A float in `[0, 1)` from the top 24 bits of a `u32`: exact and platform-independent.
fn uniform01(rng: &mut ChaCha8Rng) -> f32 {
    (rng.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
}

/// Layer `l`'s input rows (the batch's `inputs` for the first layer, else the
/// previous layer's outputs) and its `len` output values, both laid out in a
/// workspace's `outputs` at `offsets`.
pub(crate) fn layer_rows<'a>(
    outputs: &'a mut [f32],
    offsets: &[usize],
    l: usize,
    inputs: &'a [f32],
    len: usize,
) -> (&'a [f32], &'a mut [f32]) {
    let (before, rest) = outputs.split_at_mut(offsets[l]);
    let layer_in: &[f32] = if l == 0 {
        inputs
    } else {
        &before[offsets[l - 1]..]
    };
    (layer_in, &mut rest[..len])
}

/// Rows of a batch of `inputs` for a network of `architecture`: an error if
/// the batch is empty or not whole rows.
pub(crate) fn batch_size(architecture: &Architecture, inputs: &[f32]) -> Result<usize> {
    let width = architecture.inputs();
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

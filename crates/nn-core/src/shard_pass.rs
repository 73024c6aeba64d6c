//! Backpropagation of a whole batch of shards in one pass: the trainer's plan
//! for large steps, with every shard's gradient in its own buffer or all of
//! them added up in one ([`ShardGradients`]), and, when summed, the optimizer's
//! step taken as each block of the sum is complete ([`InPlaceStep`]).

use rayon::prelude::*;

use crate::architecture::{Architecture, LayerShape};
use crate::error::{CoreError, Result};
use crate::gradient_sum::{
    LayerInputs, LayerPiece, LayerStep, ShardOperands, UpdateFn, add_shard_gradients,
};
use crate::loss::Targets;
use crate::matmul::MatRef;
use crate::network::{Gradients, Network, Workspace, layer_rows};
use crate::piece::KeptDeltas;
use crate::products::{Kernel, bias_gradient, by_rows, times_derivative};
use crate::row_split::{Rows, blocks_for, by_shard_blocks, for_row_blocks};

thread_local! {
    /// The transposed forward product's scratch for a block of shards run on
    /// this thread (the workspace's own scratch serves the whole batch).
    static BLOCK_SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A batch's inputs for [`Network::backward_shards`]: its rows (`[rows,
/// inputs]`), and, when the caller has them, the same values transposed
/// (`[inputs, rows]`, gathered on another thread while the step before ran,
/// say). The first layer's forward product of a few rows runs transposed
/// (`transposed.rs`) and then reads them as they are instead of gathering the
/// rows' values one at a time into its panels: the same values, the same bits.
#[derive(Debug, Clone, Copy)]
pub struct BatchInputs<'a> {
    /// The batch's rows, shard after shard.
    pub rows: &'a [f32],
    /// The same values transposed, or `None`; ignored unless as many.
    pub transposed: Option<&'a [f32]>,
}

impl BatchInputs<'_> {
    /// Whether a pass whose first layer is `first` would read the inputs of
    /// `rows` rows transposed, were they given: the only case worth
    /// transposing them for.
    pub fn transposed_read(rows: usize, first: LayerShape) -> bool {
        crate::transposed::pays(rows, first)
    }
}

impl<'a> From<&'a [f32]> for BatchInputs<'a> {
    fn from(rows: &'a [f32]) -> Self {
        Self {
            rows,
            transposed: None,
        }
    }
}

impl<'a> From<&'a Vec<f32>> for BatchInputs<'a> {
    fn from(rows: &'a Vec<f32>) -> Self {
        rows.as_slice().into()
    }
}

/// Where [`Network::backward_shards`] leaves the shards' gradients.
#[derive(Debug)]
pub enum ShardGradients<'a> {
    /// Shard `s`'s gradient in `buffers[s]` (overwritten): for a reduction
    /// that sends the shards' gradients apart (to other processes).
    Each(&'a mut [Gradients]),
    /// Their sum in shard order, `((g_0 + g_1) + g_2) + ...`, in one buffer
    /// (overwritten): bit for bit what adding [`ShardGradients::Each`]'s
    /// buffers in order gives, without a buffer per shard or a pass to add
    /// them (`gradient_sum.rs`).
    Summed(&'a mut Gradients),
    /// None here: each layer's deltas are kept for
    /// [`Network::piece_gradient`], which a process runs over its piece of
    /// the parameters for every shard of the mini-batch, its own and others'.
    Kept(KeptDeltas<'a>),
}

/// An optimizer step taken inside [`Network::backward_shards_stepping`].
pub struct InPlaceStep<'a> {
    /// The optimizer's two state buffers, each as long as the parameters or
    /// empty when unused.
    pub state: [&'a mut [f32]; 2],
    /// The update of some parameters from their complete gradients and state
    /// (the same range of each): `update(p, g, m, v)`, value by value.
    pub update: UpdateFn<'a>,
}

/// The parameters a pass reads, and, when it steps, updates.
enum Params<'a> {
    Read(&'a [f32]),
    Step(&'a mut [f32], InPlaceStep<'a>),
}

impl Params<'_> {
    fn values(&self) -> &[f32] {
        match self {
            Params::Read(p) => p,
            Params::Step(p, _) => p,
        }
    }

    /// Layer `shape`'s share of the step (none when the pass only reads).
    fn layer_step(&mut self, shape: LayerShape) -> Option<LayerStep<'_>> {
        let range = shape.weights().start..shape.bias().end;
        match self {
            Params::Read(_) => None,
            Params::Step(p, InPlaceStep { state, update }) => {
                let [first, second] = state;
                Some(LayerStep {
                    params: &mut p[range.clone()],
                    state: [
                        state_range(first, range.clone()),
                        state_range(second, range),
                    ],
                    update: *update,
                })
            }
        }
    }
}

/// `range` of a state buffer (an unused, empty one stays empty).
fn state_range(state: &mut [f32], range: std::ops::Range<usize>) -> &mut [f32] {
    if state.is_empty() {
        state
    } else {
        &mut state[range]
    }
}

impl Network {
    /// [`Network::backward_shards`] with every shard's gradient summed into
    /// `sum`, and the optimizer's step taken as the pass goes: each block of a
    /// layer's weights is updated as soon as its gradient is complete (after
    /// the layer's delta product, which reads the old weights), while it is in
    /// cache, instead of in a pass of its own afterwards. Every value's update
    /// reads only that value, so the weights, state and `sum` end with the bits
    /// of the pass followed by the step. If a shard's loss is not finite the
    /// weights are left as they were and `false` returned (the caller reports
    /// the divergence); else `true`.
    #[allow(clippy::too_many_arguments)] // the batch, its shards, the sum, the step and the buffers
    pub fn backward_shards_stepping<'i>(
        &mut self,
        inputs: impl Into<BatchInputs<'i>>,
        targets: &Targets<'_>,
        shards: &mut [ShardPass],
        sum: &mut Gradients,
        smallest: usize,
        scale: f32,
        workspace: &mut Workspace,
        step: InPlaceStep<'_>,
    ) -> Result<bool> {
        let Network {
            architecture,
            layers,
            params,
        } = self;
        if let Some(got) = step
            .state
            .iter()
            .map(|buffer| buffer.len())
            .find(|&len| len != 0 && len != params.len())
        {
            return Err(CoreError::GradientShape {
                expected: params.len(),
                got,
            });
        }
        pass(
            architecture,
            layers,
            Params::Step(params, step),
            inputs.into(),
            targets,
            shards,
            ShardGradients::Summed(sum),
            smallest,
            scale,
            workspace,
        )
    }

    /// Backpropagation of a batch made of consecutive shards: the same bits as
    /// [`Network::backward`] run on each shard alone (and, for
    /// [`ShardGradients::Summed`], their gradients added in shard order), with
    /// the whole batch's products done at once where that cannot change a value.
    ///
    /// `inputs` and `targets` hold every shard's rows, shard after shard;
    /// `shards[s]` gives shard `s`'s row count and receives its unscaled loss
    /// sum; `gradients` receives each shard's gradient of `scale * (sum of its
    /// losses)`, or their sum. `smallest` is
    /// the row count of the smallest shard of the whole mini-batch (other
    /// processes' shards included), on which the choice below depends.
    ///
    /// Rows of a product are independent, so a layer's forward product and its
    /// delta product run over all rows in one call (the weights are packed once
    /// instead of once per shard) whenever gemm's arithmetic for a row cannot
    /// depend on how many rows the call has ([`crate::rows_never_change_a_value`]);
    /// otherwise shard by shard, as [`Network::backward`] does. The weight
    /// gradient sums over the samples, so it stays one product per shard, its
    /// order fixed by the kernel; summed, each block of a layer's gradient goes
    /// through every shard's product in turn. Products use
    /// [`Workspace::threads`] threads.
    #[allow(clippy::too_many_arguments)] // the batch, its shards, where the gradients go, the scale and the buffers
    pub fn backward_shards<'i>(
        &self,
        inputs: impl Into<BatchInputs<'i>>,
        targets: &Targets<'_>,
        shards: &mut [ShardPass],
        gradients: ShardGradients<'_>,
        smallest: usize,
        scale: f32,
        workspace: &mut Workspace,
    ) -> Result<()> {
        pass(
            &self.architecture,
            &self.layers,
            Params::Read(&self.params),
            inputs.into(),
            targets,
            shards,
            gradients,
            smallest,
            scale,
            workspace,
        )
        .map(|_| ())
    }
}

/// [`Network::backward_shards`], stepping too when `params` says so.
#[allow(clippy::too_many_arguments)] // the network's parts, the batch, its shards, where the gradients go, the scale and the buffers
fn pass(
    arch: &Architecture,
    layers: &[LayerShape],
    mut params: Params<'_>,
    inputs: BatchInputs<'_>,
    targets: &Targets<'_>,
    shards: &mut [ShardPass],
    mut gradients: ShardGradients<'_>,
    smallest: usize,
    scale: f32,
    workspace: &mut Workspace,
) -> Result<bool> {
    let BatchInputs {
        rows: inputs,
        transposed,
    } = inputs;
    let batch = crate::network::batch_size(arch, inputs)?;
    let transposed = transposed.filter(|t| t.len() == inputs.len());
    let out_width = arch.outputs();
    targets.check(batch, out_width)?;
    let rows: usize = shards.iter().map(|s| s.rows).sum();
    if rows != batch || shards.iter().any(|s| s.rows == 0) {
        return Err(CoreError::TargetWidth {
            expected: batch,
            got: rows,
        });
    }
    let params_len = params.values().len();
    let wrong = match &gradients {
        ShardGradients::Each(buffers) if buffers.len() != shards.len() => {
            Some(buffers.len() * params_len)
        }
        ShardGradients::Each(buffers) => buffers
            .iter()
            .map(|g| g.as_slice().len())
            .find(|&len| len != params_len),
        ShardGradients::Summed(sum) => Some(sum.as_slice().len()).filter(|&len| len != params_len),
        ShardGradients::Kept(kept) => {
            kept.check(arch, batch)?;
            None
        }
    };
    if let Some(got) = wrong {
        return Err(CoreError::GradientShape {
            expected: params_len,
            got,
        });
    }
    let smallest = smallest.min(shards.iter().map(|s| s.rows).min().unwrap_or(0));
    let ws = workspace;
    ws.prepare(arch, batch, true);
    let threads = ws.threads();
    let kernel = Kernel::for_layers(layers, threads);
    // Forward, the whole batch's rows.
    for (l, shape) in layers.iter().enumerate() {
        let (layer_in, z) = layer_rows(
            &mut ws.outputs,
            &ws.offsets,
            l,
            inputs,
            batch * shape.outputs,
        );
        let bias = &params.values()[shape.bias()];
        let weights = &params.values()[shape.weights()];
        let whole = kernel.rows_independent(shape.outputs, shape.inputs, smallest);
        let activation = arch.activation(l);
        // The biases and the product (`Kernel::forward` starts each row at
        // the bias), then the activation, over some shards' rows.
        let layer = |shards: &[ShardPass],
                     z: &mut [f32],
                     x: &[f32],
                     x_t: Option<&[f32]>,
                     kernel: Kernel,
                     threads,
                     scratch: &mut Vec<f32>| {
            for_row_blocks(shards, whole, |range| {
                // The range's columns of the whole batch's transposed inputs.
                let x_t = x_t.map(|t| {
                    MatRef::row_major_strided(&t[range.start..], shape.inputs, range.len(), batch)
                });
                kernel.forward_with(
                    &mut z[range.start * shape.outputs..range.end * shape.outputs],
                    &x[range.start * shape.inputs..range.end * shape.inputs],
                    x_t,
                    weights,
                    bias,
                    *shape,
                    scratch,
                );
            });
            by_rows(threads, z, shape.outputs, |rows| {
                activation.apply(rows, shape.outputs);
            });
        };
        let blocks = blocks_for(threads, shards.len(), batch * shape.inputs * shape.outputs);
        if blocks > 1 {
            let inner = Kernel::for_layers(layers, threads / blocks);
            let x = Rows {
                values: &layer_in[..batch * shape.inputs],
                width: shape.inputs,
            };
            by_shard_blocks(shards, blocks, z, shape.outputs, [x], &|s, z, [x]| {
                // Each block's thread has a scratch of its own for the
                // transposed product (grown once, then reused every step).
                BLOCK_SCRATCH.with_borrow_mut(|scratch| layer(s, z, x, None, inner, 1, scratch));
            });
        } else {
            let x_t = transposed.filter(|_| l == 0);
            layer(shards, z, layer_in, x_t, kernel, threads, &mut ws.scratch);
        }
    }
    // Output deltas and losses, shard by shard.
    let last = layers.len() - 1;
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
    // Each shard's rows and first row (the gradient products below may run side by side).
    ws.shard_rows.clear();
    ws.shard_rows.extend(shards.iter().map(|s| s.rows));
    ws.shard_starts.clear();
    ws.shard_starts.extend(shards.iter().scan(0, |start, s| {
        let first = *start;
        *start += s.rows;
        Some(first)
    }));
    let (rows, starts) = (&ws.shard_rows[..], &ws.shard_starts[..]);
    // A loss that is not finite: no step (the trainer reports it).
    let stepping = shards.iter().all(|s| s.loss_sum.is_finite());
    for l in (0..=last).rev() {
        let shape = layers[l];
        let layer_in: &[f32] = if l == 0 {
            inputs
        } else {
            &ws.outputs[ws.offsets[l - 1]..ws.offsets[l]]
        };
        let delta = &ws.delta[..batch * shape.outputs];
        // The delta product first: it reads the weights a step would change.
        if l > 0 {
            let delta_prev = &mut ws.delta_prev[..batch * shape.inputs];
            let weights = &params.values()[shape.weights()];
            let whole = kernel.rows_independent(shape.inputs, shape.outputs, smallest);
            let hidden = arch.activation(l - 1);
            // The product and the hidden delta rule over some shards' rows.
            let layer = |shards: &[ShardPass],
                         back: &mut [f32],
                         [delta, o]: [&[f32]; 2],
                         kernel: Kernel,
                         threads| {
                for_row_blocks(shards, whole, |range| {
                    kernel.back(
                        &mut back[range.start * shape.inputs..range.end * shape.inputs],
                        &delta[range.start * shape.outputs..range.end * shape.outputs],
                        weights,
                        shape,
                    );
                });
                times_derivative(threads, hidden, back, o, shape.inputs);
            };
            let blocks = blocks_for(threads, shards.len(), batch * shape.inputs * shape.outputs);
            if blocks > 1 {
                let inner = Kernel::for_layers(layers, threads / blocks);
                let rows = [
                    Rows {
                        values: delta,
                        width: shape.outputs,
                    },
                    Rows {
                        values: layer_in,
                        width: shape.inputs,
                    },
                ];
                by_shard_blocks(
                    shards,
                    blocks,
                    delta_prev,
                    shape.inputs,
                    rows,
                    &|s, b, r| {
                        layer(s, b, r, inner, 1);
                    },
                );
            } else {
                layer(shards, delta_prev, [delta, layer_in], kernel, threads);
            }
        }
        match &mut gradients {
            // All shards into one buffer, block after block of output rows
            // (and each block's step as soon as it is complete).
            ShardGradients::Summed(sum) => {
                let sum = sum.as_mut_slice();
                let (weights_part, bias_part) = split_layer(sum, shape);
                let step = if stepping {
                    params.layer_step(shape)
                } else {
                    None
                };
                let shards = ShardOperands {
                    rows,
                    starts,
                    delta,
                    x: LayerInputs::all(layer_in),
                };
                add_shard_gradients(
                    kernel,
                    threads,
                    weights_part,
                    bias_part,
                    shards,
                    shape,
                    &LayerPiece::all(shape),
                    &mut ws.scratch,
                    step,
                );
            }
            ShardGradients::Kept(kept) => kept.layer_mut(arch, l, batch).copy_from_slice(delta),
            // One product per shard: side by side, one thread each, when there
            // are shards enough for the threads; else one after another, each
            // split across the threads. Either way each value's sum keeps its order.
            ShardGradients::Each(buffers) => {
                let weight_gradient =
                    |gradients: &mut Gradients, start: usize, rows: usize, kernel: Kernel| {
                        let range = start..start + rows;
                        let delta_s =
                            &delta[range.start * shape.outputs..range.end * shape.outputs];
                        let gradients = gradients.as_mut_slice();
                        kernel.weight_gradient(
                            &mut gradients[shape.weights()],
                            delta_s,
                            &layer_in[range.start * shape.inputs..range.end * shape.inputs],
                            shape,
                        );
                        bias_gradient(&mut gradients[shape.bias()], delta_s);
                    };
                if threads > 1 && buffers.len() >= threads {
                    let one = Kernel::for_layers(layers, 1);
                    buffers
                        .par_iter_mut()
                        .zip(starts.par_iter().copied())
                        .zip(rows.par_iter().copied())
                        .for_each(|((g, start), rows)| weight_gradient(g, start, rows, one));
                } else {
                    for ((g, &start), &rows) in buffers.iter_mut().zip(starts).zip(rows) {
                        weight_gradient(g, start, rows, kernel);
                    }
                }
            }
        }
        if l > 0 {
            std::mem::swap(&mut ws.delta, &mut ws.delta_prev);
        }
    }
    Ok(stepping && matches!(params, Params::Step(..)))
}

/// One shard of [`Network::backward_shards`]: its rows and its loss sum (written).
#[derive(Debug, Clone, Copy)]
pub struct ShardPass {
    /// Consecutive rows of the batch this shard covers (at least one).
    pub rows: usize,
    /// Receives the shard's unscaled loss sum.
    pub loss_sum: f64,
}

/// A layer's weights and biases within a whole-network gradient buffer
/// (the biases follow the weights).
fn split_layer(gradient: &mut [f32], shape: LayerShape) -> (&mut [f32], &mut [f32]) {
    debug_assert_eq!(shape.weights().end, shape.bias().start);
    let layer = &mut gradient[shape.weights().start..shape.bias().end];
    layer.split_at_mut(shape.inputs * shape.outputs)
}

//! Backpropagation of a whole batch of shards in one pass: the trainer's plan
//! for large steps, with every shard's gradient in its own buffer or all of
//! them added up in one ([`ShardGradients`]).

use rayon::prelude::*;

use crate::architecture::LayerShape;
use crate::error::{CoreError, Result};
use crate::gradient_sum::add_shard_gradients;
use crate::loss::Targets;
use crate::network::{Gradients, Network, Workspace};
use crate::products::{Kernel, bias_gradient, by_rows, times_derivative};
use crate::row_split::{Rows, blocks_for, by_shard_blocks, for_row_blocks};

thread_local! {
    /// The transposed forward product's scratch for a block of shards run on
    /// this thread (the workspace's own scratch serves the whole batch).
    static BLOCK_SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
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
}

impl Network {
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
    pub fn backward_shards(
        &self,
        inputs: &[f32],
        targets: &Targets<'_>,
        shards: &mut [ShardPass],
        mut gradients: ShardGradients<'_>,
        smallest: usize,
        scale: f32,
        workspace: &mut Workspace,
    ) -> Result<()> {
        let batch = self.batch_size(inputs)?;
        let arch = self.architecture();
        let out_width = arch.outputs();
        targets.check(batch, out_width)?;
        let rows: usize = shards.iter().map(|s| s.rows).sum();
        if rows != batch || shards.iter().any(|s| s.rows == 0) {
            return Err(CoreError::TargetWidth {
                expected: batch,
                got: rows,
            });
        }
        let params = self.parameters().len();
        let wrong = match &gradients {
            ShardGradients::Each(buffers) if buffers.len() != shards.len() => {
                Some(buffers.len() * params)
            }
            ShardGradients::Each(buffers) => buffers
                .iter()
                .map(|g| g.as_slice().len())
                .find(|&len| len != params),
            ShardGradients::Summed(sum) => Some(sum.as_slice().len()).filter(|&len| len != params),
        };
        if let Some(got) = wrong {
            return Err(CoreError::GradientShape {
                expected: params,
                got,
            });
        }
        let smallest = smallest.min(shards.iter().map(|s| s.rows).min().unwrap_or(0));
        let ws = workspace;
        ws.prepare(arch, batch, true);
        let threads = ws.threads();
        let kernel = self.kernel(threads);
        // Forward, the whole batch's rows.
        for (l, shape) in self.layers().iter().enumerate() {
            let start = ws.offsets[l];
            let (before, rest) = ws.outputs.split_at_mut(start);
            let layer_in: &[f32] = if l == 0 {
                inputs
            } else {
                &before[ws.offsets[l - 1]..]
            };
            let z = &mut rest[..batch * shape.outputs];
            let bias = &self.parameters()[shape.bias()];
            let weights = &self.parameters()[shape.weights()];
            let whole = kernel.rows_independent(shape.outputs, shape.inputs, smallest);
            let activation = arch.activation(l);
            // The biases and the product (`Kernel::forward` starts each row at
            // the bias), then the activation, over some shards' rows.
            let layer = |shards: &[ShardPass],
                         z: &mut [f32],
                         x: &[f32],
                         kernel: Kernel,
                         threads,
                         scratch: &mut Vec<f32>| {
                for_row_blocks(shards, whole, |range| {
                    kernel.forward(
                        &mut z[range.start * shape.outputs..range.end * shape.outputs],
                        &x[range.start * shape.inputs..range.end * shape.inputs],
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
                let inner = self.kernel(threads / blocks);
                let x = Rows {
                    values: &layer_in[..batch * shape.inputs],
                    width: shape.inputs,
                };
                by_shard_blocks(shards, blocks, z, shape.outputs, [x], &|s, z, [x]| {
                    // Each block's thread has a scratch of its own for the
                    // transposed product (grown once, then reused every step).
                    BLOCK_SCRATCH.with_borrow_mut(|scratch| layer(s, z, x, inner, 1, scratch));
                });
            } else {
                layer(shards, z, layer_in, kernel, threads, &mut ws.scratch);
            }
        }
        // Output deltas and losses, shard by shard.
        let last = self.layers().len() - 1;
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
        for l in (0..=last).rev() {
            let shape = self.layers()[l];
            let layer_in: &[f32] = if l == 0 {
                inputs
            } else {
                &ws.outputs[ws.offsets[l - 1]..ws.offsets[l]]
            };
            let delta = &ws.delta[..batch * shape.outputs];
            match &mut gradients {
                // All shards into one buffer, block after block of output rows.
                ShardGradients::Summed(sum) => {
                    let sum = sum.as_mut_slice();
                    let (weights_part, bias_part) = split_layer(sum, shape);
                    add_shard_gradients(
                        kernel,
                        threads,
                        weights_part,
                        bias_part,
                        delta,
                        layer_in,
                        shape,
                        rows,
                        starts,
                        &mut ws.scratch,
                    );
                }
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
                        let one = self.kernel(1);
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
                let delta_prev = &mut ws.delta_prev[..batch * shape.inputs];
                let weights = &self.parameters()[shape.weights()];
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
                let blocks =
                    blocks_for(threads, shards.len(), batch * shape.inputs * shape.outputs);
                if blocks > 1 {
                    let inner = self.kernel(threads / blocks);
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
                std::mem::swap(&mut ws.delta, &mut ws.delta_prev);
            }
        }
        Ok(())
    }
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

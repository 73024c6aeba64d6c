//! Backpropagation of a whole batch of shards in one pass: the trainer's plan
//! for large steps, with every shard's gradient in its own buffer.

use rayon::prelude::*;

use crate::error::{CoreError, Result};
use crate::loss::Targets;
use crate::network::{Gradients, Network, Workspace};
use crate::products::{Kernel, bias_gradient, by_rows, times_derivative};

impl Network {
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
    /// depend on how many rows the call has ([`crate::rows_never_change_a_value`]);
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
        if let Some(s) = shards
            .iter()
            .find(|s| s.gradients.as_slice().len() != self.parameters().len())
        {
            return Err(CoreError::GradientShape {
                expected: self.parameters().len(),
                got: s.gradients.as_slice().len(),
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
            by_rows(threads, z, shape.outputs, |rows| {
                for row in rows.chunks_exact_mut(bias.len()) {
                    row.copy_from_slice(bias);
                }
            });
            let weights = &self.parameters()[shape.weights()];
            let whole = kernel.rows_independent(shape.outputs, shape.inputs, smallest);
            for_row_blocks(shards, whole, |range| {
                kernel.forward(
                    &mut z[range.start * shape.outputs..range.end * shape.outputs],
                    &layer_in[range.start * shape.inputs..range.end * shape.inputs],
                    weights,
                    *shape,
                );
            });
            let activation = arch.activation(l);
            by_rows(threads, z, shape.outputs, |rows| {
                activation.apply(rows, shape.outputs);
            });
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
            let shape = self.layers()[l];
            let layer_in: &[f32] = if l == 0 {
                inputs
            } else {
                &ws.outputs[ws.offsets[l - 1]..ws.offsets[l]]
            };
            let delta = &ws.delta[..batch * shape.outputs];
            // One product per shard: side by side, one thread each, when there
            // are shards enough for the threads; else one after another, each
            // split across the threads. Either way each value's sum keeps its order.
            let weight_gradient = |shard: &mut ShardPass, start: usize, kernel: Kernel| {
                let range = start..start + shard.rows;
                let delta_s = &delta[range.start * shape.outputs..range.end * shape.outputs];
                let gradients = shard.gradients.as_mut_slice();
                kernel.weight_gradient(
                    &mut gradients[shape.weights()],
                    delta_s,
                    &layer_in[range.start * shape.inputs..range.end * shape.inputs],
                    shape,
                );
                bias_gradient(&mut gradients[shape.bias()], delta_s);
            };
            if threads > 1 && shards.len() >= threads {
                let one = self.kernel(1);
                shards
                    .par_iter_mut()
                    .zip(starts.par_iter().copied())
                    .for_each(|(shard, start)| weight_gradient(shard, start, one));
            } else {
                for (shard, &start) in shards.iter_mut().zip(&starts) {
                    weight_gradient(shard, start, kernel);
                }
            }
            if l > 0 {
                let delta_prev = &mut ws.delta_prev[..batch * shape.inputs];
                let weights = &self.parameters()[shape.weights()];
                let whole = kernel.rows_independent(shape.inputs, shape.outputs, smallest);
                for_row_blocks(shards, whole, |range| {
                    kernel.back(
                        &mut delta_prev[range.start * shape.inputs..range.end * shape.inputs],
                        &delta[range.start * shape.outputs..range.end * shape.outputs],
                        weights,
                        shape,
                    );
                });
                let hidden = arch.activation(l - 1);
                times_derivative(threads, hidden, delta_prev, layer_in, shape.inputs);
                std::mem::swap(&mut ws.delta, &mut ws.delta_prev);
            }
        }
        Ok(())
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

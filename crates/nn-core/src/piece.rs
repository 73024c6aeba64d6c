//! A piece of a mini-batch's gradient, summed by a process that ran the
//! backward pass on only some of the batch's shards.
//!
//! Data-parallel processes (nn-dist) can each sum every shard's gradient over
//! their own piece of the parameters, instead of sending each other whole
//! gradients: a piece's weight gradient `-D^T X` needs only the deltas of its
//! output rows and the layer's inputs, and those are a small fraction of a
//! gradient's size for a mini-batch of a few hundred samples. The pass keeps
//! each layer's deltas ([`ShardGradients::Kept`](crate::ShardGradients::Kept));
//! the processes exchange their rows of deltas and layer outputs; then
//! [`Network::piece_gradient`] adds the piece's products shard after shard,
//! as [`ShardGradients::Summed`](crate::ShardGradients::Summed) adds every
//! row's. A piece is made of whole weight rows (and any run of biases), so
//! gemm's split of a product by output rows never cuts the sum over the
//! samples: each value has the bits one process gives it.

use std::ops::Range;

use crate::architecture::{Architecture, LayerShape};
use crate::error::{CoreError, Result};
use crate::gradient_sum::{LayerInputs, LayerPiece, ShardOperands, add_shard_gradients};
use crate::network::{Gradients, Network, Workspace};
use crate::products::Kernel;

/// Where [`ShardGradients::Kept`](crate::ShardGradients::Kept) leaves each
/// layer's deltas: a buffer of the whole mini-batch's rows
/// ([`batch_layers`]), of which the pass fills its own.
#[derive(Debug)]
pub struct KeptDeltas<'a> {
    /// Every layer's deltas, layer after layer, each `[batch, width]`.
    pub deltas: &'a mut [f32],
    /// Rows of the whole mini-batch.
    pub batch: usize,
    /// The batch row of the pass's first row.
    pub first_row: usize,
}

impl KeptDeltas<'_> {
    /// An error unless the buffer holds `rows` rows of the pass from `first_row`.
    pub(crate) fn check(&self, arch: &Architecture, rows: usize) -> Result<()> {
        let expected = batch_layers(arch, self.batch).end;
        if self.deltas.len() != expected {
            return Err(CoreError::RowBuffer {
                what: "values in the kept deltas",
                expected,
                got: self.deltas.len(),
            });
        }
        if self.first_row + rows > self.batch {
            return Err(CoreError::TargetWidth {
                expected: self.batch - self.first_row.min(self.batch),
                got: rows,
            });
        }
        Ok(())
    }

    /// Layer `l`'s deltas of the pass's `rows` rows.
    pub(crate) fn layer_mut(&mut self, arch: &Architecture, l: usize, rows: usize) -> &mut [f32] {
        let width = arch.sizes[l + 1];
        let start = batch_layer(arch, l, self.batch).start + self.first_row * width;
        &mut self.deltas[start..start + rows * width]
    }
}

/// The values of a buffer holding every weight layer's `[batch, width]`
/// rows, layer after layer: `0..` its length.
pub fn batch_layers(arch: &Architecture, batch: usize) -> Range<usize> {
    0..batch * arch.sizes[1..].iter().sum::<usize>()
}

/// Weight layer `l`'s `[batch, width]` values in a [`batch_layers`] buffer.
pub fn batch_layer(arch: &Architecture, l: usize, batch: usize) -> Range<usize> {
    let start = batch * arch.sizes[1..=l].iter().sum::<usize>();
    start..start + batch * arch.sizes[l + 1]
}

/// A mini-batch as [`Network::piece_gradient`] reads it: the local shards'
/// rows where this process's pass left them, the others' where they arrived.
#[derive(Debug, Clone, Copy)]
pub struct PieceBatch<'a> {
    /// Rows of every shard of the mini-batch, in shard order.
    pub shard_rows: &'a [usize],
    /// The shards this process ran the pass on (its workspace holds their
    /// layer outputs).
    pub local: (usize, usize),
    /// The pass's inputs: the local shards' rows.
    pub local_inputs: &'a [f32],
    /// The mini-batch's inputs, `[batch, inputs]`: the other shards' rows are read.
    pub inputs_elsewhere: &'a [f32],
    /// Every layer's outputs but the last's, a [`batch_layers`] buffer (the
    /// last layer's values unused): the other shards' rows are read.
    pub outputs_elsewhere: &'a [f32],
    /// Every layer's deltas, a [`batch_layers`] buffer with every shard's rows.
    pub deltas: &'a [f32],
}

impl Architecture {
    /// Whether `piece` of the parameters holds any of weight layer `l`'s
    /// (false past the last layer): its sum then reads the layer's deltas,
    /// and, unless `l` is the first layer, its inputs (layer `l - 1`'s outputs).
    pub fn piece_holds_layer(&self, piece: &Range<usize>, l: usize) -> bool {
        !piece.is_empty()
            && self.shapes().nth(l).is_some_and(|shape| {
                piece.start < shape.bias().end && shape.weights().start < piece.end
            })
    }

    /// The parameter position nearest `at` that does not cut a row of
    /// weights: `at` itself between layers or among a layer's biases, else
    /// the closer end of its row (the earlier at a tie). Pieces of the
    /// parameters cut there are what [`Network::piece_gradient`] sums.
    pub fn row_boundary(&self, at: usize) -> usize {
        for shape in self.shapes() {
            let weights = shape.weights();
            if weights.start < at && at < weights.end {
                let into = (at - weights.start) % shape.inputs;
                return if into * 2 <= shape.inputs {
                    at - into
                } else {
                    at - into + shape.inputs
                };
            }
        }
        at
    }
}

impl Network {
    /// `sum[piece] = ` the mini-batch's gradient over `piece` of the
    /// parameters: every shard's, added in shard order, bit for bit what
    /// [`ShardGradients::Summed`](crate::ShardGradients::Summed) leaves there
    /// on one process. Call it after a pass with
    /// [`ShardGradients::Kept`](crate::ShardGradients::Kept) over the local
    /// shards with `workspace`, once `batch` holds the other shards' rows. The
    /// rest of `sum` is left as it is. `piece` must start and end on
    /// [`Architecture::row_boundary`]s. Products use [`Workspace::threads`].
    pub fn piece_gradient(
        &self,
        piece: Range<usize>,
        batch: &PieceBatch<'_>,
        sum: &mut Gradients,
        workspace: &mut Workspace,
    ) -> Result<()> {
        let arch = self.architecture();
        let params = self.parameters().len();
        if sum.as_slice().len() != params {
            return Err(CoreError::GradientShape {
                expected: params,
                got: sum.as_slice().len(),
            });
        }
        if piece.start > piece.end
            || piece.end > params
            || arch.row_boundary(piece.start) != piece.start
            || arch.row_boundary(piece.end) != piece.end
        {
            return Err(CoreError::InvalidPiece {
                start: piece.start,
                end: piece.end,
                parameters: params,
            });
        }
        let rows: usize = batch.shard_rows.iter().sum();
        let (first_local, end_local) = batch.local;
        let local_rows: usize = batch.shard_rows[first_local..end_local].iter().sum();
        let want = batch_layers(arch, rows).end;
        let sizes = [
            ("values in the kept deltas", batch.deltas.len(), want),
            (
                "values in the layer outputs",
                batch.outputs_elsewhere.len(),
                want,
            ),
            (
                "values in the inputs",
                batch.inputs_elsewhere.len(),
                rows * arch.inputs(),
            ),
            (
                "values in the local inputs",
                batch.local_inputs.len(),
                local_rows * arch.inputs(),
            ),
        ];
        if let Some(&(what, got, expected)) = sizes.iter().find(|(_, got, want)| got != want) {
            return Err(CoreError::RowBuffer {
                what,
                expected,
                got,
            });
        }
        if local_rows > 0 && workspace.batch != local_rows {
            return Err(CoreError::RowBuffer {
                what: "rows in the workspace's last pass",
                expected: local_rows,
                got: workspace.batch,
            });
        }
        let ws = workspace;
        let threads = ws.threads();
        let kernel = Kernel::for_layers(self.layers(), threads);
        let mut starts = std::mem::take(&mut ws.shard_starts);
        starts.clear();
        starts.extend(batch.shard_rows.iter().scan(0, |start, &n| {
            *start += n;
            Some(*start - n)
        }));
        let sum = sum.as_mut_slice();
        for (l, &shape) in self.layers().iter().enumerate() {
            let Some(layer) = layer_piece(shape, &piece) else {
                continue;
            };
            let (local_x, elsewhere) = if l == 0 {
                (batch.local_inputs, batch.inputs_elsewhere)
            } else {
                (
                    &ws.outputs[ws.offsets[l - 1]..ws.offsets[l]],
                    &batch.outputs_elsewhere[batch_layer(arch, l - 1, rows)],
                )
            };
            let shards = ShardOperands {
                rows: batch.shard_rows,
                starts: &starts,
                delta: &batch.deltas[batch_layer(arch, l, rows)],
                x: LayerInputs {
                    first_local,
                    end_local,
                    local_rows: local_x,
                    elsewhere,
                },
            };
            let weights = shape.weight_offset + layer.rows.start * shape.inputs
                ..shape.weight_offset + layer.rows.end * shape.inputs;
            let bias = shape.bias_offset + layer.bias.start..shape.bias_offset + layer.bias.end;
            let (before_bias, from_bias) = sum.split_at_mut(bias.start);
            add_shard_gradients(
                kernel,
                threads,
                &mut before_bias[weights],
                &mut from_bias[..bias.len()],
                shards,
                shape,
                &layer,
                &mut ws.scratch,
                None,
            );
        }
        ws.shard_starts = starts;
        Ok(())
    }
}

/// The part of layer `shape` inside `piece`, or `None` when it has none.
fn layer_piece(shape: LayerShape, piece: &Range<usize>) -> Option<LayerPiece> {
    let overlap = |r: Range<usize>| r.start.max(piece.start)..r.end.min(piece.end).max(r.start);
    let (w, b) = (overlap(shape.weights()), overlap(shape.bias()));
    let row = |at: usize| (at - shape.weight_offset) / shape.inputs;
    let rows = if w.is_empty() {
        0..0
    } else {
        row(w.start)..row(w.end)
    };
    let bias = if b.is_empty() {
        0..0
    } else {
        b.start - shape.bias_offset..b.end - shape.bias_offset
    };
    (!rows.is_empty() || !bias.is_empty()).then_some(LayerPiece { rows, bias })
}

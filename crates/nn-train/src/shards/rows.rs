//! A step whose processes each sum their own piece of every shard's gradient
//! ([`GradientReduction::row_exchange`](crate::GradientReduction::row_exchange)):
//! the pass keeps each layer's deltas for the local rows, the processes trade
//! the rows their pieces read, and each adds its piece's products shard after
//! shard ([`Network::piece_gradient`]). The buffers for the whole batch's rows
//! live here, kept from step to step.

use std::ops::Range;
use std::time::{Duration, Instant};

use nn_core::{Architecture, Gradients, KeptDeltas, Network, PieceBatch, Workspace, batch_layers};
use nn_data::{Dataset, Normalization};

use crate::error::TrainError;
use crate::reduction::{BatchRows, RowExchange};

/// The whole batch's rows a piece reads: deltas and layer outputs (the other
/// processes' arrive by the exchange) and inputs (the others' gathered here).
#[derive(Debug, Default)]
pub(super) struct RowBuffers {
    deltas: Vec<f32>,
    outputs: Vec<f32>,
    inputs: Vec<f32>,
    shard_rows: Vec<usize>,
}

impl RowBuffers {
    /// Sized for a batch of `indices` cut into shards of `shard_size`, and
    /// where the pass over `local_rows` of it keeps its deltas.
    pub(super) fn kept(
        &mut self,
        arch: &Architecture,
        indices: &[usize],
        shard_size: usize,
        local_rows: &Range<usize>,
    ) -> KeptDeltas<'_> {
        let batch = indices.len();
        let len = batch_layers(arch, batch).end;
        self.deltas.resize(len, 0.0);
        self.outputs.resize(len, 0.0);
        self.shard_rows.clear();
        self.shard_rows
            .extend(indices.chunks(shard_size).map(<[usize]>::len));
        KeptDeltas {
            deltas: &mut self.deltas,
            batch,
            first_row: local_rows.start,
        }
    }

    /// After the pass over the local shards: the exchange, the other shards'
    /// inputs gathered, and this process's `piece` of the gradient summed into
    /// `sum`. Returns the time the exchange took (its waits are the other
    /// processes', not this step's work).
    #[allow(clippy::too_many_arguments)] // the network, the batch's data and samples, the pass's results, the exchange
    pub(super) fn sum_piece(
        &mut self,
        network: &Network,
        data: &Dataset,
        normalization: &Normalization,
        indices: &[usize],
        local: Range<usize>,
        local_inputs: &[f32],
        workspace: &mut Workspace,
        exchange: &mut dyn RowExchange,
        piece: Range<usize>,
        sum: &mut Gradients,
    ) -> Result<Duration, TrainError> {
        let arch = network.architecture();
        let mut rows = BatchRows {
            architecture: arch,
            shard_rows: &self.shard_rows,
            local: local.clone(),
            workspace,
            deltas: &mut self.deltas,
            outputs: &mut self.outputs,
        };
        let started = Instant::now();
        exchange.exchange(&mut rows)?;
        let exchanged = started.elapsed();
        let mine = rows.rows_of(local.clone());
        let dim = data.dim();
        self.inputs.resize(indices.len() * dim, 0.0);
        let (before, from_mine) = self.inputs.split_at_mut(mine.start * dim);
        data.write_batch_inputs(&indices[..mine.start], normalization, before);
        let after = &mut from_mine[mine.len() * dim..];
        data.write_batch_inputs(&indices[mine.end..], normalization, after);
        let batch = PieceBatch {
            shard_rows: &self.shard_rows,
            local: (local.start, local.end),
            local_inputs,
            inputs_elsewhere: &self.inputs,
            outputs_elsewhere: &self.outputs,
            deltas: &self.deltas,
        };
        network.piece_gradient(piece, &batch, sum, workspace)?;
        Ok(exchanged)
    }
}

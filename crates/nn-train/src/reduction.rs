//! The seam between computing shard gradients and applying their sum.
//!
//! A mini-batch is cut into shards whose size depends only on the batch size.
//! A [`GradientReduction`] decides which of them this process computes and how
//! the shard results of all processes become one sum, added in shard order
//! (`((g0 + g1) + g2) + ...`), the same on every process. [`LocalSum`] is one
//! process computing every shard; another crate (nn-dist) spreads the shards
//! over MPI ranks without nn-train knowing anything of MPI.

use std::fmt;
use std::ops::Range;

use nn_core::{Architecture, Workspace, batch_layer};

use crate::error::TrainError;

/// How the shards of each mini-batch are computed and summed, on one process or many.
///
/// Contract: after [`GradientReduction::reduce`] returns, every process holds,
/// for every shard of the batch, its loss sum and outputs, and the shards'
/// gradients added in shard order in shard 0's buffer ([`BatchShards::sum`]).
/// Adding in that order on every process is what keeps the weights the same,
/// bit for bit, whatever the number of processes and threads.
pub trait GradientReduction: Send + fmt::Debug {
    /// The shards, of a batch cut into `shards`, that this process computes.
    /// The others are computed elsewhere and arrive through `reduce`.
    fn local_shards(&self, shards: usize) -> Range<usize>;

    /// Completes the batch: brings in the shards computed elsewhere and leaves
    /// their in-order gradient sum in [`BatchShards::sum`].
    fn reduce(&mut self, batch: &mut BatchShards<'_>) -> Result<(), TrainError>;

    /// The parameters whose optimizer step this process takes when the
    /// processes share the step, or `None` (the default) when each takes all
    /// of it. In a step shared so ([`BatchShards::step_shared`]), `reduce` need
    /// leave the sum only over this range; the trainer steps these parameters,
    /// then [`GradientReduction::share_step`] brings in the others. With a
    /// [`GradientReduction::row_exchange`], the range starts and ends on
    /// [`Architecture::row_boundary`]s.
    fn step_range(&self, architecture: &Architecture) -> Option<Range<usize>> {
        let _ = architecture;
        None
    }

    /// For a step shared by the processes, of a network of `architecture`, in
    /// a batch of `samples` cut into shards of `shard_size`: the exchange of
    /// rows through which each process sums its own
    /// [`GradientReduction::step_range`] of every shard's gradient itself
    /// ([`nn_core::Network::piece_gradient`]), instead of receiving the other
    /// shards' gradients; or `None` (the default) to be sent shard gradients.
    /// The answer must be the same on every process, and `Some` only when
    /// every process computes a shard. After the exchange, `reduce` finds the
    /// sum over this process's range in place ([`BatchShards::pieces_summed`]).
    fn row_exchange(
        &mut self,
        architecture: &Architecture,
        samples: usize,
        shard_size: usize,
    ) -> Option<&mut dyn RowExchange> {
        let _ = (architecture, samples, shard_size);
        None
    }

    /// After a shared step: every process's stepped parameters to every
    /// process, and the optimizer's state too when [`SharedStep::whole_state`]
    /// or a stop was agreed in this step (whenever a checkpoint may follow),
    /// so that any process holds the one-process run's whole state then.
    fn share_step(&mut self, step: SharedStep<'_>) -> Result<(), TrainError> {
        let _ = step;
        Ok(())
    }

    /// Whether `reduce` needs each shard's gradient in its own buffer. A
    /// reduction that answers `false` computes every shard here and only adds
    /// them in order: the trainer may then add them as it computes them (a
    /// large step, `Network::backward_shards` with `ShardGradients::Summed`),
    /// the same bits without a buffer per shard, and skip `reduce` for that step.
    fn needs_each_shard(&self) -> bool {
        true
    }
}

/// Brings each process the rows of the others that its piece of the gradient
/// reads ([`GradientReduction::row_exchange`]).
pub trait RowExchange: Send {
    /// Fills the other processes' rows of `rows`' deltas and layer outputs
    /// wherever this process's piece reads them: a layer's deltas wherever the
    /// piece holds some of the layer's parameters, the layer's inputs (the
    /// layer before's outputs) too when that layer is not the first (every
    /// process gathers the inputs from the data itself).
    fn exchange(&mut self, rows: &mut BatchRows<'_>) -> Result<(), TrainError>;
}

/// The rows of one mini-batch as a [`RowExchange`] sees them.
pub struct BatchRows<'a> {
    pub(crate) architecture: &'a Architecture,
    pub(crate) shard_rows: &'a [usize],
    pub(crate) local: Range<usize>,
    /// The pass's workspace: the local rows' layer outputs.
    pub(crate) workspace: &'a Workspace,
    /// Every layer's deltas for every row of the batch (`nn_core::batch_layers`).
    pub(crate) deltas: &'a mut [f32],
    /// Every layer's outputs for every row of the batch, the local rows unused.
    pub(crate) outputs: &'a mut [f32],
}

impl fmt::Debug for BatchRows<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchRows")
            .field("shard_rows", &self.shard_rows)
            .field("local", &self.local)
            .finish_non_exhaustive()
    }
}

/// One weight layer of a [`BatchRows`].
#[derive(Debug)]
pub struct LayerRows<'a> {
    /// Values per row: the layer's outputs.
    pub width: usize,
    /// The layer's deltas, `[batch, width]`: this process's rows filled, the
    /// others' to fill.
    pub deltas: &'a mut [f32],
    /// The layer's outputs, `[batch, width]`: the other processes' rows to
    /// fill (this process's rows are in `local_outputs`).
    pub outputs: &'a mut [f32],
    /// The layer's outputs for this process's rows, `[local rows, width]`.
    pub local_outputs: &'a [f32],
}

impl BatchRows<'_> {
    /// The network's shape.
    pub fn architecture(&self) -> &Architecture {
        self.architecture
    }

    /// Rows of each shard of the batch, in shard order.
    pub fn shard_rows(&self) -> &[usize] {
        self.shard_rows
    }

    /// The shards this process computed.
    pub fn local(&self) -> Range<usize> {
        self.local.clone()
    }

    /// Rows of the batch that shards `shards` cover.
    pub fn rows_of(&self, shards: Range<usize>) -> Range<usize> {
        let first = |k: usize| self.shard_rows[..k].iter().sum::<usize>();
        first(shards.start)..first(shards.end)
    }

    /// Every weight layer's rows, first layer first.
    pub fn layers(&mut self) -> Vec<LayerRows<'_>> {
        let batch: usize = self.shard_rows.iter().sum();
        let arch = self.architecture;
        let workspace = self.workspace;
        let (mut deltas, mut outputs) = (&mut *self.deltas, &mut *self.outputs);
        (0..arch.sizes.len() - 1)
            .map(|l| {
                let len = batch_layer(arch, l, batch).len();
                let (d, rest_d) = std::mem::take(&mut deltas).split_at_mut(len);
                let (o, rest_o) = std::mem::take(&mut outputs).split_at_mut(len);
                (deltas, outputs) = (rest_d, rest_o);
                LayerRows {
                    width: arch.sizes[l + 1],
                    deltas: d,
                    outputs: o,
                    local_outputs: workspace.layer_output(l),
                }
            })
            .collect()
    }
}

/// The optimizer step of one batch, after this process stepped its
/// [`GradientReduction::step_range`] of it.
#[derive(Debug)]
pub struct SharedStep<'a> {
    /// The network's parameters, current in this process's range.
    pub params: &'a mut [f32],
    /// The optimizer's state buffers (first and second moment), each empty or
    /// one value per parameter, current in this process's range.
    pub state: [&'a mut [f32]; 2],
    /// Whether the state must be whole on every process after this step (the
    /// epoch's last step): a checkpoint may be written.
    pub whole_state: bool,
}

/// Today's single-process step: this process computes every shard and adds
/// them in order, split by parameter range across its threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalSum;

impl GradientReduction for LocalSum {
    fn local_shards(&self, shards: usize) -> Range<usize> {
        0..shards
    }

    fn reduce(&mut self, batch: &mut BatchShards<'_>) -> Result<(), TrainError> {
        let all = 0..batch.parameters();
        batch.sum_in_order(all);
        Ok(())
    }

    fn needs_each_shard(&self) -> bool {
        false
    }
}

/// One shard of a batch as a reduction sees it.
#[derive(Debug)]
pub struct ShardView<'a> {
    /// Whether this process computed the shard (its fields are then filled in).
    pub local: bool,
    /// The shard's gradient of the batch-mean loss, one value per parameter
    /// (empty when [`BatchShards::pieces_summed`]).
    pub gradients: &'a mut [f32],
    /// The summed loss of the shard's samples.
    pub loss_sum: &'a mut f64,
    /// The network's outputs for the shard's samples, `[samples, outputs]` row-major.
    pub outputs: &'a mut [f32],
}

/// The shards of one mini-batch, handed to [`GradientReduction::reduce`].
pub struct BatchShards<'a> {
    pub(crate) architecture: &'a Architecture,
    pub(crate) pieces_summed: bool,
    pub(crate) shards: &'a mut [crate::shards::Shard],
    pub(crate) local: Range<usize>,
    pub(crate) parameters: usize,
    pub(crate) pool: &'a rayon::ThreadPool,
    pub(crate) step_shared: bool,
}

impl fmt::Debug for BatchShards<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchShards")
            .field("shards", &self.shards.len())
            .field("local", &self.local)
            .field("parameters", &self.parameters)
            .field("step_shared", &self.step_shared)
            .finish_non_exhaustive()
    }
}

impl BatchShards<'_> {
    /// Shards in the batch.
    pub fn len(&self) -> usize {
        self.shards.len()
    }

    /// True for an empty batch (never passed to a reduction).
    pub fn is_empty(&self) -> bool {
        self.shards.is_empty()
    }

    /// The shards this process computed.
    pub fn local(&self) -> Range<usize> {
        self.local.clone()
    }

    /// The network's shape.
    pub fn architecture(&self) -> &Architecture {
        self.architecture
    }

    /// Whether this process summed its piece of every shard's gradient
    /// already, after a [`GradientReduction::row_exchange`]: the sum over its
    /// [`GradientReduction::step_range`] is in [`BatchShards::sum`], and the
    /// shards' own gradient buffers hold nothing.
    pub fn pieces_summed(&self) -> bool {
        self.pieces_summed
    }

    /// Values in each gradient buffer: the network's parameter count.
    pub fn parameters(&self) -> usize {
        self.parameters
    }

    /// Whether the processes share this batch's optimizer step
    /// ([`GradientReduction::step_range`]): the sum is then needed only over
    /// this process's range.
    pub fn step_shared(&self) -> bool {
        self.step_shared
    }

    /// Every shard, in shard order.
    pub fn views(&mut self) -> impl ExactSizeIterator<Item = ShardView<'_>> {
        let local = self.local.clone();
        self.shards
            .iter_mut()
            .enumerate()
            .map(move |(k, shard)| shard.view(local.contains(&k)))
    }

    /// Adds shards `1..` into shard 0 over the parameters `params`, in shard
    /// order, split by parameter range across this process's threads. Reads
    /// only `params` of every shard.
    pub fn sum_in_order(&mut self, params: Range<usize>) {
        crate::shards::sum_in_order(self.shards, params, self.pool);
    }

    /// Shard 0's gradient buffer, where the batch's sum must end up.
    pub fn sum(&mut self) -> &mut [f32] {
        self.shards[0].gradients_mut()
    }

    /// This process's worker threads, for parallel work inside a reduction.
    pub fn pool(&self) -> &rayon::ThreadPool {
        self.pool
    }
}

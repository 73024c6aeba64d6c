//! [`OrderedReduction`]: every shard's gradient summed in shard order, so N
//! ranks give the weights of one process bit for bit.
//!
//! Each rank owns a piece of the parameters ([`layout::piece`]: its
//! [`layout::block`] of `0..P`, moved to the nearest ends of rows of weights)
//! and sums every shard's gradient over it. Per step, with `S` shards over
//! `N` ranks, when every rank has a shard (`S >= N`), the step is shared
//! (below) and rows move fewer values into the busiest rank than shard
//! gradients would ([`layout::rows_move_less`]: not for tiny layers at large
//! batches), rank `r` sums its piece from rows ([`RowExchange`]):
//! 1. after its pass over its shards, which keeps each layer's deltas, it
//!    sends its rows of a layer's deltas to every rank whose piece holds some
//!    of the layer, and its rows of a layer's outputs to every rank whose
//!    piece holds some of the next layer, and receives the rows its own piece
//!    reads (every rank gathers the inputs from the data itself);
//! 2. adds its piece's products `-D_s^T X_s` shard after shard into one buffer
//!    (nn-core's `Network::piece_gradient`), as one process adds every row's.
//!
//! Otherwise it sums its piece from shard gradients:
//! 1. it sends piece `j` of each of its shards' gradients to rank `j`, and
//!    receives its own piece of every other shard;
//! 2. it adds its piece over all `S` shards in shard order, `((g0 + g1) + g2) +
//!    ...`, exactly as one process does (nn-train's `BatchShards::sum_in_order`);
//! 3. and, when the step is not shared, gathers every rank's summed piece, so
//!    each holds the sum (each piece sent from and received into its place,
//!    [`OrderedReduction::gather_pieces`]).
//!
//! Either way it then gathers every shard's loss and outputs (for the metrics)
//! with one more small allgather, which also carries each rank's stop request.
//!
//! The optimizer step is shared ([`GradientReduction::step_range`]) unless the
//! run clips the gradient's norm: each rank steps the parameters of its own
//! piece (every parameter's update reads only its own values, so the bits are
//! one process's), and a gather moves the stepped parameters instead of the
//! summed gradient: as many bytes, and each rank runs the optimizer over `1/N`
//! of the parameters instead of all of them (for W2's Adam, a third of a
//! rank's step). The optimizer's state stays current only in a rank's own
//! piece, so at the epoch's last step, and after a step in which the ranks
//! agreed to stop, two more gathers make it whole on every rank: whatever a
//! rank then writes to a checkpoint is one process's.
//!
//! A plain allreduce would move fewer bytes than shard gradients, but MPI adds
//! the ranks' partial sums in an order of its own (`(g0 + g1) + (g2 + g3)`),
//! which changes the last bits of the weights. Shard gradients move `(S/N + 1)
//! (N-1)/N P` values per rank, counting the gather, against the ring
//! allreduce's `2 (N-1)/N P`: the same when each rank has one shard, 1.5 times
//! for two. Rows move, per rank, at most the other ranks' rows of every
//! layer's deltas and outputs, plus the gather's `(N-1)/N P`: for W2
//! (784-256-128-10, batch 128, 2 ranks) 50 thousand values received and 118
//! thousand gathered, against 353 thousand (figures in docs/scaling.md).

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use mpi::Count;
use mpi::datatype::PartitionMut;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, CommunicatorCollectives, Destination, Source};
use nn_core::Architecture;
use nn_train::{
    BatchRows, BatchShards, GradientReduction, RowExchange, ShardView, SharedStep, TrainError,
};

use crate::job::{ReduceStats, StopFlags};
use crate::layout;

/// The tag of [`OrderedReduction::gather_pieces`]'s messages (a shard's are its
/// index): the largest every MPI must accept (the standard's `MPI_TAG_UB` is at
/// least 32,767). Messages between two ranks arrive in order, so a shard's tag
/// equal to it cannot take a piece's place.
const PIECE_TAG: i32 = 32_767;

/// The first tag of [`RowExchange::exchange`]'s messages: layer `l`'s deltas
/// go with `ROW_TAG + 2 l`, its outputs with `ROW_TAG + 2 l + 1`.
const ROW_TAG: i32 = 16_384;

/// The shard-order gradient sum across the ranks of `MPI_COMM_WORLD`.
#[derive(Debug)]
pub(crate) struct OrderedReduction {
    rank: usize,
    ranks: usize,
    stop: StopFlags,
    stats: Arc<ReduceStats>,
    records_out: Vec<f64>,
    records_in: Vec<f64>,
    /// Whether the last `reduce` agreed a stop (the state is then made whole).
    stop_agreed: bool,
    /// The last `reduce`'s time, when its step is shared and not yet complete.
    pending: Option<Duration>,
    /// The last row exchange's time, added to the step's.
    rows_time: Duration,
    /// Each rank's piece of the parameters ([`layout::piece`]), as
    /// of the last `reduce`.
    pieces: Vec<Range<usize>>,
}

impl OrderedReduction {
    /// The reduction for rank `rank` of `ranks`.
    pub(crate) fn new(rank: usize, ranks: usize, stop: StopFlags) -> Self {
        Self {
            rank,
            ranks,
            stop,
            stats: Arc::default(),
            records_out: Vec::new(),
            records_in: Vec::new(),
            stop_agreed: false,
            pending: None,
            rows_time: Duration::ZERO,
            pieces: Vec::new(),
        }
    }

    /// Time spent in the exchange so far, readable while the trainer owns the reduction.
    pub(crate) fn stats(&self) -> Arc<ReduceStats> {
        Arc::clone(&self.stats)
    }

    /// Steps 1 and 2: every rank's piece of every shard meets at the piece's
    /// rank, which adds them in shard order.
    fn sum_pieces(&self, world: &SimpleCommunicator, batch: &mut BatchShards<'_>) {
        let (rank, ranks) = (self.rank, self.ranks);
        let shards = batch.len();
        let mine = self.pieces[rank].clone();
        let mut views: Vec<ShardView<'_>> = batch.views().collect();
        mpi::request::multiple_scope(shards * ranks, |scope, requests| {
            for (k, view) in views.iter_mut().enumerate() {
                let tag = k as i32;
                if view.local {
                    let gradients: &[f32] = view.gradients;
                    for to in (0..ranks).filter(|&j| j != rank) {
                        let piece = &gradients[self.pieces[to].clone()];
                        let send = world
                            .process_at_rank(to as i32)
                            .immediate_send_with_tag(scope, piece, tag);
                        requests.add(send);
                    }
                } else {
                    let from = layout::owner(k, ranks, shards) as i32;
                    let receive = world.process_at_rank(from).immediate_receive_into_with_tag(
                        scope,
                        &mut view.gradients[mine.clone()],
                        tag,
                    );
                    requests.add(receive);
                }
            }
            let mut done = Vec::with_capacity(requests.incomplete());
            requests.wait_all(&mut done);
        });
        drop(views);
        batch.sum_in_order(mine);
    }

    /// Step 3: every rank's summed piece to every rank, into shard 0's buffer.
    fn gather_sum(&self, world: &SimpleCommunicator, batch: &mut BatchShards<'_>) {
        self.gather_pieces(world, batch.sum());
    }

    /// Every rank's piece of `values` (one per parameter) to every rank: each
    /// rank's piece is sent straight from its place and received straight into
    /// its place. (MPI's allgather would copy this rank's piece out and back in,
    /// two passes over half the parameters on two ranks, since rsmpi offers no
    /// `MPI_IN_PLACE`; the bytes between the ranks are the same.)
    fn gather_pieces(&self, world: &SimpleCommunicator, values: &mut [f32]) {
        let (rank, ranks) = (self.rank, self.ranks);
        debug_assert_eq!(self.pieces.last().map(|p| p.end), Some(values.len()));
        let mut pieces: Vec<&mut [f32]> = Vec::with_capacity(ranks);
        let mut rest = values;
        for j in 0..ranks {
            let (piece, tail) = rest.split_at_mut(self.pieces[j].len());
            pieces.push(piece);
            rest = tail;
        }
        let (before, from_mine) = pieces.split_at_mut(rank);
        let (mine, after) = from_mine.split_first_mut().expect("this rank's piece");
        let mine: &[f32] = mine;
        mpi::request::multiple_scope(2 * (ranks - 1), |scope, requests| {
            let others = before.iter_mut().enumerate().chain(
                after
                    .iter_mut()
                    .enumerate()
                    .map(|(j, piece)| (rank + 1 + j, piece)),
            );
            for (j, piece) in others {
                let peer = world.process_at_rank(j as i32);
                requests.add(peer.immediate_send_with_tag(scope, mine, PIECE_TAG));
                requests.add(peer.immediate_receive_into_with_tag(scope, &mut **piece, PIECE_TAG));
            }
            let mut done = Vec::with_capacity(requests.incomplete());
            requests.wait_all(&mut done);
        });
    }

    /// Step 4: every shard's loss and outputs, and every rank's stop request, to every rank.
    fn share_records(&mut self, world: &SimpleCommunicator, batch: &mut BatchShards<'_>) {
        let ranks = self.ranks;
        let shards = batch.len();
        let mut views: Vec<ShardView<'_>> = batch.views().collect();
        // Per rank: its stop flag, then (loss, outputs...) of each of its shards.
        let counts: Vec<Count> = (0..ranks)
            .map(|j| {
                let own = layout::block(j, ranks, shards);
                (1 + views[own]
                    .iter()
                    .map(|v| 1 + v.outputs.len())
                    .sum::<usize>()) as Count
            })
            .collect();
        let offsets: Vec<Count> = counts
            .iter()
            .scan(0, |at, &c| {
                let start = *at;
                *at += c;
                Some(start)
            })
            .collect();
        self.records_out.clear();
        self.records_out.push(f64::from(u8::from(
            self.stop.requested.load(Ordering::Relaxed),
        )));
        for view in views.iter().filter(|v| v.local) {
            self.records_out.push(*view.loss_sum);
            self.records_out
                .extend(view.outputs.iter().map(|&o| f64::from(o)));
        }
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        self.records_in.resize(total, 0.0);
        {
            let mut all = PartitionMut::new(&mut self.records_in[..], &counts[..], &offsets[..]);
            world.all_gather_varcount_into(&self.records_out[..], &mut all);
        }
        let mut stop = false;
        for (j, &offset) in offsets.iter().enumerate() {
            let mut at = offset as usize;
            stop |= self.records_in[at] != 0.0;
            at += 1;
            for view in &mut views[layout::block(j, ranks, shards)] {
                let len = view.outputs.len();
                if !view.local {
                    *view.loss_sum = self.records_in[at];
                    // Exact: these are f32 values widened for the trip.
                    for (o, &r) in view.outputs.iter_mut().zip(&self.records_in[at + 1..]) {
                        *o = r as f32;
                    }
                }
                at += 1 + len;
            }
        }
        if stop {
            self.stop.agreed.store(true, Ordering::Relaxed);
        }
        self.stop_agreed = stop;
    }
}

impl GradientReduction for OrderedReduction {
    fn local_shards(&self, shards: usize) -> std::ops::Range<usize> {
        layout::block(self.rank, self.ranks, shards)
    }

    fn reduce(&mut self, batch: &mut BatchShards<'_>) -> Result<(), TrainError> {
        let started = Instant::now();
        let world = SimpleCommunicator::world();
        let architecture = batch.architecture();
        self.pieces = (0..self.ranks)
            .map(|j| layout::piece(j, self.ranks, architecture))
            .collect();
        if !batch.pieces_summed() {
            self.sum_pieces(&world, batch);
        }
        if !batch.step_shared() {
            self.gather_sum(&world, batch);
        }
        self.share_records(&world, batch);
        let spent = started.elapsed() + std::mem::take(&mut self.rows_time);
        if batch.step_shared() {
            self.pending = Some(spent);
        } else {
            self.stats.add(spent);
        }
        Ok(())
    }

    fn step_range(&self, architecture: &Architecture) -> Option<Range<usize>> {
        Some(layout::piece(self.rank, self.ranks, architecture))
    }

    fn row_exchange(
        &mut self,
        architecture: &Architecture,
        samples: usize,
        shard_size: usize,
    ) -> Option<&mut dyn RowExchange> {
        layout::rows_move_less(architecture, self.ranks, samples, shard_size)
            .then_some(self as &mut dyn RowExchange)
    }

    fn share_step(&mut self, step: SharedStep<'_>) -> Result<(), TrainError> {
        let started = Instant::now();
        let world = SimpleCommunicator::world();
        self.gather_pieces(&world, step.params);
        if step.whole_state || self.stop_agreed {
            for buffer in step.state.into_iter().filter(|b| !b.is_empty()) {
                self.gather_pieces(&world, buffer);
            }
        }
        let reduce = self.pending.take().unwrap_or_default();
        self.stats.add(reduce + started.elapsed());
        Ok(())
    }
}

impl RowExchange for OrderedReduction {
    /// Each rank's rows of a layer's deltas go to every rank whose piece
    /// holds some of the layer's parameters, and its rows of a layer's
    /// outputs to every rank whose piece holds some of the next layer's.
    fn exchange(&mut self, rows: &mut BatchRows<'_>) -> Result<(), TrainError> {
        let started = Instant::now();
        let world = SimpleCommunicator::world();
        let (rank, ranks) = (self.rank, self.ranks);
        let architecture = rows.architecture();
        let layer_count = architecture.sizes.len() - 1;
        // Whether rank j's piece holds any of layer l's parameters.
        let holds: Vec<Vec<bool>> = (0..ranks)
            .map(|j| {
                let piece = layout::piece(j, self.ranks, architecture);
                (0..=layer_count)
                    .map(|l| architecture.piece_holds_layer(&piece, l))
                    .collect()
            })
            .collect();
        let reads = |j: usize, l: usize| holds[j][l];
        let shards = rows.shard_rows().len();
        // Rank j's rows of the batch are bounds[j]..bounds[j + 1].
        let bounds: Vec<usize> = (0..=ranks)
            .map(|j| rows.rows_of(0..(j * shards / ranks)).end)
            .collect();
        let mut layers = rows.layers();
        let messages = 4 * layers.len() * (ranks - 1);
        mpi::request::multiple_scope(messages, |scope, requests| {
            for (l, layer) in layers.iter_mut().enumerate() {
                let width = layer.width;
                let mut deltas = by_rank(std::mem::take(&mut layer.deltas), &bounds, width);
                let mut outputs = by_rank(std::mem::take(&mut layer.outputs), &bounds, width);
                let (delta_tag, output_tag) = (ROW_TAG + 2 * l as i32, ROW_TAG + 2 * l as i32 + 1);
                let mine: &[f32] = std::mem::take::<&mut [f32]>(&mut deltas[rank]);
                let local_outputs: &[f32] = layer.local_outputs;
                for j in (0..ranks).filter(|&j| j != rank) {
                    let peer = world.process_at_rank(j as i32);
                    if reads(j, l) {
                        requests.add(peer.immediate_send_with_tag(scope, mine, delta_tag));
                    }
                    if reads(j, l + 1) {
                        requests.add(peer.immediate_send_with_tag(
                            scope,
                            local_outputs,
                            output_tag,
                        ));
                    }
                    if reads(rank, l) {
                        let their_deltas = std::mem::take(&mut deltas[j]);
                        requests.add(peer.immediate_receive_into_with_tag(
                            scope,
                            their_deltas,
                            delta_tag,
                        ));
                    }
                    if reads(rank, l + 1) {
                        let their_outputs = std::mem::take(&mut outputs[j]);
                        requests.add(peer.immediate_receive_into_with_tag(
                            scope,
                            their_outputs,
                            output_tag,
                        ));
                    }
                }
            }
            let mut done = Vec::with_capacity(requests.incomplete());
            requests.wait_all(&mut done);
        });
        self.rows_time = started.elapsed();
        Ok(())
    }
}

/// `values` (`width` values a row) cut at the rows `bounds`: rank `j`'s rows
/// `bounds[j]..bounds[j + 1]`.
fn by_rank<'a>(values: &'a mut [f32], bounds: &[usize], width: usize) -> Vec<&'a mut [f32]> {
    let mut rest = values;
    bounds
        .windows(2)
        .map(|pair| {
            let (chunk, tail) = std::mem::take(&mut rest).split_at_mut((pair[1] - pair[0]) * width);
            rest = tail;
            chunk
        })
        .collect()
}

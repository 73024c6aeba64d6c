//! The `GradientReduction` seam without MPI: "ranks" as threads, each running
//! its own `Trainer` on the same data and computing only its run of each
//! batch's shards, the results passed around on channels. The weights and the
//! per-epoch metrics must equal one process's, bit for bit, for any rank count.

use std::ops::Range;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Barrier, Mutex};

use nn_core::{Activation, Architecture, Loss};
use nn_run::{DataOptions, DataSpec, load_data};
use nn_train::{
    BatchRows, BatchShards, EpochReport, GradientReduction, OptimizerKind, RowExchange, SharedStep,
    TrainConfig, TrainData, TrainError, Trainer,
};

/// One shard's results, from the rank that computed it.
struct Shard {
    step: u64,
    index: usize,
    gradients: Vec<f32>,
    loss_sum: f64,
    outputs: Vec<f32>,
}

/// A rank that sends its shards to every other rank and adds all of them in order.
#[derive(Debug)]
struct ThreadRank {
    rank: usize,
    ranks: usize,
    step: u64,
    peers: Vec<Sender<Shard>>,
    inbox: Receiver<Shard>,
    /// Shards of the next step, from a rank that got there first.
    early: Vec<Shard>,
}

impl std::fmt::Debug for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "shard {} of step {}", self.index, self.step)
    }
}

impl GradientReduction for ThreadRank {
    fn local_shards(&self, shards: usize) -> Range<usize> {
        self.rank * shards / self.ranks..(self.rank + 1) * shards / self.ranks
    }

    fn reduce(&mut self, batch: &mut BatchShards<'_>) -> Result<(), TrainError> {
        let mut views: Vec<_> = batch.views().collect();
        for (index, view) in views.iter().enumerate().filter(|(_, v)| v.local) {
            for (to, peer) in self.peers.iter().enumerate() {
                if to != self.rank {
                    let shard = Shard {
                        step: self.step,
                        index,
                        gradients: view.gradients.to_vec(),
                        loss_sum: *view.loss_sum,
                        outputs: view.outputs.to_vec(),
                    };
                    peer.send(shard).expect("the peer is alive");
                }
            }
        }
        let mut missing = views.iter().filter(|v| !v.local).count();
        let mut arrived: Vec<Shard> = std::mem::take(&mut self.early);
        while missing > 0 {
            let Some(i) = arrived.iter().position(|s| s.step == self.step) else {
                arrived.push(self.inbox.recv().expect("the peers are alive"));
                continue;
            };
            let shard = arrived.swap_remove(i);
            let view = &mut views[shard.index];
            assert!(!view.local, "{shard:?} was computed here");
            view.gradients.copy_from_slice(&shard.gradients);
            *view.loss_sum = shard.loss_sum;
            view.outputs.copy_from_slice(&shard.outputs);
            missing -= 1;
        }
        self.early = arrived;
        self.step += 1;
        drop(views);
        let all = 0..batch.parameters();
        batch.sum_in_order(all);
        Ok(())
    }
}

fn data() -> Arc<TrainData> {
    let options = DataOptions {
        samples: 500,
        validation_fraction: 0.2,
        ..DataOptions::default()
    };
    Arc::new(load_data(&DataSpec::Generator("spiral".into()), &options).unwrap())
}

fn config(sizes: &[usize], batch: usize, threads: usize) -> TrainConfig {
    let arch = Architecture::new(
        sizes.to_vec(),
        Activation::Tanh,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    TrainConfig {
        optimizer: OptimizerKind::ADAM,
        learning_rate: 0.01,
        batch_size: batch,
        threads,
        epochs: 3,
        // Shards of 16 (the default is at least 32): several a batch, for the ranks.
        shard_size: Some(16),
        ..TrainConfig::new(arch)
    }
}

/// The weights' bits and the epoch reports (minus timings) after a run of a
/// network of `sizes` on thread-ranks, one per reduction (one alone: none).
fn run_ranks(
    sizes: &[usize],
    batch: usize,
    reductions: Vec<Box<dyn GradientReduction>>,
) -> (Vec<u32>, Vec<EpochReport>) {
    let data = data();
    let ranks = reductions.len();
    let handles: Vec<_> = reductions
        .into_iter()
        .enumerate()
        .map(|(rank, reduction)| {
            let (data, sizes) = (Arc::clone(&data), sizes.to_vec());
            std::thread::spawn(move || {
                let config = config(&sizes, batch, 1 + rank % 2);
                let mut trainer = Trainer::new(config, data).unwrap();
                if ranks > 1 {
                    trainer.set_gradient_reduction(reduction);
                }
                let reports = trainer.run_epochs(3).unwrap();
                (trainer, reports)
            })
        })
        .collect();
    let mut results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let (trainer, mut reports) = results.swap_remove(0);
    for report in &mut reports {
        report.seconds = 0.0;
        report.samples_per_second = 0.0;
    }
    let bits = trainer
        .network()
        .parameters()
        .iter()
        .map(|v| v.to_bits())
        .collect();
    (bits, reports)
}

/// Asserts that a run on ranks (`many`) ended as the run of one (`one`).
fn same_as_one_process(
    one: &(Vec<u32>, Vec<EpochReport>),
    many: &(Vec<u32>, Vec<EpochReport>),
    what: &str,
) {
    assert!(one.0 == many.0, "{what}: weights differ");
    assert_eq!(one.1, many.1, "{what}: metrics differ");
}

/// [`run_ranks`] with `ranks` [`ThreadRank`]s.
fn run(ranks: usize, batch: usize) -> (Vec<u32>, Vec<EpochReport>) {
    let (senders, inboxes): (Vec<_>, Vec<_>) = (0..ranks).map(|_| channel()).unzip();
    let reductions = inboxes
        .into_iter()
        .enumerate()
        .map(|(rank, inbox)| {
            Box::new(ThreadRank {
                rank,
                ranks,
                step: 0,
                peers: senders.clone(),
                inbox,
                early: Vec::new(),
            }) as Box<dyn GradientReduction>
        })
        .collect();
    run_ranks(&[2, 16, 16, 2], batch, reductions)
}

#[test]
fn any_number_of_ranks_gives_the_weights_and_metrics_of_one_process() {
    // 300 training samples. Batch 64: four shards of 16, and a last batch of 44
    // (three shards, the last of 12). Batch 48: three shards of 16, and a last
    // batch of 12 (one shard). Five ranks leave some ranks without a shard.
    for batch in [64, 48] {
        let one = run(1, batch);
        for ranks in [2, 3, 4, 5] {
            let many = run(ranks, batch);
            same_as_one_process(&one, &many, &format!("batch {batch}, {ranks} ranks"));
        }
    }
}

/// What the thread-ranks of [`RowRank`] leave for each other, a phase at a time.
#[derive(Default)]
struct Board {
    /// Per layer: its deltas, then its outputs, for every row of the batch.
    rows: Vec<Vec<f32>>,
    /// Per shard: its gradient, loss sum and outputs.
    shards: Vec<(Vec<f32>, f64, Vec<f32>)>,
    /// A parameter-length buffer being gathered.
    values: Vec<f32>,
}

/// A rank that sums its piece of the gradient from the others' rows when the
/// trainer offers it (else from their shard gradients), and shares the
/// optimizer step: every phase writes to the board, waits for all, reads.
#[derive(Debug)]
struct RowRank {
    rank: usize,
    ranks: usize,
    board: Arc<(Mutex<Board>, Barrier)>,
    pieces: Vec<Range<usize>>,
}

impl std::fmt::Debug for Board {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Board")
    }
}

impl RowRank {
    fn block(&self, rank: usize, total: usize) -> Range<usize> {
        rank * total / self.ranks..(rank + 1) * total / self.ranks
    }

    /// Rank `rank`'s piece of the parameters: its block, each end moved to the
    /// nearest end of a row of weights (as nn-dist's `layout::piece`).
    fn piece(&self, rank: usize, arch: &Architecture) -> Range<usize> {
        let b = self.block(rank, arch.parameter_count());
        arch.row_boundary(b.start)..arch.row_boundary(b.end)
    }

    /// `write` to the board, wait for every rank, `read` from it, wait again.
    fn phase<T: ?Sized>(
        &self,
        data: &mut T,
        write: impl FnOnce(&mut Board, &T),
        read: impl FnOnce(&Board, &mut T),
    ) {
        let (board, barrier) = &*self.board;
        write(&mut board.lock().unwrap(), data);
        barrier.wait();
        read(&board.lock().unwrap(), data);
        barrier.wait();
    }

    /// Every rank's piece of `values` to every rank.
    fn gather(&self, values: &mut [f32]) {
        let mine = self.pieces[self.rank].clone();
        self.phase(
            values,
            |b, values| {
                b.values.resize(values.len(), f32::NAN);
                b.values[mine.clone()].copy_from_slice(&values[mine.clone()]);
            },
            |b, values| {
                for piece in self.pieces.iter().filter(|&p| *p != mine) {
                    values[piece.clone()].copy_from_slice(&b.values[piece.clone()]);
                }
            },
        );
    }
}

impl GradientReduction for RowRank {
    fn local_shards(&self, shards: usize) -> Range<usize> {
        self.block(self.rank, shards)
    }

    fn reduce(&mut self, batch: &mut BatchShards<'_>) -> Result<(), TrainError> {
        let arch = batch.architecture();
        self.pieces = (0..self.ranks).map(|j| self.piece(j, arch)).collect();
        let pieces_summed = batch.pieces_summed();
        let shards = batch.len();
        let mut views: Vec<_> = batch.views().collect();
        self.phase(
            &mut views[..],
            |b, views| {
                b.shards.resize(shards, Default::default());
                for (k, v) in views.iter().enumerate().filter(|(_, v)| v.local) {
                    b.shards[k] = (v.gradients.to_vec(), *v.loss_sum, v.outputs.to_vec());
                }
            },
            |b, views| {
                for (k, v) in views.iter_mut().enumerate().filter(|(_, v)| !v.local) {
                    let (gradients, loss_sum, outputs) = &b.shards[k];
                    if !pieces_summed {
                        v.gradients.copy_from_slice(gradients);
                    }
                    *v.loss_sum = *loss_sum;
                    v.outputs.copy_from_slice(outputs);
                }
            },
        );
        drop(views);
        if !pieces_summed {
            let all = 0..batch.parameters();
            batch.sum_in_order(all);
        }
        Ok(())
    }

    fn step_range(&self, architecture: &Architecture) -> Option<Range<usize>> {
        Some(self.piece(self.rank, architecture))
    }

    fn share_step(&mut self, step: SharedStep<'_>) -> Result<(), TrainError> {
        self.gather(step.params);
        if step.whole_state {
            for buffer in step.state.into_iter().filter(|b| !b.is_empty()) {
                self.gather(buffer);
            }
        }
        Ok(())
    }

    fn row_exchange(
        &mut self,
        _: &Architecture,
        samples: usize,
        shard_size: usize,
    ) -> Option<&mut dyn RowExchange> {
        // Whenever every rank has a shard, whatever the bytes: the path under test.
        let shards = samples.div_ceil(shard_size);
        (self.ranks > 1 && shards >= self.ranks).then_some(self as &mut dyn RowExchange)
    }
}

impl RowExchange for RowRank {
    /// Every rank's rows to the board; then only the rows the contract says
    /// this rank's piece reads, the others left NaN, so a read of any other
    /// row shows in the weights.
    fn exchange(&mut self, rows: &mut BatchRows<'_>) -> Result<(), TrainError> {
        let arch = rows.architecture();
        let piece = self.step_range(arch).unwrap();
        let reads: Vec<bool> = (0..arch.sizes.len() - 1)
            .map(|l| arch.piece_holds_layer(&piece, l))
            .collect();
        let mine = rows.rows_of(rows.local());
        let mut layers = rows.layers();
        self.phase(
            &mut layers[..],
            |b, layers| {
                b.rows.resize(2 * layers.len(), Vec::new());
                for (l, layer) in layers.iter().enumerate() {
                    let (w, at) = (layer.width, mine.start * layer.width);
                    for (k, local) in [(0, &*layer.deltas), (1, layer.local_outputs)] {
                        let board = &mut b.rows[2 * l + k];
                        board.resize(layer.deltas.len(), f32::NAN);
                        let local = if k == 0 {
                            &local[at..at + mine.len() * w]
                        } else {
                            local
                        };
                        board[at..at + mine.len() * w].copy_from_slice(local);
                    }
                }
            },
            |b, layers| {
                for (l, layer) in layers.iter_mut().enumerate() {
                    let (w, n) = (layer.width, layer.deltas.len());
                    let others = |buffer: &mut [f32], from: &[f32], read: bool| {
                        for (row, (v, f)) in buffer.chunks_mut(w).zip(from.chunks(w)).enumerate() {
                            if !mine.contains(&row) {
                                if read {
                                    v.copy_from_slice(f);
                                } else {
                                    v.fill(f32::NAN);
                                }
                            }
                        }
                    };
                    others(layer.deltas, &b.rows[2 * l][..n], reads[l]);
                    let next = reads.get(l + 1).copied().unwrap_or(false);
                    others(layer.outputs, &b.rows[2 * l + 1][..n], next);
                }
            },
        );
        Ok(())
    }
}

/// [`run_ranks`] with `ranks` [`RowRank`]s, on a network of `sizes`.
fn run_rows(sizes: &[usize], ranks: usize, batch: usize) -> (Vec<u32>, Vec<EpochReport>) {
    let board = Arc::new((Mutex::new(Board::default()), Barrier::new(ranks)));
    let reductions = (0..ranks)
        .map(|rank| {
            Box::new(RowRank {
                rank,
                ranks,
                board: Arc::clone(&board),
                pieces: Vec::new(),
            }) as Box<dyn GradientReduction>
        })
        .collect();
    run_ranks(sizes, batch, reductions)
}

#[test]
fn pieces_summed_from_rows_give_the_weights_and_metrics_of_one_process() {
    // A tiny network (nn-core's loops) and one of gemm products. Batch 64: four
    // shards of 16 and a last batch of three; up to four ranks sum pieces from
    // rows wherever each has a shard, five never do.
    for sizes in [&[2, 16, 16, 2][..], &[2, 40, 24, 2][..]] {
        for batch in [64, 48] {
            let one = run_rows(sizes, 1, batch);
            for ranks in [2, 3, 4, 5] {
                let many = run_rows(sizes, ranks, batch);
                let what = format!("{sizes:?} batch {batch}, {ranks} ranks");
                same_as_one_process(&one, &many, &what);
            }
        }
    }
}

//! The `GradientReduction` seam without MPI: "ranks" as threads, each running
//! its own `Trainer` on the same data and computing only its run of each
//! batch's shards, the results passed around on channels. The weights and the
//! per-epoch metrics must equal one process's, bit for bit, for any rank count.

use std::ops::Range;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use nn_core::{Activation, Architecture, Loss};
use nn_run::{DataOptions, DataSpec, load_data};
use nn_train::{
    BatchShards, EpochReport, GradientReduction, OptimizerKind, TrainConfig, TrainData, TrainError,
    Trainer,
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

fn config(batch: usize, threads: usize) -> TrainConfig {
    let arch = Architecture::new(
        vec![2, 16, 16, 2],
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

/// The weights' bits and the epoch reports (minus timings) after a run on `ranks` thread-ranks.
fn run(ranks: usize, batch: usize) -> (Vec<u32>, Vec<EpochReport>) {
    let data = data();
    let (senders, inboxes): (Vec<_>, Vec<_>) = (0..ranks).map(|_| channel()).unzip();
    let handles: Vec<_> = inboxes
        .into_iter()
        .enumerate()
        .map(|(rank, inbox)| {
            let reduction = ThreadRank {
                rank,
                ranks,
                step: 0,
                peers: senders.clone(),
                inbox,
                early: Vec::new(),
            };
            let data = Arc::clone(&data);
            std::thread::spawn(move || {
                let mut trainer = Trainer::new(config(batch, 1 + rank % 2), data).unwrap();
                if ranks > 1 {
                    trainer.set_gradient_reduction(Box::new(reduction));
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

#[test]
fn any_number_of_ranks_gives_the_weights_and_metrics_of_one_process() {
    // 300 training samples. Batch 64: four shards of 16, and a last batch of 44
    // (three shards, the last of 12). Batch 48: three shards of 16, and a last
    // batch of 12 (one shard). Five ranks leave some ranks without a shard.
    for batch in [64, 48] {
        let one = run(1, batch);
        for ranks in [2, 3, 4, 5] {
            let many = run(ranks, batch);
            assert!(
                one.0 == many.0,
                "batch {batch}, {ranks} ranks: weights differ"
            );
            assert_eq!(
                one.1, many.1,
                "batch {batch}, {ranks} ranks: metrics differ"
            );
        }
    }
}

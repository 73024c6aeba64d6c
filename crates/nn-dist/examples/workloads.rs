//! The trainer workloads W1-W4 (`shared/bench/README.md`) across MPI ranks:
//! samples/s, the exchange's time per step, and a fingerprint of the final
//! weights (equal across rank and thread counts when the step is the same).
//!
//! ```text
//! cargo build --release -p nn-dist --features mpi --example workloads
//! mpirun -np 2 --bind-to core target/release/examples/workloads --threads 1
//! target/release/examples/workloads --threads 2        # one process, for the ratio
//! ```
//! Besides samples/s over whole passes, it prints the 10th and 50th percentile of
//! the step's wall time (`step_us_p10`, `step_us_p50`).
//! Options: `--threads T` per rank, `--reps R` timed passes after one warm-up,
//! `--only W1,W2`, `--allreduce` to compare with MPI's own allreduce of each
//! rank's partial sum (fewer bytes, but not the weights of one process).
#![allow(clippy::print_stdout)]

use std::ops::Range;
use std::sync::Arc;
use std::time::Instant;

use mpi::collective::SystemOperation;
use mpi::topology::SimpleCommunicator;
use mpi::traits::CommunicatorCollectives;
use nn_core::Architecture;
use nn_dist::{Job, ReduceStats, fingerprint, layout};
use nn_train::{BatchShards, GradientReduction, TrainConfig, TrainError, Trainer};

#[path = "../../nn-train/benches/support/workloads.rs"]
mod support;

use support::{WORKLOADS, data};

fn main() {
    let mut job = Job::start().expect("MPI starts");
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let reps: usize = value("--reps").and_then(|v| v.parse().ok()).unwrap_or(3);
    let threads = job.threads(value("--threads").and_then(|v| v.parse().ok()).unwrap_or(0));
    let only = value("--only").unwrap_or_else(|| "W1,W2,W3".into());
    for w in WORKLOADS
        .iter()
        .filter(|w| only.split(',').any(|o| o == w.name))
    {
        let arch = Architecture::new(w.sizes.to_vec(), w.hidden, w.output, w.loss)
            .expect("valid workload");
        let config = TrainConfig {
            optimizer: w.optimizer,
            learning_rate: w.lr,
            batch_size: w.batch,
            threads,
            epochs: usize::MAX,
            ..TrainConfig::new(arch)
        };
        let mut trainer = Trainer::new(config, data(w)).expect("valid config");
        job.join(&mut trainer).expect("the same run on every rank");
        let allreduce = (job.ranks() > 1 && args.iter().any(|a| a == "--allreduce")).then(|| {
            let reduction = Allreduce::new(&job);
            let stats = Arc::clone(&reduction.stats);
            trainer.set_gradient_reduction(Box::new(reduction));
            stats
        });
        // Mean exchange time per step so far, and the steps it covers.
        let exchange_so_far = |job: &Job| {
            allreduce
                .as_deref()
                .or(job.exchange())
                .map(|stats| (stats.mean(), stats.steps()))
        };
        let (mut times, mut exchange, mut steps) = (Vec::new(), Vec::new(), Vec::new());
        for rep in 0..=reps {
            let before = exchange_so_far(&job);
            let started = Instant::now();
            let step_times = timed_epochs(&mut trainer, w.passes);
            let took = started.elapsed().as_secs_f64();
            if rep > 0 {
                times.push(took);
                steps.extend(step_times);
                if let Some((mean, steps)) = exchange_so_far(&job) {
                    // This pass's share of the running total.
                    let (earlier, earlier_steps) =
                        before.map_or((0.0, 0), |(m, s)| (m.as_secs_f64() * s as f64, s));
                    exchange.push(
                        (mean.as_secs_f64() * steps as f64 - earlier)
                            / (steps - earlier_steps) as f64,
                    );
                }
            }
        }
        times.sort_by(f64::total_cmp);
        exchange.sort_by(f64::total_cmp);
        steps.sort_by(f64::total_cmp);
        let step_us = |q: usize| steps.get(steps.len() * q / 100).map_or(0.0, |s| s * 1e6);
        let median = times[times.len() / 2];
        let samples = (w.samples * w.passes) as f64;
        if job.is_root() {
            println!(
                "{} ranks={} threads={threads} samples/s={:.0} exchange_us/step={} weights={:016x} step_us_p10={:.0} step_us_p50={:.0} (pass min {:.3}s max {:.3}s)",
                w.name,
                job.ranks(),
                samples / median,
                exchange
                    .get(exchange.len() / 2)
                    .map_or_else(|| "-".into(), |e| format!("{:.1}", e * 1e6)),
                fingerprint(&trainer),
                step_us(10),
                step_us(50),
                times[0],
                times[times.len() - 1],
            );
        }
    }
}

/// Trains `epochs` epochs in one entry into the worker pool, as
/// `Trainer::run_epochs` does, and returns each step's wall time in seconds:
/// on a loaded machine the fastest steps, those no other process interrupted,
/// still show what a step costs.
fn timed_epochs(trainer: &mut Trainer, epochs: usize) -> Vec<f64> {
    trainer.in_pool(|t| {
        let (mut done, mut times) = (0, Vec::new());
        while done < epochs && !t.is_finished() {
            let started = Instant::now();
            let outcome = t.step().expect("trains");
            times.push(started.elapsed().as_secs_f64());
            done += usize::from(outcome.epoch_end.is_some());
        }
        times
    })
}

/// The usual data-parallel step, for comparison: each rank adds its own shards,
/// then one `MPI_Allreduce` adds the ranks' partial sums in MPI's order. Loss
/// and outputs of other ranks' shards are not shared (the timing ignores them).
#[derive(Debug)]
struct Allreduce {
    rank: usize,
    ranks: usize,
    partial: Vec<f32>,
    stats: Arc<ReduceStats>,
}

impl Allreduce {
    fn new(job: &Job) -> Self {
        Self {
            rank: job.rank(),
            ranks: job.ranks(),
            partial: Vec::new(),
            stats: Arc::default(),
        }
    }
}

impl GradientReduction for Allreduce {
    fn local_shards(&self, shards: usize) -> Range<usize> {
        layout::block(self.rank, self.ranks, shards)
    }

    fn reduce(&mut self, batch: &mut BatchShards<'_>) -> Result<(), TrainError> {
        let started = Instant::now();
        self.partial.clear();
        self.partial.resize(batch.parameters(), 0.0);
        for view in batch.views().filter(|v| v.local) {
            for (sum, g) in self.partial.iter_mut().zip(view.gradients.iter()) {
                *sum += g;
            }
        }
        SimpleCommunicator::world().all_reduce_into(
            &self.partial[..],
            batch.sum(),
            SystemOperation::sum(),
        );
        self.stats.add(started.elapsed());
        Ok(())
    }
}

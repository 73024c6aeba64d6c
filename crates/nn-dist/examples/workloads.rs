//! The trainer workloads W1-W4 (`shared/bench/README.md`) across MPI ranks:
//! samples/s, the exchange's time per step, and a fingerprint of the final
//! weights (equal across rank and thread counts when the step is the same).
//!
//! ```text
//! cargo build --release -p nn-dist --features mpi --example workloads
//! mpirun -np 2 --bind-to core target/release/examples/workloads --threads 1
//! target/release/examples/workloads --threads 2        # one process, for the ratio
//! ```
//! Options: `--threads T` per rank, `--reps R` timed passes after one warm-up,
//! `--only W1,W2`.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use nn_core::Architecture;
use nn_dist::{Cluster, StopFlags, fingerprint};
use nn_train::{TrainConfig, Trainer};

#[path = "../../nn-train/benches/support/workloads.rs"]
mod support;

use support::{WORKLOADS, data};

fn main() {
    let cluster = Cluster::init().expect("MPI starts");
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let reps: usize = value("--reps").and_then(|v| v.parse().ok()).unwrap_or(3);
    let threads =
        cluster.threads_per_rank(value("--threads").and_then(|v| v.parse().ok()).unwrap_or(0));
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
        let stats = (cluster.ranks() > 1).then(|| {
            let reduction = cluster.reduction(StopFlags::default());
            let stats = reduction.stats();
            trainer.set_gradient_reduction(Box::new(reduction));
            stats
        });
        cluster
            .agree(fingerprint(&trainer))
            .expect("the same run on every rank");
        let (mut times, mut exchange) = (Vec::new(), Vec::new());
        for rep in 0..=reps {
            let before = stats.as_ref().map(|s| (s.steps(), s.mean()));
            let started = Instant::now();
            trainer.run_epochs(w.passes).expect("trains");
            let took = started.elapsed().as_secs_f64();
            if rep > 0 {
                times.push(took);
                if let (Some(s), Some((steps, mean))) = (&stats, before) {
                    // This pass's share of the running total.
                    let total = s.mean().as_secs_f64() * s.steps() as f64;
                    let earlier = mean.as_secs_f64() * steps as f64;
                    exchange.push((total - earlier) / (s.steps() - steps) as f64);
                }
            }
        }
        times.sort_by(f64::total_cmp);
        exchange.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        let samples = (w.samples * w.passes) as f64;
        if cluster.is_root() {
            println!(
                "{} ranks={} threads={threads} samples/s={:.0} exchange_us/step={} weights={:016x} (pass min {:.3}s max {:.3}s)",
                w.name,
                cluster.ranks(),
                samples / median,
                exchange
                    .get(exchange.len() / 2)
                    .map_or_else(|| "-".into(), |e| format!("{:.1}", e * 1e6)),
                fingerprint(&trainer),
                times[0],
                times[times.len() - 1],
            );
        }
    }
}

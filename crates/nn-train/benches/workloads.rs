//! The four trainer workloads W1-W4 (see `shared/bench/README.md`), timed on 1
//! and 2 threads: samples/s (W4: optimizer steps/s), median of several full passes.
//!
//! `cargo bench -p nn-train --bench workloads -- [--reps 3] [--threads 1,2] [--only W1,W3] [--no-peak]`
//!
//! First, for each thread count, the machine's own GEMM peak: the same gemm
//! crate through nn-core's `matmul`, a 2048 x 2048 x 2048 product (`GEMM threads=T
//! GFLOP/s=X`), the figure `cargo xtask bench` divides each workload's GFLOP/s by.
//!
//! Random data of the right shape, as the PyTorch script uses: timing does not
//! depend on the values. Run `torch_bench.py` in the same session to compare.
//! W1 and W4 train the seed's loss, as `torch_bench.py` does (see `support/`).
#![allow(clippy::print_stdout)]

use std::time::Instant;

use nn_core::{Architecture, MatRef, matmul};
use nn_train::{TrainConfig, Trainer};

#[path = "support/workloads.rs"]
mod support;

use support::{WORKLOADS, Workload, data};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let reps: usize = value("--reps").and_then(|v| v.parse().ok()).unwrap_or(3);
    let threads: Vec<usize> = value("--threads")
        .unwrap_or_else(|| "1,2".into())
        .split(',')
        .filter_map(|t| t.parse().ok())
        .collect();
    let mut only = value("--only").unwrap_or_else(|| "W1,W2,W3,W4".into());
    // `--custom 10-64-64-2:128,...`: more networks (ReLU, softmax, cross-entropy,
    // SGD 0.01, 20,000 samples) at a batch size, named C1, C2, ...
    let mut workloads: Vec<Workload> = WORKLOADS.into();
    for (k, spec) in value("--custom")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        let (sizes, batch) = spec.split_once(':').expect("--custom SIZES:BATCH");
        let sizes: Vec<usize> = sizes
            .split('-')
            .map(|s| s.parse().expect("a layer size"))
            .collect();
        let name: &'static str = Box::leak(format!("C{}", k + 1).into_boxed_str());
        println!("{name} = {spec}");
        only.push(',');
        only.push_str(name);
        workloads.push(Workload {
            name,
            sizes: Box::leak(sizes.into_boxed_slice()),
            hidden: nn_core::Activation::Relu,
            output: nn_core::Activation::Softmax,
            loss: nn_core::Loss::CrossEntropy,
            optimizer: nn_train::OptimizerKind::Sgd,
            lr: 0.01,
            batch: batch.parse().expect("a batch size"),
            samples: 20_000,
            passes: 1,
        });
    }
    println!("nn-train workloads: median of {reps} full passes after one warm-up");
    // `--no-peak`: the workloads alone (to profile one of them).
    if !args.iter().any(|a| a == "--no-peak") {
        for &t in &threads {
            println!("GEMM threads={t} GFLOP/s={:.1}", gemm_peak(t, reps));
        }
    }
    for &t in &threads {
        for w in workloads
            .iter()
            .filter(|w| only.split(',').any(|o| o == w.name))
        {
            let arch = Architecture::new(w.sizes.to_vec(), w.hidden, w.output, w.loss)
                .expect("valid workload");
            let flops = arch.flops_done_per_sample() as f64;
            let config = TrainConfig {
                optimizer: w.optimizer,
                learning_rate: w.lr,
                batch_size: w.batch,
                threads: t,
                epochs: usize::MAX,
                ..TrainConfig::new(arch)
            };
            let mut trainer = Trainer::new(config, data(w)).expect("valid config");
            let mut times = Vec::new();
            // W4 passes take milliseconds: many more of them for a stable median.
            let reps = if w.samples < 10_000 { reps * 10 } else { reps };
            for rep in 0..=reps {
                let started = Instant::now();
                trainer.run_epochs(w.passes).expect("trains");
                if rep > 0 {
                    times.push(started.elapsed().as_secs_f64());
                }
            }
            times.sort_by(f64::total_cmp);
            let median = median(&times);
            let samples = (w.samples * w.passes) as f64;
            let steps = (w.passes * w.samples.div_ceil(w.batch)) as f64;
            println!(
                "{} threads={t} samples/s={:.0} steps/s={:.0} GFLOP/s={:.1} (pass min {:.5}s max {:.5}s)",
                w.name,
                samples / median,
                steps / median,
                flops * samples / median / 1e9,
                times[0],
                times[times.len() - 1]
            );
        }
    }
}

/// GFLOP/s of a 2048^3 product (`2 n^3` operations) on `threads` threads: the
/// median of `reps` products after one warm-up.
fn gemm_peak(threads: usize, reps: usize) -> f64 {
    const N: usize = 2048;
    let a: Vec<f32> = (0..N * N).map(|i| (i % 7) as f32 * 0.1).collect();
    let b: Vec<f32> = (0..N * N).map(|i| (i % 5) as f32 * 0.1).collect();
    let mut c = vec![0.0f32; N * N];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let mut times: Vec<f64> = pool.install(|| {
        (0..=reps.max(1))
            .map(|_| {
                let started = Instant::now();
                matmul(
                    &mut c,
                    MatRef::row_major(&a, N, N),
                    MatRef::row_major(&b, N, N),
                    1.0,
                    false,
                    threads,
                );
                started.elapsed().as_secs_f64()
            })
            .skip(1)
            .collect()
    });
    times.sort_by(f64::total_cmp);
    2.0 * (N * N * N) as f64 / median(&times) / 1e9
}

/// The middle of `sorted` (ascending), or the mean of its two middle values, as
/// `torch_bench.py`'s `statistics.median` takes it (it was the upper one: of
/// two passes, the slower).
fn median(sorted: &[f64]) -> f64 {
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        f64::midpoint(sorted[mid - 1], sorted[mid])
    }
}

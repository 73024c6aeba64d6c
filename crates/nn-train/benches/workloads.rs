//! The four trainer workloads W1-W4 (see `shared/bench/README.md`), timed on 1
//! and 2 threads: samples/s (W4: optimizer steps/s), median of several full passes.
//!
//! `cargo bench -p nn-train --bench workloads -- [--reps 3] [--threads 1,2] [--only W1,W3]`
//!
//! Random data of the right shape, as the PyTorch script uses: timing does not
//! depend on the values. Run `torch_bench.py` in the same session to compare.
//! W1 and W4 train the seed's loss, `1/2 sum_k (d_k - o_k)^2` per sample, as
//! `torch_bench.py` does (`0.5 * ((p - t) ** 2).sum(1).mean()`), not `MSELoss`.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Instant;

use nn_core::{Activation, Architecture, Loss};
use nn_data::{Dataset, Inputs, Normalization, Targets};
use nn_train::{OptimizerKind, TrainConfig, TrainData, Trainer};

struct Workload {
    name: &'static str,
    sizes: &'static [usize],
    hidden: Activation,
    output: Activation,
    loss: Loss,
    optimizer: OptimizerKind,
    lr: f32,
    batch: usize,
    samples: usize,
    passes: usize,
}

const WORKLOADS: [Workload; 4] = [
    Workload {
        name: "W1",
        sizes: &[784, 100, 10],
        hidden: Activation::Sigmoid,
        output: Activation::Sigmoid,
        loss: Loss::Seed,
        optimizer: OptimizerKind::Sgd,
        lr: 0.1,
        batch: 32,
        samples: 60_000,
        passes: 1,
    },
    Workload {
        name: "W2",
        sizes: &[784, 256, 128, 10],
        hidden: Activation::Relu,
        output: Activation::Softmax,
        loss: Loss::CrossEntropy,
        optimizer: OptimizerKind::ADAM,
        lr: 1e-3,
        batch: 128,
        samples: 60_000,
        passes: 1,
    },
    Workload {
        name: "W3",
        sizes: &[784, 1024, 1024, 10],
        hidden: Activation::Relu,
        output: Activation::Softmax,
        loss: Loss::CrossEntropy,
        optimizer: OptimizerKind::Sgd,
        lr: 0.01,
        batch: 512,
        samples: 60_000,
        passes: 1,
    },
    Workload {
        name: "W4",
        sizes: &[2, 8, 8, 1],
        hidden: Activation::Tanh,
        output: Activation::Sigmoid,
        loss: Loss::Seed,
        optimizer: OptimizerKind::Sgd,
        lr: 0.03,
        batch: 10,
        samples: 1_000,
        passes: 20,
    },
];

/// xorshift: a fixed, fast stream for filler data.
fn filler(seed: u64) -> impl FnMut() -> f32 {
    let mut s = seed | 1;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn data(w: &Workload) -> Arc<TrainData> {
    let (inputs, outputs) = (w.sizes[0], *w.sizes.last().unwrap());
    let mut next = filler(7);
    let x: Vec<f32> = (0..w.samples * inputs).map(|_| next()).collect();
    let features = (0..inputs).map(|i| format!("x{i}")).collect();
    let train = if w.loss == Loss::CrossEntropy {
        let classes = (0..w.samples)
            .map(|_| (next() * outputs as f32) as u32 % outputs as u32)
            .collect();
        let names = (0..outputs).map(|c| c.to_string()).collect();
        Dataset::new(
            w.name,
            Inputs::F32(x),
            Targets::Classes(classes),
            features,
            vec!["label".into()],
            names,
        )
    } else {
        let y = (0..w.samples * outputs).map(|_| next()).collect();
        let names = (0..outputs).map(|k| format!("y{k}")).collect();
        Dataset::new(
            w.name,
            Inputs::F32(x),
            Targets::Values(y),
            features,
            names,
            Vec::new(),
        )
    }
    .expect("consistent shapes");
    Arc::new(TrainData {
        train,
        validation: None,
        test: None,
        normalization: Normalization::identity(inputs),
        features: None,
    })
}

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
    let only = value("--only").unwrap_or_else(|| "W1,W2,W3,W4".into());
    println!("nn-train workloads: median of {reps} full passes after one warm-up");
    for &t in &threads {
        for w in WORKLOADS
            .iter()
            .filter(|w| only.split(',').any(|o| o == w.name))
        {
            let arch = Architecture::new(w.sizes.to_vec(), w.hidden, w.output, w.loss)
                .expect("valid workload");
            let flops = arch.flops_per_sample() as f64;
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
            let median = times[times.len() / 2];
            let samples = (w.samples * w.passes) as f64;
            let steps = (w.passes * w.samples.div_ceil(w.batch)) as f64;
            println!(
                "{} threads={t} samples/s={:.0} steps/s={:.0} GFLOP/s={:.1} (pass min {:.3}s max {:.3}s)",
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

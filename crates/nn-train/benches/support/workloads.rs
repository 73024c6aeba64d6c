//! The trainer workloads W1-W4 of `shared/bench/README.md` and their random
//! data, shared by nn-train's `workloads` bench and nn-dist's MPI example.
//! W1 and W4 train the seed's loss, `1/2 sum_k (d_k - o_k)^2` per sample, as
//! `torch_bench.py` does (`0.5 * ((p - t) ** 2).sum(1).mean()`), not `MSELoss`.

use std::sync::Arc;

use nn_core::{Activation, Loss};
use nn_data::{Dataset, Inputs, Normalization, Targets};
use nn_train::{OptimizerKind, TrainData};

/// One workload: the network, its training settings and its data's size.
pub struct Workload {
    pub name: &'static str,
    pub sizes: &'static [usize],
    pub hidden: Activation,
    pub output: Activation,
    pub loss: Loss,
    pub optimizer: OptimizerKind,
    pub lr: f32,
    pub batch: usize,
    pub samples: usize,
    pub passes: usize,
}

pub const WORKLOADS: [Workload; 4] = [
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

pub fn data(w: &Workload) -> Arc<TrainData> {
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

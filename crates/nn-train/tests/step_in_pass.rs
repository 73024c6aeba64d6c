//! The optimizer's step taken inside the backward pass, block by block as each
//! block of a layer's gradient is complete, gives the bits of the step taken
//! after it in a pass of its own: for every optimizer, with penalties, on one
//! thread and several.
//!
//! Clipping needs the whole gradient's norm before any update, so a run with a
//! clip norm no gradient reaches takes its step after the pass (and clipping
//! that does not clip changes no value): the reference. The optimizer's state
//! after a step shows in the weights of the steps that follow.

use std::sync::Arc;

use nn_core::{Activation, Architecture, Loss};
use nn_run::{DataOptions, DataSpec, load_data};
use nn_train::{OptimizerKind, TrainConfig, Trainer};

fn run(
    optimizer: OptimizerKind,
    hidden: usize,
    batch: usize,
    threads: usize,
    clip: Option<f32>,
) -> Vec<u32> {
    let options = DataOptions {
        samples: 300,
        ..DataOptions::default()
    };
    let data = Arc::new(load_data(&DataSpec::Generator("spiral".into()), &options).unwrap());
    let arch = Architecture::new(
        vec![2, hidden, hidden, 2],
        Activation::Relu,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    let config = TrainConfig {
        optimizer,
        learning_rate: 0.01,
        batch_size: batch,
        threads,
        epochs: 2,
        l1: 1e-4,
        l2: 1e-3,
        clip_norm: clip,
        ..TrainConfig::new(arch)
    };
    let mut trainer = Trainer::new(config, data).unwrap();
    trainer.run_epochs(2).unwrap();
    trainer
        .network()
        .parameters()
        .iter()
        .map(|x| x.to_bits())
        .collect()
}

#[test]
fn the_step_inside_the_pass_gives_the_bits_of_the_step_after_it() {
    // Wide layers (blocks of output rows side by side on several threads) and
    // narrow ones (one block), each optimizer with L1 and L2 penalties.
    for optimizer in [
        OptimizerKind::Sgd,
        OptimizerKind::MOMENTUM,
        OptimizerKind::NESTEROV,
        OptimizerKind::ADAM,
        OptimizerKind::ADAMW,
    ] {
        for (hidden, batch) in [(300, 64), (40, 32)] {
            for threads in [1, 2, 3] {
                let inside = run(optimizer, hidden, batch, threads, None);
                let after = run(optimizer, hidden, batch, threads, Some(1e30));
                assert!(
                    inside == after,
                    "{optimizer:?}, hidden {hidden}, batch {batch}, {threads} threads"
                );
            }
        }
    }
}

//! The seed's sample step through the real trainer: what the breakdown shows is
//! what the step applies. Batch 1 under plain SGD moves every weight by exactly
//! the displayed `Δw`, bit for bit; a mini-batch of `B` by the mean of the `B`
//! per-sample `Δw`.

use std::sync::Arc;
use std::time::Duration;

use nn_core::{Activation, Architecture, Breakdown, Loss, Network};
use nn_run::{Command, DataOptions, DataSpec, Event, SessionOptions, load_data, spawn};
use nn_train::{
    OptimizerKind, TrainConfig, TrainData, TrainError, Trainer, batch_changes, sample_breakdown,
};

fn data(name: &str) -> Arc<TrainData> {
    let options = DataOptions {
        samples: 300,
        ..DataOptions::default()
    };
    Arc::new(load_data(&DataSpec::Generator(name.into()), &options).unwrap())
}

/// Plain SGD on a network fitting `data`: a classifier (tanh, softmax) or a regression (sigmoid, linear).
fn sgd(data: &TrainData, rate: f32, threads: usize) -> TrainConfig {
    let classes = data.train.class_names().len();
    let arch = if classes > 0 {
        Architecture::new(
            vec![2, 8, 5, classes],
            Activation::Tanh,
            Activation::Softmax,
            Loss::CrossEntropy,
        )
    } else {
        Architecture::new(
            vec![data.train.dim(), 6, 1],
            Activation::Sigmoid,
            Activation::Linear,
            Loss::Mse,
        )
    }
    .unwrap();
    TrainConfig {
        optimizer: OptimizerKind::Sgd,
        learning_rate: rate,
        threads,
        ..TrainConfig::new(arch)
    }
}

/// Every weight in the breakdown's order: per layer, per neuron, `w_0` first.
fn weights(b: &Breakdown) -> Vec<f32> {
    b.layers
        .iter()
        .flat_map(|l| &l.neurons)
        .flat_map(|n| n.incoming.iter().map(|i| i.weight))
        .collect()
}

fn changes(b: &Breakdown) -> Vec<f32> {
    b.layers
        .iter()
        .flat_map(|l| &l.neurons)
        .flat_map(|n| n.incoming.iter().map(|i| i.change))
        .collect()
}

/// The network's weights in the seed's order: per neuron `w_0 = -b`, then its row.
fn seed_weights(network: &Network) -> Vec<f32> {
    let mut out = Vec::new();
    for (l, shape) in network.layers().iter().enumerate() {
        for k in 0..shape.outputs {
            out.push(network.seed_bias_weight(l, k));
            out.extend(&network.weights(l)[k * shape.inputs..(k + 1) * shape.inputs]);
        }
    }
    out
}

#[test]
fn a_sample_step_moves_every_weight_by_the_displayed_change_bit_for_bit() {
    for name in ["spiral", "sine"] {
        let data = data(name);
        for (index, rate) in [(0, 0.03f32), (17, 0.5), (299 * 6 / 10, 3.0)] {
            let mut trainer = Trainer::new(sgd(&data, rate, 2), data.clone()).unwrap();
            // Train a little first, so the weights are not the initial ones.
            for _ in 0..5 {
                trainer.step().unwrap();
            }
            let shown = sample_breakdown(trainer.network(), &data, index, rate).unwrap();
            let steps = trainer.total_steps();
            let (epoch, in_epoch) = (trainer.epoch(), trainer.step_in_epoch());
            trainer.step_on(&[index]).unwrap();
            let after = seed_weights(trainer.network());
            let expected: Vec<f32> = weights(&shown)
                .iter()
                .zip(changes(&shown))
                .map(|(w, dw)| w + dw)
                .collect();
            let moved = after
                .iter()
                .zip(weights(&shown))
                .filter(|(a, b)| **a != *b)
                .count();
            let total = after.len();
            assert!(
                2 * moved >= total,
                "{name}: the step moved {moved} of {total} weights"
            );
            assert_eq!(
                after.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                expected.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                "{name}, sample {index}, r = {rate}: weights after the step vs w + Δw"
            );
            assert_eq!(trainer.total_steps(), steps + 1);
            assert_eq!(
                (trainer.epoch(), trainer.step_in_epoch()),
                (epoch, in_epoch)
            );
        }
    }
}

#[test]
fn a_mini_batch_step_applies_the_mean_of_the_per_sample_changes() {
    for name in ["spiral", "sine"] {
        let data = data(name);
        // 5 samples: one shard; 100: several shards summed across 2 threads.
        for batch in [5usize, 100] {
            let rate = 0.5;
            let mut trainer = Trainer::new(sgd(&data, rate, 2), data.clone()).unwrap();
            let indices: Vec<usize> = (0..batch).map(|i| (i * 7) % data.train.len()).collect();
            let before = seed_weights(trainer.network());
            let per_sample: Vec<Vec<f32>> = indices
                .iter()
                .map(|&i| changes(&sample_breakdown(trainer.network(), &data, i, rate).unwrap()))
                .collect();
            let mean: Vec<f64> = (0..before.len())
                .map(|p| per_sample.iter().map(|c| f64::from(c[p])).sum::<f64>() / batch as f64)
                .collect();
            let shown = batch_changes(trainer.network(), &data, &indices, rate).unwrap();
            assert_eq!(shown.samples(), batch);
            trainer.step_on(&indices).unwrap();
            let after = seed_weights(trainer.network());
            let applied: Vec<f64> = after
                .iter()
                .zip(&before)
                .map(|(a, b)| f64::from(*a) - f64::from(*b))
                .collect();
            let norm = mean.iter().map(|v| v * v).sum::<f64>().sqrt();
            let distance = |x: &[f64]| {
                x.iter()
                    .zip(&mean)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    .sqrt()
                    / norm
            };
            // f32 weights: the applied change is rounded to the weights' precision.
            assert!(
                distance(&applied) < 1e-4,
                "{name} B={batch}: {}",
                distance(&applied)
            );
            let arch = trainer.network().architecture().clone();
            let mut listed = Vec::new();
            for (l, widths) in arch.sizes.windows(2).enumerate() {
                for k in 0..widths[1] {
                    listed.extend(shown.neuron(l, k).unwrap().iter().map(|&v| f64::from(v)));
                }
            }
            assert!(
                distance(&listed) < 1e-5,
                "{name} B={batch}: {}",
                distance(&listed)
            );
        }
    }
}

#[test]
fn samples_that_do_not_exist_are_named() {
    let data = data("xor");
    let mut trainer = Trainer::new(sgd(&data, 0.1, 1), data.clone()).unwrap();
    let samples = data.train.len();
    let err = trainer.step_on(&[3, samples]).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "no training sample {samples}: the training set has {samples} (0 to {})",
            samples - 1
        )
    );
    assert!(matches!(
        trainer.step_on(&[]),
        Err(TrainError::NoSuchSample { index: None, .. })
    ));
    assert!(sample_breakdown(trainer.network(), &data, samples, 0.1).is_err());
}

/// Through the session, as the dashboard drives it: once paused, the latest
/// snapshot is the trainer's weights; a `StepOn` moves them by the breakdown's `Δw`.
#[test]
fn the_sample_step_command_applies_what_the_snapshot_shows() {
    let data = data("spiral");
    let rate = 0.3;
    let config = TrainConfig {
        epochs: 1_000_000,
        ..sgd(&data, rate, 2)
    };
    let trainer = Trainer::new(config, data.clone()).unwrap();
    let handle = spawn(trainer, SessionOptions::default());
    let latest = |handle: &nn_run::TrainerHandle, wait: Duration| {
        let mut snapshot = None;
        let deadline = std::time::Instant::now() + wait;
        while std::time::Instant::now() < deadline {
            if let Ok(Event::Snapshot(n)) = handle.events().recv_timeout(Duration::from_millis(50))
            {
                snapshot = Some(n);
            }
        }
        snapshot.expect("a snapshot")
    };
    std::thread::sleep(Duration::from_millis(100));
    handle.send(Command::Pause);
    let before = latest(&handle, Duration::from_millis(400));
    let index = 42;
    let shown = sample_breakdown(&before, &data, index, rate).unwrap();
    handle.send(Command::StepOn(vec![index]));
    let after = latest(&handle, Duration::from_millis(400));
    let trainer = handle.join();
    assert!(trainer.epoch() > 0, "the run was running before the pause");
    let expected: Vec<u32> = weights(&shown)
        .iter()
        .zip(changes(&shown))
        .map(|(w, dw)| (w + dw).to_bits())
        .collect();
    let got: Vec<u32> = seed_weights(&after).iter().map(|v| v.to_bits()).collect();
    assert_eq!(got, expected);
    assert_eq!(trainer.network().parameters(), after.parameters());
}

//! Tests of `config.rs`.

use super::*;

#[test]
fn schedules() {
    assert_eq!(Schedule::Constant.factor(7), 1.0);
    let step = Schedule::Step {
        every: 2,
        factor: 0.5,
    };
    assert_eq!(
        [
            step.factor(0),
            step.factor(1),
            step.factor(2),
            step.factor(5)
        ],
        [1.0, 1.0, 0.5, 0.25]
    );
    let cos = Schedule::Cosine {
        epochs: 10,
        min_factor: 0.1,
    };
    assert!((cos.factor(0) - 1.0).abs() < 1e-6);
    assert!((cos.factor(5) - 0.55).abs() < 1e-6);
    assert!((cos.factor(10) - 0.1).abs() < 1e-6);
    assert!((cos.factor(50) - 0.1).abs() < 1e-6);
}

#[test]
fn checkpoints_from_before_the_shuffle_setting_resume_shuffled() {
    let arch = Architecture::new(
        vec![2, 3, 2],
        nn_core::Activation::Tanh,
        nn_core::Activation::Softmax,
        nn_core::Loss::CrossEntropy,
    )
    .unwrap();
    let mut json = serde_json::to_value(TrainConfig::new(arch)).unwrap();
    json.as_object_mut().unwrap().remove("shuffle");
    let config: TrainConfig = serde_json::from_value(json).unwrap();
    assert!(config.shuffle);
}

#[test]
fn default_shards_are_a_quarter_of_the_batch_from_32_to_256_samples() {
    let arch = nn_core::Architecture::new(
        vec![2, 4, 2],
        nn_core::Activation::Tanh,
        nn_core::Activation::Softmax,
        nn_core::Loss::CrossEntropy,
    )
    .unwrap();
    let config = TrainConfig::new(arch);
    // (batch, shard): a batch of up to 32 is one shard; 64 two; 128 four of 32
    // (MPI's four ranks); 512 four of 128; 4096 sixteen of 256.
    for (batch, shard) in [
        (10, 32),
        (32, 32),
        (64, 32),
        (96, 32),
        (128, 32),
        (512, 128),
        (4096, 256),
    ] {
        assert_eq!(config.shard_size_for(batch), shard, "batch {batch}");
    }
    // A shard size set by hand is kept.
    let set = TrainConfig {
        shard_size: Some(16),
        ..config
    };
    assert_eq!(set.shard_size_for(64), 16);
}

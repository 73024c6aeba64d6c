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

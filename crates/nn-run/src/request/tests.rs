//! Requests' tests: the defaults' rows, settings given where they do not
//! apply, and settings' effects on the resolved run (the cosine's floor, betas).

use super::*;
use crate::request::SMALL_INPUTS;

#[test]
fn every_purpose_and_size_has_one_row() {
    for purpose in [Purpose::Headless, Purpose::Dashboard] {
        for inputs in [2, SMALL_INPUTS, SMALL_INPUTS + 1, 784] {
            let rows = DEFAULTS
                .iter()
                .filter(|(p, s, _)| *p == purpose && *s == is_small(inputs))
                .count();
            assert_eq!(rows, 1, "{purpose:?} {inputs}");
        }
    }
}

#[test]
fn headless_and_dashboard_defaults_differ_where_documented() {
    assert_eq!(defaults(Purpose::Headless, 2).activation, Activation::Relu);
    assert_eq!(defaults(Purpose::Dashboard, 2).activation, Activation::Tanh);
    assert_eq!(defaults(Purpose::Dashboard, 2).hidden, &[8, 8]);
    assert_eq!(defaults(Purpose::Headless, 784).epochs, Some(10));
    assert_eq!(defaults(Purpose::Dashboard, 784).epochs, None);
    assert_eq!(defaults(Purpose::Dashboard, 2).pace, Pace::PLAYGROUND);
    assert_eq!(defaults(Purpose::Dashboard, 784).pace, Pace::Max);
    let asked = TrainRequest {
        pace: Some(Pace::EpochsPerSecond(5.0)),
        ..TrainRequest::default()
    };
    assert_eq!(
        asked.pace(Purpose::Dashboard, 2),
        Pace::EpochsPerSecond(5.0)
    );
}

#[test]
fn settings_that_do_not_apply_are_named() {
    let err = TrainRequest {
        momentum: Some(0.5),
        ..TrainRequest::default()
    }
    .validate()
    .unwrap_err();
    assert_eq!(err.setting, Setting::Momentum);
    assert_eq!(
        err.to_string(),
        "momentum: applies only to the momentum and nesterov optimizers"
    );
    let err = TrainRequest {
        learning_rate: Some(-1.0),
        ..TrainRequest::default()
    }
    .validate()
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "learning rate -1: expected a positive learning rate such as 0.01"
    );
}

/// The cosine schedule anneals to `min_lr_factor` of the rate (a setting of its own
/// since issue 19; 0.01 before, and by default).
#[test]
fn the_cosine_schedule_ends_at_the_min_lr_factor() {
    let data = crate::load_data(
        &crate::DataSpec::parse("xor").unwrap(),
        &crate::DataOptions::default(),
    )
    .unwrap();
    let resolve = |request: TrainRequest| request.resolve(Purpose::Headless, &data).unwrap();
    let cosine = TrainRequest {
        schedule: ScheduleChoice::Cosine,
        epochs: Some(10),
        ..TrainRequest::default()
    };
    let default = resolve(cosine.clone());
    assert_eq!(default.schedule.factor(10), 0.01);
    let half = resolve(TrainRequest {
        min_lr_factor: 0.5,
        ..cosine.clone()
    });
    assert_eq!(half.schedule.factor(0), 1.0);
    assert_eq!(half.schedule.factor(10), 0.5);
    let err = TrainRequest {
        min_lr_factor: 1.5,
        ..cosine
    }
    .validate()
    .unwrap_err();
    assert_eq!(err.setting, Setting::MinLrFactor);
}

/// The xor data set with the default options.
fn xor() -> std::sync::Arc<nn_train::TrainData> {
    std::sync::Arc::new(
        crate::load_data(
            &crate::DataSpec::parse("xor").unwrap(),
            &crate::DataOptions::default(),
        )
        .unwrap(),
    )
}

/// The weights after one headless epoch of `request` on `data`.
fn weights_after_an_epoch(
    request: &TrainRequest,
    data: &std::sync::Arc<nn_train::TrainData>,
) -> Vec<f32> {
    let config = request.resolve(Purpose::Headless, data).unwrap();
    let mut trainer = nn_train::Trainer::new(config, std::sync::Arc::clone(data)).unwrap();
    trainer.run_epoch().unwrap();
    trainer.network().parameters().to_vec()
}

/// `betas` (issue 19's one-row setting) reaches Adam's and AdamW's update:
/// other betas train to other weights, the defaults to the same as none; they
/// are checked, and refused for the optimizers that have none.
#[test]
fn betas_steer_adams_update() {
    let data = xor();
    let weights_after_an_epoch = |request: TrainRequest| weights_after_an_epoch(&request, &data);
    for optimizer in [OptimizerChoice::Adam, OptimizerChoice::AdamW] {
        let adam = TrainRequest {
            optimizer: Some(optimizer),
            ..TrainRequest::default()
        };
        let config = adam.resolve(Purpose::Headless, &data).unwrap();
        let with = |betas| TrainRequest {
            betas: Some(betas),
            ..adam.clone()
        };
        let other = with((0.5, 0.9)).resolve(Purpose::Headless, &data).unwrap();
        assert!(matches!(
            other.optimizer,
            OptimizerKind::Adam {
                beta1: 0.5,
                beta2: 0.9,
                ..
            } | OptimizerKind::AdamW {
                beta1: 0.5,
                beta2: 0.9,
                ..
            }
        ));
        assert_eq!(OptimizerChoice::of(&other.optimizer), optimizer);
        assert_eq!(
            with(DEFAULT_BETAS)
                .resolve(Purpose::Headless, &data)
                .unwrap(),
            config
        );
        let plain = weights_after_an_epoch(adam.clone());
        assert_eq!(weights_after_an_epoch(with(DEFAULT_BETAS)), plain);
        assert_ne!(weights_after_an_epoch(with((0.5, 0.9))), plain);
        let err = with((0.9, 1.0)).validate().unwrap_err();
        assert_eq!(err.setting, Setting::Betas);
        assert_eq!(
            err.to_string(),
            "Adam betas 0.9,1: expected two fractions from 0 up to (not including) 1, \
             e.g. 0.9,0.999"
        );
    }
    let err = TrainRequest {
        betas: Some((0.5, 0.9)),
        optimizer: Some(OptimizerChoice::Momentum),
        ..TrainRequest::default()
    }
    .validate()
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Adam betas: applies only to the adam and adamw optimizers"
    );
}

/// `eps` (the setting added to show that a new setting is one row plus its effect
/// in the engine) reaches Adam's and AdamW's denominator: the resolved optimizer
/// holds it, other values train to other weights and PyTorch's 1e-8 to the same as
/// none; it is checked, and refused for the optimizers that have none.
#[test]
fn eps_reaches_adams_denominator() {
    let data = xor();
    let weights_after_an_epoch = |request: TrainRequest| weights_after_an_epoch(&request, &data);
    for optimizer in [OptimizerChoice::Adam, OptimizerChoice::AdamW] {
        let adam = TrainRequest {
            optimizer: Some(optimizer),
            ..TrainRequest::default()
        };
        let with = |eps| TrainRequest {
            eps: Some(eps),
            ..adam.clone()
        };
        let config = with(1e-3).resolve(Purpose::Headless, &data).unwrap();
        assert!(matches!(
            config.optimizer,
            OptimizerKind::Adam { epsilon, .. } | OptimizerKind::AdamW { epsilon, .. }
                if epsilon == 1e-3
        ));
        let plain = weights_after_an_epoch(adam.clone());
        assert_eq!(weights_after_an_epoch(with(DEFAULT_EPS)), plain);
        assert_ne!(weights_after_an_epoch(with(1e-3)), plain);
        let err = with(0.0).validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "Adam eps 0: expected a positive number such as 1e-8"
        );
    }
    let err = TrainRequest {
        eps: Some(1e-6),
        ..TrainRequest::default()
    }
    .validate()
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Adam eps: applies only to the adam and adamw optimizers"
    );
}

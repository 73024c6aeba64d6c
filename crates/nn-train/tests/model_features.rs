//! A model carries its input features: saved, loaded and run on raw rows, it gives
//! what the trainer saw (moved from `model.rs`'s unit tests: it loads data through
//! nn-run, which a unit test of nn-train cannot use).

use std::sync::Arc;

use nn_core::Workspace;
use nn_train::{Model, Trainer};

/// A network trained on features of the circle: saved, loaded, evaluated on
/// the raw data and run on raw rows, it gives what the trainer saw.
#[test]
fn features_travel_with_the_model() {
    let options = nn_run::DataOptions {
        samples: 200,
        features: Some("x1^2,x2^2,x1x2".parse().unwrap()),
        ..nn_run::DataOptions::default()
    };
    let spec = nn_run::DataSpec::Generator("circle".into());
    let data = Arc::new(nn_run::load_data(&spec, &options).unwrap());
    assert_eq!(data.train.feature_names(), ["x1^2", "x2^2", "x1x2"]);
    let config = nn_run::TrainRequest {
        epochs: Some(3),
        ..nn_run::TrainRequest::default()
    }
    .resolve(nn_run::Purpose::Headless, &data)
    .unwrap();
    let mut trainer = Trainer::new(config, Arc::clone(&data)).unwrap();
    trainer.run_epochs(3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    trainer.save_model(&path).unwrap();

    let model = Model::load(&path).unwrap();
    assert_eq!(model.info.feature_names, ["x1", "x2"]);
    assert_eq!(model.info.input_features, ["x1^2", "x2^2", "x1x2"]);
    assert_eq!(model.raw_columns(), 2);
    let raw = nn_run::load_data(
        &spec,
        &nn_run::DataOptions {
            features: None,
            ..options
        },
    )
    .unwrap();
    let raw_test = raw.test.as_ref().unwrap();
    let expected = trainer.evaluate(data.test.as_ref().unwrap()).unwrap();
    assert_eq!(model.evaluate(raw_test, 1).unwrap(), expected);

    let nn_data::Inputs::F32(rows) = raw_test.inputs() else {
        panic!()
    };
    let mut ws = Workspace::new();
    let outputs = model.predict(&rows[..2], &mut ws).unwrap().to_vec();
    let (x1, x2) = (rows[0], rows[1]);
    let mut featured = [x1 * x1, x2 * x2, x1 * x2];
    data.normalization.apply_row(&mut featured);
    let direct = trainer.network().predict(&featured).unwrap();
    assert_eq!(outputs, direct);
}

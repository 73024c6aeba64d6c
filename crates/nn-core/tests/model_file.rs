//! Model files: round trip bit for bit, and every way a file can be wrong.

use std::collections::HashMap;

use nn_core::{
    Activation, Architecture, CoreError, FORMAT_VERSION, InputTransform, Loss, METADATA_KEY,
    ModelFileError, ModelInfo, Network, load_model, model_from_bytes, model_to_bytes, save_model,
};
use safetensors::{Dtype, tensor::TensorView};

fn network() -> Network {
    let arch = Architecture::new(
        vec![3, 5, 4, 2],
        Activation::Relu,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    Network::new(arch, 9).unwrap()
}

fn info() -> ModelInfo {
    ModelInfo {
        normalization: Some(InputTransform {
            kind: "standardize".into(),
            shift: vec![0.5, -1.0, 2.0],
            scale: vec![2.0, 1.0, 0.25],
        }),
        class_names: vec!["cat".into(), "dog".into()],
        feature_names: vec!["a".into(), "b".into(), "c".into()],
        input_features: Vec::new(),
        dataset: Some("pets.csv".into()),
    }
}

/// Input features round trip, and are left out of the JSON when there are none.
#[test]
fn input_features_are_stored_only_when_set() {
    let net = network();
    let plain = model_to_bytes(&net, &info());
    let text = String::from_utf8_lossy(&plain);
    assert!(!text.contains("input_features"));
    let with = ModelInfo {
        feature_names: vec!["x1".into(), "x2".into()],
        input_features: vec!["x1".into(), "x1^2".into(), "sinx2".into()],
        ..info()
    };
    let bytes = model_to_bytes(&net, &with);
    let (_, loaded) = model_from_bytes(&bytes).unwrap();
    assert_eq!(loaded, with);
}

/// A file written before input features existed (metadata without the key) loads.
#[test]
fn files_from_before_input_features_load() {
    let net = network();
    let json = serde_json::json!({
        "format_version": FORMAT_VERSION,
        "architecture": net.architecture(),
        "normalization": null,
        "class_names": ["cat", "dog"],
        "feature_names": ["a", "b", "c"],
        "dataset": "pets.csv",
    })
    .to_string();
    let (_, info) = model_from_bytes(&craft(&tensors_of(&net), Some(json))).unwrap();
    assert!(info.input_features.is_empty());
    assert_eq!(info.feature_names, ["a", "b", "c"]);
}

/// Writes a safetensors file with the given tensors and metadata JSON.
fn craft(tensors: &[(&str, Vec<usize>, Vec<f32>)], metadata: Option<String>) -> Vec<u8> {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(n, s, v)| {
            (
                n.to_string(),
                s.clone(),
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            )
        })
        .collect();
    let views = bytes.iter().map(|(n, s, b)| {
        (
            n.clone(),
            TensorView::new(Dtype::F32, s.clone(), b).unwrap(),
        )
    });
    safetensors::serialize(
        views,
        metadata.map(|m| HashMap::from([(METADATA_KEY.to_string(), m)])),
    )
    .unwrap()
}

fn tensors_of(net: &Network) -> Vec<(&'static str, Vec<usize>, Vec<f32>)> {
    let names = [
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
        "layers.2.weight",
        "layers.2.bias",
    ];
    let mut out = Vec::new();
    for (l, shape) in net.layers().iter().enumerate() {
        out.push((
            names[2 * l],
            vec![shape.outputs, shape.inputs],
            net.weights(l).to_vec(),
        ));
        out.push((names[2 * l + 1], vec![shape.outputs], net.bias(l).to_vec()));
    }
    out
}

fn metadata_json(net: &Network, version: u32) -> String {
    serde_json::json!({ "format_version": version, "architecture": net.architecture() }).to_string()
}

fn rejection(bytes: &[u8]) -> ModelFileError {
    model_from_bytes(bytes).expect_err("must be rejected")
}

#[test]
fn round_trip_is_bit_identical() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let net = network();
    save_model(&path, &net, &info()).unwrap();
    let (loaded, loaded_info) = load_model(&path).unwrap();
    assert_eq!(loaded_info, info());
    assert_eq!(loaded.architecture(), net.architecture());
    let bits = |n: &Network| {
        n.parameters()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&loaded), bits(&net));
    let x = [0.1, -0.7, 2.5, 1.0, 0.0, -3.0];
    let a: Vec<u32> = net
        .predict(&x)
        .unwrap()
        .iter()
        .map(|v| v.to_bits())
        .collect();
    let b: Vec<u32> = loaded
        .predict(&x)
        .unwrap()
        .iter()
        .map(|v| v.to_bits())
        .collect();
    assert_eq!(a, b);
    // An ordinary file, readable by others like any file the user saves.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }
    // Atomic write leaves nothing behind but the file itself.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("model.safetensors")]);
}

#[test]
fn equal_models_give_identical_bytes() {
    // Each HashMap gets its own random order: several serialisations would differ if any did.
    let first = model_to_bytes(&network(), &info());
    for _ in 0..16 {
        assert_eq!(model_to_bytes(&network(), &info()), first);
    }
}

#[test]
fn tensor_names_follow_pytorch_sequential_linear() {
    let bytes = model_to_bytes(&network(), &info());
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names = st.names();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "layers.0.bias",
            "layers.0.weight",
            "layers.1.bias",
            "layers.1.weight",
            "layers.2.bias",
            "layers.2.weight"
        ]
    );
    assert_eq!(st.tensor("layers.0.weight").unwrap().shape(), [5, 3]);
}

#[test]
fn truncated_file_is_rejected() {
    let bytes = model_to_bytes(&network(), &info());
    for cut in [0, 4, 8, 20, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            matches!(rejection(&bytes[..cut]), ModelFileError::NotSafetensors(_)),
            "cut at {cut}"
        );
    }
}

#[test]
fn non_safetensors_file_is_rejected() {
    assert!(matches!(
        rejection(b"label,x1,x2\n0,1,2\n"),
        ModelFileError::NotSafetensors(_)
    ));
}

#[test]
fn missing_metadata_is_rejected() {
    let net = network();
    assert_eq!(
        rejection(&craft(&tensors_of(&net), None)),
        ModelFileError::MissingMetadata
    );
}

#[test]
fn unknown_version_is_rejected() {
    let net = network();
    let err = rejection(&craft(&tensors_of(&net), Some(metadata_json(&net, 99))));
    assert_eq!(
        err,
        ModelFileError::UnknownVersion {
            found: 99,
            supported: FORMAT_VERSION
        }
    );
    assert!(err.to_string().contains("unknown format version 99"));
}

#[test]
fn missing_tensor_is_rejected() {
    let net = network();
    let mut t = tensors_of(&net);
    t.remove(3);
    let err = rejection(&craft(&t, Some(metadata_json(&net, FORMAT_VERSION))));
    assert_eq!(err, ModelFileError::MissingTensor("layers.1.bias".into()));
}

#[test]
fn extra_tensor_is_rejected() {
    let net = network();
    let mut t = tensors_of(&net);
    t.push(("layers.3.weight", vec![1, 2], vec![0.0, 0.0]));
    let err = rejection(&craft(&t, Some(metadata_json(&net, FORMAT_VERSION))));
    assert_eq!(err, ModelFileError::ExtraTensor("layers.3.weight".into()));
}

#[test]
fn shape_disagreeing_with_metadata_is_rejected() {
    let net = network();
    let mut t = tensors_of(&net);
    t[0].1 = vec![3, 5]; // transposed
    let err = rejection(&craft(&t, Some(metadata_json(&net, FORMAT_VERSION))));
    assert!(
        matches!(err, ModelFileError::TensorShape { ref name, .. } if name == "layers.0.weight"),
        "{err}"
    );
    assert!(err.to_string().contains("needs [5, 3]"), "{err}");
}

#[test]
fn non_finite_weight_is_rejected() {
    let net = network();
    let mut t = tensors_of(&net);
    t[2].2[7] = f32::NAN;
    let err = rejection(&craft(&t, Some(metadata_json(&net, FORMAT_VERSION))));
    assert_eq!(
        err,
        ModelFileError::NonFinite {
            name: "layers.1.weight".into(),
            index: 7
        }
    );
}

#[test]
fn invalid_metadata_is_rejected() {
    let net = network();
    let err = rejection(&craft(&tensors_of(&net), Some("{not json".into())));
    assert!(matches!(err, ModelFileError::BadMetadata(_)));
    let bad_arch = r#"{"format_version":1,"architecture":{"sizes":[3,5,4,2],"hidden":"relu","output":"sigmoid","loss":"cross_entropy"}}"#;
    let err = rejection(&craft(&tensors_of(&net), Some(bad_arch.into())));
    assert!(matches!(err, ModelFileError::Architecture(_)), "{err}");
}

#[test]
fn load_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.safetensors");
    std::fs::write(&path, b"nonsense").unwrap();
    let err = load_model(&path).unwrap_err();
    assert!(matches!(err, CoreError::ModelFile { .. }));
    assert!(
        err.to_string().starts_with(&path.display().to_string()),
        "{err}"
    );
    let missing = dir.path().join("nope.safetensors");
    assert!(
        load_model(&missing)
            .unwrap_err()
            .to_string()
            .contains("nope.safetensors")
    );
}

#[test]
fn saving_into_a_missing_folder_is_an_error_that_keeps_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = save_model(
        &dir.path().join("no/such/dir/m.safetensors"),
        &network(),
        &info(),
    )
    .unwrap_err();
    assert!(matches!(err, CoreError::Io { .. }));
    // Overwriting an existing model replaces it whole.
    let path = dir.path().join("m.safetensors");
    save_model(&path, &network(), &ModelInfo::default()).unwrap();
    save_model(&path, &network(), &info()).unwrap();
    assert_eq!(load_model(&path).unwrap().1, info());
}

#[test]
fn the_seeds_loss_is_defined_in_the_metadata_and_old_files_load_as_seed() {
    let arch = Architecture::new(
        vec![3, 4, 10],
        Activation::Sigmoid,
        Activation::Sigmoid,
        Loss::Seed,
    )
    .unwrap();
    let net = Network::new(arch, 2).unwrap();
    let bytes = model_to_bytes(&net, &ModelInfo::default());
    let (_, metadata) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&metadata.metadata().as_ref().unwrap()[METADATA_KEY]).unwrap();
    assert_eq!(json["architecture"]["loss"], "seed");
    let definition = json["loss_definition"].as_str().unwrap();
    assert!(
        definition.contains("1/2 sum_k (d_k - o_k)^2")
            && definition.contains("K/2 = 5 times mse's"),
        "{definition}"
    );
    // PyTorch's losses say what they are by name: no definition, same bytes as before.
    let ce = model_to_bytes(&network(), &ModelInfo::default());
    let (_, metadata) = safetensors::SafeTensors::read_metadata(&ce).unwrap();
    assert!(!metadata.metadata().as_ref().unwrap()[METADATA_KEY].contains("loss_definition"));

    // A file written before mse was split from the seed's loss named it "squared_error".
    let old = serde_json::json!({
        "format_version": FORMAT_VERSION,
        "architecture": {"sizes": [3, 4, 10], "hidden": "sigmoid", "output": "sigmoid", "loss": "squared_error"},
    })
    .to_string();
    let (loaded, _) = model_from_bytes(&craft(&tensors_of(&net), Some(old))).unwrap();
    assert_eq!(loaded.architecture().loss, Loss::Seed);
    assert_eq!(loaded.parameters(), net.parameters());
}

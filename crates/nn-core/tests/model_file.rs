//! Model files: round trip bit for bit, and every way a file can be wrong.

use std::collections::HashMap;

use nn_core::{
    Activation, Architecture, CoreError, FORMAT_VERSION, InputTransform, Loss, METADATA_KEY,
    ModelAssumptions, ModelFileError, ModelInfo, Network, load_model, load_model_without_metadata,
    model_from_bytes, model_from_bytes_without_metadata, model_to_bytes, save_model,
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
    // A later version is named as such even with fields this build does not know.
    let mut later = good_metadata();
    later["format_version"] = 2.into();
    later["calibration"] = serde_json::json!({"temperature": 1.5});
    assert_eq!(
        rejection_with(&later),
        ModelFileError::UnknownVersion {
            found: 2,
            supported: FORMAT_VERSION
        }
    );
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
    assert!(matches!(
        err,
        CoreError::Write(nn_atomic_write::WriteError::Io { .. })
    ));
    // Overwriting an existing model replaces it whole.
    let path = dir.path().join("m.safetensors");
    save_model(&path, &network(), &ModelInfo::default()).unwrap();
    save_model(&path, &network(), &info()).unwrap();
    assert_eq!(load_model(&path).unwrap().1, info());
}

/// The metadata `to_bytes` writes for [`network`] and [`info`], as JSON to edit.
fn good_metadata() -> serde_json::Value {
    let bytes = model_to_bytes(&network(), &info());
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    serde_json::from_str(&header.metadata().as_ref().unwrap()[METADATA_KEY]).unwrap()
}

/// The rejection of [`network`]'s tensors under `metadata`.
fn rejection_with(metadata: &serde_json::Value) -> ModelFileError {
    rejection(&craft(&tensors_of(&network()), Some(metadata.to_string())))
}

#[test]
fn malformed_fields_are_errors_naming_the_field() {
    // Each edit once made the loader drop the whole block silently: no
    // normalisation, no class names, and every prediction changed.
    let cases: [(&str, serde_json::Value, &str, &str); 12] = [
        (
            "dataset",
            7.into(),
            "dataset",
            "invalid type: integer `7`, expected a string",
        ),
        (
            "class_names",
            5.into(),
            "class_names",
            "invalid type: integer `5`, expected an array",
        ),
        (
            "class_names",
            serde_json::json!(["a", 1]),
            "class_names",
            "invalid type: integer `1`, expected a string",
        ),
        (
            "class_names",
            serde_json::json!(["a", "b", "c"]),
            "class_names",
            "more than 2 names for a network with 2 outputs",
        ),
        (
            "feature_names",
            serde_json::json!(["a"]),
            "feature_names",
            "1 names for a network with 3 inputs",
        ),
        (
            "normalization",
            "standardize".into(),
            "normalization",
            "invalid type: string \"standardize\", expected struct Raw",
        ),
        (
            "normalization",
            serde_json::json!({"kind": "standardize", "shift": [0.5, -1.0], "scale": [1, 1, 1]}),
            "normalization.shift",
            "2 values for a network with 3 inputs",
        ),
        (
            "normalization",
            serde_json::json!({"kind": "standardize", "shift": [0.5, -1.0, 2.0, 4.0], "scale": [1, 1, 1]}),
            "normalization.shift",
            "more than 3 values for a network with 3 inputs",
        ),
        (
            "normalization",
            serde_json::json!({"kind": "standardize", "shift": [0, 0, 0], "scale": [1, "x", 1]}),
            "normalization.scale",
            "invalid type: string \"x\", expected f32",
        ),
        (
            "normalization",
            serde_json::json!({"kind": "standardize", "shift": [0, 0, 0]}),
            "normalization",
            "missing field `scale`",
        ),
        (
            "normalization",
            serde_json::json!({"kind": "\u{1b}[31m", "shift": [0, 0, 0], "scale": [1, 1, 1]}),
            "normalization.kind",
            "expected a name such as `standardize`, found \"\\u{1b}[31m\"",
        ),
        (
            "format_version",
            "1".into(),
            "format_version",
            "invalid type: string \"1\", expected u32",
        ),
    ];
    for (key, value, field, message) in cases {
        let mut metadata = good_metadata();
        metadata[key] = value;
        let err = rejection_with(&metadata);
        assert_eq!(
            err,
            ModelFileError::BadField {
                field,
                message: message.into()
            },
            "{key}"
        );
        assert_eq!(
            err.to_string(),
            format!("metadata field `{field}`: {message}")
        );
    }
    for required in ["format_version", "architecture"] {
        let mut metadata = good_metadata();
        metadata.as_object_mut().unwrap().remove(required);
        assert_eq!(
            rejection_with(&metadata).to_string(),
            format!("metadata field `{required}`: missing")
        );
    }
    let mut metadata = good_metadata();
    metadata["input_features"] = 3.into();
    assert_eq!(
        rejection_with(&metadata).to_string(),
        "metadata field `input_features`: invalid type: integer `3`, expected an array"
    );
    metadata["input_features"] = serde_json::json!(["x1", "x2"]);
    assert_eq!(
        rejection_with(&metadata).to_string(),
        "metadata field `input_features`: 2 features for a network with 3 inputs"
    );
    // A misspelt field is not ignored either: it is named.
    let mut metadata = good_metadata();
    metadata["class_name"] = serde_json::json!(["cat", "dog"]);
    let err = rejection_with(&metadata).to_string();
    assert!(
        err.starts_with("metadata is not valid JSON for this format: unknown field `class_name`"),
        "{err}"
    );
    // Every normalisation name the trainer writes is a name.
    for kind in ["none", "standardize", "min-max", "scale255", "min_max"] {
        let mut metadata = good_metadata();
        metadata["normalization"]["kind"] = kind.into();
        let bytes = craft(&tensors_of(&network()), Some(metadata.to_string()));
        let (_, info) = model_from_bytes(&bytes).unwrap();
        assert_eq!(info.normalization.unwrap().kind, kind);
    }
    // The optional fields may be absent, or null, as before.
    let mut metadata = good_metadata();
    for key in ["normalization", "class_names", "feature_names", "dataset"] {
        metadata[key] = serde_json::Value::Null;
    }
    let (_, loaded) =
        model_from_bytes(&craft(&tensors_of(&network()), Some(metadata.to_string()))).unwrap();
    assert_eq!(loaded, ModelInfo::default());
}

#[test]
fn a_huge_quoted_value_gives_a_short_one_line_error() {
    let mut metadata = good_metadata();
    metadata["dataset"] = serde_json::json!([format!("\n\u{1b}]0;{}", "x".repeat(1 << 20))]);
    let err = rejection_with(&metadata).to_string();
    assert!(err.len() < 200, "{} bytes", err.len());
    assert!(!err.chars().any(char::is_control), "{err}");
    assert!(
        err.starts_with("metadata field `dataset`: invalid type: sequence"),
        "{err}"
    );
}

#[test]
fn huge_declared_layers_are_rejected_before_anything_is_allocated() {
    let net = network();
    // Once: an abort allocating terabytes (or a capacity overflow), before any tensor was looked at.
    for sizes in [
        serde_json::json!([3, 1_000_000_000_000_u64, 4, 2]),
        serde_json::json!([3, 5, 1_u64 << 40, 2]),
    ] {
        let mut metadata = good_metadata();
        metadata["architecture"]["sizes"] = sizes;
        let err = rejection(&craft(&tensors_of(&net), Some(metadata.to_string())));
        assert!(matches!(err, ModelFileError::TensorShape { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("the metadata's architecture needs"),
            "{err}"
        );
    }
    // Sizes whose parameter count does not even fit in a usize.
    let mut metadata = good_metadata();
    metadata["architecture"]["sizes"] = serde_json::json!([usize::MAX, usize::MAX, usize::MAX, 2]);
    let err = rejection(&craft(&tensors_of(&net), Some(metadata.to_string())));
    assert!(
        err.to_string()
            .contains("more parameters than this machine can count"),
        "{err}"
    );
    // More layer sizes than the file has tensors: refused before the list is read.
    let mut metadata = good_metadata();
    metadata["architecture"]["sizes"] = serde_json::json!(vec![3; 100_000]);
    assert_eq!(
        rejection(&craft(&tensors_of(&net), Some(metadata.to_string()))),
        ModelFileError::BadField {
            field: "architecture.sizes",
            message: "more than 7 layer sizes, for a file of only 6 tensors".into()
        }
    );
}

#[test]
fn a_file_without_our_metadata_gets_its_own_error() {
    let net = network();
    // As PyTorch's `save_file(..., metadata={"format": "pt"})` writes it.
    let views: Vec<_> = tensors_of(&net);
    let bytes = {
        let raw: Vec<(String, Vec<usize>, Vec<u8>)> = views
            .iter()
            .map(|(n, s, v)| {
                let b = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                (n.to_string(), s.clone(), b)
            })
            .collect();
        let views = raw.iter().map(|(n, s, b)| {
            (
                n.clone(),
                TensorView::new(Dtype::F32, s.clone(), b).unwrap(),
            )
        });
        let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
        safetensors::serialize(views, Some(metadata)).unwrap()
    };
    let err = rejection(&bytes);
    assert_eq!(err, ModelFileError::MissingMetadata);
    assert!(
        err.to_string().contains("written by another tool?"),
        "{err}"
    );
}

fn tanh_softmax() -> ModelAssumptions {
    ModelAssumptions {
        hidden: Activation::Tanh,
        output: Activation::Softmax,
        loss: Loss::CrossEntropy,
    }
}

fn torch_fixture() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/torch_sequential.safetensors")
}

#[test]
fn a_plain_pytorch_file_loads_under_stated_assumptions() {
    let path = torch_fixture();
    // Refused without assumptions...
    let err = load_model(&path).unwrap_err();
    assert!(
        matches!(&err, CoreError::ModelFile { reason, .. } if **reason == ModelFileError::MissingMetadata),
        "{err}"
    );
    // ...and with them, it computes what PyTorch computed (tests/fixtures/torch_sequential.py,
    // torch 2.15.0): nn.Sequential(Linear(2, 3), Tanh, Linear(3, 3), Tanh, Linear(3, 2)), softmax.
    let (net, info) = load_model_without_metadata(&path, &tanh_softmax()).unwrap();
    assert_eq!(info, ModelInfo::default());
    assert_eq!(net.architecture().sizes, [2, 3, 3, 2]);
    let out = net.predict(&[0.5, -1.0, 2.0, 0.25]).unwrap();
    let torch: [f64; 4] = [0.611_402_392, 0.388_597_578, 0.632_172_048, 0.367_827_982];
    for (ours, theirs) in out.iter().zip(torch) {
        assert!(
            (f64::from(*ours) - theirs).abs() < 1e-6,
            "{out:?} vs {torch:?}"
        );
    }
    assert_eq!(
        tanh_softmax().to_string(),
        format!(
            "tanh hidden, softmax output, {} loss, raw inputs (no normalisation), no class or feature names",
            Loss::CrossEntropy
        )
    );
}

#[test]
fn our_own_tensors_load_without_metadata_too() {
    let net = network();
    let bytes = craft(&tensors_of(&net), None);
    let assumptions = ModelAssumptions {
        hidden: Activation::Relu,
        output: Activation::Softmax,
        loss: Loss::CrossEntropy,
    };
    let (loaded, _) = model_from_bytes_without_metadata(&bytes, &assumptions).unwrap();
    assert_eq!(loaded.architecture(), net.architecture());
    assert_eq!(loaded.parameters(), net.parameters());
    // A file with our metadata is loaded the normal way, never under assumptions.
    let ours = model_to_bytes(&net, &info());
    assert_eq!(
        model_from_bytes_without_metadata(&ours, &assumptions).unwrap_err(),
        ModelFileError::HasMetadata
    );
}

#[test]
fn metadata_less_files_that_are_not_a_chain_of_linear_layers_are_refused() {
    let net = network();
    let reject = |tensors: &[(&str, Vec<usize>, Vec<f32>)]| {
        model_from_bytes_without_metadata(&craft(tensors, None), &tanh_softmax())
            .unwrap_err()
            .to_string()
    };
    let mut t = tensors_of(&net);
    t.push(("running_mean", vec![2], vec![0.0, 0.0]));
    assert!(
        reject(&t).starts_with("tensor `running_mean` is not a linear layer's"),
        "{}",
        reject(&t)
    );
    let mut t = tensors_of(&net);
    t[5].0 = "head.2.bias";
    assert!(
        reject(&t).starts_with("tensor `head.2.bias` is not"),
        "{}",
        reject(&t)
    );
    let mut t = tensors_of(&net);
    t.remove(1);
    assert_eq!(reject(&t), "missing tensor layers.0.bias");
    let mut t = tensors_of(&net);
    t[2] = ("layers.1.weight", vec![4, 4], vec![0.0; 16]); // takes 4 inputs, layer 0 gives 5
    assert_eq!(
        reject(&t),
        "tensor layers.1.weight has shape [4, 4] (F32), a linear layer after the previous one needs [4, 5] (F32)"
    );
    assert_eq!(
        reject(&[]),
        "no tensors: expected at least one linear layer (layers.0.weight, layers.0.bias)"
    );
    // Assumptions that make no valid network.
    let t = tensors_of(&net);
    let wrong = ModelAssumptions {
        hidden: Activation::Relu,
        output: Activation::Sigmoid,
        loss: Loss::CrossEntropy,
    };
    let err = model_from_bytes_without_metadata(&craft(&t, None), &wrong).unwrap_err();
    assert!(matches!(err, ModelFileError::Architecture(_)), "{err}");
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

/// Derived input features: the raw columns may be fewer (or, for `x1x2` alone, more)
/// than the network's inputs, and both lists round-trip.
#[test]
fn input_features_round_trip_with_their_raw_columns() {
    let arch = Architecture::new(
        vec![1, 3, 2],
        Activation::Tanh,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    let net = Network::new(arch, 3).unwrap();
    let info = ModelInfo {
        class_names: vec!["a".into(), "b".into()],
        feature_names: vec!["x1".into(), "x2".into()],
        input_features: vec!["x1x2".into()],
        ..ModelInfo::default()
    };
    let (_, loaded) = model_from_bytes(&model_to_bytes(&net, &info)).unwrap();
    assert_eq!(loaded, info);
    let wrong = ModelInfo {
        input_features: vec!["x1".into(), "x2".into()],
        ..info
    };
    let err = model_from_bytes(&model_to_bytes(&net, &wrong)).unwrap_err();
    assert!(err.to_string().contains("input_features"), "{err}");
}

/// The bounded reader stops where the header says the file ends: an endless input
/// (`/dev/zero`) costs its 8-byte length, a header length over the limit stops the
/// reading before the header, and a real file reads whole, plus one byte of anything after it.
#[test]
fn safetensors_are_read_no_further_than_their_header_allows() {
    let zero = std::fs::File::open("/dev/zero").unwrap();
    assert_eq!(nn_core::read_safetensors(zero).unwrap(), [0; 8]);
    let err = load_model(std::path::Path::new("/dev/zero")).unwrap_err();
    assert!(err.to_string().starts_with("/dev/zero: "), "{err}");

    let huge = (1_u64 << 40).to_le_bytes();
    let endless = huge.iter().copied().chain(std::iter::repeat(b' '));
    let read = nn_core::read_safetensors(Reader(endless)).unwrap();
    assert_eq!(read, huge, "the length alone: the parser refuses it");

    let arch = Architecture::new(
        vec![2, 3, 1],
        Activation::Tanh,
        Activation::Sigmoid,
        Loss::Mse,
    )
    .unwrap();
    let bytes = model_to_bytes(&Network::new(arch, 1).unwrap(), &ModelInfo::default());
    let followed = bytes.iter().copied().chain(std::iter::repeat(7));
    let read = nn_core::read_safetensors(Reader(followed)).unwrap();
    assert_eq!(read.len(), bytes.len() + 1);
    assert_eq!(read[..bytes.len()], bytes[..]);
    assert_eq!(nn_core::read_safetensors(&bytes[..]).unwrap(), bytes);
}

/// Bytes from an iterator, as a reader (an endless one, for the test above).
struct Reader<I>(I);

impl<I: Iterator<Item = u8>> std::io::Read for Reader<I> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        for (slot, byte) in buf.iter_mut().zip(&mut self.0) {
            *slot = byte;
            n += 1;
        }
        Ok(n)
    }
}

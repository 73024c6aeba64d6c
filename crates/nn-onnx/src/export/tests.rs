//! Tests of `export.rs`.

use nn_core::{Loss, ModelInfo, Network};
use nn_data::{Normalization, NormalizationKind};

use super::*;

fn model(sizes: Vec<usize>, hidden: Activation, output: Activation, classes: usize) -> Model {
    let loss = match output {
        Activation::Softmax => Loss::CrossEntropy,
        _ => Loss::Mse,
    };
    let inputs = sizes[0];
    let arch = Architecture::new(sizes, hidden, output, loss).unwrap();
    Model {
        network: Network::new(arch, 3).unwrap(),
        info: ModelInfo {
            class_names: (0..classes).map(|c| format!("c{c}")).collect(),
            feature_names: (0..inputs).map(|j| format!("x{j}")).collect(),
            ..ModelInfo::default()
        },
        normalization: Normalization {
            kind: NormalizationKind::Standardize,
            shift: (0..inputs).map(|j| j as f32 - 0.5).collect(),
            scale: (0..inputs).map(|j| 1.0 / (j as f32 + 2.0)).collect(),
        },
        features: None,
    }
}

/// A model on the raw columns x1, x2 whose network takes `features`.
fn with_features(features: &[Feature]) -> Model {
    let features = Features::new(features.iter().copied()).unwrap();
    let mut m = model(
        vec![features.len(), 3, 2],
        Activation::Tanh,
        Activation::Softmax,
        2,
    );
    m.info.feature_names = vec!["x1".into(), "x2".into()];
    m.info.input_features = features.names();
    m.features = Some(features);
    m
}

/// (operator, inputs, output) of every node.
fn steps(graph: &GraphProto) -> Vec<(&str, Vec<&str>, &str)> {
    graph
        .node
        .iter()
        .map(|n| {
            assert_eq!(n.output.len(), 1);
            (
                n.op_type(),
                n.input.iter().map(String::as_str).collect(),
                n.output[0].as_str(),
            )
        })
        .collect()
}

fn decoded(model: &Model) -> ModelProto {
    ModelProto::decode(to_onnx(model).unwrap().as_slice()).unwrap()
}

fn floats(tensor: &TensorProto) -> Vec<f32> {
    tensor
        .raw_data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// `[batch, width]` as (dim_param, dim_value).
fn shape(value: &ValueInfoProto) -> (String, i64) {
    let Some(type_proto::Value::TensorType(t)) = &value.r#type.as_ref().unwrap().value else {
        panic!("not a tensor: {value:?}");
    };
    assert_eq!(t.elem_type, Some(tensor_proto::DataType::Float as i32));
    let dims = &t.shape.as_ref().unwrap().dim;
    assert_eq!(dims.len(), 2);
    match (&dims[0].value, &dims[1].value) {
        (
            Some(tensor_shape_proto::dimension::Value::DimParam(batch)),
            Some(tensor_shape_proto::dimension::Value::DimValue(width)),
        ) => (batch.clone(), *width),
        other => panic!("{other:?}"),
    }
}

#[test]
fn opset_input_output_and_one_node_per_step() {
    let m = model(vec![3, 4, 5, 2], Activation::Tanh, Activation::Softmax, 2);
    let proto = decoded(&m);
    assert_eq!(proto.ir_version, Some(8));
    assert_eq!(proto.opset_import.len(), 1);
    assert_eq!(proto.opset_import[0].domain(), "");
    assert_eq!(proto.opset_import[0].version, Some(17));
    assert_eq!(proto.producer_name(), "nn-tui");
    let graph = proto.graph.unwrap();
    assert_eq!(graph.input.len(), 1);
    assert_eq!(graph.input[0].name(), "features");
    assert_eq!(shape(&graph.input[0]), ("batch".into(), 3));
    assert_eq!(graph.output.len(), 1);
    assert_eq!(graph.output[0].name(), "probabilities");
    assert_eq!(shape(&graph.output[0]), ("batch".into(), 2));

    let steps = steps(&graph);
    let expected: Vec<(&str, Vec<&str>, &str)> = vec![
        ("Sub", vec!["features", "normalization.shift"], "centered"),
        ("Mul", vec!["centered", "normalization.scale"], "normalized"),
        (
            "Gemm",
            vec!["normalized", "layers.0.weight", "layers.0.bias"],
            "layers.0.z",
        ),
        ("Tanh", vec!["layers.0.z"], "layers.0.output"),
        (
            "Gemm",
            vec!["layers.0.output", "layers.1.weight", "layers.1.bias"],
            "layers.1.z",
        ),
        ("Tanh", vec!["layers.1.z"], "layers.1.output"),
        (
            "Gemm",
            vec!["layers.1.output", "layers.2.weight", "layers.2.bias"],
            "layers.2.z",
        ),
        ("Softmax", vec!["layers.2.z"], "probabilities"),
    ];
    assert_eq!(steps, expected);
    for n in &graph.node {
        let attributes: Vec<(&str, i64)> = n.attribute.iter().map(|a| (a.name(), a.i())).collect();
        match n.op_type() {
            "Gemm" => assert_eq!(attributes, [("transB", 1)]),
            "Softmax" => assert_eq!(attributes, [("axis", -1)]),
            _ => assert!(attributes.is_empty(), "{n:?}"),
        }
    }
}

#[test]
fn input_features_are_computed_from_the_raw_columns_in_the_models_order() {
    let m = with_features(&[
        Feature::X2,
        Feature::X1Squared,
        Feature::X1X2,
        Feature::SinX1,
        Feature::CosX2,
    ]);
    let graph = decoded(&m).graph.unwrap();
    assert_eq!(
        shape(&graph.input[0]),
        ("batch".into(), 2),
        "the raw columns"
    );
    let expected: Vec<(&str, Vec<&str>, &str)> = vec![
        ("Gather", vec!["features", "columns.x1.index"], "x1"),
        ("Gather", vec!["features", "columns.x2.index"], "x2"),
        ("Mul", vec!["x1", "x1"], "x1_squared"),
        ("Mul", vec!["x1", "x2"], "x1_x2"),
        ("Sin", vec!["x1"], "sin_x1"),
        ("Cos", vec!["x2"], "cos_x2"),
        (
            "Concat",
            vec!["x2", "x1_squared", "x1_x2", "sin_x1", "cos_x2"],
            "input_features",
        ),
        (
            "Sub",
            vec!["input_features", "normalization.shift"],
            "centered",
        ),
    ];
    assert_eq!(steps(&graph)[..expected.len()], expected);
    for n in &graph.node[..expected.len()] {
        let attributes: Vec<(&str, i64)> = n.attribute.iter().map(|a| (a.name(), a.i())).collect();
        match n.op_type() {
            "Gather" | "Concat" => assert_eq!(attributes, [("axis", 1)]),
            _ => assert!(attributes.is_empty(), "{n:?}"),
        }
    }
    for (name, column) in [("columns.x1.index", 0i64), ("columns.x2.index", 1)] {
        let index = graph.initializer.iter().find(|t| t.name() == name).unwrap();
        assert_eq!(index.dims, [1]);
        assert_eq!(index.data_type, Some(tensor_proto::DataType::Int64 as i32));
        assert_eq!(index.raw_data(), column.to_le_bytes());
    }

    // Only the columns the features read are picked.
    let m = with_features(&[Feature::X2, Feature::X2Squared]);
    let graph = decoded(&m).graph.unwrap();
    assert_eq!(shape(&graph.input[0]), ("batch".into(), 2));
    assert_eq!(
        steps(&graph)[..3],
        [
            ("Gather", vec!["features", "columns.x2.index"], "x2"),
            ("Mul", vec!["x2", "x2"], "x2_squared"),
            ("Concat", vec!["x2", "x2_squared"], "input_features"),
        ]
    );
}

#[test]
fn initializers_hold_the_weights_and_normalisation_as_stored() {
    let m = model(vec![3, 4, 2], Activation::Relu, Activation::Sigmoid, 2);
    let graph = decoded(&m).graph.unwrap();
    let by_name = |name: &str| {
        graph
            .initializer
            .iter()
            .find(|t| t.name() == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let shift = by_name("normalization.shift");
    assert_eq!(shift.dims, [3]);
    assert_eq!(shift.data_type, Some(tensor_proto::DataType::Float as i32));
    assert_eq!(floats(shift), m.normalization.shift);
    assert_eq!(
        floats(by_name("normalization.scale")),
        m.normalization.scale
    );
    for (l, layer) in m.network.layers().iter().enumerate() {
        let weight = by_name(&format!("layers.{l}.weight"));
        assert_eq!(weight.dims, [layer.outputs as i64, layer.inputs as i64]);
        assert_eq!(floats(weight), m.network.weights(l));
        let bias = by_name(&format!("layers.{l}.bias"));
        assert_eq!(bias.dims, [layer.outputs as i64]);
        assert_eq!(floats(bias), m.network.bias(l));
    }
    assert_eq!(graph.initializer.len(), 2 + 2 * 2);
}

#[test]
fn a_linear_output_is_the_last_gemm_and_names_say_what_comes_out() {
    let regression = model(vec![2, 3, 1], Activation::Sigmoid, Activation::Linear, 0);
    let graph = decoded(&regression).graph.unwrap();
    let last = graph.node.last().unwrap();
    assert_eq!(
        (last.op_type(), last.output[0].as_str()),
        ("Gemm", "values")
    );
    assert_eq!(graph.output[0].name(), "values");

    let scores = model(vec![2, 3, 3], Activation::Linear, Activation::Relu, 3);
    assert_eq!(output_name(&scores), "scores");
    let graph = decoded(&scores).graph.unwrap();
    let ops: Vec<&str> = graph.node.iter().map(NodeProto::op_type).collect();
    assert_eq!(
        ops,
        ["Sub", "Mul", "Gemm", "Gemm", "Relu"],
        "linear hidden: no node"
    );
    let binary = model(vec![2, 3, 1], Activation::Tanh, Activation::Sigmoid, 2);
    assert_eq!(output_name(&binary), "probabilities");
}

#[test]
fn names_and_classes_travel_as_metadata() {
    let mut m = model(vec![2, 3, 2], Activation::Tanh, Activation::Softmax, 2);
    m.info.class_names = vec!["cat, \"tabby\"".into(), "dog".into()];
    m.info.dataset = Some("pets.csv".into());
    let proto = decoded(&m);
    let props: Vec<(&str, &str)> = proto
        .metadata_props
        .iter()
        .map(|p| (p.key(), p.value()))
        .collect();
    assert_eq!(
        props,
        [
            ("feature_names", r#"["x0","x1"]"#),
            ("input_features", "[]"),
            ("class_names", r#"["cat, \"tabby\"","dog"]"#),
            ("normalization", "standardize"),
        ]
    );
    let featured = decoded(&with_features(&[Feature::X1, Feature::SinX2]));
    assert_eq!(featured.metadata_props[1].value(), r#"["x1","sinx2"]"#);
    assert!(
        featured
            .doc_string()
            .contains("softmax output, input features x1,sinx2, inputs normalised"),
        "{}",
        featured.doc_string()
    );
    assert_eq!(
        proto.doc_string(),
        "nn-tui model 2-3-2: tanh hidden, softmax output, inputs normalised (standardize), \
         trained on pets.csv"
    );
}

#[test]
fn weights_beyond_two_gib_are_refused_before_anything_is_built() {
    // 1.6 billion parameters: the architecture alone, never allocated.
    let arch = Architecture::new(
        vec![40_000, 40_000, 2],
        Activation::Relu,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    let err = check_size(&arch).unwrap_err().to_string();
    assert_eq!(
        err,
        "the model's 1600120002 parameters need about 6400800008 bytes, and one ONNX file \
         holds at most 2 GiB (weights in external data files are not supported)"
    );
    // Just under the limit passes: 500 million parameters, 2 GB.
    let fits = Architecture::new(
        vec![50_000, 10_000, 2],
        Activation::Relu,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    assert!(check_size(&fits).is_ok(), "{}", weight_bytes(&fits));
}

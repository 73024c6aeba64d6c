//! The model as ONNX messages: the normalisation as `Sub` and `Mul`, each layer as
//! `Gemm` and its activation, the weights as initializers; names and classes as the
//! model's metadata.

use nn_core::{Activation, Architecture};
use nn_data::{Feature, Features, RAW_COLUMNS};
use nn_train::Model;
use prost::Message as _;

use crate::OnnxError;
use crate::onnx_proto::{
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, StringStringEntryProto,
    TensorProto, TensorShapeProto, TypeProto, ValueInfoProto, attribute_proto, tensor_proto,
    tensor_shape_proto, type_proto,
};

/// The ONNX operator set the graph is written against (the default domain's).
pub const OPSET: i64 = 17;

/// The IR version that goes with opset 17: the file format a runtime must understand.
pub const IR_VERSION: i64 = 8;

/// The graph's one input: raw features, `[batch, inputs]`, float.
pub const INPUT_NAME: &str = "features";

/// The largest protobuf message, and so the largest ONNX file without external data.
const MAX_FILE_BYTES: u64 = i32::MAX as u64;

/// Room kept for everything besides the weights (names, nodes, metadata).
const ROOM_FOR_THE_GRAPH: u64 = 1 << 20;

/// The name of the graph's output for `model`: `probabilities` for a classifier with
/// a softmax or sigmoid output, `values` for a regression, `scores` otherwise.
pub fn output_name(model: &Model) -> &'static str {
    let output = model.network.architecture().output;
    if model.info.class_names.is_empty() {
        "values"
    } else if matches!(output, Activation::Softmax | Activation::Sigmoid) {
        "probabilities"
    } else {
        "scores"
    }
}

/// The model as the bytes of an ONNX file (a serialised `ModelProto`).
///
/// # Errors
/// [`OnnxError::TooLarge`] when the weights do not fit in one ONNX file.
pub fn to_onnx(model: &Model) -> Result<Vec<u8>, OnnxError> {
    let arch = model.network.architecture();
    check_size(arch)?;
    let proto = ModelProto {
        ir_version: Some(IR_VERSION),
        opset_import: vec![OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(OPSET),
        }],
        producer_name: Some("nn-tui".into()),
        producer_version: Some(env!("CARGO_PKG_VERSION").into()),
        doc_string: Some(describe(model)),
        graph: Some(graph(model)),
        metadata_props: metadata(model),
        ..ModelProto::default()
    };
    let bytes = proto.encode_to_vec();
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(arch));
    }
    Ok(bytes)
}

/// Fails before anything is built when the weights alone would not fit.
fn check_size(arch: &Architecture) -> Result<(), OnnxError> {
    if weight_bytes(arch) + ROOM_FOR_THE_GRAPH > MAX_FILE_BYTES {
        return Err(too_large(arch));
    }
    Ok(())
}

/// The weights, biases, shifts and scales as 4-byte floats.
fn weight_bytes(arch: &Architecture) -> u64 {
    4 * (arch.parameter_count() as u64 + 2 * arch.inputs() as u64)
}

fn too_large(arch: &Architecture) -> OnnxError {
    OnnxError::TooLarge {
        parameters: arch.parameter_count(),
        bytes: weight_bytes(arch),
    }
}

/// One line for the model's doc string: shape, activations, normalisation, data.
fn describe(model: &Model) -> String {
    let arch = model.network.architecture();
    let trained_on = model
        .info
        .dataset
        .as_ref()
        .map(|dataset| format!(", trained on {dataset}"))
        .unwrap_or_default();
    let features = model
        .features
        .as_ref()
        .map(|f| format!(", input features {f}"))
        .unwrap_or_default();
    format!(
        "nn-tui model {arch}: {} hidden, {} output{features}, inputs normalised ({}){trained_on}",
        arch.hidden, arch.output, model.normalization.kind
    )
}

/// The raw columns' names, the input features and the class names as JSON arrays, and
/// the normalisation's kind.
fn metadata(model: &Model) -> Vec<StringStringEntryProto> {
    let json = |names: &[String]| serde_json::to_string(names).expect("strings serialise");
    let features = model
        .features
        .as_ref()
        .map(Features::names)
        .unwrap_or_default();
    [
        ("feature_names", json(&model.info.feature_names)),
        ("input_features", json(&features)),
        ("class_names", json(&model.info.class_names)),
        ("normalization", model.normalization.kind.name().to_string()),
    ]
    .into_iter()
    .map(|(key, value)| StringStringEntryProto {
        key: Some(key.into()),
        value: Some(value),
    })
    .collect()
}

/// The nodes and initializers of a graph being built.
#[derive(Default)]
struct Builder {
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
}

impl Builder {
    /// Adds a node computing `output` from `inputs`; returns `output`'s name.
    fn node(
        &mut self,
        op_type: &str,
        inputs: &[&str],
        output: &str,
        attribute: Vec<AttributeProto>,
    ) -> String {
        self.nodes.push(NodeProto {
            input: inputs.iter().map(ToString::to_string).collect(),
            output: vec![output.to_string()],
            name: Some(format!("{op_type}:{output}")),
            op_type: Some(op_type.to_string()),
            attribute,
            ..NodeProto::default()
        });
        output.to_string()
    }

    /// Adds a float constant of shape `dims`, its values as little-endian raw data.
    fn floats(&mut self, name: &str, dims: &[usize], values: &[f32]) -> String {
        self.constant(
            name,
            dims,
            tensor_proto::DataType::Float,
            values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        )
    }

    /// Adds an int64 constant of shape `dims`.
    fn int64s(&mut self, name: &str, dims: &[usize], values: &[i64]) -> String {
        self.constant(
            name,
            dims,
            tensor_proto::DataType::Int64,
            values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        )
    }

    fn constant(
        &mut self,
        name: &str,
        dims: &[usize],
        data_type: tensor_proto::DataType,
        raw_data: Vec<u8>,
    ) -> String {
        self.initializers.push(TensorProto {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: Some(data_type as i32),
            name: Some(name.to_string()),
            raw_data: Some(raw_data),
            ..TensorProto::default()
        });
        name.to_string()
    }
}

/// The computation: the input features (if any), the normalisation, then each layer's
/// `Gemm` and activation.
fn graph(model: &Model) -> GraphProto {
    let network = &model.network;
    let arch = network.architecture();
    let inputs = arch.inputs();
    let output = output_name(model);
    let mut g = Builder::default();
    let features = match &model.features {
        Some(features) => input_features(&mut g, features),
        None => INPUT_NAME.to_string(),
    };
    let shift = g.floats("normalization.shift", &[inputs], &model.normalization.shift);
    let scale = g.floats("normalization.scale", &[inputs], &model.normalization.scale);
    let centered = g.node("Sub", &[&features, &shift], "centered", Vec::new());
    let mut x = g.node("Mul", &[&centered, &scale], "normalized", Vec::new());
    let layers = network.layers();
    for (l, shape) in layers.iter().enumerate() {
        let last = l + 1 == layers.len();
        let activation = if last { arch.output } else { arch.hidden };
        let weight = g.floats(
            &format!("layers.{l}.weight"),
            &[shape.outputs, shape.inputs],
            network.weights(l),
        );
        let bias = g.floats(
            &format!("layers.{l}.bias"),
            &[shape.outputs],
            network.bias(l),
        );
        let layer_output = if last {
            output.to_string()
        } else {
            format!("layers.{l}.output")
        };
        let op = activation_op(activation);
        let z = match op {
            Some(_) => format!("layers.{l}.z"),
            None => layer_output.clone(),
        };
        // z = x W^T + b, with W stored [out, in] as nn.Linear stores it.
        let gemm = vec![int_attribute("transB", 1)];
        let z = g.node("Gemm", &[&x, &weight, &bias], &z, gemm);
        x = match op {
            Some((op_type, attributes)) => g.node(op_type, &[&z], &layer_output, attributes),
            None => z,
        };
    }
    GraphProto {
        node: g.nodes,
        name: Some(format!("nn-tui {arch}")),
        initializer: g.initializers,
        input: vec![float_matrix(INPUT_NAME, model.raw_columns())],
        output: vec![float_matrix(output, arch.outputs())],
        ..GraphProto::default()
    }
}

/// The Playground's input features from the raw columns `x1` (and `x2`): each raw column
/// a feature reads, picked as `[batch, 1]` (`Gather`); each feature computed from them
/// (`recipe`); all of them side by side in the model's order (`Concat`). Returns the
/// name of the `[batch, features]` result.
fn input_features(g: &mut Builder, features: &Features) -> String {
    let mut read: Vec<usize> = features
        .as_slice()
        .iter()
        .flat_map(|&f| recipe(f).columns().to_vec())
        .collect();
    read.sort_unstable();
    read.dedup();
    for &column in &read {
        let name = RAW_COLUMNS[column];
        let index = g.int64s(&format!("columns.{name}.index"), &[1], &[column as i64]);
        g.node(
            "Gather",
            &[INPUT_NAME, &index],
            name,
            vec![int_attribute("axis", 1)],
        );
    }
    let columns: Vec<String> = features
        .as_slice()
        .iter()
        .map(|&feature| match recipe(feature) {
            Recipe::Column(column) => RAW_COLUMNS[column].to_string(),
            Recipe::Op(op, operands, name) => {
                let operands: Vec<&str> = operands.iter().map(|&c| RAW_COLUMNS[c]).collect();
                g.node(op, &operands, name, Vec::new())
            }
        })
        .collect();
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    g.node(
        "Concat",
        &columns,
        "input_features",
        vec![int_attribute("axis", 1)],
    )
}

/// How the graph computes one input feature from the raw columns (0: `x1`, 1: `x2`).
enum Recipe {
    /// The raw column itself.
    Column(usize),
    /// An operator on raw columns, and the name of its result.
    Op(&'static str, &'static [usize], &'static str),
}

impl Recipe {
    /// The raw columns it reads.
    fn columns(&self) -> &[usize] {
        match self {
            Recipe::Column(column) => std::slice::from_ref(column),
            Recipe::Op(_, columns, _) => columns,
        }
    }
}

/// `feature` as the graph computes it, as `Feature::value` does.
fn recipe(feature: Feature) -> Recipe {
    match feature {
        Feature::X1 => Recipe::Column(0),
        Feature::X2 => Recipe::Column(1),
        Feature::X1Squared => Recipe::Op("Mul", &[0, 0], "x1_squared"),
        Feature::X2Squared => Recipe::Op("Mul", &[1, 1], "x2_squared"),
        Feature::X1X2 => Recipe::Op("Mul", &[0, 1], "x1_x2"),
        Feature::SinX1 => Recipe::Op("Sin", &[0], "sin_x1"),
        Feature::SinX2 => Recipe::Op("Sin", &[1], "sin_x2"),
        Feature::CosX1 => Recipe::Op("Cos", &[0], "cos_x1"),
        Feature::CosX2 => Recipe::Op("Cos", &[1], "cos_x2"),
    }
}

/// The ONNX operator computing `activation` on a `[batch, width]` matrix of sums, if any.
fn activation_op(activation: Activation) -> Option<(&'static str, Vec<AttributeProto>)> {
    match activation {
        Activation::Sigmoid => Some(("Sigmoid", Vec::new())),
        Activation::Tanh => Some(("Tanh", Vec::new())),
        Activation::Relu => Some(("Relu", Vec::new())),
        Activation::Linear => None,
        // Over each row, as our softmax is: the last axis of [batch, outputs].
        Activation::Softmax => Some(("Softmax", vec![int_attribute("axis", -1)])),
    }
}

fn int_attribute(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: Some(name.to_string()),
        r#type: Some(attribute_proto::AttributeType::Int as i32),
        i: Some(value),
        ..AttributeProto::default()
    }
}

/// A float `[batch, width]` value: the batch size is left to the caller.
fn float_matrix(name: &str, width: usize) -> ValueInfoProto {
    let dimension = |value| tensor_shape_proto::Dimension {
        value: Some(value),
        ..tensor_shape_proto::Dimension::default()
    };
    ValueInfoProto {
        name: Some(name.to_string()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(tensor_proto::DataType::Float as i32),
                shape: Some(TensorShapeProto {
                    dim: vec![
                        dimension(tensor_shape_proto::dimension::Value::DimParam(
                            "batch".into(),
                        )),
                        dimension(tensor_shape_proto::dimension::Value::DimValue(width as i64)),
                    ],
                }),
            })),
            ..TypeProto::default()
        }),
        ..ValueInfoProto::default()
    }
}

#[cfg(test)]
mod tests {
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
            let attributes: Vec<(&str, i64)> =
                n.attribute.iter().map(|a| (a.name(), a.i())).collect();
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
            let attributes: Vec<(&str, i64)> =
                n.attribute.iter().map(|a| (a.name(), a.i())).collect();
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
}

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
mod tests;

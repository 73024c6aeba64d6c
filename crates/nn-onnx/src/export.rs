//! The model as ONNX messages: the normalisation as `Sub` and `Mul`, each layer as
//! `Gemm` and its activation, the weights as initializers; names and classes as the
//! model's metadata.

use nn_core::{Activation, Architecture};
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
    format!(
        "nn-tui model {arch}: {} hidden, {} output, inputs normalised ({}){trained_on}",
        arch.hidden, arch.output, model.normalization.kind
    )
}

/// Feature and class names as JSON arrays, and the normalisation's kind.
fn metadata(model: &Model) -> Vec<StringStringEntryProto> {
    let json = |names: &[String]| serde_json::to_string(names).expect("strings serialise");
    [
        ("feature_names", json(&model.info.feature_names)),
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

/// The computation: normalise, then each layer's `Gemm` and activation.
fn graph(model: &Model) -> GraphProto {
    let network = &model.network;
    let arch = network.architecture();
    let inputs = arch.inputs();
    let output = output_name(model);
    let mut nodes = Vec::new();
    let mut initializers = vec![
        tensor("normalization.shift", &[inputs], &model.normalization.shift),
        tensor("normalization.scale", &[inputs], &model.normalization.scale),
    ];
    nodes.push(node(
        "Sub",
        &[INPUT_NAME, "normalization.shift"],
        "centered",
        Vec::new(),
    ));
    nodes.push(node(
        "Mul",
        &["centered", "normalization.scale"],
        "normalized",
        Vec::new(),
    ));
    let mut x = "normalized".to_string();
    let layers = network.layers();
    for (l, shape) in layers.iter().enumerate() {
        let last = l + 1 == layers.len();
        let activation = if last { arch.output } else { arch.hidden };
        let (weight, bias) = (format!("layers.{l}.weight"), format!("layers.{l}.bias"));
        initializers.push(tensor(
            &weight,
            &[shape.outputs, shape.inputs],
            network.weights(l),
        ));
        initializers.push(tensor(&bias, &[shape.outputs], network.bias(l)));
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
        nodes.push(node(
            "Gemm",
            &[&x, &weight, &bias],
            &z,
            vec![int_attribute("transB", 1)],
        ));
        if let Some((op_type, attributes)) = op {
            nodes.push(node(op_type, &[&z], &layer_output, attributes));
        }
        x = layer_output;
    }
    GraphProto {
        node: nodes,
        name: Some(format!("nn-tui {arch}")),
        initializer: initializers,
        input: vec![float_matrix(INPUT_NAME, inputs)],
        output: vec![float_matrix(output, arch.outputs())],
        ..GraphProto::default()
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

fn node(op_type: &str, inputs: &[&str], output: &str, attribute: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        input: inputs.iter().map(ToString::to_string).collect(),
        output: vec![output.to_string()],
        name: Some(format!("{op_type}:{output}")),
        op_type: Some(op_type.to_string()),
        attribute,
        ..NodeProto::default()
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

/// A float tensor of `dims`, its values as little-endian raw data.
fn tensor(name: &str, dims: &[usize], values: &[f32]) -> TensorProto {
    TensorProto {
        dims: dims.iter().map(|&d| d as i64).collect(),
        data_type: Some(tensor_proto::DataType::Float as i32),
        name: Some(name.to_string()),
        raw_data: Some(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
        ..TensorProto::default()
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

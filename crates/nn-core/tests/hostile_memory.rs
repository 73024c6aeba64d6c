//! Hostile model files cost little memory: each case runs in a child process
//! (this test binary re-running itself for that one case), whose peak resident
//! set (`VmHWM`, what `ru_maxrss` measures, for its own address space) must stay within max(2 x the file's size, 256 MB).

use std::collections::HashMap;
use std::path::PathBuf;

use nn_core::{
    Activation, Architecture, Loss, METADATA_KEY, ModelInfo, Network, load_model, model_to_bytes,
};
use nn_test_support::{hostile_bound, report_from_child, run_in_child};
use safetensors::{Dtype, tensor::TensorView};

const FILE: &str = "NN_CORE_HOSTILE_FILE";

/// The child half: loads the file named in `FILE`, prints its error and peak RSS.
#[test]
fn child() {
    let Some(path) = std::env::var_os(FILE) else {
        return;
    };
    report_from_child(load_model(&PathBuf::from(path)).map(drop));
}

/// Loads `bytes` from a file in a child process; returns its error text and
/// checks its peak RSS against the bound.
fn load_in_child(case: &str, bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.safetensors");
    std::fs::write(&path, bytes).unwrap();
    let report = run_in_child("child", &[(FILE, &path)]);
    let rss = report.peak_rss;
    let size = bytes.len() as u64;
    let bound = hostile_bound(size);
    eprintln!(
        "{case}: file {:.1} MB, peak RSS {:.1} MB (bound {:.0} MB)",
        size as f64 / 1e6,
        rss as f64 / 1e6,
        bound as f64 / 1e6
    );
    assert!(rss <= bound, "{case}: peak RSS {rss} > {bound}");
    report.error
}

fn small_network() -> Network {
    let arch = Architecture::new(
        vec![3, 5, 2],
        Activation::Relu,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    Network::new(arch, 1).unwrap()
}

/// `network`'s tensors under the metadata JSON `metadata`.
fn with_metadata(network: &Network, metadata: &str) -> Vec<u8> {
    let mut buffers = Vec::new();
    for (l, shape) in network.layers().iter().enumerate() {
        let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        buffers.push((
            format!("layers.{l}.weight"),
            vec![shape.outputs, shape.inputs],
            bytes(network.weights(l)),
        ));
        buffers.push((
            format!("layers.{l}.bias"),
            vec![shape.outputs],
            bytes(network.bias(l)),
        ));
    }
    let views = buffers.iter().map(|(n, s, b)| {
        (
            n.clone(),
            TensorView::new(Dtype::F32, s.clone(), b).unwrap(),
        )
    });
    let header = HashMap::from([(METADATA_KEY.to_string(), metadata.to_owned())]);
    safetensors::serialize(views, Some(header)).unwrap()
}

/// The metadata `to_bytes` writes for `network`, with `from` replaced by `to`
/// (built as text: a JSON value of millions of entries would cost this process gigabytes).
fn edited_metadata(network: &Network, from: &str, to: &str) -> String {
    let bytes = model_to_bytes(network, &ModelInfo::default());
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let json = &header.metadata().as_ref().unwrap()[METADATA_KEY];
    assert!(json.contains(from), "{json}");
    json.replacen(from, to, 1)
}

/// A JSON array of `n` copies of `item`.
fn array_of(item: &str, n: usize) -> String {
    let mut out = String::with_capacity(n * (item.len() + 1) + 2);
    out.push('[');
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    out.push(']');
    out
}

#[test]
fn a_metadata_block_declaring_a_huge_layer() {
    // Once: exit 134, allocating terabytes, or a capacity overflow panic.
    let net = small_network();
    let metadata = edited_metadata(&net, "[3,5,2]", "[3,5000000000000,2]");
    let error = load_in_child("a huge declared layer", &with_metadata(&net, &metadata));
    assert!(
        error.contains("has shape [5, 3] (F32), the metadata's architecture needs"),
        "{error}"
    );
}

#[test]
fn a_long_list_of_layer_sizes() {
    let net = small_network();
    let metadata = edited_metadata(&net, "[3,5,2]", &array_of("1", 20_000_000));
    let error = load_in_child("20 million layer sizes", &with_metadata(&net, &metadata));
    assert!(
        error.contains("metadata field `architecture.sizes`: more than 5"),
        "{error}"
    );
}

#[test]
fn a_long_list_of_class_names() {
    let net = small_network();
    // 15 million: escaped as a JSON string in the header, 20 million would pass its 100 MB limit.
    let metadata = edited_metadata(
        &net,
        "\"class_names\":[]",
        &format!("\"class_names\":{}", array_of("\"\"", 15_000_000)),
    );
    let error = load_in_child("15 million class names", &with_metadata(&net, &metadata));
    assert!(
        error.contains("metadata field `class_names`: more than 2 names"),
        "{error}"
    );
}

#[test]
fn a_tensor_declaring_more_data_than_the_file_has() {
    let net = small_network();
    let mut bytes = model_to_bytes(&net, &ModelInfo::default());
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = String::from_utf8(bytes[8..8 + header_len].to_vec()).unwrap();
    // Same length: [5,3] -> [9,9] and offsets left alone, so only the sizes lie.
    let lying = header.replacen("\"shape\":[5,3]", "\"shape\":[9,9]", 1);
    assert_ne!(lying, header);
    bytes[8..8 + header_len].copy_from_slice(lying.as_bytes());
    let error = load_in_child("a tensor larger than the file", &bytes);
    assert!(error.contains("not a valid safetensors file"), "{error}");
}

#[test]
fn the_bound_holds_for_a_plain_load_of_a_large_model() {
    // Not hostile: the reference a hostile file is compared with (784-1024-1024-10, 7.3 MB).
    let arch = Architecture::new(
        vec![784, 1024, 1024, 10],
        Activation::Relu,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    let bytes = model_to_bytes(&Network::new(arch, 1).unwrap(), &ModelInfo::default());
    assert_eq!(load_in_child("a large valid model", &bytes), "<none>");
}

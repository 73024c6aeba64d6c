//! A model file's bytes with the header of the last one kept: the safetensors
//! header (our metadata's JSON, each tensor's name, shape and place) depends
//! on the architecture and the [`ModelInfo`], not on the weights, so the next
//! network of the same ones on this thread copies it and writes its weights
//! in their places. Made anew, the header was nearly all of what serialising
//! a small network cost (16 us of a sweep trial's snapshot, once a trial).

use std::cell::RefCell;

use safetensors::SafeTensors;

use crate::model_file::{ModelInfo, bias_name, serialize_model, weight_name};
use crate::{Architecture, Network};

/// A header made whole once and where each layer's tensors go after it.
struct Layout {
    architecture: Architecture,
    info: ModelInfo,
    /// The file's bytes before the tensors: the header's length and the header.
    header: Vec<u8>,
    /// Bytes of the tensors together.
    data_len: usize,
    /// Each layer's weights' and biases' offsets in the tensors' bytes.
    offsets: Vec<(usize, usize)>,
}

thread_local! {
    /// The layout of the model serialised last on this thread.
    static LAST: RefCell<Option<Layout>> = const { RefCell::new(None) };
}

/// The bytes [`serialize_model`] makes, its header copied from the last
/// model of the same architecture and info serialised on this thread.
pub(crate) fn model_to_bytes(network: &Network, info: &ModelInfo) -> Vec<u8> {
    LAST.with_borrow_mut(|last| {
        if let Some(layout) = last
            .as_ref()
            .filter(|l| l.architecture == *network.architecture() && l.info == *info)
        {
            return layout.bytes(network);
        }
        let bytes = serialize_model(network, info);
        *last = Layout::of(&bytes, network, info);
        bytes
    })
}

impl Layout {
    /// The layout of `bytes`, made by [`serialize_model`] from `network` and
    /// `info` (`None` if a tensor is not where it should be: not kept then).
    fn of(bytes: &[u8], network: &Network, info: &ModelInfo) -> Option<Self> {
        let (header_len, metadata) = SafeTensors::read_metadata(bytes).ok()?;
        let tensors = metadata.tensors();
        let place = |name: &str, len: usize| {
            let (start, end) = tensors.get(name)?.data_offsets;
            (end - start == len * 4).then_some(start)
        };
        let offsets = network
            .layers()
            .iter()
            .enumerate()
            .map(|(l, _)| {
                Some((
                    place(&weight_name(l), network.weights(l).len())?,
                    place(&bias_name(l), network.bias(l).len())?,
                ))
            })
            .collect::<Option<Vec<_>>>()?;
        let start = 8 + header_len;
        let data_len = bytes.len() - start;
        // Every byte after the header is a weight's: nothing left unwritten.
        let weights: usize = (0..offsets.len())
            .map(|l| 4 * (network.weights(l).len() + network.bias(l).len()))
            .sum();
        (weights == data_len).then(|| Self {
            architecture: network.architecture().clone(),
            info: info.clone(),
            header: bytes[..start].to_vec(),
            data_len,
            offsets,
        })
    }

    /// `network`'s file: the header, then its weights in their places.
    fn bytes(&self, network: &Network) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.header.len() + self.data_len);
        bytes.extend_from_slice(&self.header);
        bytes.resize(self.header.len() + self.data_len, 0);
        let data = &mut bytes[self.header.len()..];
        for (l, &(weights, bias)) in self.offsets.iter().enumerate() {
            put(&mut data[weights..], network.weights(l));
            put(&mut data[bias..], network.bias(l));
        }
        bytes
    }
}

/// Writes `values` little-endian at the start of `out`.
fn put(out: &mut [u8], values: &[f32]) {
    for (chunk, v) in out.chunks_exact_mut(4).zip(values) {
        chunk.copy_from_slice(&v.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_file::InputTransform;
    use crate::{Activation, Loss};

    fn network(sizes: &[usize], seed: u64) -> Network {
        with_loss(sizes, Activation::Softmax, Loss::CrossEntropy, seed)
    }

    fn with_loss(sizes: &[usize], output: Activation, loss: Loss, seed: u64) -> Network {
        let architecture =
            Architecture::new(sizes.to_vec(), Activation::Relu, output, loss).unwrap();
        Network::new(architecture, seed).unwrap()
    }

    #[test]
    fn a_kept_header_gives_the_bytes_made_whole() {
        let info = ModelInfo {
            class_names: vec!["a".into(), "b".into()],
            feature_names: vec!["x1".into(), "x2".into()],
            ..ModelInfo::default()
        };
        let other_info = ModelInfo {
            normalization: Some(InputTransform {
                kind: "standardize".into(),
                shift: vec![0.5, -1.0],
                scale: vec![2.0, 0.25],
            }),
            ..info.clone()
        };
        // Alternating architectures and infos, and networks of one seen before:
        // every one the bytes serialised whole.
        let cases = [
            (network(&[2, 16, 16, 2], 1), &info),
            (network(&[2, 16, 16, 2], 2), &info),
            (network(&[2, 16, 16, 2], 3), &other_info),
            (network(&[2, 8, 2], 4), &other_info),
            (network(&[2, 16, 16, 2], 5), &info),
            (
                with_loss(&[3, 4, 10], Activation::Sigmoid, Loss::Seed, 8),
                &info,
            ),
            (network(&[3, 40, 7, 12, 5], 6), &info),
            (network(&[3, 40, 7, 12, 5], 7), &info),
        ];
        for (n, info) in &cases {
            assert_eq!(model_to_bytes(n, info), serialize_model(n, info));
        }
        // The second of two networks alike came from the kept header.
        let kept = LAST.with_borrow(|l| l.as_ref().map(|l| l.header.len()));
        assert!(kept.is_some_and(|len| len > 8));
        assert_ne!(
            model_to_bytes(&cases[5].0, &info),
            model_to_bytes(&cases[6].0, &info),
            "other weights, other bytes"
        );
    }
}

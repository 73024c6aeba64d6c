//! The shape of a network: layer sizes, activations and loss, checked once.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::{Activation, Loss};

/// Everything needed to rebuild a network's structure (the weights aside).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Architecture {
    /// Neurons per layer, input first: `[784, 100, 10]` is the seed's MNIST network.
    pub sizes: Vec<usize>,
    /// Activation of every hidden layer.
    pub hidden: Activation,
    /// Activation of the output layer.
    pub output: Activation,
    /// The loss the network is trained on.
    pub loss: Loss,
}

/// Where one layer's weights and bias live in the flat parameter buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerShape {
    /// Inputs to the layer (neurons of the previous layer).
    pub inputs: usize,
    /// Neurons in the layer.
    pub outputs: usize,
    /// Offset of the `[outputs, inputs]` row-major weight matrix.
    pub weight_offset: usize,
    /// Offset of the `[outputs]` bias vector.
    pub bias_offset: usize,
}

impl LayerShape {
    /// Range of the weights in the parameter buffer.
    pub fn weights(&self) -> std::ops::Range<usize> {
        self.weight_offset..self.weight_offset + self.inputs * self.outputs
    }

    /// Range of the biases in the parameter buffer.
    pub fn bias(&self) -> std::ops::Range<usize> {
        self.bias_offset..self.bias_offset + self.outputs
    }
}

/// `2-8-8-2`: the layer sizes, inputs first, as the field writes them.
impl std::fmt::Display for Architecture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, size) in self.sizes.iter().enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            write!(f, "{size}")?;
        }
        Ok(())
    }
}

impl Architecture {
    /// A network with the given sizes, hidden and output activations, and loss.
    pub fn new(
        sizes: Vec<usize>,
        hidden: Activation,
        output: Activation,
        loss: Loss,
    ) -> Result<Self> {
        let arch = Self {
            sizes,
            hidden,
            output,
            loss,
        };
        arch.validate()?;
        Ok(arch)
    }

    /// Checks that this architecture can be built and trained.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(CoreError::InvalidArchitecture(m));
        if self.sizes.len() < 2 {
            return bad(format!(
                "need at least an input and an output layer, got {} layer(s)",
                self.sizes.len()
            ));
        }
        if let Some(i) = self.sizes.iter().position(|&s| s == 0) {
            return bad(format!("layer {i} has zero neurons"));
        }
        // Every size is multiplied out later (offsets, buffers): it must fit in a usize.
        let count = self.sizes.windows(2).try_fold(0usize, |total, w| {
            w[0].checked_mul(w[1])?
                .checked_add(w[1])?
                .checked_add(total)
        });
        if count.is_none() {
            return bad("the layer sizes make more parameters than this machine can count".into());
        }
        if !self.hidden.hidden_allowed() {
            return bad("softmax is only an output activation (paired with cross-entropy)".into());
        }
        if !self.loss.fits_output(self.output) {
            let hint = match self.loss {
                Loss::Mse | Loss::Seed => {
                    "a squared error needs an elementwise output (sigmoid, tanh, relu, linear)"
                }
                Loss::CrossEntropy => "cross-entropy needs a softmax output",
                Loss::BinaryCrossEntropy => "binary cross-entropy needs a sigmoid output",
            };
            return bad(format!(
                "loss {} over a {} output: {hint}",
                self.loss, self.output
            ));
        }
        if self.output == Activation::Softmax && self.outputs() < 2 {
            return bad("a softmax output needs at least 2 neurons".into());
        }
        Ok(())
    }

    /// Inputs per sample.
    pub fn inputs(&self) -> usize {
        self.sizes[0]
    }

    /// Output neurons.
    pub fn outputs(&self) -> usize {
        *self.sizes.last().expect("validated: at least two layers")
    }

    /// Number of weight layers (sizes minus one).
    pub fn layer_count(&self) -> usize {
        self.sizes.len() - 1
    }

    /// Activation of weight layer `l` (the output layer's for the last one).
    pub fn activation(&self, l: usize) -> Activation {
        if l + 1 == self.layer_count() {
            self.output
        } else {
            self.hidden
        }
    }

    /// Each layer's place in the flat parameter buffer: weights then bias, layer after layer.
    pub fn layer_shapes(&self) -> Vec<LayerShape> {
        self.shapes().collect()
    }

    /// [`Architecture::layer_shapes`] one at a time, allocating nothing (for
    /// what a training step asks of the layout).
    pub(crate) fn shapes(&self) -> impl Iterator<Item = LayerShape> + '_ {
        let mut offset = 0;
        self.sizes.windows(2).map(move |w| {
            let shape = LayerShape {
                inputs: w[0],
                outputs: w[1],
                weight_offset: offset,
                bias_offset: offset + w[0] * w[1],
            };
            offset += w[0] * w[1] + w[1];
            shape
        })
    }

    /// Total number of parameters (weights and biases).
    pub fn parameter_count(&self) -> usize {
        self.sizes.windows(2).map(|w| w[0] * w[1] + w[1]).sum()
    }

    /// Floating-point operations of one forward + backward pass per sample,
    /// counted as the benchmarks do: `2 * in * out` forward, `4 * in * out` backward.
    pub fn flops_per_sample(&self) -> usize {
        self.sizes.windows(2).map(|w| 6 * w[0] * w[1]).sum()
    }

    /// The floating-point operations one sample's forward + backward pass
    /// actually does: [`Architecture::flops_per_sample`] without the input
    /// gradient of the first layer (`2 * in * out`), which backpropagation
    /// never needs. The figure a GFLOP/s rate should count.
    pub fn flops_done_per_sample(&self) -> usize {
        let first = self.sizes.first().zip(self.sizes.get(1));
        self.flops_per_sample() - first.map_or(0, |(i, o)| 2 * i * o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_weights_then_bias_per_layer() {
        let arch = Architecture::new(
            vec![3, 4, 2],
            Activation::Relu,
            Activation::Softmax,
            Loss::CrossEntropy,
        )
        .unwrap();
        let shapes = arch.layer_shapes();
        assert_eq!(shapes[0].weights(), 0..12);
        assert_eq!(shapes[0].bias(), 12..16);
        assert_eq!(shapes[1].weights(), 16..24);
        assert_eq!(shapes[1].bias(), 24..26);
        assert_eq!(arch.parameter_count(), 26);
        // 6 * (3 * 4 + 4 * 2), less the first layer's input gradient.
        assert_eq!(arch.flops_per_sample(), 120);
        assert_eq!(arch.flops_done_per_sample(), 120 - 2 * 3 * 4);
    }

    #[test]
    fn rejects_what_cannot_train() {
        let cases = [
            (
                vec![3],
                Activation::Relu,
                Activation::Sigmoid,
                Loss::Seed,
                "at least an input",
            ),
            (
                vec![3, 0, 1],
                Activation::Relu,
                Activation::Sigmoid,
                Loss::Mse,
                "layer 1 has zero",
            ),
            (
                vec![3, 2],
                Activation::Relu,
                Activation::Sigmoid,
                Loss::CrossEntropy,
                "needs a softmax",
            ),
            (
                vec![3, 2],
                Activation::Relu,
                Activation::Softmax,
                Loss::Mse,
                "elementwise output",
            ),
            (
                vec![3, 2],
                Activation::Relu,
                Activation::Linear,
                Loss::BinaryCrossEntropy,
                "sigmoid output",
            ),
            (
                vec![3, 4, 2],
                Activation::Softmax,
                Activation::Softmax,
                Loss::CrossEntropy,
                "only an output",
            ),
            (
                vec![3, 1],
                Activation::Relu,
                Activation::Softmax,
                Loss::CrossEntropy,
                "at least 2",
            ),
            (
                vec![1 << 40, 1 << 40, 2],
                Activation::Relu,
                Activation::Softmax,
                Loss::CrossEntropy,
                "more parameters than this machine can count",
            ),
        ];
        for (sizes, hidden, output, loss, needle) in cases {
            let err = Architecture::new(sizes, hidden, output, loss)
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{err:?} should mention {needle:?}");
        }
    }
}

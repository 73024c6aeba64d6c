//! One sample's backpropagation, neuron by neuron, in the seed's terms: the
//! numbers the dashboard's inspector and `nn-tui explain` show (nn-formula
//! writes them as formulas).
//!
//! For every neuron: its inputs `o_in`, the bias being the constant input `-1`
//! with weight `w_0 = -b`; its weights; the sum `z` and the output `o`; at an
//! output neuron the desired `d`; its `δ` with the rule that gives it (each loss
//! and activation states its own, [`DeltaRule`]); and each incoming weight's
//! change `Δw = r · o_in · δ`.
//!
//! The outputs and deltas are copied out of the real batched backward pass on a
//! batch of one, not computed a second way, so a plain gradient-descent step on
//! this sample alone leaves every weight at `w + Δw`, bit for bit. With a
//! mini-batch of `B` samples the step applies the mean of their `Δw`
//! ([`BatchChanges`]).

use serde::Serialize;

use crate::architecture::LayerShape;
use crate::error::{CoreError, Result};
use crate::loss::Targets;
use crate::network::{Gradients, Network, Workspace};
use crate::{Activation, Loss};

/// One sample's forward and backward pass, every neuron spelled out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    /// The learning rate `r` in `Δw = r · o_in · δ`.
    pub learning_rate: f32,
    /// The loss whose gradient the deltas are.
    pub loss: Loss,
    /// This sample's loss.
    pub loss_value: f64,
    /// The network's inputs for this sample (after any normalisation).
    pub inputs: Vec<f32>,
    /// The weight layers, the first hidden layer first and the output layer last.
    pub layers: Vec<LayerBreakdown>,
}

/// One weight layer of a [`Breakdown`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerBreakdown {
    /// The layer's activation.
    pub activation: Activation,
    /// Its neurons, in order.
    pub neurons: Vec<NeuronBreakdown>,
}

/// One neuron for one sample: inputs, weights, sum, output, delta and weight changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeuronBreakdown {
    /// Weight layer, 0 for the first hidden layer (the inputs are not a weight layer).
    pub layer: usize,
    /// Position in the layer, from 0.
    pub neuron: usize,
    /// Every incoming connection, the bias (input `-1`) first.
    pub incoming: Vec<Incoming>,
    /// The total stimulus `z = Σ w · o_in`, the bias's `w_0 · (-1)` included.
    pub z: f32,
    /// The output `o = f(z)`.
    pub output: f32,
    /// The desired output `d`, at an output neuron.
    pub desired: Option<f32>,
    /// `δ = dP/dz = -dL/dz`, as backpropagation computed it.
    pub delta: f32,
    /// The rule that gives `δ`, with its numbers.
    pub rule: DeltaRule,
}

/// One incoming connection of a neuron and its weight change.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Incoming {
    /// Where the input comes from.
    pub source: Source,
    /// The input `o_in` (`-1` for the bias).
    pub input: f32,
    /// The weight `w` (for the bias, `w_0 = -b`).
    pub weight: f32,
    /// `Δw = r · o_in · δ`: the change a plain gradient-descent step on this sample makes.
    pub change: f32,
}

/// Where an input of a neuron comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The constant `-1` whose weight is the bias weight `w_0`.
    Bias,
    /// The network's input feature with this index.
    Input(usize),
    /// The previous layer's neuron with this index.
    Neuron(usize),
}

/// How a neuron's `δ` follows from its numbers: each loss and activation states its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeltaRule {
    /// An output neuron under a squared error: `δ = f'(o) (d − o)`, the seed's
    /// `o(1 − o)(d − o)` for a sigmoid.
    SquaredError {
        /// The loss (which squared error).
        loss: Loss,
        /// The activation's derivative, written in terms of `o`.
        derivative: Derivative,
        /// The desired output `d`.
        desired: f32,
        /// The output `o`.
        output: f32,
        /// A constant in front, for losses that average over the outputs.
        scale: Option<OutputScale>,
    },
    /// An output neuron whose activation's derivative cancels against the loss's:
    /// softmax with cross-entropy, sigmoid with binary cross-entropy: `δ = d − o`.
    Cancelled {
        /// The loss.
        loss: Loss,
        /// The output activation.
        activation: Activation,
        /// The desired output `d`.
        desired: f32,
        /// The output `o`.
        output: f32,
        /// A constant in front, for losses that average over the outputs.
        scale: Option<OutputScale>,
    },
    /// A hidden neuron: `δ = f'(o) · Σ_j w_j δ_j` over the neurons `j` it feeds.
    Hidden {
        /// The activation's derivative, written in terms of `o`.
        derivative: Derivative,
        /// One term `w_j · δ_j` per neuron of the next layer.
        terms: Vec<DeltaTerm>,
    },
}

/// A constant `numerator / K` in front of an output delta, for a loss that is a mean over `K` outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OutputScale {
    /// `2` for a mean of squares, `1` for a mean of cross-entropies.
    pub numerator: u32,
    /// `K`, the number of outputs.
    pub outputs: usize,
}

/// An activation's derivative `do/dz`, written in terms of the output `o` as the seed does.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "activation", rename_all = "snake_case")]
pub enum Derivative {
    /// `o(1 − o)`.
    Sigmoid {
        /// The output `o`.
        output: f32,
    },
    /// `1 − o²`.
    Tanh {
        /// The output `o`.
        output: f32,
    },
    /// `1` where `o > 0`, else `0`.
    Relu {
        /// The output `o`.
        output: f32,
    },
    /// `1`.
    Linear,
}

/// One term `w_j · δ_j` of a hidden neuron's sum: the weight from this neuron to neuron `j` of the next layer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DeltaTerm {
    /// `j`, the next layer's neuron.
    pub neuron: usize,
    /// `w_j`, the weight from this neuron to `j`.
    pub weight: f32,
    /// `δ_j`.
    pub delta: f32,
}

impl Derivative {
    fn of(activation: Activation, output: f32) -> Self {
        match activation {
            Activation::Sigmoid => Derivative::Sigmoid { output },
            Activation::Tanh => Derivative::Tanh { output },
            Activation::Relu => Derivative::Relu { output },
            // Softmax has no elementwise derivative; its rule is `Cancelled`.
            Activation::Linear | Activation::Softmax => Derivative::Linear,
        }
    }

    /// The derivative's value.
    pub fn value(self) -> f64 {
        match self {
            Derivative::Sigmoid { output } => f64::from(output) * (1.0 - f64::from(output)),
            Derivative::Tanh { output } => 1.0 - f64::from(output) * f64::from(output),
            Derivative::Relu { output } => f64::from(u8::from(output > 0.0)),
            Derivative::Linear => 1.0,
        }
    }
}

impl OutputScale {
    fn value(&self) -> f64 {
        f64::from(self.numerator) / self.outputs as f64
    }
}

impl DeltaRule {
    /// The rule evaluated from the numbers it shows (in f64): equal to the
    /// neuron's `δ` up to float rounding, which is what makes the display true.
    pub fn value(&self) -> f64 {
        match self {
            DeltaRule::SquaredError {
                derivative,
                desired,
                output,
                scale,
                ..
            } => {
                scale.map_or(1.0, |s| s.value())
                    * derivative.value()
                    * (f64::from(*desired) - f64::from(*output))
            }
            DeltaRule::Cancelled {
                desired,
                output,
                scale,
                ..
            } => scale.map_or(1.0, |s| s.value()) * (f64::from(*desired) - f64::from(*output)),
            DeltaRule::Hidden { derivative, terms } => derivative.value() * weighted_sum(terms),
        }
    }
}
/// `Σ w_j δ_j` in f64.
fn weighted_sum(terms: &[DeltaTerm]) -> f64 {
    terms
        .iter()
        .map(|t| f64::from(t.weight) * f64::from(t.delta))
        .sum()
}

impl Breakdown {
    /// Runs one sample (`input`, one row of the network's inputs, already
    /// normalised) through the network's real forward and backward pass and
    /// lays it out neuron by neuron, with weight changes for learning rate `r`.
    ///
    /// `target` covers this one sample: a class or a row of desired outputs.
    pub fn new(network: &Network, input: &[f32], target: &Targets<'_>, r: f32) -> Result<Self> {
        let arch = network.architecture();
        if input.len() != arch.inputs() {
            return Err(CoreError::NotOneSample {
                expected: arch.inputs(),
                got: input.len(),
            });
        }
        let layers = network.layers();
        let mut deltas = vec![Vec::new(); layers.len()];
        let mut workspace = Workspace::new();
        let mut gradients = Gradients::zeros(arch);
        let loss_value = network.backward_recording(
            input,
            target,
            1.0,
            &mut workspace,
            &mut gradients,
            Some(&mut deltas),
        )?;
        let last = layers.len() - 1;
        let width = arch.outputs();
        let mut out = Vec::with_capacity(layers.len());
        for (l, shape) in layers.iter().enumerate() {
            let activation = arch.activation(l);
            let o_in = if l == 0 {
                input
            } else {
                workspace.layer_output(l - 1)
            };
            let outputs = workspace.layer_output(l);
            let neurons = (0..shape.outputs)
                .map(|k| {
                    let incoming = incoming(network, l, k, o_in, deltas[l][k], r);
                    let z = incoming
                        .iter()
                        .map(|i| f64::from(i.weight) * f64::from(i.input))
                        .sum::<f64>() as f32;
                    let (o, delta) = (outputs[k], deltas[l][k]);
                    let (desired, rule) = if l == last {
                        let d = target.desired(0, k, width);
                        (Some(d), output_rule(arch.loss, activation, d, o, width))
                    } else {
                        let next = layers[l + 1];
                        let terms = (0..next.outputs)
                            .map(|j| DeltaTerm {
                                neuron: j,
                                weight: network.weights(l + 1)[j * next.inputs + k],
                                delta: deltas[l + 1][j],
                            })
                            .collect();
                        let derivative = Derivative::of(activation, o);
                        (None, DeltaRule::Hidden { derivative, terms })
                    };
                    NeuronBreakdown {
                        layer: l,
                        neuron: k,
                        incoming,
                        z,
                        output: o,
                        desired,
                        delta,
                        rule,
                    }
                })
                .collect();
            out.push(LayerBreakdown {
                activation,
                neurons,
            });
        }
        Ok(Self {
            learning_rate: r,
            loss: arch.loss,
            loss_value,
            inputs: input.to_vec(),
            layers: out,
        })
    }

    /// Neuron `k` of weight layer `l`, if there is one.
    pub fn neuron(&self, l: usize, k: usize) -> Option<&NeuronBreakdown> {
        self.layers.get(l)?.neurons.get(k)
    }
}

/// The incoming connections of neuron `k` of layer `l`, bias first, with their changes.
fn incoming(
    network: &Network,
    l: usize,
    k: usize,
    o_in: &[f32],
    delta: f32,
    r: f32,
) -> Vec<Incoming> {
    let shape = network.layers()[l];
    let row = &network.weights(l)[k * shape.inputs..(k + 1) * shape.inputs];
    // Δw = r · (o_in · δ): the product first, as the gradient holds it, then the
    // rate, as gradient descent applies it; so `w + Δw` is the step, bit for bit.
    let change = |o_in: f32| r * (o_in * delta);
    let bias = Incoming {
        source: Source::Bias,
        input: -1.0,
        weight: network.seed_bias_weight(l, k),
        change: change(-1.0),
    };
    let source = |i| {
        if l == 0 {
            Source::Input(i)
        } else {
            Source::Neuron(i)
        }
    };
    std::iter::once(bias)
        .chain(
            row.iter()
                .zip(o_in)
                .enumerate()
                .map(|(i, (&weight, &input))| Incoming {
                    source: source(i),
                    input,
                    weight,
                    change: change(input),
                }),
        )
        .collect()
}

/// The output delta's rule for this loss over this activation: each loss states its own.
fn output_rule(
    loss: Loss,
    activation: Activation,
    desired: f32,
    output: f32,
    outputs: usize,
) -> DeltaRule {
    // A mean over the K outputs puts its 1/K, and a square its 2, in front.
    let mean = |numerator: u32| {
        (numerator as usize != outputs).then_some(OutputScale { numerator, outputs })
    };
    match loss {
        Loss::Seed | Loss::Mse => DeltaRule::SquaredError {
            loss,
            derivative: Derivative::of(activation, output),
            desired,
            output,
            scale: if loss == Loss::Mse { mean(2) } else { None },
        },
        Loss::CrossEntropy | Loss::BinaryCrossEntropy => DeltaRule::Cancelled {
            loss,
            activation,
            desired,
            output,
            scale: if loss == Loss::BinaryCrossEntropy {
                mean(1)
            } else {
                None
            },
        },
    }
}

/// The weight changes a plain gradient-descent step on a mini-batch applies:
/// the mean of its samples' `Δw = r · o_in · δ`, since the loss is the batch mean.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchChanges {
    samples: usize,
    layers: Vec<LayerShape>,
    /// `-r · dL/dparam` in parameter order (weights `[out, in]`, then biases `b`).
    changes: Vec<f32>,
}

impl BatchChanges {
    /// The mean changes for a batch of `inputs` (`[batch, inputs]`, normalised) at rate `r`,
    /// through the network's batched backward pass.
    pub fn new(network: &Network, inputs: &[f32], targets: &Targets<'_>, r: f32) -> Result<Self> {
        let width = network.architecture().inputs();
        let samples = inputs.len() / width.max(1);
        let mut gradients = Gradients::zeros(network.architecture());
        network.backward(
            inputs,
            targets,
            1.0 / samples.max(1) as f32,
            &mut Workspace::new(),
            &mut gradients,
        )?;
        Ok(Self {
            samples,
            layers: network.layers().to_vec(),
            changes: gradients.as_slice().iter().map(|g| -r * g).collect(),
        })
    }

    /// Samples in the batch.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// The mean `Δw` of neuron `k` of layer `l`'s incoming weights, the bias
    /// weight `w_0` first, as in [`NeuronBreakdown::incoming`].
    pub fn neuron(&self, l: usize, k: usize) -> Option<Vec<f32>> {
        let shape = self.layers.get(l)?;
        if k >= shape.outputs {
            return None;
        }
        // b = -w_0, so w_0 changes by minus b's change.
        let bias = -self.changes[shape.bias_offset + k];
        let start = shape.weight_offset + k * shape.inputs;
        Some(
            std::iter::once(bias)
                .chain(self.changes[start..start + shape.inputs].iter().copied())
                .collect(),
        )
    }
}

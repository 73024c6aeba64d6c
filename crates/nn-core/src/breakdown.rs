//! One sample's backpropagation, neuron by neuron, in the seed's terms: what the
//! dashboard's inspector and `nn-tui explain` show.
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

/// The symbols formulas are written with, and how many significant digits numbers get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notation {
    /// The delta.
    pub delta: &'static str,
    /// The operator minus (numbers keep a plain `-` sign, so they read back as numbers).
    pub minus: &'static str,
    /// Multiplication.
    pub times: &'static str,
    /// Summation.
    pub sum: &'static str,
    /// The change in `Δw`.
    pub change: &'static str,
    /// A square.
    pub squared: &'static str,
    /// Terms left out.
    pub ellipsis: &'static str,
    /// Significant digits of every number.
    pub digits: usize,
}

impl Notation {
    /// The seed's symbols: `δ = o(1−o)(d−o) = 0.62·0.38·(1−0.62)`.
    pub const SEED: Notation = Notation {
        delta: "δ",
        minus: "−",
        times: "·",
        sum: "Σ",
        change: "Δ",
        squared: "²",
        ellipsis: "…",
        digits: 4,
    };

    /// Plain ASCII, for terminals and fonts without the symbols: `delta = o(1-o)(d-o)`.
    pub const ASCII: Notation = Notation {
        delta: "delta",
        minus: "-",
        times: "*",
        sum: "sum",
        change: "d",
        squared: "^2",
        ellipsis: "...",
        digits: 4,
    };

    /// A number with this notation's significant digits: `0.0895`, `-1.25`, `3.1e-6`;
    /// one that would round to ±1 without being it is `1−2.527e-5`, so that
    /// `δ = (1−o)` never reads `(1−1) = 2.527e-5` (a saturated output).
    pub fn number(&self, x: f64) -> String {
        let text = format_number(x, self.digits);
        if !near_unit(x, &text) {
            return text;
        }
        let whole = x.round();
        let sign = if x < whole { self.minus } else { "+" };
        format!(
            "{}{sign}{}",
            format_number(whole, self.digits),
            format_number((x - whole).abs(), self.digits)
        )
    }

    /// A number as a factor of a product: negative ones in parentheses, `(-0.2)`,
    /// and those written as a difference, `(1−2.5e-5)`.
    fn factor(&self, x: f64) -> String {
        let s = self.number(x);
        if s.starts_with('-') || near_unit(x, &format_number(x, self.digits)) {
            format!("({s})")
        } else {
            s
        }
    }
}

/// `x` with `digits` significant digits and no trailing zeros; scientific
/// notation outside `[1e-4, 1e5)`. Numbers never contain spaces, so text
/// broken at spaces never cuts one.
pub fn format_number(x: f64, digits: usize) -> String {
    let digits = digits.max(1);
    if x == 0.0 {
        return "0".into();
    }
    if !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs();
    if !(1e-4..1e5).contains(&magnitude) {
        let s = format!("{:.*e}", digits - 1, x);
        return match s.split_once('e') {
            Some((mantissa, exponent)) => format!("{}e{exponent}", trim_zeros(mantissa)),
            None => s,
        };
    }
    let before_point = magnitude.log10().floor() as i32 + 1;
    let decimals = (digits as i32 - before_point).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        trim_zeros(&s).to_string()
    } else {
        s
    }
}

/// Whether `x`, written as `text`, shows as ±1 without being it.
fn near_unit(x: f64, text: &str) -> bool {
    x.abs() != 1.0 && matches!(text, "1" | "-1")
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
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

    /// In symbols: `o(1−o)`, `(1−o²)`, `[o>0]`; empty for a linear neuron (a factor 1).
    fn symbolic(self, n: &Notation) -> String {
        match self {
            Derivative::Sigmoid { .. } => format!("o(1{}o)", n.minus),
            Derivative::Tanh { .. } => format!("(1{}o{})", n.minus, n.squared),
            Derivative::Relu { .. } => "[o>0]".into(),
            Derivative::Linear => String::new(),
        }
    }

    /// With the numbers: `0.62·0.38` (o and 1 − o), `(1−0.62²)`, `1`; `None` for a linear neuron.
    fn filled(self, n: &Notation) -> Option<String> {
        match self {
            Derivative::Sigmoid { output } => Some(format!(
                "{}{}{}",
                n.factor(f64::from(output)),
                n.times,
                n.factor(1.0 - f64::from(output))
            )),
            Derivative::Tanh { output } => Some(format!(
                "(1{}{}{})",
                n.minus,
                n.factor(f64::from(output)),
                n.squared
            )),
            Derivative::Relu { .. } => Some(n.number(self.value())),
            Derivative::Linear => None,
        }
    }

    /// What the derivative is, in words.
    fn named(self, n: &Notation) -> String {
        match self {
            Derivative::Sigmoid { .. } => format!("sigmoid: f'(z) = o(1{}o)", n.minus),
            Derivative::Tanh { .. } => format!("tanh: f'(z) = 1{}o{}", n.minus, n.squared),
            Derivative::Relu { .. } => "ReLU: f'(z) = 1 if o > 0, else 0".into(),
            Derivative::Linear => "linear: f'(z) = 1".into(),
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

    /// The rule in symbols: `o(1−o)(d−o)`, `d−o`, `o(1−o)·Σ w·δ`.
    pub fn symbolic(&self, n: &Notation) -> String {
        let scale = |s: &Option<OutputScale>| {
            s.map_or(String::new(), |s| format!("({}/K){}", s.numerator, n.times))
        };
        match self {
            DeltaRule::SquaredError {
                derivative,
                scale: s,
                ..
            } => format!("{}{}(d{}o)", scale(s), derivative.symbolic(n), n.minus),
            DeltaRule::Cancelled { scale: s, .. } if s.is_some() => {
                format!("{}(d{}o)", scale(s), n.minus)
            }
            DeltaRule::Cancelled { .. } => format!("d{}o", n.minus),
            DeltaRule::Hidden { derivative, .. } => match derivative {
                Derivative::Linear => format!("{} w{}{}", n.sum, n.times, n.delta),
                d => format!(
                    "{}{}{} w{}{}",
                    d.symbolic(n),
                    n.times,
                    n.sum,
                    n.times,
                    n.delta
                ),
            },
        }
    }

    /// The rule with its numbers filled in: `0.62·0.38·(1−0.62)`. A hidden
    /// neuron's sum lists its `max_terms` largest terms, then how many more and
    /// their total. Spaces only between terms, never inside a number.
    pub fn filled(&self, n: &Notation, max_terms: usize) -> String {
        let difference = |d: f32, o: f32| {
            format!(
                "({}{}{})",
                n.number(f64::from(d)),
                n.minus,
                n.factor(f64::from(o))
            )
        };
        let scale = |s: &Option<OutputScale>| {
            s.map_or(String::new(), |s| {
                format!("({}/{}){}", s.numerator, s.outputs, n.times)
            })
        };
        match self {
            DeltaRule::SquaredError {
                derivative,
                desired,
                output,
                scale: s,
                ..
            } => {
                let mut text = scale(s);
                if let Some(f) = derivative.filled(n) {
                    text.push_str(&f);
                    text.push_str(n.times);
                }
                text.push_str(&difference(*desired, *output));
                text
            }
            DeltaRule::Cancelled {
                desired,
                output,
                scale: s,
                ..
            } => format!("{}{}", scale(s), difference(*desired, *output)),
            DeltaRule::Hidden { derivative, terms } => {
                let sum = sum_text(terms, n, max_terms, 0);
                match derivative.filled(n) {
                    Some(f) => format!("{f}{}({sum})", n.times),
                    None => sum,
                }
            }
        }
    }

    /// Which formula applies and why, in words.
    pub fn description(&self, n: &Notation) -> String {
        let d = n.delta;
        match self {
            DeltaRule::SquaredError {
                loss,
                derivative,
                scale,
                ..
            } => {
                let seed = if matches!(derivative, Derivative::Sigmoid { .. }) && scale.is_none() {
                    ", the seed's output delta"
                } else {
                    ""
                };
                let factor =
                    scale.map_or(String::new(), |s| format!("({}/K){}", s.numerator, n.times));
                format!(
                    "output neuron, {}: {d} = {factor}f'(o)(d{}o){seed}; {}",
                    loss_words(*loss, n),
                    n.minus,
                    derivative.named(n),
                )
            }
            DeltaRule::Cancelled {
                loss,
                activation,
                scale,
                ..
            } => format!(
                "output neuron, {activation} with {}: {d} = {}(d{}o), the {activation}'s derivative cancels the loss's",
                loss_words(*loss, n),
                scale.map_or(String::new(), |s| format!("({}/K){}", s.numerator, n.times)),
                n.minus,
            ),
            DeltaRule::Hidden { derivative, .. } => {
                let seed = if matches!(derivative, Derivative::Sigmoid { .. }) {
                    ", the seed's hidden delta"
                } else {
                    ""
                };
                format!(
                    "hidden neuron: {d} = f'(o){}{} w{}{d} over the neurons it feeds{seed}; {}",
                    n.times,
                    n.sum,
                    n.times,
                    derivative.named(n)
                )
            }
        }
    }
}

/// The loss in words, for a rule's description.
fn loss_words(loss: Loss, n: &Notation) -> String {
    match loss {
        Loss::Seed => format!(
            "the seed's squared error 1/2 {}(d{}o){}",
            n.sum, n.minus, n.squared
        ),
        Loss::Mse => format!(
            "mse, the mean of (d{}o){} over the K outputs (PyTorch's MSELoss)",
            n.minus, n.squared
        ),
        Loss::CrossEntropy => "cross-entropy".into(),
        Loss::BinaryCrossEntropy => {
            "binary cross-entropy, the mean over the K outputs (PyTorch's BCELoss)".into()
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

/// `w·δ + w·δ + …`: the first `pinned` terms, then the largest by size up to
/// `max_terms` in all, in their order, then `+ …(k more: total)` for the rest.
fn sum_text(terms: &[DeltaTerm], n: &Notation, max_terms: usize, pinned: usize) -> String {
    let size = |t: &DeltaTerm| (f64::from(t.weight) * f64::from(t.delta)).abs();
    let mut shown: Vec<usize> = (0..terms.len()).collect();
    if terms.len() > max_terms {
        let pinned = pinned.min(max_terms);
        shown[pinned..].sort_by(|&a, &b| size(&terms[b]).total_cmp(&size(&terms[a])));
        shown.truncate(max_terms);
        shown.sort_unstable();
    }
    let mut parts: Vec<String> = shown
        .iter()
        .map(|&j| {
            let t = &terms[j];
            format!(
                "{}{}{}",
                n.factor(f64::from(t.weight)),
                n.times,
                n.factor(f64::from(t.delta))
            )
        })
        .collect();
    if shown.len() < terms.len() {
        let rest: f64 = (0..terms.len())
            .filter(|j| !shown.contains(j))
            .map(|j| f64::from(terms[j].weight) * f64::from(terms[j].delta))
            .sum();
        parts.push(format!(
            "{}({} more: {})",
            n.ellipsis,
            terms.len() - shown.len(),
            n.number(rest)
        ));
    }
    parts.join(" + ")
}

impl Source {
    /// The input's name as the breakdown's readers write it: `bias`, the
    /// network input's name from `inputs` (else `x1`, `x2`, ...), or the previous
    /// layer's neuron by [`NeuronBreakdown::name`]. `layer` is the receiving neuron's.
    pub fn name(self, layer: usize, inputs: &[String]) -> String {
        match self {
            Source::Bias => "bias".into(),
            Source::Input(i) => inputs
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("x{}", i + 1)),
            Source::Neuron(i) => neuron_name(layer.saturating_sub(1), i),
        }
    }
}

/// `n2.3`: neuron 3 of weight layer 1, i.e. of the network's layer 2 counting the
/// inputs as layer 0, and counting from 1 within a layer.
fn neuron_name(layer: usize, neuron: usize) -> String {
    format!("n{}.{}", layer + 1, neuron + 1)
}

impl NeuronBreakdown {
    /// `n2.3`: the network's layer (the inputs being layer 0), then the neuron, from 1.
    pub fn name(&self) -> String {
        neuron_name(self.layer, self.neuron)
    }

    /// `δ = o(1−o)(d−o) = 0.62·0.38·(1−0.62) = 0.0895`: the rule, its numbers, the value.
    pub fn delta_formula(&self, n: &Notation, max_terms: usize) -> String {
        format!(
            "{} = {} = {} = {}",
            n.delta,
            self.rule.symbolic(n),
            self.rule.filled(n, max_terms),
            n.number(f64::from(self.delta))
        )
    }

    /// `z = Σ w·o_in = 0.3·(-1) + 0.5·0.62 = 0.01`: the bias's term first, then
    /// the largest terms, `max_terms` in all (then how many more and their total).
    pub fn sum_formula(&self, n: &Notation, max_terms: usize) -> String {
        let terms: Vec<DeltaTerm> = self
            .incoming
            .iter()
            .enumerate()
            .map(|(j, i)| DeltaTerm {
                neuron: j,
                weight: i.weight,
                delta: i.input,
            })
            .collect();
        format!(
            "z = {} w{}o_in = {} = {}",
            n.sum,
            n.times,
            sum_text(&terms, n, max_terms, 1),
            n.number(f64::from(self.z))
        )
    }

    /// `Δw = r·o_in·δ = 0.5·0.62·0.0895 = 0.02775` for incoming connection `i`
    /// (0 is the bias, whose `o_in` is -1), at learning rate `r`.
    pub fn change_formula(&self, i: usize, r: f32, n: &Notation) -> Option<String> {
        let incoming = self.incoming.get(i)?;
        Some(format!(
            "{}w = r{}o_in{}{} = {}{}{}{}{} = {}",
            n.change,
            n.times,
            n.times,
            n.delta,
            n.factor(f64::from(r)),
            n.times,
            n.factor(f64::from(incoming.input)),
            n.times,
            n.factor(f64::from(self.delta)),
            n.number(f64::from(incoming.change))
        ))
    }

    /// `o = 1/(1+e^−z) = 1/(1+e^−0.05) = 0.5125`: the activation, its sum and its output.
    pub fn output_formula(&self, activation: Activation, n: &Notation) -> String {
        // In parentheses only where a sign would run into an operator: e^−(-0.29).
        let (z, factor) = (n.number(f64::from(self.z)), n.factor(f64::from(self.z)));
        let (symbolic, filled) = match activation {
            Activation::Sigmoid => (
                format!("1/(1+e^{}z)", n.minus),
                format!("1/(1+e^{}{factor})", n.minus),
            ),
            Activation::Tanh => ("tanh z".into(), format!("tanh {z}")),
            Activation::Relu => ("max(0, z)".into(), format!("max(0, {z})")),
            Activation::Linear => ("z".into(), z),
            Activation::Softmax => (
                format!("e^z / {} e^z_k", n.sum),
                format!("e^{factor} / {} e^z_k", n.sum),
            ),
        };
        let o = n.number(f64::from(self.output));
        if activation == Activation::Linear {
            return format!("o = {symbolic} = {o}");
        }
        format!("o = {symbolic} = {filled} = {o}")
    }
}

impl Breakdown {
    /// This sample's loss as text: a loss of exactly 0 whose output δs are not
    /// (an output that rounds to exactly 1 in f32, while the others still have a
    /// gradient) says so, rather than a bare `0` that contradicts them.
    pub fn loss_text(&self, n: &Notation) -> String {
        let outputs_move = self
            .layers
            .last()
            .is_some_and(|l| l.neurons.iter().any(|x| x.delta != 0.0));
        if self.loss_value == 0.0 && outputs_move {
            "below f32's resolution (an output rounds to exactly 1; the δs are what is left)".into()
        } else {
            n.number(self.loss_value)
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_digits_and_drop_trailing_zeros() {
        let cases = [
            (0.0895, "0.0895"),
            (0.62, "0.62"),
            (-1.0, "-1"),
            (1234.5678, "1235"),
            (0.99996, "1"),
            (3.1e-5, "3.1e-5"),
            (-123_456.0, "-1.235e5"),
            (0.0, "0"),
        ];
        for (x, want) in cases {
            assert_eq!(format_number(x, 4), want, "{x}");
        }
        assert_eq!(format_number(2.0 / 3.0, 6), "0.666667");
    }

    /// A loss that rounds to 0 while the δs do not says so.
    #[test]
    fn a_loss_below_f32s_resolution_says_so() {
        let network = Network::new(
            crate::Architecture::new(
                vec![1, 2],
                crate::Activation::Tanh,
                crate::Activation::Softmax,
                Loss::CrossEntropy,
            )
            .unwrap(),
            1,
        )
        .unwrap();
        let mut b = Breakdown::new(&network, &[0.5], &Targets::Classes(&[0]), 0.1).unwrap();
        assert_ne!(b.loss_text(&Notation::SEED), "0");
        b.loss_value = 0.0;
        assert!(
            b.loss_text(&Notation::SEED)
                .starts_with("below f32's resolution")
        );
        for neuron in &mut b.layers.last_mut().unwrap().neurons {
            neuron.delta = 0.0;
        }
        assert_eq!(b.loss_text(&Notation::SEED), "0");
    }

    /// A saturated output is not shown as 1: the identity `δ = d−o` reads true.
    #[test]
    fn numbers_near_one_say_how_near() {
        let n = Notation::SEED;
        assert_eq!(n.number(0.999_974_73), "1−2.527e-5");
        assert_eq!(n.number(-0.999_99), "-1+1e-5");
        assert_eq!(n.factor(0.999_974_73), "(1−2.527e-5)");
        assert_eq!(n.number(1.0), "1");
        assert_eq!(n.number(0.62), "0.62");
        assert_eq!(Notation::ASCII.number(0.999_974_73), "1-2.527e-5");
    }

    #[test]
    fn the_seed_output_delta_reads_as_the_seed_writes_it() {
        let rule = DeltaRule::SquaredError {
            loss: Loss::Seed,
            derivative: Derivative::Sigmoid { output: 0.62 },
            desired: 1.0,
            output: 0.62,
            scale: None,
        };
        let n = Notation::SEED;
        assert_eq!(rule.symbolic(&n), "o(1−o)(d−o)");
        assert_eq!(rule.filled(&n, 8), "0.62·0.38·(1−0.62)");
        assert!((rule.value() - 0.62 * 0.38 * 0.38).abs() < 1e-7);
        assert!(
            rule.description(&n).contains("the seed's output delta"),
            "{}",
            rule.description(&n)
        );
        let a = Notation::ASCII;
        assert_eq!(rule.symbolic(&a), "o(1-o)(d-o)");
        assert_eq!(rule.filled(&a, 8), "0.62*0.38*(1-0.62)");
    }

    #[test]
    fn other_rules_state_their_own_formula() {
        let n = Notation::SEED;
        let tanh = DeltaRule::SquaredError {
            loss: Loss::Mse,
            derivative: Derivative::Tanh { output: -0.5 },
            desired: 0.25,
            output: -0.5,
            scale: Some(OutputScale {
                numerator: 2,
                outputs: 3,
            }),
        };
        assert_eq!(tanh.symbolic(&n), "(2/K)·(1−o²)(d−o)");
        assert_eq!(tanh.filled(&n, 8), "(2/3)·(1−(-0.5)²)·(0.25−(-0.5))");
        assert!((tanh.value() - 2.0 / 3.0 * 0.75 * 0.75).abs() < 1e-7);
        let softmax = DeltaRule::Cancelled {
            loss: Loss::CrossEntropy,
            activation: Activation::Softmax,
            desired: 0.0,
            output: 0.25,
            scale: None,
        };
        assert_eq!(softmax.symbolic(&n), "d−o");
        assert_eq!(softmax.filled(&n, 8), "(0−0.25)");
        assert!(
            softmax
                .description(&n)
                .contains("softmax with cross-entropy")
        );
        let relu = DeltaRule::SquaredError {
            loss: Loss::Seed,
            derivative: Derivative::Relu { output: 0.0 },
            desired: 1.0,
            output: 0.0,
            scale: None,
        };
        assert_eq!(relu.filled(&n, 8), "0·(1−0)");
        assert_eq!(relu.value(), 0.0);
    }

    #[test]
    fn a_long_hidden_sum_keeps_its_largest_terms_and_totals_the_rest() {
        let terms: Vec<DeltaTerm> = [0.1f32, -3.0, 0.2, 2.0, 0.05]
            .iter()
            .enumerate()
            .map(|(j, &w)| DeltaTerm {
                neuron: j,
                weight: w,
                delta: 0.5,
            })
            .collect();
        let rule = DeltaRule::Hidden {
            derivative: Derivative::Sigmoid { output: 0.5 },
            terms,
        };
        let n = Notation::SEED;
        assert_eq!(rule.symbolic(&n), "o(1−o)·Σ w·δ");
        assert_eq!(
            rule.filled(&n, 2),
            "0.5·0.5·((-3)·0.5 + 2·0.5 + …(3 more: 0.175))"
        );
        assert_eq!(
            rule.filled(&n, 5),
            "0.5·0.5·(0.1·0.5 + (-3)·0.5 + 0.2·0.5 + 2·0.5 + 0.05·0.5)"
        );
        assert!((rule.value() - 0.25 * 0.5 * (0.1 - 3.0 + 0.2 + 2.0 + 0.05)).abs() < 1e-6);
    }

    #[test]
    fn the_sum_keeps_the_bias_term_however_small() {
        let neuron = NeuronBreakdown {
            layer: 1,
            neuron: 2,
            incoming: [(-1.0f32, 0.0f32), (0.5, 2.0), (0.25, -4.0), (1.0, 0.01)]
                .iter()
                .enumerate()
                .map(|(i, &(input, weight))| Incoming {
                    source: if i == 0 {
                        Source::Bias
                    } else {
                        Source::Neuron(i - 1)
                    },
                    input,
                    weight,
                    change: 0.0,
                })
                .collect(),
            z: 0.01,
            output: 0.01,
            desired: None,
            delta: 0.0,
            rule: DeltaRule::Hidden {
                derivative: Derivative::Linear,
                terms: Vec::new(),
            },
        };
        let n = Notation::SEED;
        assert_eq!(
            neuron.sum_formula(&n, 3),
            "z = Σ w·o_in = 0·(-1) + 2·0.5 + (-4)·0.25 + …(1 more: 0.01) = 0.01"
        );
        assert_eq!(neuron.name(), "n2.3");
        assert_eq!(neuron.incoming[2].source.name(1, &[]), "n1.2");
        assert_eq!(Source::Input(1).name(0, &["a".into(), "b".into()]), "b");
        assert_eq!(Source::Input(2).name(0, &[]), "x3");
    }
}

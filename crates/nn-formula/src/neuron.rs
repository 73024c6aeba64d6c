//! A neuron's formulas (its sum, output, delta and weight changes), the names
//! of neurons and their inputs, and a sample's loss, as text.

use nn_core::{Activation, Breakdown, DeltaTerm, NeuronBreakdown, Source};

use crate::Notation;
use crate::rule::{RuleText, sum_text};

/// A [`NeuronBreakdown`] written out.
pub trait NeuronText {
    /// `n2.3`: the network's layer (the inputs being layer 0), then the neuron, from 1.
    fn name(&self) -> String;
    /// `δ = o(1−o)(d−o) = 0.62·0.38·(1−0.62) = 0.0895`: the rule, its numbers, the value.
    fn delta_formula(&self, n: &Notation, max_terms: usize) -> String;
    /// `z = Σ w·o_in = 0.3·(-1) + 0.5·0.62 = 0.01`: the bias's term first, then
    /// the largest terms, `max_terms` in all (then how many more and their total).
    fn sum_formula(&self, n: &Notation, max_terms: usize) -> String;
    /// `Δw = r·o_in·δ = 0.5·0.62·0.0895 = 0.02775` for incoming connection `i`
    /// (0 is the bias, whose `o_in` is -1), at learning rate `r`.
    fn change_formula(&self, i: usize, r: f32, n: &Notation) -> Option<String>;
    /// `o = 1/(1+e^−z) = 1/(1+e^−0.05) = 0.5125`: the activation, its sum and its output.
    fn output_formula(&self, activation: Activation, n: &Notation) -> String;
}

/// A [`Source`]'s name.
pub trait SourceText {
    /// The input's name as the breakdown's readers write it: `bias`, the
    /// network input's name from `inputs` (else `x1`, `x2`, ...), or the previous
    /// layer's neuron by [`NeuronText::name`]. `layer` is the receiving neuron's.
    fn name(self, layer: usize, inputs: &[String]) -> String;
}

/// A [`Breakdown`]'s loss as text.
pub trait BreakdownText {
    /// This sample's loss as text: a loss of exactly 0 whose output δs are not
    /// (an output that rounds to exactly 1 in f32, while the others still have a
    /// gradient) says so, rather than a bare `0` that contradicts them.
    fn loss_text(&self, n: &Notation) -> String;
}

impl SourceText for Source {
    /// The input's name as the breakdown's readers write it: `bias`, the
    /// network input's name from `inputs` (else `x1`, `x2`, ...), or the previous
    /// layer's neuron by [`NeuronBreakdown::name`]. `layer` is the receiving neuron's.
    fn name(self, layer: usize, inputs: &[String]) -> String {
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

impl NeuronText for NeuronBreakdown {
    /// `n2.3`: the network's layer (the inputs being layer 0), then the neuron, from 1.
    fn name(&self) -> String {
        neuron_name(self.layer, self.neuron)
    }

    /// `δ = o(1−o)(d−o) = 0.62·0.38·(1−0.62) = 0.0895`: the rule, its numbers, the value.
    fn delta_formula(&self, n: &Notation, max_terms: usize) -> String {
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
    fn sum_formula(&self, n: &Notation, max_terms: usize) -> String {
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
    fn change_formula(&self, i: usize, r: f32, n: &Notation) -> Option<String> {
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
    fn output_formula(&self, activation: Activation, n: &Notation) -> String {
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

impl BreakdownText for Breakdown {
    /// This sample's loss as text: a loss of exactly 0 whose output δs are not
    /// (an output that rounds to exactly 1 in f32, while the others still have a
    /// gradient) says so, rather than a bare `0` that contradicts them.
    fn loss_text(&self, n: &Notation) -> String {
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
}

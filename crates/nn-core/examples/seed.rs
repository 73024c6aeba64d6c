//! The seed's worked network: one full forward and backward pass of a 2-2-1
//! sigmoid network with fixed weights, printed in the seed's notation, then the
//! step it makes and the performance after it.
//!
//! Run with `cargo run -p nn-core --example seed`. `tests/seed_example.rs` works
//! the same pass out by hand and checks every number printed here.

use std::fmt::Write as _;

use nn_core::{Activation, Architecture, Breakdown, Gradients, Loss, Network, Targets, Workspace};
use nn_formula::{NeuronText, Notation};

/// The sample: inputs `x_1, x_2`.
pub const INPUT: [f32; 2] = [1.0, 0.5];
/// The desired output `d`.
pub const DESIRED: f32 = 1.0;
/// The rate constant `r`.
pub const RATE: f32 = 0.5;
/// The hidden neurons' weights in the seed's order: `w_0` (the bias, on the
/// constant input -1), then `w_1`, `w_2` on `x_1`, `x_2`.
pub const HIDDEN: [[f32; 3]; 2] = [[0.2, 0.4, -0.3], [-0.1, 0.1, 0.6]];
/// The output neuron's weights: `w_0`, then those on hidden neurons 1 and 2.
pub const OUTPUT: [f32; 3] = [0.3, 0.5, -0.4];

/// The network with these weights (stored as PyTorch does: `b = -w_0`).
pub fn network() -> nn_core::Result<Network> {
    let arch = Architecture::new(
        vec![2, 2, 1],
        Activation::Sigmoid,
        Activation::Sigmoid,
        Loss::Seed,
    )?;
    let mut params = Vec::new();
    params.extend(HIDDEN.iter().flat_map(|w| [w[1], w[2]]));
    params.extend(HIDDEN.iter().map(|w| -w[0]));
    params.extend([OUTPUT[1], OUTPUT[2], -OUTPUT[0]]);
    Network::from_parameters(arch, params)
}

/// The seed's performance `P = -1/2 (d - o)^2` of a network on the sample.
pub fn performance(network: &Network) -> nn_core::Result<f32> {
    let o = network.predict(&INPUT)?[0];
    Ok(-0.5 * (DESIRED - o) * (DESIRED - o))
}

/// The pass of `network` on the sample, laid out neuron by neuron.
pub fn breakdown(network: &Network) -> nn_core::Result<Breakdown> {
    Breakdown::new(network, &INPUT, &Targets::Values(&[DESIRED]), RATE)
}

/// The network after one plain gradient-descent step on the sample.
pub fn stepped(network: &Network) -> nn_core::Result<Network> {
    let mut gradients = Gradients::zeros(network.architecture());
    network.backward(
        &INPUT,
        &Targets::Values(&[DESIRED]),
        1.0,
        &mut Workspace::new(),
        &mut gradients,
    )?;
    let mut after = network.clone();
    after.apply_gradient_descent(&gradients, RATE);
    Ok(after)
}

/// Everything the example prints.
pub fn render() -> nn_core::Result<String> {
    let n = Notation::SEED;
    let net = network()?;
    let b = breakdown(&net)?;
    let after = stepped(&net)?;
    let name = |l: usize, k: usize| {
        if l == 0 {
            format!("hidden neuron {}", k + 1)
        } else {
            "output neuron  ".into()
        }
    };
    let pad = " ".repeat(17);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "The seed's worked network: 2-2-1, sigmoid neurons, the bias the weight w_0 of a constant input -1."
    );
    let _ = writeln!(
        s,
        "Sample x = ({}, {}), desired d = {}, rate r = {}.\n\nForward",
        n.number(INPUT[0].into()),
        n.number(INPUT[1].into()),
        n.number(DESIRED.into()),
        n.number(RATE.into())
    );
    for (l, layer) in b.layers.iter().enumerate() {
        for (k, neuron) in layer.neurons.iter().enumerate() {
            let _ = writeln!(s, "  {}: {}", name(l, k), neuron.sum_formula(&n, 8));
            let _ = writeln!(s, "{pad}  {}", neuron.output_formula(layer.activation, &n));
        }
    }
    let before = performance(&net)?;
    let _ = writeln!(
        s,
        "  P = {}1/2 (d{}o){} = {}\n\nBackward ({} = dP/dz, output first)",
        n.minus,
        n.minus,
        n.squared,
        n.number(before.into()),
        n.delta
    );
    for (l, layer) in b.layers.iter().enumerate().rev() {
        for (k, neuron) in layer.neurons.iter().enumerate() {
            let _ = writeln!(s, "  {}: {}", name(l, k), neuron.delta_formula(&n, 8));
        }
    }
    let _ = writeln!(
        s,
        "\nWeight changes {}w = r{}o_in{}{} (w_0 on the input -1), and the weights after the step",
        n.change, n.times, n.times, n.delta
    );
    let after_b = breakdown(&after)?;
    for (l, layer) in b.layers.iter().enumerate().rev() {
        for (k, neuron) in layer.neurons.iter().enumerate() {
            for i in 0..neuron.incoming.len() {
                let lead = if i == 0 { name(l, k) } else { " ".repeat(15) };
                let old = n.number(neuron.incoming[i].weight.into());
                let new = n.number(after_b.layers[l].neurons[k].incoming[i].weight.into());
                let change = neuron
                    .change_formula(i, b.learning_rate, &n)
                    .unwrap_or_default();
                let _ = writeln!(s, "  {lead}: w_{i} {old:>5} -> {new:<8}  {change}");
            }
        }
    }
    let o = after.predict(&INPUT)?[0];
    let _ = writeln!(
        s,
        "\nAfter the step: o = {}, P = {} (was {}): the output moved toward d.",
        n.number(o.into()),
        n.number(performance(&after)?.into()),
        n.number(before.into())
    );
    Ok(s)
}

fn main() -> nn_core::Result<()> {
    print!("{}", render()?);
    Ok(())
}

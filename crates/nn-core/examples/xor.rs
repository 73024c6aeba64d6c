//! The seed's own example: a 2-2-1 and a 2-3-1 sigmoid network learn XOR.
//!
//! Plain gradient descent on the seed's performance function
//! `P = -1/2 (d - o)^2`, all four patterns in every step, from a fixed seed.
//! Run with `cargo run -p nn-core --example xor`.

use nn_core::{Activation, Architecture, Gradients, Loss, Network, Targets, Workspace};

/// The four XOR patterns, row-major `[4, 2]`, and their desired outputs.
pub const INPUTS: [f32; 8] = [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
/// Desired outputs `d` for [`INPUTS`].
pub const DESIRED: [f32; 4] = [0.0, 1.0, 1.0, 0.0];

/// Trains a `2-hidden-1` sigmoid network on XOR; returns it with its outputs for the four patterns.
pub fn train(
    hidden: usize,
    seed: u64,
    steps: usize,
    rate: f32,
) -> nn_core::Result<(Network, Vec<f32>)> {
    let arch = Architecture::new(
        vec![2, hidden, 1],
        Activation::Sigmoid,
        Activation::Sigmoid,
        Loss::Seed,
    )?;
    let mut network = Network::new(arch, seed)?;
    let mut workspace = Workspace::new();
    let mut gradients = Gradients::zeros(network.architecture());
    for _ in 0..steps {
        network.backward(
            &INPUTS,
            &Targets::Values(&DESIRED),
            1.0 / 4.0,
            &mut workspace,
            &mut gradients,
        )?;
        // The seed's rule: w += r * o_in * delta.
        network.apply_gradient_descent(&gradients, rate);
    }
    let outputs = network.predict(&INPUTS)?;
    Ok((network, outputs))
}

/// Seeds and settings that train both networks; see the test in `tests/xor.rs`.
pub const SEED: u64 = 1;
/// Gradient steps.
pub const STEPS: usize = 5000;
/// The learning rate `r`.
pub const RATE: f32 = 3.0;

#[allow(clippy::print_stdout)]
fn main() -> nn_core::Result<()> {
    for hidden in [2, 3] {
        let started = std::time::Instant::now();
        let (_, outputs) = train(hidden, SEED, STEPS, RATE)?;
        println!("2-{hidden}-1 sigmoid network, {STEPS} steps of gradient descent, r = {RATE}:");
        for (i, o) in outputs.iter().enumerate() {
            let (a, b) = (INPUTS[2 * i], INPUTS[2 * i + 1]);
            let verdict = if (*o > 0.5) == (DESIRED[i] > 0.5) {
                "right"
            } else {
                "WRONG"
            };
            println!(
                "  {a} xor {b} = {o:.4}  (desired {}, {verdict})",
                DESIRED[i]
            );
        }
        println!(
            "  trained in {:.1} ms\n",
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(())
}

//! The seed's worked network (`examples/seed.rs`) against the same pass worked
//! out by hand: every step written as the seed writes it, with the values a
//! calculator gives in the comments.
// The bias's constant input -1 is written out as the seed writes it.
#![allow(clippy::neg_multiply)]

#[allow(dead_code)]
#[path = "../examples/seed.rs"]
mod seed_example;

use nn_formula::{Notation, format_number};

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The pass by hand, in f64: x = (1, 0.5), d = 1, r = 0.5.
struct Hand {
    z: [f64; 3],
    o: [f64; 3],
    delta: [f64; 3],
    /// Weight changes per neuron (hidden 1, hidden 2, output), `w_0` first.
    change: [[f64; 3]; 3],
    performance: f64,
    performance_after: f64,
    output_after: f64,
}

fn by_hand() -> Hand {
    let (x1, x2, d, r) = (1.0, 0.5, 1.0, 0.5);
    // Forward. Each neuron's total stimulus, the bias as w_0 times the constant -1:
    // hidden 1: z = 0.2·(-1) + 0.4·1 + (-0.3)·0.5 = -0.2 + 0.4 - 0.15 = 0.05
    let z1 = 0.2 * -1.0 + 0.4 * x1 + -0.3 * x2;
    // hidden 2: z = (-0.1)·(-1) + 0.1·1 + 0.6·0.5 = 0.1 + 0.1 + 0.3 = 0.5
    let z2 = -0.1 * -1.0 + 0.1 * x1 + 0.6 * x2;
    // o = 1/(1 + e^-z): 1/(1 + 0.951229) = 0.512497 and 1/(1 + 0.606531) = 0.622459
    let (o1, o2) = (sigmoid(z1), sigmoid(z2));
    // output: z = 0.3·(-1) + 0.5·0.512497 + (-0.4)·0.622459 = -0.3 + 0.256249 - 0.248984 = -0.292735
    let z3 = 0.3 * -1.0 + 0.5 * o1 + -0.4 * o2;
    // o = 1/(1 + e^0.292735) = 1/(1 + 1.340095) = 0.427334
    let o3 = sigmoid(z3);
    // P = -1/2 (d - o)^2 = -1/2 · 0.572666^2 = -0.163973
    let performance = -0.5 * (d - o3) * (d - o3);

    // Backward. Output: δ = o(1 - o)(d - o) = 0.427334 · 0.572666 · 0.572666 = 0.140143
    let delta3 = o3 * (1.0 - o3) * (d - o3);
    // Hidden: δ = o(1 - o) · Σ w·δ, one term each (they feed only the output neuron):
    // hidden 1: 0.512497 · 0.487503 · (0.5 · 0.140_143) = 0.017507
    let delta1 = o1 * (1.0 - o1) * (0.5 * delta3);
    // hidden 2: 0.622459 · 0.377541 · (-0.4 · 0.140_143) = -0.013174
    let delta2 = o2 * (1.0 - o2) * (-0.4 * delta3);

    // Δw = r · o_in · δ, the bias's o_in being -1.
    let change = [
        [r * -1.0 * delta1, r * x1 * delta1, r * x2 * delta1],
        [r * -1.0 * delta2, r * x1 * delta2, r * x2 * delta2],
        [r * -1.0 * delta3, r * o1 * delta3, r * o2 * delta3],
    ];

    // The network after the step w + Δw, run forward again.
    let w = |w: f64, n: usize, i: usize| w + change[n][i];
    let h1 = sigmoid(w(0.2, 0, 0) * -1.0 + w(0.4, 0, 1) * x1 + w(-0.3, 0, 2) * x2);
    let h2 = sigmoid(w(-0.1, 1, 0) * -1.0 + w(0.1, 1, 1) * x1 + w(0.6, 1, 2) * x2);
    let output_after = sigmoid(w(0.3, 2, 0) * -1.0 + w(0.5, 2, 1) * h1 + w(-0.4, 2, 2) * h2);
    let hand = Hand {
        z: [z1, z2, z3],
        o: [o1, o2, o3],
        delta: [delta1, delta2, delta3],
        change,
        performance,
        performance_after: -0.5 * (d - output_after) * (d - output_after),
        output_after,
    };
    // The calculator's figures in the comments above, to six places.
    let close = |a: f64, b: f64| (a - b).abs() < 5e-7;
    assert!(close(o1, 0.512_497) && close(o2, 0.622_459) && close(o3, 0.427_334));
    assert!(close(delta3, 0.140_143) && close(delta1, 0.017_507) && close(delta2, -0.013_174));
    assert!(close(z3, -0.292_735) && close(performance, -0.163_973));
    hand
}

#[test]
fn the_worked_network_matches_the_hand_calculation() {
    let hand = by_hand();
    let network = seed_example::network().unwrap();
    let b = seed_example::breakdown(&network).unwrap();
    let neurons = [
        &b.layers[0].neurons[0],
        &b.layers[0].neurons[1],
        &b.layers[1].neurons[0],
    ];
    for (n, neuron) in neurons.iter().enumerate() {
        let near = |a: f32, b: f64, what: &str| {
            assert!(
                (f64::from(a) - b).abs() < 2e-6,
                "neuron {n} {what}: {a} vs {b} by hand"
            );
        };
        near(neuron.z, hand.z[n], "z");
        near(neuron.output, hand.o[n], "o");
        near(neuron.delta, hand.delta[n], "delta");
        for (i, incoming) in neuron.incoming.iter().enumerate() {
            near(incoming.change, hand.change[n][i], "Delta w");
        }
    }
    let after = seed_example::stepped(&network).unwrap();
    let after_b = seed_example::breakdown(&after).unwrap();
    assert!((f64::from(after_b.layers[1].neurons[0].output) - hand.output_after).abs() < 2e-6);
    assert!(
        hand.performance_after > hand.performance,
        "the step climbs P"
    );
}

#[test]
fn the_printed_pass_shows_the_hand_calculated_numbers() {
    let hand = by_hand();
    let text = seed_example::render().unwrap();
    let n = Notation::SEED;
    let shown = |x: f64| format_number(x, n.digits);
    let lines: Vec<&str> = text.lines().collect();
    let line_with = |needle: &str| -> &str {
        lines
            .iter()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}"))
    };
    assert!(line_with("hidden neuron 1: z").ends_with(&format!(
        "0.2·(-1) + 0.4·1 + (-0.3)·0.5 = {}",
        shown(hand.z[0])
    )));
    assert!(text.contains(&format!("1/(1+e^−0.05) = {}", shown(hand.o[0]))));
    assert!(text.contains(&format!("1/(1+e^−(-0.2927)) = {}", shown(hand.o[2]))));
    assert!(text.contains(&format!("P = −1/2 (d−o)² = {}", shown(hand.performance))));
    let (o, delta) = (hand.o[2], hand.delta[2]);
    assert!(line_with("output neuron  : δ").ends_with(&format!(
        "δ = o(1−o)(d−o) = {}·{}·(1−{}) = {}",
        shown(o),
        shown(1.0 - o),
        shown(o),
        shown(delta)
    )));
    assert!(line_with("hidden neuron 2: δ").ends_with(&format!(
        "δ = o(1−o)·Σ w·δ = {}·{}·((-0.4)·{}) = {}",
        shown(hand.o[1]),
        shown(1.0 - hand.o[1]),
        shown(delta),
        shown(hand.delta[1])
    )));
    // The output neuron's bias weight: 0.3 + (-0.5 · δ).
    assert!(line_with("output neuron  : w_0").contains(&format!(
        "0.3 -> {:<8}  Δw = r·o_in·δ = 0.5·(-1)·{} = {}",
        shown(0.3 + hand.change[2][0]),
        shown(delta),
        shown(hand.change[2][0])
    )));
    assert!(line_with("After the step").contains(&format!(
        "o = {}, P = {}",
        shown(hand.output_after),
        shown(hand.performance_after)
    )));
}

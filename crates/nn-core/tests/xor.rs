//! The seed's example must work: XOR learned by 2-2-1 and 2-3-1 sigmoid networks.

#[allow(dead_code)]
#[path = "../examples/xor.rs"]
mod xor_example;

use xor_example::{DESIRED, RATE, SEED, STEPS, train};

#[test]
fn xor_is_learned_by_2_2_1_and_2_3_1_sigmoid_networks() {
    for hidden in [2, 3] {
        let (_, outputs) = train(hidden, SEED, STEPS, RATE).unwrap();
        for (o, d) in outputs.iter().zip(DESIRED) {
            assert_eq!(
                *o > 0.5,
                d > 0.5,
                "2-{hidden}-1: output {o} for desired {d}; all outputs {outputs:?}"
            );
            // Not just the right side: clearly learned.
            assert!(
                (o - d).abs() < 0.2,
                "2-{hidden}-1: output {o} too far from {d}"
            );
        }
    }
}

#[test]
fn an_untrained_network_does_not_pass_for_trained() {
    // Guards the test above: zero steps must fail the same criterion.
    let (_, outputs) = train(2, SEED, 0, RATE).unwrap();
    assert!(
        outputs
            .iter()
            .zip(DESIRED)
            .any(|(o, d)| (o - d).abs() >= 0.2)
    );
}

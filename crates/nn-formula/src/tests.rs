//! The formulas as text: numbers, each rule in both notations, long sums cut,
//! names; and that each rule's value (nn-core's) is what its text shows.

use nn_core::{
    Activation, Breakdown, DeltaRule, DeltaTerm, Derivative, Incoming, Loss, Network,
    NeuronBreakdown, OutputScale, Source, Targets,
};

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
        nn_core::Architecture::new(
            vec![1, 2],
            Activation::Tanh,
            Activation::Softmax,
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

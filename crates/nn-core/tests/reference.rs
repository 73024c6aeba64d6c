//! The batched GEMM path checked against the seed's formulas written as plain loops.
//!
//! `reference` below is backpropagation exactly as the seed explains it, one
//! sample and one neuron at a time, in f64, with the bias as the weight `w_0` of
//! a constant `-1` input. Finite differences check the reference; the reference
//! checks the batched network; and the batched network is also checked directly
//! against finite differences. The per-neuron [`Breakdown`] (what the inspector
//! and `nn-tui explain` show) is checked against all three.

use nn_core::{
    Activation, Architecture, BatchChanges, Breakdown, Gradients, Loss, Network, Targets, Workspace,
};
use proptest::prelude::*;

/// Each layer's activation and total stimuli `z`.
type Stimuli = Vec<(Activation, Vec<f64>)>;

/// A per-sample, per-neuron network in the seed's terms: `w[l][n]` holds neuron
/// `n`'s weights, `w[l][n][0]` the weight of the constant `-1` bias input.
struct Reference {
    w: Vec<Vec<Vec<f64>>>,
    hidden: Activation,
    output: Activation,
    loss: Loss,
}

fn act(a: Activation, z: &[f64]) -> Vec<f64> {
    match a {
        Activation::Sigmoid => z.iter().map(|z| 1.0 / (1.0 + (-z).exp())).collect(),
        Activation::Tanh => z.iter().map(|z| z.tanh()).collect(),
        Activation::Relu => z.iter().map(|z| z.max(0.0)).collect(),
        Activation::Linear => z.to_vec(),
        Activation::Softmax => {
            let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = z.iter().map(|z| (z - m).exp()).collect();
            let s: f64 = e.iter().sum();
            e.iter().map(|v| v / s).collect()
        }
    }
}

fn act_derivative(a: Activation, o: f64) -> f64 {
    match a {
        Activation::Sigmoid => o * (1.0 - o),
        Activation::Tanh => 1.0 - o * o,
        Activation::Relu => f64::from(u8::from(o > 0.0)),
        Activation::Linear | Activation::Softmax => 1.0,
    }
}

impl Reference {
    fn from_network(net: &Network) -> Self {
        let arch = net.architecture();
        let w = (0..arch.layer_count())
            .map(|l| {
                let shape = net.layers()[l];
                (0..shape.outputs)
                    .map(|n| {
                        let mut row = vec![f64::from(net.seed_bias_weight(l, n))];
                        row.extend(
                            net.weights(l)[n * shape.inputs..(n + 1) * shape.inputs]
                                .iter()
                                .map(|&v| f64::from(v)),
                        );
                        row
                    })
                    .collect()
            })
            .collect();
        Self {
            w,
            hidden: arch.hidden,
            output: arch.output,
            loss: arch.loss,
        }
    }

    /// Every layer's outputs, input first.
    fn forward(&self, x: &[f64]) -> Vec<Vec<f64>> {
        self.forward_with_stimuli(x).0
    }

    /// Each layer's outputs (the input first) and each layer's total stimuli `z`.
    fn forward_with_stimuli(&self, x: &[f64]) -> (Vec<Vec<f64>>, Stimuli) {
        let mut outs = vec![x.to_vec()];
        let mut stimuli = Vec::new();
        for (l, layer) in self.w.iter().enumerate() {
            let input = outs.last().unwrap();
            // Total stimulus: the bias input -1 times w_0, plus each input times its weight.
            let z: Vec<f64> = layer
                .iter()
                .map(|wn| -wn[0] + wn[1..].iter().zip(input).map(|(w, x)| w * x).sum::<f64>())
                .collect();
            let a = if l + 1 == self.w.len() {
                self.output
            } else {
                self.hidden
            };
            outs.push(act(a, &z));
            stimuli.push((a, z));
        }
        (outs, stimuli)
    }

    /// One sample's loss, written out per output: the seed's `1/2 sum (d - o)^2`, and
    /// PyTorch's losses (mse and bce take the mean over the `K` outputs).
    fn sample_loss(&self, o: &[f64], d: &[f64]) -> f64 {
        let k = o.len() as f64;
        o.iter()
            .zip(d)
            .map(|(o, d)| match self.loss {
                Loss::Seed => 0.5 * (d - o) * (d - o),
                Loss::Mse => (d - o) * (d - o) / k,
                Loss::CrossEntropy => -d * o.max(1e-300).ln(),
                Loss::BinaryCrossEntropy => {
                    -(d * o.max(1e-300).ln() + (1.0 - d) * (1.0 - o).max(1e-300).ln()) / k
                }
            })
            .sum()
    }

    fn mean_loss(&self, xs: &[Vec<f64>], ds: &[Vec<f64>]) -> f64 {
        xs.iter()
            .zip(ds)
            .map(|(x, d)| self.sample_loss(self.forward(x).last().unwrap(), d))
            .sum::<f64>()
            / xs.len() as f64
    }

    /// The seed's weight changes `r * o_in * delta` with `r = 1`, averaged over the samples.
    fn weight_changes(&self, xs: &[Vec<f64>], ds: &[Vec<f64>]) -> Vec<Vec<Vec<f64>>> {
        let mut change: Vec<Vec<Vec<f64>>> = self
            .w
            .iter()
            .map(|l| l.iter().map(|n| vec![0.0; n.len()]).collect())
            .collect();
        for (x, d) in xs.iter().zip(ds) {
            let outs = self.forward(x);
            let last = self.w.len() - 1;
            // Output neurons, delta = -dL/dz: the seed's loss gives f'(o) (d - o), mse the
            // derivative of (d - o)^2 / K, i.e. 2/K f'(o) (d - o); softmax with cross-entropy
            // gives d - o, sigmoid with binary cross-entropy (d - o) / K.
            let k = d.len() as f64;
            let mut delta: Vec<f64> = outs[last + 1]
                .iter()
                .zip(d)
                .map(|(&o, &d)| match self.loss {
                    Loss::Seed => act_derivative(self.output, o) * (d - o),
                    Loss::Mse => 2.0 / k * act_derivative(self.output, o) * (d - o),
                    Loss::CrossEntropy => d - o,
                    Loss::BinaryCrossEntropy => (d - o) / k,
                })
                .collect();
            for l in (0..=last).rev() {
                let o_in = &outs[l];
                for (n, dn) in delta.iter().enumerate() {
                    change[l][n][0] += -dn / xs.len() as f64; // the bias input is -1
                    for (i, oi) in o_in.iter().enumerate() {
                        change[l][n][i + 1] += oi * dn / xs.len() as f64;
                    }
                }
                if l > 0 {
                    // Hidden neurons: delta = o(1 - o) * sum over next-layer neurons j of w_j * delta_j.
                    delta = (0..o_in.len())
                        .map(|i| {
                            let sum: f64 = self.w[l]
                                .iter()
                                .zip(&delta)
                                .map(|(wj, dj)| wj[i + 1] * dj)
                                .sum();
                            act_derivative(self.hidden, o_in[i]) * sum
                        })
                        .collect();
                }
            }
        }
        change
    }
}

/// Converts the seed's weight changes (ascent on P, bias as w_0) into dL/dparam in our layout.
fn changes_to_gradients(net: &Network, change: &[Vec<Vec<f64>>]) -> Vec<f64> {
    let mut g = vec![0.0; net.parameters().len()];
    for (l, shape) in net.layers().iter().enumerate() {
        for n in 0..shape.outputs {
            // b = -w_0, so dL/db = -dL/dw_0 = +change_w0.
            g[shape.bias_offset + n] = change[l][n][0];
            for i in 0..shape.inputs {
                g[shape.weight_offset + n * shape.inputs + i] = -change[l][n][i + 1];
            }
        }
    }
    g
}

struct Case {
    net: Network,
    xs: Vec<Vec<f64>>,
    ds: Vec<Vec<f64>>,
    flat_x: Vec<f32>,
    classes: Option<Vec<u32>>,
    values: Vec<f32>,
}

fn pairings() -> Vec<(Activation, Activation, Loss)> {
    let mut v = Vec::new();
    for hidden in [
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::Linear,
    ] {
        for output in [
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Relu,
            Activation::Linear,
        ] {
            v.push((hidden, output, Loss::Seed));
            v.push((hidden, output, Loss::Mse));
        }
        v.push((hidden, Activation::Softmax, Loss::CrossEntropy));
        v.push((hidden, Activation::Sigmoid, Loss::BinaryCrossEntropy));
    }
    v
}

fn make_case(
    sizes: Vec<usize>,
    pairing: (Activation, Activation, Loss),
    batch: usize,
    seed: u64,
) -> Case {
    let (hidden, output, loss) = pairing;
    let (inputs, outputs) = (sizes[0], *sizes.last().unwrap());
    let arch = Architecture::new(sizes, hidden, output, loss).unwrap();
    let mut net = Network::new(arch, seed).unwrap();
    // Non-zero biases, so the bias path is exercised.
    let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut next = move || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    };
    for shape in net.layers().to_vec() {
        for b in shape.bias() {
            net.parameters_mut()[b] = 0.3 * next();
        }
    }
    let flat_x: Vec<f32> = (0..batch * inputs).map(|_| next()).collect();
    let use_classes = loss == Loss::CrossEntropy;
    let classes: Vec<u32> = (0..batch).map(|i| (i % outputs) as u32).collect();
    let values: Vec<f32> = match loss {
        Loss::Seed | Loss::Mse => (0..batch * outputs).map(|_| next()).collect(),
        _ => (0..batch * outputs)
            .map(|_| f32::from(next() > 0.0))
            .collect(),
    };
    let xs = flat_x
        .chunks(inputs)
        .map(|r| r.iter().map(|&v| f64::from(v)).collect())
        .collect();
    let ds = if use_classes {
        classes
            .iter()
            .map(|&c| {
                (0..outputs)
                    .map(|k| f64::from(u8::from(k == c as usize)))
                    .collect()
            })
            .collect()
    } else {
        values
            .chunks(outputs)
            .map(|r| r.iter().map(|&v| f64::from(v)).collect())
            .collect()
    };
    Case {
        net,
        xs,
        ds,
        flat_x,
        classes: use_classes.then_some(classes),
        values,
    }
}

impl Case {
    fn targets(&self) -> Targets<'_> {
        match &self.classes {
            Some(c) => Targets::Classes(c),
            None => Targets::Values(&self.values),
        }
    }

    fn batched_gradients(&self) -> (f64, Vec<f32>) {
        let mut ws = Workspace::new();
        let mut g = Gradients::zeros(self.net.architecture());
        let batch = self.xs.len();
        let loss = self
            .net
            .backward(
                &self.flat_x,
                &self.targets(),
                1.0 / batch as f32,
                &mut ws,
                &mut g,
            )
            .unwrap();
        (loss / batch as f64, g.as_slice().to_vec())
    }
}

fn relative_error(a: &[f64], b: &[f64]) -> f64 {
    let diff: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt();
    let norm: f64 = b.iter().map(|y| y * y).sum::<f64>().sqrt();
    diff / norm.max(1e-12)
}

/// Central differences of the reference's mean loss with respect to every parameter, in our layout.
fn finite_differences(case: &Case) -> Vec<f64> {
    let mut reference = Reference::from_network(&case.net);
    let eps = 1e-6;
    let mut g = vec![0.0; case.net.parameters().len()];
    for (l, shape) in case.net.layers().iter().enumerate() {
        for n in 0..shape.outputs {
            for i in 0..=shape.inputs {
                let orig = reference.w[l][n][i];
                reference.w[l][n][i] = orig + eps;
                let up = reference.mean_loss(&case.xs, &case.ds);
                reference.w[l][n][i] = orig - eps;
                let down = reference.mean_loss(&case.xs, &case.ds);
                reference.w[l][n][i] = orig;
                let d = (up - down) / (2.0 * eps);
                if i == 0 {
                    g[shape.bias_offset + n] = -d; // b = -w_0
                } else {
                    g[shape.weight_offset + n * shape.inputs + i - 1] = d;
                }
            }
        }
    }
    g
}

/// Whether a ReLU's stimulus is so near 0 that f32 and f64 may put it on either
/// side: its derivative (1 or 0) is then not a rounding difference.
fn near_relu_kink(case: &Case) -> bool {
    let reference = Reference::from_network(&case.net);
    case.xs.iter().any(|x| {
        let (_, stimuli) = reference.forward_with_stimuli(x);
        stimuli
            .iter()
            .any(|(a, z)| *a == Activation::Relu && z.iter().any(|z| z.abs() < 1e-4))
    })
}

fn has_relu_kink(case: &Case) -> bool {
    // ReLU is not differentiable at 0; skip finite differences that straddle it.
    let arch = case.net.architecture();
    if arch.hidden != Activation::Relu && arch.output != Activation::Relu {
        return false;
    }
    let reference = Reference::from_network(&case.net);
    case.xs.iter().any(|x| {
        let outs = reference.forward(x);
        outs[1..].iter().flatten().any(|o| *o > 0.0 && *o < 1e-4)
    })
}

#[test]
fn seed_bias_is_the_weight_of_a_constant_minus_one_input() {
    let case = make_case(
        vec![3, 4, 2],
        (Activation::Sigmoid, Activation::Sigmoid, Loss::Seed),
        5,
        3,
    );
    let reference = Reference::from_network(&case.net);
    let ours = case.net.predict(&case.flat_x).unwrap();
    for (i, x) in case.xs.iter().enumerate() {
        // The reference computes z = -w_0 + sum w x with w_0 = -b: the same network.
        let theirs = reference.forward(x).pop().unwrap();
        for k in 0..2 {
            assert!((f64::from(ours[i * 2 + k]) - theirs[k]).abs() < 1e-6);
        }
    }
    assert_eq!(case.net.seed_bias_weight(0, 1), -case.net.bias(0)[1]);
    assert!(case.net.bias(0)[1] != 0.0, "the test needs a non-zero bias");
}

#[test]
fn seed_output_delta_and_weight_change_by_hand() {
    // One sigmoid neuron, one input: o = s(w x - w_0), delta = o(1 - o)(d - o), Delta w = r x delta.
    let arch = Architecture::new(
        vec![1, 1],
        Activation::Sigmoid,
        Activation::Sigmoid,
        Loss::Seed,
    )
    .unwrap();
    let net = Network::from_parameters(arch, vec![0.5, -0.25]).unwrap();
    let (x, d, r) = (2.0f32, 1.0f32, 0.1f32);
    let o = 1.0 / (1.0 + (-(0.5 * x - 0.25)).exp());
    let delta = o * (1.0 - o) * (d - o);
    let mut g = Gradients::zeros(net.architecture());
    net.backward(
        &[x],
        &Targets::Values(&[d]),
        1.0,
        &mut Workspace::new(),
        &mut g,
    )
    .unwrap();
    let mut trained = net.clone();
    trained.apply_gradient_descent(&g, r);
    assert!((trained.weights(0)[0] - (0.5 + r * x * delta)).abs() < 1e-7);
    // The bias weight w_0 = -b sees the input -1: Delta w_0 = r * (-1) * delta = -r * delta.
    assert!((trained.seed_bias_weight(0, 0) - (0.25 - r * delta)).abs() < 1e-7);
}

#[test]
fn the_seeds_gradient_is_k_over_2_times_mse() {
    // The same network, data and targets under both squared errors: the seed's
    // 1/2 sum_k (d_k - o_k)^2 and PyTorch's mean 1/K sum_k (d_k - o_k)^2.
    for outputs in [1, 2, 5, 10] {
        let seed = make_case(
            vec![3, 4, outputs],
            (Activation::Sigmoid, Activation::Sigmoid, Loss::Seed),
            6,
            11,
        );
        let mut mse_net = seed.net.architecture().clone();
        mse_net.loss = Loss::Mse;
        let mse = Case {
            net: Network::from_parameters(mse_net, seed.net.parameters().to_vec()).unwrap(),
            xs: seed.xs.clone(),
            ds: seed.ds.clone(),
            flat_x: seed.flat_x.clone(),
            classes: None,
            values: seed.values.clone(),
        };
        let (seed_loss, seed_grads) = seed.batched_gradients();
        let (mse_loss, mse_grads) = mse.batched_gradients();
        let factor = outputs as f64 / 2.0;
        assert!((seed_loss - factor * mse_loss).abs() <= 1e-6 * seed_loss);
        let scaled: Vec<f64> = mse_grads.iter().map(|&g| factor * f64::from(g)).collect();
        let seed_grads: Vec<f64> = seed_grads.iter().map(|&g| f64::from(g)).collect();
        let err = relative_error(&seed_grads, &scaled);
        assert!(err < 1e-6, "K = {outputs}: relative error {err}");
    }
}

#[test]
fn reference_matches_finite_differences_for_every_pairing() {
    for (p, pairing) in pairings().into_iter().enumerate() {
        for (s, sizes) in [vec![3, 4, 3], vec![2, 5, 4, 2]].into_iter().enumerate() {
            let case = make_case(sizes, pairing, 4, (p * 10 + s) as u64);
            if has_relu_kink(&case) {
                continue;
            }
            let reference = Reference::from_network(&case.net);
            let seed_grads =
                changes_to_gradients(&case.net, &reference.weight_changes(&case.xs, &case.ds));
            let numeric = finite_differences(&case);
            let err = relative_error(&seed_grads, &numeric);
            assert!(
                err < 1e-6,
                "{pairing:?}: reference vs finite differences, relative error {err}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Batched GEMM backpropagation equals the seed's per-sample loops (to 1e-4 of the
    /// samples' gradients' size; away from a ReLU's kink, where f32 and f64 may differ in
    /// the derivative itself).
    #[test]
    fn batched_path_equals_per_sample_reference(
        pairing in prop::sample::select(pairings()),
        sizes in prop::collection::vec(1usize..9, 1..4),
        inputs in 1usize..12,
        outputs in 2usize..6,
        batch in 1usize..17,
        seed in 0u64..1000,
    ) {
        let mut all = vec![inputs];
        all.extend(sizes);
        all.push(outputs);
        let case = make_case(all, pairing, batch, seed);
        prop_assume!(!near_relu_kink(&case));
        let reference = Reference::from_network(&case.net);
        let want = changes_to_gradients(&case.net, &reference.weight_changes(&case.xs, &case.ds));
        let (loss, got) = case.batched_gradients();
        let got: Vec<f64> = got.iter().map(|&g| f64::from(g)).collect();
        // The error is measured against the size of the samples' own gradients, not
        // of their mean: samples pulling opposite ways cancel in the mean, and f32's
        // rounding of each term then weighs more (up to 3e-4 of the mean's size in
        // 200,000 cases). A ReLU output near its target cancels within a sample too
        // (o - d), which leaves up to 3e-5 of the terms' size; a wrong delta is O(1).
        let mut terms = vec![0.0; want.len()];
        for (x, d) in case.xs.iter().zip(&case.ds) {
            let one = changes_to_gradients(
                &case.net,
                &reference.weight_changes(std::slice::from_ref(x), std::slice::from_ref(d)),
            );
            for (t, g) in terms.iter_mut().zip(one) {
                *t += g.abs() / case.xs.len() as f64;
            }
        }
        let size: f64 = terms.iter().map(|v| v * v).sum::<f64>().sqrt();
        prop_assume!(size > 1e-6); // a dead ReLU network has nothing to compare
        let diff: f64 = got.iter().zip(&want).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt();
        let err = diff / size;
        prop_assert!(err <= 1e-4, "error {} of the gradients' size for {:?}", err, pairing);
        // Binary cross-entropy's log(1 - o) in f32 loses digits as o nears 1 (2e-5 seen).
        let want_loss = reference.mean_loss(&case.xs, &case.ds);
        prop_assert!((loss - want_loss).abs() <= 1e-4 * want_loss.abs().max(1.0), "loss {} vs {}", loss, want_loss);
    }

    /// Backpropagation in the batched f32 network agrees with finite differences of its own loss.
    #[test]
    fn batched_gradients_match_finite_differences(
        pairing in prop::sample::select(pairings()),
        hidden in 1usize..7,
        batch in 1usize..6,
        seed in 0u64..1000,
    ) {
        let case = make_case(vec![3, hidden, 3], pairing, batch, seed);
        prop_assume!(!has_relu_kink(&case));
        let (_, analytic) = case.batched_gradients();
        let numeric = finite_differences(&case);
        let analytic: Vec<f64> = analytic.iter().map(|&g| f64::from(g)).collect();
        let norm: f64 = numeric.iter().map(|v| v * v).sum::<f64>().sqrt();
        prop_assume!(norm > 1e-6);
        let err = relative_error(&analytic, &numeric);
        prop_assert!(err <= 1e-4, "relative error {} for {:?}", err, pairing);
    }
}

#[test]
fn bad_shapes_are_errors_not_panics() {
    let case = make_case(
        vec![3, 4, 2],
        (Activation::Sigmoid, Activation::Sigmoid, Loss::Seed),
        2,
        1,
    );
    let mut ws = Workspace::new();
    let mut g = Gradients::zeros(case.net.architecture());
    let err = case
        .net
        .forward(&[1.0; 7], &mut ws)
        .unwrap_err()
        .to_string();
    assert!(err.contains("takes 3 inputs"), "{err}");
    assert!(
        case.net
            .forward(&[], &mut ws)
            .unwrap_err()
            .to_string()
            .contains("empty batch")
    );
    let err = case
        .net
        .backward(&[0.0; 6], &Targets::Values(&[0.0; 3]), 1.0, &mut ws, &mut g)
        .unwrap_err()
        .to_string();
    assert!(err.contains("expected 4 target values"), "{err}");
    let err = case
        .net
        .backward(&[0.0; 6], &Targets::Classes(&[0, 5]), 1.0, &mut ws, &mut g)
        .unwrap_err()
        .to_string();
    assert!(err.contains("class 5 out of range"), "{err}");
    let mut wrong = Gradients::zeros(
        &Architecture::new(
            vec![1, 1],
            Activation::Sigmoid,
            Activation::Sigmoid,
            Loss::Seed,
        )
        .unwrap(),
    );
    assert!(
        case.net
            .backward(
                &[0.0; 6],
                &Targets::Values(&[0.0; 4]),
                1.0,
                &mut ws,
                &mut wrong
            )
            .is_err()
    );
}

#[test]
fn same_seed_same_weights_and_golden_values() {
    let arch = Architecture::new(
        vec![2, 3, 1],
        Activation::Tanh,
        Activation::Sigmoid,
        Loss::Seed,
    )
    .unwrap();
    let a = Network::new(arch.clone(), 42).unwrap();
    let b = Network::new(arch.clone(), 42).unwrap();
    let c = Network::new(arch, 43).unwrap();
    assert_eq!(a.parameters(), b.parameters());
    assert_ne!(a.parameters(), c.parameters());
    // Xavier bound sqrt(6 / (2 + 3)) for the first layer; biases start at zero.
    let bound = (6.0f32 / 5.0).sqrt();
    assert!(a.weights(0).iter().all(|w| w.abs() <= bound));
    assert!(a.bias(0).iter().all(|b| *b == 0.0));
    // Golden: the ChaCha8 stream must never change under us (update only on a deliberate format change).
    let golden: Vec<String> = a.weights(0).iter().map(|w| format!("{w:.6}")).collect();
    assert_eq!(golden, GOLDEN_FIRST_LAYER, "initialisation stream changed");
}

const GOLDEN_FIRST_LAYER: [&str; 6] = [
    "-0.604509",
    "0.398515",
    "-0.774729",
    "0.986504",
    "0.596609",
    "-0.158804",
];

impl Case {
    /// Sample `i`'s inputs and targets, as a batch of one.
    fn sample(&self, i: usize) -> (&[f32], Targets<'_>) {
        let (inputs, outputs) = (self.xs[0].len(), self.ds[0].len());
        let x = &self.flat_x[i * inputs..(i + 1) * inputs];
        let t = match &self.classes {
            Some(c) => Targets::Classes(&c[i..=i]),
            None => Targets::Values(&self.values[i * outputs..(i + 1) * outputs]),
        };
        (x, t)
    }
}

/// The breakdown's weight changes at rate `r`, turned back into `dL/dparam` in our layout.
fn breakdown_gradients(net: &Network, breakdown: &Breakdown, r: f32) -> Vec<f32> {
    let mut g = vec![0.0; net.parameters().len()];
    for (l, shape) in net.layers().iter().enumerate() {
        for (k, neuron) in breakdown.layers[l].neurons.iter().enumerate() {
            // Delta w_0 = r * (-1) * delta and b = -w_0: dL/db = Delta w_0 / r.
            g[shape.bias_offset + k] = neuron.incoming[0].change / r;
            for (i, incoming) in neuron.incoming[1..].iter().enumerate() {
                g[shape.weight_offset + k * shape.inputs + i] = -incoming.change / r;
            }
        }
    }
    g
}

/// For every activation and loss: one sample's breakdown gives the batched
/// backward's gradient exactly (it is that pass, laid out per neuron), its deltas
/// and weight changes agree with the seed's per-sample f64 loops and with
/// finite differences, and each rule it shows evaluates to the delta it shows.
#[test]
fn breakdown_equals_batched_backprop_and_finite_differences_for_every_pairing() {
    for (p, pairing) in pairings().into_iter().enumerate() {
        for (s, sizes) in [vec![3, 4, 3], vec![2, 5, 4, 2]].into_iter().enumerate() {
            let case = make_case(sizes, pairing, 1, (p * 10 + s + 500) as u64);
            let (x, t) = case.sample(0);
            let breakdown = Breakdown::new(&case.net, x, &t, 1.0).unwrap();

            let (loss, batched) = case.batched_gradients();
            let ours = breakdown_gradients(&case.net, &breakdown, 1.0);
            assert_eq!(ours, batched, "{pairing:?}: breakdown vs batched backward");
            assert_eq!(breakdown.loss_value, loss, "{pairing:?}");

            let reference = Reference::from_network(&case.net);
            let changes = reference.weight_changes(&case.xs, &case.ds);
            let outs = reference.forward(&case.xs[0]);
            let (mut got, mut want) = (Vec::new(), Vec::new());
            for (l, layer) in breakdown.layers.iter().enumerate() {
                for (k, neuron) in layer.neurons.iter().enumerate() {
                    // The reference's bias change is (-1) * delta for one sample.
                    got.push(f64::from(neuron.delta));
                    want.push(-changes[l][k][0]);
                    let o = outs[l + 1][k];
                    assert!(
                        (f64::from(neuron.output) - o).abs() <= 1e-5,
                        "{pairing:?}: o {} vs {o}",
                        neuron.output
                    );
                    let shown = neuron.rule.value();
                    let delta = f64::from(neuron.delta);
                    assert!(
                        (shown - delta).abs() <= 1e-6 + 1e-4 * delta.abs(),
                        "{pairing:?} neuron ({l},{k}): the rule shown gives {shown}, delta is {delta}"
                    );
                    assert_eq!(neuron.incoming[0].input, -1.0);
                    assert_eq!(neuron.desired.is_some(), l + 1 == breakdown.layers.len());
                }
            }
            let err = relative_error(&got, &want);
            assert!(
                err <= 1e-5,
                "{pairing:?}: deltas vs the seed's loops, {err}"
            );

            if !has_relu_kink(&case) {
                let numeric = finite_differences(&case);
                let ours: Vec<f64> = ours.iter().map(|&g| f64::from(g)).collect();
                let err = relative_error(&ours, &numeric);
                assert!(err <= 1e-4, "{pairing:?}: vs finite differences, {err}");
            }
        }
    }
}

/// `Δw = r · o_in · δ` scales with `r`, and the bias's input is the constant -1.
#[test]
fn breakdown_weight_change_is_rate_times_input_times_delta() {
    let case = make_case(
        vec![3, 4, 2],
        (Activation::Sigmoid, Activation::Sigmoid, Loss::Seed),
        1,
        11,
    );
    let (x, t) = case.sample(0);
    let r = 0.25f32;
    let breakdown = Breakdown::new(&case.net, x, &t, r).unwrap();
    for layer in &breakdown.layers {
        for neuron in &layer.neurons {
            for incoming in &neuron.incoming {
                assert_eq!(incoming.change, r * (incoming.input * neuron.delta));
            }
        }
    }
    // Gradient descent on this sample alone moves each weight by exactly the change shown.
    let mut g = Gradients::zeros(case.net.architecture());
    case.net
        .backward(x, &t, 1.0, &mut Workspace::new(), &mut g)
        .unwrap();
    let mut stepped = case.net.clone();
    stepped.apply_gradient_descent(&g, r);
    let after = Breakdown::new(&stepped, x, &t, r).unwrap();
    for (before, after) in breakdown.layers.iter().zip(&after.layers) {
        for (b, a) in before.neurons.iter().zip(&after.neurons) {
            for (bi, ai) in b.incoming.iter().zip(&a.incoming) {
                assert_eq!(ai.weight, bi.weight + bi.change, "bit for bit");
            }
        }
    }
    let err = Breakdown::new(&case.net, &case.flat_x[..2], &t, r).unwrap_err();
    assert!(err.to_string().contains("takes 3 inputs, got 2"), "{err}");
}

/// With a mini-batch of B samples the change is the mean of the B per-sample changes.
#[test]
fn mini_batch_change_is_the_mean_of_per_sample_changes() {
    for (p, pairing) in pairings().into_iter().enumerate() {
        let batch = 5;
        let case = make_case(vec![3, 4, 3], pairing, batch, 900 + p as u64);
        let r = 0.1f32;
        let batched = BatchChanges::new(&case.net, &case.flat_x, &case.targets(), r).unwrap();
        assert_eq!(batched.samples(), batch);
        let per_sample: Vec<Breakdown> = (0..batch)
            .map(|i| {
                let (x, t) = case.sample(i);
                Breakdown::new(&case.net, x, &t, r).unwrap()
            })
            .collect();
        let (_, gradients) = case.batched_gradients();
        let (mut mean, mut want, mut descent) = (Vec::new(), Vec::new(), Vec::new());
        for (l, shape) in case.net.layers().iter().enumerate() {
            for k in 0..shape.outputs {
                let shown = batched.neuron(l, k).unwrap();
                for (i, &w) in shown.iter().enumerate() {
                    let sum: f64 = per_sample
                        .iter()
                        .map(|b| f64::from(b.layers[l].neurons[k].incoming[i].change))
                        .sum();
                    mean.push(sum / batch as f64);
                    want.push(f64::from(w));
                    // Plain descent: w -= r * dL/dw, with b = -w_0.
                    let g = if i == 0 {
                        -gradients[shape.bias_offset + k]
                    } else {
                        gradients[shape.weight_offset + k * shape.inputs + i - 1]
                    };
                    descent.push(-f64::from(r) * f64::from(g));
                }
            }
        }
        assert!(relative_error(&want, &mean) <= 1e-5, "{pairing:?}");
        assert!(relative_error(&descent, &mean) <= 1e-5, "{pairing:?}");
        assert!(batched.neuron(2, 0).is_none() && batched.neuron(0, 4).is_none());
    }
}

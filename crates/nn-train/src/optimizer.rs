//! Optimizers: the seed's gradient descent, momentum, Adam and AdamW.
//!
//! Each works elementwise on the network's one flat parameter buffer, so a step
//! is a single pass (split into chunks across threads for large networks; the
//! result does not depend on the split).

use std::ops::Range;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::OptimizerKind;

mod adam;
mod in_place;

pub(crate) use in_place::StepUpdate;

/// Parameters per parallel chunk; below two chunks the step runs on one thread.
const CHUNK: usize = 32 * 1024;

/// An optimizer and its state (moment buffers, step count).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Optimizer {
    kind: OptimizerKind,
    /// Steps taken (Adam's bias correction needs it).
    steps: u64,
    /// Momentum velocity or Adam's first moment.
    first: Vec<f32>,
    /// Adam's second moment.
    second: Vec<f32>,
}

/// Per-step knobs that are not state.
#[derive(Debug, Clone, Copy)]
pub struct StepSettings {
    /// The learning rate `r` for this step.
    pub learning_rate: f32,
    /// L1 penalty coefficient.
    pub l1: f32,
    /// L2 penalty coefficient.
    pub l2: f32,
}

impl Optimizer {
    /// A fresh optimizer for `parameters` parameters.
    pub fn new(kind: OptimizerKind, parameters: usize) -> Self {
        let (first, second) = match kind {
            OptimizerKind::Sgd => (0, 0),
            OptimizerKind::Momentum { .. } => (parameters, 0),
            OptimizerKind::Adam { .. } | OptimizerKind::AdamW { .. } => (parameters, parameters),
        };
        Self {
            kind,
            steps: 0,
            first: vec![0.0; first],
            second: vec![0.0; second],
        }
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The state buffers, for checkpoints: (first moment, second moment).
    pub fn buffers(&self) -> (&[f32], &[f32]) {
        (&self.first, &self.second)
    }

    /// Rebuilds an optimizer from checkpointed state; `None` if the buffers do not fit.
    pub fn from_state(
        kind: OptimizerKind,
        steps: u64,
        first: Vec<f32>,
        second: Vec<f32>,
        parameters: usize,
    ) -> Option<Self> {
        let fresh = Self::new(kind, parameters);
        (fresh.first.len() == first.len() && fresh.second.len() == second.len()).then_some(Self {
            kind,
            steps,
            first,
            second,
        })
    }

    /// Applies one update to `params` from the mean gradient `grads` (which may be modified by regularisation).
    #[cfg(test)]
    pub fn step(&mut self, params: &mut [f32], grads: &mut [f32], settings: StepSettings) {
        let all = 0..params.len();
        self.step_part(params, grads, all, settings, true);
    }

    /// One update of the parameters `part` only, from `grads[part]`; the others,
    /// and their state, are left as they were. Every element's update reads only
    /// that element, so stepping the parts of a split one by one (on different
    /// processes, say) gives the bits of one step of them all. Counts as a
    /// step. On the current rayon pool's threads only if `spread` (the same
    /// bits either way: each element alone).
    pub fn step_part(
        &mut self,
        params: &mut [f32],
        grads: &mut [f32],
        part: Range<usize>,
        settings: StepSettings,
        spread: bool,
    ) {
        self.steps += 1;
        let update = StepUpdate::new(self.kind, self.steps, settings);
        let run = |p: &mut [f32], g: &mut [f32], m: &mut [f32], v: &mut [f32]| {
            update.apply(p, g, m, v);
        };
        let (first, second) = (
            state_part(&mut self.first, &part),
            state_part(&mut self.second, &part),
        );
        let (params, grads) = (&mut params[part.clone()], &mut grads[part.clone()]);
        let n = params.len();
        if !spread || n < 2 * CHUNK {
            run(params, grads, first, second);
            return;
        }
        let first = chunks_or_empty(first, n);
        let second = chunks_or_empty(second, n);
        params
            .par_chunks_mut(CHUNK)
            .zip(grads.par_chunks_mut(CHUNK))
            .zip(first.into_par_iter().zip(second))
            .for_each(|((p, g), (m, v))| run(p, g, m, v));
    }

    /// The state buffers to fill in from other processes: (first moment, second moment).
    pub(crate) fn buffers_mut(&mut self) -> (&mut [f32], &mut [f32]) {
        (&mut self.first, &mut self.second)
    }
}

/// The `part` of a state buffer (empty if unused).
fn state_part<'a>(buffer: &'a mut [f32], part: &Range<usize>) -> &'a mut [f32] {
    if buffer.is_empty() {
        buffer
    } else {
        &mut buffer[part.clone()]
    }
}

/// Splits a state buffer into the same chunks as the parameters (empty slices if unused).
fn chunks_or_empty(buffer: &mut [f32], parameters: usize) -> Vec<&mut [f32]> {
    let chunks = parameters.div_ceil(CHUNK);
    if buffer.is_empty() {
        (0..chunks).map(|_| <&mut [f32]>::default()).collect()
    } else {
        buffer.chunks_mut(CHUNK).collect()
    }
}

/// One chunk's step, compiled for each SIMD level and run at the best one the CPU has
/// (pulp picks it at run time, as gemm does): the same loops, vectorised 16 wide with
/// AVX-512 instead of 4 with the baseline's SSE2. Adam's square root and division were
/// most of W2's step time. The result is the same bit for bit at any width: each
/// element's arithmetic is unchanged, sqrt and division are correctly rounded, nothing is
/// fused.
struct Chunk<'a> {
    kind: OptimizerKind,
    t: i32,
    r: f32,
    l1: f32,
    l2: f32,
    p: &'a mut [f32],
    g: &'a mut [f32],
    m: &'a mut [f32],
    v: &'a mut [f32],
}

impl pulp::WithSimd for Chunk<'_> {
    type Output = ();

    #[allow(clippy::inline_always)] // inlined into pulp's functions for each SIMD level, or not vectorised for them
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let Self {
            kind,
            t,
            r,
            l1,
            l2,
            p,
            g,
            m,
            v,
        } = self;
        if l1 != 0.0 || l2 != 0.0 {
            // Penalties' gradients: l1 * sign(w) and l2 * w.
            for (g, w) in g.iter_mut().zip(p.iter()) {
                *g += l1 * w.signum() * f32::from(*w != 0.0) + l2 * w;
            }
        }
        update(kind, t, r, p, g, m, v);
    }
}

#[allow(clippy::inline_always)] // inlined into pulp's functions for each SIMD level, or not vectorised for them
#[inline(always)]
fn update(
    kind: OptimizerKind,
    t: i32,
    r: f32,
    p: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
) {
    match kind {
        OptimizerKind::Sgd => {
            // The seed's rule: w += r * o_in * delta, i.e. w -= r * dL/dw.
            for (w, g) in p.iter_mut().zip(g) {
                *w -= r * g;
            }
        }
        OptimizerKind::Momentum { momentum, nesterov } => {
            for ((w, g), vel) in p.iter_mut().zip(g).zip(m.iter_mut()) {
                *vel = momentum * *vel + g;
                *w -= r * if nesterov { g + momentum * *vel } else { *vel };
            }
        }
        OptimizerKind::Adam {
            beta1,
            beta2,
            epsilon,
        } => adam::update(
            p,
            g,
            m,
            v,
            adam::Constants::new(t, r, beta1, beta2, epsilon),
        ),
        OptimizerKind::AdamW {
            beta1,
            beta2,
            epsilon,
            weight_decay,
        } => {
            for w in p.iter_mut() {
                *w -= r * weight_decay * *w;
            }
            adam::update(
                p,
                g,
                m,
                v,
                adam::Constants::new(t, r, beta1, beta2, epsilon),
            );
        }
    }
}

/// Scales `grads` so their global norm is at most `max_norm`; returns the norm before clipping.
pub fn clip_global_norm(grads: &mut [f32], max_norm: f32) -> f32 {
    // Partial sums per fixed chunk, added in order: the same total for any thread count.
    let partial: Vec<f64> = grads
        .par_chunks(CHUNK)
        .map(|c| c.iter().map(|&g| f64::from(g) * f64::from(g)).sum())
        .collect();
    let norm = partial.iter().sum::<f64>().sqrt() as f32;
    if norm > max_norm && norm > 0.0 {
        let scale = max_norm / norm;
        grads
            .par_chunks_mut(CHUNK)
            .for_each(|c| c.iter_mut().for_each(|g| *g *= scale));
    }
    norm
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(r: f32) -> StepSettings {
        StepSettings {
            learning_rate: r,
            l1: 0.0,
            l2: 0.0,
        }
    }

    /// Processes that share a step each step their part (`step_part`), then
    /// exchange parameters and state: every kind of optimizer, with penalties,
    /// must give the bits of one whole step, whatever the split.
    #[test]
    fn parts_stepped_apart_give_the_whole_step_bit_for_bit() {
        let n = 2 * CHUNK + 1001;
        let kinds = [
            OptimizerKind::Sgd,
            OptimizerKind::Momentum {
                momentum: 0.9,
                nesterov: true,
            },
            OptimizerKind::Adam {
                beta1: 0.9,
                beta2: 0.999,
                epsilon: 1e-8,
            },
            OptimizerKind::AdamW {
                beta1: 0.9,
                beta2: 0.999,
                epsilon: 1e-8,
                weight_decay: 0.01,
            },
        ];
        let settings = StepSettings {
            learning_rate: 0.01,
            l1: 1e-4,
            l2: 1e-3,
        };
        for kind in kinds {
            let start: Vec<f32> = (0..n)
                .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
                .collect();
            let mut whole = Optimizer::new(kind, n);
            let mut whole_params = start.clone();
            // Three "processes", each with its own copy, one part each.
            let cuts = [0, 1234, CHUNK + 77, n];
            let mut apart: Vec<(Optimizer, Vec<f32>)> = (0..3)
                .map(|_| (Optimizer::new(kind, n), start.clone()))
                .collect();
            for t in 0..3 {
                let grads: Vec<f32> = (0..n)
                    .map(|i| ((i * 104_729 + t * 31) % 2001) as f32 / 1000.0 - 1.0)
                    .collect();
                whole.step(&mut whole_params, &mut grads.clone(), settings);
                for (p, (optimizer, params)) in apart.iter_mut().enumerate() {
                    let part = cuts[p]..cuts[p + 1];
                    optimizer.step_part(params, &mut grads.clone(), part, settings, true);
                }
                // The exchange: each part's parameters and state to every copy.
                for p in 0..3 {
                    let part = cuts[p]..cuts[p + 1];
                    let (from, state) = (apart[p].1.clone(), apart[p].0.clone());
                    for (optimizer, params) in &mut apart {
                        params[part.clone()].copy_from_slice(&from[part.clone()]);
                        let (first, second) = optimizer.buffers_mut();
                        let (m, v) = state.buffers();
                        if !first.is_empty() {
                            first[part.clone()].copy_from_slice(&m[part.clone()]);
                        }
                        if !second.is_empty() {
                            second[part.clone()].copy_from_slice(&v[part.clone()]);
                        }
                    }
                }
            }
            for (optimizer, params) in &apart {
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(params), bits(&whole_params), "{kind:?}");
                assert_eq!(optimizer, &whole, "{kind:?}");
            }
        }
    }

    /// The SIMD-dispatched Adam step (three chunks, so threads too) equals Adam written
    /// out one element at a time, bit for bit, over several steps.
    #[test]
    fn the_vectorised_adam_step_is_the_scalar_one_bit_for_bit() {
        let n = 3 * CHUNK + 17;
        let (beta1, beta2, epsilon) = (0.9_f32, 0.999_f32, 1e-8_f32);
        let kind = OptimizerKind::Adam {
            beta1,
            beta2,
            epsilon,
        };
        let mut optimizer = Optimizer::new(kind, n);
        let mut params: Vec<f32> = (0..n)
            .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
            .collect();
        let (mut w, mut m, mut v) = (params.clone(), vec![0.0_f32; n], vec![0.0_f32; n]);
        for t in 1..=3 {
            let grads: Vec<f32> = (0..n)
                .map(|i| ((i * 104_729 + t * 31) % 2001) as f32 / 1000.0 - 1.0)
                .collect();
            optimizer.step(&mut params, &mut grads.clone(), settings(0.01));
            let c1 = 1.0 - beta1.powi(t as i32);
            let c2 = 1.0 - beta2.powi(t as i32);
            for i in 0..n {
                let g = grads[i];
                m[i] = beta1 * m[i] + (1.0 - beta1) * g;
                v[i] = beta2 * v[i] + (1.0 - beta2) * g * g;
                w[i] -= (0.01 / c1) * m[i] / (v[i].sqrt() * (1.0 / c2.sqrt()) + epsilon);
            }
        }
        let same = params
            .iter()
            .zip(&w)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same, "the dispatched step differs from the scalar one");
    }

    #[test]
    fn sgd_is_the_seed_rule() {
        let mut opt = Optimizer::new(OptimizerKind::Sgd, 2);
        let mut p = [1.0, -2.0];
        opt.step(&mut p, &mut [0.5, -1.0], settings(0.1));
        assert_eq!(p, [0.95, -1.9]);
    }

    #[test]
    fn adam_first_step_moves_by_the_learning_rate() {
        // With bias correction, Adam's first step is r * g / (|g| + eps) = r * sign(g).
        let mut opt = Optimizer::new(OptimizerKind::ADAM, 3);
        let mut p = [0.0, 0.0, 0.0];
        opt.step(&mut p, &mut [3.0, -0.001, 0.0], settings(0.01));
        assert!(
            (p[0] + 0.01).abs() < 1e-6 && (p[1] - 0.01).abs() < 1e-4 && p[2] == 0.0,
            "{p:?}"
        );
    }

    /// eps is added to the denominator as PyTorch's `Adam(eps=...)` adds it: the
    /// first step (bias-corrected moments g and g^2) is r * g / (|g| + eps). By hand,
    /// r = 0.1 and g = 1e-4: eps = 1e-4 moves by 0.1 * 1e-4 / 2e-4 = 0.05, eps = 1e-8
    /// by 0.1 * 1e-4 / (1e-4 + 1e-8) = 0.09999. As in PyTorch:
    /// `w = torch.zeros(1, requires_grad=True); opt = torch.optim.Adam([w], lr=0.1,
    /// eps=1e-4); w.grad = torch.tensor([1e-4]); opt.step()` leaves w = -0.05.
    #[test]
    fn adams_eps_is_pytorchs() {
        for (epsilon, moved) in [(1e-4_f32, 0.05_f32), (1e-8, 0.1 * 1e-4 / (1e-4 + 1e-8))] {
            for kind in [
                OptimizerKind::Adam {
                    beta1: 0.9,
                    beta2: 0.999,
                    epsilon,
                },
                OptimizerKind::AdamW {
                    beta1: 0.9,
                    beta2: 0.999,
                    epsilon,
                    weight_decay: 0.0,
                },
            ] {
                let mut opt = Optimizer::new(kind, 1);
                let mut p = [0.0];
                opt.step(&mut p, &mut [1e-4], settings(0.1));
                assert!((p[0] + moved).abs() < 1e-6, "{kind:?}: {p:?}");
            }
        }
    }

    /// PyTorch's own steps, recorded by `tests/pytorch/record_optimizers.py`: every case
    /// starts from the same parameters and takes the same fixed gradients.
    const PYTORCH_STEPS: &str = include_str!("../../../tests/pytorch/optimizers.json");

    /// Our update rule and settings for one recorded `torch.optim` call.
    fn from_torch(case: &serde_json::Value) -> (OptimizerKind, f32, f32, f32) {
        let f = |v: &serde_json::Value| v.as_f64().expect("a number") as f32;
        let s = &case["settings"];
        let (lr, l1, weight_decay) = (f(&s["lr"]), f(&case["l1"]), f(&s["weight_decay"]));
        let betas = || (f(&s["betas"][0]), f(&s["betas"][1]), f(&s["eps"]));
        match case["optimizer"].as_str().expect("an optimizer name") {
            "SGD" if f(&s["momentum"]) == 0.0 => (OptimizerKind::Sgd, lr, l1, weight_decay),
            "SGD" => {
                assert_eq!(f(&s["dampening"]), 0.0, "we implement no dampening");
                let kind = OptimizerKind::Momentum {
                    momentum: f(&s["momentum"]),
                    nesterov: s["nesterov"].as_bool().expect("a flag"),
                };
                (kind, lr, l1, weight_decay)
            }
            "Adam" => {
                let (beta1, beta2, epsilon) = betas();
                let kind = OptimizerKind::Adam {
                    beta1,
                    beta2,
                    epsilon,
                };
                (kind, lr, l1, weight_decay)
            }
            "AdamW" => {
                let (beta1, beta2, epsilon) = betas();
                let kind = OptimizerKind::AdamW {
                    beta1,
                    beta2,
                    epsilon,
                    weight_decay,
                };
                (kind, lr, l1, 0.0)
            }
            other => panic!("no optimizer like torch.optim.{other}"),
        }
    }

    #[test]
    fn every_optimizer_matches_pytorchs_recorded_steps() {
        let fixture: serde_json::Value = serde_json::from_str(PYTORCH_STEPS).unwrap();
        let floats = |v: &serde_json::Value| -> Vec<f32> {
            v.as_array()
                .expect("a list")
                .iter()
                .map(|x| x.as_f64().expect("a number") as f32)
                .collect()
        };
        let initial = floats(&fixture["initial"]);
        let gradients: Vec<Vec<f32>> = fixture["gradients"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        let cases = fixture["cases"].as_array().unwrap();
        let kinds: Vec<&str> = cases
            .iter()
            .map(|c| c["optimizer"].as_str().unwrap())
            .collect();
        assert!(
            ["SGD", "Adam", "AdamW"].iter().all(|k| kinds.contains(k)),
            "the fixture covers SGD, Adam and AdamW"
        );
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let (kind, learning_rate, l1, l2) = from_torch(case);
            let settings = StepSettings {
                learning_rate,
                l1,
                l2,
            };
            let mut opt = Optimizer::new(kind, initial.len());
            let mut params = initial.clone();
            let expected = case["after_each_step"].as_array().unwrap();
            assert_eq!(expected.len(), gradients.len(), "{name}");
            for (step, (grads, want)) in gradients.iter().zip(expected).enumerate() {
                opt.step(&mut params, &mut grads.clone(), settings);
                for (i, (&got, want)) in params.iter().zip(floats(want)).enumerate() {
                    assert!(
                        (got - want).abs() <= 1e-6 * want.abs().max(1.0),
                        "{name} ({}), step {}, parameter {i}: {got} here, {want} in PyTorch",
                        case["torch_call"],
                        step + 1
                    );
                }
            }
        }
    }

    #[test]
    fn adamw_decays_weights_without_gradient() {
        let mut opt = Optimizer::new(OptimizerKind::ADAMW, 1);
        let mut p = [2.0];
        opt.step(&mut p, &mut [0.0], settings(0.1));
        assert!((p[0] - 2.0 * (1.0 - 0.1 * 0.01)).abs() < 1e-6);
    }

    #[test]
    fn l1_and_l2_add_their_gradients() {
        let mut opt = Optimizer::new(OptimizerKind::Sgd, 3);
        let mut p = [2.0, -1.0, 0.0];
        opt.step(
            &mut p,
            &mut [0.0; 3],
            StepSettings {
                learning_rate: 0.1,
                l1: 0.5,
                l2: 0.25,
            },
        );
        assert!((p[0] - (2.0 - 0.1 * (0.5 + 0.5))).abs() < 1e-6);
        assert!((p[1] - (-1.0 - 0.1 * (-0.5 - 0.25))).abs() < 1e-6);
        assert_eq!(p[2], 0.0);
    }

    #[test]
    fn chunked_step_equals_single_pass() {
        let n = 5 * CHUNK + 17;
        let grads: Vec<f32> = (0..n)
            .map(|i| ((i * 31) % 97) as f32 / 97.0 - 0.5)
            .collect();
        let mut a: Vec<f32> = (0..n).map(|i| (i % 13) as f32 * 0.1).collect();
        let mut b = a.clone();
        let mut opt_a = Optimizer::new(OptimizerKind::ADAM, n);
        opt_a.step(&mut a, &mut grads.clone(), settings(0.01));
        // Same formulas, one pass, no chunks.
        let (mut m, mut v) = (vec![0.0; n], vec![0.0; n]);
        update(OptimizerKind::ADAM, 1, 0.01, &mut b, &grads, &mut m, &mut v);
        assert_eq!(a, b);
    }

    #[test]
    fn clipping_bounds_the_norm() {
        let mut g = vec![3.0, 4.0];
        assert_eq!(clip_global_norm(&mut g, 1.0), 5.0);
        assert!((g[0] - 0.6).abs() < 1e-6 && (g[1] - 0.8).abs() < 1e-6);
        let mut small = vec![0.3, 0.4];
        clip_global_norm(&mut small, 1.0);
        assert_eq!(small, vec![0.3, 0.4]);
    }
}

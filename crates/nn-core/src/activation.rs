//! Activation functions: the neuron's threshold, made differentiable.
//!
//! The seed replaces the step function with the sigmoid because its derivative
//! is written in terms of its own output, `o(1 - o)`. Every activation here has
//! that property (tanh: `1 - o^2`, ReLU: `1` where `o > 0`), so backpropagation
//! needs only the stored outputs, never the pre-activation sums.

use serde::{Deserialize, Serialize};

/// A neuron's activation function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// The seed's `o = 1 / (1 + e^-z)`, derivative `o(1 - o)`.
    Sigmoid,
    /// `o = tanh z`, derivative `1 - o^2`.
    Tanh,
    /// `o = max(0, z)`, derivative `1` where `o > 0`, else `0`.
    Relu,
    /// `o = z`, derivative `1` (regression outputs).
    Linear,
    /// `o_k = e^{z_k} / sum_j e^{z_j}` over a layer: only as the output layer, with cross-entropy.
    Softmax,
}

impl Activation {
    /// All activations, in the order a user cycles through them.
    pub const ALL: [Activation; 5] = [
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::Linear,
        Activation::Softmax,
    ];

    /// Whether a hidden layer may use it: every activation but softmax, which is
    /// only an output activation (paired with cross-entropy). The one home of that rule.
    pub fn hidden_allowed(self) -> bool {
        self != Activation::Softmax
    }

    /// Lower-case name, as on the command line and in model files.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::Linear => "linear",
            Activation::Softmax => "softmax",
        }
    }

    /// Parses a name as printed by [`Activation::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Applies the activation in place to a `[rows, width]` matrix of sums `z`.
    pub fn apply(self, z: &mut [f32], width: usize) {
        match self {
            Activation::Sigmoid => z.iter_mut().for_each(|v| *v = sigmoid(*v)),
            Activation::Tanh => z.iter_mut().for_each(|v| *v = tanh(*v)),
            Activation::Relu => z.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::Linear => {}
            Activation::Softmax => z.chunks_exact_mut(width).for_each(softmax_in_place),
        }
    }

    /// The derivative `do/dz` written in terms of the output `o`, as the seed does for the sigmoid.
    ///
    /// Softmax has no elementwise derivative; it is only used paired with
    /// cross-entropy, whose combined delta is `d - o` (see [`crate::Loss`]).
    #[inline]
    pub fn derivative_from_output(self, o: f32) -> f32 {
        match self {
            Activation::Sigmoid => o * (1.0 - o),
            Activation::Tanh => 1.0 - o * o,
            Activation::Relu => {
                if o > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::Linear | Activation::Softmax => 1.0,
        }
    }
}

impl std::fmt::Display for Activation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The seed's sigmoid `1 / (1 + e^-z)`.
#[inline]
pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// `tanh z` through one `exp`: libm's `tanhf` (via `expm1f`) is several times
/// slower and dominated the Playground-size networks' profile.
///
/// `tanh |z| = (1 - e) / (1 + e)` with `e = exp(-2|z|)` is accurate to a few ulps
/// except near 0, where `1 - e` cancels; there the odd Taylor series
/// `z - z^3/3 + 2z^5/15 - 17z^7/315` is exact to f32 precision.
#[inline]
pub fn tanh(z: f32) -> f32 {
    let a = z.abs();
    if a < 0.125 {
        let z2 = z * z;
        return z * (1.0 + z2 * (-1.0 / 3.0 + z2 * (2.0 / 15.0 - z2 * (17.0 / 315.0))));
    }
    let e = (-2.0 * a).exp();
    ((1.0 - e) / (1.0 + e)).copysign(z)
}

/// Numerically stable softmax of one row: subtracting the maximum keeps `exp` finite.
fn softmax_in_place(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    let inv = 1.0 / sum;
    for v in row.iter_mut() {
        *v *= inv;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_finite_differences() {
        for act in [
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Relu,
            Activation::Linear,
        ] {
            for &z in &[-2.0f32, -0.3, 0.4, 1.7] {
                let f = |z: f32| {
                    let mut v = [z];
                    act.apply(&mut v, 1);
                    v[0]
                };
                let h = 1e-3;
                let numeric = (f(z + h) - f(z - h)) / (2.0 * h);
                let analytic = act.derivative_from_output(f(z));
                assert!(
                    (numeric - analytic).abs() < 1e-3,
                    "{act} at {z}: {numeric} vs {analytic}"
                );
            }
        }
    }

    #[test]
    fn fast_tanh_matches_libm() {
        let mut worst = 0.0f64;
        for i in -40_000..=40_000 {
            let z = i as f32 * 2.5e-4;
            let exact = f64::from(z).tanh();
            let err = (f64::from(tanh(z)) - exact).abs() / exact.abs().max(1e-30);
            worst = worst.max(if z == 0.0 { 0.0 } else { err });
        }
        assert!(worst < 1e-6, "worst relative error {worst}");
        assert_eq!(tanh(50.0), 1.0);
        assert_eq!(tanh(-50.0), -1.0);
        assert!(tanh(f32::NAN).is_nan());
    }

    #[test]
    fn softmax_rows_sum_to_one_and_survive_large_inputs() {
        let mut z = [1000.0, 1001.0, 999.0, -5.0, 0.0, 5.0];
        Activation::Softmax.apply(&mut z, 3);
        for row in z.chunks(3) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
            assert!(row.iter().all(|v| v.is_finite()));
        }
        assert!(z[1] > z[0] && z[0] > z[2]);
    }

    #[test]
    fn names_round_trip() {
        for a in Activation::ALL {
            assert_eq!(Activation::from_name(a.name()), Some(a));
        }
        assert_eq!(Activation::from_name("gelu"), None);
    }
}

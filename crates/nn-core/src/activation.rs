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

    /// Applies the activation in place to a `[rows, width]` matrix of sums `z`,
    /// at the best SIMD level the CPU has (pulp picks it at run time): the
    /// baseline's 4 lanes made the sigmoid 4% of W1's step (784-100-10,
    /// batch 32). The same bits at any width (nothing is fused).
    pub fn apply(self, z: &mut [f32], width: usize) {
        pulp::Arch::new().dispatch(Apply {
            activation: self,
            z,
            width,
        });
    }

    /// [`Activation::apply`], inlined into its caller, so that a caller
    /// compiled for a SIMD level (the tiny networks' pass) computes it at that
    /// level: sigmoid and tanh are branch-free arithmetic, the same bits at any
    /// vector width.
    #[allow(clippy::inline_always)] // the point: vectorised at the caller's SIMD level
    #[inline(always)]
    pub(crate) fn apply_inline(self, z: &mut [f32], width: usize) {
        match self {
            Activation::Sigmoid => z.iter_mut().for_each(|v| *v = sigmoid(*v)),
            Activation::Tanh => z.iter_mut().for_each(|v| *v = tanh(*v)),
            Activation::Relu => z.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::Linear => {}
            Activation::Softmax => z.chunks_exact_mut(width).for_each(softmax_in_place),
        }
    }

    /// The seed's hidden delta, `delta *= f'(o)` value by value, at the best
    /// SIMD level the CPU has: a per-value call of
    /// [`Activation::derivative_from_output`], with its `match`, ran at 3 ns a
    /// value (1.5% of W3's step); each activation's loop now vectorises. The
    /// same arithmetic, so the same bits.
    pub fn times_derivative(self, delta: &mut [f32], outputs: &[f32]) {
        pulp::Arch::new().dispatch(TimesDerivative {
            activation: self,
            delta,
            outputs,
        });
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

/// [`Activation::apply`] at one SIMD level.
struct Apply<'a> {
    activation: Activation,
    z: &'a mut [f32],
    width: usize,
}

impl pulp::WithSimd for Apply<'_> {
    type Output = ();

    #[allow(clippy::inline_always)] // inlined into pulp's functions for each SIMD level, or not vectorised for them
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        self.activation.apply_inline(self.z, self.width);
    }
}

/// [`Activation::times_derivative`] at one SIMD level.
struct TimesDerivative<'a> {
    activation: Activation,
    delta: &'a mut [f32],
    outputs: &'a [f32],
}

impl pulp::WithSimd for TimesDerivative<'_> {
    type Output = ();

    #[allow(clippy::inline_always)] // inlined into pulp's functions for each SIMD level, or not vectorised for them
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        // One loop per activation, each given it as a constant: the `match`
        // of `derivative_from_output` folds away and the loop vectorises.
        let Self {
            activation,
            delta,
            outputs,
        } = self;
        match activation {
            Activation::Sigmoid => times_derivative_of(Activation::Sigmoid, delta, outputs),
            Activation::Tanh => times_derivative_of(Activation::Tanh, delta, outputs),
            Activation::Relu => times_derivative_of(Activation::Relu, delta, outputs),
            Activation::Linear => times_derivative_of(Activation::Linear, delta, outputs),
            Activation::Softmax => times_derivative_of(Activation::Softmax, delta, outputs),
        }
    }
}

/// `delta *= f'(o)` value by value, inlined where `f` is a constant.
#[allow(clippy::inline_always)] // the point: `f` folded into the loop at the caller's SIMD level
#[inline(always)]
fn times_derivative_of(f: Activation, delta: &mut [f32], outputs: &[f32]) {
    for (d, &o) in delta.iter_mut().zip(outputs) {
        *d *= f.derivative_from_output(o);
    }
}

/// The seed's sigmoid `1 / (1 + e^-z)`.
#[allow(clippy::inline_always)] // vectorised at the caller's SIMD level
#[inline(always)]
pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + exp(-z))
}

/// `tanh z` through one `exp`: libm's `tanhf` (via `expm1f`) is several times
/// slower and dominated the Playground-size networks' profile.
///
/// `tanh |z| = (1 - e) / (1 + e)` with `e = exp(-2|z|)` is accurate to a few ulps
/// except near 0, where `1 - e` cancels; there the odd Taylor series
/// `z - z^3/3 + 2z^5/15 - 17z^7/315` is exact to f32 precision. Both are
/// computed and one is chosen, without a branch, so a row vectorises.
#[allow(clippy::inline_always)] // vectorised at the caller's SIMD level
#[inline(always)]
pub fn tanh(z: f32) -> f32 {
    let a = z.abs();
    let z2 = z * z;
    let series = z * (1.0 + z2 * (-1.0 / 3.0 + z2 * (2.0 / 15.0 - z2 * (17.0 / 315.0))));
    let e = exp(-2.0 * a);
    let far = ((1.0 - e) / (1.0 + e)).copysign(z);
    if a < 0.125 { series } else { far }
}

/// `e^x` to about 1 ulp in plain arithmetic (no libm call, no fused
/// multiply-add), so the compiler vectorises a row of it and the bits are the
/// same at every vector width and on every machine. libm's scalar `expf` was
/// a quarter of a Playground-size network's step.
///
/// Cephes' `expf`: `x = k ln 2 + r` with `k` the nearest integer to
/// `x / ln 2` (rounded by adding and removing `1.5 * 2^23`, in -126..=127
/// after the clamp) and `|r| <= ln 2 / 2`
/// (`ln 2` in two parts, so `r` is exact), `e^r` by its degree-7 minimax
/// polynomial, and `2^k` built in the exponent bits. `x` is clamped to where
/// `2^k` is a normal float: `e^x` overflows to infinity above 88.7 and is
/// below `1.2e-38` (a sum of it with anything else is that other thing) under
/// -87.3. NaN stays NaN.
#[allow(clippy::inline_always)] // vectorised at the caller's SIMD level
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0; // 1.5 * 2^23
    let huge = x > 88.72;
    let x = x.clamp(-87.33, 88.37);
    let rounded = x * std::f32::consts::LOG2_E + ROUND;
    let k = rounded - ROUND;
    let r = x - k * 0.693_359_4 - k * -2.121_944_4e-4;
    let p = ((((1.987_569_2e-4 * r + 1.398_2e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 0.5;
    let y = p * (r * r) + r + 1.0;
    // k sits in the low bits of `rounded`; taken from there (integer lanes),
    // not by a float-to-int conversion, which does not vectorise.
    let k_bits = rounded.to_bits().wrapping_sub(ROUND.to_bits());
    let scale = f32::from_bits(k_bits.wrapping_add(127) << 23);
    if huge { f32::INFINITY } else { y * scale }
}

/// Numerically stable softmax of one row: subtracting the maximum keeps `exp` finite.
/// It keeps libm's `exp`: a row is a handful of values, and the bits of wide
/// classifiers' outputs stay as they were.
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
    fn exp_is_within_two_ulps_of_libm() {
        let mut worst = 0.0f64;
        for i in -87_000..=88_000 {
            let x = i as f32 * 1e-3 + 1.234e-4;
            let exact = f64::from(x).exp();
            worst = worst.max((f64::from(exp(x)) - exact).abs() / exact);
        }
        assert!(worst < 2.5e-7, "worst relative error {worst}");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(100.0), f32::INFINITY);
        assert!(exp(-100.0) < 1.2e-38);
        assert!(exp(f32::NAN).is_nan());
    }

    #[test]
    fn sigmoid_saturates_without_nan() {
        assert_eq!(sigmoid(-100.0), 0.0);
        assert_eq!(sigmoid(100.0), 1.0);
        assert!((sigmoid(0.0) - 0.5).abs() < f32::EPSILON);
        assert!(sigmoid(f32::NAN).is_nan());
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
    fn times_derivative_gives_the_bits_of_the_per_value_rule() {
        // Values that exercise every branch and rounding: signs, zeros of both
        // signs, saturated outputs, and values that are not finite; 37 of them,
        // so vector widths leave a remainder.
        let special = [0.0, -0.0, 1.0, -1.0, 1e-30, -1e-30, f32::INFINITY, f32::NAN];
        let value = |i: usize, salt: f32| {
            special
                .get(i % 12)
                .copied()
                .unwrap_or(((i as f32 + salt) * 0.731).sin() * 3.0)
        };
        let outputs: Vec<f32> = (0..37).map(|i| value(i, 0.5)).collect();
        let delta: Vec<f32> = (0..37).map(|i| value(i + 5, 1.5)).collect();
        for act in Activation::ALL {
            let mut fast = delta.clone();
            act.times_derivative(&mut fast, &outputs);
            for ((f, d), o) in fast.iter().zip(&delta).zip(&outputs) {
                let one = d * act.derivative_from_output(*o);
                assert_eq!(f.to_bits(), one.to_bits(), "{act}: delta {d}, output {o}");
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for a in Activation::ALL {
            assert_eq!(Activation::from_name(a.name()), Some(a));
        }
        assert_eq!(Activation::from_name("gelu"), None);
    }
}

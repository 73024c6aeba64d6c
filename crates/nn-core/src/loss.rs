//! Loss functions and the output layer's delta.
//!
//! The seed measures performance with `P = -1/2 (d - o)^2` and climbs its
//! gradient; equivalently we descend the loss `L = -P = 1/2 sum_k (d_k - o_k)^2`,
//! [`Loss::Seed`]. The other losses are PyTorch's, defined exactly as PyTorch
//! defines them: [`Loss::Mse`] is `nn.MSELoss` (the mean over the outputs, not
//! half the sum: for `K` outputs the seed's gradient is `K/2` times mse's),
//! [`Loss::CrossEntropy`] is `nn.CrossEntropyLoss` over the softmax's inputs,
//! [`Loss::BinaryCrossEntropy`] is `nn.BCELoss` (also a mean over the outputs).
//! A batch's loss is the mean of its samples' losses, PyTorch's convention, so
//! a learning rate means the same here as there.
//!
//! The output delta follows the seed's sign: `delta = dP/dz = -dL/dz`, the
//! direction in which the sum `z` should move. For a sigmoid output and the
//! seed's performance function that is `delta = o(1 - o)(d - o)`.

use serde::{Deserialize, Serialize};

use crate::Activation;
use crate::error::{CoreError, Result};

/// What the network should have output: class indices or real values.
#[derive(Debug, Clone, Copy)]
pub enum Targets<'a> {
    /// One class index per sample; the desired output is one-hot (`d_k = 1` for the class, else 0).
    Classes(&'a [u32]),
    /// A `[batch, outputs]` row-major matrix of desired outputs `d`.
    Values(&'a [f32]),
}

impl Targets<'_> {
    /// Number of samples these targets cover, given the output width.
    pub fn samples(&self, outputs: usize) -> usize {
        match self {
            Targets::Classes(c) => c.len(),
            Targets::Values(v) => v.len() / outputs.max(1),
        }
    }

    /// The targets of rows `rows` (of `outputs` output neurons each).
    #[must_use]
    pub fn rows(&self, rows: std::ops::Range<usize>, outputs: usize) -> Self {
        match self {
            Targets::Classes(c) => Targets::Classes(&c[rows]),
            Targets::Values(v) => Targets::Values(&v[rows.start * outputs..rows.end * outputs]),
        }
    }

    /// Checks the targets against a batch of `batch` samples and `outputs` output neurons.
    pub fn check(&self, batch: usize, outputs: usize) -> Result<()> {
        match self {
            Targets::Classes(c) => {
                if c.len() != batch {
                    return Err(CoreError::TargetWidth {
                        expected: batch,
                        got: c.len(),
                    });
                }
                // A single sigmoid output takes class 0/1 as its desired value.
                let classes = if outputs == 1 { 2 } else { outputs };
                if let Some(&class) = c.iter().find(|&&c| c as usize >= classes) {
                    return Err(CoreError::ClassOutOfRange { class, classes });
                }
            }
            Targets::Values(v) => {
                if v.len() != batch * outputs {
                    return Err(CoreError::TargetWidth {
                        expected: batch * outputs,
                        got: v.len(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The desired output `d` of neuron `k` for sample `i`.
    #[inline]
    pub fn desired(&self, i: usize, k: usize, outputs: usize) -> f32 {
        match self {
            Targets::Classes(c) if outputs == 1 => c[i] as f32,
            Targets::Classes(c) => f32::from(c[i] as usize == k),
            Targets::Values(v) => v[i * outputs + k],
        }
    }
}

/// The function a network is trained to minimise.
///
/// Per sample, with `K` outputs `o_k` and desired outputs `d_k`; a batch's loss is
/// the mean over its samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// PyTorch's `MSELoss`: `L = 1/K sum_k (d_k - o_k)^2`, the mean over outputs.
    Mse,
    /// The seed's performance function, negated: `L = 1/2 sum_k (d_k - o_k)^2`.
    ///
    /// Its gradient is `K/2` times [`Loss::Mse`]'s, so a learning rate `r` here
    /// trains like `r * K/2` with mse (5x on MNIST's 10 outputs, the same for 2).
    /// Model files written before mse was split from it call it `squared_error`.
    #[serde(alias = "squared_error")]
    Seed,
    /// PyTorch's `CrossEntropyLoss` over a softmax output: `L = -sum_k d_k ln o_k`.
    CrossEntropy,
    /// PyTorch's `BCELoss` over sigmoid outputs: `L = -1/K sum_k [d ln o + (1 - d) ln(1 - o)]`.
    BinaryCrossEntropy,
}

impl Loss {
    /// All losses.
    pub const ALL: [Loss; 4] = [
        Loss::Mse,
        Loss::Seed,
        Loss::CrossEntropy,
        Loss::BinaryCrossEntropy,
    ];

    /// Short name, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Mse => "mse",
            Loss::Seed => "seed",
            Loss::CrossEntropy => "ce",
            Loss::BinaryCrossEntropy => "bce",
        }
    }

    /// Parses a short name (`mse`, `seed`, `ce`, `bce`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }

    /// Whether this is one of the two squared-error losses (mse or the seed's).
    pub fn is_squared_error(self) -> bool {
        matches!(self, Loss::Mse | Loss::Seed)
    }

    /// The factor by which this loss's gradient exceeds [`Loss::Mse`]'s on `outputs`
    /// outputs: `K/2` for the seed's loss, `None` for the losses that are not squared errors.
    ///
    /// A learning rate `r` with this loss trains like `r * factor` with mse.
    pub fn mse_learning_rate_factor(self, outputs: usize) -> Option<f32> {
        match self {
            Loss::Mse => Some(1.0),
            Loss::Seed => Some(outputs as f32 / 2.0),
            Loss::CrossEntropy | Loss::BinaryCrossEntropy => None,
        }
    }

    /// One line saying what the loss is, for model metadata and `nn-tui info`;
    /// for the seed's loss it also gives its learning rate's relation to mse's.
    pub fn definition(self, outputs: usize) -> String {
        match self {
            Loss::Mse => "mse: 1/K sum_k (d_k - o_k)^2 per sample, mean over the batch (PyTorch's MSELoss)".into(),
            Loss::Seed => {
                let factor = self.mse_learning_rate_factor(outputs).unwrap_or(1.0);
                format!(
                    "seed: 1/2 sum_k (d_k - o_k)^2 per sample, mean over the batch (the seed's performance function); \
                     its gradient is K/2 = {factor} times mse's for these K = {outputs} outputs, so a learning rate r here trains like r * {factor} with mse"
                )
            }
            Loss::CrossEntropy => "ce: -sum_k d_k ln o_k over a softmax, mean over the batch (PyTorch's CrossEntropyLoss)".into(),
            Loss::BinaryCrossEntropy => "bce: -1/K sum_k [d_k ln o_k + (1 - d_k) ln(1 - o_k)], mean over the batch (PyTorch's BCELoss)".into(),
        }
    }

    /// Whether this loss is defined over the given output activation.
    ///
    /// Cross-entropy needs a softmax (outputs that are a distribution), binary
    /// cross-entropy a sigmoid (each output a probability); the squared errors
    /// work over any elementwise activation.
    pub fn fits_output(self, output: Activation) -> bool {
        match self {
            Loss::Mse | Loss::Seed => output != Activation::Softmax,
            Loss::CrossEntropy => output == Activation::Softmax,
            Loss::BinaryCrossEntropy => output == Activation::Sigmoid,
        }
    }

    /// Sum over the batch of each sample's loss, for outputs `o` (`[batch, width]`).
    pub fn sum(self, outputs: &[f32], targets: &Targets<'_>, width: usize) -> f64 {
        let mut total = 0.0f64;
        for (i, row) in outputs.chunks_exact(width).enumerate() {
            let mut sample = 0.0f32;
            for (k, &o) in row.iter().enumerate() {
                let d = targets.desired(i, k, width);
                sample += match self {
                    Loss::Mse => (d - o) * (d - o),
                    Loss::Seed => 0.5 * (d - o) * (d - o),
                    Loss::CrossEntropy if d == 0.0 => 0.0,
                    Loss::CrossEntropy => -d * safe_ln(o),
                    Loss::BinaryCrossEntropy => -(d * safe_ln(o) + (1.0 - d) * safe_ln(1.0 - o)),
                };
            }
            if matches!(self, Loss::Mse | Loss::BinaryCrossEntropy) {
                sample /= width as f32; // PyTorch's mean over the outputs
            }
            total += f64::from(sample);
        }
        total
    }

    /// Writes the output layer's `delta = -dL/dz`, multiplied by `scale`, into `delta`.
    ///
    /// The seed's loss: `delta = f'(o) (d - o)`, which for the seed's sigmoid is
    /// `o(1 - o)(d - o)`; mse, the mean over `K` outputs: `2/K` times that.
    /// Softmax with cross-entropy and sigmoid with binary cross-entropy both
    /// simplify to `delta = d - o` (over `K` for binary cross-entropy's mean): the
    /// activation's derivative cancels against the loss's. `scale` is `1 / batch`
    /// so that the gradients are those of the batch mean, whichever shard computes them.
    pub fn output_delta(
        self,
        output: Activation,
        outputs: &[f32],
        targets: &Targets<'_>,
        width: usize,
        scale: f32,
        delta: &mut [f32],
    ) {
        let per_output = match self {
            Loss::Seed | Loss::CrossEntropy => 1.0,
            Loss::Mse => 2.0 / width as f32,
            Loss::BinaryCrossEntropy => 1.0 / width as f32,
        };
        let scale = scale * per_output;
        for (i, (row, delta_row)) in outputs
            .chunks_exact(width)
            .zip(delta.chunks_exact_mut(width))
            .enumerate()
        {
            for (k, (&o, delta_k)) in row.iter().zip(delta_row.iter_mut()).enumerate() {
                let d = targets.desired(i, k, width);
                *delta_k = scale
                    * match self {
                        Loss::Seed | Loss::Mse => output.derivative_from_output(o) * (d - o),
                        Loss::CrossEntropy | Loss::BinaryCrossEntropy => d - o,
                    };
            }
        }
    }
}

impl std::fmt::Display for Loss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `ln` that stays finite when an output rounds to exactly 0, but lets NaN
/// through: a NaN output must make the loss NaN so that divergence is noticed
/// (`f32::max` would quietly replace it).
#[inline]
fn safe_ln(x: f32) -> f32 {
    if x.is_nan() {
        x
    } else {
        x.max(f32::MIN_POSITIVE).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_output_delta_is_o_one_minus_o_times_d_minus_o() {
        let o = [0.7f32];
        let mut delta = [0.0];
        Loss::Seed.output_delta(
            Activation::Sigmoid,
            &o,
            &Targets::Values(&[1.0]),
            1,
            1.0,
            &mut delta,
        );
        assert!((delta[0] - 0.7 * 0.3 * 0.3).abs() < 1e-7);
    }

    #[test]
    fn cross_entropy_of_certain_wrong_answer_is_finite() {
        let o = [0.0f32, 1.0];
        let loss = Loss::CrossEntropy.sum(&o, &Targets::Classes(&[0]), 2);
        assert!(loss.is_finite() && loss > 80.0);
    }

    #[test]
    fn nan_outputs_give_a_nan_loss() {
        for (loss, width) in [
            (Loss::CrossEntropy, 2),
            (Loss::BinaryCrossEntropy, 1),
            (Loss::Seed, 1),
            (Loss::Mse, 2),
        ] {
            let o = vec![f32::NAN; width];
            assert!(
                loss.sum(&o, &Targets::Classes(&[0]), width).is_nan(),
                "{loss}"
            );
        }
    }

    #[test]
    fn pairings() {
        assert!(Loss::Seed.fits_output(Activation::Sigmoid));
        assert!(!Loss::Seed.fits_output(Activation::Softmax));
        assert!(Loss::Mse.fits_output(Activation::Linear));
        assert!(!Loss::Mse.fits_output(Activation::Softmax));
        assert!(Loss::CrossEntropy.fits_output(Activation::Softmax));
        assert!(!Loss::CrossEntropy.fits_output(Activation::Sigmoid));
        assert!(Loss::BinaryCrossEntropy.fits_output(Activation::Sigmoid));
    }

    #[test]
    fn class_targets_are_checked() {
        assert!(Targets::Classes(&[0, 3]).check(2, 3).is_err());
        assert!(Targets::Classes(&[0, 2]).check(2, 3).is_ok());
        assert!(Targets::Classes(&[1, 0]).check(2, 1).is_ok());
        assert!(Targets::Values(&[0.0; 5]).check(2, 3).is_err());
    }

    #[test]
    fn mse_is_the_mean_over_outputs_and_the_seed_half_the_sum() {
        // Two samples, two outputs, errors (1, 2) and (0, 3), summed over the batch by hand:
        // mse = (1 + 4)/2 + (0 + 9)/2 = 7 and seed = 1/2 (1 + 4) + 1/2 (0 + 9) = 7, equal
        // for K = 2 (K/2 = 1). Three outputs, errors (1, 2, 2): mse 9/3 = 3, seed 9/2 = 4.5.
        let o = [0.0f32, 0.0, 0.0, 0.0];
        let d = Targets::Values(&[1.0, 2.0, 0.0, 3.0]);
        assert_eq!(Loss::Mse.sum(&o, &d, 2), 7.0);
        assert_eq!(Loss::Seed.sum(&o, &d, 2), 7.0);
        let d3 = Targets::Values(&[1.0, 2.0, 2.0]);
        assert_eq!(Loss::Mse.sum(&[0.0; 3], &d3, 3), 3.0);
        assert_eq!(Loss::Seed.sum(&[0.0; 3], &d3, 3), 4.5);
        assert_eq!(Loss::Seed.mse_learning_rate_factor(10), Some(5.0));
        assert_eq!(Loss::CrossEntropy.mse_learning_rate_factor(10), None);
        assert!(Loss::Seed.definition(10).contains("K/2 = 5 times mse's"));
    }

    #[test]
    fn names_round_trip_and_old_files_name_the_seed() {
        for loss in Loss::ALL {
            assert_eq!(Loss::from_name(loss.name()), Some(loss));
        }
        // Model files from before mse was split off stored the seed's loss as "squared_error".
        let old: Loss = serde_json::from_str("\"squared_error\"").unwrap();
        assert_eq!(old, Loss::Seed);
        assert_eq!(serde_json::to_string(&Loss::Seed).unwrap(), "\"seed\"");
        assert_eq!(serde_json::to_string(&Loss::Mse).unwrap(), "\"mse\"");
        assert_eq!(
            serde_json::to_string(&Loss::CrossEntropy).unwrap(),
            "\"cross_entropy\""
        );
    }
}

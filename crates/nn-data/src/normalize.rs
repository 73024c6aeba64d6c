//! Per-feature input normalisation `(x - shift) * scale`, fitted on the
//! training part only and stored with the model (as JSON) so that inference
//! sees the same transform.

use serde::{Deserialize, Serialize};

use crate::{Dataset, Inputs};

/// Which normalisation to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NormalizationKind {
    /// Leave the inputs as they are (`shift = 0`, `scale = 1`).
    None,
    /// Zero mean, unit variance per feature: `shift = mean`, `scale = 1 / std`.
    Standardize,
    /// Each feature into `[0, 1]`: `shift = min`, `scale = 1 / (max - min)`.
    MinMax,
    /// Bytes to `[0, 1]`: `shift = 0`, `scale = 1 / 255` (the natural choice for MNIST).
    Scale255,
}

impl NormalizationKind {
    /// Every kind.
    pub const ALL: [Self; 4] = [Self::None, Self::Standardize, Self::MinMax, Self::Scale255];

    /// The kind's name, as model files store it: `none`, `standardize`, `min-max`, `scale255`.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Standardize => "standardize",
            Self::MinMax => "min-max",
            Self::Scale255 => "scale255",
        }
    }

    /// The kind named `name` (as [`NormalizationKind::name`] writes it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl std::fmt::Display for NormalizationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A fitted per-feature affine map, applied as `(x - shift[j]) * scale[j]`.
///
/// A constant feature (zero variance, or `max == min`) gets `scale = 1`, so it
/// maps to 0 instead of producing inf or NaN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalization {
    /// How `shift` and `scale` were fitted.
    pub kind: NormalizationKind,
    /// Subtracted from each feature.
    pub shift: Vec<f32>,
    /// Multiplied into each feature after the shift.
    pub scale: Vec<f32>,
}

impl Normalization {
    /// The map that changes nothing, for `dim` features.
    pub fn identity(dim: usize) -> Self {
        Self {
            kind: NormalizationKind::None,
            shift: vec![0.0; dim],
            scale: vec![1.0; dim],
        }
    }

    /// Fits `kind` on `train` (pass the training split only, never the whole
    /// dataset, or validation scores leak information). Statistics are
    /// accumulated in `f64`. An empty dataset gives the identity map.
    pub fn fit(kind: NormalizationKind, train: &Dataset) -> Self {
        let dim = train.dim();
        match kind {
            NormalizationKind::None => Self::identity(dim),
            NormalizationKind::Scale255 => Self {
                kind,
                shift: vec![0.0; dim],
                scale: vec![1.0 / 255.0; dim],
            },
            NormalizationKind::Standardize => {
                let n = train.len() as f64;
                let mut sum = vec![0.0f64; dim];
                let mut sum_sq = vec![0.0f64; dim];
                for_each_row(train, |j, x| {
                    sum[j] += x;
                });
                let mean: Vec<f64> = sum
                    .iter()
                    .map(|s| if n > 0.0 { s / n } else { 0.0 })
                    .collect();
                // Second pass on centred values: numerically stable for large offsets.
                for_each_row(train, |j, x| {
                    let d = x - mean[j];
                    sum_sq[j] += d * d;
                });
                let scale = sum_sq
                    .iter()
                    .map(|&s| {
                        let std = if n > 0.0 { (s / n).sqrt() } else { 0.0 };
                        safe_inverse(std)
                    })
                    .collect();
                Self {
                    kind,
                    shift: mean.iter().map(|&m| m as f32).collect(),
                    scale,
                }
            }
            NormalizationKind::MinMax => {
                let mut min = vec![f64::INFINITY; dim];
                let mut max = vec![f64::NEG_INFINITY; dim];
                for_each_row(train, |j, x| {
                    min[j] = min[j].min(x);
                    max[j] = max[j].max(x);
                });
                if train.is_empty() {
                    min.fill(0.0);
                    max.fill(0.0);
                }
                Self {
                    kind,
                    shift: min.iter().map(|&m| m as f32).collect(),
                    scale: min
                        .iter()
                        .zip(&max)
                        .map(|(&lo, &hi)| safe_inverse(hi - lo))
                        .collect(),
                }
            }
        }
    }

    /// Number of features this map was fitted for.
    pub fn dim(&self) -> usize {
        self.shift.len()
    }

    /// Normalises one row in place.
    ///
    /// # Panics
    /// If `row.len() != self.dim()`.
    pub fn apply_row(&self, row: &mut [f32]) {
        assert_eq!(
            row.len(),
            self.dim(),
            "row width differs from the normalization's"
        );
        for ((x, &s), &k) in row.iter_mut().zip(&self.shift).zip(&self.scale) {
            *x = (*x - s) * k;
        }
    }
}

/// `1 / spread`, or 1 when the spread is zero, tiny or not finite.
fn safe_inverse(spread: f64) -> f32 {
    let inverse = 1.0 / spread;
    if spread > 1e-12 && inverse.is_finite() && (inverse as f32).is_finite() {
        inverse as f32
    } else {
        1.0
    }
}

fn for_each_row(data: &Dataset, mut f: impl FnMut(usize, f64)) {
    let dim = data.dim();
    match data.inputs() {
        Inputs::F32(values) => {
            for row in values.chunks_exact(dim) {
                for (j, &x) in row.iter().enumerate() {
                    f(j, f64::from(x));
                }
            }
        }
        Inputs::U8(values) => {
            for row in values.chunks_exact(dim) {
                for (j, &x) in row.iter().enumerate() {
                    f(j, f64::from(x));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_the_serde_names() {
        for kind in NormalizationKind::ALL {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json.as_str(), Some(kind.name()));
            assert_eq!(NormalizationKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(NormalizationKind::from_name("z-score"), None);
    }

    use super::*;
    use crate::Targets;

    fn data(rows: &[[f32; 2]]) -> Dataset {
        Dataset::new(
            "n",
            Inputs::F32(rows.iter().flatten().copied().collect()),
            Targets::Values(vec![0.0; rows.len()]),
            vec!["a".into(), "b".into()],
            vec!["y".into()],
            Vec::new(),
        )
        .unwrap()
    }

    #[test]
    fn standardize_gives_zero_mean_unit_variance_and_survives_constant_features() {
        let d = data(&[[1.0, 7.0], [3.0, 7.0], [5.0, 7.0]]);
        let n = Normalization::fit(NormalizationKind::Standardize, &d);
        assert_eq!(n.shift, vec![3.0, 7.0]);
        assert!((n.scale[0] - 1.0 / (8.0f32 / 3.0).sqrt()).abs() < 1e-6);
        assert_eq!(n.scale[1], 1.0, "zero variance gets scale 1");
        let mut row = [5.0, 7.0];
        n.apply_row(&mut row);
        assert!(row.iter().all(|x| x.is_finite()));
        assert_eq!(row[1], 0.0);
    }

    #[test]
    fn min_max_maps_into_unit_interval() {
        let d = data(&[[-2.0, 4.0], [2.0, 4.0], [0.0, 4.0]]);
        let n = Normalization::fit(NormalizationKind::MinMax, &d);
        let mut row = [2.0, 4.0];
        n.apply_row(&mut row);
        assert_eq!(row, [1.0, 0.0]);
        let mut row = [-2.0, 4.0];
        n.apply_row(&mut row);
        assert_eq!(row, [0.0, 0.0]);
    }

    #[test]
    fn fitted_on_the_training_part_only() {
        let full = data(&[[0.0, 0.0], [2.0, 2.0], [100.0, 100.0]]);
        let train = full.subset(&[0, 1]);
        let n = Normalization::fit(NormalizationKind::Standardize, &train);
        assert_eq!(
            n.shift,
            vec![1.0, 1.0],
            "the held-out 100 must not move the mean"
        );
        assert_eq!(n.scale, vec![1.0, 1.0]);
    }

    #[test]
    fn empty_dataset_gives_finite_maps() {
        let empty = data(&[]);
        for kind in [
            NormalizationKind::None,
            NormalizationKind::Standardize,
            NormalizationKind::MinMax,
            NormalizationKind::Scale255,
        ] {
            let n = Normalization::fit(kind, &empty);
            assert!(
                n.shift.iter().chain(&n.scale).all(|v| v.is_finite()),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn serde_json_round_trip() {
        let d = data(&[[1.0, 2.0], [3.0, 5.0]]);
        let n = Normalization::fit(NormalizationKind::Standardize, &d);
        let json = serde_json::to_string(&n).unwrap();
        assert!(json.contains("\"kind\":\"standardize\""), "{json}");
        let back: Normalization = serde_json::from_str(&json).unwrap();
        assert_eq!(back, n);
        assert_eq!(Normalization::identity(2).kind, NormalizationKind::None);
    }
}

//! Input features of the 2-D data, as in TensorFlow Playground's "features"
//! column: `x1`, `x2`, `x1^2`, `x2^2`, `x1x2`, `sinx1`, `sinx2` (and `cosx1`,
//! `cosx2`, which the Playground lists in its URLs but never computes).
//!
//! Each is a function of the raw columns `x1` and `x2`, computed before the
//! normalisation: `raw -> features -> (x - shift) * scale -> network`. A
//! [`Features`] is a non-empty set kept in the Playground's order (the order of
//! [`Feature::ALL`]), which is also the order of the network's inputs.

use std::fmt;
use std::str::FromStr;

use crate::{DataError, Dataset, Inputs};

/// One input feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Feature {
    /// `x1`.
    X1,
    /// `x2`.
    X2,
    /// `x1^2`.
    X1Squared,
    /// `x2^2`.
    X2Squared,
    /// `x1 * x2`.
    X1X2,
    /// `sin(x1)`.
    SinX1,
    /// `sin(x2)`.
    SinX2,
    /// `cos(x1)`.
    CosX1,
    /// `cos(x2)`.
    CosX2,
}

impl Feature {
    /// Every feature, in the Playground's order (its `INPUTS`), then the cosines.
    pub const ALL: [Feature; 9] = [
        Feature::X1,
        Feature::X2,
        Feature::X1Squared,
        Feature::X2Squared,
        Feature::X1X2,
        Feature::SinX1,
        Feature::SinX2,
        Feature::CosX1,
        Feature::CosX2,
    ];

    /// The name on the command line and in model files: `x1^2`, `sinx1`.
    pub fn name(self) -> &'static str {
        match self {
            Feature::X1 => "x1",
            Feature::X2 => "x2",
            Feature::X1Squared => "x1^2",
            Feature::X2Squared => "x2^2",
            Feature::X1X2 => "x1x2",
            Feature::SinX1 => "sinx1",
            Feature::SinX2 => "sinx2",
            Feature::CosX1 => "cosx1",
            Feature::CosX2 => "cosx2",
        }
    }

    /// The name as a label on screen: `x1²`, `sin x1`.
    pub fn label(self) -> &'static str {
        match self {
            Feature::X1 => "x1",
            Feature::X2 => "x2",
            Feature::X1Squared => "x1²",
            Feature::X2Squared => "x2²",
            Feature::X1X2 => "x1x2",
            Feature::SinX1 => "sin x1",
            Feature::SinX2 => "sin x2",
            Feature::CosX1 => "cos x1",
            Feature::CosX2 => "cos x2",
        }
    }

    /// The feature called `name` (as [`Feature::name`] writes it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether it reads `x2` (so needs 2-D data).
    pub fn needs_x2(self) -> bool {
        matches!(
            self,
            Feature::X2 | Feature::X2Squared | Feature::X1X2 | Feature::SinX2 | Feature::CosX2
        )
    }

    /// Its value at the raw point `(x1, x2)`, computed in `f64`.
    pub fn value(self, x1: f32, x2: f32) -> f32 {
        let (a, b) = (f64::from(x1), f64::from(x2));
        (match self {
            Feature::X1 => a,
            Feature::X2 => b,
            Feature::X1Squared => a * a,
            Feature::X2Squared => b * b,
            Feature::X1X2 => a * b,
            Feature::SinX1 => a.sin(),
            Feature::SinX2 => b.sin(),
            Feature::CosX1 => a.cos(),
            Feature::CosX2 => b.cos(),
        }) as f32
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The raw columns features are computed from, in order.
pub const RAW_COLUMNS: [&str; 2] = ["x1", "x2"];

/// A non-empty set of features, in [`Feature::ALL`]'s order: the network's inputs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Features(Vec<Feature>);

impl Features {
    /// The set holding `features` (in canonical order, without repeats); `None` if empty.
    pub fn new(features: impl IntoIterator<Item = Feature>) -> Option<Self> {
        let mut all: Vec<Feature> = features.into_iter().collect();
        all.sort_unstable();
        all.dedup();
        (!all.is_empty()).then_some(Self(all))
    }

    /// The raw columns themselves, as features: `x1` for 1-D data, `x1, x2` for 2-D.
    pub fn raw(columns: usize) -> Self {
        if columns >= 2 {
            Self(vec![Feature::X1, Feature::X2])
        } else {
            Self(vec![Feature::X1])
        }
    }

    /// The features in network-input order.
    pub fn as_slice(&self) -> &[Feature] {
        &self.0
    }

    /// How many (the network's input width).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true: a set holds at least one feature.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `feature` is in the set.
    pub fn contains(&self, feature: Feature) -> bool {
        self.0.contains(&feature)
    }

    /// The set with `feature` added or removed; `None` if that would leave it empty.
    pub fn toggled(&self, feature: Feature) -> Option<Self> {
        if self.contains(feature) {
            Self::new(self.0.iter().copied().filter(|&f| f != feature))
        } else {
            Self::new(self.0.iter().copied().chain([feature]))
        }
    }

    /// The names, in order: `["x1", "x2", "x1^2"]`.
    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(|f| f.name().to_string()).collect()
    }

    /// Raw columns the set reads: 2 if any feature needs `x2`, else 1.
    pub fn raw_columns(&self) -> usize {
        if self.0.iter().any(|f| f.needs_x2()) {
            2
        } else {
            1
        }
    }

    /// Whether the set is just the raw columns of data with `columns` columns.
    pub fn is_raw(&self, columns: usize) -> bool {
        *self == Self::raw(columns)
    }

    /// Writes the features of one raw row (`x1`, and `x2` if present) into `out`.
    ///
    /// # Panics
    /// If `out.len() != self.len()`.
    pub fn expand_row(&self, raw: &[f32], out: &mut [f32]) {
        assert_eq!(out.len(), self.len(), "one output per feature");
        let x1 = raw.first().copied().unwrap_or(0.0);
        let x2 = raw.get(1).copied().unwrap_or(0.0);
        for (o, f) in out.iter_mut().zip(&self.0) {
            *o = f.value(x1, x2);
        }
    }

    /// The features of `n` raw rows of `columns` values each, `[n, len]` row-major.
    pub fn expand(&self, raw: &[f32], columns: usize) -> Vec<f32> {
        let mut out = vec![0.0; raw.len() / columns.max(1) * self.len()];
        for (row, o) in raw
            .chunks_exact(columns.max(1))
            .zip(out.chunks_exact_mut(self.len()))
        {
            self.expand_row(row, o);
        }
        out
    }

    /// Why these features cannot be computed from columns named `columns`, if they cannot:
    /// they need the raw columns `x1` (and `x2`), as the 2-D generators name them.
    pub fn misfit(&self, columns: &[String]) -> Option<String> {
        let needed = &RAW_COLUMNS[..self.raw_columns()];
        let fits = (columns.len() == 1 || columns.len() == 2)
            && columns.iter().zip(RAW_COLUMNS).all(|(c, r)| c == r)
            && columns.len() >= needed.len();
        (!fits).then(|| {
            format!(
                "expected data with the columns {} (the 2-D generators), not {}",
                needed.join(", "),
                abbreviate(columns)
            )
        })
    }

    /// `data` with these features as its inputs (named by [`Feature::name`]), computed
    /// from its raw columns `x1` (and `x2`).
    pub fn apply(&self, data: &Dataset) -> Result<Dataset, DataError> {
        let error = |problem: String| DataError::Features {
            given: self.to_string(),
            problem,
        };
        if let Some(problem) = self.misfit(data.feature_names()) {
            return Err(error(problem));
        }
        let Inputs::F32(raw) = data.inputs() else {
            return Err(error("expected real-valued columns, not bytes".into()));
        };
        Dataset::new(
            data.name(),
            Inputs::F32(self.expand(raw, data.dim())),
            data.targets().clone(),
            self.names(),
            data.target_names().to_vec(),
            data.class_names().to_vec(),
        )
    }
}

fn abbreviate(columns: &[String]) -> String {
    if columns.len() > 4 {
        format!(
            "{} columns ({}, ...)",
            columns.len(),
            columns[..3].join(", ")
        )
    } else {
        columns.join(", ")
    }
}

impl fmt::Display for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names().join(","))
    }
}

impl FromStr for Features {
    type Err = DataError;

    /// Parses a comma-separated list of names: `x1,x2,x1^2`.
    fn from_str(list: &str) -> Result<Self, DataError> {
        let error = |problem: String| DataError::Features {
            given: list.to_string(),
            problem,
        };
        let mut features = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let feature = Feature::from_name(name).ok_or_else(|| {
                error(format!(
                    "unknown feature `{name}`: expected names from {}",
                    Feature::ALL.map(Feature::name).join(", ")
                ))
            })?;
            features.push(feature);
        }
        Self::new(features).ok_or_else(|| error("expected at least one feature, e.g. x1,x2".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Targets, Task};

    #[test]
    fn names_round_trip_and_sets_are_canonical() {
        for f in Feature::ALL {
            assert_eq!(Feature::from_name(f.name()), Some(f));
        }
        let set: Features = "x1^2, x1,sinx2,x1".parse().unwrap();
        assert_eq!(set.to_string(), "x1,x1^2,sinx2");
        assert_eq!(set.raw_columns(), 2);
        assert_eq!("x1,cosx1".parse::<Features>().unwrap().raw_columns(), 1);
        assert!(Features::raw(2).is_raw(2));
        let err = "x1,x3".parse::<Features>().unwrap_err().to_string();
        assert_eq!(
            err,
            "features x1,x3: unknown feature `x3`: expected names from \
             x1, x2, x1^2, x2^2, x1x2, sinx1, sinx2, cosx1, cosx2"
        );
        assert_eq!(
            ",".parse::<Features>().unwrap_err().to_string(),
            "features ,: expected at least one feature, e.g. x1,x2"
        );
    }

    #[test]
    fn toggling_keeps_at_least_one() {
        let set = Features::raw(2);
        let more = set.toggled(Feature::X1Squared).unwrap();
        assert_eq!(more.to_string(), "x1,x2,x1^2");
        let one = set.toggled(Feature::X2).unwrap();
        assert_eq!(one.to_string(), "x1");
        assert_eq!(one.toggled(Feature::X1), None);
    }

    /// Values by hand at (2, -3).
    #[test]
    fn values_by_hand() {
        let all = Features::new(Feature::ALL).unwrap();
        let mut out = [0.0; 9];
        all.expand_row(&[2.0, -3.0], &mut out);
        let expected = [
            2.0,
            -3.0,
            4.0,
            9.0,
            -6.0,
            0.909_297_4,
            -0.141_120_01,
            -0.416_146_84,
            -0.989_992_5,
        ];
        for (got, want) in out.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{out:?}");
        }
    }

    #[test]
    fn applied_to_a_generator_and_refused_elsewhere() {
        let data = crate::circle(20, 0.0, 1);
        let set: Features = "x1^2,x2^2".parse().unwrap();
        let featured = set.apply(&data).unwrap();
        assert_eq!(featured.feature_names(), ["x1^2", "x2^2"]);
        assert_eq!(featured.task(), Task::Classification { classes: 2 });
        let (Inputs::F32(raw), Inputs::F32(new)) = (data.inputs(), featured.inputs()) else {
            panic!()
        };
        assert_eq!(new[0], raw[0] * raw[0]);
        assert_eq!(new[1], raw[1] * raw[1]);
        assert!(matches!(featured.targets(), Targets::Classes(_)));

        let sine = crate::sine(10, 0.0, 1);
        assert!("x1,sinx1".parse::<Features>().unwrap().apply(&sine).is_ok());
        let err = set.apply(&sine).unwrap_err().to_string();
        assert_eq!(
            err,
            "features x1^2,x2^2: expected data with the columns x1, x2 (the 2-D generators), not x1"
        );
    }
}

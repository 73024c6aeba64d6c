//! Seeded train/validation/test splits, stratified for classification so that
//! every class keeps its proportion in each part.

use crate::random::{seeded_rng, shuffle};
use crate::{DataError, Dataset, Targets};

/// The three parts of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Used to fit the weights and the normalisation.
    pub train: Dataset,
    /// Watched during training (early stopping, the dashboard's curves).
    pub validation: Dataset,
    /// Touched once, at the end.
    pub test: Dataset,
}

/// Which sample indices of the original dataset went into each part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitIndices {
    /// Indices of the training part, shuffled.
    pub train: Vec<usize>,
    /// Indices of the validation part, shuffled.
    pub validation: Vec<usize>,
    /// Indices of the test part, shuffled.
    pub test: Vec<usize>,
}

impl Dataset {
    /// Splits into train, validation and test parts; see [`Dataset::split_indices`].
    ///
    /// # Errors
    /// [`DataError::InvalidSplit`] for fractions outside `[0, 1)` or summing to 1 or more.
    pub fn split(
        &self,
        validation_fraction: f32,
        test_fraction: f32,
        seed: u64,
    ) -> Result<Split, DataError> {
        let indices = self.split_indices(validation_fraction, test_fraction, seed)?;
        Ok(Split {
            train: self.subset(&indices.train),
            validation: self.subset(&indices.validation),
            test: self.subset(&indices.test),
        })
    }

    /// The indices of a seeded split. For classification each class is split on
    /// its own (stratified): a class of `m` samples gives `round(m * test_fraction)`
    /// to test and `round(m * validation_fraction)` to validation, the rest to
    /// train. Regression splits the whole set the same way. Each part is then
    /// shuffled, so classes are interleaved.
    ///
    /// # Errors
    /// [`DataError::InvalidSplit`] for fractions outside `[0, 1)` or summing to 1 or more.
    pub fn split_indices(
        &self,
        validation_fraction: f32,
        test_fraction: f32,
        seed: u64,
    ) -> Result<SplitIndices, DataError> {
        for (name, f) in [("validation", validation_fraction), ("test", test_fraction)] {
            if !(0.0..1.0).contains(&f) {
                return Err(DataError::InvalidSplit(format!(
                    "{name} fraction {f} is not in [0, 1)"
                )));
            }
        }
        if validation_fraction + test_fraction >= 1.0 {
            return Err(DataError::InvalidSplit(format!(
                "validation {validation_fraction} + test {test_fraction} leave nothing to train on"
            )));
        }
        let mut rng = seeded_rng(seed);
        let groups: Vec<Vec<usize>> = match self.targets() {
            Targets::Classes(classes) => {
                let mut groups = vec![Vec::new(); self.class_names().len()];
                for (i, &c) in classes.iter().enumerate() {
                    groups[c as usize].push(i);
                }
                groups
            }
            Targets::Values(_) => vec![(0..self.len()).collect()],
        };
        let mut out = SplitIndices {
            train: Vec::new(),
            validation: Vec::new(),
            test: Vec::new(),
        };
        for mut group in groups {
            shuffle(&mut group, &mut rng);
            let m = group.len() as f64;
            let n_test = (m * f64::from(test_fraction)).round() as usize;
            let n_validation =
                ((m * f64::from(validation_fraction)).round() as usize).min(group.len() - n_test);
            out.test.extend_from_slice(&group[..n_test]);
            out.validation
                .extend_from_slice(&group[n_test..n_test + n_validation]);
            out.train.extend_from_slice(&group[n_test + n_validation..]);
        }
        shuffle(&mut out.train, &mut rng);
        shuffle(&mut out.validation, &mut rng);
        shuffle(&mut out.test, &mut rng);
        Ok(out)
    }
}

/// K-fold cross-validation's folds of `n` samples: `0..n` shuffled with `seed` and
/// dealt into `k` runs of consecutive positions, of sizes differing by at most one;
/// fold `f` is run `f`, sorted. Not stratified. One definition, so that a sweep's
/// folds (`nn-sweep`) can be handed to another tool (`cargo xtask bench-sweep`).
///
/// # Errors
/// [`DataError::InvalidSplit`] for fewer than two folds or more folds than samples.
pub fn fold_indices(n: usize, k: usize, seed: u64) -> Result<Vec<Vec<usize>>, DataError> {
    if k < 2 || k > n {
        return Err(DataError::InvalidSplit(format!(
            "{k} folds of {n} samples: expected from 2 to {n} folds"
        )));
    }
    let mut order: Vec<usize> = (0..n).collect();
    shuffle(&mut order, &mut seeded_rng(seed));
    Ok((0..k)
        .map(|f| {
            let mut fold = order[f * n / k..(f + 1) * n / k].to_vec();
            fold.sort_unstable();
            fold
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::fold_indices;
    use crate::{blobs, plane, xor};

    #[test]
    fn stratified_disjoint_covering_and_seeded() {
        let d = blobs(600, 1.0, 3);
        let s = d.split_indices(0.2, 0.1, 9).unwrap();
        assert_eq!(
            (s.train.len(), s.validation.len(), s.test.len()),
            (420, 120, 60)
        );
        let mut all: Vec<usize> = s
            .train
            .iter()
            .chain(&s.validation)
            .chain(&s.test)
            .copied()
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..600).collect::<Vec<_>>(), "disjoint and covering");
        let parts = d.split(0.2, 0.1, 9).unwrap();
        assert_eq!(parts.train.class_counts(), vec![140, 140, 140]);
        assert_eq!(parts.validation.class_counts(), vec![40, 40, 40]);
        assert_eq!(parts.test.class_counts(), vec![20, 20, 20]);
        assert_eq!(s, d.split_indices(0.2, 0.1, 9).unwrap());
        assert_ne!(s, d.split_indices(0.2, 0.1, 10).unwrap());
    }

    #[test]
    fn unbalanced_classes_keep_their_proportions() {
        let d = xor(1000, 0.0, 1);
        let keep: Vec<usize> = (0..d.len())
            .filter(|&i| d.subset(&[i]).class_counts()[0] == 1 || i % 4 == 0)
            .collect();
        let d = d.subset(&keep);
        let counts = d.class_counts();
        let s = d.split(0.25, 0.25, 3).unwrap();
        for (part, fraction) in [(&s.train, 0.5), (&s.validation, 0.25), (&s.test, 0.25)] {
            for (c, &total) in counts.iter().enumerate() {
                let got = part.class_counts()[c] as f64;
                assert!((got - total as f64 * fraction).abs() <= 1.0, "class {c}");
            }
        }
    }

    #[test]
    fn regression_and_bad_fractions() {
        let d = plane(100, 0.0, 1);
        let s = d.split(0.1, 0.1, 1).unwrap();
        assert_eq!(
            (s.train.len(), s.validation.len(), s.test.len()),
            (80, 10, 10)
        );
        let err = d.split(0.6, 0.4, 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid split: validation 0.6 + test 0.4 leave nothing to train on"
        );
        assert!(d.split(-0.1, 0.0, 1).is_err());
    }

    #[test]
    fn folds_partition_the_samples_evenly_and_repeat_with_their_seed() {
        let folds = fold_indices(103, 5, 7).unwrap();
        let sizes: Vec<usize> = folds.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![20, 21, 20, 21, 21]);
        let mut all: Vec<usize> = folds.concat();
        all.sort_unstable();
        assert_eq!(all, (0..103).collect::<Vec<_>>(), "disjoint and covering");
        assert!(folds.iter().all(|f| f.windows(2).all(|w| w[0] < w[1])));
        assert_ne!(folds[0], (0..20).collect::<Vec<_>>(), "shuffled");
        assert_eq!(folds, fold_indices(103, 5, 7).unwrap());
        assert_ne!(folds, fold_indices(103, 5, 8).unwrap());
        assert!(fold_indices(10, 1, 7).is_err());
        assert!(fold_indices(3, 4, 7).is_err());
    }
}

//! Data loaded once per distinct data setting and shared by every trial on it,
//! with the test part held back: trials see the training and validation parts
//! only, and the test part is used once, for the winner. With K folds, fold `f`
//! trains on the other folds and validates on fold `f` (normalisation fitted on
//! the training folds alone, as a run fits it on its training part).

use std::collections::BTreeMap;
use std::sync::Arc;

use nn_data::{Dataset, Normalization};
use nn_run::{DataOptions, DataSpec, StateLine};
use nn_train::{TrainData, TrainError};

/// The data of a sweep's trials, loaded once per distinct data settings.
pub struct SharedData {
    target: Option<String>,
    folds: Option<usize>,
    fold_seed: u64,
    loaded: BTreeMap<String, Loaded>,
}

/// One data setting's parts.
pub struct Loaded {
    /// The spec it was loaded from.
    pub spec: DataSpec,
    /// The options it was loaded with.
    pub options: DataOptions,
    /// Training and validation parts, no test part: what trials train on.
    pub trials: Arc<TrainData>,
    /// Each fold's data (training folds, validation fold), when the sweep uses folds.
    pub folds: Vec<Arc<TrainData>>,
    /// Everything, test part included: for the winner's one test.
    pub full: Arc<TrainData>,
}

/// The key that tells data settings apart: the spec and every option.
fn key_of(spec: &DataSpec, options: &DataOptions) -> String {
    format!(
        "{}\u{0}{}",
        spec.name(),
        serde_json::to_string(options).unwrap_or_default()
    )
}

impl SharedData {
    /// Nothing loaded yet; CSV data read with `target` as its target column; each data setting will be cut into `folds` folds
    /// (shuffled with `fold_seed`) if given.
    pub fn new(target: Option<String>, folds: Option<usize>, fold_seed: u64) -> Self {
        Self {
            target,
            folds,
            fold_seed,
            loaded: BTreeMap::new(),
        }
    }

    /// The data of `line` (loaded on first use).
    ///
    /// # Errors
    /// The data cannot be loaded, or has too few samples for the folds.
    pub fn of(&mut self, line: &StateLine) -> Result<&Loaded, TrainError> {
        let spec = line.data_spec().map_err(|e| {
            TrainError::Setting(nn_train::SettingError::new(
                nn_train::Setting::Data,
                &line.data,
                e.problem,
            ))
        })?;
        let options = self.options_of(line);
        let key = key_of(&spec, &options);
        if !self.loaded.contains_key(&key) {
            let full = nn_run::load_data(&spec, &options)?;
            self.insert(spec, options, full)?;
        }
        Ok(&self.loaded[&key])
    }

    /// The data options of `line` in this sweep: the line's, with the target column
    /// of a sweep made before lines held it (`sweep.json`'s `target`).
    pub fn options_of(&self, line: &StateLine) -> DataOptions {
        let options = line.data_options();
        DataOptions {
            target: self.target.clone().or(options.target.clone()),
            ..options
        }
    }

    /// Data the caller loaded already (`spec` with `options`): trials on it use it.
    ///
    /// # Errors
    /// Too few samples for the folds.
    pub fn insert(
        &mut self,
        spec: DataSpec,
        options: DataOptions,
        full: TrainData,
    ) -> Result<(), TrainError> {
        let key = key_of(&spec, &options);
        let trials = TrainData {
            test: None,
            ..full.clone()
        };
        let folds = match self.folds {
            Some(k) => k_folds(&trials, k, self.fold_seed)?,
            None => Vec::new(),
        };
        self.loaded.insert(
            key,
            Loaded {
                spec,
                options,
                trials: Arc::new(trials),
                folds: folds.into_iter().map(Arc::new).collect(),
                full: Arc::new(full),
            },
        );
        Ok(())
    }

    /// Data settings loaded so far.
    pub fn len(&self) -> usize {
        self.loaded.len()
    }

    /// Whether nothing is loaded yet.
    pub fn is_empty(&self) -> bool {
        self.loaded.is_empty()
    }
}

/// `k` folds of `data`'s training part ([`nn_data::fold_indices`]: its samples
/// shuffled with `seed` and dealt into `k` parts of sizes differing by at most one);
/// fold `f` validates on part `f`.
///
/// # Errors
/// Fewer than two folds, or fewer samples than folds.
pub fn k_folds(data: &TrainData, k: usize, seed: u64) -> Result<Vec<TrainData>, TrainError> {
    let n = data.train.len();
    if k < 2 || k > n {
        return Err(TrainError::Setting(nn_train::SettingError::new(
            nn_train::Setting::ValidationFraction,
            k.to_string(),
            format!("expected from 2 to {n} folds (one sample at least in each)"),
        )));
    }
    Ok(nn_data::fold_indices(n, k, seed)?
        .into_iter()
        .map(|val_idx| {
            let mut held = vec![false; n];
            for &i in &val_idx {
                held[i] = true;
            }
            let train_idx: Vec<usize> = (0..n).filter(|&i| !held[i]).collect();
            let train: Dataset = data.train.subset(&train_idx);
            let validation = data.train.subset(&val_idx);
            let normalization = Normalization::fit(data.normalization.kind, &train);
            TrainData {
                train,
                validation: Some(validation),
                test: None,
                normalization,
                features: data.features.clone(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_cover_the_training_part_once_and_repeat_with_their_seed() {
        let line = StateLine::new("xor");
        let data = nn_run::load_data(
            &line.data_spec().unwrap(),
            &DataOptions {
                validation_fraction: 0.0,
                ..line.data_options()
            },
        )
        .unwrap();
        let folds = k_folds(&data, 5, 3).unwrap();
        let n = data.train.len();
        let held: usize = folds
            .iter()
            .map(|f| f.validation.as_ref().unwrap().len())
            .sum();
        assert_eq!(held, n);
        for f in &folds {
            assert_eq!(f.train.len() + f.validation.as_ref().unwrap().len(), n);
        }
        // The folds are nn-data's, which `cargo xtask bench-sweep` hands to scikit-learn.
        for (fold, rows) in folds.iter().zip(nn_data::fold_indices(n, 5, 3).unwrap()) {
            assert_eq!(fold.validation, Some(data.train.subset(&rows)));
        }
        let again = k_folds(&data, 5, 3).unwrap();
        assert_eq!(folds[2].validation, again[2].validation);
        let other = k_folds(&data, 5, 4).unwrap();
        assert_ne!(folds[2].validation, other[2].validation);
        assert!(k_folds(&data, 1, 3).is_err());
    }

    /// `cargo xtask bench-sweep` gives scikit-learn the folds of a training file as a
    /// sweep cuts them: the file's samples in the order of a split with no test and no
    /// validation part, dealt by `fold_indices`.
    #[test]
    fn a_file_without_a_test_part_is_ordered_as_its_split_says() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/spiral.csv");
        let options = DataOptions {
            test_fraction: 0.0,
            validation_fraction: 0.0,
            seed: 42,
            ..DataOptions::default()
        };
        let data = nn_run::load_data(&DataSpec::Csv(path.clone()), &options).unwrap();
        let all = nn_data::load_csv(&path, &nn_data::CsvOptions::default()).unwrap();
        let order = all.split_indices(0.0, 0.0, 42).unwrap().train;
        assert_eq!(data.train, all.subset(&order));
    }
}

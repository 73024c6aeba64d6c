//! A trained network ready for use: its weights with the input features,
//! normalisation and names stored beside them, loaded from or saved to a model
//! file, and evaluated or run on new data exactly as it was trained: raw
//! columns, then the features (if any), then the normalisation, then the network.

use std::path::Path;

use nn_core::{Activation, InputTransform, ModelAssumptions, ModelInfo, Network, Workspace};
use nn_data::{Dataset, Feature, Features, Normalization, NormalizationKind, RAW_COLUMNS, Task};

use crate::config::misfit;
use crate::error::TrainError;
use crate::metrics::{Metrics, predicted_class};
use crate::shards::ShardEngine;
use crate::trainer::TrainData;

/// A network and everything needed to feed it raw inputs.
#[derive(Debug, Clone)]
pub struct Model {
    /// The weights and architecture.
    pub network: Network,
    /// Names and data source, as stored in the file.
    pub info: ModelInfo,
    /// The input normalisation the network was trained behind.
    pub normalization: Normalization,
    /// The input features computed from the raw columns before the normalisation, if any.
    pub features: Option<Features>,
}

impl Model {
    /// Loads a model file and its normalisation.
    pub fn load(path: &Path) -> Result<Self, TrainError> {
        let (network, info) = nn_core::load_model(path)?;
        let inputs = network.architecture().inputs();
        let bad = |problem| TrainError::Model {
            path: path.to_path_buf(),
            problem,
        };
        let features = features_of(&info, inputs).map_err(bad)?;
        let normalization = normalization_of(&info, inputs).map_err(bad)?;
        Ok(Self {
            network,
            info,
            normalization,
            features,
        })
    }

    /// Loads a safetensors file without nn-tui metadata (a plain PyTorch state
    /// dict of linear layers) as the network `assumptions` describe: raw inputs
    /// (no normalisation, no features), no class or feature names.
    pub fn load_assuming(path: &Path, assumptions: &ModelAssumptions) -> Result<Self, TrainError> {
        let (network, info) = nn_core::load_model_without_metadata(path, assumptions)?;
        let inputs = network.architecture().inputs();
        Ok(Self {
            network,
            info,
            normalization: Normalization::identity(inputs),
            features: None,
        })
    }

    /// The raw columns a row of input holds: the model's `feature_names` (for a
    /// model with input features, `x1` and maybe `x2`).
    pub fn raw_columns(&self) -> usize {
        match &self.features {
            Some(f) => self.info.feature_names.len().max(f.raw_columns()),
            None => self.network.architecture().inputs(),
        }
    }

    /// Why this model cannot be evaluated on `data`, if it cannot: the widths, the
    /// classes or targets, and a classifier's names against a regression's.
    pub fn misfit(&self, data: &Dataset) -> Option<String> {
        let arch = self.network.architecture();
        let inputs = match &self.features {
            Some(f) => {
                if let Some(problem) = f.misfit(data.feature_names()) {
                    return Some(format!("the model's input features {f}: {problem}"));
                }
                f.len()
            }
            None => data.dim(),
        };
        if let Some(problem) = misfit(arch, inputs, data.task()) {
            return Some(problem);
        }
        let classifier = !self.info.class_names.is_empty();
        match data.task() {
            Task::Regression { .. } if classifier => {
                Some("the model is a classifier, the data a regression".into())
            }
            _ => None,
        }
    }

    /// Loss and metrics over `data` (raw columns; features computed and inputs
    /// normalised as in training), on `threads` workers (0: one per core).
    pub fn evaluate(&self, data: &Dataset, threads: usize) -> Result<Metrics, TrainError> {
        if let Some(problem) = self.misfit(data) {
            return Err(TrainError::Mismatch(problem));
        }
        let featured;
        let data = match &self.features {
            Some(f) => {
                featured = f.apply(data)?;
                &featured
            }
            None => data,
        };
        let mut engine = ShardEngine::new(threads).map_err(|e| TrainError::Threads {
            threads,
            message: e.to_string(),
        })?;
        let pool = engine.pool();
        Ok(pool.install(|| engine.evaluate(&self.network, data, &self.normalization))?)
    }

    /// Runs rows of raw columns (`[n, raw_columns]`) through the features, the
    /// normalisation and the network; returns its outputs `[n, outputs]`.
    pub fn predict<'w>(
        &self,
        rows: &[f32],
        workspace: &'w mut Workspace,
    ) -> Result<&'w [f32], TrainError> {
        Ok(self
            .network
            .forward(&self.network_inputs(rows), workspace)?)
    }

    /// [`Model::predict`] without allocating once `scratch` has seen a batch this
    /// large: the network's inputs and every layer's outputs live in `scratch`, which
    /// the caller keeps from call to call. The outputs are `[n, outputs]`.
    ///
    /// # Errors
    /// Rows that are not a whole number of [`Model::raw_columns`] values, or none.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("model.safetensors");
    /// # let arch = nn_core::Architecture::new(vec![2, 4, 3], nn_core::Activation::Relu,
    /// #     nn_core::Activation::Softmax, nn_core::Loss::CrossEntropy)?;
    /// # let network = nn_core::Network::new(arch, 7)?;
    /// # nn_core::save_model(&path, &network, &nn_core::ModelInfo::default())?;
    /// let model = nn_train::Model::load(&path)?;
    /// let mut scratch = nn_train::PredictScratch::default();
    /// let outputs = model.predict_with(&[0.5, -1.0], &mut scratch)?; // one row of 2 columns
    /// let (class, probability) = model.classify(outputs);
    /// assert!(class < 3 && probability > 0.0);
    /// # Ok(()) }
    /// ```
    pub fn predict_with<'s>(
        &self,
        rows: &[f32],
        scratch: &'s mut PredictScratch,
    ) -> Result<&'s [f32], TrainError> {
        let raw = self.raw_columns();
        if rows.is_empty() || !rows.len().is_multiple_of(raw) {
            return Err(nn_core::CoreError::InputWidth {
                expected: raw,
                got: rows.len(),
            }
            .into());
        }
        let PredictScratch { inputs, workspace } = scratch;
        self.network_inputs_into(rows, inputs);
        Ok(self.network.forward(inputs, workspace)?)
    }

    /// Rows of raw columns (`[n, raw_columns]`) as the network takes them: the
    /// features computed, then normalised as in training.
    pub fn network_inputs(&self, rows: &[f32]) -> Vec<f32> {
        let mut values = Vec::new();
        self.network_inputs_into(rows, &mut values);
        values
    }

    /// [`Model::network_inputs`] into `values`, reusing its memory.
    fn network_inputs_into(&self, rows: &[f32], values: &mut Vec<f32>) {
        let inputs = self.network.architecture().inputs();
        values.clear();
        match &self.features {
            Some(f) => {
                let raw = self.raw_columns().max(1);
                values.resize(rows.len() / raw * f.len(), 0.0);
                for (row, out) in rows.chunks_exact(raw).zip(values.chunks_exact_mut(f.len())) {
                    f.expand_row(row, out);
                }
            }
            None => values.extend_from_slice(rows),
        }
        for row in values.chunks_exact_mut(inputs) {
            self.normalization.apply_row(row);
        }
    }

    /// The class of one output row and its probability (for a single sigmoid
    /// output, the probability of the class it picks).
    pub fn classify(&self, outputs: &[f32]) -> (usize, f32) {
        let class = predicted_class(outputs);
        let single_sigmoid =
            outputs.len() == 1 && self.network.architecture().output == Activation::Sigmoid;
        let probability = match (single_sigmoid, class) {
            (true, 1) => outputs[0],
            (true, _) => 1.0 - outputs[0],
            (false, _) => outputs[class],
        };
        (class, probability)
    }
}

/// What [`Model::predict_with`] computes in, kept by the caller between calls so that
/// predicting allocates nothing once it has seen its largest batch.
#[derive(Debug, Default, Clone)]
pub struct PredictScratch {
    /// The network's inputs: features computed, normalised.
    inputs: Vec<f32>,
    /// Every layer's outputs.
    workspace: Workspace,
}

/// What a model file stores besides the weights for a run on `data`: input
/// features, normalisation, class and raw column names, data source.
pub fn model_info(data: &TrainData) -> ModelInfo {
    let train = &data.train;
    let n = &data.normalization;
    let (feature_names, input_features) = match &data.features {
        Some(f) => (
            RAW_COLUMNS[..f.raw_columns()]
                .iter()
                .map(ToString::to_string)
                .collect(),
            f.names(),
        ),
        None => (train.feature_names().to_vec(), Vec::new()),
    };
    ModelInfo {
        normalization: Some(InputTransform {
            kind: n.kind.name().to_string(),
            shift: n.shift.clone(),
            scale: n.scale.clone(),
        }),
        class_names: train.class_names().to_vec(),
        feature_names,
        input_features,
        dataset: Some(train.name().to_string()),
    }
}

/// The input features a model file stores (`None` if it stores none), checked
/// against the network's `inputs` and the raw columns it names.
pub fn features_of(info: &ModelInfo, inputs: usize) -> Result<Option<Features>, String> {
    if info.input_features.is_empty() {
        return Ok(None);
    }
    let listed = info
        .input_features
        .iter()
        .map(|name| {
            Feature::from_name(name).ok_or_else(|| {
                format!(
                    "input feature {name:?}: expected one of {}",
                    Feature::ALL.map(Feature::name).join(", ")
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let features = Features::new(listed.iter().copied()).unwrap_or_else(|| Features::raw(1));
    if features.as_slice() != listed.as_slice() {
        return Err(format!(
            "input features {}: expected each once, in the order {}",
            info.input_features.join(","),
            Feature::ALL.map(Feature::name).join(", ")
        ));
    }
    if features.len() != inputs {
        return Err(format!(
            "{} input features, but the network takes {inputs} inputs",
            features.len()
        ));
    }
    if let Some(problem) = features.misfit(&info.feature_names) {
        return Err(format!("input features {features}: raw columns {problem}"));
    }
    Ok(Some(features))
}

/// The normalisation a model file stores (the identity if it stores none), checked
/// against the network's `inputs`; the error says what is wrong with it.
pub fn normalization_of(info: &ModelInfo, inputs: usize) -> Result<Normalization, String> {
    let Some(t) = &info.normalization else {
        return Ok(Normalization::identity(inputs));
    };
    let kind = NormalizationKind::from_name(&t.kind).ok_or_else(|| {
        format!(
            "normalization kind {:?}: expected one of {}",
            t.kind,
            NormalizationKind::ALL
                .map(NormalizationKind::name)
                .join(", ")
        )
    })?;
    if t.shift.len() != inputs || t.scale.len() != inputs {
        return Err(format!(
            "the stored normalisation covers {} features, the network takes {inputs}",
            t.shift.len()
        ));
    }
    if let Some(bad) = t.shift.iter().chain(&t.scale).find(|v| !v.is_finite()) {
        return Err(format!("the stored normalisation holds {bad}"));
    }
    Ok(Normalization {
        kind,
        shift: t.shift.clone(),
        scale: t.scale.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_round_trips_through_the_model_info() {
        for kind in NormalizationKind::ALL {
            let n = Normalization {
                kind,
                shift: vec![0.5, -1.0],
                scale: vec![2.0, 0.25],
            };
            let info = ModelInfo {
                normalization: Some(InputTransform {
                    kind: kind.name().into(),
                    shift: n.shift.clone(),
                    scale: n.scale.clone(),
                }),
                ..ModelInfo::default()
            };
            assert_eq!(normalization_of(&info, 2), Ok(n));
        }
    }

    #[test]
    fn bad_stored_features_are_errors() {
        let info = |features: &[&str], columns: &[&str]| ModelInfo {
            input_features: features.iter().map(ToString::to_string).collect(),
            feature_names: columns.iter().map(ToString::to_string).collect(),
            ..ModelInfo::default()
        };
        assert_eq!(features_of(&info(&[], &["a"]), 1), Ok(None));
        let ok = features_of(&info(&["x1", "sinx1"], &["x1"]), 2).unwrap();
        assert_eq!(ok.unwrap().to_string(), "x1,sinx1");
        let err = features_of(&info(&["x1", "x3"], &["x1", "x2"]), 2).unwrap_err();
        assert!(
            err.starts_with("input feature \"x3\": expected one of x1, x2"),
            "{err}"
        );
        let err = features_of(&info(&["x2", "x1"], &["x1", "x2"]), 2).unwrap_err();
        assert!(err.contains("expected each once, in the order"), "{err}");
        let err = features_of(&info(&["x1", "x2"], &["x1", "x2"]), 3).unwrap_err();
        assert_eq!(err, "2 input features, but the network takes 3 inputs");
        let err = features_of(&info(&["x1", "x2"], &["a", "b"]), 2).unwrap_err();
        assert!(
            err.contains("expected data with the columns x1, x2"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_stored_normalisation_is_an_error() {
        let info = |kind: &str, shift: Vec<f32>| ModelInfo {
            normalization: Some(InputTransform {
                kind: kind.into(),
                shift,
                scale: vec![1.0, 1.0],
            }),
            ..ModelInfo::default()
        };
        let err = normalization_of(&info("zscore", vec![0.0, 0.0]), 2).unwrap_err();
        assert!(
            err.starts_with("normalization kind \"zscore\": expected one of none, standardize")
        );
        let err = normalization_of(&info("none", vec![0.0]), 2).unwrap_err();
        assert!(
            err.contains("covers 1 features, the network takes 2"),
            "{err}"
        );
        assert_eq!(
            normalization_of(&ModelInfo::default(), 3),
            Ok(Normalization::identity(3))
        );
    }
}

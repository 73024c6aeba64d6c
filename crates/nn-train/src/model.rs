//! A trained network ready for use: its weights with the input normalisation
//! and names stored beside them, loaded from or saved to a model file, and
//! evaluated or run on new data exactly as it was trained.

use std::path::Path;

use nn_core::{Activation, InputTransform, ModelInfo, Network, Workspace};
use nn_data::{Dataset, Normalization, NormalizationKind, Task};

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
}

impl Model {
    /// Loads a model file and its normalisation.
    pub fn load(path: &Path) -> Result<Self, TrainError> {
        let (network, info) = nn_core::load_model(path)?;
        let normalization =
            normalization_of(&info, network.architecture().inputs()).map_err(|problem| {
                TrainError::Model {
                    path: path.to_path_buf(),
                    problem,
                }
            })?;
        Ok(Self {
            network,
            info,
            normalization,
        })
    }

    /// Why this model cannot be evaluated on `data`, if it cannot: the widths, the
    /// classes or targets, and a classifier's names against a regression's.
    pub fn misfit(&self, data: &Dataset) -> Option<String> {
        let arch = self.network.architecture();
        if let Some(problem) = misfit(arch, data.dim(), data.task()) {
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

    /// Loss and metrics over `data` (raw inputs, normalised as in training), on
    /// `threads` workers (0: one per core).
    pub fn evaluate(&self, data: &Dataset, threads: usize) -> Result<Metrics, TrainError> {
        if let Some(problem) = self.misfit(data) {
            return Err(TrainError::Mismatch(problem));
        }
        let mut engine = ShardEngine::new(threads).map_err(|e| TrainError::Threads {
            threads,
            message: e.to_string(),
        })?;
        let pool = engine.pool();
        Ok(pool.install(|| engine.evaluate(&self.network, data, &self.normalization))?)
    }

    /// Runs rows of raw inputs (`[n, inputs]`, normalised here in place) through
    /// the network; returns its outputs `[n, outputs]`.
    pub fn predict<'w>(
        &self,
        rows: &mut [f32],
        workspace: &'w mut Workspace,
    ) -> Result<&'w [f32], TrainError> {
        let inputs = self.network.architecture().inputs();
        for row in rows.chunks_exact_mut(inputs) {
            self.normalization.apply_row(row);
        }
        Ok(self.network.forward(rows, workspace)?)
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

/// What a model file stores besides the weights for a run on `data`:
/// normalisation, class and feature names, data source.
pub fn model_info(data: &TrainData) -> ModelInfo {
    let train = &data.train;
    let n = &data.normalization;
    ModelInfo {
        normalization: Some(InputTransform {
            kind: n.kind.name().to_string(),
            shift: n.shift.clone(),
            scale: n.scale.clone(),
        }),
        class_names: train.class_names().to_vec(),
        feature_names: train.feature_names().to_vec(),
        dataset: Some(train.name().to_string()),
    }
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

//! The seed's view of training samples: one sample's [`Breakdown`] and a
//! mini-batch's mean change, the samples gathered exactly as the trainer gathers
//! them (same normalisation, same targets), so what they show is what
//! [`crate::Trainer::step_on`] applies.

use nn_core::{BatchChanges, Breakdown, Network, Targets};
use nn_data::Task;

use crate::error::TrainError;
use crate::trainer::{TrainData, check_samples};

/// Training sample `index` through `network`, neuron by neuron, with weight
/// changes at learning rate `r`.
pub fn sample_breakdown(
    network: &Network,
    data: &TrainData,
    index: usize,
    r: f32,
) -> Result<Breakdown, TrainError> {
    let batch = Gathered::new(data, &[index])?;
    Ok(Breakdown::new(network, &batch.inputs, &batch.targets(), r)?)
}

/// The mean weight change of a plain gradient-descent step on the training
/// samples `indices` at learning rate `r`.
pub fn batch_changes(
    network: &Network,
    data: &TrainData,
    indices: &[usize],
    r: f32,
) -> Result<BatchChanges, TrainError> {
    let batch = Gathered::new(data, indices)?;
    Ok(BatchChanges::new(
        network,
        &batch.inputs,
        &batch.targets(),
        r,
    )?)
}

/// Samples gathered as the trainer's shards gather them.
struct Gathered {
    inputs: Vec<f32>,
    classes: Option<Vec<u32>>,
    values: Vec<f32>,
}

impl Gathered {
    fn new(data: &TrainData, indices: &[usize]) -> Result<Self, TrainError> {
        let train = &data.train;
        check_samples(train, indices)?;
        let mut inputs = vec![0.0; indices.len() * train.dim()];
        train.write_batch_inputs(indices, &data.normalization, &mut inputs);
        Ok(match train.task() {
            Task::Classification { .. } => {
                let mut classes = vec![0; indices.len()];
                train.write_batch_classes(indices, &mut classes);
                Self {
                    inputs,
                    classes: Some(classes),
                    values: Vec::new(),
                }
            }
            Task::Regression { outputs } => {
                let mut values = vec![0.0; indices.len() * outputs];
                train.write_batch_values(indices, &mut values);
                Self {
                    inputs,
                    classes: None,
                    values,
                }
            }
        })
    }

    fn targets(&self) -> Targets<'_> {
        match &self.classes {
            Some(classes) => Targets::Classes(classes),
            None => Targets::Values(&self.values),
        }
    }
}

//! What the inspector shows, worked out from a weight snapshot: one training
//! sample's pass through the network neuron by neuron (nn-core's `Breakdown`,
//! gathered as the trainer gathers it), the mean change of a mini-batch of `B`
//! samples starting with it, and what could make the applied step differ.

use nn_train::{OptimizerKind, Schedule, TrainConfig, TrainData, TrainError};
use std::sync::Arc;

use nn_core::{BatchChanges, Breakdown, Network};
use nn_data::Targets;

use crate::settings::Settings;

/// The inspector's numbers for one sample and one snapshot of the weights.
#[derive(Debug, Clone)]
pub struct InspectorView {
    /// The weights these numbers are for.
    pub network: Arc<Network>,
    /// The training sample, by its index.
    pub sample: usize,
    /// The sample's pass, neuron by neuron.
    pub breakdown: Breakdown,
    /// The mean change of a plain step on the sample and the `B - 1` after it, when `B > 1`.
    pub batch: Option<BatchChanges>,
    /// The sample in words: `sample 17 of 240, class 1`.
    pub label: String,
    /// The sample's class (classification), which colours its line.
    pub class: Option<usize>,
    /// Why the applied step may differ from `Δw` (optimizer, penalties, clipping, schedule).
    pub note: Option<String>,
}

impl InspectorView {
    /// The view of training sample `sample` through `network`, at the learning
    /// rate and batch size in force (`settings`), for a run started as `config`.
    pub fn compute(
        network: Arc<Network>,
        data: &TrainData,
        sample: usize,
        settings: &Settings,
        config: &TrainConfig,
    ) -> Result<Self, TrainError> {
        let (r, batch) = (settings.learning_rate(), settings.batch_size());
        let breakdown = nn_train::sample_breakdown(&network, data, sample, r)?;
        let n = data.train.len();
        let batch = if batch > 1 && n > 1 {
            let indices: Vec<usize> = (0..batch.min(n)).map(|k| (sample + k) % n).collect();
            Some(nn_train::batch_changes(&network, data, &indices, r)?)
        } else {
            None
        };
        Ok(Self {
            label: label(data, sample),
            class: match data.train.targets() {
                Targets::Classes(classes) => classes.get(sample).map(|&c| c as usize),
                Targets::Values(_) => None,
            },
            note: note(settings, config),
            network,
            sample,
            breakdown,
            batch,
        })
    }

    /// Whether this view is of these weights and sample, at the settings' rate,
    /// batch size and penalties.
    pub fn shows(
        &self,
        network: &Arc<Network>,
        sample: usize,
        settings: &Settings,
        config: &TrainConfig,
    ) -> bool {
        let b = self.batch.as_ref().map_or(1, BatchChanges::samples);
        Arc::ptr_eq(&self.network, network)
            && self.sample == sample
            && self.breakdown.learning_rate == settings.learning_rate()
            && (b == settings.batch_size() || (b == 1 && settings.batch_size() <= 1))
            && self.note == note(settings, config)
    }
}

/// `sample 17 of 240, class 1` (or the target of a regression).
fn label(data: &TrainData, sample: usize) -> String {
    let train = &data.train;
    let head = format!("sample {} of {}", sample + 1, train.len());
    match train.targets() {
        Targets::Classes(classes) => {
            let class = classes.get(sample).copied().unwrap_or(0) as usize;
            match train.class_names().get(class) {
                Some(name) => format!("{head}, class {name}"),
                None => format!("{head}, class {class}"),
            }
        }
        Targets::Values(values) => {
            let width = train.task().outputs().max(1);
            let row = values
                .get(sample * width..(sample + 1) * width)
                .unwrap_or(&[]);
            let shown: Vec<String> = row
                .iter()
                .map(|&v| nn_formula::format_number(v.into(), 4))
                .collect();
            format!("{head}, target {}", shown.join(", "))
        }
    }
}

/// What makes the applied step differ from the shown `Δw`, if anything.
fn note(settings: &Settings, config: &TrainConfig) -> Option<String> {
    let mut notes = Vec::new();
    if config.optimizer != OptimizerKind::Sgd {
        notes.push(format!(
            "the optimizer is {}: its step is not r·o_in·δ (plain SGD's)",
            config.optimizer.name()
        ));
    }
    if settings.l1() > 0.0 || settings.l2() > 0.0 {
        notes.push(format!(
            "regularisation {} adds its own term to each step",
            settings.regularization()
        ));
    }
    if config.clip_norm.is_some() {
        notes.push("clipping may scale the step down".to_string());
    }
    if config.schedule != Schedule::Constant {
        notes.push("a schedule scales r by epoch".to_string());
    }
    (!notes.is_empty()).then(|| notes.join("; "))
}

#[cfg(test)]
mod tests {
    use nn_core::{Activation, Architecture, Loss};

    use super::*;

    #[test]
    fn the_note_says_what_makes_the_step_differ_from_the_change_shown() {
        let arch = Architecture::new(
            vec![2, 3, 2],
            Activation::Tanh,
            Activation::Softmax,
            Loss::CrossEntropy,
        )
        .unwrap();
        let sgd = TrainConfig {
            optimizer: OptimizerKind::Sgd,
            ..TrainConfig::new(arch)
        };
        let mut settings = crate::app::tests::settings();
        assert_eq!(note(&settings, &sgd), None, "plain SGD applies Δw itself");
        let adam = TrainConfig {
            optimizer: OptimizerKind::ADAM,
            clip_norm: Some(1.0),
            ..sgd.clone()
        };
        settings.run.l2 = Some(0.01);
        let said = note(&settings, &adam).unwrap();
        for part in [
            "the optimizer is adam",
            "regularisation L2 0.01",
            "clipping",
        ] {
            assert!(said.contains(part), "{said}");
        }
    }
}

//! Saturation and stalls, caught like divergence: a run that has stopped
//! learning because its units sit where their gradient vanishes says so, once.
//!
//! At the end of every epoch, a run is **stalled** when all three hold:
//! - *not moving*: the epoch's training loss is within [`STALL_CHANGE`] (1%) of
//!   the previous epoch's;
//! - *learning nothing*: a classifier's training accuracy is at most
//!   [`CHANCE_MARGIN`] (2 points) above always answering the most common class,
//!   a regression's R² is below 0.01;
//! - *saturated or dead*: in some layer, at least [`SATURATED_SHARE`] (half) of
//!   the units are saturated or dead for the last mini-batch (every sample of it
//!   but [`SAMPLE_SLACK`]): a sigmoid unit is saturated when its output is within
//!   0.01 of 0 or 1 (its slope `o(1 - o)` under 0.0099, a 25th of its peak), a
//!   tanh unit within 0.01 of -1 or 1 (slope `1 - o^2` under 0.02); a ReLU unit is
//!   dead when its output is exactly 0 for every sample.
//!
//! A healthy run never meets the second condition for long, so converged runs
//! (loss flat, confident saturated units) are not reported.

use std::fmt;

use nn_core::{Activation, Network};
use nn_data::{Dataset, Task};
use serde::{Deserialize, Serialize};

use crate::metrics::Metrics;

/// Relative change of the epoch loss under which training counts as not moving.
pub const STALL_CHANGE: f64 = 0.01;
/// Accuracy above the most common class's share still counted as chance.
pub const CHANCE_MARGIN: f64 = 0.02;
/// Share of a layer's units that must be saturated or dead.
pub const SATURATED_SHARE: f64 = 0.5;
/// Share of the probe samples a unit may spend outside the flat ends and still count.
pub const SAMPLE_SLACK: f64 = 0.05;
/// A sigmoid or tanh output this close to its bounds is in the flat end.
const FLAT_END: f32 = 0.01;

/// Why a layer's units no longer learn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnitTrouble {
    /// Sigmoid or tanh outputs pinned at their bounds: the slope, and with it every δ, vanishes.
    Saturated,
    /// ReLU units whose output is zero for every sample: no gradient reaches them.
    Dead,
}

/// A stalled run: where it stalled and which units are stuck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stall {
    /// The epoch (1-based) whose end found it.
    pub epoch: usize,
    /// The epoch's training loss.
    #[serde(with = "crate::json_float")]
    pub loss: f64,
    /// The epoch's training accuracy (classification).
    #[serde(default, with = "crate::json_float::option")]
    pub accuracy: Option<f64>,
    /// The weight layer (0-based; the last is the output layer).
    pub layer: usize,
    /// Whether `layer` is the output layer.
    pub output_layer: bool,
    /// Its activation.
    pub activation: Activation,
    /// Saturated or dead.
    pub trouble: UnitTrouble,
    /// The stuck units' indices in the layer.
    pub units: Vec<usize>,
    /// Units in the layer.
    pub width: usize,
}

impl Stall {
    /// The share of the layer's units that are stuck.
    pub fn share(&self) -> f64 {
        self.units.len() as f64 / self.width.max(1) as f64
    }

    /// `hidden layer 2` or `the output layer`.
    pub fn layer_name(&self) -> String {
        if self.output_layer {
            "the output layer".to_string()
        } else {
            format!("hidden layer {}", self.layer + 1)
        }
    }

    /// `saturated` or `dead`.
    pub fn trouble_word(&self) -> &'static str {
        match self.trouble {
            UnitTrouble::Saturated => "saturated",
            UnitTrouble::Dead => "dead",
        }
    }
}

/// `training has stalled at epoch 2: ...`: what happened, without advice (front ends
/// add theirs in their own words: flags, keys).
impl fmt::Display for Stall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let layer = self.layer_name();
        let how = match (self.trouble, self.activation) {
            (UnitTrouble::Dead, _) => "dead (always 0, so no gradient reaches them)",
            (UnitTrouble::Saturated, Activation::Tanh) => {
                "saturated (outputs within 0.01 of -1 or 1, where the slope 1 - o^2 vanishes)"
            }
            (UnitTrouble::Saturated, _) => {
                "saturated (outputs within 0.01 of 0 or 1, where the slope o(1 - o) vanishes)"
            }
        };
        write!(
            f,
            "training has stalled at epoch {}: the loss {:.4} moved less than 1% in an epoch",
            self.epoch, self.loss
        )?;
        if let Some(a) = self.accuracy {
            write!(f, " and accuracy {:.1}% is at chance", a * 100.0)?;
        }
        write!(
            f,
            "; {:.0}% of {layer}'s {} {} units are {how}",
            self.share() * 100.0,
            self.width,
            self.activation
        )
    }
}

/// Watches a run's epochs; reports a stall once (until the weights are reset).
#[derive(Debug, Clone)]
pub(crate) struct HealthMonitor {
    /// Accuracy of always answering the most common training class.
    majority: Option<f64>,
    reported: bool,
}

impl HealthMonitor {
    pub(crate) fn new(train: &Dataset) -> Self {
        let majority = match train.task() {
            Task::Classification { .. } => {
                let counts = train.class_counts();
                let most = counts.iter().copied().max().unwrap_or(0);
                Some(most as f64 / train.len().max(1) as f64)
            }
            Task::Regression { .. } => None,
        };
        Self {
            majority,
            reported: false,
        }
    }

    /// Forget a report, e.g. after new weights.
    pub(crate) fn reset(&mut self) {
        self.reported = false;
    }

    /// Checks one epoch's end. `previous_loss` is the epoch before's training loss,
    /// `outputs(l)` the last mini-batch's outputs of weight layer `l` (`[n, width]`).
    pub(crate) fn check<'a>(
        &mut self,
        epoch: usize,
        train: &Metrics,
        previous_loss: Option<f64>,
        network: &Network,
        outputs: impl Fn(usize) -> &'a [f32],
    ) -> Option<Stall> {
        if self.reported {
            return None;
        }
        let previous = previous_loss?;
        let moving = (train.loss - previous).abs() > STALL_CHANGE * previous.abs().max(1e-12);
        let at_chance = match (self.majority, train.accuracy()) {
            (Some(majority), Some(accuracy)) => accuracy <= majority + CHANCE_MARGIN,
            _ => train.r2.is_none_or(|r2| r2 < 0.01),
        };
        if moving || !at_chance || !train.loss.is_finite() {
            return None;
        }
        let arch = network.architecture();
        let layers = network.layers();
        let stall = (0..layers.len()).find_map(|l| {
            let width = layers[l].outputs;
            let activation = arch.activation(l);
            let (trouble, units) = stuck_units(activation, outputs(l), width)?;
            (units.len() as f64 >= SATURATED_SHARE * width as f64).then(|| Stall {
                epoch,
                loss: train.loss,
                accuracy: train.accuracy(),
                layer: l,
                output_layer: l + 1 == layers.len(),
                activation,
                trouble,
                units,
                width,
            })
        })?;
        self.reported = true;
        Some(stall)
    }
}

/// The units of one layer stuck in the flat ends (sigmoid, tanh) or dead (ReLU),
/// judged on the outputs of a batch `[n, width]`; `None` for activations that cannot stick.
fn stuck_units(
    activation: Activation,
    outputs: &[f32],
    width: usize,
) -> Option<(UnitTrouble, Vec<usize>)> {
    let samples = outputs.len() / width.max(1);
    if samples == 0 {
        return None;
    }
    let flat: fn(f32) -> bool = match activation {
        Activation::Sigmoid => |o| !(FLAT_END..=1.0 - FLAT_END).contains(&o),
        Activation::Tanh => |o| o.abs() >= 1.0 - FLAT_END,
        Activation::Relu => |o| o == 0.0,
        Activation::Linear | Activation::Softmax => return None,
    };
    let trouble = if activation == Activation::Relu {
        UnitTrouble::Dead
    } else {
        UnitTrouble::Saturated
    };
    // Dead means every sample; saturated allows a little slack.
    let needed = if trouble == UnitTrouble::Dead {
        samples
    } else {
        samples - (SAMPLE_SLACK * samples as f64).floor() as usize
    };
    let units = (0..width)
        .filter(|&j| {
            outputs
                .chunks_exact(width)
                .filter(|row| flat(row[j]))
                .count()
                >= needed
        })
        .collect();
    Some((trouble, units))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::ConfusionMatrix;
    use nn_core::{Architecture, Loss};

    /// Classification metrics with `correct` of 100 samples right (2 classes).
    fn metrics(loss: f64, correct: usize) -> Metrics {
        let mut confusion = ConfusionMatrix::new(2);
        for i in 0..100 {
            confusion.record(i % 2, if i < correct { i % 2 } else { 1 - i % 2 });
        }
        Metrics {
            loss,
            samples: 100,
            confusion: Some(confusion),
            mse: None,
            r2: None,
        }
    }

    #[test]
    fn a_stall_needs_all_three_conditions_and_is_reported_once() {
        let data = nn_data::xor(200, 0.0, 1);
        let arch = Architecture::new(
            vec![2, 4, 2],
            Activation::Sigmoid,
            Activation::Softmax,
            Loss::CrossEntropy,
        )
        .unwrap();
        let network = Network::new(arch, 1).unwrap();
        // Two samples: four saturated hidden units, then two softmax outputs.
        let hidden = [0.999f32, 0.001, 0.998, 0.0005, 0.995, 0.002, 0.999, 0.009];
        let output = [0.3f32, 0.7, 0.6, 0.4];
        let hidden_saturated = |l: usize| if l == 0 { &hidden[..] } else { &output[..] };
        let mut monitor = HealthMonitor::new(&data);
        // Moving loss, or learning: nothing.
        assert!(
            monitor
                .check(
                    2,
                    &metrics(0.70, 50),
                    Some(0.60),
                    &network,
                    hidden_saturated
                )
                .is_none()
        );
        assert!(
            monitor
                .check(
                    2,
                    &metrics(0.70, 90),
                    Some(0.70),
                    &network,
                    hidden_saturated
                )
                .is_none()
        );
        // Healthy units: nothing.
        let healthy = [0.4f32; 8];
        assert!(
            monitor
                .check(
                    2,
                    &metrics(0.70, 50),
                    Some(0.70),
                    &network,
                    |_| &healthy[..]
                )
                .is_none()
        );
        let stall = monitor
            .check(
                3,
                &metrics(0.693, 51),
                Some(0.6932),
                &network,
                hidden_saturated,
            )
            .expect("flat loss, chance accuracy, saturated units");
        assert_eq!(
            (stall.layer, stall.output_layer, stall.width),
            (0, false, 4)
        );
        assert_eq!(stall.units, vec![0, 1, 2, 3]);
        assert!(stall.to_string().starts_with(
            "training has stalled at epoch 3: the loss 0.6930 moved less than 1% in an epoch and accuracy 51.0% is at chance; 100% of hidden layer 1's 4 sigmoid units are saturated"
        ), "{stall}");
        // Once.
        assert!(
            monitor
                .check(
                    4,
                    &metrics(0.693, 51),
                    Some(0.693),
                    &network,
                    hidden_saturated
                )
                .is_none()
        );
        monitor.reset();
        assert!(
            monitor
                .check(
                    5,
                    &metrics(0.693, 51),
                    Some(0.693),
                    &network,
                    hidden_saturated
                )
                .is_some()
        );
    }

    #[test]
    fn units_stuck_in_flat_ends_or_dead() {
        // Two samples, three units.
        let sigmoid = [0.995, 0.5, 0.001, 0.999, 0.2, 0.004];
        assert_eq!(
            stuck_units(Activation::Sigmoid, &sigmoid, 3),
            Some((UnitTrouble::Saturated, vec![0, 2]))
        );
        let tanh = [-0.999, 0.3, 0.995, 0.2];
        assert_eq!(
            stuck_units(Activation::Tanh, &tanh, 2),
            Some((UnitTrouble::Saturated, vec![0]))
        );
        let relu = [0.0, 1.0, 0.0, 0.0, 0.0, 2.0];
        assert_eq!(
            stuck_units(Activation::Relu, &relu, 3),
            Some((UnitTrouble::Dead, vec![0]))
        );
        assert_eq!(stuck_units(Activation::Linear, &relu, 3), None);
    }
}

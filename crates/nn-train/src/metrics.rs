//! Metrics: loss, accuracy, per-class accuracy and the confusion matrix for
//! classification; mean squared error and R^2 for regression.

use serde::{Deserialize, Serialize};

/// Counts of (true class, predicted class) pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    classes: usize,
    /// Row-major `[true, predicted]`.
    counts: Vec<u64>,
}

impl ConfusionMatrix {
    /// An all-zero matrix for `classes` classes.
    pub fn new(classes: usize) -> Self {
        Self {
            classes,
            counts: vec![0; classes * classes],
        }
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Every count, row-major `[actual, predicted]` (as serialised).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// How many samples of class `actual` were predicted as `predicted`.
    pub fn count(&self, actual: usize, predicted: usize) -> u64 {
        self.counts[actual * self.classes + predicted]
    }

    /// Records one prediction.
    pub fn record(&mut self, actual: usize, predicted: usize) {
        self.counts[actual * self.classes + predicted] += 1;
    }

    /// Total samples recorded.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Fraction predicted correctly (0 when empty).
    pub fn accuracy(&self) -> f64 {
        let correct: u64 = (0..self.classes).map(|c| self.count(c, c)).sum();
        correct as f64 / self.total().max(1) as f64
    }

    /// Recall per class: correct predictions of the class over its samples (`None` for an absent class).
    pub fn per_class_accuracy(&self) -> Vec<Option<f64>> {
        (0..self.classes)
            .map(|c| {
                let row: u64 = (0..self.classes).map(|p| self.count(c, p)).sum();
                (row > 0).then(|| self.count(c, c) as f64 / row as f64)
            })
            .collect()
    }
}

/// Metrics of a model over some samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Mean loss per sample.
    #[serde(with = "crate::json_float")]
    pub loss: f64,
    /// Samples measured.
    pub samples: usize,
    /// Classification: the confusion matrix (accuracy and per-class accuracy derive from it).
    pub confusion: Option<ConfusionMatrix>,
    /// Regression: mean squared error per output value.
    #[serde(default, with = "crate::json_float::option")]
    pub mse: Option<f64>,
    /// Regression: coefficient of determination `1 - SSE / SST`, pooled over outputs.
    #[serde(default, with = "crate::json_float::option")]
    pub r2: Option<f64>,
}

impl Metrics {
    /// Classification accuracy, if this is a classification metric.
    pub fn accuracy(&self) -> Option<f64> {
        self.confusion.as_ref().map(ConfusionMatrix::accuracy)
    }
}

/// The predicted class for one output row: argmax, or `o > 0.5` for a single sigmoid output.
pub fn predicted_class(row: &[f32]) -> usize {
    if row.len() == 1 {
        return usize::from(row[0] > 0.5);
    }
    let mut best = 0;
    for (k, &o) in row.iter().enumerate() {
        if o > row[best] {
            best = k;
        }
    }
    best
}

/// Adds up metrics batch by batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsAccumulator {
    loss_sum: f64,
    samples: usize,
    confusion: Option<ConfusionMatrix>,
    squared_error: f64,
    target_sum: Vec<f64>,
    target_sq_sum: Vec<f64>,
}

impl MetricsAccumulator {
    /// For classification with `classes` classes (`Some`) or regression with `outputs` outputs.
    pub fn new(classes: Option<usize>, outputs: usize) -> Self {
        Self {
            loss_sum: 0.0,
            samples: 0,
            confusion: classes.map(ConfusionMatrix::new),
            squared_error: 0.0,
            target_sum: vec![0.0; if classes.is_some() { 0 } else { outputs }],
            target_sq_sum: vec![0.0; if classes.is_some() { 0 } else { outputs }],
        }
    }

    /// Adds a classification batch: outputs `[n, width]`, their classes, and their summed loss.
    pub fn add_classes(&mut self, outputs: &[f32], width: usize, classes: &[u32], loss_sum: f64) {
        self.loss_sum += loss_sum;
        self.samples += classes.len();
        if let Some(confusion) = &mut self.confusion {
            for (row, &c) in outputs.chunks_exact(width).zip(classes) {
                confusion.record(c as usize, predicted_class(row));
            }
        }
    }

    /// Adds a regression batch: outputs and desired values `[n, width]`, and their summed loss.
    pub fn add_values(&mut self, outputs: &[f32], width: usize, desired: &[f32], loss_sum: f64) {
        self.loss_sum += loss_sum;
        self.samples += desired.len() / width.max(1);
        for (row, drow) in outputs.chunks_exact(width).zip(desired.chunks_exact(width)) {
            for (k, (&o, &d)) in row.iter().zip(drow).enumerate() {
                let (o, d) = (f64::from(o), f64::from(d));
                self.squared_error += (d - o) * (d - o);
                if let (Some(s), Some(s2)) =
                    (self.target_sum.get_mut(k), self.target_sq_sum.get_mut(k))
                {
                    *s += d;
                    *s2 += d * d;
                }
            }
        }
    }

    /// The metrics so far.
    pub fn finish(&self) -> Metrics {
        let n = self.samples.max(1) as f64;
        let regression = self.confusion.is_none();
        let values = n * self.target_sum.len().max(1) as f64;
        let total_variance: f64 = self
            .target_sum
            .iter()
            .zip(&self.target_sq_sum)
            .map(|(s, s2)| s2 - s * s / n)
            .sum();
        Metrics {
            loss: self.loss_sum / n,
            samples: self.samples,
            confusion: self.confusion.clone(),
            mse: regression.then_some(self.squared_error / values),
            r2: (regression && total_variance > 0.0)
                .then(|| 1.0 - self.squared_error / total_variance),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_and_accuracy() {
        let mut acc = MetricsAccumulator::new(Some(3), 3);
        let outputs = [0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.6, 0.3, 0.1, 0.1, 0.1, 0.8];
        acc.add_classes(&outputs, 3, &[0, 1, 1, 2], 2.0);
        let m = acc.finish();
        assert_eq!(m.accuracy(), Some(0.75));
        assert_eq!(m.loss, 0.5);
        let cm = m.confusion.unwrap();
        assert_eq!(cm.count(1, 0), 1);
        assert_eq!(
            cm.per_class_accuracy(),
            vec![Some(1.0), Some(0.5), Some(1.0)]
        );
    }

    #[test]
    fn single_sigmoid_output_thresholds_at_half() {
        assert_eq!(predicted_class(&[0.49]), 0);
        assert_eq!(predicted_class(&[0.51]), 1);
    }

    #[test]
    fn r2_is_one_for_perfect_and_zero_for_the_mean() {
        let mut perfect = MetricsAccumulator::new(None, 1);
        perfect.add_values(&[1.0, 2.0, 3.0], 1, &[1.0, 2.0, 3.0], 0.0);
        assert_eq!(perfect.finish().r2, Some(1.0));
        let mut mean = MetricsAccumulator::new(None, 1);
        mean.add_values(&[2.0, 2.0, 2.0], 1, &[1.0, 2.0, 3.0], 0.0);
        let m = mean.finish();
        assert!(m.r2.unwrap().abs() < 1e-12);
        assert!((m.mse.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    }
}

//! The next step's samples gathered on another thread while this step's pass
//! runs, as a data loader's worker does: a step whose pass runs on one thread
//! leaves the others idle, and its gather (a cache miss at the start of every
//! shuffled row) was an eighth of W1's step (784-100-10, batch 32).
//!
//! What is gathered is what the next step would gather itself, the same
//! values; it is used only by the very next step, and only if that step asks
//! for the same samples of the same data, else gathered again.
//!
//! The pass waits for the other thread at its end, and a helper needs a
//! core: whether gathering ahead pays is timed ([`AheadTimer`]).

use nn_data::{Dataset, Normalization};

use super::Shard;
use super::ahead_timer::AheadTimer;

/// Values (samples times features) from which a step's gather is worth a
/// hand-off to another thread: a hand-off costs the step a few microseconds
/// (waking the other thread), about what gathering 8,000 values costs.
pub(super) const PREFETCH_FROM_VALUES: usize = 8 * 1024;

/// The samples gathered ahead for the next step.
#[derive(Debug, Default)]
pub(super) struct Prefetch {
    gathered: Shard,
    /// The address of the data set `gathered` holds samples of; `None` when
    /// it holds none.
    data: Option<usize>,
    /// Which samples `gathered` holds.
    indices: Vec<usize>,
    /// Steps that took gathered samples.
    pub(super) used: u64,
    /// Whether gathering ahead pays.
    timer: AheadTimer,
}

impl Prefetch {
    /// Whether a step that `may` gather the next step's samples ahead does
    /// (`forced`: `NN_TRAIN_PREFETCH`, whatever the timer finds).
    pub(super) fn ahead(&mut self, may: bool, forced: Option<bool>) -> bool {
        if let Some(forced) = forced {
            return may && forced;
        }
        if !may {
            self.timer.skip();
            return false;
        }
        self.timer.next()
    }

    /// Gathers `indices` of `data` for the next step, its inputs transposed
    /// too when `transpose`.
    pub(super) fn gather(
        &mut self,
        data: &Dataset,
        normalization: &Normalization,
        indices: &[usize],
        transpose: bool,
    ) {
        self.gathered.gather(data, normalization, indices);
        if transpose {
            self.gathered.transpose_inputs(data.dim());
        }
        self.indices.clear();
        self.indices.extend_from_slice(indices);
        self.data = Some(std::ptr::from_ref(data).addr());
    }

    /// Moves the gathered samples into `whole` if they are `indices` of
    /// `data`, and returns whether it did. Either way nothing is held after.
    pub(super) fn take_into(
        &mut self,
        whole: &mut Shard,
        data: &Dataset,
        indices: &[usize],
    ) -> bool {
        let held = self.data.take();
        let matches = held == Some(std::ptr::from_ref(data).addr()) && self.indices == indices;
        if matches {
            std::mem::swap(&mut whole.inputs, &mut self.gathered.inputs);
            std::mem::swap(&mut whole.inputs_t, &mut self.gathered.inputs_t);
            whole.transposed = self.gathered.transposed;
            std::mem::swap(&mut whole.classes, &mut self.gathered.classes);
            std::mem::swap(&mut whole.values, &mut self.gathered.values);
            whole.samples = self.gathered.samples;
            self.used += 1;
        }
        matches
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use nn_core::{Activation, Architecture, Loss};
    use nn_data::{Dataset, Inputs, Normalization, NormalizationKind, Targets};

    use super::*;
    use crate::{OptimizerKind, TrainConfig, TrainData, Trainer};

    /// `samples` rows of `inputs` bytes, as MNIST's pixels are kept (the
    /// gather then converts and normalises them), in three classes.
    fn wide(samples: usize, inputs: usize) -> Dataset {
        let pixels = (0..samples * inputs)
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        let labels = (0..samples).map(|i| (i % 3) as u32).collect();
        let names = |prefix: &str, n: usize| (0..n).map(|i| format!("{prefix}{i}")).collect();
        Dataset::new(
            "bytes",
            Inputs::U8(pixels),
            Targets::Classes(labels),
            names("pixel", inputs),
            vec!["digit".into()],
            names("", 3),
        )
        .unwrap()
    }

    /// Weights' bits after two epochs on `threads`, and the steps that took
    /// samples gathered ahead.
    fn trained(threads: usize) -> (Vec<u32>, u64) {
        trained_with(threads, 8)
    }

    /// [`trained`] with a hidden layer `hidden` wide.
    fn trained_with(threads: usize, hidden: usize) -> (Vec<u32>, u64) {
        // 600 inputs a sample, batch 16: 9,600 values a gather; an 8-wide
        // hidden layer keeps the step below the serial threshold, on one
        // thread, so the others gather. 100 samples: six batches of 16 and
        // one of 4 an epoch (the last one's successor is not gathered ahead).
        let (samples, inputs) = (100, 600);
        let train = wide(samples, inputs);
        let normalization = Normalization::fit(NormalizationKind::Standardize, &train);
        let data = Arc::new(TrainData {
            train,
            validation: None,
            test: None,
            normalization,
            features: None,
        });
        let arch = Architecture::new(
            vec![inputs, hidden, 3],
            Activation::Relu,
            Activation::Softmax,
            Loss::CrossEntropy,
        )
        .unwrap();
        let config = TrainConfig {
            optimizer: OptimizerKind::Sgd,
            learning_rate: 0.05,
            batch_size: 16,
            threads,
            epochs: 2,
            ..TrainConfig::new(arch)
        };
        let mut t = Trainer::new(config, data).unwrap();
        t.run_epochs(2).unwrap();
        let bits = t
            .network()
            .parameters()
            .iter()
            .map(|v| v.to_bits())
            .collect();
        (bits, t.engine_prefetches_used())
    }

    #[test]
    fn samples_gathered_ahead_give_the_bits_of_gathering_them_in_the_step() {
        let (one, none_ahead) = trained(1);
        assert_eq!(none_ahead, 0, "one thread gathers nothing ahead");
        for threads in [2, 3, 4] {
            let (bits, ahead) = trained(threads);
            assert!(bits == one, "1 vs {threads} threads differ");
            // Every step but each epoch's first and its last (whose
            // predecessor saw a batch of another size): the timer's first
            // blocks gather ahead.
            assert_eq!(ahead, 2 * 5, "{threads} threads");
        }
    }

    #[test]
    fn inputs_gathered_ahead_transposed_give_the_same_bits() {
        // 72 wide: batches of 16 read their inputs transposed (and the step,
        // under the serial threshold, still runs on one thread while another
        // gathers: every step but each epoch's first and last takes them).
        assert!(nn_core::BatchInputs::transposed_read(
            16,
            nn_core::LayerShape {
                inputs: 600,
                outputs: 72,
                weight_offset: 0,
                bias_offset: 600 * 72,
            }
        ));
        let (one, _) = trained_with(1, 72);
        for threads in [2, 3] {
            let (bits, ahead) = trained_with(threads, 72);
            assert!(bits == one, "1 vs {threads} threads differ");
            assert_eq!(ahead, 2 * 5, "{threads} threads");
        }
    }

    #[test]
    fn inputs_gathered_ahead_are_transposed_when_asked() {
        let a = wide(8, 3);
        let norm = Normalization::identity(3);
        let (mut prefetch, mut whole) = (Prefetch::default(), Shard::default());
        prefetch.gather(&a, &norm, &[4, 1], true);
        assert!(prefetch.take_into(&mut whole, &a, &[4, 1]));
        assert!(whole.transposed);
        for r in 0..2 {
            for i in 0..3 {
                assert_eq!(whole.inputs_t[i * 2 + r], whole.inputs[r * 3 + i]);
            }
        }
        // Gathered in the step, they are not.
        whole.gather(&a, &norm, &[4, 1]);
        assert!(!whole.transposed);
        prefetch.gather(&a, &norm, &[4, 1], false);
        assert!(prefetch.take_into(&mut whole, &a, &[4, 1]));
        assert!(!whole.transposed);
    }

    #[test]
    fn gathered_samples_are_used_only_for_the_same_samples_of_the_same_data() {
        let (a, b) = (wide(8, 3), wide(8, 3));
        let norm = Normalization::identity(3);
        let mut prefetch = Prefetch::default();
        let mut whole = Shard::default();
        prefetch.gather(&a, &norm, &[4, 1], false);
        assert!(!prefetch.take_into(&mut whole, &a, &[1, 4]), "other order");
        // Nothing is held after a step looked.
        assert!(!prefetch.take_into(&mut whole, &a, &[4, 1]));
        prefetch.gather(&a, &norm, &[4, 1], false);
        assert!(!prefetch.take_into(&mut whole, &b, &[4, 1]), "other data");
        prefetch.gather(&a, &norm, &[4, 1], false);
        assert!(prefetch.take_into(&mut whole, &a, &[4, 1]));
        let mut fresh = Shard::default();
        fresh.gather(&a, &norm, &[4, 1]);
        assert_eq!(whole.samples, 2);
        assert_eq!(whole.inputs[..6], fresh.inputs[..6]);
        assert_eq!(whole.classes[..2], fresh.classes[..2]);
    }
}

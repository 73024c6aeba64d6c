//! A run's fingerprint: one 64-bit hash of everything every rank must share
//! (settings, data, starting weights, position), compared across ranks at
//! start-up so that mismatched flags or files are refused before training.
//!
//! FNV-1a (64-bit) over a fixed byte encoding: stable across builds and
//! machines, unlike `std`'s hasher, and fast enough (MNIST's 55 MB of pixels
//! hash in well under a second). It guards against mistakes, not adversaries.

use nn_data::{Dataset, Inputs, Targets};
use nn_train::{TrainConfig, Trainer};

/// FNV-1a, 64-bit.
#[derive(Debug, Clone)]
struct Fnv(u64);

impl Fnv {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Self(Self::OFFSET)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(Self::PRIME);
        }
    }

    /// A length first, so that `["ab", "c"]` and `["a", "bc"]` differ.
    fn len(&mut self, len: usize) {
        self.bytes(&(len as u64).to_le_bytes());
    }

    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.bytes(s.as_bytes());
    }

    fn strs(&mut self, items: &[String]) {
        self.len(items.len());
        for s in items {
            self.str(s);
        }
    }

    fn f32s(&mut self, values: &[f32]) {
        self.len(values.len());
        for v in values {
            self.bytes(&v.to_bits().to_le_bytes());
        }
    }
}

/// The fingerprint of a run as it stands: what every rank must agree on before
/// its first step.
///
/// Covers the configuration (except the threads per rank and the checkpoint
/// folder, which do not change the weights and may differ per rank), every
/// part of the data with its normalisation, the network's weights, and the
/// position in the run (epoch, step, rate, batch size).
pub fn fingerprint(trainer: &Trainer) -> u64 {
    let mut h = Fnv::new();
    let config = TrainConfig {
        threads: 0,
        checkpoint_dir: None,
        ..trainer.config().clone()
    };
    let json = serde_json::to_string(&config).expect("a TrainConfig always serialises");
    h.str(&json);
    let data = trainer.data();
    for part in [
        Some(&data.train),
        data.validation.as_ref(),
        data.test.as_ref(),
    ] {
        match part {
            Some(d) => {
                h.bytes(&[1]);
                dataset(&mut h, d);
            }
            None => h.bytes(&[0]),
        }
    }
    let n = &data.normalization;
    h.str(&format!("{:?}", n.kind));
    h.f32s(&n.shift);
    h.f32s(&n.scale);
    h.f32s(trainer.network().parameters());
    for position in [
        trainer.epoch() as u64,
        trainer.step_in_epoch() as u64,
        trainer.total_steps(),
        trainer.batch_size() as u64,
        u64::from(trainer.learning_rate().to_bits()),
    ] {
        h.bytes(&position.to_le_bytes());
    }
    h.0
}

fn dataset(h: &mut Fnv, d: &Dataset) {
    h.str(d.name());
    h.strs(d.feature_names());
    h.strs(d.target_names());
    h.strs(d.class_names());
    match d.inputs() {
        Inputs::F32(values) => {
            h.bytes(b"f32");
            h.f32s(values);
        }
        Inputs::U8(values) => {
            h.bytes(b"u8");
            h.len(values.len());
            h.bytes(values);
        }
    }
    match d.targets() {
        Targets::Classes(classes) => {
            h.bytes(b"classes");
            h.len(classes.len());
            for c in classes {
                h.bytes(&c.to_le_bytes());
            }
        }
        Targets::Values(values) => {
            h.bytes(b"values");
            h.f32s(values);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use nn_core::{Activation, Architecture, Loss};
    use nn_run::{DataOptions, DataSpec, load_data};

    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // From the FNV reference (Fowler, Noll, Vo): FNV-1a 64 of "" and "a".
        let mut h = Fnv::new();
        assert_eq!(h.0, 0xcbf2_9ce4_8422_2325);
        h.bytes(b"a");
        assert_eq!(h.0, 0xaf63_dc4c_8601_ec8c);
        let mut h = Fnv::new();
        h.bytes(b"foobar");
        assert_eq!(h.0, 0x8594_4171_f739_67e8);
    }

    fn trainer(seed: u64, samples: usize, threads: usize) -> Trainer {
        let options = DataOptions {
            samples,
            seed,
            ..DataOptions::default()
        };
        let data = Arc::new(load_data(&DataSpec::Generator("spiral".into()), &options).unwrap());
        let arch = Architecture::new(
            vec![2, 8, 2],
            Activation::Tanh,
            Activation::Softmax,
            Loss::CrossEntropy,
        )
        .unwrap();
        let config = TrainConfig {
            threads,
            ..TrainConfig::new(arch)
        };
        Trainer::new(config, data).unwrap()
    }

    #[test]
    fn same_run_same_fingerprint_whatever_the_threads() {
        assert_eq!(
            fingerprint(&trainer(1, 200, 1)),
            fingerprint(&trainer(1, 200, 2))
        );
    }

    #[test]
    fn data_settings_and_weights_each_change_it() {
        let base = fingerprint(&trainer(1, 200, 1));
        assert_ne!(base, fingerprint(&trainer(1, 201, 1)), "sample count");
        assert_ne!(base, fingerprint(&trainer(2, 200, 1)), "data seed");
        let mut other_rate = trainer(1, 200, 1);
        other_rate.set_learning_rate(0.5).unwrap();
        assert_ne!(base, fingerprint(&other_rate), "learning rate");
        let mut stepped = trainer(1, 200, 1);
        stepped.step().unwrap();
        assert_ne!(base, fingerprint(&stepped), "weights and position");
    }
}

//! What a sweep is ([`SweepSpec`], written as `sweep.json`) and the trials it
//! expands to ([`Trial`]): configurations (the grid's points, times the random
//! draws), each repeated over `seeds` training seeds; with `folds`, each trial is
//! trained once per fold ([`Job`]).

use std::collections::BTreeMap;

use nn_run::StateLine;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::axis::{GridAxis, RandomAxis};

/// The format of `sweep.json`.
pub const SPEC_FORMAT: u32 = 1;

/// A sweep, as `sweep.json` records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSpec {
    /// The format of this file.
    pub format: u32,
    /// The base run as a full state line: every trial is this line with its axes set.
    pub base: String,
    /// Epochs per trial (the state line does not hold them).
    pub epochs: usize,
    /// The target column of a CSV file (`--target`; the state line does not hold it).
    #[serde(default)]
    pub target: Option<String>,
    /// The grid's axes (their product; none: one point).
    pub grid: Vec<GridAxis>,
    /// Random configurations drawn (0: none), each combined with every grid point.
    pub random_count: usize,
    /// The random search's axes.
    pub random: Vec<RandomAxis>,
    /// Seed of the random draws.
    pub random_seed: u64,
    /// Repeats of each configuration with training seeds `seed`, `seed + 1`, ...
    pub seeds: usize,
    /// K-fold cross-validation on the training part (instead of the validation split).
    pub folds: Option<usize>,
    /// Successive halving, when asked for.
    pub halving: Option<Halving>,
    /// The command that started it.
    pub command: Vec<String>,
}

/// Successive halving: every trial trains `min_epochs`, the best `1/eta` go on
/// for `eta` times as many epochs in all, and so on up to the sweep's epochs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Halving {
    /// Keep the best `1/eta` at each rung (and multiply the epochs by `eta`).
    pub eta: usize,
    /// Epochs of the first rung.
    pub min_epochs: usize,
}

impl Halving {
    /// Halving for `configs` configurations trained up to `epochs`: as many rungs
    /// as cuts by `eta` leave at least one configuration, the first at `epochs /
    /// eta^(rungs - 1)` (at least one epoch).
    pub fn for_sweep(configs: usize, epochs: usize, eta: usize) -> Self {
        let eta = eta.max(2);
        let (mut left, mut min_epochs) = (configs, epochs);
        while left >= eta && min_epochs / eta >= 1 {
            left /= eta;
            min_epochs /= eta;
        }
        Self {
            eta,
            min_epochs: min_epochs.max(1),
        }
    }

    /// Jobs run at each rung when every cut keeps `ceil(n / eta)` of `configs`
    /// configurations, each with `per_config` jobs.
    pub fn jobs(&self, configs: usize, per_config: usize, epochs: usize) -> usize {
        let mut n = configs;
        let mut total = 0;
        for _ in self.rungs(epochs) {
            total += n * per_config;
            n = n.div_ceil(self.eta);
        }
        total
    }

    /// The epochs each rung trains to, ending at `epochs`.
    pub fn rungs(&self, epochs: usize) -> Vec<usize> {
        let mut rungs = vec![epochs];
        let mut e = epochs;
        while e / self.eta >= self.min_epochs.max(1) && self.eta > 1 {
            e /= self.eta;
            rungs.push(e);
        }
        rungs.reverse();
        rungs
    }
}

/// One configuration with one training seed: a state line to train.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// Its number, from 0, in the order of the spec's expansion.
    pub id: usize,
    /// Its configuration's number.
    pub config: usize,
    /// Which repeat (0 .. seeds).
    pub repeat: usize,
    /// The value of each axis (key -> value as the line prints it).
    pub axes: BTreeMap<String, String>,
    /// The run: `nn-tui train --state '<line>' --epochs <epochs>` trains it alone.
    pub line: String,
}

/// One training run of a sweep: a trial, on one fold when the sweep uses folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Job {
    /// The trial.
    pub trial: usize,
    /// The fold held out (0 .. folds), with cross-validation.
    pub fold: Option<usize>,
}

impl Job {
    /// The name of its run directory under the sweep's `trials/`.
    pub fn dir_name(&self) -> String {
        match self.fold {
            None => format!("t{:04}", self.trial),
            Some(f) => format!("t{:04}-fold{}", self.trial, f + 1),
        }
    }
}

impl SweepSpec {
    /// The axes' keys, grid first, in the order given.
    pub fn axis_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.grid.iter().map(|a| a.key.clone()).collect();
        for a in &self.random {
            if !keys.contains(&a.key) {
                keys.push(a.key.clone());
            }
        }
        if self.seeds > 1 && !keys.iter().any(|k| k == "seed") {
            keys.push("seed".into());
        }
        keys
    }

    /// The configurations: each the axis values over the base line.
    pub fn configurations(&self) -> Vec<BTreeMap<String, String>> {
        let mut points = vec![BTreeMap::new()];
        for axis in &self.grid {
            points = points
                .into_iter()
                .flat_map(|p| {
                    axis.values.iter().map(move |v| {
                        let mut p = p.clone();
                        p.insert(axis.key.clone(), v.clone());
                        p
                    })
                })
                .collect();
        }
        if self.random_count == 0 {
            return points;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.random_seed);
        let mut configs = Vec::with_capacity(points.len() * self.random_count);
        for _ in 0..self.random_count {
            let drawn: Vec<(String, String)> = self
                .random
                .iter()
                .map(|a| (a.key.clone(), a.draw(&mut rng)))
                .collect();
            for p in &points {
                let mut c = p.clone();
                c.extend(drawn.iter().cloned());
                configs.push(c);
            }
        }
        configs
    }

    /// Every trial: each configuration `seeds` times, repeat `r` with training
    /// seed `seed + r` of the base line.
    ///
    /// # Errors
    /// The base line or a value that no longer reads (a hand-edited sweep.json).
    pub fn trials(&self) -> Result<Vec<Trial>, nn_run::StateLineError> {
        let base: StateLine = self.base.parse()?;
        let seed = base.seed.unwrap_or_default();
        let mut trials = Vec::new();
        for (config, axes) in self.configurations().into_iter().enumerate() {
            for repeat in 0..self.seeds.max(1) {
                let mut line = base.clone();
                for (key, value) in &axes {
                    line.set(key, value)?;
                }
                let mut axes = axes.clone();
                if self.seeds > 1 {
                    let s = line.seed.unwrap_or(seed).wrapping_add(repeat as u64);
                    line.seed = Some(s);
                    axes.insert("seed".into(), s.to_string());
                }
                trials.push(Trial {
                    id: trials.len(),
                    config,
                    repeat,
                    axes,
                    line: line.to_string(),
                });
            }
        }
        Ok(trials)
    }

    /// Every job, trial by trial (fold by fold within a trial).
    pub fn jobs(&self, trials: usize) -> Vec<Job> {
        (0..trials)
            .flat_map(|trial| match self.folds {
                None => vec![Job { trial, fold: None }],
                Some(k) => (0..k)
                    .map(|f| Job {
                        trial,
                        fold: Some(f),
                    })
                    .collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> SweepSpec {
        let base = StateLine::new("xor");
        SweepSpec {
            format: SPEC_FORMAT,
            base: format!("{base} seed=5"),
            epochs: 10,
            target: None,
            grid: vec![
                GridAxis::parse("lr=0.01,0.03", &base).unwrap(),
                GridAxis::parse("hidden=4,8:8", &base).unwrap(),
            ],
            random_count: 0,
            random: Vec::new(),
            random_seed: 0,
            seeds: 2,
            folds: None,
            halving: None,
            command: Vec::new(),
        }
    }

    #[test]
    fn a_grid_is_the_product_of_its_axes_times_the_seeds() {
        let trials = spec().trials().unwrap();
        assert_eq!(trials.len(), 8);
        assert!(trials[0].line.contains("hidden=4 ") && trials[0].line.contains("lr=0.01 "));
        assert!(trials[0].line.ends_with("seed=5"), "{}", trials[0].line);
        assert!(trials[1].line.ends_with("seed=6"), "{}", trials[1].line);
        assert_eq!(trials[3].axes["hidden"], "8,8");
        assert_eq!(trials[7].config, 3);
        assert_eq!(spec().axis_keys(), ["lr", "hidden", "seed"]);
    }

    #[test]
    fn random_configurations_repeat_with_their_seed() {
        let base = StateLine::new("xor");
        let mut s = spec();
        s.random_count = 5;
        s.random = vec![RandomAxis::parse("l2=log:1e-5..1e-2", &base).unwrap()];
        let a = s.configurations();
        assert_eq!(a.len(), 20);
        assert_eq!(a, s.configurations());
        s.random_seed = 1;
        assert_ne!(a, s.configurations());
    }

    #[test]
    fn halving_rungs_end_at_the_sweep_epochs() {
        let h = Halving {
            eta: 3,
            min_epochs: 10,
        };
        assert_eq!(h.rungs(90), [10, 30, 90]);
        assert_eq!(h.rungs(100), [11, 33, 100]);
        assert_eq!(h.rungs(5), [5]);
        // 9 configurations, eta 3: 9 -> 3 -> 1 over 10, 30, 90 epochs.
        let h = Halving::for_sweep(9, 90, 3);
        assert_eq!(h.rungs(90), [10, 30, 90]);
        assert_eq!(h.jobs(9, 2, 90), (9 + 3 + 1) * 2);
        assert_eq!(Halving::for_sweep(2, 90, 3).rungs(90), [90]);
        assert_eq!(Halving::for_sweep(100, 4, 3).rungs(4), [1, 4]);
    }
}

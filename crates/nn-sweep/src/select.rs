//! Which trials win: each trial's best validation epoch (the mean over its folds
//! with cross-validation), each configuration's mean and standard deviation over
//! its seeds, the configurations ranked, and a marginal table per axis (the mean
//! best score at each value of the axis: which axis matters). With halving, a
//! configuration that reached a later rung ranks above any stopped earlier.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::record::{JobResult, JobStatus};
use crate::spec::Trial;

/// One trial's standing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialScore {
    /// The trial.
    pub trial: usize,
    /// Its configuration.
    pub config: usize,
    /// Its axes' values.
    pub axes: BTreeMap<String, String>,
    /// The rung it reached (0 without halving).
    pub rung: usize,
    /// Its ranking figure, higher better (mean over folds); `None`: diverged.
    pub score: Option<f64>,
    /// Best validation accuracy (mean over folds), for a classifier.
    pub accuracy: Option<f64>,
    /// Best validation loss (mean over folds).
    pub loss: Option<f64>,
    /// Epoch of the best validation score (the first fold's, with folds).
    pub best_epoch: Option<usize>,
    /// Epochs trained (per fold).
    pub epochs: usize,
    /// Wall-clock seconds of its jobs, summed.
    pub seconds: f64,
    /// Threads it ran on.
    pub threads: usize,
    /// How it ended.
    pub status: JobStatus,
    /// Its run directory (the first fold's, with folds).
    pub dir: String,
}

/// One configuration over its seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigScore {
    /// The configuration.
    pub config: usize,
    /// Its axes' values (the seed left out).
    pub axes: BTreeMap<String, String>,
    /// The rung it reached.
    pub rung: usize,
    /// Mean score over its seeds (`None`: one diverged).
    pub mean: Option<f64>,
    /// Sample standard deviation over its seeds (0 with one seed).
    pub sd: Option<f64>,
    /// Mean best validation loss over its seeds: breaks ties of `mean`.
    pub mean_loss: Option<f64>,
    /// Trials counted.
    pub trials: Vec<usize>,
    /// Its best trial (the seed with the best score).
    pub best_trial: usize,
}

/// An axis's marginal: the mean best score at each of its values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Marginal {
    /// The axis's key.
    pub key: String,
    /// `(value, mean score, trials)`, in the order of the values' first trials.
    pub values: Vec<(String, Option<f64>, usize)>,
}

/// A sweep's standings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standings {
    /// `accuracy` (higher better) or `loss` (scores are minus the loss).
    pub metric: &'static str,
    /// Trials, best first.
    pub trials: Vec<TrialScore>,
    /// Configurations, best first.
    pub configs: Vec<ConfigScore>,
    /// One per axis.
    pub marginals: Vec<Marginal>,
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn sample_sd(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let m = mean(values);
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt()
}

fn by_score(a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => b.total_cmp(&a),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// Each trial's score at its latest rung, over all its folds (`folds`: how many
/// a trial has); trials without every fold's result are left out.
pub fn trial_scores(results: &[JobResult], trials: &[Trial], folds: usize) -> Vec<TrialScore> {
    let mut latest: BTreeMap<usize, usize> = BTreeMap::new();
    for r in results {
        let rung = latest.entry(r.trial).or_insert(r.rung);
        *rung = (*rung).max(r.rung);
    }
    let mut out = Vec::new();
    for (&trial, &rung) in &latest {
        let mut jobs: Vec<&JobResult> = results
            .iter()
            .filter(|r| r.trial == trial && r.rung == rung)
            .collect();
        if jobs.len() < folds.max(1) {
            continue;
        }
        jobs.sort_by_key(|r| r.fold);
        let first = jobs[0];
        let bests: Option<Vec<_>> = jobs.iter().map(|r| r.best).collect();
        let (score, accuracy, loss) = match &bests {
            Some(b) => {
                let scores: Option<Vec<f64>> = b.iter().map(crate::record::Best::score).collect();
                let acc: Option<Vec<f64>> = b.iter().map(|b| b.accuracy).collect();
                let loss: Vec<f64> = b.iter().map(|b| b.loss).collect();
                (
                    scores.map(|s| mean(&s)),
                    acc.map(|a| mean(&a)),
                    Some(mean(&loss)),
                )
            }
            None => (None, None, None),
        };
        let status = if jobs.iter().any(|r| r.status == JobStatus::Diverged) {
            JobStatus::Diverged
        } else {
            first.status
        };
        out.push(TrialScore {
            trial,
            config: first.config,
            axes: trials
                .get(trial)
                .map_or_else(|| first.axes.clone(), |t| t.axes.clone()),
            rung,
            score,
            accuracy,
            loss,
            best_epoch: first.best.map(|b| b.epoch),
            epochs: first.epochs,
            seconds: jobs.iter().map(|r| r.seconds).sum(),
            threads: first.threads,
            status,
            dir: first.dir.display().to_string(),
        });
    }
    out.sort_by(|a, b| {
        b.rung
            .cmp(&a.rung)
            .then(by_score(a.score, b.score))
            .then(a.trial.cmp(&b.trial))
    });
    out
}

/// Configurations from their trials' scores, best first.
pub fn config_scores(trials: &[TrialScore]) -> Vec<ConfigScore> {
    let mut by_config: BTreeMap<usize, Vec<&TrialScore>> = BTreeMap::new();
    for t in trials {
        by_config.entry(t.config).or_default().push(t);
    }
    let mut out: Vec<ConfigScore> = by_config
        .into_iter()
        .map(|(config, ts)| {
            let rung = ts.iter().map(|t| t.rung).min().unwrap_or(0);
            let scores: Option<Vec<f64>> = ts.iter().map(|t| t.score).collect();
            let best = ts
                .iter()
                .min_by(|a, b| {
                    by_score(a.score, b.score)
                        .then(by_score(b.loss, a.loss))
                        .then(a.trial.cmp(&b.trial))
                })
                .expect("a configuration has a trial");
            let mut axes = best.axes.clone();
            if ts.len() > 1 {
                axes.remove("seed");
            }
            ConfigScore {
                config,
                axes,
                rung,
                mean: scores.as_ref().map(|s| mean(s)),
                sd: scores.as_ref().map(|s| sample_sd(s)),
                mean_loss: ts
                    .iter()
                    .map(|t| t.loss)
                    .collect::<Option<Vec<f64>>>()
                    .map(|l| mean(&l)),
                trials: ts.iter().map(|t| t.trial).collect(),
                best_trial: best.trial,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.rung
            .cmp(&a.rung)
            .then(by_score(a.mean, b.mean))
            .then(a.config.cmp(&b.config))
    });
    out
}

/// The marginal of each axis in `keys`, over `trials`.
pub fn marginals(trials: &[TrialScore], keys: &[String]) -> Vec<Marginal> {
    let mut ordered: Vec<&TrialScore> = trials.iter().collect();
    ordered.sort_by_key(|t| t.trial);
    keys.iter()
        .map(|key| {
            let mut values: Vec<(String, Vec<Option<f64>>)> = Vec::new();
            for t in &ordered {
                let Some(v) = t.axes.get(key) else { continue };
                match values.iter_mut().find(|(x, _)| x == v) {
                    Some((_, scores)) => scores.push(t.score),
                    None => values.push((v.clone(), vec![t.score])),
                }
            }
            Marginal {
                key: key.clone(),
                values: values
                    .into_iter()
                    .map(|(v, scores)| {
                        let n = scores.len();
                        let all: Option<Vec<f64>> = scores.into_iter().collect();
                        (v, all.map(|s| mean(&s)), n)
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The standings of `results`.
pub fn standings(
    results: &[JobResult],
    trials: &[Trial],
    folds: usize,
    keys: &[String],
) -> Standings {
    let scored = trial_scores(results, trials, folds);
    let metric = if scored.iter().any(|t| t.accuracy.is_some()) {
        "accuracy"
    } else {
        "loss"
    };
    Standings {
        metric,
        configs: config_scores(&scored),
        marginals: marginals(&scored, keys),
        trials: scored,
    }
}

/// Successive halving's cut after `rung`: of the `alive` trials, those of the
/// best `ceil(configs / eta)` configurations at that rung go on.
pub fn promoted(
    results: &[JobResult],
    rung: usize,
    alive: &[usize],
    trials: &[Trial],
    eta: usize,
) -> Vec<usize> {
    let here: Vec<JobResult> = results
        .iter()
        .filter(|r| r.rung == rung && alive.contains(&r.trial))
        .cloned()
        .collect();
    let folds = here
        .iter()
        .filter_map(|r| r.fold)
        .max()
        .map_or(1, |f| f + 1);
    let configs = config_scores(&trial_scores(&here, trials, folds));
    let keep = configs.len().div_ceil(eta.max(1));
    let kept: Vec<usize> = configs
        .iter()
        .take(keep)
        .filter(|c| c.mean.is_some())
        .map(|c| c.config)
        .collect();
    alive
        .iter()
        .copied()
        .filter(|&t| kept.contains(&trials[t].config))
        .collect()
}

/// `results.csv`: one row per trial, best first, its axes in columns.
pub fn csv(standings: &Standings, keys: &[String]) -> String {
    let mut s = String::from("rank,trial,config");
    for k in keys {
        let _ = write!(s, ",{k}");
    }
    s.push_str(",status,rung,epochs,best_epoch,val_accuracy,val_loss,score,seconds,threads,dir\n");
    let cell = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.6}"));
    for (rank, t) in standings.trials.iter().enumerate() {
        let _ = write!(s, "{},{},{}", rank + 1, t.trial, t.config);
        for k in keys {
            let v = t.axes.get(k).map_or("", String::as_str);
            // A shape's commas would split the cell: quote it.
            if v.contains(',') {
                let _ = write!(s, ",\"{v}\"");
            } else {
                let _ = write!(s, ",{v}");
            }
        }
        let status = match t.status {
            JobStatus::Finished => "finished",
            JobStatus::Diverged => "diverged",
            JobStatus::Rung => "halted",
        };
        let _ = writeln!(
            s,
            ",{status},{},{},{},{},{},{},{:.3},{},{}",
            t.rung,
            t.epochs,
            t.best_epoch.map_or_else(String::new, |e| e.to_string()),
            cell(t.accuracy),
            cell(t.loss),
            cell(t.score),
            t.seconds,
            t.threads,
            t.dir
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Best;

    fn result(trial: usize, config: usize, seed: &str, acc: f64) -> JobResult {
        JobResult {
            trial,
            fold: None,
            config,
            rung: 0,
            axes: BTreeMap::from([
                ("lr".into(), ["0.1", "0.3"][config].into()),
                ("seed".into(), seed.into()),
            ]),
            status: JobStatus::Finished,
            epochs: 5,
            best: Some(Best {
                epoch: 3,
                accuracy: Some(acc),
                loss: 1.0 - acc,
            }),
            seconds: 1.0,
            train_seconds: 0.9,
            train_cpu_seconds: None,
            threads: 1,
            dir: format!("trials/t{trial:04}").into(),
        }
    }

    #[test]
    fn configurations_rank_by_their_mean_over_seeds_with_the_sample_sd() {
        // Worked by hand: lr=0.1 -> 0.8, 0.9 (mean 0.85, sd 0.0707); lr=0.3 -> 0.7, 0.95 (mean 0.825).
        let results = [
            result(0, 0, "1", 0.8),
            result(1, 0, "2", 0.9),
            result(2, 1, "1", 0.7),
            result(3, 1, "2", 0.95),
        ];
        let keys = ["lr".to_string(), "seed".to_string()];
        let s = standings(&results, &[], 1, &keys);
        assert_eq!(s.metric, "accuracy");
        assert_eq!(s.trials[0].trial, 3);
        assert_eq!(s.configs[0].config, 0);
        assert!((s.configs[0].mean.unwrap() - 0.85).abs() < 1e-12);
        assert!((s.configs[0].sd.unwrap() - 0.070_710_678).abs() < 1e-8);
        assert_eq!(s.configs[0].best_trial, 1);
        assert_eq!(s.configs[1].best_trial, 3);
        let (value, m, n) = &s.marginals[0].values[0];
        assert_eq!((value.as_str(), *n), ("0.1", 2));
        assert!((m.unwrap() - 0.85).abs() < 1e-12);
        assert!((s.marginals[1].values[1].1.unwrap() - 0.925).abs() < 1e-12);
        let csv = csv(&s, &keys);
        assert!(csv.starts_with("rank,trial,config,lr,seed,status"), "{csv}");
        assert_eq!(csv.lines().count(), 5);
    }

    #[test]
    fn halving_keeps_the_best_third_of_the_configurations() {
        let results = [result(0, 0, "1", 0.8), result(1, 1, "1", 0.9)];
        let trials: Vec<Trial> = (0..2)
            .map(|i| Trial {
                id: i,
                config: i,
                repeat: 0,
                axes: BTreeMap::new(),
                line: String::new(),
            })
            .collect();
        assert_eq!(promoted(&results, 0, &[0, 1], &trials, 3), [1]);
        assert_eq!(promoted(&results, 0, &[0, 1], &trials, 1), [0, 1]);
    }
}

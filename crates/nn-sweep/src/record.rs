//! What a sweep writes as it goes: one [`JobResult`] per finished job, a line of
//! `results.jsonl` each, appended as the job ends and synced with the lines of
//! the jobs that ended with it. A sweep
//! killed at any point keeps every line written whole; `--resume` reads them
//! back ([`read_results`]), drops a line cut short, and runs only the jobs
//! without one.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::SweepError;
use crate::spec::Job;

/// The file of finished jobs.
pub const RESULTS_FILE: &str = "results.jsonl";

/// How a job's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Trained all its epochs (or stopped early on its own).
    Finished,
    /// The loss became non-finite: ranked last.
    Diverged,
    /// Reached a rung of successive halving (its later rungs, if promoted, follow).
    Rung,
}

/// A job's best validation epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Best {
    /// The epoch (1-based).
    pub epoch: usize,
    /// Validation accuracy, for classification.
    pub accuracy: Option<f64>,
    /// Validation loss.
    pub loss: f64,
}

impl Best {
    /// The figure trials are ranked by, higher better: accuracy for a
    /// classifier, minus the loss for a regression; `None` if not finite.
    pub fn score(&self) -> Option<f64> {
        let s = self.accuracy.unwrap_or(-self.loss);
        s.is_finite().then_some(s)
    }

    /// Whether this is better than `other` (accuracy, ties to the lower loss).
    pub fn better_than(&self, other: &Self) -> bool {
        match (self.score(), other.score()) {
            (Some(a), Some(b)) if a != b => a > b,
            (Some(_), Some(_)) => self.loss < other.loss,
            (Some(_), None) => true,
            _ => false,
        }
    }
}

/// One finished job, a line of `results.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobResult {
    /// The trial.
    pub trial: usize,
    /// The fold held out, with cross-validation.
    pub fold: Option<usize>,
    /// The trial's configuration.
    pub config: usize,
    /// The rung of successive halving (0 without halving).
    #[serde(default)]
    pub rung: usize,
    /// Its axes' values.
    pub axes: BTreeMap<String, String>,
    /// How it ended.
    pub status: JobStatus,
    /// Epochs trained.
    pub epochs: usize,
    /// Its best validation epoch (`None`: no finite score).
    pub best: Option<Best>,
    /// Wall-clock seconds of its run (set-up and recording included).
    pub seconds: f64,
    /// Wall-clock seconds inside the trainer's run (its epochs and their
    /// evaluation); the rest of `seconds` is the job's set-up and recording.
    pub train_seconds: f64,
    /// CPU seconds of its training (Linux, one-thread runs: the worker's own account).
    #[serde(default)]
    pub train_cpu_seconds: Option<f64>,
    /// Threads it ran on.
    pub threads: usize,
    /// Its run directory, relative to the sweep directory.
    pub dir: PathBuf,
}

impl JobResult {
    /// The job it finished.
    pub fn job(&self) -> Job {
        Job {
            trial: self.trial,
            fold: self.fold,
        }
    }
}

/// Appends results to `results.jsonl`; [`ResultsLog::sync`] makes them durable.
pub struct ResultsLog {
    file: File,
    path: PathBuf,
}

impl ResultsLog {
    /// Opens `dir/results.jsonl` for appending (created if needed).
    ///
    /// # Errors
    /// The file cannot be opened.
    pub fn open(dir: &Path) -> Result<Self, SweepError> {
        let path = dir.join(RESULTS_FILE);
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| SweepError::io(&path, e))?;
        Ok(Self { file, path })
    }

    /// Appends results as lines, all in one `write` (a reader or a kill sees
    /// whole lines, and a line cut short by a crash is dropped when read).
    ///
    /// # Errors
    /// The write fails.
    pub fn append<'a>(
        &mut self,
        results: impl IntoIterator<Item = &'a JobResult>,
    ) -> Result<(), SweepError> {
        let mut lines = Vec::new();
        for result in results {
            serde_json::to_writer(&mut lines, result).expect("a result serialises: plain data");
            lines.push(b'\n');
        }
        self.file
            .write_all(&lines)
            .map_err(|e| SweepError::io(&self.path, e))
    }

    /// Makes the lines appended so far durable.
    ///
    /// # Errors
    /// The sync fails.
    pub fn sync(&mut self) -> Result<(), SweepError> {
        self.file
            .sync_data()
            .map_err(|e| SweepError::io(&self.path, e))
    }
}

/// The results written whole in `dir/results.jsonl` (none if there is no file);
/// a last line cut short by a kill is left out, and so is a second line for the
/// same job.
///
/// # Errors
/// The file cannot be read, or a whole line is not a result.
pub fn read_results(dir: &Path) -> Result<Vec<JobResult>, SweepError> {
    let path = dir.join(RESULTS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(SweepError::io(&path, e)),
    };
    let whole = match text.rfind('\n') {
        Some(end) => &text[..=end],
        None => "",
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut results = Vec::new();
    for (n, line) in whole.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let result: JobResult = serde_json::from_str(line).map_err(|e| SweepError::Results {
            path: path.clone(),
            line: n + 1,
            problem: e.to_string(),
        })?;
        if seen.insert((result.job(), result.rung)) {
            results.push(result);
        }
    }
    Ok(results)
}

/// Rewrites `dir/results.jsonl` with `results` alone (atomically): what a
/// resumed sweep starts from, without a line cut short.
///
/// # Errors
/// The write fails.
pub fn rewrite_results(dir: &Path, results: &[JobResult]) -> Result<(), SweepError> {
    let mut text = String::new();
    for r in results {
        text.push_str(&serde_json::to_string(r).expect("a result serialises: plain data"));
        text.push('\n');
    }
    let path = dir.join(RESULTS_FILE);
    Ok(nn_atomic_write::write_atomically(&path, text.as_bytes())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(trial: usize) -> JobResult {
        JobResult {
            trial,
            fold: None,
            config: trial,
            rung: 0,
            axes: BTreeMap::from([("lr".into(), "0.1".into())]),
            status: JobStatus::Finished,
            epochs: 3,
            best: Some(Best {
                epoch: 2,
                accuracy: Some(0.5),
                loss: 0.7,
            }),
            seconds: 0.1,
            train_seconds: 0.09,
            train_cpu_seconds: None,
            threads: 1,
            dir: PathBuf::from("trials/t0000"),
        }
    }

    #[test]
    fn a_line_cut_short_is_left_out_and_the_rest_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = ResultsLog::open(dir.path()).unwrap();
        log.append([&result(0)]).unwrap();
        log.append([&result(1), &result(1)]).unwrap();
        drop(log);
        let path = dir.path().join(RESULTS_FILE);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"trial\":2,\"fo");
        std::fs::write(&path, text).unwrap();
        let read = read_results(dir.path()).unwrap();
        assert_eq!(read, [result(0), result(1)]);
        rewrite_results(dir.path(), &read).unwrap();
        assert_eq!(read_results(dir.path()).unwrap(), read);
    }

    #[test]
    fn a_classifier_ranks_by_accuracy_then_loss_and_nan_is_last() {
        let b = |accuracy, loss| Best {
            epoch: 1,
            accuracy,
            loss,
        };
        assert!(b(Some(0.9), 1.0).better_than(&b(Some(0.8), 0.1)));
        assert!(b(Some(0.9), 0.1).better_than(&b(Some(0.9), 0.2)));
        assert!(b(None, 0.1).better_than(&b(None, 0.2)));
        assert!(b(None, 5.0).better_than(&b(None, f64::NAN)));
        assert!(!b(None, f64::NAN).better_than(&b(None, 5.0)));
    }
}

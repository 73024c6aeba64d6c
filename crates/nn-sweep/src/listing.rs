//! Sweep directories read back: the spec, and a sweep at a glance as `nn-tui
//! runs` lists it.

use std::path::{Path, PathBuf};

use nn_run::StateLine;

use crate::SweepError;
use crate::record::{JobStatus, read_results};
use crate::run::{SPEC_FILE, Sweep};
use crate::spec::SweepSpec;

/// Reads `dir/sweep.json`.
///
/// # Errors
/// No such file, or one that does not read.
pub fn read_spec(dir: &Path) -> Result<SweepSpec, SweepError> {
    let path = dir.join(SPEC_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| SweepError::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| SweepError::Spec {
        path,
        problem: e.to_string(),
    })
}

/// A sweep directory at a glance, as `nn-tui runs` lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SweepSummary {
    /// The directory.
    pub dir: PathBuf,
    /// The base run's data.
    pub data: String,
    /// The axes, `key=values` as given.
    pub axes: Vec<String>,
    /// Trials.
    pub trials: usize,
    /// Jobs (trials times folds).
    pub jobs: usize,
    /// Jobs with a result.
    pub done: usize,
    /// The best trial's ranking figure (accuracy, or minus the loss).
    pub best: Option<f64>,
    /// `accuracy` or `loss`.
    pub metric: &'static str,
    /// When sweep.json was written (seconds since 1970).
    pub started: f64,
}

/// Every sweep directory directly under `root` (a folder holding `sweep.json`),
/// oldest first; those that cannot be read come last, as errors.
///
/// # Errors
/// `root` cannot be listed.
pub fn list_sweeps(root: &Path) -> Result<Vec<Result<SweepSummary, SweepError>>, SweepError> {
    let entries = std::fs::read_dir(root).map_err(|e| SweepError::io(root, e))?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(SPEC_FILE).is_file())
        .collect();
    dirs.sort();
    let mut out: Vec<Result<SweepSummary, SweepError>> =
        dirs.iter().map(|d| summarise(d)).collect();
    out.sort_by(|a, b| match (a, b) {
        (Ok(a), Ok(b)) => a.started.total_cmp(&b.started),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => std::cmp::Ordering::Equal,
    });
    Ok(out)
}

fn summarise(dir: &Path) -> Result<SweepSummary, SweepError> {
    let sweep = Sweep::open(dir)?;
    let spec = sweep.spec();
    let results = read_results(dir)?;
    let folds = spec.folds.unwrap_or(1);
    let standings = crate::select::standings(&results, sweep.trials(), folds, &[]);
    let started = std::fs::metadata(dir.join(SPEC_FILE))
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0.0, |d| d.as_secs_f64());
    let base: StateLine = spec.base.parse()?;
    let mut axes: Vec<String> = spec.grid.iter().map(ToString::to_string).collect();
    if spec.random_count > 0 {
        axes.push(format!("random {}", spec.random_count));
    }
    Ok(SweepSummary {
        dir: dir.to_path_buf(),
        data: base.data,
        axes,
        trials: sweep.trials().len(),
        jobs: sweep.trials().len() * folds,
        done: results
            .iter()
            .filter(|r| r.status != JobStatus::Rung || spec.halving.is_none())
            .count(),
        best: standings.trials.first().and_then(|t| t.score),
        metric: standings.metric,
        started,
    })
}

//! [`RunSummary`]: a run in a few figures (status, epochs, best score, time),
//! folded from its log; [`list_runs`] reads every run under a folder.

use std::path::{Path, PathBuf};

use super::reader::{RunReader, RunStatus};
use super::record::{Entry, Record, RunInfo, Score};
use super::{RUN_INFO_FILE, RunDirError};
use crate::session::RunState;

/// A run at a glance.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// The run directory.
    pub dir: PathBuf,
    /// What the run is.
    pub info: RunInfo,
    /// Being written, or how it ended.
    pub status: RunStatus,
    /// The last run state recorded (paused, diverged, ...).
    pub state: Option<RunState>,
    /// The latest epoch recorded.
    pub epochs: usize,
    /// The best headline figure recorded (see [`Score`]).
    pub best: Option<Score>,
    /// Seconds from the start to the last record.
    pub seconds: f64,
    /// Records read.
    pub records: usize,
    /// Records skipped (torn or unreadable), in words.
    pub warnings: Vec<String>,
}

impl RunSummary {
    /// An empty summary of the run `info` in `dir`.
    pub fn new(dir: &Path, info: RunInfo) -> Self {
        Self {
            dir: dir.to_path_buf(),
            info,
            status: RunStatus::Running,
            state: None,
            epochs: 0,
            best: None,
            seconds: 0.0,
            records: 0,
            warnings: Vec::new(),
        }
    }

    /// Reads the run in `dir` as it stands now.
    pub fn read(dir: &Path) -> Result<Self, RunDirError> {
        let mut reader = RunReader::open(dir)?;
        let (records, status) = reader.poll()?;
        let mut summary = Self::new(dir, reader.info().clone());
        for record in &records {
            summary.add(record);
        }
        summary.status = status;
        summary.warnings = reader.take_warnings();
        Ok(summary)
    }

    /// Takes one record into account.
    pub fn add(&mut self, record: &Record) {
        self.records += 1;
        self.seconds = self.seconds.max(record.t);
        match &record.entry {
            Entry::Epoch(report) => {
                self.epochs = report.epoch;
                let score = Score::of(report);
                if self.best.is_none_or(|b| score.better_than(&b)) {
                    self.best = Some(score);
                }
            }
            Entry::Progress(p) => self.epochs = p.epoch,
            Entry::State(state) => self.state = Some(state.clone()),
            Entry::Reset(_) => self.epochs = 0,
            Entry::Restart(info) => {
                // The listing describes the run that is writing now.
                self.info = (**info).clone();
                self.epochs = 0;
                self.best = None;
                self.state = None;
            }
            Entry::End(end) => {
                self.status = end.status.into();
                if let Some(summary) = &end.summary {
                    self.epochs = summary.epochs;
                }
            }
            Entry::StateLine(line) => self.info.state_line.clone_from(line),
            Entry::Settings(_) | Entry::Snapshot(_) | Entry::Log(_) => {}
        }
    }

    /// The status in words, with a live run's state: `running`, `paused`,
    /// `diverged, open` (the dashboard that wrote it is still open), `finished`,
    /// `stopped writing`, ...
    pub fn status_text(&self) -> String {
        match (self.status, &self.state) {
            (RunStatus::Running, Some(RunState::Paused)) => "paused".into(),
            (RunStatus::Running, Some(RunState::Diverged(_))) => "diverged, open".into(),
            (RunStatus::Running, Some(RunState::Finished)) => "finished, open".into(),
            (status, _) => status.name().into(),
        }
    }
}

/// Every run directory directly under `root` (a folder holding `run.json`),
/// oldest first; runs that cannot be read come last, as errors.
pub fn list_runs(root: &Path) -> Result<Vec<Result<RunSummary, RunDirError>>, RunDirError> {
    let entries = std::fs::read_dir(root).map_err(|e| RunDirError::io(root, e))?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(RUN_INFO_FILE).is_file())
        .collect();
    dirs.sort();
    let mut runs: Vec<_> = dirs.iter().map(|d| RunSummary::read(d)).collect();
    runs.sort_by(|a, b| match (a, b) {
        (Ok(a), Ok(b)) => a.info.started.total_cmp(&b.info.started),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => std::cmp::Ordering::Equal,
    });
    Ok(runs)
}
